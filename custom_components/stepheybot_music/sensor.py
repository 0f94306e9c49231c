"""Sensors: counts, rates, sizes and states of every backend, and the stack's totals."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory, UnitOfDataRate, UnitOfInformation
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType
from stepheybot_music_clients.docker import ContainerHealth, ContainerState
from stepheybot_music_clients.lidarr import LibraryStats, QueueStatus
from stepheybot_music_clients.models import BackendKind
from stepheybot_music_clients.music_brain import LibraryStats as BrainLibraryStats
from stepheybot_music_clients.subsonic import LibraryTotals

from .backend_entities import BackendEntities
from .blocked_sensor import MusicBlockedSensor
from .coordinators.base import StackCoordinator
from .coordinators.docker import DockerData, DockerRuntime
from .coordinators.download_client import (
    ConnectionState,
    DownloadClientData,
    DownloadClientRuntime,
    TorrentBucket,
)
from .coordinators.gluetun import GluetunRuntime, VpnData
from .coordinators.indexers import IndexerData, IndexerRuntime
from .coordinators.lidarr import LidarrRuntime, LidarrStatus
from .coordinators.music_brain import BrainRequests, MusicBrainRuntime
from .coordinators.navidrome import NavidromeRuntime, NavidromeStatus
from .devices import container_device_info
from .entity import BackendEntity, StackEntity, async_add_dynamic
from .push.entity import PushSensors
from .runtime import StackRuntimeData, StepheyBotConfigEntry
from .tracking.in_flight import RequestsInFlightSensor

PARALLEL_UPDATES = 0

type SensorValue = StateType | datetime


@dataclass(frozen=True, kw_only=True)
class BackendSensorDescription[DataT](SensorEntityDescription):
    """A sensor of one backend, read from its coordinator's data."""

    value_fn: Callable[[DataT], SensorValue]
    attributes_fn: Callable[[DataT], Mapping[str, Any]] | None = None
    kinds: frozenset[BackendKind] | None = None
    """Only for these kinds of backend (None: every kind that has the data)."""
    available_fn: Callable[[DataT], bool] | None = None
    """Whether the backend lets us read this value (None: whenever the backend answers)."""


@dataclass(frozen=True, kw_only=True)
class StackSensorDescription[DataT](SensorEntityDescription):
    """A sensor of the stack, computed over every backend that answers."""

    value_fn: Callable[[list[DataT]], SensorValue]
    sources_fn: Callable[[StackRuntimeData], list[StackCoordinator[DataT]]]


def _rate(
    key: str, value_fn: Callable[[DownloadClientData], int]
) -> BackendSensorDescription[DownloadClientData]:
    return BackendSensorDescription[DownloadClientData](
        key=key,
        translation_key=key,
        device_class=SensorDeviceClass.DATA_RATE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfDataRate.BYTES_PER_SECOND,
        suggested_unit_of_measurement=UnitOfDataRate.MEGABYTES_PER_SECOND,
        suggested_display_precision=2,
        value_fn=value_fn,
    )


def _bucket_count(bucket: TorrentBucket, data: DownloadClientData) -> int:
    return data.counts.get(bucket, 0)


_QUIET_BUCKETS = frozenset({TorrentBucket.QUEUED, TorrentBucket.CHECKING})
"""Counts most users never look at: disabled by default."""

DOWNLOAD_CLIENT_SENSORS: tuple[BackendSensorDescription[DownloadClientData], ...] = (
    _rate("download_speed", lambda data: data.download_rate),
    _rate("upload_speed", lambda data: data.upload_rate),
    *(
        BackendSensorDescription[DownloadClientData](
            key=f"torrents_{bucket}",
            translation_key=f"torrents_{bucket}",
            state_class=SensorStateClass.MEASUREMENT,
            entity_registry_enabled_default=bucket not in _QUIET_BUCKETS,
            value_fn=partial(_bucket_count, bucket),
        )
        for bucket in TorrentBucket
    ),
    BackendSensorDescription[DownloadClientData](
        key="connection_status",
        translation_key="connection_status",
        device_class=SensorDeviceClass.ENUM,
        options=[str(state) for state in ConnectionState],
        value_fn=lambda data: data.connection,
        kinds=frozenset({BackendKind.QBITTORRENT}),
    ),
    BackendSensorDescription[DownloadClientData](
        key="free_space",
        translation_key="free_space",
        device_class=SensorDeviceClass.DATA_SIZE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfInformation.BYTES,
        suggested_unit_of_measurement=UnitOfInformation.GIBIBYTES,
        suggested_display_precision=1,
        value_fn=lambda data: data.free_space,
    ),
    *(
        BackendSensorDescription[DownloadClientData](
            key=key,
            translation_key=key,
            device_class=SensorDeviceClass.DATA_SIZE,
            state_class=SensorStateClass.TOTAL_INCREASING,
            native_unit_of_measurement=UnitOfInformation.BYTES,
            suggested_unit_of_measurement=UnitOfInformation.TEBIBYTES,
            suggested_display_precision=2,
            value_fn=value_fn,
        )
        for key, value_fn in (
            ("alltime_download", lambda data: data.alltime_download),
            ("alltime_upload", lambda data: data.alltime_upload),
        )
    ),
)

NAVIDROME_LIBRARY_SENSORS: tuple[BackendSensorDescription[LibraryTotals], ...] = tuple(
    BackendSensorDescription[LibraryTotals](
        key=key,
        translation_key=key,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=value_fn,
    )
    for key, value_fn in (
        ("artists", lambda totals: totals.artists),
        ("albums", lambda totals: totals.albums),
        ("tracks", lambda totals: totals.songs),
    )
)

NAVIDROME_STATUS_SENSORS: tuple[BackendSensorDescription[NavidromeStatus], ...] = (
    BackendSensorDescription[NavidromeStatus](
        key="last_scan",
        translation_key="last_scan",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda status: status.last_scan,
    ),
    BackendSensorDescription[NavidromeStatus](
        key="now_playing",
        translation_key="now_playing",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda status: status.now_playing,
        attributes_fn=lambda status: {"listeners": list(status.listeners)},
    ),
)

LIDARR_QUEUE_SENSORS: tuple[BackendSensorDescription[QueueStatus], ...] = (
    BackendSensorDescription[QueueStatus](
        key="queue",
        translation_key="queue",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda queue: queue.total_count,
    ),
)

LIDARR_STATUS_SENSORS: tuple[BackendSensorDescription[LidarrStatus], ...] = (
    BackendSensorDescription[LidarrStatus](
        key="missing_albums",
        translation_key="missing_albums",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda status: status.missing,
    ),
    BackendSensorDescription[LidarrStatus](
        key="cutoff_unmet_albums",
        translation_key="cutoff_unmet_albums",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda status: status.cutoff_unmet,
    ),
    BackendSensorDescription[LidarrStatus](
        key="version",
        translation_key="version",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda status: status.version,
    ),
)

LIDARR_LIBRARY_SENSORS: tuple[BackendSensorDescription[LibraryStats], ...] = (
    BackendSensorDescription[LibraryStats](
        key="monitored_artists",
        translation_key="monitored_artists",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda stats: stats.monitored_artists,
    ),
    BackendSensorDescription[LibraryStats](
        key="albums",
        translation_key="albums",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda stats: stats.albums,
    ),
)

ROOT_FOLDER_SENSOR = BackendSensorDescription[LidarrStatus](
    key="root_folder_free_space",
    translation_key="root_folder_free_space",
    device_class=SensorDeviceClass.DATA_SIZE,
    state_class=SensorStateClass.MEASUREMENT,
    native_unit_of_measurement=UnitOfInformation.BYTES,
    suggested_unit_of_measurement=UnitOfInformation.GIBIBYTES,
    suggested_display_precision=1,
    value_fn=lambda status: None,
)


def _root_folder_free(path: str, status: LidarrStatus) -> int | None:
    return next((f.free_bytes for f in status.root_folders if f.path == path), None)


MUSIC_BRAIN_SENSORS: tuple[BackendSensorDescription[BrainRequests], ...] = tuple(
    BackendSensorDescription[BrainRequests](
        key=key,
        translation_key=key,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=value_fn,
    )
    for key, value_fn in (
        ("requests_queued", lambda data: data.stats.queued_downloads),
        ("requests_active", lambda data: data.stats.active_downloads),
        ("requests_completed", lambda data: data.stats.completed_downloads),
        ("requests_failed", lambda data: data.stats.failed_downloads),
    )
)

INDEXER_SENSORS: tuple[BackendSensorDescription[IndexerData], ...] = (
    BackendSensorDescription[IndexerData](
        key="indexers",
        translation_key="indexers",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data: data.configured,
    ),
)

VPN_SENSORS: tuple[BackendSensorDescription[VpnData], ...] = (
    BackendSensorDescription[VpnData](
        key="public_ip",
        translation_key="public_ip",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda vpn: vpn.public_ip,
        available_fn=lambda vpn: vpn.public_ip_readable,
    ),
    BackendSensorDescription[VpnData](
        key="country",
        translation_key="country",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda vpn: vpn.country,
        available_fn=lambda vpn: vpn.public_ip_readable,
    ),
    BackendSensorDescription[VpnData](
        key="forwarded_port",
        translation_key="forwarded_port",
        value_fn=lambda vpn: vpn.forwarded_port,
        available_fn=lambda vpn: vpn.port_readable,
    ),
)


CONTAINER_STATE = BackendSensorDescription[DockerData](
    key="container_state",
    translation_key="container_state",
    device_class=SensorDeviceClass.ENUM,
    options=[str(state) for state in ContainerState],
    value_fn=lambda data: None,
)

CONTAINER_HEALTH = BackendSensorDescription[DockerData](
    key="container_health",
    translation_key="container_health",
    device_class=SensorDeviceClass.ENUM,
    options=[str(health) for health in ContainerHealth if health is not ContainerHealth.NONE],
    value_fn=lambda data: None,
)


def _container_state(name: str, data: DockerData) -> str | None:
    info = data.containers.get(name)
    return str(info.state) if info is not None else None


def _container_health(name: str, data: DockerData) -> str | None:
    info = data.containers.get(name)
    return str(info.health) if info is not None and info.has_healthcheck else None


def _download_sources(runtime: StackRuntimeData) -> list[StackCoordinator[DownloadClientData]]:
    return [backend.coordinator for backend in runtime.of_type(DownloadClientRuntime)]


def _lidarr_queues(runtime: StackRuntimeData) -> list[StackCoordinator[QueueStatus]]:
    return [backend.queue for backend in runtime.of_type(LidarrRuntime)]


def _lidarr_statuses(runtime: StackRuntimeData) -> list[StackCoordinator[LidarrStatus]]:
    return [backend.status for backend in runtime.of_type(LidarrRuntime)]


def _brain_libraries(runtime: StackRuntimeData) -> list[StackCoordinator[BrainLibraryStats]]:
    if runtime.of_type(NavidromeRuntime):
        return []
    return [backend.library for backend in runtime.of_type(MusicBrainRuntime)]


def _real_total(
    count: Callable[[BrainLibraryStats], int | None], sources: list[BrainLibraryStats]
) -> int | None:
    """The sum over the Music Brains that report real numbers (None if none does)."""
    values = [value for stats in sources if (value := count(stats)) is not None]
    return sum(values) if values else None


def _navidrome_libraries(runtime: StackRuntimeData) -> list[StackCoordinator[LibraryTotals]]:
    return [backend.library for backend in runtime.of_type(NavidromeRuntime)]


STACK_SENSORS: tuple[StackSensorDescription[Any], ...] = (
    StackSensorDescription[DownloadClientData](
        key="active_music_downloads",
        translation_key="active_music_downloads",
        state_class=SensorStateClass.MEASUREMENT,
        sources_fn=_download_sources,
        value_fn=lambda sources: sum(data.music_active for data in sources),
    ),
    *(
        StackSensorDescription[DownloadClientData](
            key=key,
            translation_key=key,
            device_class=SensorDeviceClass.DATA_RATE,
            state_class=SensorStateClass.MEASUREMENT,
            native_unit_of_measurement=UnitOfDataRate.BYTES_PER_SECOND,
            suggested_unit_of_measurement=UnitOfDataRate.MEGABYTES_PER_SECOND,
            suggested_display_precision=2,
            sources_fn=_download_sources,
            value_fn=value_fn,
        )
        for key, value_fn in (
            ("total_download_speed", lambda sources: sum(d.download_rate for d in sources)),
            ("total_upload_speed", lambda sources: sum(d.upload_rate for d in sources)),
        )
    ),
    StackSensorDescription[QueueStatus](
        key="lidarr_queue",
        translation_key="lidarr_queue",
        state_class=SensorStateClass.MEASUREMENT,
        sources_fn=_lidarr_queues,
        value_fn=lambda sources: sum(queue.total_count for queue in sources),
    ),
    StackSensorDescription[LidarrStatus](
        key="missing_albums",
        translation_key="missing_albums",
        state_class=SensorStateClass.MEASUREMENT,
        sources_fn=_lidarr_statuses,
        value_fn=lambda sources: sum(status.missing for status in sources),
    ),
    *(
        StackSensorDescription[LibraryTotals](
            key=key,
            translation_key=key,
            state_class=SensorStateClass.MEASUREMENT,
            sources_fn=_navidrome_libraries,
            value_fn=value_fn,
        )
        for key, value_fn in (
            ("library_artists", lambda sources: sum(t.artists for t in sources)),
            ("library_albums", lambda sources: sum(t.albums for t in sources)),
            ("library_tracks", lambda sources: sum(t.songs for t in sources)),
        )
    ),
)

BRAIN_LIBRARY_SENSORS: tuple[StackSensorDescription[BrainLibraryStats], ...] = tuple(
    StackSensorDescription[BrainLibraryStats](
        key=key,
        translation_key=key,
        state_class=SensorStateClass.MEASUREMENT,
        sources_fn=_brain_libraries,
        value_fn=partial(_real_total, count),
    )
    for key, count in (
        ("library_artists", lambda stats: stats.total_artists),
        ("library_albums", lambda stats: stats.total_albums),
        ("library_tracks", lambda stats: stats.total_tracks),
    )
)
"""The library totals from the Music Brain, for stacks without a Navidrome backend."""


class BackendSensor[DataT](BackendEntity[DataT], SensorEntity):
    """A sensor of one backend."""

    entity_description: BackendSensorDescription[DataT]

    @property
    def available(self) -> bool:
        """Available while the backend answers and lets us read this value."""
        available_fn = self.entity_description.available_fn
        return super().available and (available_fn is None or available_fn(self.coordinator.data))

    @property
    def native_value(self) -> SensorValue:
        """The value read from the coordinator's data."""
        return self.entity_description.value_fn(self.coordinator.data)

    @property
    def extra_state_attributes(self) -> Mapping[str, Any] | None:
        """Details (e.g. who is listening), when the description has any."""
        if self.entity_description.attributes_fn is None or self.coordinator.data is None:
            return None
        return self.entity_description.attributes_fn(self.coordinator.data)


class ContainerSensor(BackendSensor[DockerData]):
    """A sensor of one watched container, on the container's own device."""

    def __init__(
        self,
        coordinator: StackCoordinator[DockerData],
        description: BackendSensorDescription[DockerData],
        name: str,
    ) -> None:
        """Describe ``name``'s ``description``; the device is keyed by the container's name."""
        super().__init__(
            coordinator,
            description,
            unique_key=f"container_{name}_{description.key}",
            device_info=container_device_info(coordinator.hass, coordinator.backend, name),
        )
        self._container = name

    @property
    def available(self) -> bool:
        """Available while Docker answers and reports the container."""
        return super().available and self._container in self.coordinator.data.containers


class StackSensor[DataT](StackEntity[DataT], SensorEntity):
    """A sensor of the stack's device."""

    entity_description: StackSensorDescription[DataT]

    @property
    def native_value(self) -> SensorValue:
        """The value computed over every backend that answers."""
        return self.entity_description.value_fn(self.sources)


def _backend_sensors[DataT](
    coordinator: StackCoordinator[DataT],
    descriptions: tuple[BackendSensorDescription[DataT], ...],
) -> list[SensorEntity]:
    kind = coordinator.backend.kind
    return [
        BackendSensor(coordinator, description)
        for description in descriptions
        if description.kinds is None or kind in description.kinds
    ]


SENSORS = BackendEntities[SensorEntity]()
"""Every backend's sensors, by runtime class."""


@SENSORS.register(DownloadClientRuntime)
def _download_client_sensors(
    entry: StepheyBotConfigEntry,
    backend: DownloadClientRuntime,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> list[SensorEntity]:
    return _backend_sensors(backend.coordinator, DOWNLOAD_CLIENT_SENSORS)


@SENSORS.register(NavidromeRuntime)
def _navidrome_sensors(
    entry: StepheyBotConfigEntry,
    backend: NavidromeRuntime,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> list[SensorEntity]:
    return [
        *_backend_sensors(backend.library, NAVIDROME_LIBRARY_SENSORS),
        *_backend_sensors(backend.status, NAVIDROME_STATUS_SENSORS),
    ]


@SENSORS.register(LidarrRuntime)
def _lidarr_sensors(
    entry: StepheyBotConfigEntry,
    backend: LidarrRuntime,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> list[SensorEntity]:
    entities = [
        *_backend_sensors(backend.queue, LIDARR_QUEUE_SENSORS),
        *_backend_sensors(backend.status, LIDARR_STATUS_SENSORS),
        *_backend_sensors(backend.library, LIDARR_LIBRARY_SENSORS),
    ]
    _add_root_folders(entry, backend, async_add_entities)
    return entities


@SENSORS.register(IndexerRuntime)
def _indexer_sensors(
    entry: StepheyBotConfigEntry,
    backend: IndexerRuntime,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> list[SensorEntity]:
    return _backend_sensors(backend.coordinator, INDEXER_SENSORS)


@SENSORS.register(GluetunRuntime)
def _vpn_sensors(
    entry: StepheyBotConfigEntry,
    backend: GluetunRuntime,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> list[SensorEntity]:
    return _backend_sensors(backend.coordinator, VPN_SENSORS)


@SENSORS.register(DockerRuntime)
def _docker_sensors(
    entry: StepheyBotConfigEntry,
    backend: DockerRuntime,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> list[SensorEntity]:
    _add_containers(entry, backend, async_add_entities)
    return []


@SENSORS.register(MusicBrainRuntime)
def _music_brain_sensors(
    entry: StepheyBotConfigEntry,
    backend: MusicBrainRuntime,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> list[SensorEntity]:
    return _backend_sensors(backend.requests, MUSIC_BRAIN_SENSORS)


def _add_root_folders(
    entry: StepheyBotConfigEntry,
    backend: LidarrRuntime,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """One free-space sensor per root folder, added as Lidarr reports new ones."""
    coordinator = backend.status

    def make(path: str) -> SensorEntity:
        description = replace(
            ROOT_FOLDER_SENSOR,
            translation_placeholders={"folder": path},
            value_fn=partial(_root_folder_free, path),
        )
        return BackendSensor(coordinator, description, unique_key=f"{description.key}_{path}")

    async_add_dynamic(
        entry,
        coordinator=coordinator,
        keys_fn=lambda status: [folder.path for folder in status.root_folders],
        make=make,
        async_add_entities=async_add_entities,
        subentry_id=backend.ref.subentry_id,
    )


def _add_containers(
    entry: StepheyBotConfigEntry,
    backend: DockerRuntime,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """State (and, with a healthcheck, health) of every watched container, as they appear."""
    coordinator = backend.coordinator

    def keys(data: DockerData) -> list[str]:
        found = [f"{name}{_STATE}" for name in data.containers]
        found += [
            f"{name}{_HEALTH}" for name, info in data.containers.items() if info.has_healthcheck
        ]
        return found

    def make(key: str) -> SensorEntity:
        name, _, aspect = key.rpartition("/")
        description = CONTAINER_HEALTH if f"/{aspect}" == _HEALTH else CONTAINER_STATE
        value = _container_health if description is CONTAINER_HEALTH else _container_state
        return ContainerSensor(
            coordinator, replace(description, value_fn=partial(value, name)), name
        )

    async_add_dynamic(
        entry,
        coordinator=coordinator,
        keys_fn=keys,
        make=make,
        async_add_entities=async_add_entities,
        subentry_id=backend.ref.subentry_id,
    )


_STATE = "/state"
_HEALTH = "/health"


async def async_setup_entry(
    hass: HomeAssistant,
    entry: StepheyBotConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the stack's sensors and every backend's."""
    runtime = entry.runtime_data
    async_add_entities([RequestsInFlightSensor(entry), MusicBlockedSensor(entry)])
    async_add_entities(
        StackSensor(entry, description, sources)
        for description in (*STACK_SENSORS, *BRAIN_LIBRARY_SENSORS)
        if (sources := description.sources_fn(runtime))
    )

    SENSORS.async_add(entry, async_add_entities)
    PushSensors().async_add(entry, async_add_entities)
