"""No secret ever leaves the Home Assistant integration.

Mirrors the exporter's ``test_secrets.py``: every backend gets a distinctive password or API
key; then everything a person could see is collected while a stack of every backend is set
up, polled, put into every fault and recovered: every log line at DEBUG, every entity's state
and attributes, the entity and device registries, the diagnostics of the stack and of every
device, every repair issue, every reauthentication form, every action's response or error,
every button press, and the text and traceback of every coordinator's last error. None of
the secrets may appear in any of it, in any encoding a request could carry it.
"""

from __future__ import annotations

import json
import logging
import traceback
from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from stepheybot_music_clients import login_policy

from custom_components.stepheybot_music import backends as backend_types
from custom_components.stepheybot_music import diagnostics
from custom_components.stepheybot_music.const import DOMAIN
from custom_components.stepheybot_music.play_actions import PLAY_ACTIONS
from custom_components.stepheybot_music.services import ACTIONS
from simulator import Fault, Simulator
from simulator.backends import BackendSpec
from simulator.server import default_specs
from tests.integration.conftest import ALL_BACKENDS, stack_entry

from .ha_stack import poll
from .test_secrets import encodings

pytestmark = pytest.mark.usefixtures("enable_custom_integrations")
FAULTS = tuple(f for f in Fault if f is not Fault.SLOW)
"""Every fault but ``slow`` (its error path is the timeout, which carries no backend text)."""
ACTION_INPUT: dict[str, dict[str, Any]] = {
    "search": {"query": "the"},
    "request_download": {"artist": "Nobody Knows This Artist", "album": "Nor This Album"},
    "get_requests": {},
    "get_downloads": {},
    "pause_downloads": {},
    "resume_downloads": {},
    "start_scan": {},
    "search_upgrades": {},
    "sync_forwarded_port": {},
    "play": {"artist": "Nobody Knows This Artist", "album": "Nor This Album"},
}


def secret_specs() -> tuple[list[BackendSpec], dict[str, str]]:
    """Every backend with distinctive secrets, and those secrets by name."""
    specs = [s for s in default_specs("5eed") if s.name in ALL_BACKENDS]
    secrets: dict[str, str] = {}
    for spec in specs:
        if spec.name == "jackett":
            spec.password = "pw-jackett-Zk4Qe9Tr"
        if spec.password:
            spec.password = f"pw-{spec.name}-Zk4Qe9Tr"
            secrets[f"{spec.name} password"] = spec.password
        if spec.api_key:
            spec.api_key = f"{spec.name[:4]}key7f3c9a1be04d5568"
            secrets[f"{spec.name} api key"] = spec.api_key
    return specs, secrets


def describe(err: BaseException | None) -> str:
    """Everything an error shows: its message, repr and the whole traceback with causes."""
    if err is None:
        return ""
    return "\n".join([str(err), repr(err), *traceback.format_exception(err)])


class Seen:
    """Everything collected from Home Assistant."""

    def __init__(self, hass: HomeAssistant) -> None:
        self.hass = hass
        self.parts: list[str] = []

    def add(self, value: Any) -> None:
        """Keep ``value`` as text (JSON where it can be)."""
        self.parts.append(value if isinstance(value, str) else json.dumps(value, default=repr))

    async def everything(self, entry: Any) -> None:
        """States, registries, diagnostics, issues, flows, last errors, actions, buttons."""
        hass = self.hass
        for state in hass.states.async_all():
            self.add(state.as_dict())
        self.add([e.as_partial_dict for e in er.async_get(hass).entities.values()])
        devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
        self.add([d.dict_repr for d in devices])
        self.add(await diagnostics.async_get_config_entry_diagnostics(hass, entry))
        for device in devices:
            self.add(await diagnostics.async_get_device_diagnostics(hass, entry, device))
        for issue in ir.async_get(hass).issues.values():
            self.add(issue.to_json())
        for flow in hass.config_entries.flow.async_progress():
            self.add(flow)
        if entry.state.recoverable and hasattr(entry, "runtime_data"):
            for backend in entry.runtime_data.backends.values():
                for coordinator in backend.coordinators:
                    self.add(describe(coordinator.last_exception))
                    self.add(repr(coordinator.data))
                    self.add(repr(getattr(coordinator, "client", None)))
        await self.actions(entry)

    async def actions(self, entry: Any) -> None:
        """Call every action (with its response where it has one) and press every button."""
        for action in (*ACTIONS, *PLAY_ACTIONS):
            data = {"config_entry_id": entry.entry_id, **ACTION_INPUT[action.name]}
            try:
                response = await self.hass.services.async_call(
                    DOMAIN,
                    action.name,
                    data,
                    blocking=True,
                    return_response=action.response.value != "none",
                )
            except HomeAssistantError as err:
                self.add(describe(err))
            else:
                self.add(response)
        for state in self.hass.states.async_all("button"):
            try:
                await self.hass.services.async_call(
                    "button", "press", {"entity_id": state.entity_id}, blocking=True
                )
            except HomeAssistantError as err:
                self.add(describe(err))
        await self.hass.async_block_till_done(wait_background_tasks=True)


async def test_no_secret_in_anything_home_assistant_shows(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backend_types, "REQUEST_TIMEOUT", 2.0)
    monkeypatch.setattr(login_policy, "DEFAULT_BAN_SECONDS", 0.001)
    caplog.set_level(logging.DEBUG)
    specs, secrets = secret_specs()
    users = sorted({s.username for s in specs if s.username})
    seen = Seen(hass)
    async with Simulator(seed=7, specs=specs, speed=0) as sim:
        entry = stack_entry(sim, ALL_BACKENDS)
        stored = json.dumps([dict(s.data) for s in entry.subentries.values()])
        for name, secret in secrets.items():  # the secrets really are in use
            assert secret in stored, name
        entry.add_to_hass(hass)
        await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done(wait_background_tasks=True)
        await poll(hass, entry)
        await seen.everything(entry)

        for name in ALL_BACKENDS:
            for fault in FAULTS:
                await sim.set_fault(name, fault)
                if fault in (Fault.AUTH_REVOKED, Fault.BANNED):
                    await sim.set_fault(name, Fault.SESSION_EXPIRED)
                await poll(hass, entry)
                await seen.everything(entry)
                await sim.clear_fault(name)
                if entry.async_get_active_flows(hass, {"reauth"}) or fault is Fault.BANNED:
                    # start afresh: reloading forgets rejections, bans and stopped polling
                    for flow in entry.async_get_active_flows(hass, {"reauth"}):
                        hass.config_entries.flow.async_abort(flow["flow_id"])
                    assert await hass.config_entries.async_reload(entry.entry_id)
                    await hass.async_block_till_done(wait_background_tasks=True)
                await poll(hass, entry, beyond=3601)
        await seen.everything(entry)
        assert await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
    seen.add([record.getMessage() for record in caplog.records])
    seen.add(caplog.text)

    haystack = "\n".join(seen.parts)
    assert "**REDACTED**" in haystack, "the diagnostics ran"
    assert "reauth_confirm" in haystack, "the reauthentication forms were read"
    crashes = [r.getMessage() for r in caplog.records if "Unexpected error" in r.getMessage()]
    assert not crashes, crashes
    for name, secret in secrets.items():
        for form in encodings(secret, users):
            assert form not in haystack, f"the {name} shows up as {form!r}"
