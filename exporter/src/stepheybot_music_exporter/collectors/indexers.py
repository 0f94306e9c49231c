"""Jackett and Prowlarr: indexers configured and failing."""

from __future__ import annotations

from stepheybot_music_clients.indexers import Indexer, JackettClient, ProwlarrClient
from stepheybot_music_clients.models import BackendKind
from stepheybot_music_clients.stackfile import BackendConfig

from .. import metrics as m
from ..config import CollectorOptions
from .base import Collector, Facts


def add_indexer_samples(out: m.Samples, backend: str, indexers: list[Indexer]) -> None:
    """Configured indexers, the enabled ones among them, and how many of those fail."""
    configured = [i for i in indexers if i.configured]
    enabled = [i for i in configured if i.enabled]
    out.add(m.INDEXERS, len(configured), backend=backend)
    out.add(m.INDEXERS_ENABLED, len(enabled), backend=backend)
    out.add(m.INDEXERS_FAILING, sum(1 for i in enabled if i.failing), backend=backend)


class JackettCollector(Collector[JackettClient]):
    """Two reads per scrape: the indexer list and the indexers failing now.

    The list needs Jackett's admin session (kept across scrapes); the failing ones come
    with the API key, through Jackett's ``status:failing`` filter.
    """

    kind = BackendKind.JACKETT
    client_type = JackettClient

    def __init__(self, backend: BackendConfig, options: CollectorOptions) -> None:
        """With an admin password Jackett needs a login, which the login guard protects."""
        self.logs_in = bool(backend.password)
        super().__init__(backend, options)

    async def collect(self, out: m.Samples, facts: Facts) -> None:
        """``indexers`` and ``indexers_failing`` (Jackett's live status, not the last test)."""
        add_indexer_samples(out, self.name, await self.client().indexers())


class ProwlarrCollector(Collector[ProwlarrClient]):
    """Two small reads per scrape: the indexers and their failure status."""

    kind = BackendKind.PROWLARR
    client_type = ProwlarrClient

    async def collect(self, out: m.Samples, facts: Facts) -> None:
        """``indexers`` and ``indexers_failing`` (enabled and blocked by Prowlarr now)."""
        add_indexer_samples(out, self.name, await self.client().indexers())
