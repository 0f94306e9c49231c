"""``scripts/demo --check``: prove that every part of the running demo works with the others.

Each check compares two real things: Home Assistant's states and the exporter's samples
with the simulated world (through the simulator's control endpoint), Prometheus's
targets and rules with the exporter and the rule files, the stack's download totals (Home
Assistant's Active music downloads, the VPN alert's torrent count in Prometheus) with the
simulated download clients, the story's request as Home Assistant tracks it (every stage,
searching included) with the simulated Lidarr's albums. Values that move (library counts
change after imports) are compared until they agree, within a time limit.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
import yaml
from stepheybot_music_clients.lidarr import LidarrClient
from stepheybot_music_clients.stackfile import BackendConfig

from .children import DemoError
from .ha_client import JSON, HomeAssistantApi
from .homeassistant import SPEAKER, notifications
from .integration import entry_state, our_entities
from .monitoring import JOB, alert_rule_files, loaded_alert_rules, prometheus_query
from .stack import ROOT, Demo
from .story import Request, call_action

REQUEST_TIMEOUT = 300.0
"""Seconds the story's first request may take to reach the library (an album downloads
in one or two minutes at the default speed, Lidarr imports 15 s later)."""
READY = "is ready to play"
MEDIA_ROOT = "media-source://stepheybot_music"
"""What the blueprint's notification says when a request reached the library."""

VPN_ALERT = "StepheyBotMusicVpnDownWhileDownloading"
"""The alert whose value is how many torrents want to download."""
_DOWNLOADS = re.compile(r'stepheybot_music_downloads\{state=~"[^"]+"\}')
_SAMPLE = re.compile(r"^(?P<name>[a-z_:]+)(?:\{(?P<labels>[^}]*)\})? (?P<value>\S+)$")


def parse_metrics(text: str) -> dict[str, float]:
    """Samples of a Prometheus text exposition by ``name{labels}``."""
    samples: dict[str, float] = {}
    for line in text.splitlines():
        match = _SAMPLE.match(line)
        if match:
            key = match["name"] + (f"{{{match['labels']}}}" if match["labels"] else "")
            samples[key] = float(match["value"])
    return samples


def rule_names(files: list[Path]) -> set[str]:
    """The alert names defined in Prometheus rule files."""
    names: set[str] = set()
    for path in files:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for group in data.get("groups", []):
            names.update(str(r["alert"]) for r in group.get("rules", []) if "alert" in r)
    return names


def alert_downloads(files: list[Path], alert: str = VPN_ALERT) -> str:
    """The downloads an alert counts, as PromQL summed over the clients (from its rule)."""
    for path in files:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for group in data.get("groups", []):
            for rule in group.get("rules", []):
                if rule.get("alert") == alert and (found := _DOWNLOADS.search(rule["expr"])):
                    return f"sum({found[0]})"
    raise DemoError(f"no alert rule {alert} counting stepheybot_music_downloads")


async def world(session: aiohttp.ClientSession, control_url: str) -> dict[str, Any]:
    """The simulated world's summary (the control endpoint's state)."""
    async with session.get(control_url) as resp:
        state: dict[str, Any] = await resp.json()
    return state


async def agree(
    what: str,
    ours: Callable[[], Awaitable[object]],
    truth: Callable[[], Awaitable[object]],
    timeout: float = 90.0,
) -> str | None:
    """None once ``ours()`` equals ``truth()``; else a problem after ``timeout``."""
    deadline = time.monotonic() + timeout
    seen: tuple[object, object] = (None, None)
    while time.monotonic() < deadline:
        seen = (await ours(), await truth())
        if seen[0] == seen[1]:
            return None
        await asyncio.sleep(2)
    return f"{what}: shows {seen[0]!r}, the simulated world has {seen[1]!r}"


async def _exporter_samples(session: aiohttp.ClientSession, url: str) -> dict[str, float]:
    async with session.get(f"{url}/metrics") as resp:
        return parse_metrics(await resp.text())


async def check_exporter(demo: Demo) -> list[str]:
    """Every backend is up in the exporter's metrics, and its library matches the world."""
    info, session = demo.info, demo.session
    assert info.stack is not None
    samples = await _exporter_samples(session, info.exporter_url)
    problems = [
        f"the exporter reports {b.name} down"
        for b in info.stack.backends
        if samples.get(f'stepheybot_music_backend_up{{backend="{b.name}"}}') != 1
    ]

    async def exported() -> object:
        return (await _exporter_samples(session, info.exporter_url)).get(
            "stepheybot_music_library_tracks"
        )

    async def tracks() -> object:
        return float((await world(session, info.control_url))["navidrome"]["songs"])

    problem = await agree("the exporter's library tracks", exported, tracks)
    return [*problems, *([problem] if problem else [])]


async def check_prometheus(demo: Demo) -> list[str]:
    """Prometheus scrapes the exporter and has loaded every alert rule."""
    info, session = demo.info, demo.session
    problems: list[str] = []
    deadline = time.monotonic() + 60
    up: list[Any] = []
    while time.monotonic() < deadline:
        up = await prometheus_query(session, info.prometheus_url, f'up{{job="{JOB}"}}')
        if up and up[0]["value"][1] == "1":
            break
        await asyncio.sleep(2)
    else:
        problems.append(f"Prometheus does not scrape the exporter (up = {up!r})")
    expected = rule_names(alert_rule_files(ROOT))
    loaded = set(await loaded_alert_rules(session, info.prometheus_url))
    if not expected or expected - loaded:
        problems.append(
            f"Prometheus has not loaded the alert rules {sorted(expected - loaded) or '(none)'}"
        )
    return problems


async def check_download_totals(demo: Demo) -> list[str]:
    """Totals over the download clients count each torrent once.

    Home Assistant's Active music downloads and the VPN alert's count in Prometheus equal
    the simulated truth.
    """
    info, session = demo.info, demo.session
    assert info.login is not None
    assert info.setup is not None

    async def truth(key: str) -> object:
        return (await world(session, info.control_url))["downloads"][key]

    problems: list[str] = []
    query = alert_downloads(alert_rule_files(ROOT))

    async def alerted() -> object:
        result = await prometheus_query(session, info.prometheus_url, query)
        return int(float(result[0]["value"][1])) if result else None

    problem = await agree(f"Prometheus's {query}", alerted, lambda: truth("music_wanting"))
    problems += [problem] if problem else []
    async with HomeAssistantApi(session, info.home_assistant_url, info.login.access_token) as api:
        entities = await our_entities(api, info.setup.entry_id)
        active = [
            e["entity_id"] for e in entities if e.get("translation_key") == "active_music_downloads"
        ]
        if not active:
            return [*problems, "Home Assistant has no Active music downloads sensor"]

        async def shown() -> object:
            state = (await api.get(f"/api/states/{active[0]}"))["state"]
            return int(state) if str(state).isdigit() else state

        problem = await agree(f"Home Assistant's {active[0]}", shown, lambda: truth("music_active"))
    return [*problems, *([problem] if problem else [])]


async def check_home_assistant(demo: Demo) -> list[str]:
    """The stack is loaded, its entities have values that match the world and change."""
    info = demo.info
    assert info.login is not None
    assert info.setup is not None
    assert info.stack is not None
    problems: list[str] = []
    async with HomeAssistantApi(
        demo.session, info.home_assistant_url, info.login.access_token
    ) as api:
        state = await entry_state(api, info.setup.entry_id)
        if state != "loaded":
            problems.append(f"the stack's config entry is {state}, not loaded")
        missing = [b.name for b in info.stack.backends if b.name not in info.setup.backends]
        if len(missing) == len(info.stack.backends):
            problems.append("Home Assistant has none of the stack's backends")
        problems += [
            f"Home Assistant shows no entities for {b}" for b in info.setup.without_entities
        ]
        entities = await our_entities(api, info.setup.entry_id)
        tracks = [e["entity_id"] for e in entities if e.get("translation_key") == "tracks"]
        if not tracks:
            problems.append("Home Assistant has no Navidrome tracks sensor")
        else:

            async def shown() -> object:
                answer = await api.get(f"/api/states/{tracks[0]}")
                return answer["state"]

            async def songs() -> object:
                return str((await world(demo.session, info.control_url))["navidrome"]["songs"])

            problem = await agree(f"Home Assistant's {tracks[0]}", shown, songs)
            problems += [problem] if problem else []
        problems += await _check_changes(api, {e["entity_id"] for e in entities})
    return problems


async def check_push(demo: Demo, wait: float = 60.0) -> list[str]:
    """Lidarr and Navidrome push to Home Assistant (their Push sensors say ``healthy``)."""
    info = demo.info
    assert info.setup is not None
    assert info.stack is not None
    kinds = {b.kind for b in info.stack.backends} & {"lidarr", "navidrome"}
    problems: list[str] = []
    async with demo.home_assistant_api() as api:
        entities = await our_entities(api, info.setup.entry_id)
        pushes = [e["entity_id"] for e in entities if e.get("translation_key") == "push"]
        if len(pushes) < len(kinds):
            return [f"Home Assistant has the push sensors {pushes} for {sorted(kinds)}"]
        for entity_id in pushes:
            deadline = time.monotonic() + wait
            state: JSON = {}
            while time.monotonic() < deadline:
                state = await api.get(f"/api/states/{entity_id}")
                if state.get("state") == "healthy":
                    break
                await asyncio.sleep(1)
            else:
                problem = state.get("attributes", {}).get("problem")
                problems.append(f"{entity_id} is {state.get('state')}: {problem}")
    return problems


async def _check_changes(api: HomeAssistantApi, ids: set[str], wait: float = 60.0) -> list[str]:
    """Some state of ours changes while the simulated stack downloads."""

    async def snapshot() -> dict[str, str]:
        return {
            s["entity_id"]: s["state"]
            for s in await api.get("/api/states")
            if s["entity_id"] in ids
        }

    before = await snapshot()
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        await asyncio.sleep(3)
        after = await snapshot()
        if any(after.get(i) != value for i, value in before.items()):
            return []
    return [f"no state of the stack changed in {wait:.0f} s: the stack does not live"]


async def tracked(api: HomeAssistantApi, entry_id: str, request_id: str) -> JSON | None:
    """The request as Home Assistant tracks it (the ``get_requests`` action)."""
    response = await call_action(api, "get_requests", {"config_entry_id": entry_id})
    return next((r for r in response["requests"] if r["request_id"] == request_id), None)


async def albums_with_files(
    session: aiohttp.ClientSession, lidarr: BackendConfig, album_ids: tuple[int, ...]
) -> dict[str, bool]:
    """The simulated Lidarr's albums by title: whether every track is on disk."""
    client = LidarrClient(session, lidarr.url, api_key=lidarr.api_key)
    albums = await client.albums(album_ids=album_ids) if album_ids else []
    return {
        album.title: bool(album.track_file_count) and (album.percent_of_tracks or 0.0) >= 100.0
        for album in albums
    }


async def follow_request(
    api: HomeAssistantApi, entry_id: str, request: Request, timeout: float = REQUEST_TIMEOUT
) -> list[str]:
    """The stages Home Assistant showed for ``request`` until it finished (or ``timeout``)."""
    stages: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = await tracked(api, entry_id, request.request_id)
        stage = str(found["stage"]) if found else "missing"
        if not stages or stages[-1] != stage:
            stages.append(stage)
        if stage in ("in_library", "failed", "missing"):
            break
        await asyncio.sleep(2)
    return stages


async def stage_events(api: HomeAssistantApi, entry_id: str, request_id: str) -> list[str]:
    """The stages the stack's Request event entity announced for a request, oldest first.

    From Home Assistant's history: every stage, also those passed before anyone looked.
    """
    async with api:
        entities = await our_entities(api, entry_id)
    found = [
        e["entity_id"]
        for e in entities
        if e["entity_id"].startswith("event.") and e.get("translation_key") == "request"
    ]
    if not found:
        return []
    now = datetime.now(UTC)
    start, end = (quote((now + timedelta(hours=h)).isoformat()) for h in (-1, 1))
    history = await api.get(
        f"/api/history/period/{start}?end_time={end}&filter_entity_id={found[0]}"
    )
    states = history[0] if history else []
    return [
        str(state["attributes"]["event_type"])
        for state in states
        if state.get("attributes", {}).get("request_id") == request_id
    ]


async def check_request(demo: Demo, timeout: float = REQUEST_TIMEOUT) -> list[str]:
    """The story's first request reaches the library in Home Assistant and in Lidarr.

    Home Assistant's tracked request ends ``in_library``, the simulated Lidarr has every
    track of its albums, and the blueprint's automation said so in a notification.
    """
    info = demo.info
    if demo.options.story_after < 0 or not demo.has_lidarr:
        return []
    assert info.setup is not None
    assert info.stack is not None
    try:
        await asyncio.wait_for(demo.story.made.wait(), demo.options.story_after + 60)
    except TimeoutError:
        return ["the story made no request through Home Assistant (see the logs)"]
    request = demo.story.requests[0]
    api = demo.home_assistant_api()
    stages = await follow_request(api, info.setup.entry_id, request, timeout)
    if stages[-1] != "in_library":
        return [f"the request of {request.title} went {' -> '.join(stages)}, not to in_library"]
    problems: list[str] = []
    events = await stage_events(api, info.setup.entry_id, request.request_id)
    if "searching" not in events:
        problems.append(f"the request of {request.title} never showed searching: {events}")
    lidarr = next(b for b in info.stack.backends if b.kind == "lidarr")
    on_disk = await albums_with_files(demo.session, lidarr, request.lidarr_album_ids)
    if not on_disk or not all(on_disk.values()):
        problems.append(f"{request.title} is in_library, but Lidarr's albums are {on_disk}")
    async with HomeAssistantApi(demo.session, info.home_assistant_url, info.api_token) as ws:
        deadline = time.monotonic() + 30
        shown: list[str] = []
        while time.monotonic() < deadline:
            shown = [str(n.get("message")) for n in await notifications(ws)]
            if any(request.title in text and READY in text for text in shown):
                break
            await asyncio.sleep(1)
        else:
            problems.append(
                f"no notification says {request.title} {READY} (notifications: {shown})"
            )
    return problems


_YEAR = re.compile(r" \(\d{4}\)$")


async def _first_library_album(api: HomeAssistantApi) -> tuple[str, str] | None:
    """(artist, album) of the first artist's first album, found through the media browser."""
    page = await api.command("media_source/browse_media", media_content_id=MEDIA_ROOT)
    for step in ("Artists", None, None):  # the artist index, a letter, an artist
        children = page.get("children") or []
        child = next((c for c in children if step is None or c["title"] == step), None)
        if child is None:
            return None
        page = await api.command(
            "media_source/browse_media", media_content_id=child["media_content_id"]
        )
    albums = page.get("children") or []
    return (page["title"], _YEAR.sub("", albums[0]["title"])) if albums else None


async def check_play(demo: Demo) -> list[str]:
    """Saying "play <an album in the library> in the living room" starts the demo speaker."""
    info = demo.info
    assert info.login is not None
    assert info.stack is not None
    if not any(b.kind == "navidrome" for b in info.stack.backends):
        return []
    async with HomeAssistantApi(
        demo.session, info.home_assistant_url, info.login.access_token
    ) as api:
        found = await _first_library_album(api)
        if found is None:
            return ["the media browser shows no album of any artist"]
        artist, album = found
        text = f"play {album} by {artist} in the living room"
        answer = await api.post("/api/conversation/process", {"text": text, "language": "en"})
        speech = answer["response"]["speech"]["plain"]["speech"]
        state = await api.get(f"/api/states/{SPEAKER}")
    problems = []
    if not speech.startswith("Playing "):
        problems.append(f"{text!r} was answered {speech!r}")
    if state["state"] != "playing":
        problems.append(f"after {text!r} the living room speaker is {state['state']}")
    return problems


ARRIVED = "is in your library now"
"""How the integration announces music asked for by voice once it can be played."""


async def check_play_when_ready(demo: Demo, timeout: float = REQUEST_TIMEOUT) -> list[str]:
    """Saying "play the latest album by <an artist not in the library>" gets it, then says so.

    The answer says it is not there yet and that Lidarr was asked; once the album is in the
    library (Navidrome has scanned it), the integration announces it (a notification: the
    demo has no voice satellite).
    """
    info = demo.info
    assert info.login is not None
    assert info.stack is not None
    kinds = {b.kind for b in info.stack.backends}
    if demo.options.story_after < 0 or not {"lidarr", "navidrome"} <= kinds:
        return []
    asked = {request.artist for request in demo.story.requests}
    candidates = (await world(demo.session, info.control_url))["artists_to_request"]
    artists = [str(a) for a in candidates if a not in asked]
    if not artists:
        return ["the simulated world has no artist left to ask for by voice"]
    artist = artists[-1]  # far from the story's next pick (the first its searches find)
    text = f"play the latest album by {artist} in the living room"
    async with HomeAssistantApi(
        demo.session, info.home_assistant_url, info.login.access_token
    ) as api:
        answer = await api.post("/api/conversation/process", {"text": text, "language": "en"})
        speech = str(answer["response"]["speech"]["plain"]["speech"])
        if not (speech.startswith("You don't have ") and "I asked Lidarr for it" in speech):
            return [f"{text!r} was answered {speech!r}"]
        deadline = time.monotonic() + timeout
        shown: list[str] = []
        while time.monotonic() < deadline:
            shown = [str(n.get("message")) for n in await notifications(api)]
            if any(artist in message and ARRIVED in message for message in shown):
                return []
            await asyncio.sleep(2)
    return [f"after {text!r} ({speech!r}) nothing said it arrived (notifications: {shown})"]


async def run_checks(demo: Demo) -> list[str]:
    """Every check; the problems found (empty when the demo works)."""
    problems: list[str] = []
    try:
        demo.check_children()
    except DemoError as err:
        return [str(err)]
    checks = (
        check_home_assistant,
        check_push,
        check_exporter,
        check_prometheus,
        check_download_totals,
        check_play,
        check_request,
        check_play_when_ready,
    )
    for check in checks:
        problems += await check(demo)
    return problems
