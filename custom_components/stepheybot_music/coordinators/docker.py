"""Docker: state and health of the watched containers, keyed by name (fast).

Containers are keyed by name, so a recreated container (new id) keeps its device and
entities. One that disappears keeps them too (unavailable) until the user deletes its
device; an unreachable Docker makes them unavailable and never deletes anything.
"""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.core import HomeAssistant
from stepheybot_music_clients.docker import ContainerHealth, ContainerState, DockerClient

from ..runtime import BackendRef, BackendRuntime, StepheyBotConfigEntry
from ..sessions import runtime_client
from ..settings import StackSettings
from .base import StackCoordinator


@dataclass(frozen=True, slots=True, kw_only=True)
class ContainerInfo:
    """What the integration shows of one container."""

    name: str
    image: str
    state: ContainerState
    health: ContainerHealth

    @property
    def has_healthcheck(self) -> bool:
        """Whether the image defines a healthcheck."""
        return self.health is not ContainerHealth.NONE

    @property
    def problem(self) -> bool:
        """Not running, or running but unhealthy."""
        return self.state is not ContainerState.RUNNING or self.health is ContainerHealth.UNHEALTHY


@dataclass(frozen=True, slots=True, kw_only=True)
class DockerData:
    """The watched containers Docker reports, by name."""

    containers: dict[str, ContainerInfo]
    version: str | None = None

    @property
    def problems(self) -> list[str]:
        """Names of the watched containers with a problem, sorted."""
        return sorted(name for name, info in self.containers.items() if info.problem)


class DockerCoordinator(StackCoordinator[DockerData]):
    """One container list per poll, filtered by name when only some are watched.

    On podman, its own list instead (or, behind a socket proxy, the list plus three
    ``health``-filtered ones): see :meth:`DockerClient.containers`.
    """

    def __init__(
        self,
        hass: HomeAssistant,
        entry: StepheyBotConfigEntry,
        backend: BackendRef,
        client: DockerClient,
        settings: StackSettings,
    ) -> None:
        """Poll ``client`` at the fast interval."""
        super().__init__(hass, entry, backend, role="containers", interval=settings.fast_interval)
        self.client = client
        self.watched = settings.containers
        self._version: str | None = None

    def version_of(self, data: DockerData) -> str | None:
        """The Docker Engine's version."""
        return data.version

    async def _async_fetch(self) -> DockerData:
        if self._version is None:
            self._version = (await self.client.version()).version
        found = await self.client.containers(sorted(self.watched) if self.watched else None)
        return DockerData(
            containers={
                name: ContainerInfo(
                    name=name, image=container.image, state=container.state, health=container.health
                )
                for name, container in sorted(found.items())
            },
            version=self._version,
        )


@dataclass(kw_only=True)
class DockerRuntime(BackendRuntime):
    """A Docker backend."""

    coordinator: DockerCoordinator

    def reported(self) -> set[str] | None:
        """The container names Docker reported last; None while it does not answer."""
        if not self.coordinator.last_update_success or self.coordinator.data is None:
            return None
        return set(self.coordinator.data.containers)


def build(
    hass: HomeAssistant,
    entry: StepheyBotConfigEntry,
    backend: BackendRef,
    settings: StackSettings,
) -> DockerRuntime:
    """The runtime of a Docker backend (no I/O)."""
    client = runtime_client(hass, entry, backend.subentry_id, DockerClient)
    coordinator = DockerCoordinator(hass, entry, backend, client, settings)
    return DockerRuntime(ref=backend, fast=(coordinator,), coordinator=coordinator)
