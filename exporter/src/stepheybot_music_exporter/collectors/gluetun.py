"""gluetun: VPN status, forwarded port and the public IP (for the leak check)."""

from __future__ import annotations

from stepheybot_music_clients.gluetun import GluetunClient, VpnStatus
from stepheybot_music_clients.models import BackendKind

from .. import metrics as m
from .base import Collector, Facts


class GluetunCollector(Collector[GluetunClient]):
    """Three small control-server reads per scrape."""

    kind = BackendKind.GLUETUN
    client_type = GluetunClient

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
