"""Why music is not arriving, on the simulated stack (issue 21).

Each cause is injected through the simulator's control endpoint (``/control/vpn``,
``/control/blockers``), over HTTP as a person driving the demo would; within one poll the
request's ``waiting_for`` (``get_requests``, the in-flight sensor, diagnostics) names it, and
it clears once the cause is lifted.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant

from custom_components.stepheybot_music.diagnosis import stack_diagnosis
from custom_components.stepheybot_music.diagnostics import async_get_config_entry_diagnostics
from custom_components.stepheybot_music.runtime import StepheyBotConfigEntry
from simulator import Simulator

from .conftest import setup_stack
from .helpers import poll
from .service_helpers import act
from .tracking import catalog_album, request_album, step, tsim

__all__ = ["tsim"]

SLOW = 60
"""The stack's slow poll interval in these tests (seconds): indexers, Lidarr's disks."""
OPTIONS = {"slow_scan_interval": 1}


async def control(sim: Simulator, route: str, **body: Any) -> dict[str, Any]:
    """POST ``body`` to the simulator's control ``route``, as the demo's user would."""
    url = f"http://127.0.0.1:{sim.control_port}/control/{route}"
    async with aiohttp.ClientSession() as session, session.post(url, json=body) as resp:
        assert resp.status == 200, await resp.text()
        answer: dict[str, Any] = await resp.json()
        return answer


async def waiting(hass: HomeAssistant, request_id: str) -> dict[str, Any] | None:
    """The request's ``waiting_for`` as ``get_requests`` answers it."""
    listed = (await act(hass, "get_requests"))["requests"]
    [found] = [r for r in listed if r["request_id"] == request_id]
    value: dict[str, Any] | None = found["waiting_for"]
    return value


def in_flight_waiting(hass: HomeAssistant) -> list[Any]:
    """``waiting_for`` of each request the in-flight sensor lists."""
    state = hass.states.get("sensor.home_music_requests_in_flight")
    assert state is not None
    return [r["waiting_for"] for r in state.attributes["requests"]]


async def downloading(
    hass: HomeAssistant, sim: Simulator, frozen: FrozenDateTimeFactory
) -> tuple[StepheyBotConfigEntry, str]:
    """A stack with one request whose album is downloading, slowly enough to stay there."""
    entry = await setup_stack(hass, sim, options=OPTIONS)
    sim.world.download_speed = 1024  # bytes/s: the album stays downloading
    artist, album = catalog_album(sim.world)
    request = await request_album(entry, artist, album)
    for _ in range(6):
        await step(hass, sim, frozen, 15)
        if (stored := entry.runtime_data.requests.store.get(request.request_id)) and (
            stored.stage.value == "downloading"
        ):
            break
    else:
        raise AssertionError("the request never reached downloading")
    return entry, request.request_id


async def test_a_stalled_download_waits_for_the_vpn_then_for_peers(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    entry, request_id = await downloading(hass, tsim, frozen)
    assert await waiting(hass, request_id) is None
    assert in_flight_waiting(hass) == [None]

    await control(tsim, "vpn", up=False)
    await step(hass, tsim, frozen, 5)
    found = await waiting(hass, request_id)
    assert found is not None
    assert found["cause"] == "vpn_down"
    assert "The VPN is down" in found["text"]
    assert "gluetun" in found["fix"]
    assert in_flight_waiting(hass) == [found]
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    assert diagnostics["diagnosis"]["state"] == "vpn_down"
    assert diagnostics["diagnosis"]["waiting_for"] == {request_id: found}

    await control(tsim, "vpn", up=True)
    await control(tsim, "blockers", peers=False)
    await step(hass, tsim, frozen, 5)
    found = await waiting(hass, request_id)
    assert found is not None
    assert found["cause"] == "no_peers"
    assert found["text"] == "qBittorrent has 1 download that no peer sends anything for."

    await control(tsim, "blockers", peers=True)
    await step(hass, tsim, frozen, 5)
    assert await waiting(hass, request_id) is None
    assert stack_diagnosis(entry.runtime_data).cause is None


async def test_a_full_disk_holds_the_download_back(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    _, request_id = await downloading(hass, tsim, frozen)
    await control(tsim, "blockers", disk_free_gib=0.25)
    await poll(hass, frozen, 15)
    found = await waiting(hass, request_id)
    assert found is not None
    assert found["cause"] == "disk_full"
    assert "download folder has 256 MB free" in found["text"]

    await control(tsim, "blockers", disk_free_gib=500)
    await poll(hass, frozen, 15)
    assert await waiting(hass, request_id) is None


async def test_a_search_waits_for_the_indexers_at_once(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    entry = await setup_stack(hass, tsim, options=OPTIONS)
    artist, album = catalog_album(tsim.world)
    await control(tsim, "blockers", indexers_failing=True)
    await poll(hass, frozen, SLOW)
    request = await request_album(entry, artist, album)
    found = await waiting(hass, request.request_id)
    assert found is not None
    assert found["cause"] == "indexers_failing"
    assert found["text"].startswith("Every indexer is failing")

    await control(tsim, "blockers", indexers_failing=False)
    await poll(hass, frozen, SLOW)
    assert await waiting(hass, request.request_id) is None


async def test_an_import_lidarr_refuses_blocks_the_stack(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    entry = await setup_stack(hass, tsim, options=OPTIONS)
    await control(tsim, "blockers", import_error="Artist name mismatch")
    artist, album = catalog_album(tsim.world)
    await request_album(entry, artist, album)
    for _ in range(40):
        await step(hass, tsim, frozen, 60)
        if stack_diagnosis(entry.runtime_data).cause is not None:
            break
    diagnosis = stack_diagnosis(entry.runtime_data)
    assert diagnosis.finding is not None
    assert diagnosis.finding.cause.value == "import_blocked"
    assert "It says: Artist name mismatch." in diagnosis.finding.text

    await control(tsim, "blockers", import_error="")
    await step(hass, tsim, frozen, 60)
    assert stack_diagnosis(entry.runtime_data).cause is None
