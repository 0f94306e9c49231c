"""Fixtures for tests against real servers started by ``tests/servers/`` (stopped by PID)."""

from __future__ import annotations

import pytest

from tests.realservers.engines import engine, made  # noqa: F401  (fixtures)
from tests.servers.containers import (  # noqa: F401  (fixtures)
    allow_unix_sockets,
    container_engine,
    docker_engine,
    podman_engine,
)
from tests.servers.transmission import (  # noqa: F401  (fixtures)
    transmission3,
    transmission4,
    transmission_server,
)


@pytest.fixture(autouse=True)
def _allow_unix_sockets() -> None:
    """pytest-homeassistant's connect guard blocks AF_UNIX; the Docker API sockets need it."""
    allow_unix_sockets()
