"""gluetun in Home Assistant, release by release: what is available, and what the user is told.

A route gluetun's role does not grant is not a credential problem: its sensors go
unavailable (not the whole device), a repair issue names the routes to add for the release
found, and no reauthentication starts. Only credentials gluetun rejects on every route do.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.stepheybot_music.const import DOMAIN
from simulator import Simulator
from simulator.backends import BackendSpec
from simulator.backends.gluetun import SERVER
from tests.compat import SIMULATOR, compat

from .conftest import ENTRY_ID, setup_stack, simulator_specs, subentry_id
from .helpers import form_input, poll, text

KEY = "gluetun-ha-key-4d2e"
ISSUE = f"gluetun_routes_{subentry_id('gluetun')}"
PORT_340 = "GET /v1/openvpn/portforwarded"
PORT_341 = "GET /v1/portforward"


def role(*routes: str) -> str:
    return (
        f'[[roles]]\nname = "ha"\nauth = "apikey"\napikey = "{KEY}"\n'
        f"routes = {json.dumps(list(routes))}\n"
    )


def _state(hass: HomeAssistant, entity_id: str) -> str:
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state.state


def _reauth_flows(hass: HomeAssistant) -> list[object]:
    return [
        flow
        for flow in hass.config_entries.flow.async_progress()
        if flow["context"].get("source") == "reauth"
    ]


def _gluetun(
    flavor: str, *, api_key: str = "", others: tuple[str, ...] = (), **extra: str
) -> Simulator:
    spec = BackendSpec(name="gluetun", kind="gluetun", flavor=flavor, api_key=api_key, extra=extra)
    specs = [spec, *simulator_specs(others)]
    return Simulator(seed=7, specs=specs, speed=0, tick_interval=3600, docker_socket=False)


@pytest.fixture
async def default_340(frozen: FrozenDateTimeFactory) -> AsyncIterator[Simulator]:
    async with _gluetun("3.40") as running:
        yield running


@compat(
    "gluetun",
    "v3.39.1 - v3.40.4",
    proof=SIMULATOR,
    source="qdm12/gluetun internal/server/middlewares/auth/settings.go @ v3.40.4",
)
async def test_default_340_vpn_up_ip_and_port_without_reauth(
    hass: HomeAssistant,
    default_340: Simulator,
    frozen: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """Issue 16: gluetun 3.40 without an auth file; every poll used to start a reauth."""
    entry = await setup_stack(hass, default_340, ["gluetun"])
    vpn = default_340.world.vpn
    for _ in range(3):
        assert entry.state is ConfigEntryState.LOADED
        assert _state(hass, "binary_sensor.gluetun_vpn") == "on"
        assert _state(hass, "sensor.gluetun_public_ip") == vpn.public_ip
        assert _state(hass, "sensor.gluetun_country") == vpn.country
        assert _state(hass, "sensor.gluetun_forwarded_port") == str(vpn.forwarded_port)
        assert _reauth_flows(hass) == []
        assert issue_registry.async_get_issue(DOMAIN, ISSUE) is None
        await poll(hass, frozen, 20)
    device = device_registry.async_get_device_by_identifier(
        (DOMAIN, subentry_id("gluetun")), ENTRY_ID
    )
    assert device is not None
    assert device.sw_version == "3.40.4"


@compat(
    "gluetun",
    "v3.39.1 - v3.40.4",
    proof=SIMULATOR,
    source="qdm12/gluetun internal/server/middlewares/auth/settings.go @ v3.40.4",
)
async def test_add_default_340_without_credentials(
    hass: HomeAssistant, default_340: Simulator
) -> None:
    entry = MockConfigEntry(domain=DOMAIN, title="Home music", entry_id=ENTRY_ID, data={})
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    result = await hass.config_entries.subentries.async_init(
        (ENTRY_ID, "gluetun"), context={"source": "user"}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], form_input(default_340, "gluetun")
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert _state(hass, "sensor.gluetun_forwarded_port") == str(
        default_340.world.vpn.forwarded_port
    )


@compat(
    "gluetun",
    "v3.39.1 - v3.40.4",
    proof=SIMULATOR,
    source="qdm12/gluetun internal/server/middlewares/auth/settings.go @ v3.40.4",
)
@compat(
    "gluetun",
    "v3.41.0 - v3.41.1",
    proof=SIMULATOR,
    source="qdm12/gluetun internal/server/portforward.go @ v3.41.1",
)
@pytest.mark.parametrize(("flavor", "port_route"), [("3.40", PORT_340), ("3.41", PORT_341)])
async def test_role_without_the_port_route(
    hass: HomeAssistant,
    frozen: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
    flavor: str,
    port_route: str,
) -> None:
    """The port sensor is unavailable, the rest works, and a repair issue says what to add."""
    routes = ("GET /v1/version", "GET /v1/vpn/status", "GET /v1/publicip/ip")
    # on 3.41 a role listing only the old route gets a 301 to the new one
    config = role(*routes) if flavor == "3.40" else role(*routes, PORT_340)
    async with _gluetun(flavor, api_key=KEY, auth_config=config) as sim:
        entry = await setup_stack(hass, sim, ["gluetun"])
        assert entry.state is ConfigEntryState.LOADED
        assert _state(hass, "binary_sensor.gluetun_vpn") == "on"
        assert _state(hass, "sensor.gluetun_public_ip") == sim.world.vpn.public_ip
        assert _state(hass, "sensor.gluetun_forwarded_port") == "unavailable"
        assert _reauth_flows(hass) == []

        issue = issue_registry.async_get_issue(DOMAIN, ISSUE)
        assert issue is not None
        assert issue.severity is ir.IssueSeverity.WARNING
        placeholders = dict(issue.translation_placeholders or {})
        assert placeholders["routes"] == port_route
        description = text("issues", "gluetun_routes", "description", **placeholders)
        assert "The credentials are right, so no reauthentication is needed" in description
        assert f'read "{port_route}"' in description
        if flavor == "3.40":
            assert 'Not "GET /v1/portforward": this version refuses to start with it.' in (
                description
            )
        else:
            assert 'needs "GET /v1/portforward" too' in description

        # the user adds the route and restarts gluetun: the sensor and the issue recover
        sim._running["gluetun"].runner.app[SERVER].reconfigure(role(*routes, port_route))
        await poll(hass, frozen, 20)
        assert _state(hass, "sensor.gluetun_forwarded_port") == str(sim.world.vpn.forwarded_port)
        assert issue_registry.async_get_issue(DOMAIN, ISSUE) is None


@compat(
    "gluetun",
    "v3.39.1 - v3.40.4",
    proof=SIMULATOR,
    source="qdm12/gluetun internal/server/middlewares/auth/settings.go @ v3.40.4",
)
async def test_role_without_the_public_ip(
    hass: HomeAssistant, frozen: FrozenDateTimeFactory, issue_registry: ir.IssueRegistry
) -> None:
    config = role("GET /v1/vpn/status", PORT_340)
    async with _gluetun("3.40", api_key=KEY, auth_config=config, others=("qbittorrent",)) as sim:
        await setup_stack(hass, sim, ["gluetun", "qbittorrent"])
        assert _state(hass, "binary_sensor.gluetun_vpn") == "on"
        assert _state(hass, "sensor.gluetun_public_ip") == "unavailable"
        assert _state(hass, "sensor.gluetun_country") == "unavailable"
        # the leak check needs the VPN's address: unavailable, not "no leak"
        assert _state(hass, "binary_sensor.gluetun_vpn_leak") == "unavailable"
        assert _state(hass, "sensor.gluetun_forwarded_port") == str(sim.world.vpn.forwarded_port)
        issue = issue_registry.async_get_issue(DOMAIN, ISSUE)
        assert issue is not None
        assert (issue.translation_placeholders or {})["routes"] == "GET /v1/publicip/ip"
        assert _reauth_flows(hass) == []


@compat(
    "gluetun",
    "v3.39.1 - v3.40.4",
    proof=SIMULATOR,
    source="qdm12/gluetun internal/server/middlewares/auth/settings.go @ v3.40.4",
)
async def test_role_without_the_vpn_status(
    hass: HomeAssistant, frozen: FrozenDateTimeFactory, issue_registry: ir.IssueRegistry
) -> None:
    """The one essential route: the device is unavailable, yet no reauthentication."""
    async with _gluetun("3.40", api_key=KEY) as sim:
        entry = await setup_stack(hass, sim, ["gluetun"])
        assert _state(hass, "binary_sensor.gluetun_vpn") == "on"
        # the user rewrites gluetun's roles and forgets the status
        server = sim._running["gluetun"].runner.app[SERVER]
        server.reconfigure(role("GET /v1/publicip/ip", PORT_340))
        await poll(hass, frozen, 20)
        assert _state(hass, "binary_sensor.gluetun_vpn") == "unavailable"
        assert _state(hass, "sensor.gluetun_forwarded_port") == "unavailable"
        assert _reauth_flows(hass) == []
        coordinator = entry.runtime_data.backends[subentry_id("gluetun")].fast[0]
        error = str(coordinator.last_exception)
        assert error.startswith("gluetun refused the request. gluetun at ")
        assert "answered HTTP 401 to GET /v1/vpn/status although GET /v1/publicip/ip works" in (
            error
        )
        issue = issue_registry.async_get_issue(DOMAIN, ISSUE)
        assert issue is not None
        placeholders = issue.translation_placeholders or {}
        assert placeholders["routes"] == "GET /v1/vpn/status"
        assert placeholders["advice"].startswith(
            'gluetun v3.40.4 does not let StepheyBot Music read "GET /v1/vpn/status"'
        )

        server.reconfigure(role("GET /v1/vpn/status", "GET /v1/publicip/ip", PORT_340))
        await poll(hass, frozen, 20)
        assert _state(hass, "binary_sensor.gluetun_vpn") == "on"
        assert issue_registry.async_get_issue(DOMAIN, ISSUE) is None


@compat(
    "gluetun",
    "v3.41.0 - v3.41.1",
    proof=SIMULATOR,
    source="qdm12/gluetun internal/server/portforward.go @ v3.41.1",
)
async def test_wrong_api_key_starts_a_reauth(
    hass: HomeAssistant, frozen: FrozenDateTimeFactory, issue_registry: ir.IssueRegistry
) -> None:
    async with _gluetun("3.41", api_key=KEY) as sim:
        sim.spec("gluetun").api_key = "not-the-key"  # what Home Assistant is given
        entry = await setup_stack(hass, sim, ["gluetun"])
        assert entry.state is ConfigEntryState.LOADED
        assert _state(hass, "binary_sensor.gluetun_vpn") == "unavailable"
        (flow,) = entry.async_get_active_flows(hass, {"reauth"})
        assert flow["context"]["title_placeholders"] == {"name": "Home music: gluetun"}
        assert issue_registry.async_get_issue(DOMAIN, ISSUE) is None

        result = await hass.config_entries.flow.async_configure(
            flow["flow_id"], {CONF_API_KEY: KEY}
        )
        await hass.async_block_till_done(wait_background_tasks=True)
        assert result["reason"] == "reauth_successful"
        assert _state(hass, "binary_sensor.gluetun_vpn") == "on"


@compat(
    "gluetun",
    "vNext: latest (unreleased master)",
    proof=SIMULATOR,
    source="qdm12/gluetun internal/server/middlewares/auth/middleware.go @ master b1193252",
)
async def test_add_latest_without_credentials_explains_the_role(
    hass: HomeAssistant, frozen: FrozenDateTimeFactory
) -> None:
    async with _gluetun("current") as sim:
        entry = MockConfigEntry(domain=DOMAIN, title="Home music", entry_id=ENTRY_ID, data={})
        entry.add_to_hass(hass)
        await hass.config_entries.async_setup(entry.entry_id)
        result = await hass.config_entries.subentries.async_init(
            (ENTRY_ID, "gluetun"), context={"source": "user"}
        )
        result = await hass.config_entries.subentries.async_configure(
            result["flow_id"], form_input(sim, "gluetun")
        )
        assert result["errors"] == {"base": "invalid_auth"}
        details = result["description_placeholders"]["error"]
        assert "it needs credentials" in details
        assert "HTTP_CONTROL_SERVER_AUTH_DEFAULT_ROLE" in details
