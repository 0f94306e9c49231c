"""The StepheyBot Music Brain: its download requests and its line to Navidrome."""

from __future__ import annotations

from stepheybot_music_clients.models import BackendKind
from stepheybot_music_clients.music_brain import MusicBrainClient

from .. import metrics as m
from .base import Collector, Facts


class MusicBrainCollector(Collector[MusicBrainClient]):
    """Reads ``/api/v1/download/stats`` and ``/api/v1/status`` (one GET of Navidrome's root).

    The Brain's other statistics endpoints call Navidrome and Lidarr without timeouts and
    download whole lists, so they are left out; ``/api/v1/status`` alone tells whether
    ``/api/v1/library/stats`` would be made up.
    """

    kind = BackendKind.MUSIC_BRAIN
    client_type = MusicBrainClient

    async def collect(self, out: m.Samples, facts: Facts) -> None:
        """Requests held now (gauges) and since the Brain started (counters); mock data."""
        client = self.client()
        stats = await client.download_stats()
        status = await client.status()
        out.add(m.BRAIN_REQUESTS, stats.queued_downloads, status="queued")
        out.add(m.BRAIN_REQUESTS, stats.active_downloads, status="active")
        out.add(m.BRAIN_REQUESTS_ACCEPTED, stats.total_downloads)
        out.add(m.BRAIN_REQUESTS_COMPLETED, stats.completed_downloads)
        out.add(m.BRAIN_REQUESTS_FAILED, stats.failed_downloads)
        if stats.last_updated is not None:
            out.add(m.BRAIN_MONITOR_TIMESTAMP, stats.last_updated.timestamp())
        out.add(m.BRAIN_NAVIDROME_CONFIGURED, 1 if status.navidrome.enabled else 0)
        out.add(m.BRAIN_LIBRARY_MOCK, 1 if status.serves_mock_library else 0)
