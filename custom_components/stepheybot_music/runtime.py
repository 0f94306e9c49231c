"""Runtime data of a stack: one :class:`BackendRuntime` per backend (config subentry)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from homeassistant.config_entries import ConfigEntry, ConfigSubentry
from homeassistant.const import CONF_URL
from homeassistant.exceptions import ConfigEntryAuthFailed
from stepheybot_music_clients.errors import StackError
from stepheybot_music_clients.models import BackendKind

from .const import DOMAIN
from .search.cache import SearchCache
from .settings import StackSettings

if TYPE_CHECKING:
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .coordinators.base import StackCoordinator
    from .diagnosis_watch import DiagnosisWatch
    from .push import Pusher
    from .tracking.coordinator import RequestCoordinator


@dataclass(frozen=True, slots=True, kw_only=True)
class BackendRef:
    """Which backend something belongs to: enough to name it, find its device and log."""

    entry_id: str
    subentry_id: str
    kind: BackendKind
    title: str
    url: str

    @classmethod
    def of(cls, entry: ConfigEntry[Any], subentry: ConfigSubentry) -> BackendRef:
        """The reference of a config subentry."""
        return cls(
            entry_id=entry.entry_id,
            subentry_id=subentry.subentry_id,
            kind=BackendKind(subentry.subentry_type),
            title=subentry.title,
            url=str(subentry.data[CONF_URL]),
        )


@dataclass(kw_only=True)
class BackendRuntime:
    """One configured backend: its coordinators and how to close its client."""

    ref: BackendRef
    fast: tuple[StackCoordinator[Any], ...] = ()
    """Refreshed during set-up (cheap requests, entities need their data to exist)."""
    slow: tuple[StackCoordinator[Any], ...] = ()
    """Refreshed in the background after set-up (heavy library requests)."""
    close: Callable[[], Awaitable[None]] | None = None
    """Ends the client's session with the backend (e.g. qBittorrent logout)."""

    @property
    def coordinators(self) -> tuple[StackCoordinator[Any], ...]:
        """Every coordinator of this backend."""
        return self.fast + self.slow

    @property
    def awaiting_reauth(self) -> bool:
        """Whether the backend rejected its credentials (polling stops until reauthentication)."""
        return any(
            isinstance(coordinator.last_exception, ConfigEntryAuthFailed)
            for coordinator in self.coordinators
        )

    async def async_close(self) -> None:
        """Log out where the backend keeps sessions; never raises."""
        if self.close is not None:
            with contextlib.suppress(StackError):
                await self.close()


class AddsBackendEntities(Protocol):
    """What makes one backend's entities on a platform (to add a reloaded backend's again)."""

    def async_add_backend(
        self,
        entry: StepheyBotConfigEntry,
        backend: BackendRuntime,
        async_add_entities: AddConfigEntryEntitiesCallback,
    ) -> None:
        """Add ``backend``'s entities of this platform."""


@dataclass(kw_only=True)
class StackRuntimeData:
    """Everything a loaded stack holds, in ``ConfigEntry.runtime_data``."""

    settings: StackSettings
    backends: dict[str, BackendRuntime] = field(default_factory=dict)
    """By config subentry id."""
    search_cache: SearchCache = field(default_factory=SearchCache)
    """What the result ids of recent searches stand for (release links: only here), an hour."""
    push: dict[str, Pusher] = field(default_factory=dict)
    """By config subentry id: the backends that push (Lidarr, Navidrome; option ``push``)."""
    push_starts: list[asyncio.Task[None]] = field(default_factory=list)
    """Their start-ups (in the background), cancelled if the stack unloads first."""
    requests: RequestCoordinator = field(init=False)
    """The stack's download requests (set during the entry's set-up, before any platform)."""
    diagnosis: DiagnosisWatch = field(init=False)
    """Why music is not arriving, kept current (set with ``requests``)."""
    built_from: dict[str, Any] = field(default_factory=dict)
    """The title, options and subentries the running stack was built from (:mod:`.backend_reload`
    tells from it whether one backend changed or the whole stack must reload)."""
    entity_adders: list[tuple[AddsBackendEntities, AddConfigEntryEntitiesCallback]] = field(
        default_factory=list
    )
    """Each platform's backend entities and its ``async_add_entities``: to add a reloaded
    backend's entities again."""
    reload_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    """One backend reload at a time."""

    def of_type[RuntimeT: BackendRuntime](self, cls: type[RuntimeT]) -> list[RuntimeT]:
        """The backends whose runtime is a ``cls``."""
        return [backend for backend in self.backends.values() if isinstance(backend, cls)]


def signal_replaced(entry_id: str) -> str:
    """The dispatcher signal of a backend reloaded alone (:mod:`.backend_reload`).

    It carries a mapping of each old coordinator to the new one of the same backend and role,
    for the entities that follow coordinators of other backends.
    """
    return f"{DOMAIN}_{entry_id}_coordinators_replaced"


type StepheyBotConfigEntry = ConfigEntry[StackRuntimeData]
