"""Docker Engine API client (unix socket or docker-socket-proxy), podman's Docker API included."""

from __future__ import annotations

from stepheybot_music_clients.docker.client import (
    DEFAULT_SOCKET_URL,
    DockerClient,
    docker_session_for,
    socket_path,
)
from stepheybot_music_clients.docker.models import (
    Container,
    ContainerHealth,
    ContainerState,
    DockerVersion,
    Engine,
    HealthSource,
)

__all__ = [
    "DEFAULT_SOCKET_URL",
    "Container",
    "ContainerHealth",
    "ContainerState",
    "DockerClient",
    "DockerVersion",
    "Engine",
    "HealthSource",
    "docker_session_for",
    "socket_path",
]
