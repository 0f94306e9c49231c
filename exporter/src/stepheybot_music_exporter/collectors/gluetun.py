"""gluetun: VPN status, forwarded port and the public IP (for the leak check)."""

from __future__ import annotations

import logging

from stepheybot_music_clients.gluetun import GluetunClient, GluetunReading, VpnStatus
from stepheybot_music_clients.models import BackendKind

from .. import metrics as m
from .base import Collector, Facts

_LOGGER = logging.getLogger(__name__)


class GluetunCollector(Collector[GluetunClient]):
    """Three small control-server reads per scrape."""

    kind = BackendKind.GLUETUN
    client_type = GluetunClient
    _not_permitted: tuple[str, ...] = ()
    """The routes gluetun refused at the last scrape (logged when this changes)."""

    async def collect(self, out: m.Samples, facts: Facts) -> None:
        """VPN up, forwarded port (0: none), and the public IP for ``vpn_leak``.

        A datum gluetun's role does not grant is left out (no port sample, no leak check)
        while the backend stays up; the routes to add are logged when that changes.
        """
        reading = await self.client().read()
        running = reading.status is VpnStatus.RUNNING
        out.add(m.VPN_UP, 1 if running else 0)
        if reading.forwarded is not None:
            out.add(m.VPN_FORWARDED_PORT, reading.forwarded.port or 0)
        public = reading.public_ip
        if running and public is not None and public.ip:
            facts.vpn_public_ip = public.ip
        self._report(reading)

    def _report(self, reading: GluetunReading) -> None:
        """Log once when gluetun starts or stops refusing routes, not every scrape."""
        if reading.not_permitted == self._not_permitted:
            return
        if reading.not_permitted:
            _LOGGER.warning(
                "%s: gluetun refuses %s, so those metrics are left out: %s",
                self.name,
                ", ".join(reading.not_permitted),
                reading.advice,
            )
        else:
            _LOGGER.info("%s: gluetun grants every route again", self.name)
        self._not_permitted = reading.not_permitted
