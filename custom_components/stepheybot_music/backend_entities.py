"""Which entities each kind of backend has on one platform: a registry, not a type ladder.

Each platform keeps one :class:`BackendEntities` and registers, per runtime class, the
function that makes that backend's entities; a new kind of backend adds one function and
touches no other. A runtime subclass (e.g. qBittorrent's and Transmission's
``DownloadClientRuntime``) gets what its class or its nearest registered base gets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from homeassistant.core import callback
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .runtime import BackendRuntime, StepheyBotConfigEntry

type EntityFactory[RuntimeT: BackendRuntime, EntityT: Entity] = Callable[
    [StepheyBotConfigEntry, RuntimeT, AddConfigEntryEntitiesCallback], Iterable[EntityT]
]
"""Makes one backend's entities; those that come and go it adds itself (``async_add_dynamic``)."""


class BackendEntities[EntityT: Entity]:
    """The entities of one platform, by the runtime class of the backend."""

    def __init__(self) -> None:
        """No backend has entities yet."""
        self._factories: dict[type[BackendRuntime], EntityFactory[Any, EntityT]] = {}

    def register[RuntimeT: BackendRuntime](
        self, runtime: type[RuntimeT]
    ) -> Callable[[EntityFactory[RuntimeT, EntityT]], EntityFactory[RuntimeT, EntityT]]:
        """Decorate the function that makes the entities of ``runtime`` backends."""

        def add(factory: EntityFactory[RuntimeT, EntityT]) -> EntityFactory[RuntimeT, EntityT]:
            self._factories[runtime] = factory
            return factory

        return add

    def factory_of(self, backend: BackendRuntime) -> EntityFactory[Any, EntityT] | None:
        """The function for ``backend``'s class or its nearest registered base, if any."""
        for cls in type(backend).__mro__:
            if (factory := self._factories.get(cls)) is not None:
                return factory
        return None

    @callback
    def async_add(
        self, entry: StepheyBotConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
    ) -> None:
        """Add every backend's entities, each under its config subentry.

        Keeps ``async_add_entities``, so that a backend reloaded alone gets its entities back.
        """
        entry.runtime_data.entity_adders.append((self, async_add_entities))
        for backend in entry.runtime_data.backends.values():
            self.async_add_backend(entry, backend, async_add_entities)

    @callback
    def async_add_backend(
        self,
        entry: StepheyBotConfigEntry,
        backend: BackendRuntime,
        async_add_entities: AddConfigEntryEntitiesCallback,
    ) -> None:
        """Add one backend's entities under its config subentry."""
        factory = self.factory_of(backend)
        if factory is not None:
            async_add_entities(
                list(factory(entry, backend, async_add_entities)),
                config_subentry_id=backend.ref.subentry_id,
            )
