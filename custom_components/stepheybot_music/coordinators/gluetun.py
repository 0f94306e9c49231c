"""gluetun: VPN status, public IP and forwarded port (fast)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from stepheybot_music_clients.gluetun import GluetunClient, RouteNotPermittedError, VpnStatus
from stepheybot_music_clients.gluetun.roles import (
    LEGACY_PORT_ROUTE,
    PORT_ROUTE,
    PUBLIC_IP_ROUTE,
)

from ..issues import IssueKind, async_clear_issue, async_raise_issue
from ..runtime import BackendRef, BackendRuntime, StepheyBotConfigEntry
from ..sessions import runtime_client
from ..settings import StackSettings
from .base import StackCoordinator
from .download_client import DownloadClientData


@dataclass(frozen=True, slots=True, kw_only=True)
class VpnData:
    """The VPN as gluetun reports it."""

    status: VpnStatus
    public_ip: str | None
    """None while the tunnel is down, or when gluetun's role does not grant it."""
    country: str | None
    forwarded_port: int | None
    """None when nothing is forwarded, or when gluetun's role does not grant it."""
    version: str | None = None
    not_permitted: tuple[str, ...] = ()
    """Routes gluetun's role does not grant (their sensors are unavailable)."""

    @property
    def connected(self) -> bool:
        """Whether the tunnel runs."""
        return self.status is VpnStatus.RUNNING

    @property
    def public_ip_readable(self) -> bool:
        """Whether gluetun lets StepheyBot Music read the public IP."""
        return PUBLIC_IP_ROUTE not in self.not_permitted

    @property
    def port_readable(self) -> bool:
        """Whether gluetun lets StepheyBot Music read the forwarded port."""
        return not {PORT_ROUTE, LEGACY_PORT_ROUTE} & set(self.not_permitted)


def peer_addresses(clients: Iterable[StackCoordinator[DownloadClientData]]) -> list[str]:
    """The public addresses peers see, of the download clients that answered and report one."""
    return [
        client.data.external_address
        for client in clients
        if client.last_update_success
        and client.data is not None
        and client.data.external_address is not None
    ]


def leaking(vpn: VpnData | None, addresses: Iterable[str]) -> bool | None:
    """Whether a download client is seen from an address other than the VPN's public IP.

    None when it cannot be told: gluetun has no public IP to compare (down, or its role
    does not grant the route) or no download client reports the address peers see.
    The VPN leak binary sensor and the music card both judge with this.
    """
    seen = list(addresses)
    if vpn is None or vpn.public_ip is None or not vpn.public_ip_readable or not seen:
        return None
    return any(address != vpn.public_ip for address in seen)


class GluetunCoordinator(StackCoordinator[VpnData]):
    """Three small requests per poll (plus the version once), judged together.

    A route gluetun's role does not grant makes its sensors unavailable and raises a repair
    issue naming the routes to add for the gluetun release found; it is not a credential
    problem, so it starts no reauthentication (see ``GluetunClient.read``).
    """

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

    def version_of(self, data: VpnData) -> str | None:
        """The version of gluetun."""
        return data.version

    async def _async_fetch(self) -> VpnData:
        try:
            reading = await self.client.read()
        except RouteNotPermittedError as err:
            self._role_issue(err.routes, err.advice)
            raise
        if reading.not_permitted:
            self._role_issue(reading.not_permitted, reading.advice or "")
        else:
            async_clear_issue(self.hass, IssueKind.GLUETUN_ROUTES, self.backend.subentry_id)
        public = reading.public_ip
        build = reading.build
        return VpnData(
            status=reading.status,
            public_ip=public.ip if public is not None else None,
            country=public.country if public is not None else None,
            forwarded_port=reading.forwarded.port if reading.forwarded is not None else None,
            version=build.version.lstrip("v") if build is not None else None,
            not_permitted=reading.not_permitted,
        )

    def _role_issue(self, routes: tuple[str, ...], advice: str) -> None:
        """The repair issue: which routes gluetun refuses, and what to add to its role."""
        async_raise_issue(
            self.hass,
            IssueKind.GLUETUN_ROUTES,
            self.backend.subentry_id,
            {
                "backend": self.backend.title,
                "url": self.backend.url,
                "routes": ", ".join(routes),
                "advice": advice,
            },
            severity=ir.IssueSeverity.WARNING,
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
