"""Jackett or Prowlarr: the configured indexers and which of them fail (slow)."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.core import HomeAssistant
from stepheybot_music_clients.indexers import Indexer, JackettClient, ProwlarrClient
from stepheybot_music_clients.models import BackendKind

from ..runtime import BackendRef, BackendRuntime, StepheyBotConfigEntry
from ..sessions import runtime_client
from ..settings import StackSettings
from .base import StackCoordinator


@dataclass(frozen=True, slots=True, kw_only=True)
class IndexerData:
    """The indexers of one Jackett or Prowlarr."""

    indexers: tuple[Indexer, ...]

    @property
    def configured(self) -> int:
        """Indexers configured and enabled."""
        return sum(1 for indexer in self.indexers if indexer.configured and indexer.enabled)

    @property
    def failing(self) -> tuple[Indexer, ...]:
        """Enabled indexers failing now (see :attr:`Indexer.failing`)."""
        return tuple(indexer for indexer in self.indexers if indexer.enabled and indexer.failing)


class IndexerCoordinator(StackCoordinator[IndexerData]):
    """Polls the indexer list at the slow interval."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: StepheyBotConfigEntry,
        backend: BackendRef,
        client: JackettClient | ProwlarrClient,
        settings: StackSettings,
    ) -> None:
        """Poll ``client`` at the slow interval."""
        super().__init__(hass, entry, backend, role="indexers", interval=settings.slow_interval)
        self.client = client

    async def _async_fetch(self) -> IndexerData:
        indexers = await self.client.indexers()
        return IndexerData(indexers=tuple(sorted(indexers, key=lambda item: item.name.lower())))


@dataclass(kw_only=True)
class IndexerRuntime(BackendRuntime):
    """A Jackett or Prowlarr backend."""

    coordinator: IndexerCoordinator


def build(
    hass: HomeAssistant,
    entry: StepheyBotConfigEntry,
    backend: BackendRef,
    settings: StackSettings,
) -> IndexerRuntime:
    """The runtime of a Jackett or Prowlarr backend (no I/O)."""
    client: JackettClient | ProwlarrClient = (
        runtime_client(hass, entry, backend.subentry_id, JackettClient)
        if backend.kind is BackendKind.JACKETT
        else runtime_client(hass, entry, backend.subentry_id, ProwlarrClient)
    )
    coordinator = IndexerCoordinator(hass, entry, backend, client, settings)
    return IndexerRuntime(ref=backend, slow=(coordinator,), coordinator=coordinator)
