"""gluetun: VPN status, public IP and forwarded port (fast)."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.core import HomeAssistant
from stepheybot_music_clients.gluetun import GluetunClient, VpnStatus

from ..runtime import BackendRef, BackendRuntime, StepheyBotConfigEntry
from ..sessions import runtime_client
from ..settings import StackSettings
from .base import StackCoordinator


@dataclass(frozen=True, slots=True, kw_only=True)
class VpnData:
    """The VPN as gluetun reports it."""

    status: VpnStatus
    public_ip: str | None
    """None while the tunnel is down."""
    country: str | None
    forwarded_port: int | None
    version: str | None = None

    @property
    def connected(self) -> bool:
        """Whether the tunnel runs."""
        return self.status is VpnStatus.RUNNING


class GluetunCoordinator(StackCoordinator[VpnData]):
    """Three small requests per poll (plus the version once)."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: StepheyBotConfigEntry,
        backend: BackendRef,
        client: GluetunClient,
        settings: StackSettings,
    ) -> None:
        """Poll ``client`` at the fast interval."""
        super().__init__(hass, entry, backend, role="VPN", interval=settings.fast_interval)
        self.client = client
        self._version: str | None = None

    def version_of(self, data: VpnData) -> str | None:
        """The version of gluetun."""
        return data.version

    async def _async_fetch(self) -> VpnData:
        if self._version is None:
            self._version = (await self.client.probe()).version
        status = await self.client.vpn_status()
        public = await self.client.public_ip()
        ports = await self.client.port_forwarded()
        return VpnData(
            status=status,
            public_ip=public.ip,
            country=public.country,
            forwarded_port=ports.port,
            version=self._version,
        )


@dataclass(kw_only=True)
class GluetunRuntime(BackendRuntime):
    """A gluetun backend."""

    coordinator: GluetunCoordinator


def build(
    hass: HomeAssistant,
    entry: StepheyBotConfigEntry,
    backend: BackendRef,
    settings: StackSettings,
) -> GluetunRuntime:
    """The runtime of a gluetun backend (no I/O)."""
    client = runtime_client(hass, entry, backend.subentry_id, GluetunClient)
    coordinator = GluetunCoordinator(hass, entry, backend, client, settings)
    return GluetunRuntime(ref=backend, fast=(coordinator,), coordinator=coordinator)
