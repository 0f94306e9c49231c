"""The real-qBittorrent fixture survives a Web UI port taken between choosing and binding it."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from tests.servers import qbittorrent
from tests.servers.qbittorrent import NotUpError, free_port, start_server, stop_server


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A loopback port another program listens on."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        yield int(held.getsockname()[1])


def _ports(first: int) -> Iterator[int]:
    yield first
    while True:
        yield free_port()


def test_a_taken_web_ui_port_is_retried_on_a_fresh_one(
    taken_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    ports = _ports(taken_port)
    monkeypatch.setattr(qbittorrent, "free_port", lambda: next(ports))
    server = start_server("5.3", timeout=5)
    try:
        assert server.webui_port != taken_port
        status, _, _ = qbittorrent.http_request(server, "GET", "/")
        assert status == 200
    finally:
        stop_server(server)


def test_a_port_that_stays_taken_fails_with_the_servers_log(
    taken_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(qbittorrent, "free_port", lambda: taken_port)
    with pytest.raises(NotUpError) as failed:
        start_server("5.3", timeout=3)
    assert "did not come up in 3 s" in str(failed.value)
    assert ".log:" in str(failed.value)  # what qBittorrent said of it
