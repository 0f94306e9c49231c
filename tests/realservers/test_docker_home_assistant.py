"""The Home Assistant integration with a Docker backend on a real engine's unix socket.

dockerd 20.10 and podman 4.3's Docker API, set up in Home Assistant's test harness: each watched
container's state and health entities, and the stack's "Container problem" sensor, show what the
engine says, also after a container stops.
"""

from __future__ import annotations

import pytest
from homeassistant.config_entries import ConfigSubentryData
from homeassistant.const import CONF_URL, CONF_VERIFY_SSL, STATE_OFF, STATE_ON, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry
from stepheybot_music_clients.models import BackendKind

from custom_components.stepheybot_music.backends import BACKEND_TYPES
from custom_components.stepheybot_music.const import CONF_CONTAINERS, DOMAIN
from custom_components.stepheybot_music.coordinators.docker import DockerCoordinator
from tests.compat import REAL, compat
from tests.servers import containers as ct

from .engines import Made

pytestmark = pytest.mark.real_server

SUBENTRY = "01SUBDOCKERREAL0000000000"
EXPECTED = {
    "running": ("running", None),
    "exited": ("exited", None),
    "paused": ("paused", None),
    "created": ("created", None),
    "healthy": ("running", "healthy"),
    "unhealthy": ("running", "unhealthy"),
}


@pytest.fixture(autouse=True)
def _custom_integrations(enable_custom_integrations: None) -> None:
    """Load ``custom_components.stepheybot_music``."""


async def _setup(
    hass: HomeAssistant, engine: ct.ContainerEngine, watched: list[str]
) -> MockConfigEntry:
    kind = BackendKind.DOCKER
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Real engine",
        entry_id="01REALENGINESTACK00000000",
        unique_id="real engine",
        data={},
        options={CONF_CONTAINERS: watched},
        subentries_data=[
            ConfigSubentryData(
                data={CONF_URL: engine.url, CONF_VERIFY_SSL: True},
                subentry_id=SUBENTRY,
                subentry_type=str(kind),
                title=BACKEND_TYPES[kind].application,
                unique_id=f"{kind}_{engine.url}",
            )
        ],
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    return entry


def _state(hass: HomeAssistant, name: str, aspect: str) -> str | None:
    """The state of a container's ``state``/``health`` sensor; None when there is none."""
    unique_id = f"{SUBENTRY}_container_{name}_container_{aspect}"
    entity_id = er.async_get(hass).async_get_entity_id("sensor", DOMAIN, unique_id)
    if entity_id is None:
        return None
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state.state


def _problem(hass: HomeAssistant) -> tuple[str, list[str]]:
    unique_id = f"{SUBENTRY}_container_problem"
    entity_id = er.async_get(hass).async_get_entity_id("binary_sensor", DOMAIN, unique_id)
    assert entity_id is not None
    state = hass.states.get(entity_id)
    assert state is not None
    return state.state, list(state.attributes["containers"])


@compat("docker", "Engine 20.10 (API 1.41)", proof=REAL, source="docker.io 20.10.24 (Debian 12)")
@compat("podman", "4.3 (Docker API 1.41)", proof=REAL, source="podman 4.3.1 (Debian 12)")
async def test_container_entities_show_state_and_health(
    hass: HomeAssistant, engine: ct.ContainerEngine, made: Made
) -> None:
    made.standard()
    entry = await _setup(hass, engine, made.names())
    coordinator = entry.runtime_data.backends[SUBENTRY].fast[0]
    assert isinstance(coordinator, DockerCoordinator)
    assert coordinator.last_update_success
    assert coordinator.data.version == engine.version
    for what, (state, health) in EXPECTED.items():
        name = made.name(what)
        assert _state(hass, name, "state") == state, what
        # a health sensor only for a container with a healthcheck
        assert _state(hass, name, "health") == health, what
    assert _problem(hass) == (
        STATE_ON,
        sorted(made.name(w) for w in ("exited", "paused", "created", "unhealthy")),
    )

    # the unhealthy container stops: its stale health is not shown
    name = made.name("unhealthy")
    engine.api_json("POST", f"/containers/{name}/kill")
    ct.hostside.wait_for(
        lambda: engine.inspect(name)["State"]["Status"] == "exited", timeout=20, what="the kill"
    )
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert _state(hass, name, "state") == "exited"
    assert _state(hass, name, "health") == STATE_UNKNOWN


@compat("docker", "Engine 20.10 (API 1.41)", proof=REAL, source="docker.io 20.10.24 (Debian 12)")
@compat("podman", "4.3 (Docker API 1.41)", proof=REAL, source="podman 4.3.1 (Debian 12)")
async def test_no_problem_while_everything_runs_healthy(
    hass: HomeAssistant, engine: ct.ContainerEngine, made: Made
) -> None:
    made.run("healthy", "healthy")
    made.run("running", "running")
    await _setup(hass, engine, made.names())
    assert _problem(hass) == (STATE_OFF, [])
    assert _state(hass, made.name("healthy"), "health") == "healthy"
