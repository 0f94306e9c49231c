"""The demo as a visitor sees it: ``python -m demo`` (what ``scripts/demo`` runs), its Home
Assistant dashboard in headless Chromium, the exporter's metrics page, and Ctrl-C.

The demo runs as a subprocess for the whole module, exactly as a newcomer starts it; the
browser logs in with the credentials it prints. Values on screen are compared with the
simulated world (the simulator's control endpoint). Screenshots go to a temporary
directory, or to ``$STEPHEYBOT_SCREENSHOTS`` (``STEPHEYBOT_SCREENSHOTS=docs`` refreshes
the pictures of the README).
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

from custom_components.stepheybot_music.clients.stackfile import (
    BackendConfig,
    StackConfig,
    load_stack_file,
)
from demo.browser import browser_context, deep_text, log_in, screenshot, tiles_by_section
from demo.check import parse_metrics
from demo.children import DemoError
from demo.ha_client import HomeAssistantApi
from demo.homeassistant import log_in as api_log_in
from demo.integration import set_up_stack
from demo.stack import ROOT
from demo.story import request_new_artist

pytestmark = [pytest.mark.real_server, pytest.mark.asyncio(loop_scope="module")]

START_TIMEOUT = 300.0
SETTLE_TIMEOUT = 90.0
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
TORRENT_TILES = (
    "Downloading torrents",
    "Seeding torrents",
    "Stalled torrents",
    "Paused torrents",
    "Errored torrents",
)


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
    """The demo, started like ``scripts/demo --no-story`` (the tests make things happen)."""
    pytest_socket.enable_socket()  # module fixtures run before the socket unblock
    workdir = tmp_path_factory.mktemp("demo")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "demo",
        "--no-story",
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
    login = await api_log_in(
        running.http, info["home_assistant"], info["username"], info["password"]
    )
    async with HomeAssistantApi(running.http, info["home_assistant"], login.access_token) as api:
        assert (await api.get("/api/"))["message"] == "API running."


# --------------------------------------------------------------------------- the dashboard
async def test_dashboard_has_a_section_per_backend_with_values(
    dashboard: Page, running: RunningDemo
) -> None:
    assert running.stack is not None
    tiles = await tiles_by_section(dashboard)
    expected = {SECTIONS[str(b.kind)] for b in running.stack.backends} | {"Simulated stack"}
    assert expected <= set(tiles), f"sections shown: {sorted(tiles)}"
    for section in expected:
        shown = [state for state in tiles[section].values() if state]
        assert shown, f"{section} shows no value: {tiles[section]}"
        assert not any(s in ("Unavailable", "Unknown") for s in shown), (section, tiles[section])
    text = await deep_text(dashboard)
    assert "Containers" in text
    assert "Music downloads" in text  # the history graph of the stack's speeds


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


async def test_dashboard_follows_a_request_through_lidarr(
    dashboard: Page, running: RunningDemo, shots: Path
) -> None:
    async def torrents() -> tuple[int, int]:
        tiles = (await tiles_by_section(dashboard))["qBittorrent"]
        return sum(_number(tiles[name]) for name in TORRENT_TILES), (await running.world())[
            "torrents"
        ]

    before = await _settled(torrents, lambda pair: pair[0] == pair[1])
    assert before[0] == before[1], f"(dashboard, world) torrents before: {before}"

    request = await request_new_artist(running.http, running.backend("lidarr"))
    assert request.lidarr_id > 0

    after = await _settled(torrents, lambda pair: pair[0] == pair[1] and pair[0] > before[0])
    assert after[0] == after[1], f"(dashboard, world) torrents after the request: {after}"
    assert after[0] > before[0], f"the request of {request.artist} added no download"

    downloading = await _settled(
        lambda: tiles_by_section(dashboard),
        lambda tiles: _number(tiles["Simulated stack"]["Active music downloads"]) > 0,
    )
    assert _number(downloading["Simulated stack"]["Active music downloads"]) > 0
    await screenshot(dashboard, shots / "screenshot-home-assistant.png")
    assert (shots / "screenshot-home-assistant.png").stat().st_size > 50_000


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
