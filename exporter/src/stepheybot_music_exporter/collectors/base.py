"""The small interface every backend collector implements."""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import ClassVar

import aiohttp
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

    def merge(self, other: Facts) -> None:
        """Take over what ``other`` knows."""
        self.vpn_public_ip = other.vpn_public_ip or self.vpn_public_ip
        self.external_addresses.update(other.external_addresses)


class Collector(ABC):
    """Collects one backend's metrics.

    A collector lives as long as the process: it owns one HTTP session and one client, so
    sessions, cookies and incremental sync state persist across scrapes. ``collect`` adds
    samples to ``out`` and raises a :class:`~stepheybot_music_clients.errors.StackError`
    when the backend cannot be collected; the caller then reports it as down.
    """

    kind: ClassVar[BackendKind]
    logs_in: bool = False
    """True for backends with a login step whose failures may count towards an IP ban."""

    def __init__(self, backend: BackendConfig, options: CollectorOptions) -> None:
        """Prepare a collector; nothing connects before the first :meth:`collect`."""
        self.backend = backend
        self.options = options
        self._session: aiohttp.ClientSession | None = None

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

    def rearm_login(self) -> None:
        """Allow the client to try its credentials again after a rejected login.

        The stack calls this only when its :class:`LoginGuard` says another attempt is safe.
        Clients that do not remember a rejection need nothing here.
        """
        return

    @abstractmethod
    async def collect(self, out: Samples, facts: Facts) -> None:
        """Add this backend's samples to ``out``; raise when the backend fails."""

    async def close(self) -> None:
        """Release the HTTP session."""
        if self._session is not None:
            with contextlib.suppress(Exception):
                await self._session.close()
            self._session = None
