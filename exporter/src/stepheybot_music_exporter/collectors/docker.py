"""Docker: whether each container of the stack runs, and its healthcheck status."""

from __future__ import annotations

import aiohttp
from stepheybot_music_clients.docker import ContainerHealth, DockerClient, docker_session_for
from stepheybot_music_clients.models import BackendKind

from .. import metrics as m
from .base import Collector, Facts

HEALTH_STATUSES = tuple(health.value for health in ContainerHealth)
"""Every ``status`` of ``stepheybot_music_container_health``."""


class DockerCollector(Collector[DockerClient]):
    """One container list per scrape, no per-container inspect.

    podman behind a socket proxy: four lists (:meth:`DockerClient.containers`).

    With ``containers`` in the stack file only those are exported, and one that does not
    exist is exported as not running; without it, every container of the daemon.
    """

    kind = BackendKind.DOCKER
    client_type = DockerClient

    def make_session(self) -> aiohttp.ClientSession:
        """A unix-socket session for ``unix://`` URLs, a plain one for a socket proxy."""
        return docker_session_for(self.backend.url) or super().make_session()

    async def collect(self, out: m.Samples, facts: Facts) -> None:
        """``container_up`` and ``container_health`` of every watched container."""
        wanted = self.backend.containers or None
        containers = await self.client().containers(wanted)
        for name in sorted(set(containers) | set(wanted or ())):
            container = containers.get(name)
            out.add(m.CONTAINER_UP, 1 if container and container.is_running else 0, container=name)
            if container is None:
                continue
            for status in HEALTH_STATUSES:
                current = 1 if container.health.value == status else 0
                out.add(m.CONTAINER_HEALTH, current, container=name, status=status)
