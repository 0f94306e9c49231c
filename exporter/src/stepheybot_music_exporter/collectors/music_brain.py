"""The StepheyBot Music Brain: its download requests (one small read per scrape)."""

from __future__ import annotations

from stepheybot_music_clients.models import BackendKind
from stepheybot_music_clients.music_brain import MusicBrainClient

from .. import metrics as m
from .base import Collector, Facts


class MusicBrainCollector(Collector):
    """Reads only ``/api/v1/download/stats``.

    The Brain's other statistics endpoints call Navidrome and Lidarr without timeouts and
    download whole lists, so they are left out.
    """

    kind = BackendKind.MUSIC_BRAIN
    _client: MusicBrainClient | None = None

    def client(self) -> MusicBrainClient:
        """The long-lived client (the Brain has no credentials)."""
        if self._client is None:
            self._client = MusicBrainClient(
                self.session(),
                self.backend.url,
                timeout=self.timeout,
                verify_ssl=self.backend.verify_ssl,
            )
        return self._client

    async def collect(self, out: m.Samples, facts: Facts) -> None:
        """Requests held now (gauges) and since the Brain started (counters)."""
        stats = await self.client().download_stats()
        out.add(m.BRAIN_REQUESTS, stats.queued_downloads, status="queued")
        out.add(m.BRAIN_REQUESTS, stats.active_downloads, status="active")
        out.add(m.BRAIN_REQUESTS_ACCEPTED, stats.total_downloads)
        out.add(m.BRAIN_REQUESTS_COMPLETED, stats.completed_downloads)
        out.add(m.BRAIN_REQUESTS_FAILED, stats.failed_downloads)
        if stats.last_updated is not None:
            out.add(m.BRAIN_MONITOR_TIMESTAMP, stats.last_updated.timestamp())
