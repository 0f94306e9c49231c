"""The demo as a visitor sees it: ``python -m demo`` (what ``scripts/demo`` runs), its Home
Assistant dashboard in headless Chromium, the exporter's metrics page, and Ctrl-C.

The demo runs as a subprocess for the whole module, exactly as a newcomer starts it; the
browser logs in with the credentials it prints. Its story asks Home Assistant for an album
at once, and the tests follow that request to the library. Values on screen are compared
with the simulated world (the simulator's control endpoint and the simulated Lidarr).
Screenshots go to a temporary directory, or to ``$STEPHEYBOT_SCREENSHOTS``
(``STEPHEYBOT_SCREENSHOTS=docs`` refreshes the pictures of the README).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
import pytest_asyncio
import pytest_socket
from playwright.async_api import BrowserContext, Page
from stepheybot_music_clients.stackfile import (
    BackendConfig,
    StackConfig,
    load_stack_file,
)

from demo.browser import (
    browser_context,
    deep_text,
    log_in,
    markdown_cards,
    screenshot,
    tiles_by_section,
)
from demo.check import (
    READY,
    albums_with_files,
    follow_request,
    parse_metrics,
    stage_events,
    tracked,
)
from demo.children import DemoError
from demo.dashboard import CARD_HEADING, LATEST_TITLE, REQUESTS_HEADING, VPN_DOWN_TITLE
from demo.ha_client import JSON, HomeAssistantApi
from demo.homeassistant import DOMAIN, notifications
from demo.homeassistant import log_in as api_log_in
from demo.integration import our_entities, set_up_stack
from demo.stack import ROOT
from demo.story import Request, call_action, request_latest_album

from .readme import walkthrough

pytestmark = [pytest.mark.real_server, pytest.mark.asyncio(loop_scope="module")]

START_TIMEOUT = 300.0
SETTLE_TIMEOUT = 90.0
LIBRARY_TIMEOUT = 180.0
"""The story's album (about 250 MiB at 8 MiB/s) downloads, Lidarr imports it 15 s later, and
Navidrome's scan (about 10 s) lists it: then it is in the library."""
DOWNLOAD_SPEED = "8"
"""MiB/s per torrent: twice the demo's default, so the request reaches the library sooner."""
STORY_LINE = re.compile(
    r"requested through Home Assistant \(stepheybot_music\.request_download\): "
    r"(?P<title>.+), request (?P<request_id>\w+)$"
)
SECTIONS = {
    "music_brain": "StepheyBot Music Brain",
    "navidrome": "Navidrome",
    "lidarr": "Lidarr",
    "qbittorrent": "qBittorrent",
    "transmission": "Transmission",
    "jackett": "Jackett",
    "prowlarr": "Prowlarr",
    "gluetun": "gluetun",
    "docker": "Docker",
}
"""The dashboard section (device name) of each kind of backend."""
TORRENT_TILES = ("Downloading", "Seeding", "Stalled", "Paused", "Errored")


@dataclass
class RunningDemo:
    """``python -m demo`` running in the background."""

    process: asyncio.subprocess.Process
    workdir: Path
    output: list[str] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)
    stack: StackConfig | None = None
    session: aiohttp.ClientSession | None = None

    @property
    def http(self) -> aiohttp.ClientSession:
        assert self.session is not None
        return self.session

    def backend(self, name: str) -> BackendConfig:
        assert self.stack is not None
        return self.stack.backend(name)

    async def world(self) -> dict[str, Any]:
        async with self.http.get(self.info["control"]) as resp:
            state: dict[str, Any] = await resp.json()
        return state

    async def public_ip(self) -> str:
        url = self.info["control"].replace("/control/state", "/control/vpn")
        async with self.http.post(url, json={}) as resp:
            return str((await resp.json())["public_ip"])


async def _read_until(demo: RunningDemo, marker: str, timeout: float) -> None:
    assert demo.process.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = await asyncio.wait_for(demo.process.stdout.readline(), 5)
        except TimeoutError:
            continue
        if not line:
            break
        demo.output.append(line.decode(errors="replace").rstrip())
        if marker in demo.output[-1]:
            return
    text = "\n".join(demo.output)
    pytest.fail(f"the demo did not print {marker!r} within {timeout:.0f} s:\n{text}")


async def _stop(demo: RunningDemo) -> int:
    """Ctrl-C (SIGINT), as a terminal sends it; the exit code."""
    if demo.process.returncode is None:
        demo.process.send_signal(signal.SIGINT)
        with contextlib.suppress(TimeoutError):
            await _read_until(demo, "everything stopped", 90)
        await asyncio.wait_for(demo.process.wait(), 30)
    return demo.process.returncode or 0


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def running(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[RunningDemo]:
    """The demo, started like ``scripts/demo``; its story's first request comes at once."""
    pytest_socket.enable_socket()  # module fixtures run before the socket unblock
    workdir = tmp_path_factory.mktemp("demo")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "demo",
        "--story-after",
        "0",
        "--download-speed",
        DOWNLOAD_SPEED,
        "--workdir",
        str(workdir),
        cwd=ROOT,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,
    )
    demo = RunningDemo(process=process, workdir=workdir)
    try:
        await _read_until(demo, "Press Ctrl-C", START_TIMEOUT)
        demo.info = json.loads((workdir / "demo.json").read_text(encoding="utf-8"))
        demo.stack = load_stack_file(Path(demo.info["stack_file"]))[0]
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
            demo.session = session
            yield demo
    finally:
        with contextlib.suppress(Exception):
            await _stop(demo)
        if process.returncode is None:
            os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
        for pid in demo.info.get("pids", {}).values():  # stop leftovers by PID
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)


@dataclass
class StoryRequest:
    """The request the demo's story printed."""

    title: str
    request_id: str


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def story(running: RunningDemo) -> StoryRequest:
    """The story's first request, as the demo printed it."""
    if not any(STORY_LINE.search(line) for line in running.output):
        await _read_until(running, "requested through Home Assistant", 60)
    match = next(m for line in running.output if (m := STORY_LINE.search(line)))
    return StoryRequest(title=match["title"], request_id=match["request_id"])


@dataclass
class HomeAssistant:
    """The demo's Home Assistant, as the demo user (REST and websocket)."""

    api: HomeAssistantApi
    entry_id: str
    entities: dict[str, str]
    """``domain.translation_key`` -> entity id, of the stack's entities."""

    async def state(self, role: str) -> JSON:
        state: JSON = await self.api.get(f"/api/states/{self.entities[role]}")
        return state

    async def ask(self, text: str) -> JSON:
        """Assist's answer to ``text``."""
        answer = await self.api.post("/api/conversation/process", {"text": text, "language": "en"})
        response: JSON = answer["response"]
        return response


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def home_assistant(running: RunningDemo) -> HomeAssistant:
    """The demo's Home Assistant, logged in with the printed credentials.

    Its websocket is open only inside ``async with home_assistant.api`` (an open one
    would hold Home Assistant's shutdown up at Ctrl-C).
    """
    info = running.info
    login = await api_log_in(
        running.http, info["home_assistant"], info["username"], info["password"]
    )
    api = HomeAssistantApi(running.http, info["home_assistant"], login.access_token)
    async with api:
        entries = await api.command("config_entries/get", domain=DOMAIN)
        entry_id = next(e["entry_id"] for e in entries if e["title"] == "Simulated stack")
        entities = {
            f"{e['entity_id'].partition('.')[0]}.{e.get('translation_key')}": e["entity_id"]
            for e in await our_entities(api, entry_id)
        }
    return HomeAssistant(api=api, entry_id=entry_id, entities=entities)


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go."""
    wanted = os.environ.get("STEPHEYBOT_SCREENSHOTS")
    return (ROOT / wanted) if wanted else tmp_path_factory.mktemp("screenshots")


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def browser(running: RunningDemo) -> AsyncIterator[BrowserContext]:
    """Headless Chromium, logged in to the demo's Home Assistant with the printed credentials."""
    async with browser_context() as context:
        page = await context.new_page()
        await log_in(
            page, running.info["dashboard"], running.info["username"], running.info["password"]
        )
        await page.close()
        yield context


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def dashboard(browser: BrowserContext, running: RunningDemo) -> Page:
    """The demo's dashboard, rendered."""
    page = await browser.new_page()
    await page.goto(running.info["dashboard"], wait_until="domcontentloaded")
    await page.get_by_text("Navidrome", exact=True).first.wait_for(timeout=60_000)
    await _settled(lambda: tiles_by_section(page), lambda tiles: bool(tiles.get("Navidrome")))
    return page


async def _settled[T](
    read: Callable[[], Awaitable[T]], ok: Callable[[T], bool], timeout: float = SETTLE_TIMEOUT
) -> T:
    """Read until ``ok``; the last value (the caller asserts on it)."""
    deadline = time.monotonic() + timeout
    value = await read()
    while not ok(value) and time.monotonic() < deadline:
        await asyncio.sleep(2)
        value = await read()
    return value


def _number(text: str) -> int:
    """The number a tile shows (``"1,234 tracks"`` -> 1234)."""
    match = re.match(r"\s*([\d,]+)", text)
    assert match, f"no number in {text!r}"
    return int(match[1].replace(",", ""))


# --------------------------------------------------------------------------- the terminal
async def test_prints_where_everything_is_and_the_credentials_work(running: RunningDemo) -> None:
    text = "\n".join(running.output)
    info = running.info
    for url in (info["dashboard"], f"{info['exporter']}/metrics", info["control"]):
        assert url in text
    assert re.search(rf"user\s+{info['username']}$", text, re.MULTILINE)
    assert re.search(rf"password\s+{re.escape(info['password'])}$", text, re.MULTILINE)
    assert 'Try "what is downloading" in Assist' in text
    login = await api_log_in(
        running.http, info["home_assistant"], info["username"], info["password"]
    )
    async with HomeAssistantApi(running.http, info["home_assistant"], login.access_token) as api:
        assert (await api.get("/api/"))["message"] == "API running."


# --------------------------------------------------------------------------- the story
async def test_the_story_requests_an_album_through_home_assistants_action(
    running: RunningDemo, story: StoryRequest, home_assistant: HomeAssistant
) -> None:
    ha = home_assistant
    request = await tracked(ha.api, ha.entry_id, story.request_id)
    assert request is not None, f"Home Assistant does not track {story}"
    assert (request["title"], request["kind"], request["route"], request["source"]) == (
        story.title,
        "download",
        "lidarr",
        "action",
    )
    assert request["lidarr_album_ids"], request
    event = await ha.state("event.request")
    assert event["attributes"]["request_id"] == story.request_id
    assert event["attributes"]["event_type"] in ("requested", "searching", "downloading")

    async def listed() -> JSON:
        return await ha.state("sensor.requests_in_flight")

    in_flight = await _settled(
        listed, lambda s: story.title in [r["title"] for r in s["attributes"]["requests"]]
    )
    assert in_flight["state"] == "1", in_flight
    assert [r["title"] for r in in_flight["attributes"]["requests"]] == [story.title]


async def test_assist_understands_the_shipped_sentences(
    story: StoryRequest, home_assistant: HomeAssistant
) -> None:
    request = await tracked(home_assistant.api, home_assistant.entry_id, story.request_id)
    assert request is not None
    recent = await home_assistant.ask("what did I request recently")
    assert recent["response_type"] == "action_done", recent
    speech = recent["speech"]["plain"]["speech"]
    assert speech.startswith("Your last request: "), speech
    assert f"{request['album']} by {request['artist']}" in speech
    # the album needs half a minute to download: it is still on its way
    downloading = await home_assistant.ask("what is downloading")
    assert downloading["response_type"] == "action_done", downloading
    speech = downloading["speech"]["plain"]["speech"]
    assert speech.startswith(
        f"One request is on its way: {request['album']} by {request['artist']}, "
    ), speech


async def test_a_request_home_assistant_does_not_know_is_reported_missing(
    home_assistant: HomeAssistant,
) -> None:
    unknown = Request(request_id="01NOTAREQUEST", artist="Nobody", title="Nobody", message="")
    stages = await follow_request(home_assistant.api, home_assistant.entry_id, unknown, 10)
    assert stages == ["missing"]


async def test_a_story_request_home_assistant_refuses_says_why(
    running: RunningDemo, home_assistant: HomeAssistant
) -> None:
    with pytest.raises(DemoError) as refused:
        await request_latest_album(home_assistant.api, "not-a-stack")
    message = str(refused.value)
    assert message.startswith(
        f"POST /api/services/{DOMAIN}/search?return_response answered 400: "
    ), message
    assert "not-a-stack" in message, message


# --------------------------------------------------------------------------- the dashboard
async def test_dashboard_has_a_section_per_backend_with_values(
    dashboard: Page, running: RunningDemo, home_assistant: HomeAssistant
) -> None:
    assert running.stack is not None
    tiles = await tiles_by_section(dashboard)
    expected = {SECTIONS[str(b.kind)] for b in running.stack.backends} | {"Simulated stack"}
    assert expected | {REQUESTS_HEADING} <= set(tiles), f"sections shown: {sorted(tiles)}"
    assert list(tiles)[:2] == [CARD_HEADING, REQUESTS_HEADING], f"sections: {list(tiles)}"
    assert set(tiles[REQUESTS_HEADING]) == {"In flight", "Request"}
    # the demo's Music Brain has done nothing yet (reachable, every count zero): it comes last
    assert list(tiles)[-1] == SECTIONS["music_brain"], f"sections: {list(tiles)}"
    # an event entity is unknown until its first event: only the Request tile, only then
    never_fired = (await home_assistant.state("event.request"))["state"] == "unknown"
    for section in expected | {REQUESTS_HEADING}:
        shown = [state for state in tiles[section].values() if state]
        assert shown, f"{section} shows no value: {tiles[section]}"
        for name, state in tiles[section].items():
            if (section, name) == (REQUESTS_HEADING, "Request") and never_fired:
                assert state == "Unknown", (section, name, state)
            else:
                assert state not in ("Unavailable", "Unknown"), (section, tiles[section])
    # the demo runs with push: Lidarr's and Navidrome's sections say it works
    assert (tiles["Lidarr"].get("Push"), tiles["Navidrome"].get("Push")) == ("Healthy", "Healthy")
    text = await deep_text(dashboard)
    assert "Containers" in text
    assert "Music downloads" in text  # the history graph of the stack's speeds
    assert "Lidarr releases" in text  # the release calendar
    assert LATEST_TITLE in await markdown_cards(dashboard)


async def test_dashboard_values_match_the_simulated_world(
    dashboard: Page, running: RunningDemo
) -> None:
    async def shown_and_true() -> list[tuple[object, object]]:
        tiles, world = await tiles_by_section(dashboard), await running.world()
        return [
            (_number(tiles["Navidrome"]["Tracks"]), world["navidrome"]["songs"]),
            (_number(tiles["Navidrome"]["Albums"]), world["navidrome"]["albums"]),
            (_number(tiles["Lidarr"]["Queue"]), world["lidarr_queue"]),
            (tiles["gluetun"]["Public IP"], await running.public_ip()),
            (tiles["gluetun"]["VPN"] == "Connected", world["vpn"]["status"] == "running"),
        ]

    pairs = await _settled(shown_and_true, lambda pairs: all(a == b for a, b in pairs))
    assert all(a == b for a, b in pairs), f"(dashboard, world): {pairs}"


async def test_dashboard_follows_the_request_while_it_downloads(
    dashboard: Page, running: RunningDemo, story: StoryRequest, shots: Path
) -> None:
    async def shown() -> tuple[str, dict[str, int], dict[str, int], int, int]:
        tiles, world = await tiles_by_section(dashboard), await running.world()
        clients = ("qBittorrent", "Transmission")
        return (
            (await markdown_cards(dashboard)).get(LATEST_TITLE, ""),
            {c: sum(_number(tiles[c][name]) for name in TORRENT_TILES) for c in clients},
            {c: world["download_clients"][c.lower()]["torrents"] for c in clients},
            _number(tiles["Simulated stack"]["Downloads"]),
            world["downloads"]["music_active"],
        )

    # each client shows its own torrents; the stack's total counts each download once;
    # the request in flight says what its torrent does ("stalled" until a peer sends)
    downloading = rf"{re.escape(story.title)}: downloading, \d+ %"
    latest, torrents, world_torrents, active, world_active = await _settled(
        shown,
        lambda s: bool(re.search(downloading, s[0])) and s[1] == s[2] and s[3] == s[4] > 0,
    )
    assert f"{story.title}: downloading" in latest, latest
    assert torrents == world_torrents, f"(dashboard, world) torrents: {torrents, world_torrents}"
    assert active == world_active > 0, (
        f"(dashboard, world) active downloads: {active, world_active}"
    )
    assert re.search(downloading, latest), latest
    await screenshot(dashboard, shots / "screenshot-home-assistant.png")
    assert (shots / "screenshot-home-assistant.png").stat().st_size > 50_000


async def test_the_request_reaches_the_library_and_home_assistant_says_so(
    dashboard: Page, running: RunningDemo, story: StoryRequest, home_assistant: HomeAssistant
) -> None:
    ha = home_assistant

    async def event() -> JSON:
        attributes: JSON = (await ha.state("event.request"))["attributes"]
        return attributes

    arrived = await _settled(
        event, lambda a: a["event_type"] in ("in_library", "failed"), LIBRARY_TIMEOUT
    )
    assert (arrived["event_type"], arrived["request_id"], arrived["title"]) == (
        "in_library",
        story.request_id,
        story.title,
    ), arrived
    assert arrived["previous_stage"] in ("downloading", "importing"), arrived
    request = await tracked(ha.api, ha.entry_id, story.request_id)
    assert request is not None
    assert request["stage"] == "in_library"
    # the simulated Lidarr has every track of the requested album
    on_disk = await albums_with_files(
        running.http, running.backend("lidarr"), tuple(request["lidarr_album_ids"])
    )
    assert on_disk == {request["album"]: True}, on_disk
    # the blueprint's automation told the user
    async with ha.api:
        messages = [str(n["message"]) for n in await notifications(ha.api)]
    assert f"{story.title} {READY}." in messages, messages
    # and the dashboard shows it
    in_library = re.compile(rf"{re.escape(story.title)}\s*: in library")  # bold title
    cards = await _settled(
        lambda: markdown_cards(dashboard), lambda c: bool(in_library.search(c[LATEST_TITLE]))
    )
    assert in_library.search(cards[LATEST_TITLE]), cards
    tiles = (await tiles_by_section(dashboard))[REQUESTS_HEADING]
    assert _number(tiles["In flight"]) == 0, tiles


async def test_backend_errors_reach_the_demo_with_home_assistants_reason(
    running: RunningDemo,
) -> None:
    info = running.info
    navidrome = running.backend("navidrome")
    port = urlsplit(navidrome.url).port
    wrong = StackConfig(
        name="broken",
        backends=(
            BackendConfig(
                name="navidrome",
                kind=navidrome.kind,
                url=f"http://localhost:{port}",  # not the demo stack's URL: no duplicate
                username=navidrome.username,
                password="not-the-password",
            ),
        ),
    )
    login = await api_log_in(
        running.http, info["home_assistant"], info["username"], info["password"]
    )
    async with HomeAssistantApi(running.http, info["home_assistant"], login.access_token) as api:
        try:
            with pytest.raises(DemoError) as refused:
                await set_up_stack(api, wrong, title="Broken stack")
            assert f"Home Assistant refused navidrome at http://localhost:{port}" in str(
                refused.value
            )
            assert "invalid_auth" in str(refused.value)
        finally:
            entries = await api.get("/api/config/config_entries/entry")
            for entry in entries:
                if entry["title"] == "Broken stack":
                    async with running.http.delete(
                        f"{info['home_assistant']}/api/config/config_entries/entry/{entry['entry_id']}",
                        headers={"Authorization": f"Bearer {login.access_token}"},
                    ) as resp:
                        assert resp.status == 200


# --------------------------------------------------------------------------- the exporter
async def test_metrics_page_shows_every_backend_up_and_the_library(
    browser: BrowserContext, running: RunningDemo, shots: Path
) -> None:
    assert running.stack is not None
    page = await browser.new_page()
    await page.set_viewport_size({"width": 1280, "height": 800})
    metrics_url = f"{running.info['exporter']}/metrics"

    async def scraped() -> tuple[dict[str, float], int]:
        await page.goto(metrics_url)
        samples = parse_metrics(await page.inner_text("body"))
        return samples, (await running.world())["navidrome"]["songs"]

    samples, songs = await _settled(
        scraped, lambda pair: pair[0].get("stepheybot_music_library_tracks") == pair[1]
    )
    assert samples.get("stepheybot_music_library_tracks") == songs
    for backend in running.stack.backends:
        assert samples.get(f'stepheybot_music_backend_up{{backend="{backend.name}"}}') == 1, (
            backend.name
        )
    await screenshot(page, shots / "screenshot-metrics.png", whole=False)
    assert (shots / "screenshot-metrics.png").stat().st_size > 20_000


# after the screenshots: Home Assistant notifies about the failed login
async def test_a_wrong_password_is_refused_with_the_reason(running: RunningDemo) -> None:
    info = running.info
    with pytest.raises(DemoError, match="refused the login of 'demo'"):
        await api_log_in(running.http, info["home_assistant"], "demo", "not-the-password")


# --------------------------------------------------------------------------- the README
async def test_the_readmes_walkthrough_works_on_the_demo(
    running: RunningDemo, home_assistant: HomeAssistant
) -> None:
    """ "Try it yourself", step by step, as the README words it."""
    steps = walkthrough()
    ha = home_assistant
    # 1. the artist is one the control endpoint offers
    assert steps.artist in (await running.world())[steps.state_key]
    # 2. Assist requests its latest album, in the README's words
    answer = await ha.ask(steps.sentence)
    assert answer["speech"]["plain"]["speech"] == steps.answer, answer
    requests = (await call_action(ha.api, "get_requests", {"config_entry_id": ha.entry_id}))[
        "requests"
    ]
    found = next(r for r in requests if r["artist"] == steps.artist)
    request = Request(
        request_id=found["request_id"], artist=found["artist"], title=found["title"], message=""
    )
    # 3. searching, downloading, importing, in the library, and the notification
    stages = await follow_request(ha.api, ha.entry_id, request, LIBRARY_TIMEOUT)
    assert stages[-1] == "in_library", stages
    # the recorder writes history in batches: the last stage reaches it a moment later
    events = await _settled(
        lambda: stage_events(ha.api, ha.entry_id, request.request_id),
        lambda found: found[-1:] == ["in_library"],
    )
    assert events == ["requested", "searching", "downloading", "importing", "in_library"]
    async with ha.api:
        messages = [str(n["message"]) for n in await notifications(ha.api)]
    assert steps.ready in messages, messages
    assert steps.artist not in (await running.world())[steps.state_key]
    # 4. the VPN goes down and comes back through the control endpoint, as the README shows
    base = running.info["control"].removesuffix("/control/state")
    for path, body in steps.posts:
        async with running.http.post(base + path, data=json.dumps(body)) as resp:
            assert resp.status == 200, await resp.text()
            vpn = await resp.json()
        assert vpn["status"] == ("running" if body["up"] else "stopped"), vpn
        if not body["up"]:
            vpn_state = await _settled(
                lambda: ha.state("binary_sensor.vpn_connected"), lambda s: s["state"] == "off"
            )
            assert vpn_state["state"] == "off", vpn_state
    assert (await running.world())["vpn"]["status"] == "running"


# --------------------------------------------------------------------------- the music card
CARD = "stepheybot-music-card"
OVERFLOW = """(card) => {
  const root = card.shadowRoot;
  const inner = root.querySelector('ha-card');
  const wide = [...root.querySelectorAll('*')].filter(
    (el) => el.getBoundingClientRect().right > inner.getBoundingClientRect().right + 1);
  const box = card.getBoundingClientRect();
  const others = [];
  const visit = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if (['hui-tile-card', 'hui-heading-card', 'hui-markdown-card'].includes(el.localName)) {
        others.push(el);
      } else if (el.shadowRoot && el !== card) visit(el.shadowRoot);
    }
  };
  visit(document);
  const overlapping = others.filter((el) => {
    const r = el.getBoundingClientRect();
    return r.width && r.height && !el.contains(card) && r.left < box.right - 1
      && r.right > box.left + 1 && r.top < box.bottom - 1 && r.bottom > box.top + 1;
  });
  return {
    overlaps: overlapping.map((el) => el.localName + ': ' + el.innerText?.slice(0, 40)),
    page: document.documentElement.scrollWidth - window.innerWidth,
    card: inner.scrollWidth - inner.clientWidth,
    right: card.getBoundingClientRect().right - window.innerWidth,
    wide: wide.map((el) => el.localName + '.' + el.className),
  };
}"""
"""JavaScript: how far the page and the card overflow sideways (0 or less: not at all), and
the dashboard's other cards the music card overlaps (none: it is as tall as its content)."""


async def _card_text(page: Page) -> str:
    text: str = await page.locator(CARD).first.evaluate(
        "(card) => card.shadowRoot.querySelector('ha-card').innerText"
    )
    return text


async def _fits(page: Page) -> None:
    """No sideways scrolling at this width, and no other card under the music card."""
    overflow = await page.locator(CARD).first.evaluate(OVERFLOW)
    assert overflow["overlaps"] == [], overflow
    assert overflow["page"] <= 0, overflow
    assert overflow["card"] <= 0, overflow
    assert overflow["right"] <= 0, overflow
    assert overflow["wide"] == [], overflow


async def _vpn(running: RunningDemo, up: bool) -> None:
    url = running.info["control"].replace("/control/state", "/control/vpn")
    async with running.http.post(url, json={"up": up}) as resp:
        assert resp.status == 200, await resp.text()


async def test_the_music_card_from_search_to_library_at_phone_and_desktop_width(
    browser: BrowserContext, running: RunningDemo, shots: Path
) -> None:
    artist = (await running.world())["artists_to_request"][-1]
    page = await browser.new_page()
    await page.set_viewport_size({"width": 1400, "height": 1000})
    await page.goto(running.info["dashboard"], wait_until="domcontentloaded")
    card = page.locator(CARD).first
    await card.locator(".chip.ok").wait_for(timeout=60_000)
    assert (await card.locator(".chip").inner_text()).startswith("VPN on")
    assert await card.locator(".attention").count() == 0, await _card_text(page)
    await _fits(page)

    # search for an artist and request its latest album, answered in place
    await card.locator("input[type=search]").fill(artist)
    await card.get_by_role("button", name="Search").click()
    hit = card.locator("li.hit[data-kind=artist]").filter(has_text=artist).first
    await hit.wait_for(timeout=60_000)
    assert await card.locator("section.group h3").first.inner_text() in (
        "Lidarr",
        "Music Brain",
        "Indexers",
    )
    await hit.get_by_role("button", name="Latest album").click()
    answer = hit.locator(".answer")
    await answer.wait_for(timeout=60_000)
    said = await answer.inner_text()
    assert artist in said, said

    # it downloads: stage, a moving progress bar, speed
    row = card.locator("li.request-row").filter(has_text=f"{artist} \u2013 ").first
    await row.locator(".stage", has_text="Downloading").wait_for(timeout=LIBRARY_TIMEOUT * 1000)
    bar = row.get_by_role("progressbar")
    assert float(await bar.get_attribute("aria-valuenow") or 0) < 100
    await row.locator(".detail", has_text="/s").wait_for(timeout=60_000)  # its torrent's speed

    # the VPN drops: a red chip, the attention strip, and the request says it stalled
    await _vpn(running, up=False)
    try:
        await card.locator(".chip.bad", has_text="VPN down").wait_for(timeout=60_000)
        await card.locator(".attention li[data-kind=vpn_down]").wait_for(timeout=60_000)
        await row.locator(".stage", has_text="Stalled").wait_for(timeout=60_000)
        stalled = card.locator(".attention li[data-kind=stalled]")
        await stalled.wait_for(timeout=60_000)
        assert f"{artist} \u2013 " in await stalled.inner_text()
        assert "VPN is down" in await card.locator(".attention li[data-kind=vpn_down]").inner_text()
        await _fits(page)
        await screenshot(page, shots / "screenshot-music-card.png", whole=False)
        # the neon theme, as the Music Brain's own UI looked
        await card.evaluate("(c) => c.setConfig({ ...c._config, theme: 'neon' })")
        await card.locator("ha-card.neon").wait_for()
        neon = await card.screenshot(animations="disabled")
        (shots / "screenshot-music-card-neon.png").write_bytes(neon)
        await card.evaluate("(c) => c.setConfig({ ...c._config, theme: 'default' })")

        await page.set_viewport_size({"width": 400, "height": 900})
        await page.wait_for_timeout(1000)
        await card.locator(".attention li[data-kind=vpn_down]").wait_for()
        assert await row.locator(".stage").inner_text() == "Stalled"
        assert await card.locator("input[type=search]").is_visible()
        await _fits(page)
        phone = await card.screenshot(animations="disabled")
        (shots / "screenshot-music-card-phone.png").write_bytes(phone)
    finally:
        await _vpn(running, up=True)

    # the VPN is back: the strip empties and the album reaches the library, still at 400 px
    await card.locator(".chip.ok").wait_for(timeout=60_000)
    await row.locator(".stage", has_text="In library").wait_for(timeout=LIBRARY_TIMEOUT * 1000)
    assert await row.get_by_role("progressbar").get_attribute("aria-valuenow") == "100"
    # and can be played from there: the play action answers in place (no URL reaches the page)
    await row.get_by_role("button", name="Play").click()
    played = row.locator(".answer")
    await played.wait_for(timeout=60_000)
    said = await played.inner_text()
    assert said.strip(), said
    assert "http" not in said, said
    await page.wait_for_timeout(2000)
    assert await card.locator(".attention").count() == 0, await _card_text(page)
    await _fits(page)

    # in the library now: searched again, it shows with its cover, through Home Assistant
    # (Lidarr has the files first; the cover comes with Navidrome's next scan)
    hits = card.locator("section.group[data-group=library] li.hit").filter(has_text=artist)
    img = hits.locator("img.cover").first
    for _ in range(24):
        await card.get_by_role("button", name="Search").click()
        await card.get_by_role("button", name="Search").wait_for(timeout=60_000)
        if await img.count():
            break
        await page.wait_for_timeout(5000)
    await img.wait_for(timeout=10_000)
    src = await img.get_attribute("src") or ""
    assert src.startswith("/api/stepheybot_music/cover/"), src
    assert "authSig=" in src, src
    loaded = await img.evaluate("(i) => i.complete && i.naturalWidth > 0")
    assert loaded, f"the cover at {src} did not load"
    await _fits(page)
    await page.close()


# --------------------------------------------------------------------------- names and VPN
TRUNCATED = """() => {
  const found = [];
  const cut = (el) => el.clientWidth > 0 && el.scrollWidth > el.clientWidth;
  const visit = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.localName === 'hui-tile-card') {
        if (!el.getBoundingClientRect().width) continue;  // hidden by its visibility
        const info = el.shadowRoot.querySelector('ha-tile-info');
        const name = el.shadowRoot.querySelector('[slot=primary]');
        const slots = [...info.shadowRoot.querySelectorAll('.primary, .info, .primary *')];
        if ([name, ...slots].some(cut)) found.push(name.innerText);
      } else if (el.localName === 'hui-glance-card') {
        for (const name of el.shadowRoot.querySelectorAll('.name')) {
          if (cut(name)) found.push(name.innerText);
        }
      } else if (el.shadowRoot) visit(el.shadowRoot);
    }
  };
  visit(document);
  return found;
}"""
"""JavaScript: the visible tile and glance names cut off (text wider than its box)."""
VPN_ALERT = """() => {
  const found = [];
  const visit = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.localName === 'ha-alert' && el.getBoundingClientRect().height > 0) {
        const icon = el.shadowRoot.querySelector('.icon');
        found.push({ title: el.title, color: getComputedStyle(icon).color,
                     type: el.getAttribute('alert-type') });
      } else if (el.shadowRoot) visit(el.shadowRoot);
    }
  };
  visit(document);
  return found;
}"""
"""JavaScript: the visible alerts of the dashboard, with their icon's colour."""


def _red(css: str) -> bool:
    red, green, blue = (int(v) for v in re.findall(r"\d+", css)[:3])
    return red > 150 and green < 120 and blue < 120


async def test_tile_names_fit_a_red_vpn_and_containers_named_apart(
    browser: BrowserContext, running: RunningDemo, home_assistant: HomeAssistant
) -> None:
    page = await browser.new_page()
    await page.goto(running.info["dashboard"], wait_until="domcontentloaded")
    await _settled(lambda: tiles_by_section(page), lambda tiles: bool(tiles.get("gluetun")))
    for width in (1400, 400):
        await page.set_viewport_size({"width": width, "height": 1000})
        await page.wait_for_timeout(1500)
        assert await page.evaluate(TRUNCATED) == [], f"names cut off at {width} px"
    assert await page.evaluate(VPN_ALERT) == []  # the VPN runs: no alert
    # the music card loaded its words from the integration's translations into the frontend
    localized = await page.evaluate(
        "(key) => document.querySelector('home-assistant').hass.localize(key)",
        f"component.{DOMAIN}.selector.card.options.search",
    )
    assert localized == "Search"

    # the VPN drops: a red alert in the VPN's section, at both widths
    await _vpn(running, up=False)
    try:
        alerts = await _settled(lambda: page.evaluate(VPN_ALERT), bool)
        for width in (400, 1400):
            await page.set_viewport_size({"width": width, "height": 1000})
            await page.wait_for_timeout(1000)
            alerts = await page.evaluate(VPN_ALERT)
            assert [(a["title"], a["type"]) for a in alerts] == [(VPN_DOWN_TITLE, "error")]
            assert _red(alerts[0]["color"]), alerts
            tiles = await tiles_by_section(page)
            assert tiles["gluetun"]["VPN"] == "Disconnected", tiles["gluetun"]
    finally:
        await _vpn(running, up=True)
    assert await _settled(lambda: page.evaluate(VPN_ALERT), lambda a: a == []) == []

    # the gluetun container and the gluetun backend: two devices, two names
    async with home_assistant.api:
        devices = [
            d
            for d in await home_assistant.api.command("config/device_registry/list")
            if home_assistant.entry_id in d["config_entries"]
        ]
    names = [str(d["name_by_user"] or d["name"]) for d in devices]
    assert len(names) == len(set(names)), sorted(names)
    by_model = {(d["model"], d["name"]) for d in devices}
    assert ("gluetun", "gluetun") in by_model, sorted(by_model)
    assert ("Container", "gluetun container") in by_model, sorted(by_model)
    await page.close()


# --------------------------------------------------------------------------- Ctrl-C
async def test_ctrl_c_stops_every_part(running: RunningDemo) -> None:
    ports = [
        urlsplit(running.info[key]).port
        for key in ("home_assistant", "exporter", "prometheus", "control")
    ]
    assert await _stop(running) == 0
    assert running.output[-1] == "everything stopped"
    for name, pid in running.info["pids"].items():
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
        assert name
    for port in ports:
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still answers"
