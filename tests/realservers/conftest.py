"""Fixtures for tests against real servers started by ``tests/servers/`` (stopped by PID)."""

from __future__ import annotations

from tests.servers.containers import (  # noqa: F401  (fixtures)
    container_engine,
    docker_engine,
    podman_engine,
)
from tests.servers.transmission import (  # noqa: F401  (fixtures)
    transmission3,
    transmission4,
    transmission_server,
)
