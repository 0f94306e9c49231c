"""Base entities: one device per backend, one for the stack, one per watched container."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from functools import partial
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity
from stepheybot_music_clients.errors import StackError

from .action_errors import backend_failed
from .coordinators.base import StackCoordinator
from .devices import backend_device_info, stack_device_info
from .runtime import BackendRef, StepheyBotConfigEntry, signal_replaced


class BackendEntity[DataT](CoordinatorEntity[StackCoordinator[DataT]]):
    """An entity fed by one coordinator of one backend."""

    _attr_has_entity_name = True

    def __init__(
        self,
        coordinator: StackCoordinator[DataT],
        description: EntityDescription,
        *,
        unique_key: str | None = None,
        device_info: DeviceInfo | None = None,
    ) -> None:
        """Describe the entity; ``unique_key`` distinguishes entities of one description."""
        super().__init__(coordinator)
        self.entity_description = description
        ref = coordinator.backend
        self._attr_unique_id = f"{ref.subentry_id}_{unique_key or description.key}"
        if device_info is None:
            version = (
                coordinator.version_of(coordinator.data) if coordinator.data is not None else None
            )
            device_info = backend_device_info(ref)
            if version:
                device_info["sw_version"] = version
        self._attr_device_info = device_info

    @property
    def available(self) -> bool:
        """Available while the coordinator succeeds and has data (slow ones start empty)."""
        return super().available and self.coordinator.data is not None


class FollowsCoordinators(Entity):
    """Follows coordinators of other backends, and their successors when one reloads alone.

    A backend reloaded alone (:mod:`.backend_reload`) gets new coordinators; an entity that
    listens to them from elsewhere (a stack sensor, gluetun's leak sensor) swaps the old ones
    for the new ones instead of listening to coordinators that no longer poll.
    """

    _followed: tuple[StackCoordinator[Any], ...] = ()
    _unfollow: list[Callable[[], None]]

    @callback
    def _async_follow(self, entry_id: str) -> None:
        """Listen to every followed coordinator (call from ``async_added_to_hass``)."""
        self._unfollow = []
        self._listen()
        self.async_on_remove(self._stop_listening)
        self.async_on_remove(
            async_dispatcher_connect(self.hass, signal_replaced(entry_id), self._replace)
        )

    def _listen(self) -> None:
        self._unfollow = [
            coordinator.async_add_listener(self._handle_followed_update)
            for coordinator in self._followed
        ]

    def _stop_listening(self) -> None:
        for unsubscribe in self._unfollow:
            unsubscribe()
        self._unfollow = []

    @callback
    def _replace(self, replaced: Mapping[StackCoordinator[Any], StackCoordinator[Any]]) -> None:
        if not any(coordinator in replaced for coordinator in self._followed):
            return
        self._stop_listening()
        self._followed = tuple(replaced.get(c, c) for c in self._followed)
        self._listen()
        self.async_write_ha_state()

    @callback
    def _handle_followed_update(self) -> None:
        self.async_write_ha_state()


class StackEntity[DataT](FollowsCoordinators):
    """An entity of the stack's device, aggregating the same data of several backends.

    It is available while at least one of its backends answers, and computes its state
    from those that do.
    """

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(
        self,
        entry: StepheyBotConfigEntry,
        description: EntityDescription,
        coordinators: Sequence[StackCoordinator[DataT]],
    ) -> None:
        """Aggregate ``coordinators`` (at least one)."""
        self.entity_description = description
        self._followed = tuple(coordinators)
        self._entry_id = entry.entry_id
        self._attr_unique_id = f"{entry.entry_id}_{description.key}"
        self._attr_device_info = stack_device_info(entry)

    @property
    def sources(self) -> list[DataT]:
        """The data of every backend that currently answers."""
        return [
            coordinator.data
            for coordinator in self._followed
            if coordinator.last_update_success and coordinator.data is not None
        ]

    @property
    def available(self) -> bool:
        """Available while at least one backend answers."""
        return bool(self.sources)

    async def async_added_to_hass(self) -> None:
        """Follow every source coordinator."""
        await super().async_added_to_hass()
        self._async_follow(self._entry_id)


_ADDING = (ConfigEntryState.SETUP_IN_PROGRESS, ConfigEntryState.LOADED)
"""Entry states in which entities may be added."""


@callback
def async_add_dynamic[DataT](
    entry: StepheyBotConfigEntry,
    *,
    coordinator: StackCoordinator[DataT],
    keys_fn: Callable[[DataT], Iterable[str]],
    make: Callable[[str], Entity],
    async_add_entities: AddConfigEntryEntitiesCallback,
    subentry_id: str,
) -> None:
    """Add an entity for every key the coordinator reports, now and whenever one appears.

    Keys that disappear keep their entity (unavailable) until the user removes it.
    """
    known: set[str] = set()

    @callback
    def _add_new() -> None:
        if coordinator.data is None or entry.state not in _ADDING:
            # a refresh that ends while the stack unloads (its entities already gone) must
            # not add them to the old platform: the reloaded one would find them taken
            return
        backend = entry.runtime_data.backends.get(subentry_id)
        if backend is None or coordinator not in backend.coordinators:
            return  # the backend reloaded alone: its new coordinator adds the entities
        new = [key for key in keys_fn(coordinator.data) if key not in known]
        if not new:
            return
        entities = []
        for key in new:
            known.add(key)
            entity = make(key)
            # A deleted device takes its entities along: add them again if the key returns.
            entity.async_on_remove(partial(known.discard, key))
            entities.append(entity)
        async_add_entities(entities, config_subentry_id=subentry_id)

    _add_new()
    entry.async_on_unload(coordinator.async_add_listener(_add_new))


async def async_backend_action(backend: BackendRef, action: Awaitable[None]) -> None:
    """Run an action on a backend (button, switch); client errors become translated errors."""
    try:
        await action
    except StackError as err:
        raise backend_failed(backend, err) from err
