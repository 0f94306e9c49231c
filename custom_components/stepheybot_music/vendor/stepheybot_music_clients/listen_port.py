"""The download client's listen port against the port the VPN forwarded: compare, and set it.

A VPN provider that forwards a port (gluetun's ``/v1/portforward``) forwards *one* port, often a
new one at each reconnect. Peers reach the download client only when it listens on that port;
otherwise every incoming connection is dropped and downloads starve (the ``port_mismatch``
cause of :mod:`stepheybot_music_clients.diagnosis`). Users run separate containers that copy
gluetun's port into qBittorrent; :class:`PortSync` does it for qBittorrent
(``app/preferences`` ``listen_port``) and Transmission (``peer-port``), for Home Assistant's
sensor, button and action and for the exporter's ``listen_port_matches_vpn``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Protocol

from stepheybot_music_clients.errors import BackendRequestError

__all__ = [
    "LISTEN_PORT_MAX_AGE",
    "ListenPortWatch",
    "NoForwardedPortError",
    "PeerClient",
    "PortState",
    "PortSync",
    "port_matches",
]

LISTEN_PORT_MAX_AGE = 300.0
"""Seconds a listen port read while it matched the VPN's is trusted before it is read again."""


class PeerClient(Protocol):
    """A download client whose listen port can be read and set (qBittorrent, Transmission).

    A protocol, not the two classes: the exporter's :class:`ListenPortWatch` and
    :func:`port_matches` then load no client package it does not scrape.
    """

    kind: ClassVar[str]
    """Which application it is (its error messages name it)."""

    async def listen_port(self) -> int:
        """The port it listens on for peers now."""

    async def set_listen_port(self, port: int) -> None:
        """Listen for peers on ``port``."""


class NoForwardedPortError(BackendRequestError):
    """The VPN forwards no port, so there is none to give the download client."""


def port_matches(forwarded: int | None, listen_port: int | None) -> bool | None:
    """Whether the client listens on the forwarded port; None when either is unknown.

    A VPN that forwards no port (``forwarded`` 0) gives nothing to match: None as well, since
    "matches" would claim a check that cannot be made.
    """
    if not forwarded or listen_port is None:
        return None
    return listen_port == forwarded


class ListenPortWatch:
    """When a client's listen port must be read again: one rule for every poller.

    qBittorrent has the port only in ``app/preferences`` (about 7 KB on 5.x, every setting),
    so a poll every few seconds reads it only when it may be wrong: never read, read while it
    did not match the forwarded port (so a fix shows at the next poll), the forwarded port
    moved away from it, or the reading is older than :data:`LISTEN_PORT_MAX_AGE` (someone
    changed it by hand).
    """

    def __init__(self, max_age: float = LISTEN_PORT_MAX_AGE) -> None:
        """Start with nothing read."""
        self.max_age = max_age
        self.port: int | None = None
        """The last port read; None before the first read."""
        self._read_at = 0.0

    def due(self, forwarded: int | None, now: float) -> bool:
        """Whether to read the port now (``now``: a monotonic clock in seconds)."""
        if self.port is None or now - self._read_at >= self.max_age:
            return True
        return bool(forwarded) and self.port != forwarded

    def record(self, port: int, now: float) -> int:
        """Remember a port just read; return it."""
        self.port, self._read_at = port, now
        return port


@dataclass(frozen=True, slots=True, kw_only=True)
class PortState:
    """One download client's listen port beside the VPN's forwarded port."""

    client: str
    """The client's name as the person sees it (e.g. the backend's title)."""
    listen_port: int
    forwarded_port: int | None
    """The port the VPN forwards; 0: none; None: not known."""

    @property
    def matches(self) -> bool | None:
        """See :func:`port_matches`."""
        return port_matches(self.forwarded_port, self.listen_port)


@dataclass(frozen=True, slots=True, kw_only=True)
class PortSyncResult:
    """What :meth:`PortSync.sync` did."""

    client: str
    before: int
    """The listen port before."""
    after: int
    """The listen port the client reports afterwards (the forwarded port)."""

    @property
    def changed(self) -> bool:
        """Whether the port had to be set."""
        return self.before != self.after


class PortSync:
    """Reads and sets one download client's listen port; the forwarded port comes from gluetun.

    The caller passes gluetun's forwarded port from its own poll, so a check costs one request
    to the download client and nothing to gluetun.
    """

    def __init__(self, client: PeerClient, name: str | None = None) -> None:
        """Wrap ``client``; ``name`` is how the person calls it (default: the application)."""
        self.client = client
        self.name = name or client.kind

    async def listen_port(self) -> int:
        """The port the client listens on for peers now."""
        return await self.client.listen_port()

    async def state(self, forwarded: int | None) -> PortState:
        """The client's listen port beside ``forwarded``."""
        return PortState(
            client=self.name, listen_port=await self.listen_port(), forwarded_port=forwarded
        )

    async def sync(self, forwarded: int | None) -> PortSyncResult:
        """Make the client listen on ``forwarded``; read it back to prove it took.

        Raises :class:`NoForwardedPortError` when the VPN forwards no port (or it is not known),
        and :class:`BackendRequestError` when the client keeps another port.
        """
        if not forwarded:
            raise NoForwardedPortError(
                "The VPN forwards no port, so there is none to give "
                f"{self.name}. Turn on port forwarding in gluetun (VPN_PORT_FORWARDING=on, "
                "with a provider that supports it) and let gluetun's control server answer "
                "the forwarded-port route.",
                backend=self.client.kind,
            )
        before = await self.listen_port()
        if before == forwarded:
            return PortSyncResult(client=self.name, before=before, after=before)
        await self.client.set_listen_port(forwarded)
        after = await self.listen_port()
        if after != forwarded:
            raise BackendRequestError(
                f"{self.name} still listens on port {after} after being asked to use "
                f"{forwarded}, the port the VPN forwarded. Set its listening port by hand "
                "in its settings (Connection).",
                backend=self.client.kind,
            )
        return PortSyncResult(client=self.name, before=before, after=after)
