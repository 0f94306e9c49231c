"""No form sends a stored secret to the browser (issue 17 item 7).

Every backend of the simulated stack gets a distinctive password or API key. Then every form
of every flow is opened, as the frontend receives it (the schema serialized as Home
Assistant's flow views do it, with the errors and placeholders): the stack's user,
reconfigure and options forms; each backend's add form, its reconfigure form and that form
shown again after an error; each backend's reauthentication form and that form shown again
after a wrong and after an unreachable attempt. None may carry a secret in any encoding.
An empty secret keeps the stored one, in reconfiguration and in reauthentication.
"""

from __future__ import annotations

import json
from typing import Any

import probatio
import pytest
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import config_validation as cv
from stepheybot_music_clients.models import BackendKind

from custom_components.stepheybot_music import backends as backend_types
from custom_components.stepheybot_music.backends import BACKEND_TYPES
from custom_components.stepheybot_music.const import CONF_NAME, CONF_SUBENTRY_ID, DOMAIN
from simulator import Fault, Simulator
from tests.reliability.test_integration_secrets import secret_specs
from tests.reliability.test_secrets import encodings

from .conftest import ALL_BACKENDS, backend_data, stack_entry, subentry_id

WRONG = "not-the-secret-0000"
"""What the user types as a wrong password or API key."""


def sent_to_browser(result: Any) -> str:
    """A flow result as the frontend gets it (data_entry_flow view: schema as a field list)."""
    data = dict(result)
    if (schema := data.get("data_schema")) is not None:
        data["data_schema"] = probatio.to_field_list(schema, custom_serializer=cv.custom_serializer)
    return json.dumps(data, default=repr)


def secret_fields(kind: str) -> list[str]:
    """The secret credential keys of a kind of backend."""
    return [c.key for c in BACKEND_TYPES[BackendKind(kind)].credentials if c.secret]


def credentials(typed: dict[str, Any], kind: str) -> dict[str, Any]:
    """The credentials of ``typed`` that the reauthentication form of ``kind`` asks for."""
    keys = {c.key for c in BACKEND_TYPES[BackendKind(kind)].credentials}
    return {key: value for key, value in typed.items() if key in keys}


def kept_secrets(data: Any, kind: str) -> dict[str, Any]:
    """The secrets among a backend's stored ``data``."""
    return {key: data.get(key) for key in secret_fields(kind)}


class Browser:
    """Everything the flows sent to the frontend."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def saw(self, result: Any) -> Any:
        """Keep what ``result`` shows; return it."""
        self.parts.append(sent_to_browser(result))
        return result


async def test_no_form_carries_a_stored_secret(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backend_types, "REQUEST_TIMEOUT", 2.0)
    specs, secrets = secret_specs()
    users = sorted({s.username for s in specs if s.username})
    browser = Browser()
    async with Simulator(seed=7, specs=specs, speed=0) as sim:
        entry = stack_entry(sim, ALL_BACKENDS)
        entry.add_to_hass(hass)
        await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done(wait_background_tasks=True)
        stored = {sid: dict(sub.data) for sid, sub in entry.subentries.items()}

        flows = hass.config_entries.flow
        result = browser.saw(await flows.async_init(DOMAIN, context={"source": SOURCE_USER}))
        browser.saw(await flows.async_configure(result["flow_id"], {CONF_NAME: " "}))
        result = browser.saw(await entry.start_reconfigure_flow(hass))
        browser.saw(await flows.async_configure(result["flow_id"], {CONF_NAME: " "}))
        browser.saw(await hass.config_entries.options.async_init(entry.entry_id))

        subentries = hass.config_entries.subentries
        for name in ALL_BACKENDS:
            kind, sid = sim.spec(name).kind, subentry_id(name)
            typed = {CONF_NAME: name, **backend_data(sim, name)}
            # add: the form, and the form again after an error (nothing answers there)
            result = browser.saw(
                await subentries.async_init((entry.entry_id, kind), context={"source": SOURCE_USER})
            )
            if kind != "docker":
                unreachable = {**typed, "url": "http://127.0.0.1:1"}
                shown = browser.saw(
                    await subentries.async_configure(result["flow_id"], unreachable)
                )
                assert shown["errors"] == {"base": "cannot_connect"}, name
            # reconfigure: the form, the form after an error, then an empty secret keeps it
            result = browser.saw(await entry.start_subentry_reconfigure_flow(hass, sid))
            assert result["type"] is FlowResultType.FORM
            await sim.set_fault(name, Fault.DOWN)
            shown = browser.saw(await subentries.async_configure(result["flow_id"], typed))
            assert shown["errors"], name
            await sim.clear_fault(name)
            kept = {key: value for key, value in typed.items() if key not in secret_fields(kind)}
            done = await subentries.async_configure(result["flow_id"], kept)
            assert done["reason"] == "reconfigure_successful", (name, done)
            await hass.async_block_till_done(wait_background_tasks=True)
            assert kept_secrets(entry.subentries[sid].data, kind) == kept_secrets(stored[sid], kind)

            if not BACKEND_TYPES[BackendKind(kind)].credentials:
                continue
            # reauthenticate: the form, after a wrong secret, after no answer; empty keeps it
            result = browser.saw(await entry.start_reauth_flow(hass, data={CONF_SUBENTRY_ID: sid}))
            assert result["step_id"] == "reauth_confirm"
            wrong = {**credentials(typed, kind), **dict.fromkeys(secret_fields(kind), WRONG)}
            shown = browser.saw(await flows.async_configure(result["flow_id"], wrong))
            assert shown["type"] is FlowResultType.FORM, name
            await sim.set_fault(name, Fault.DOWN)
            shown = browser.saw(
                await flows.async_configure(result["flow_id"], credentials(typed, kind))
            )
            assert shown["errors"], name
            await sim.clear_fault(name)
            unchanged = {
                key: value
                for key, value in credentials(typed, kind).items()
                if key not in secret_fields(kind)
            }
            done = await flows.async_configure(result["flow_id"], unchanged)
            assert done["reason"] == "reauth_successful", (name, done)
            await hass.async_block_till_done(wait_background_tasks=True)
            assert kept_secrets(entry.subentries[sid].data, kind) == kept_secrets(stored[sid], kind)

        assert entry.state is ConfigEntryState.LOADED
        assert await hass.config_entries.async_unload(entry.entry_id)

    seen = "\n".join(browser.parts)
    assert "reauth_confirm" in seen
    assert "reconfigure" in seen
    for what, secret in secrets.items():
        for form in encodings(secret, users):
            assert form not in seen, f"the {what} goes to the browser as {form!r}"
