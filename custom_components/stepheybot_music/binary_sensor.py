"""Binary sensors: scanning, connectivity and the problems a user should act on."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from homeassistant.components.binary_sensor import (
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from stepheybot_music_clients.listen_port import PortState, port_matches

from .backend_entities import BackendEntities
from .coordinators.base import StackCoordinator
from .coordinators.docker import DockerData, DockerRuntime
from .coordinators.download_client import DownloadClientData, DownloadClientRuntime
from .coordinators.gluetun import (
    GluetunCoordinator,
    GluetunRuntime,
    VpnData,
    leaking,
    peer_addresses,
)
from .coordinators.indexers import IndexerData, IndexerRuntime
from .coordinators.lidarr import LidarrRuntime, LidarrStatus
from .coordinators.music_brain import BrainRequests, MusicBrainRuntime
from .coordinators.navidrome import NavidromeRuntime, NavidromeStatus
from .entity import BackendEntity, FollowsCoordinators
from .port_sync import ListenPortCoordinator
from .runtime import StepheyBotConfigEntry

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class BackendBinarySensorDescription[DataT](BinarySensorEntityDescription):
    """A binary sensor of one backend, read from its coordinator's data."""

    is_on_fn: Callable[[DataT], bool | None]
    attributes_fn: Callable[[DataT], Mapping[str, Any]] | None = None


NAVIDROME_SCANNING = BackendBinarySensorDescription[NavidromeStatus](
    key="scanning",
    translation_key="scanning",
    device_class=BinarySensorDeviceClass.RUNNING,
    is_on_fn=lambda status: status.scanning,
)

LIDARR_HEALTH = BackendBinarySensorDescription[LidarrStatus](
    key="health",
    translation_key="health",
    device_class=BinarySensorDeviceClass.PROBLEM,
    is_on_fn=lambda status: bool(status.problems),
    attributes_fn=lambda status: {
        "messages": [f"{item.type}: {item.message}" for item in status.health]
    },
)

FAILING_INDEXERS = BackendBinarySensorDescription[IndexerData](
    key="failing_indexers",
    translation_key="failing_indexers",
    device_class=BinarySensorDeviceClass.PROBLEM,
    is_on_fn=lambda data: bool(data.failing),
    attributes_fn=lambda data: {"failing": [indexer.name for indexer in data.failing]},
)

VPN_CONNECTED = BackendBinarySensorDescription[VpnData](
    key="vpn_connected",
    translation_key="vpn_connected",
    device_class=BinarySensorDeviceClass.CONNECTIVITY,
    is_on_fn=lambda vpn: vpn.connected,
)

VPN_LEAK = BinarySensorEntityDescription(
    key="vpn_leak",
    translation_key="vpn_leak",
    device_class=BinarySensorDeviceClass.PROBLEM,
)

REACHABLE = BinarySensorEntityDescription(
    key="reachable",
    translation_key="reachable",
    device_class=BinarySensorDeviceClass.CONNECTIVITY,
)

PORT_MATCHES_VPN = BinarySensorEntityDescription(
    key="port_matches_vpn",
    translation_key="port_matches_vpn",
)

CONTAINER_PROBLEM = BackendBinarySensorDescription[DockerData](
    key="container_problem",
    translation_key="container_problem",
    device_class=BinarySensorDeviceClass.PROBLEM,
    is_on_fn=lambda data: bool(data.problems),
    attributes_fn=lambda data: {"containers": data.problems},
)


class BackendBinarySensor[DataT](BackendEntity[DataT], BinarySensorEntity):
    """A binary sensor of one backend."""

    entity_description: BackendBinarySensorDescription[DataT]

    @property
    def is_on(self) -> bool | None:
        """The state read from the coordinator's data."""
        return self.entity_description.is_on_fn(self.coordinator.data)

    @property
    def extra_state_attributes(self) -> Mapping[str, Any] | None:
        """The details behind a problem (messages, failing indexers, containers)."""
        if self.entity_description.attributes_fn is None or self.coordinator.data is None:
            return None
        return self.entity_description.attributes_fn(self.coordinator.data)


class ReachableBinarySensor(BackendEntity[BrainRequests], BinarySensorEntity):
    """Whether the Music Brain answers; never unavailable itself."""

    @property
    def available(self) -> bool:
        """Always available: unreachable is its "off" state."""
        return True

    @property
    def is_on(self) -> bool:
        """Whether the last poll succeeded."""
        return self.coordinator.last_update_success


class VpnLeakBinarySensor(BackendEntity[VpnData], FollowsCoordinators, BinarySensorEntity):
    """On when a download client's public address is not the VPN's public IP.

    Torrent traffic that bypasses the VPN leaks the home address to every peer; qBittorrent
    reports the address peers see (``last_external_address_v4``).
    """

    def __init__(
        self,
        coordinator: GluetunCoordinator,
        download_clients: Sequence[StackCoordinator[DownloadClientData]],
    ) -> None:
        """Compare ``coordinator``'s public IP with the ``download_clients``' addresses."""
        super().__init__(coordinator, VPN_LEAK)
        self._followed = tuple(download_clients)

    @property
    def _addresses(self) -> list[str]:
        return peer_addresses(self._followed)

    @property
    def available(self) -> bool:
        """Available while gluetun answers with its public IP and a download client its own."""
        return (
            super().available and self.coordinator.data.public_ip_readable and bool(self._addresses)
        )

    @property
    def is_on(self) -> bool | None:
        """Whether any download client is seen from an address other than the VPN's."""
        return leaking(self.coordinator.data, self._addresses)

    async def async_added_to_hass(self) -> None:
        """Also follow the download clients."""
        await super().async_added_to_hass()
        self._async_follow(self.coordinator.config_entry.entry_id)


class PortMatchesVpnBinarySensor(BackendEntity[PortState], FollowsCoordinators, BinarySensorEntity):
    """On while the download client listens on the port gluetun forwards.

    The listen port comes from the client's listen-port coordinator, the forwarded port from
    gluetun's latest poll (followed live), so the state never compares with a stale port.
    Unknown while gluetun forwards none or its port is not known: nothing to compare.
    """

    coordinator: ListenPortCoordinator

    def __init__(self, coordinator: ListenPortCoordinator) -> None:
        """Compare ``coordinator``'s listen port with its gluetun's forwarded port."""
        super().__init__(coordinator, PORT_MATCHES_VPN)
        self._followed = (coordinator.vpn,)

    @property
    def is_on(self) -> bool | None:
        """Whether the listen port is the forwarded one."""
        return port_matches(self.coordinator.forwarded_port, self.coordinator.data.listen_port)

    @property
    def extra_state_attributes(self) -> Mapping[str, Any]:
        """Both ports (the forwarded one None while unknown, 0 when none is forwarded)."""
        return {
            "listen_port": self.coordinator.data.listen_port,
            "forwarded_port": self.coordinator.forwarded_port,
        }

    async def async_added_to_hass(self) -> None:
        """Also follow gluetun (its new coordinator when it reloads alone)."""
        await super().async_added_to_hass()
        self._async_follow(self.coordinator.config_entry.entry_id)


BINARY_SENSORS = BackendEntities[BinarySensorEntity]()
"""Every backend's binary sensors, by runtime class."""


@BINARY_SENSORS.register(NavidromeRuntime)
def _navidrome_binary_sensors(
    entry: StepheyBotConfigEntry,
    backend: NavidromeRuntime,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> list[BinarySensorEntity]:
    return [BackendBinarySensor(backend.status, NAVIDROME_SCANNING)]


@BINARY_SENSORS.register(LidarrRuntime)
def _lidarr_binary_sensors(
    entry: StepheyBotConfigEntry,
    backend: LidarrRuntime,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> list[BinarySensorEntity]:
    return [BackendBinarySensor(backend.status, LIDARR_HEALTH)]


@BINARY_SENSORS.register(IndexerRuntime)
def _indexer_binary_sensors(
    entry: StepheyBotConfigEntry,
    backend: IndexerRuntime,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> list[BinarySensorEntity]:
    return [BackendBinarySensor(backend.coordinator, FAILING_INDEXERS)]


@BINARY_SENSORS.register(GluetunRuntime)
def _vpn_binary_sensors(
    entry: StepheyBotConfigEntry,
    backend: GluetunRuntime,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> list[BinarySensorEntity]:
    entities: list[BinarySensorEntity] = [BackendBinarySensor(backend.coordinator, VPN_CONNECTED)]
    leak_sources = [
        client.coordinator
        for client in entry.runtime_data.of_type(DownloadClientRuntime)
        if client.coordinator.supports_external_address
    ]
    if leak_sources:
        entities.append(VpnLeakBinarySensor(backend.coordinator, leak_sources))
    return entities


@BINARY_SENSORS.register(DownloadClientRuntime)
def _download_client_binary_sensors(
    entry: StepheyBotConfigEntry,
    backend: DownloadClientRuntime,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> list[BinarySensorEntity]:
    if backend.listen_port is None:
        return []
    return [PortMatchesVpnBinarySensor(backend.listen_port)]


@BINARY_SENSORS.register(DockerRuntime)
def _docker_binary_sensors(
    entry: StepheyBotConfigEntry,
    backend: DockerRuntime,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> list[BinarySensorEntity]:
    return [BackendBinarySensor(backend.coordinator, CONTAINER_PROBLEM)]


@BINARY_SENSORS.register(MusicBrainRuntime)
def _music_brain_binary_sensors(
    entry: StepheyBotConfigEntry,
    backend: MusicBrainRuntime,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> list[BinarySensorEntity]:
    return [ReachableBinarySensor(backend.requests, REACHABLE)]


async def async_setup_entry(
    hass: HomeAssistant,
    entry: StepheyBotConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add every backend's binary sensors."""
    BINARY_SENSORS.async_add(entry, async_add_entities)
