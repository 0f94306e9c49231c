"""gluetun: VPN status, forwarded port and the public IP (for the leak check)."""

from __future__ import annotations

from stepheybot_music_clients.gluetun import GluetunClient, VpnStatus
from stepheybot_music_clients.models import BackendKind

from .. import metrics as m
from .base import Collector, Facts


class GluetunCollector(Collector):
    """Three small control-server reads per scrape."""

    kind = BackendKind.GLUETUN
    _client: GluetunClient | None = None

    def client(self) -> GluetunClient:
        """The long-lived client (API key or basic credentials from the stack file)."""
        if self._client is None:
            self._client = GluetunClient(
                self.session(),
                self.backend.url,
                api_key=self.backend.api_key,
                username=self.backend.username,
                password=self.backend.password,
                timeout=self.timeout,
                verify_ssl=self.backend.verify_ssl,
            )
        return self._client

    async def collect(self, out: m.Samples, facts: Facts) -> None:
        """VPN up, forwarded port (0: none), and the public IP for ``vpn_leak``."""
        client = self.client()
        status = await client.vpn_status()
        forwarded = await client.port_forwarded()
        public = await client.public_ip() if status is VpnStatus.RUNNING else None
        out.add(m.VPN_UP, 1 if status is VpnStatus.RUNNING else 0)
        out.add(m.VPN_FORWARDED_PORT, forwarded.port or 0)
        if public is not None and public.ip:
            facts.vpn_public_ip = public.ip
