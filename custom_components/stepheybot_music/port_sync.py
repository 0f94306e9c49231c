"""The port gluetun forwarded, beside each download client's listen port: watch, sync.

One :class:`ListenPortCoordinator` per download client of a stack that has gluetun. It reads
the client's listen port only when the client library's ``ListenPortWatch`` says it may be
wrong (qBittorrent keeps it among ~7 KB of preferences), compares it with the forwarded port
of the gluetun coordinator's last poll, and refreshes whenever gluetun's data changes, so a
new forwarded port is seen within one VPN poll. With the stack option "keep the listen port
in sync" it sets the port itself; otherwise the binary sensor, the button and the
``sync_forwarded_port`` action do (issue 21).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from homeassistant.core import HomeAssistant, callback
from stepheybot_music_clients.errors import StackError
from stepheybot_music_clients.listen_port import (
    ListenPortWatch,
    PortState,
    PortSync,
    PortSyncResult,
)

from .coordinators.base import StackCoordinator
from .coordinators.download_client import DownloadClientRuntime
from .coordinators.gluetun import GluetunCoordinator, GluetunRuntime
from .coordinators.qbittorrent import QBittorrentCoordinator
from .coordinators.transmission import TransmissionCoordinator
from .runtime import BackendRef, StackRuntimeData, StepheyBotConfigEntry
from .settings import StackSettings

_LOGGER = logging.getLogger(__name__)


class ListenPortCoordinator(StackCoordinator[PortState]):
    """One download client's listen port against the forwarded port of the stack's gluetun."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: StepheyBotConfigEntry,
        backend: BackendRef,
        *,
        sync: PortSync,
        vpn: GluetunCoordinator,
        client: StackCoordinator[Any],
        settings: StackSettings,
    ) -> None:
        """Poll at the fast interval, and after every change of ``vpn``'s data.

        ``client`` is the download client's own coordinator: a port kept from an earlier
        read is told only while that one answers, never of a client that is down.
        """
        super().__init__(hass, entry, backend, role="listen port", interval=settings.fast_interval)
        self.sync = sync
        self.vpn = vpn
        self.client = client
        self._client_answered = True
        self.auto_sync = settings.sync_forwarded_port
        self.watch = ListenPortWatch()
        self._last_forwarded: int | None = None

    @property
    def forwarded_port(self) -> int | None:
        """The port gluetun forwards (0: none), None while gluetun's is not known."""
        vpn = self.vpn
        if not vpn.last_update_success or vpn.data is None or not vpn.data.port_readable:
            return None
        return vpn.data.forwarded_port or 0

    async def _async_fetch(self) -> PortState:
        forwarded = self.forwarded_port
        now = time.monotonic()
        port = self.watch.port
        if port is None or self.watch.due(forwarded, now):
            port = self.watch.record(await self.sync.listen_port(), now)
        elif not self.client.last_update_success:
            # the kept port is not fresh: fail as the client's own poll did (one truth)
            failure = self.client.last_exception
            cause = failure.__cause__ if failure is not None else None
            if isinstance(cause, StackError):
                raise cause
            port = self.watch.record(await self.sync.listen_port(), now)
        if self.auto_sync and forwarded and port != forwarded:
            result = await self.sync.sync(forwarded)
            port = self.watch.record(result.after, time.monotonic())
            _LOGGER.info(
                "%s listened on port %s; set it to %s, the port the VPN forwards",
                self.backend.title,
                result.before,
                result.after,
            )
        return PortState(client=self.sync.name, listen_port=port, forwarded_port=forwarded)

    async def async_sync(self) -> PortSyncResult:
        """Set the client's listen port to the forwarded one now, then refresh."""
        result = await self.sync.sync(self.forwarded_port)
        self.watch.record(result.after, time.monotonic())
        await self.async_refresh()
        return result

    @callback
    def async_client_updated(self) -> None:
        """Refresh when the download client stopped or started answering its own poll."""
        answered = self.client.last_update_success
        if answered != self._client_answered:
            self._client_answered = answered
            self.hass.async_create_task(self.async_request_refresh())

    @callback
    def async_vpn_updated(self) -> None:
        """Refresh when gluetun's forwarded port changed (not on every VPN poll)."""
        forwarded = self.forwarded_port
        if forwarded != self._last_forwarded:
            self._last_forwarded = forwarded
            self.hass.async_create_task(self.async_request_refresh())


def attach_listen_ports(
    hass: HomeAssistant, entry: StepheyBotConfigEntry, runtime: StackRuntimeData
) -> list[ListenPortCoordinator]:
    """Give each download client of a stack with gluetun its listen-port coordinator.

    The coordinator joins the client's fast coordinators (refreshed at set-up, counted in its
    health); with several gluetun backends, the first one's port is the one compared.
    """
    vpns = runtime.of_type(GluetunRuntime)
    if not vpns:
        return []
    vpn = vpns[0].coordinator
    made: list[ListenPortCoordinator] = []
    for backend in runtime.of_type(DownloadClientRuntime):
        coordinator = backend.coordinator
        if not isinstance(coordinator, QBittorrentCoordinator | TransmissionCoordinator):
            continue
        port = ListenPortCoordinator(
            hass,
            entry,
            backend.ref,
            sync=PortSync(coordinator.client, backend.ref.title),
            vpn=vpn,
            client=coordinator,
            settings=runtime.settings,
        )
        backend.listen_port = port
        backend.fast = (*backend.fast, port)
        entry.async_on_unload(vpn.async_add_listener(port.async_vpn_updated))
        entry.async_on_unload(coordinator.async_add_listener(port.async_client_updated))
        made.append(port)
    return made
