"""Against a real qbittorrent-nox 5.3: one session for good, and never an IP ban.

Each test starts its own server (a ban is per client address and lasts an hour), with a
ban threshold set low, so a single login attempt too many would show as a ban.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.servers.qbittorrent import (
    QbtServer,
    add_synthetic_torrents,
    http_request,
    login_cookie,
    raw_login,
    start_server,
    stop_server,
)

from .conftest import Scrape, exporter_config, running_exporter

pytestmark = pytest.mark.real_server
LOGIN = "/api/v2/auth/login"


@pytest.fixture
def servers() -> Iterator[list[QbtServer]]:
    """Servers a test starts; all stopped by PID afterwards."""
    started: list[QbtServer] = []
    yield started
    for server in started:
        stop_server(server)


def _stack(tmp_path: Path, server: QbtServer, password: str) -> Path:
    path = tmp_path / "stack.yaml"
    backend = {
        "kind": "qbittorrent",
        "url": server.url,
        "username": server.username,
        "password": password,
    }
    path.write_text(yaml.safe_dump({"name": "real", "backends": [backend]}))
    return path


def _reason(scrape: Scrape) -> str:
    series = scrape.series("stepheybot_music_backend_failure")
    assert len(series) == 1
    return dict(next(iter(series)))["reason"]


async def test_wrong_password_is_tried_once_and_never_banned(
    servers: list[QbtServer], tmp_path: Path
) -> None:
    server = start_server("5.3", max_fail_count=2, ban_duration=3600)
    servers.append(server)
    config = exporter_config(_stack(tmp_path, server, "not-the-password"))
    async with running_exporter(config) as exporter:
        first = await exporter.scrape()
        assert first.status == 200
        assert first.up("qbittorrent") == 0
        assert _reason(first) == "auth"
        sequential = [await exporter.scrape() for _ in range(20)]
        concurrent = await asyncio.gather(*(exporter.scrape() for _ in range(10)))
        for scrape in [*sequential, *concurrent]:
            assert scrape.status == 200
            assert scrape.up("qbittorrent") == 0
            assert _reason(scrape) == "login_backoff"
        collector = exporter.exporter.stacks["real"].collectors[0]
        stats = collector.client().stats  # type: ignore[attr-defined]
    assert stats.by_path[LOGIN] == 1, "31 scrapes, one login attempt"
    status, _, cookie = raw_login(server)  # the right password, from the same address
    assert status == 204, "not banned"
    assert cookie is not None


async def test_retries_stop_below_the_ban_threshold(
    servers: list[QbtServer], tmp_path: Path
) -> None:
    server = start_server("5.3", max_fail_count=4, ban_duration=3600)
    servers.append(server)
    config = exporter_config(
        _stack(tmp_path, server, "not-the-password"),
        "--login-backoff",
        "0.1",
        "--max-login-failures",
        "3",
    )
    async with running_exporter(config) as exporter:
        collector = exporter.exporter.stacks["real"].collectors[0]
        reasons = []
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            scrape = await exporter.scrape()
            assert scrape.status == 200
            reasons.append(_reason(scrape))
            await asyncio.sleep(0.05)
        stats = collector.client().stats  # type: ignore[attr-defined]
    assert stats.by_path[LOGIN] == 3, "three attempts with back-off, then none"
    assert reasons.count("auth") == 3
    assert reasons[-1] == "login_backoff"
    status, _, _ = raw_login(server)
    assert status == 204, "three failures stay below qBittorrent's ban threshold"


@pytest.mark.parametrize("generation", ["5.3", "4.5"])
async def test_one_session_and_incremental_sync_on_the_real_server(
    servers: list[QbtServer], tmp_path: Path, generation: str
) -> None:
    server = start_server(generation)
    servers.append(server)
    cookie = login_cookie(server)
    add_synthetic_torrents(server, 30, cookie=cookie, category="music")
    add_synthetic_torrents(server, 10, cookie=cookie, category="other", name_prefix="Other")
    config = exporter_config(_stack(tmp_path, server, server.password))
    async with running_exporter(config) as exporter:
        first = await exporter.scrape()
        assert first.up("qbittorrent") == 1, first.text
        states = {
            dict(labels)["state"]: value
            for labels, value in first.series("stepheybot_music_downloads").items()
        }
        assert sum(states.values()) == 30, states
        assert states["stopped"] + states["metadata"] == 30
        assert first.value("stepheybot_music_downloaded_bytes_total", client="qbittorrent") >= 0
        free = first.get("stepheybot_music_download_client_free_disk_bytes", client="qbittorrent")
        if generation == "5.3":
            assert free is not None
            assert free > 0
        else:  # 4.5 fills free_space_on_disk in the background: absent (or 0) until it has
            assert free is None or free >= 0
        for _ in range(10):
            scrape = await exporter.scrape()
            assert scrape.up("qbittorrent") == 1
        add_synthetic_torrents(server, 5, cookie=cookie, category="music", name_prefix="Late")
        last = await exporter.scrape()
        collector = exporter.exporter.stacks["real"].collectors[0]
        stats = collector.client().stats  # type: ignore[attr-defined]
        session = collector.client()._cookie  # type: ignore[attr-defined]
        assert session is not None
        assert http_request(server, "GET", "/api/v2/app/version", cookie=session)[0] == 200
    # the exporter logged out when it stopped: its session no longer counts against the 15
    assert http_request(server, "GET", "/api/v2/app/version", cookie=session)[0] == 403
    total = sum(
        value
        for labels, value in last.series("stepheybot_music_downloads").items()
        if dict(labels)["client"] == "qbittorrent"
    )
    assert total == 35
    assert stats.by_path[LOGIN] == 1, "one WebUI session for every scrape"
    assert stats.by_path["/api/v2/sync/maindata"] == 12
