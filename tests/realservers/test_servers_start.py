"""Smoke tests: every real server the fixtures offer starts, answers and is stopped by PID.

transmission-daemon 4.x (toolbox) and 3.00 (host), dockerd 20.10 and podman 4.3's Docker API
(host). None of them is ever skipped: a missing server fails with a message that names the fix
(``scripts/setup``), in CI and locally alike.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable

import pytest

from tests.servers import containers as ct
from tests.servers import hostside
from tests.servers import transmission as tr

pytestmark = pytest.mark.real_server

TransmissionFactory = Callable[..., tr.TransmissionServer]
EngineFactory = Callable[..., ct.ContainerEngine]


def _gone(pid: int) -> bool:
    """True when no process has ``pid`` any more (or only a zombie)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def _port_closed(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


@pytest.mark.parametrize("version", tr.VERSIONS)
def test_transmission_starts_answers_seeds_and_stops(
    transmission_server: TransmissionFactory, version: str
) -> None:
    server = transmission_server(version)
    assert server.host_side == (version == "3.00")
    # the CSRF dance: a request without the session id gets 409 and the header
    auth = {"Authorization": tr.basic_auth(server.username, server.password)}
    status, _, headers = tr.http_post(server.rpc_port, b"{}", headers=auth)
    assert status == 409
    assert headers.get("x-transmission-session-id")
    session = server.rpc("session-get")
    assert session["version"].startswith(server.version)
    if version == "3.00":
        assert session["rpc-version"] == 16
    else:
        assert session["rpc-version"] >= 17
    assert session["peer-port"] == server.peer_port
    assert session["download-dir"] == str(server.download_dir)

    made = tr.add_synthetic_torrents(server, 2, labels=["music", "flac"])
    listed = {t["hashString"]: t for t in tr.torrents(server, "name", "labels", "percentDone")}
    for torrent in made:
        got = listed[torrent.info_hash]
        assert got["status"] == tr.STATUS_SEED
        assert got["percentDone"] == 1
        assert got["labels"] == ["music", "flac"]
    missing = tr.add_synthetic_torrents(server, 1, seeded=False, wait=False)[0]
    tr.wait_for_status(server, [missing.info_hash], tr.STATUS_DOWNLOAD)

    tr.stop_transmission(server)
    assert _gone(server.pid)
    assert _port_closed(server.rpc_port)
    assert not server.home.exists()


@pytest.mark.parametrize("version", tr.VERSIONS)
def test_transmission_auth_and_whitelist_settings(
    transmission_server: TransmissionFactory, version: str
) -> None:
    server = transmission_server(version)
    assert tr.raw_rpc(server, "session-get", password="wrong")[0] == 401
    assert tr.raw_rpc(server, "session-get")[0] == 200

    open_server = transmission_server(version, auth=False)
    assert tr.raw_rpc(open_server, "session-get")[0] == 200

    closed = transmission_server(version, whitelist="10.9.8.7")
    assert tr.raw_rpc(closed, "session-get")[0] == 403


def test_transmission4_host_whitelist_and_lockout(transmission_server: TransmissionFactory) -> None:
    # the Host check guards unauthenticated servers only (with auth on, any Host is let in)
    open_server = transmission_server("4", auth=False, host_whitelist="music.example")
    assert tr.raw_rpc(open_server, "session-get", headers={"Host": "evil.example"})[0] == 421
    assert tr.raw_rpc(open_server, "session-get", headers={"Host": "music.example"})[0] == 200

    server = transmission_server("4", anti_brute_force_threshold=2)
    statuses = [tr.raw_rpc(server, "session-get", password="wrong")[0] for _ in range(3)]
    # 4.1 counts the failure that reaches the threshold as the lock-out already
    assert statuses == [401, 403, 403]
    # locked out now: even the right password gets 403
    assert tr.raw_rpc(server, "session-get")[0] == 403


def test_transmission_tracker_announces(transmission_server: TransmissionFactory) -> None:
    for version in tr.VERSIONS:
        server = transmission_server(version)
        with tr.running_tracker(seeders=5) as tracker:
            torrent = tr.add_synthetic_torrents(server, 1, announce=tracker.announce_url)[0]

            def announced(server: tr.TransmissionServer = server) -> bool:
                stats = tr.torrents(server, "trackerStats")[0]["trackerStats"]
                return bool(stats) and stats[0]["lastAnnounceSucceeded"]

            hostside.wait_for(announced, timeout=30, what=f"{version} announcing")
            stats = tr.torrents(server, "trackerStats")[0]["trackerStats"][0]
            assert stats["seederCount"] == 5
            assert tracker.announces[0]["info_hash"] == torrent.info_hash
            tr.stop_transmission(server)
        assert _gone(server.pid)


@pytest.mark.parametrize("kind", ct.ENGINES)
def test_container_engine_starts_answers_and_stops(
    container_engine: EngineFactory, kind: str
) -> None:
    engine = container_engine(kind)
    assert engine.url == f"unix://{engine.socket}"
    assert engine.api("GET", "/_ping") == (200, b"OK")
    assert engine.api_version == "1.41"
    assert engine.version.startswith("20.10" if kind == "docker" else "4.3")

    made = ct.make_standard_containers(engine)
    listed = {c["Names"][0].lstrip("/"): c for c in ct.list_containers(engine)}
    assert set(listed) == {c.name for c in made.values()}
    assert listed["sb-running"]["State"] == "running"
    assert listed["sb-paused"]["State"] == "paused"
    assert listed["sb-created"]["State"] == "created"
    assert listed["sb-exited"]["State"] == "exited"
    assert listed["sb-exited"]["Status"].startswith("Exited (3)")
    assert engine.health("sb-healthy") == "healthy"
    assert engine.health("sb-unhealthy") == "unhealthy"
    assert engine.health("sb-running") is None
    if kind == "docker":
        # Docker Engine 20.10 puts health into the list's Status; podman's list has none
        assert listed["sb-healthy"]["Status"].endswith("(healthy)")
    assert ct.run_healthcheck(engine, "sb-unhealthy") == "unhealthy"

    ct.stop_engine(engine)
    assert _gone(engine.pid)
    assert not engine.socket.exists()
    assert not ct._helpers_of(engine)
    assert not os.path.exists(engine.home)
