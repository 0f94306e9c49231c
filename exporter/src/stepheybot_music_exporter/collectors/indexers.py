"""Jackett and Prowlarr: indexers configured and failing."""

from __future__ import annotations

from stepheybot_music_clients.indexers import Indexer, JackettClient, ProwlarrClient
from stepheybot_music_clients.models import BackendKind
from stepheybot_music_clients.stackfile import BackendConfig

from .. import metrics as m
from ..config import CollectorOptions
from .base import Collector, Facts


def add_indexer_samples(out: m.Samples, backend: str, indexers: list[Indexer]) -> None:
    """Configured indexers and how many of them fail."""
    configured = [i for i in indexers if i.configured]
    out.add(m.INDEXERS, len(configured), backend=backend)
    out.add(m.INDEXERS_FAILING, sum(1 for i in configured if i.failing), backend=backend)


class JackettCollector(Collector[JackettClient]):
    """One indexer list per scrape, through Jackett's admin session (kept across scrapes)."""

    kind = BackendKind.JACKETT
    client_type = JackettClient

    def __init__(self, backend: BackendConfig, options: CollectorOptions) -> None:
        """With an admin password Jackett needs a login, which the login guard protects."""
        self.logs_in = bool(backend.password)
        super().__init__(backend, options)

    async def collect(self, out: m.Samples, facts: Facts) -> None:
        """``indexers`` and ``indexers_failing`` (Jackett's last error per indexer)."""
        add_indexer_samples(out, self.name, await self.client().indexers())


class ProwlarrCollector(Collector[ProwlarrClient]):
    """Two small reads per scrape: the indexers and their failure status."""

    kind = BackendKind.PROWLARR
    client_type = ProwlarrClient

    async def collect(self, out: m.Samples, facts: Facts) -> None:
        """``indexers`` and ``indexers_failing`` (disabled after failures or failed lately)."""
        add_indexer_samples(out, self.name, await self.client().indexers())
