"""Fixtures of the Docker/podman tests: each engine in turn, and containers removed afterwards.

The engines are the shared ``docker_engine``/``podman_engine`` of ``conftest.py`` (one of each
per session), so every test names its containers with a fresh prefix and removes them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import pytest

from tests.servers import containers as ct


@pytest.fixture(params=ct.ENGINES)
def engine(request: pytest.FixtureRequest) -> ct.ContainerEngine:
    """dockerd 20.10, then podman 4.3."""
    found: ct.ContainerEngine = request.getfixturevalue(f"{request.param}_engine")
    return found


@dataclass(slots=True)
class Made:
    """Containers one test made on one engine, named ``<prefix>-<what>``."""

    engine: ct.ContainerEngine
    prefix: str = field(default_factory=lambda: f"t{uuid.uuid4().hex[:8]}")
    made: list[ct.RealContainer] = field(default_factory=list)

    def name(self, what: str) -> str:
        """The full name of the container ``what``."""
        return f"{self.prefix}-{what}"

    def run(
        self,
        what: str,
        state: str,
        *,
        exit_code: int = 0,
        labels: Mapping[str, str] | None = None,
    ) -> ct.RealContainer:
        """:func:`tests.servers.containers.run_container` under this test's prefix."""
        container = ct.run_container(
            self.engine, self.name(what), state=state, exit_code=exit_code, labels=labels
        )
        self.made.append(container)
        return container

    def standard(self) -> dict[str, ct.RealContainer]:
        """One container per state of :data:`~tests.servers.containers.STANDARD_STATES`.

        The exited one exits with code 3.
        """
        return {state: self.run(state, state, exit_code=3) for state in ct.STANDARD_STATES}

    def names(self) -> list[str]:
        """The names of everything made so far."""
        return [c.name for c in self.made]


@pytest.fixture
def made(engine: ct.ContainerEngine) -> Iterator[Made]:
    """A container maker on ``engine``; everything it made is force-removed afterwards."""
    maker = Made(engine)
    yield maker
    ct.allow_unix_sockets()
    for container in maker.made:
        engine.api("DELETE", f"/containers/{container.id}?force=1&v=1", timeout=60)
