"""Push (issue 18): event → Home Assistant event latency, and Lidarr requests per idle hour.

``python -m bench.push [--runs N] [--out bench/RESULTS-push.md]`` runs the simulator and a real
Home Assistant (pytest-homeassistant-custom-component's, as :mod:`.hass`) in one process, Home
Assistant's HTTP app on a loopback port as its internal URL, so the simulated Lidarr really
calls the webhook and Home Assistant really reads the simulated Navidrome's ``/api/events``.

* **Latency**, per run: a Lidarr request is downloaded by the simulated stack while Home
  Assistant does not poll; the clock starts when the simulated Lidarr has imported the album
  (checked after every simulated second) and stops when the ``stepheybot_music_request``
  event with ``in_library`` fires. The same for a request through the download client: from
  the end of Navidrome's scan to ``in_library``. Wall-clock (``CLOCK_MONOTONIC``).
* **Requests per idle hour**: a stack with Lidarr alone, nothing downloading; time is frozen
  and moved through one hour in fast-interval steps, Home Assistant's timers firing as they
  fall due (as the integration tests do), once with push and once with polling only; the
  requests the Lidarr client sent are counted (its transport's counter: every coordinator
  and the webhook check share that client).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestServer
from freezegun import freeze_time
from homeassistant.core import Event, HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    async_fire_time_changed,
)
from stepheybot_music_clients.lidarr import MonitorOption

from custom_components.stepheybot_music.const import CONF_PUSH, DOMAIN
from custom_components.stepheybot_music.coordinators.lidarr import LidarrRuntime
from custom_components.stepheybot_music.coordinators.navidrome import NavidromeRuntime
from custom_components.stepheybot_music.push.state import PushMode
from custom_components.stepheybot_music.tracking.models import (
    EVENT_REQUEST,
    Route,
    TrackedRequest,
)
from simulator import Simulator
from simulator.server import default_specs

from .hass import add_entry, home_assistant

TARGET_SECONDS = 2.0
TARGET_RATIO = 10.0
HOUR = 3600
FAST = 15
OUT = Path(__file__).parent / "RESULTS-push.md"
MAGNET = "magnet:?xt=urn:btih:{hash}&dn=Bench+{n}"


def wall() -> float:
    """Real seconds."""
    return time.clock_gettime(time.CLOCK_MONOTONIC)


def _subentry(sim: Simulator, name: str) -> dict[str, Any]:
    spec = sim.spec(name)
    data: dict[str, Any] = {"url": sim.url(name), "verify_ssl": False}
    for key in ("username", "password", "api_key"):
        if getattr(spec, key):
            data[key] = getattr(spec, key)
    return {
        "data": data,
        "subentry_type": spec.kind,
        "title": name.title(),
        "unique_id": f"{spec.kind}-{data['url']}",
    }


async def _wait(hass: HomeAssistant, done: Callable[[], bool], limit: float = 30.0) -> float:
    """Wait (real time) for ``done()``; the seconds it took."""
    start = wall()
    while not done():
        if wall() - start > limit:
            raise RuntimeError("not done within 30 s")
        await asyncio.sleep(0.002)
    return wall() - start


async def _stack(hass: HomeAssistant, sim: Simulator, names: list[str], *, push: bool) -> Any:
    return await add_entry(
        hass,
        DOMAIN,
        {},
        options={CONF_PUSH: push},
        subentries=[_subentry(sim, name) for name in names],
    )


async def _lidarr_latency(hass: HomeAssistant, sim: Simulator, entry: Any) -> float:
    """From Lidarr's import to the ``in_library`` event, Home Assistant not polling."""
    world = sim.world
    backend = next(b for b in entry.runtime_data.backends.values() if isinstance(b, LidarrRuntime))
    client = backend.queue.client
    artist = next(
        a
        for a in world.artists.values()
        if not a.in_lidarr
        and any(r.seeders > 0 for i in a.album_ids for r in world.releases_for(world.albums[i]))
    )
    album = next(
        world.albums[i]
        for i in artist.album_ids
        if any(r.seeders > 0 for r in world.releases_for(world.albums[i]))
    )
    [found] = await client.lookup_artist(f"mbid:{artist.mbid}")
    added = await client.add_artist(
        found,
        quality_profile_id=1,
        metadata_profile_id=1,
        root_folder_path="/music",
        monitor=MonitorOption.NONE,
        search=False,
    )
    command = await client.add_album(album.id)
    request = TrackedRequest(
        request_id=f"bench-lidarr-{album.id}",
        route=Route.LIDARR,
        backend_id=backend.ref.subentry_id,
        artist=artist.name,
        album=album.title,
        lidarr_artist_id=added.id,
        lidarr_album_ids=(album.id,),
        lidarr_command_id=command.id if command else None,
    )
    arrived: list[float] = []

    def listen(event: Event[dict[str, Any]]) -> None:
        if event.data["request_id"] == request.request_id and event.data["stage"] == "in_library":
            arrived.append(wall())

    remove = hass.bus.async_listen(EVENT_REQUEST, listen)
    await entry.runtime_data.requests.async_submit(request)
    await hass.async_block_till_done()
    for _ in range(3600):
        await sim.advance(1)
        if album.has_files:
            break
    imported = wall()
    await _wait(hass, lambda: bool(arrived))
    remove()
    pusher = entry.runtime_data.push[backend.ref.subentry_id]
    if pusher.state.mode is not PushMode.HEALTHY:
        raise RuntimeError(f"Lidarr's push was {pusher.state.mode} at the import")
    return arrived[0] - imported


async def _scan_latency(hass: HomeAssistant, sim: Simulator, entry: Any, n: int) -> float:
    """From the end of Navidrome's scan to ``in_library`` (a download-client request)."""
    world = sim.world
    info_hash = f"{n:040x}"
    world.add_magnet(MAGNET.format(hash=info_hash, n=n), category="music", client="qbittorrent")
    client = next(b for b in entry.runtime_data.backends.values() if b.ref.kind == "qbittorrent")
    request = TrackedRequest(
        request_id=f"bench-scan-{n}",
        route=Route.DOWNLOAD_CLIENT,
        backend_id=client.ref.subentry_id,
        artist="Bench",
        album=f"Bench {n}",
        torrent_hash=info_hash,
    )
    arrived: list[float] = []

    def listen(event: Event[dict[str, Any]]) -> None:
        if event.data["request_id"] == request.request_id and event.data["stage"] == "in_library":
            arrived.append(wall())

    remove = hass.bus.async_listen(EVENT_REQUEST, listen)
    requests = entry.runtime_data.requests
    await requests.async_submit(request)
    await hass.async_block_till_done()
    torrent = world.torrents[info_hash]
    await sim.advance(torrent.amount_left / world.download_speed + 2, step=5)
    for coordinator in client.fast:  # the download client is polled as usual
        await coordinator.async_refresh()
    await requests.async_refresh()  # importing: the request starts Navidrome's scan
    stored = requests.store.get(request.request_id)
    if stored is None or stored.stage.value != "importing":
        raise RuntimeError(f"the request should be importing: {stored}")
    await asyncio.sleep(0.2)  # the stream reports the scan's start
    for _ in range(600):
        await sim.advance(1)
        if not world.navidrome_scanning:
            break
    ended = wall()
    await _wait(hass, lambda: bool(arrived))
    remove()
    pusher = entry.runtime_data.push[
        next(iter(entry.runtime_data.of_type(NavidromeRuntime))).ref.subentry_id
    ]
    if pusher.state.mode is not PushMode.HEALTHY:
        raise RuntimeError(f"Navidrome's push was {pusher.state.mode} at the scan's end")
    return arrived[0] - ended


async def _idle_hour(hass: HomeAssistant, sim: Simulator, *, push: bool) -> dict[str, Any]:
    """Lidarr requests over one idle hour of Home Assistant's timers (time frozen and moved)."""
    entry = await _stack(hass, sim, ["lidarr"], push=push)
    await hass.async_block_till_done(wait_background_tasks=True)
    backend = next(b for b in entry.runtime_data.backends.values() if isinstance(b, LidarrRuntime))
    if push:
        pusher = entry.runtime_data.push[backend.ref.subentry_id]
        await _wait(hass, lambda: pusher.state.mode is PushMode.HEALTHY)
    stats = backend.queue.client.stats
    with freeze_time(dt_util.utcnow()) as frozen:
        # freezing moves the loop's clock: let every timer find its new place first
        for _ in range(2):
            frozen.tick(timedelta(seconds=1))
            async_fire_time_changed(hass)
            await hass.async_block_till_done(wait_background_tasks=True)
        stats.reset()
        for _ in range(HOUR // FAST):
            frozen.tick(timedelta(seconds=FAST))
            async_fire_time_changed(hass)
            await hass.async_block_till_done(wait_background_tasks=True)
        counted = {"requests": stats.requests, "by_path": dict(sorted(stats.by_path.items()))}
        if push:
            counted["mode"] = str(pusher.state.mode)
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    return counted


async def measure(runs: int) -> dict[str, Any]:
    """Every number of the report."""
    specs = [s for s in default_specs("bench") if s.name in {"lidarr", "navidrome", "qbittorrent"}]
    async with (
        Simulator(seed=7, specs=specs, speed=0, tick_interval=3600, docker_socket=False) as sim,
        home_assistant() as hass,
    ):
        for component in ("http", "webhook", "calendar"):
            assert await async_setup_component(hass, component, {})
        server = TestServer(hass.http.app, host="127.0.0.1")
        await server.start_server()
        hass.config.internal_url = str(server.make_url("")).rstrip("/")
        try:
            entry = await _stack(hass, sim, ["lidarr", "qbittorrent", "navidrome"], push=True)
            await hass.async_block_till_done(wait_background_tasks=True)
            pushers = entry.runtime_data.push.values()
            await _wait(hass, lambda: all(p.state.mode is PushMode.HEALTHY for p in pushers))
            lidarr = [await _lidarr_latency(hass, sim, entry) for _ in range(runs)]
            scans = [await _scan_latency(hass, sim, entry, n) for n in range(1, runs + 1)]
            await hass.config_entries.async_remove(entry.entry_id)
            await hass.async_block_till_done(wait_background_tasks=True)
            polling = await _idle_hour(hass, sim, push=False)
            pushed = await _idle_hour(hass, sim, push=True)
        finally:
            await server.close()
    return {"runs": runs, "lidarr": lidarr, "scan": scans, "polling": polling, "push": pushed}


def _ms(values: list[float]) -> str:
    return (
        f"{statistics.median(values) * 1000:.0f} ms "
        f"[{min(values) * 1000:.0f}-{max(values) * 1000:.0f}]"
    )


def render(result: dict[str, Any]) -> str:
    """The Markdown report."""
    lidarr, scan = result["lidarr"], result["scan"]
    polled, pushed = result["polling"]["requests"], result["push"]["requests"]
    ratio = polled / pushed if pushed else float("inf")
    worst = max(*lidarr, *scan)

    def met(ok: bool) -> str:
        return "met" if ok else "**missed**"

    latency = f"worst of {2 * result['runs']} runs: {worst * 1000:.0f} ms"
    fewer = f"{polled} vs {pushed}: {ratio:.1f}x fewer"
    polling = "up to the fast interval (15 s)"
    fast, cheap = met(worst <= TARGET_SECONDS), met(ratio >= TARGET_RATIO)
    paths = sorted(set(result["polling"]["by_path"]) | set(result["push"]["by_path"]))
    rows = "\n".join(
        f"| `{path}` | {result['polling']['by_path'].get(path, 0)} "
        f"| {result['push']['by_path'].get(path, 0)} |"
        for path in paths
    )
    return f"""# Push: results

Produced by `python -m bench.push --runs {result["runs"]}` (simulator and Home Assistant in one
process, real HTTP over loopback; how it measures: `bench/push.py`). Default options: fast poll
15 s, slow poll 10 min.

## Targets

| Target | Measured | |
| --- | --- | --- |
| Backend event to Home Assistant event <= {TARGET_SECONDS:g} s | {latency} | {fast} |
| Lidarr requests per idle hour, push >= {TARGET_RATIO:g}x fewer | {fewer} | {cheap} |

## Latency (median [min-max] over {result["runs"]} runs)

| From | To | With push | Polling only |
| --- | --- | --- | --- |
| Lidarr imported the album | `in_library` event (Lidarr route) | {_ms(lidarr)} | {polling} |
| Navidrome's scan ended | `in_library` event (download-client route) | {_ms(scan)} | {polling} |

## Lidarr requests in one idle hour

| Route | Polling only | Push |
| --- | --- | --- |
{rows}
| **total** | **{polled}** | **{pushed}** |

With push the queue, status, library and calendar coordinators poll hourly (a safety net) and
Lidarr is asked for a test call every 15 minutes (`notification/{{id}}` + `notification/test`).
Push was `{result["push"].get("mode")}` at the end of the hour; every latency run checked that
the backend's push was healthy when its event arrived.
"""


def main(argv: list[str] | None = None) -> None:
    """Measure and write the report."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.push", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    result = asyncio.run(measure(args.runs))
    args.out.write_text(render(result), encoding="utf-8")
    print(render(result))


if __name__ == "__main__":
    main()
