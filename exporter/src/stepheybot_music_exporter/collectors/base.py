"""The small interface every backend collector implements."""

from __future__ import annotations

import contextlib
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import ClassVar

import aiohttp
from stepheybot_music_clients.factory import ClientSettings, StackClient, make_client_as
from stepheybot_music_clients.listen_port import ListenPortWatch
from stepheybot_music_clients.login_policy import LoginGuard, LoginPolicy
from stepheybot_music_clients.models import BackendKind
from stepheybot_music_clients.stackfile import BackendConfig

from ..config import CollectorOptions
from ..metrics import Samples


@dataclass(slots=True)
class Facts:
    """What collectors of one scrape tell each other (for metrics that need two backends)."""

    vpn_public_ip: str | None = None
    """The VPN's public IP, from gluetun."""
    external_addresses: dict[str, str] = field(default_factory=dict)
    """The public IP each download client reports (by backend name)."""
    listen_ports: dict[str, int] = field(default_factory=dict)
    """The port each download client listens on for peers (by backend name)."""

    def merge(self, other: Facts) -> None:
        """Take over what ``other`` knows."""
        self.vpn_public_ip = other.vpn_public_ip or self.vpn_public_ip
        self.external_addresses.update(other.external_addresses)
        self.listen_ports.update(other.listen_ports)


class Collector[ClientT: StackClient](ABC):
    """Collects one backend's metrics.

    A collector lives as long as the process: it owns one HTTP session and one client, so
    sessions, cookies and incremental sync state persist across scrapes. ``collect`` adds
    samples to ``out`` and raises a :class:`~stepheybot_music_clients.errors.StackError`
    when the backend cannot be collected; the caller then reports it as down.

    A collector of a backend with a login step has a :class:`LoginGuard` of the exporter's
    policy (``--login-backoff``, ``--max-login-failures``): the stack consults it before
    each collection and records the outcome in it, and a client that logs in itself
    (qBittorrent) records its rejections and bans in that same guard.
    """

    kind: ClassVar[BackendKind]
    client_type: type[ClientT]
    """The class :func:`~stepheybot_music_clients.factory.make_client` builds for ``kind``."""
    logs_in: bool = False
    """True for backends with a login step whose failures may count towards an IP ban."""
    reads_listen_port: bool = False
    """Set by the stack when it has a VPN: a download client then reports its listen port."""
    vpn_forwarded: int | None = None
    """The port gluetun forwarded at the last scrape (set by the stack; None: not known)."""

    def __init__(self, backend: BackendConfig, options: CollectorOptions) -> None:
        """Prepare a collector; nothing connects before the first :meth:`collect`."""
        self.backend = backend
        self.options = options
        self._session: aiohttp.ClientSession | None = None
        self._client: ClientT | None = None
        self._listen_watch: ListenPortWatch | None = None
        self.login_guard: LoginGuard | None = (
            LoginGuard(
                LoginPolicy(backoff=options.login_backoff, max_failures=options.max_login_failures)
            )
            if self.logs_in
            else None
        )
        """The guard of this backend's logins; None for backends without a login step."""

    def __repr__(self) -> str:
        """Name and kind, never credentials."""
        return f"<{type(self).__name__} {self.backend.name}>"

    @property
    def name(self) -> str:
        """The backend's name in the stack file."""
        return self.backend.name

    @property
    def timeout(self) -> float:
        """The backend's own timeout in seconds (the stack file's ``timeout``)."""
        return self.backend.timeout

    def session(self) -> aiohttp.ClientSession:
        """This collector's HTTP session, created on first use (inside the event loop)."""
        if self._session is None or self._session.closed:
            self._session = self.make_session()
        return self._session

    def make_session(self) -> aiohttp.ClientSession:
        """A new session; the clients send their own cookies, so the jar stays empty."""
        return aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())

    def client(self) -> ClientT:
        """The long-lived client, built on first use from the stack file's settings."""
        if self._client is None:
            backend = self.backend
            settings = ClientSettings(
                url=backend.url,
                username=backend.username,
                password=backend.password,
                api_key=backend.api_key,
                verify_ssl=backend.verify_ssl,
                timeout=backend.timeout,
                login_guard=self.login_guard,
            )
            self._client = make_client_as(self.client_type, self.kind, self.session(), settings)
        return self._client

    async def listen_port(self, read: Callable[[], Awaitable[int]]) -> int:
        """The download client's listen port, read again only when the watch says so."""
        if self._listen_watch is None:
            self._listen_watch = ListenPortWatch()
        watch, now = self._listen_watch, time.monotonic()
        port = watch.port
        if port is None or watch.due(self.vpn_forwarded, now):
            return watch.record(await read(), now)
        return port

    @abstractmethod
    async def collect(self, out: Samples, facts: Facts) -> None:
        """Add this backend's samples to ``out``; raise when the backend fails."""

    async def close(self) -> None:
        """Release the HTTP session."""
        if self._session is not None:
            with contextlib.suppress(Exception):
                await self._session.close()
            self._session = None
