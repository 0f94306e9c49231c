"""How coordinators report each kind of backend failure (translated, with the cause)."""

from __future__ import annotations

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_URL, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant
from homeassistant.helpers.update_coordinator import UpdateFailed
from pytest_homeassistant_custom_component.common import MockConfigEntry
from stepheybot_music_clients.errors import (
    BackendRequestError,
    BackendTimeoutError,
    CannotConnectError,
    ServerError,
    StackError,
    TlsError,
    UnexpectedResponseError,
    WrongApplicationError,
)

from custom_components.stepheybot_music import backends
from custom_components.stepheybot_music.client_errors import error_text
from custom_components.stepheybot_music.const import DOMAIN
from simulator import Fault, Simulator
from simulator.backends import BackendSpec

from .conftest import ENTRY_ID, STACK_TITLE, simulator_specs, subentry, subentry_id
from .helpers import text


@pytest.mark.parametrize(
    ("error", "key", "message"),
    [
        (BackendTimeoutError("it took too long"), "timeout", "Lidarr did not answer in time."),
        (TlsError("bad certificate"), "tls_error", "Lidarr: the TLS (HTTPS) connection failed."),
        (CannotConnectError("refused"), "cannot_connect", "Lidarr is unreachable."),
        (WrongApplicationError("not Lidarr"), "wrong_application", "Lidarr: something else"),
        (UnexpectedResponseError("bad JSON"), "unexpected_response", "Lidarr sent an answer"),
        (ServerError("HTTP 500"), "server_error", "Lidarr had an internal error"),
        (BackendRequestError("refused", code=400), "backend_error", "Lidarr refused the request."),
    ],
)
def test_every_error_has_a_translated_message(error: StackError, key: str, message: str) -> None:
    described = error_text(error, "Lidarr")
    assert described.key == key
    assert described.placeholders == {"backend": "Lidarr", "error": error.message}
    translated = text("exceptions", key, "message", **described.placeholders)
    assert translated.startswith(message)
    assert translated.endswith(error.message)


async def _live_stack(hass: HomeAssistant, live: Simulator, name: str, **data: object) -> None:
    item = subentry(live, name)
    item["data"] = {**item["data"], **data}
    entry = MockConfigEntry(
        domain=DOMAIN, title=STACK_TITLE, entry_id=ENTRY_ID, data={}, subentries_data=[item]
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def test_timeout_at_run_time(hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch) -> None:
    # real time: a timeout needs the event loop's clock to run
    monkeypatch.setattr(backends, "REQUEST_TIMEOUT", 0.2)
    async with Simulator(
        seed=7, specs=simulator_specs(["gluetun", "lidarr"]), speed=0, slow_delay=0.5
    ) as live:
        await live.set_fault("gluetun", Fault.SLOW)
        await _live_stack(hass, live, "gluetun")
        entry = hass.config_entries.async_get_entry(ENTRY_ID)
        assert entry is not None
        coordinator = entry.runtime_data.backends[subentry_id("gluetun")].fast[0]
        error = coordinator.last_exception
        assert isinstance(error, UpdateFailed)
        assert error.translation_key == "timeout"
        assert str(error).startswith("gluetun did not answer in time. gluetun at http://")


async def test_tls_failure_at_run_time(hass: HomeAssistant, https_url: str) -> None:
    async with Simulator(seed=7, specs=simulator_specs(["lidarr"]), speed=0) as live:
        await _live_stack(hass, live, "lidarr", **{CONF_URL: https_url, CONF_VERIFY_SSL: True})
        entry = hass.config_entries.async_get_entry(ENTRY_ID)
        assert entry is not None
        queue = entry.runtime_data.backends[subentry_id("lidarr")].fast[0]
        error = queue.last_exception
        assert isinstance(error, UpdateFailed)
        assert error.translation_key == "tls_error"
        # its only backend does not answer: Home Assistant retries the set-up later
        assert entry.state is ConfigEntryState.SETUP_RETRY


async def test_docker_proxy_denying_access_keeps_polling(
    hass: HomeAssistant, sim: Simulator
) -> None:
    proxy = BackendSpec(name="docker", kind="docker", extra={"containers": "0"})
    async with Simulator(seed=7, specs=[proxy], speed=0, docker_socket=False) as blocked:
        docker = subentry(blocked, "docker")
        docker["data"] = {**docker["data"], CONF_URL: blocked.url("docker")}
        entry = MockConfigEntry(
            domain=DOMAIN,
            title=STACK_TITLE,
            entry_id=ENTRY_ID,
            data={},
            subentries_data=[docker, subentry(sim, "gluetun")],
        )
        entry.add_to_hass(hass)
        await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        assert entry.state is ConfigEntryState.LOADED
        coordinator = entry.runtime_data.backends[subentry_id("docker")].fast[0]
        error = coordinator.last_exception
        assert isinstance(error, UpdateFailed)
        assert error.translation_key == "access_denied"
        assert str(error).startswith("Docker refused access. Docker at http://127.0.0.1:")
        # nothing to reauthenticate: no flow asks for credentials, polling goes on
        assert not list(entry.async_get_active_flows(hass, {"reauth"}))
        assert coordinator.update_interval is not None
        await hass.config_entries.async_unload(entry.entry_id)
