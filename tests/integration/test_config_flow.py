"""The config flow: the stack, its backends (subentries), reauthentication and options.

Every backend is validated against the simulator over loopback; every error the user
can meet is provoked for real (a listener that is down, a wrong password, a ban, a TLS
handshake with a self-signed certificate) and its translated message checked.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_RECONFIGURE, SOURCE_USER, ConfigEntryState
from homeassistant.const import (
    CONF_API_KEY,
    CONF_PASSWORD,
    CONF_URL,
    CONF_USERNAME,
    CONF_VERIFY_SSL,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry
from stepheybot_music_clients.errors import BackendRequestError
from stepheybot_music_clients.models import BackendInfo, BackendKind

from custom_components.stepheybot_music import backends
from custom_components.stepheybot_music.backends import BACKEND_TYPES, BackendType
from custom_components.stepheybot_music.const import (
    CONF_CONTAINERS,
    CONF_FAST_INTERVAL,
    CONF_MUSIC_CATEGORY,
    CONF_MUSIC_FOLDERS,
    CONF_NAME,
    CONF_SLOW_INTERVAL,
    CONF_SUBENTRY_ID,
    DOMAIN,
)
from simulator import Fault, Simulator
from simulator.backends import BackendSpec

from .conftest import (
    ALL_BACKENDS,
    ENTRY_ID,
    STACK_TITLE,
    setup_stack,
    simulator_specs,
    subentry,
    subentry_id,
)
from .helpers import form_input, poll, text

# --------------------------------------------------------------------------- helpers


async def _empty_stack(hass: HomeAssistant) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN, title=STACK_TITLE, entry_id=ENTRY_ID, data={}, unique_id="home music"
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def _add(hass: HomeAssistant, kind: str, user_input: dict[str, Any]) -> dict[str, Any]:
    """Open the "Add <kind>" flow of the stack and submit ``user_input``."""
    result = await hass.config_entries.subentries.async_init(
        (ENTRY_ID, kind), context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], user_input)
    await hass.async_block_till_done(wait_background_tasks=True)
    return dict(result)


def _error(result: dict[str, Any], field: str = "base") -> str:
    """The translated message of the form error on ``field``."""
    key = result["errors"][field]
    return text(
        "config_subentries", "qbittorrent", "error", key, **result["description_placeholders"]
    )


# --------------------------------------------------------------------------- the stack


async def test_user_names_the_stack(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_NAME: "  "})
    assert result["errors"] == {CONF_NAME: "empty_name"}
    assert text("config", "error", "empty_name") == "Enter a name."

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: " Home music "}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Home music"
    assert result["data"] == {}
    assert result["result"].unique_id == "home music"
    await hass.async_block_till_done()
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    assert entry.state is ConfigEntryState.LOADED
    assert entry.supported_subentry_types == {
        kind: {"supports_reconfigure": True} for kind in ALL_BACKENDS
    }


async def test_user_refuses_a_second_stack_of_the_same_name(hass: HomeAssistant) -> None:
    await _empty_stack(hass)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: "home MUSIC"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_reconfigure_renames_the_stack(hass: HomeAssistant) -> None:
    entry = await _empty_stack(hass)
    other = MockConfigEntry(domain=DOMAIN, title="Cabin", data={}, unique_id="cabin")
    other.add_to_hass(hass)

    result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_NAME: ""})
    assert result["errors"] == {CONF_NAME: "empty_name"}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_NAME: "cabin"})
    assert result["errors"] == {CONF_NAME: "name_taken"}
    assert text("config", "error", "name_taken") == "Another stack already has this name."
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: "Living room"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.title == "Living room"
    assert entry.unique_id == "living room"
    assert entry.state is ConfigEntryState.LOADED


# --------------------------------------------------------------------------- adding backends


@pytest.mark.parametrize("name", ALL_BACKENDS)
async def test_add_each_backend(hass: HomeAssistant, sim: Simulator, name: str) -> None:
    entry = await _empty_stack(hass)
    kind = sim.spec(name).kind
    url = form_input(sim, name)[CONF_URL]
    result = await _add(hass, kind, form_input(sim, name, **{CONF_URL: url + "/"}))

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == name.replace("_", " ").title()
    assert result["unique_id"] == f"{kind}_{url}"
    assert result["data"][CONF_URL] == url
    assert CONF_NAME not in result["data"]
    # the stack reloaded with the new backend: its device and entities exist
    assert entry.state is ConfigEntryState.LOADED
    (subentry,) = entry.subentries.values()
    assert subentry.subentry_type == kind
    assert subentry.subentry_id in entry.runtime_data.backends


async def test_add_refuses_a_backend_any_stack_has(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["lidarr"])
    result = await _add(hass, "lidarr", form_input(sim, "lidarr"))
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_URL: "already_configured"}
    assert _error(result, CONF_URL) == "A stack already has this backend (same kind and URL)."


async def test_add_with_an_empty_name_uses_the_application(
    hass: HomeAssistant, sim: Simulator
) -> None:
    await _empty_stack(hass)
    result = await _add(hass, "prowlarr", form_input(sim, "prowlarr", **{CONF_NAME: " "}))
    assert result["title"] == "Prowlarr"


async def test_add_docker_over_a_socket_proxy_url(hass: HomeAssistant, sim: Simulator) -> None:
    await _empty_stack(hass)
    result = await _add(hass, "docker", form_input(sim, "docker", **{CONF_URL: sim.url("docker")}))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_URL] == sim.url("docker")


async def test_add_docker_behind_a_proxy_that_blocks_containers(
    hass: HomeAssistant, frozen: FrozenDateTimeFactory
) -> None:
    await _empty_stack(hass)
    proxy = BackendSpec(name="docker", kind="docker", extra={"containers": "0"})
    async with Simulator(seed=7, specs=[proxy], speed=0, docker_socket=False) as blocked:
        result = await _add(
            hass, "docker", form_input(blocked, "docker", **{CONF_URL: blocked.url("docker")})
        )
    assert result["errors"] == {"base": "access_denied"}
    message = _error(result)
    assert message.startswith("Docker refused access. Docker at http://127.0.0.1:")
    assert "set CONTAINERS=1 in the proxy's environment" in message


@pytest.mark.parametrize(
    ("url", "kind"),
    [("ftp://nas.local/music", "qbittorrent"), ("unix://", "docker"), ("not a url", "lidarr")],
)
async def test_add_rejects_invalid_urls(
    hass: HomeAssistant, sim: Simulator, url: str, kind: str
) -> None:
    await _empty_stack(hass)
    name = next(name for name in ALL_BACKENDS if sim.spec(name).kind == kind)
    result = await _add(hass, kind, form_input(sim, name, **{CONF_URL: url}))
    assert result["errors"] == {CONF_URL: "invalid_url"}
    assert _error(result, CONF_URL).startswith("This is not a valid URL.")


async def test_add_cannot_connect(hass: HomeAssistant, sim: Simulator) -> None:
    await _empty_stack(hass)
    await sim.set_fault("navidrome", Fault.DOWN)
    result = await _add(hass, "navidrome", form_input(sim, "navidrome"))
    assert result["errors"] == {"base": "cannot_connect"}
    message = _error(result)
    assert message.startswith(
        "Navidrome is unreachable. Cannot connect to Navidrome at http://127.0.0.1:"
    )
    assert "Check the URL and port" in message

    await sim.clear_fault("navidrome", Fault.DOWN)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], form_input(sim, "navidrome")
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_add_timeout(hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch) -> None:
    # real time here: a timeout needs the event loop's clock to run
    await _empty_stack(hass)
    monkeypatch.setattr(backends, "REQUEST_TIMEOUT", 0.2)
    specs = simulator_specs(["prowlarr"])
    async with Simulator(seed=7, specs=specs, speed=0, slow_delay=0.5) as live:
        await live.set_fault("prowlarr", Fault.SLOW)
        result = await _add(hass, "prowlarr", form_input(live, "prowlarr"))
    assert result["errors"] == {"base": "timeout"}
    assert _error(result).startswith("Prowlarr did not answer in time. Prowlarr at http://")
    assert "did not answer within 0.2 s" in _error(result)


async def test_add_tls_error_then_wrong_application(
    hass: HomeAssistant, sim: Simulator, https_url: str
) -> None:
    await _empty_stack(hass)
    result = await _add(hass, "lidarr", form_input(sim, "lidarr", **{CONF_URL: https_url}))
    assert result["errors"] == {"base": "tls_error"}
    assert _error(result).startswith(
        "Lidarr: the TLS (HTTPS) connection failed. The TLS connection to Lidarr at "
    )
    assert "If it uses a self-signed certificate, turn off certificate verification" in (
        _error(result)
    )

    # without verification the handshake works, and the form says what answers instead
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        form_input(sim, "lidarr", **{CONF_URL: https_url, CONF_VERIFY_SSL: False}),
    )
    assert result["errors"] == {"base": "wrong_application"}
    assert _error(result).startswith("Lidarr: something else answers at its URL.")


@pytest.mark.parametrize(
    ("name", "overrides"),
    [
        ("qbittorrent", {CONF_PASSWORD: "wrong-password"}),
        ("lidarr", {CONF_API_KEY: "0" * 32}),
        ("navidrome", {CONF_PASSWORD: "wrong-password"}),
        ("jackett", {CONF_API_KEY: "f" * 32}),
        ("gluetun", {CONF_API_KEY: "nope"}),
        ("transmission", {CONF_USERNAME: "transmission", CONF_PASSWORD: "nope"}),
    ],
)
async def test_add_invalid_auth(
    hass: HomeAssistant, sim: Simulator, name: str, overrides: dict[str, str]
) -> None:
    await _empty_stack(hass)
    kind = sim.spec(name).kind
    result = await _add(hass, kind, form_input(sim, name, **overrides))
    assert result["errors"] == {"base": "invalid_auth"}
    application = BACKEND_TYPES[BackendKind(kind)].application
    assert _error(result).startswith(f"{application} rejected the credentials.")


async def test_add_qbittorrent_without_a_password_explains_the_temporary_password(
    hass: HomeAssistant, sim: Simulator
) -> None:
    await _empty_stack(hass)
    result = await _add(
        hass, "qbittorrent", form_input(sim, "qbittorrent", **{CONF_PASSWORD: "adminadmin"})
    )
    assert result["errors"] == {CONF_PASSWORD: "no_password_set"}
    message = _error(result, CONF_PASSWORD)
    assert "Since 4.6.1 it has no default password" in message
    assert "A temporary password is provided for this session" in message
    assert "Tools → Options → WebUI → Authentication" in message


async def test_add_qbittorrent_banned_says_for_how_long_and_why(
    hass: HomeAssistant, sim: Simulator
) -> None:
    await _empty_stack(hass)
    await sim.set_fault("qbittorrent", Fault.BANNED)
    result = await _add(hass, "qbittorrent", form_input(sim, "qbittorrent"))
    assert result["errors"] == {"base": "ip_banned"}
    assert result["description_placeholders"]["minutes"] == "60"
    message = _error(result)
    assert message.startswith(
        "qBittorrent has banned Home Assistant's IP address after too many failed logins; "
        "it lifts the ban in about 60 minutes"
    )


async def test_add_wrong_application(hass: HomeAssistant, sim: Simulator) -> None:
    await _empty_stack(hass)
    result = await _add(
        hass, "qbittorrent", form_input(sim, "qbittorrent", **{CONF_URL: sim.url("lidarr")})
    )
    assert result["errors"] == {"base": "wrong_application"}
    assert "is not a qBittorrent Web UI" in _error(result)


async def test_add_unexpected_response(hass: HomeAssistant, sim: Simulator) -> None:
    await _empty_stack(hass)
    await sim.set_fault("lidarr", Fault.HTTP_500)
    result = await _add(hass, "lidarr", form_input(sim, "lidarr"))
    assert result["errors"] == {"base": "server_error"}
    assert _error(result).startswith(
        "Lidarr had an internal error: see its logs for the cause. Lidarr at http://"
    )
    assert "(HTTP 500)" in _error(result)


@pytest.mark.parametrize("name", ALL_BACKENDS)
async def test_add_server_error_of_every_backend(
    hass: HomeAssistant, sim: Simulator, name: str
) -> None:
    """An HTTP 500 is the backend's own error, whichever backend: see its logs."""
    await _empty_stack(hass)
    await sim.set_fault(name, Fault.HTTP_500)
    result = await _add(hass, sim.spec(name).kind, form_input(sim, name))
    assert result["errors"] == {"base": "server_error"}, _error(result)
    assert "had an internal error" in _error(result)
    assert "(HTTP 500)" in _error(result)


class _FakeClient:
    """A client whose probe answers what a test needs (no HTTP involved)."""

    def __init__(self, outcome: BackendInfo | Exception) -> None:
        self.outcome = outcome

    async def probe(self) -> BackendInfo:
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


@pytest.mark.parametrize(
    ("outcome", "error", "message"),
    [
        (
            BackendRequestError("Prowlarr refused the request (/api/v1/x): nope", code=400),
            "backend_error",
            "Prowlarr refused the request. Prowlarr refused the request (/api/v1/x): nope",
        ),
        (
            RuntimeError("boom"),
            "unknown",
            "Unexpected error; the Home Assistant log has the details.",
        ),
        (
            BackendInfo(kind=BackendKind.LIDARR, application="Lidarr"),
            "wrong_application",
            "Prowlarr: something else answers at its URL. "
            "Lidarr answers at this URL, not Prowlarr.",
        ),
    ],
)
async def test_add_other_outcomes(
    hass: HomeAssistant,
    sim: Simulator,
    monkeypatch: pytest.MonkeyPatch,
    *,
    outcome: BackendInfo | Exception,
    error: str,
    message: str,
) -> None:
    await _empty_stack(hass)
    monkeypatch.setattr(BackendType, "create_client", lambda _self, _s, _d: _FakeClient(outcome))
    result = await _add(hass, "prowlarr", form_input(sim, "prowlarr"))
    assert result["errors"] == {"base": error}
    assert _error(result) == message


# --------------------------------------------------------------------------- reconfiguring backends


async def test_reconfigure_a_backend(hass: HomeAssistant, sim: Simulator) -> None:
    entry = await setup_stack(hass, sim, ["lidarr", "prowlarr"])
    lidarr = entry.subentries[subentry_id("lidarr")]
    result = await entry.start_subentry_reconfigure_flow(hass, lidarr.subentry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"

    # Prowlarr (same API family, its own key) is not taken for Lidarr; a wrong key is reported
    prowlarr = {CONF_URL: sim.url("prowlarr"), CONF_API_KEY: sim.spec("prowlarr").api_key}
    taken = form_input(sim, "lidarr", **prowlarr)
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], taken)
    assert result["errors"] == {"base": "wrong_application"}
    wrong = form_input(sim, "lidarr", **{CONF_API_KEY: "1" * 32})
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], wrong)
    assert result["errors"] == {"base": "invalid_auth"}

    changed = form_input(sim, "lidarr", **{CONF_NAME: "Lidarr (music)"})
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], changed)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.subentries[lidarr.subentry_id].title == "Lidarr (music)"
    assert entry.state is ConfigEntryState.LOADED


async def test_reconfigure_refuses_a_duplicate(hass: HomeAssistant, sim: Simulator) -> None:
    entry = await setup_stack(hass, sim, ["lidarr"])
    second = MockConfigEntry(domain=DOMAIN, title="Cabin", data={})
    second.add_to_hass(hass)
    result = await hass.config_entries.subentries.async_init(
        (second.entry_id, "lidarr"), context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], form_input(sim, "lidarr", **{CONF_URL: "http://127.0.0.1:1"})
    )
    assert result["errors"] == {"base": "cannot_connect"}
    # the first stack's Lidarr cannot take the URL of the second's
    assert entry.subentries
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, "lidarr"),
        context={"source": SOURCE_RECONFIGURE, "subentry_id": subentry_id("lidarr")},
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], form_input(sim, "lidarr")
    )
    assert result["reason"] == "reconfigure_successful"


# --------------------------------------------------------------------------- reauthentication


async def test_reauth_of_one_backend(
    hass: HomeAssistant, sim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    entry = await setup_stack(hass, sim, ["lidarr", "navidrome"])
    await sim.set_fault("lidarr", Fault.AUTH_REVOKED)
    await poll(hass, frozen, 20)

    # only Lidarr is unavailable, and a reauth flow asks for Lidarr's key
    assert hass.states.get("sensor.lidarr_queue").state == "unavailable"
    assert hass.states.get("binary_sensor.navidrome_scanning").state == "off"
    (flow,) = entry.async_get_active_flows(hass, {"reauth"})
    assert flow["step_id"] == "reauth_confirm"
    assert flow["context"]["title_placeholders"] == {"name": "Home music: Lidarr"}
    form = await hass.config_entries.flow.async_configure(flow["flow_id"])
    assert form["type"] is FlowResultType.FORM
    placeholders = form["description_placeholders"]
    assert placeholders["backend"] == "Lidarr"
    assert placeholders["url"] == sim.url("lidarr")
    assert text("config", "step", "reauth_confirm", "description", **placeholders).startswith(
        f"Lidarr (Lidarr at {sim.url('lidarr')}) rejected its credentials."
    )

    # the old key still fails; then Lidarr accepts a new one
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_API_KEY: sim.spec("lidarr").api_key}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    await sim.clear_fault("lidarr", Fault.AUTH_REVOKED)
    new_key = "a" * 32
    sim.spec("lidarr").api_key = new_key
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_API_KEY: new_key}
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.subentries[subentry_id("lidarr")].data[CONF_API_KEY] == new_key
    assert entry.subentries[subentry_id("navidrome")].data == {
        **entry.subentries[subentry_id("navidrome")].data
    }
    assert hass.states.get("sensor.lidarr_queue").state == "2"


async def test_reauth_of_qbittorrent_without_a_password(
    hass: HomeAssistant,
    sim: Simulator,
    frozen: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    data = subentry(sim, "qbittorrent")
    data["data"] = {**data["data"], CONF_PASSWORD: ""}
    entry = MockConfigEntry(
        domain=DOMAIN, title=STACK_TITLE, entry_id=ENTRY_ID, data={}, subentries_data=[data]
    )
    entry.add_to_hass(hass)
    # the only backend fails its credentials: the stack still loads, unavailable, asking
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert hass.states.get("sensor.qbittorrent_download_speed").state == "unavailable"
    issue = issue_registry.async_get_issue(DOMAIN, f"no_password_set_{subentry_id('qbittorrent')}")
    assert issue is not None
    (flow,) = entry.async_get_active_flows(hass, {"reauth"})
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_USERNAME: "admin", CONF_PASSWORD: sim.spec("qbittorrent").password}
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert result["reason"] == "reauth_successful"
    assert issue_registry.async_get_issue(DOMAIN, issue.issue_id) is None
    assert hass.states.get("sensor.qbittorrent_downloading_torrents").state == "2"


async def test_reauth_of_an_unknown_backend_aborts(hass: HomeAssistant) -> None:
    entry = await _empty_stack(hass)
    result = await entry.start_reauth_flow(hass, data={CONF_SUBENTRY_ID: "gone"})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_backend_unknown"


# --------------------------------------------------------------------------- options


async def test_options(hass: HomeAssistant, sim: Simulator) -> None:
    entry = await setup_stack(hass, sim, ["docker", "qbittorrent"])
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    schema = result["data_schema"].schema
    containers = next(key for key in schema if key == CONF_CONTAINERS)
    assert schema[containers].config["options"] == sorted(sim.world.containers)

    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_FAST_INTERVAL: 30,
            CONF_SLOW_INTERVAL: 60,
            CONF_MUSIC_CATEGORY: "lidarr",
            CONF_CONTAINERS: ["qbittorrent", "gluetun"],
        },
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options[CONF_CONTAINERS] == ["qbittorrent", "gluetun"]
    runtime = entry.runtime_data
    assert runtime.settings.fast_interval == timedelta(seconds=30)
    assert runtime.settings.music_category == "lidarr"
    assert hass.states.get("sensor.navidrome_container_state") is None
    assert hass.states.get("sensor.qbittorrent_container_state").state == "running"


async def test_music_folders_option(hass: HomeAssistant, sim: Simulator) -> None:
    entry = await setup_stack(hass, sim, ["transmission"])
    assert entry.runtime_data.settings.music_folders == ("/hot_downloads",)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    schema = result["data_schema"].schema
    folders = next(key for key in schema if key == CONF_MUSIC_FOLDERS)
    assert folders.default() == ["/hot_downloads"]
    options = {CONF_FAST_INTERVAL: 15, CONF_SLOW_INTERVAL: 10, CONF_MUSIC_CATEGORY: "music"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**options, CONF_MUSIC_FOLDERS: ["hot_downloads"]}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_MUSIC_FOLDERS: "music_folder_not_absolute"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**options, CONF_MUSIC_FOLDERS: ["/music/", " /music/ ", "/data"]}
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options[CONF_MUSIC_FOLDERS] == ["/music/", "/data"]
    assert entry.runtime_data.settings.music_folders == ("/music/", "/data")


async def test_options_of_a_stack_that_is_not_loaded(hass: HomeAssistant) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN, title=STACK_TITLE, data={}, options={CONF_CONTAINERS: ["plex"]}
    )
    entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    schema = result["data_schema"].schema
    containers = next(key for key in schema if key == CONF_CONTAINERS)
    assert schema[containers].config["options"] == ["plex"]
