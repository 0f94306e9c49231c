"""Set the integration up in a running Home Assistant through its own config flows.

Exactly what a user clicks: the stack (config entry) by name, then one "Add <backend>"
subentry flow per backend of the stack file, then the options (short poll intervals,
so the demo moves).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from stepheybot_music_clients.stackfile import BackendConfig, StackConfig

from .children import DemoError
from .ha_client import JSON, HomeAssistantApi
from .homeassistant import DOMAIN

_LOGGER = logging.getLogger(__name__)

FAST_INTERVAL = 5
"""Seconds between polls of downloads, queue, VPN and containers (the options' minimum)."""
SLOW_INTERVAL = 1
"""Minutes between polls of library totals."""
IDLE_STATES = frozenset({"unavailable", "unknown"})
STATELESS = ("button.",)
"""Entities whose state is only the time they were last used."""


@dataclass(slots=True)
class SetUpStack:
    """What the config flows created."""

    entry_id: str
    backends: dict[str, str] = field(default_factory=dict)
    """Backend name in the stack file -> subentry title."""
    skipped: list[str] = field(default_factory=list)
    """Backends of kinds the integration does not offer (yet)."""
    without_entities: list[str] = field(default_factory=list)
    """Backends (subentry titles) whose device had no entity when the demo started."""


def _form_input(form: JSON, backend: BackendConfig) -> JSON:
    """Answer a backend form with the stack file's values for the fields it asks."""
    values: dict[str, Any] = {
        "url": backend.url,
        "username": backend.username,
        "password": backend.password,
        "api_key": backend.api_key,
        "verify_ssl": backend.verify_ssl,
    }
    asked = {str(item["name"]) for item in form.get("data_schema", [])}
    return {key: value for key, value in values.items() if key in asked and value != ""}


async def set_up_stack(api: HomeAssistantApi, stack: StackConfig, *, title: str) -> SetUpStack:
    """Create the stack's config entry (named ``title``), its backends and its options."""
    created = await api.flow(
        "/api/config/config_entries/flow",
        {"handler": DOMAIN, "show_advanced_options": False},
        [{"name": title}],
    )
    if created.get("type") != "create_entry":
        raise DemoError(f"the stack's config flow ended with {created!r}")
    entry_id = str(created["result"]["entry_id"])
    result = SetUpStack(entry_id=entry_id)
    entries = await api.command("config_entries/get", domain=DOMAIN)
    supported = set(
        next(e for e in entries if e["entry_id"] == entry_id)["supported_subentry_types"]
    )
    for backend in stack.backends:
        if str(backend.kind) not in supported:
            result.skipped.append(backend.name)
            continue
        form = await api.post(
            "/api/config/config_entries/subentries/flow",
            {"handler": [entry_id, str(backend.kind)]},
        )
        done = await _answer(api, form, backend)
        result.backends[backend.name] = str(done.get("title", backend.name))
    await set_options(api, entry_id)
    # Each change above reloads the stack; a change that lands while a reload is still
    # setting up can be missed (the update listener is registered at the end of the set-up),
    # so one last reload, after every change, makes sure the stack runs with all of them.
    await api.post(f"/api/config/config_entries/entry/{entry_id}/reload")
    return result


async def _answer(api: HomeAssistantApi, form: JSON, backend: BackendConfig) -> JSON:
    if form.get("type") != "form":
        raise DemoError(f"adding {backend.name} did not show a form: {form!r}")
    done: JSON = await api.post(
        f"/api/config/config_entries/subentries/flow/{form['flow_id']}",
        _form_input(form, backend),
    )
    if done.get("type") != "create_entry":
        raise DemoError(
            f"Home Assistant refused {backend.name} at {backend.url}: "
            f"{done.get('errors')} {done.get('description_placeholders') or ''}"
        )
    return done


async def set_options(api: HomeAssistantApi, entry_id: str) -> None:
    """Short poll intervals through the options flow, other options left as they are."""
    form = await api.post("/api/config/config_entries/options/flow", {"handler": entry_id})
    if form.get("type") != "form":
        raise DemoError(f"the options flow did not show a form: {form!r}")
    answer: JSON = {
        str(item["name"]): item["default"]
        for item in form.get("data_schema", [])
        if "default" in item
    }
    answer["fast_scan_interval"] = FAST_INTERVAL
    answer["slow_scan_interval"] = SLOW_INTERVAL
    done = await api.post(f"/api/config/config_entries/options/flow/{form['flow_id']}", answer)
    if done.get("type") != "create_entry":
        raise DemoError(f"the options flow refused {answer!r}: {done!r}")


async def entry_state(api: HomeAssistantApi, entry_id: str) -> str:
    """The config entry's state (``loaded``, ``setup_retry``, ...)."""
    entries = await api.command("config_entries/get", domain=DOMAIN)
    return str(next(e["state"] for e in entries if e["entry_id"] == entry_id))


async def our_entities(api: HomeAssistantApi, entry_id: str) -> list[JSON]:
    """The entity registry entries of the stack."""
    entities: list[JSON] = await api.command("config/entity_registry/list")
    return [e for e in entities if e.get("config_entry_id") == entry_id]


async def wait_until_live(api: HomeAssistantApi, setup: SetUpStack, timeout: float = 120.0) -> None:
    """Wait until the entry is loaded, its entities stop appearing and nearly all have a value.

    Backends whose device has no entity by then are noted in ``setup.without_entities``
    (the demo goes on without them; ``--check`` reports them).
    """
    deadline = time.monotonic() + timeout
    detail = ""
    previous: set[str] = set()
    while time.monotonic() < deadline:
        state = await entry_state(api, setup.entry_id)
        if state == "loaded":
            entities = [
                e
                for e in await our_entities(api, setup.entry_id)
                if not e["entity_id"].startswith(STATELESS) and not e.get("disabled_by")
            ]
            ids = {e["entity_id"] for e in entities}
            devices = await api.command("config/device_registry/list")
            with_entities = {e.get("device_id") for e in entities}
            named = {d["name"] for d in devices if d["id"] in with_entities}
            setup.without_entities = sorted(set(setup.backends.values()) - named)
            states = {s["entity_id"]: s["state"] for s in await api.get("/api/states")}
            idle = sorted(i for i in ids if states.get(i, "unknown") in IDLE_STATES)
            settled = ids == previous and len(idle) <= len(ids) // 10
            if settled and (not setup.without_entities or time.monotonic() > deadline - 60):
                if idle:
                    _LOGGER.info("still without a value: %s", ", ".join(idle))
                return
            previous = ids
            detail = f"{len(idle)} of {len(ids)} entities without a value: {', '.join(idle[:8])}"
        else:
            detail = f"the stack's config entry is {state}"
        await asyncio.sleep(2)
    raise DemoError(f"the integration did not come alive: {detail}")
