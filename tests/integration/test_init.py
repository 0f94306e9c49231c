"""Set-up, unload, failures of one backend, recovery, devices that come and go."""

from __future__ import annotations

import logging

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.stepheybot_music.const import CONF_CONTAINERS, DOMAIN
from simulator import Fault, Simulator
from simulator.backends.qbittorrent import FACADE
from simulator.model import Container, Health

from .conftest import ALL_BACKENDS, setup_stack, stack_entry, subentry_id
from .helpers import poll


def _state(hass: HomeAssistant, entity_id: str) -> str:
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state.state


async def test_setup_and_unload_log_out_of_qbittorrent(hass: HomeAssistant, sim: Simulator) -> None:
    entry = await setup_stack(hass, sim)
    assert entry.state is ConfigEntryState.LOADED
    qbittorrent = sim._running["qbittorrent"].runner.app
    assert qbittorrent is not None
    sessions = qbittorrent[FACADE].sessions
    assert len(sessions) == 1, "one WebUI session, kept across polls"

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.NOT_LOADED
    assert _state(hass, "sensor.qbittorrent_download_speed") == "unavailable"
    # unloading ended the WebUI session (qBittorrent 5.3 keeps only 15)
    assert not sessions


async def test_not_ready_while_nothing_answers(hass: HomeAssistant, sim: Simulator) -> None:
    for name in ("lidarr", "gluetun"):
        await sim.set_fault(name, Fault.DOWN)
    entry = stack_entry(sim, ["lidarr", "gluetun"])
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert entry.reason is not None
    assert entry.reason.startswith("None of the stack's backends answers yet")


async def test_an_empty_stack_loads(hass: HomeAssistant, sim: Simulator) -> None:
    entry = await setup_stack(hass, sim, [])
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.backends == {}


async def test_one_failing_backend_affects_only_its_entities(
    hass: HomeAssistant,
    sim: Simulator,
    frozen: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await setup_stack(hass, sim)
    caplog.set_level(logging.INFO, logger="custom_components.stepheybot_music")
    await sim.set_fault("qbittorrent", Fault.DOWN)
    for _ in range(3):
        await poll(hass, frozen, 20)

    assert _state(hass, "sensor.qbittorrent_download_speed") == "unavailable"
    assert _state(hass, "switch.qbittorrent_music_downloads") == "unavailable"
    assert _state(hass, "sensor.transmission_download_speed") != "unavailable"
    assert _state(hass, "sensor.lidarr_queue") != "unavailable"
    # the stack's totals carry on with the download client that answers
    assert _state(hass, "sensor.home_music_download_speed") == _state(
        hass, "sensor.transmission_download_speed"
    )
    failures = [
        r for r in caplog.records if r.levelno >= logging.WARNING and "qBittorrent" in r.message
    ]
    assert len(failures) == 1, "logged once, not at every poll"
    assert (
        failures[0]
        .getMessage()
        .startswith(
            "qBittorrent (downloads) failed: qBittorrent is unreachable. Cannot connect to "
            "qBittorrent at"
        )
    )

    await sim.clear_fault("qbittorrent", Fault.DOWN)
    for _ in range(2):
        await poll(hass, frozen, 20)
    assert _state(hass, "sensor.qbittorrent_download_speed") != "unavailable"
    recoveries = [r for r in caplog.records if r.getMessage() == "qBittorrent recovered"]
    assert len(recoveries) == 1
    assert not [r for r in caplog.records if "data recovered" in r.getMessage()], (
        "each coordinator's own recovery line is not repeated at INFO"
    )


async def test_a_backend_failing_at_start_up_does_not_block_the_others(
    hass: HomeAssistant, sim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    await sim.set_fault("navidrome", Fault.HTTP_500)
    entry = await setup_stack(hass, sim, ["navidrome", "prowlarr", "gluetun"])
    assert entry.state is ConfigEntryState.LOADED
    assert _state(hass, "binary_sensor.navidrome_scanning") == "unavailable"
    assert _state(hass, "sensor.prowlarr_indexers") == "4"
    await sim.clear_fault("navidrome")
    await poll(hass, frozen, 20)
    assert _state(hass, "binary_sensor.navidrome_scanning") == "off"
    # the slow library refresh failed at start-up too; it succeeds at its next turn
    await poll(hass, frozen, 600)
    assert _state(hass, "sensor.navidrome_tracks") == str(sim.world.nav_songs)


async def test_malformed_answers_make_entities_unavailable(
    hass: HomeAssistant, sim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    entry = await setup_stack(hass, sim, ["gluetun"])
    await sim.set_fault("gluetun", Fault.MALFORMED_JSON)
    await poll(hass, frozen, 20)
    assert _state(hass, "binary_sensor.gluetun_vpn") == "unavailable"
    coordinator = entry.runtime_data.backends[subentry_id("gluetun")].fast[0]
    assert coordinator.last_exception is not None
    assert str(coordinator.last_exception).startswith(
        "gluetun sent an answer the integration does not understand. gluetun sent"
    )


async def test_removing_a_backend_removes_its_device(
    hass: HomeAssistant,
    sim: Simulator,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    entry = await setup_stack(hass, sim, ["lidarr", "jackett"])
    assert hass.config_entries.async_remove_subentry(entry, subentry_id("jackett"))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.state is ConfigEntryState.LOADED
    assert (
        device_registry.async_get_device_by_identifier(
            (DOMAIN, subentry_id("jackett")), entry.entry_id
        )
        is None
    )
    assert entity_registry.async_get("sensor.jackett_indexers") is None
    assert _state(hass, "sensor.lidarr_queue") == str(len(sim.world.lidarr_queue()))


# --------------------------------------------------------------------------- containers


def _container_device(device_registry: dr.DeviceRegistry, name: str) -> dr.DeviceEntry | None:
    return device_registry.async_get_device_by_identifier(
        (DOMAIN, f"{subentry_id('docker')}_container_{name}"), "01STACKENTRY0000000000000"
    )


async def test_containers_are_keyed_by_name(
    hass: HomeAssistant, sim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    await setup_stack(hass, sim, ["docker"])
    sim.world.recreate_container("navidrome")
    await poll(hass, frozen, 20)
    # a recreated container keeps its entities; its healthcheck is starting again
    assert _state(hass, "sensor.navidrome_container_state") == "running"
    assert _state(hass, "sensor.navidrome_container_health") == "starting"

    sim.world.set_container_state("qbittorrent", "exited", exit_code=137)
    sim.world.set_container_health("gluetun", Health.UNHEALTHY)
    await poll(hass, frozen, 20)
    assert _state(hass, "sensor.qbittorrent_container_state") == "exited"
    problem = hass.states.get("binary_sensor.docker_container_problem")
    assert problem is not None
    assert problem.state == "on"
    assert problem.attributes["containers"] == ["gluetun", "qbittorrent"]


async def test_new_containers_appear_and_gone_ones_can_be_deleted(
    hass: HomeAssistant,
    sim: Simulator,
    frozen: FrozenDateTimeFactory,
    device_registry: dr.DeviceRegistry,
    hass_ws_client: WebSocketGenerator,
) -> None:
    entry = await setup_stack(hass, sim, ["docker", "lidarr"])
    template = sim.world.containers["navidrome"]
    sim.world.containers["beets"] = Container(
        name="beets",
        id="f" * 64,
        image="lscr.io/linuxserver/beets:2.3",
        created=template.created,
        started_at=template.started_at,
        health=Health.NONE,
    )
    await poll(hass, frozen, 20)
    assert _state(hass, "sensor.beets_container_state") == "running"
    assert hass.states.get("sensor.beets_container_health") is None
    sim.world.set_container_health("beets", Health.HEALTHY)
    await poll(hass, frozen, 20)
    assert _state(hass, "sensor.beets_container_health") == "healthy"

    assert await async_setup_component(hass, "config", {})
    client = await hass_ws_client(hass)

    async def remove(device: dr.DeviceEntry) -> bool:
        await client.send_json_auto_id(
            {
                "type": "config/device_registry/remove_config_entry",
                "config_entry_id": entry.entry_id,
                "device_id": device.id,
            }
        )
        response = await client.receive_json()
        return bool(response["success"])

    beets = _container_device(device_registry, "beets")
    assert beets is not None
    # still reported by Docker: it cannot be deleted, and neither can backends
    assert not await remove(beets)
    lidarr = device_registry.async_get_device_by_identifier(
        (DOMAIN, subentry_id("lidarr")), entry.entry_id
    )
    assert lidarr is not None
    assert not await remove(lidarr)

    del sim.world.containers["beets"]
    await poll(hass, frozen, 20)
    assert _state(hass, "sensor.beets_container_state") == "unavailable"
    assert await remove(beets)
    await hass.async_block_till_done()
    assert _container_device(device_registry, "beets") is None
    assert hass.states.get("sensor.beets_container_state") is None

    # the name comes back (a new container): so do its device and entities
    sim.world.containers["beets"] = Container(
        name="beets",
        id="e" * 64,
        image="lscr.io/linuxserver/beets:2.3",
        created=template.created,
        started_at=template.started_at,
        health=Health.NONE,
    )
    await poll(hass, frozen, 20)
    assert _state(hass, "sensor.beets_container_state") == "running"


async def test_docker_unreachable_keeps_container_entities(
    hass: HomeAssistant,
    sim: Simulator,
    frozen: FrozenDateTimeFactory,
    device_registry: dr.DeviceRegistry,
    hass_ws_client: WebSocketGenerator,
) -> None:
    entry = await setup_stack(hass, sim, ["docker"])
    sim.world.containers.pop("jackett")
    await sim.set_fault("docker", Fault.HTTP_500)
    await poll(hass, frozen, 20)
    assert _state(hass, "sensor.gluetun_container_state") == "unavailable"
    gluetun = _container_device(device_registry, "gluetun")
    assert gluetun is not None

    # while Docker does not answer nobody can tell a container is gone: no deleting
    assert await async_setup_component(hass, "config", {})
    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        {
            "type": "config/device_registry/remove_config_entry",
            "config_entry_id": entry.entry_id,
            "device_id": gluetun.id,
        }
    )
    assert not (await client.receive_json())["success"]

    await sim.clear_fault("docker")
    await poll(hass, frozen, 20)
    assert _state(hass, "sensor.gluetun_container_state") == "running"
    assert _state(hass, "sensor.jackett_container_state") == "unavailable"
    jackett = _container_device(device_registry, "jackett")
    assert jackett is not None

    # nor while the stack is not loaded
    assert await hass.config_entries.async_unload(entry.entry_id)
    await client.send_json_auto_id(
        {
            "type": "config/device_registry/remove_config_entry",
            "config_entry_id": entry.entry_id,
            "device_id": jackett.id,
        }
    )
    assert not (await client.receive_json())["success"]


async def test_unwatched_containers_lose_their_devices(
    hass: HomeAssistant, sim: Simulator, device_registry: dr.DeviceRegistry
) -> None:
    entry = await setup_stack(hass, sim, ["docker"])
    assert _container_device(device_registry, "prowlarr") is not None
    hass.config_entries.async_update_entry(
        entry, options={CONF_CONTAINERS: ["gluetun", "qbittorrent"]}
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert _container_device(device_registry, "prowlarr") is None
    assert _container_device(device_registry, "gluetun") is not None
    assert hass.states.get("sensor.prowlarr_container_state") is None


# --------------------------------------------------------------------------- VPN


async def test_vpn_leak_and_vpn_down(
    hass: HomeAssistant, sim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    await setup_stack(hass, sim, ["gluetun", "qbittorrent"])
    assert _state(hass, "binary_sensor.gluetun_vpn_leak") == "off"
    sim.world.set_vpn(leak=True)
    await poll(hass, frozen, 20)
    assert _state(hass, "binary_sensor.gluetun_vpn_leak") == "on"

    sim.world.set_vpn(up=False, leak=False)
    await poll(hass, frozen, 20)
    assert _state(hass, "binary_sensor.gluetun_vpn") == "off"
    # no public IP and no address reported: nothing to compare
    assert _state(hass, "binary_sensor.gluetun_vpn_leak") == "unavailable"


async def test_no_vpn_leak_sensor_without_qbittorrent(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["gluetun", "transmission"])
    assert hass.states.get("binary_sensor.gluetun_vpn_leak") is None


async def test_vpn_leak_unknown_while_the_tunnel_has_no_ip(
    hass: HomeAssistant, sim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    await setup_stack(hass, sim, ["gluetun", "qbittorrent"])
    sim.world.set_vpn(leak=True)
    sim.world.vpn.status = "stopped"
    await poll(hass, frozen, 20)
    assert _state(hass, "binary_sensor.gluetun_vpn_leak") == "unknown"


# --------------------------------------------------------------------------- repairs


async def test_qbittorrent_ban_raises_an_issue_and_waits(
    hass: HomeAssistant,
    sim: Simulator,
    frozen: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    entry = await setup_stack(hass, sim, ["qbittorrent"])
    coordinator = entry.runtime_data.backends[subentry_id("qbittorrent")].fast[0]
    stats = coordinator.client.stats.by_path
    await sim.set_fault("qbittorrent", Fault.SESSION_EXPIRED)
    await sim.set_fault("qbittorrent", Fault.BANNED)
    await poll(hass, frozen, 20)
    issue = issue_registry.async_get_issue(DOMAIN, f"ip_banned_{subentry_id('qbittorrent')}")
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["minutes"] == "60"
    assert _state(hass, "sensor.qbittorrent_download_speed") == "unavailable"

    # no login attempt while the ban lasts: the next poll is due only when it expires
    await sim.clear_fault("qbittorrent", Fault.BANNED)
    logins = stats["/api/v2/auth/login"]
    await poll(hass, frozen, 20)
    await poll(hass, frozen, 20)
    assert stats["/api/v2/auth/login"] == logins
    assert _state(hass, "sensor.qbittorrent_download_speed") == "unavailable"
    assert str(coordinator.last_exception).startswith(
        "qBittorrent has banned Home Assistant's IP address after failed logins"
    )
    await poll(hass, frozen, 3600)
    assert _state(hass, "sensor.qbittorrent_download_speed") != "unavailable"
    assert issue_registry.async_get_issue(DOMAIN, issue.issue_id) is None


async def test_music_brain_mock_data(
    hass: HomeAssistant,
    sim: Simulator,
    frozen: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    await setup_stack(hass, sim, ["music_brain"])
    issue_id = f"mock_data_{subentry_id('music_brain')}"
    assert _state(hass, "sensor.home_music_library_tracks") == str(sim.world.nav_songs)
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None

    sim.world.set_brain_reachable("navidrome", reachable=False)
    await poll(hass, frozen, 600)
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.severity is ir.IssueSeverity.WARNING
    # the invented numbers are never shown
    assert _state(hass, "sensor.home_music_library_tracks") == "unknown"
    assert _state(hass, "binary_sensor.stepheybot_music_brain_reachable") == "on"

    sim.world.set_brain_reachable("navidrome", reachable=True)
    await poll(hass, frozen, 600)
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None


async def test_music_brain_mock_data_beside_navidrome(
    hass: HomeAssistant,
    sim: Simulator,
    frozen: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    """With a Navidrome no entity shows the Music Brain's library: it is polled all the same."""
    await setup_stack(hass, sim, ["navidrome", "music_brain"])
    issue_id = f"mock_data_{subentry_id('music_brain')}"
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
    sim.world.set_brain_reachable("navidrome", reachable=False)
    await poll(hass, frozen, 600)
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is not None
    sim.world.set_brain_reachable("navidrome", reachable=True)
    await poll(hass, frozen, 600)
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None


async def test_music_brain_unreachable_is_a_state(
    hass: HomeAssistant, sim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    await setup_stack(hass, sim, ["music_brain", "lidarr"])
    await sim.set_fault("music_brain", Fault.DOWN)
    await poll(hass, frozen, 20)
    assert _state(hass, "binary_sensor.stepheybot_music_brain_reachable") == "off"
    assert _state(hass, "sensor.stepheybot_music_brain_queued_requests") == "unavailable"


async def test_issues_of_removed_backends_are_deleted(
    hass: HomeAssistant, sim: Simulator, issue_registry: ir.IssueRegistry
) -> None:
    ir.async_create_issue(
        hass,
        DOMAIN,
        "ip_banned_01OLDBACKEND",
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key="ip_banned",
        data={"subentry_id": "01OLDBACKEND"},
    )
    await setup_stack(hass, sim, ["lidarr"])
    assert issue_registry.async_get_issue(DOMAIN, "ip_banned_01OLDBACKEND") is None


@pytest.mark.parametrize("name", ALL_BACKENDS)
async def test_session_expiry_is_transparent(
    hass: HomeAssistant, sim: Simulator, frozen: FrozenDateTimeFactory, name: str
) -> None:
    entry = await setup_stack(hass, sim, [name])
    await sim.set_fault(name, Fault.SESSION_EXPIRED)
    await poll(hass, frozen, 20)
    backend = entry.runtime_data.backends[subentry_id(name)]
    assert all(coordinator.last_update_success for coordinator in backend.fast)


async def test_qbittorrent_is_polled_incrementally(
    hass: HomeAssistant, sim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    entry = await setup_stack(hass, sim, ["qbittorrent"])
    client = entry.runtime_data.backends[subentry_id("qbittorrent")].fast[0].client
    client.stats.reset()
    await poll(hass, frozen, 20)
    # nothing changed: one sync/maindata with the last rid, a few bytes, no new login
    assert client.stats.by_path == {"/api/v2/sync/maindata": 1}
    assert client.stats.body_bytes < 100

    sim.world.stop_torrent(next(iter(sim.world.torrents)))
    client.stats.reset()
    await poll(hass, frozen, 20)
    assert client.stats.by_path == {"/api/v2/sync/maindata": 1}
    assert _state(hass, "sensor.qbittorrent_paused_torrents") == "1"


async def test_one_failure_and_one_recovery_line_per_backend_even_across_a_reload(
    hass: HomeAssistant,
    sim: Simulator,
    frozen: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Lidarr has four coordinators; after a reauthentication the stack reloads."""
    entry = await setup_stack(hass, sim, ["lidarr", "navidrome"])
    caplog.set_level(logging.DEBUG, logger="custom_components.stepheybot_music")
    assert len(entry.runtime_data.backends[subentry_id("lidarr")].coordinators) > 1
    await sim.set_fault("lidarr", Fault.AUTH_REVOKED)
    for _ in range(2):
        await poll(hass, frozen, 3600)  # every coordinator, the slow ones too
    ours = "custom_components.stepheybot_music"
    lines = [
        (r.levelno, r.getMessage())
        for r in caplog.records
        if r.levelno >= logging.INFO and r.name.startswith(ours)
    ]
    failures = [m for level, m in lines if level >= logging.WARNING]
    assert len(failures) == 1, failures
    assert failures[0].startswith("Lidarr (")
    assert "failed: Lidarr rejected its credentials; reauthenticate it" in failures[0]
    coordinators = entry.runtime_data.backends[subentry_id("lidarr")].coordinators
    assert not any(c.last_update_success for c in coordinators)
    assert "Lidarr recovered" not in [m for _, m in lines]
    # each coordinator still says that it failed, at DEBUG only
    own = [r for r in caplog.records if r.name == f"{ours}.coordinators.base"]
    said = {r.getMessage() for r in own if "rejected its credentials" in r.getMessage()}
    assert len(said) == len(coordinators)
    assert {r.levelno for r in own} == {logging.DEBUG}

    caplog.clear()
    await sim.clear_fault("lidarr", Fault.AUTH_REVOKED)
    (flow,) = entry.async_get_active_flows(hass, {"reauth"})
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"api_key": sim.spec("lidarr").api_key}
    )
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done(wait_background_tasks=True)
    await poll(hass, frozen, 3600)
    mine = [r for r in caplog.records if r.name.startswith(ours)]
    messages = [r.getMessage() for r in mine if r.levelno >= logging.INFO]
    assert messages.count("Lidarr recovered") == 1
    assert not [r.getMessage() for r in mine if r.levelno >= logging.WARNING]
