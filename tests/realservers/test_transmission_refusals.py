"""The Transmission client against real daemons: each refusal names its own cause and fix.

transmission-daemon 4.1.x (toolbox) answers an anti-brute-force lock-out and an rpc-whitelist
refusal with the same 403 body; 3.00 (host) writes a text for each, and locks after exactly 100
failed logins whatever the threshold says. 421 comes when authentication is off and the URL's
host name is not in rpc-host-whitelist. Before the fix, a lock-out read "not in rpc-whitelist"
on 4.x (the wrong fix) and a 421 was a generic HTTP error.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest
from aiohttp.abc import AbstractResolver, ResolveResult
from stepheybot_music_clients.errors import (
    FailureReason,
    HostRefusedError,
    InvalidAuthError,
    LockedOutError,
    WhitelistRefusedError,
)
from stepheybot_music_clients.transmission import TransmissionClient

from tests.compat import REAL, compat
from tests.servers import transmission as tr

pytestmark = pytest.mark.real_server

TransmissionFactory = Callable[..., tr.TransmissionServer]
LOCK_AFTER = {"4": 3, "3.00": 100}
"""Failed logins after which each daemon locks (3.00 ignores the threshold setting)."""
HOST_NAME = "transmission"


class _OneName(AbstractResolver):
    """Resolves :data:`HOST_NAME` (the name a Docker network gives) to 127.0.0.1."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if host != HOST_NAME:
            raise OSError(f"unknown host {host}")
        return [
            ResolveResult(
                hostname=host, host="127.0.0.1", port=port, family=socket.AF_INET, proto=0, flags=0
            )
        ]

    async def close(self) -> None:
        return None


def _client(session: aiohttp.ClientSession, server: tr.TransmissionServer, **kw: Any) -> Any:
    return TransmissionClient(
        session,
        kw.pop("url", server.base_url),
        username=kw.pop("username", server.username),
        password=kw.pop("password", server.password),
    )


@compat("transmission", "4.1", proof=REAL, source="transmission-daemon 4.1.x (Debian sid)")
@compat("transmission", "3.00", proof=REAL, source="transmission-daemon 3.00 (Debian 12)")
@pytest.mark.parametrize("version", tr.VERSIONS)
async def test_a_lockout_after_failed_logins_is_not_the_whitelist(
    transmission_server: TransmissionFactory, version: str
) -> None:
    server = transmission_server(version, anti_brute_force_threshold=LOCK_AFTER[version])
    async with aiohttp.ClientSession() as session:
        wrong = _client(session, server, password="not-the-password")
        # the fixture's readiness check (no credentials) was the daemon's first failure
        for _ in range(LOCK_AFTER[version] - 1):
            with pytest.raises(InvalidAuthError):
                await wrong.probe()
        with pytest.raises(LockedOutError) as caught:
            await wrong.probe()
        assert caught.value.reason is FailureReason.LOCKED_OUT
        assert "restart Transmission" in caught.value.message
        assert "HTTP 403" in caught.value.message
        # the right credentials, in a client made afresh (a reauthentication form): still the
        # lock, and still named so (4.x's body is the same as the whitelist's)
        right = _client(session, server)
        with pytest.raises(LockedOutError):
            await right.probe()


@compat("transmission", "4.1", proof=REAL, source="transmission-daemon 4.1.x (Debian sid)")
@compat("transmission", "3.00", proof=REAL, source="transmission-daemon 3.00 (Debian 12)")
@pytest.mark.parametrize("version", tr.VERSIONS)
async def test_an_address_outside_rpc_whitelist_is_refused_as_such(
    transmission_server: TransmissionFactory, version: str
) -> None:
    server = transmission_server(version, whitelist="10.77.0.9", anti_brute_force_threshold=3)
    async with aiohttp.ClientSession() as session:
        with pytest.raises(WhitelistRefusedError) as caught:
            await _client(session, server).probe()
    message = caught.value.message
    assert caught.value.reason is FailureReason.WHITELIST_REFUSED
    assert "not in rpc-whitelist" in message
    assert "rpc-whitelist-enabled" in message
    assert "HTTP 403" in message


@compat("transmission", "4.1", proof=REAL, source="transmission-daemon 4.1.x (Debian sid)")
@compat("transmission", "3.00", proof=REAL, source="transmission-daemon 3.00 (Debian 12)")
@pytest.mark.parametrize("version", tr.VERSIONS)
async def test_a_host_name_outside_rpc_host_whitelist_names_that_setting(
    transmission_server: TransmissionFactory, version: str
) -> None:
    server = transmission_server(version, auth=False, host_whitelist="music.example")
    url = f"http://{HOST_NAME}:{server.rpc_port}"
    connector = aiohttp.TCPConnector(resolver=_OneName())
    async with aiohttp.ClientSession(connector=connector) as session:
        with pytest.raises(HostRefusedError) as caught:
            await TransmissionClient(session, url).probe()
        # by IP address the same daemon answers
        info = await TransmissionClient(session, server.base_url).probe()
    message = caught.value.message
    assert caught.value.reason is FailureReason.HOST_REFUSED
    assert "HTTP 421" in message
    assert "'transmission'" in message
    assert "rpc-host-whitelist" in message
    assert "rpc-host-whitelist-enabled" in message
    assert info.version.startswith(server.version)
