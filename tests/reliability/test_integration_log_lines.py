"""One failure line and one recovery line per backend, always (issue 17 item 9).

A stack of every backend on the simulator; each backend in turn goes through every fault,
is polled twice (every coordinator, the slow ones too), then the fault clears: a backend
waiting for new credentials is reauthenticated through the real flow (which reloads it), a
ban is waited out. Whichever of its coordinators meets the fault first, the log holds one failure
line about the backend and, after the fault, exactly one recovery line for it (none of either
for a fault that does not apply to it: a ban of a backend that never bans).
"""

from __future__ import annotations

import logging

import pytest
from homeassistant.const import CONF_API_KEY, CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant
from stepheybot_music_clients import login_policy

from custom_components.stepheybot_music import backends as backend_types
from simulator import Fault, Simulator
from tests.integration.conftest import ALL_BACKENDS, simulator_specs, stack_entry, subentry_id

from .ha_stack import PACKAGE_LOGGER, LogLines, poll

pytestmark = pytest.mark.usefixtures("enable_custom_integrations")
FAULTS = tuple(f for f in Fault if f is not Fault.SESSION_EXPIRED)
GENERIC = (Fault.DOWN, Fault.SLOW, Fault.HTTP_500, Fault.MALFORMED_JSON, Fault.TRUNCATED_JSON)
"""Faults every backend fails in (credentials and bans apply to some backends only)."""


async def test_one_failure_and_one_recovery_line_per_backend(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backend_types, "REQUEST_TIMEOUT", 1.0)
    monkeypatch.setattr(login_policy, "DEFAULT_BAN_SECONDS", 0.001)
    lines = LogLines()
    logging.getLogger(PACKAGE_LOGGER).addHandler(lines)
    wrong: list[str] = []
    tried = 0
    try:
        async with Simulator(seed=7, specs=simulator_specs(), speed=0, slow_delay=2.0) as sim:
            entry = stack_entry(sim, ALL_BACKENDS)
            entry.add_to_hass(hass)
            await hass.config_entries.async_setup(entry.entry_id)
            await hass.async_block_till_done(wait_background_tasks=True)
            await poll(hass, entry)
            for name in ALL_BACKENDS:
                title = entry.subentries[subentry_id(name)].title
                lines.take(title)
                for fault in FAULTS:
                    await sim.set_fault(name, fault)
                    if fault in (Fault.AUTH_REVOKED, Fault.BANNED):
                        await sim.set_fault(name, Fault.SESSION_EXPIRED)
                    await poll(hass, entry)
                    await poll(hass, entry, beyond=3601)
                    failures, recoveries = lines.take(title)
                    await sim.clear_fault(name)
                    for flow in entry.async_get_active_flows(hass, {"reauth"}):
                        spec = sim.spec(name)
                        given = {
                            CONF_USERNAME: spec.username,
                            CONF_PASSWORD: spec.password,
                            CONF_API_KEY: spec.api_key,
                        }
                        result = await hass.config_entries.flow.async_configure(
                            flow["flow_id"], {key: value for key, value in given.items() if value}
                        )
                        assert result.get("reason") == "reauth_successful", (name, fault, result)
                    await hass.async_block_till_done(wait_background_tasks=True)
                    await poll(hass, entry, beyond=3601)
                    more_failures, recoveries_after = lines.take(title)
                    failed = len(failures) == 1
                    if fault in GENERIC and not failed:
                        wrong.append(f"{name} {fault}: no failure line")
                    if len(failures) > 1 or more_failures or recoveries:
                        wrong.append(f"{name} {fault}: failures {failures + more_failures}")
                    if len(recoveries_after) != int(failed):
                        wrong.append(f"{name} {fault}: recoveries {recoveries + recoveries_after}")
                    tried += int(failed)
            assert await hass.config_entries.async_unload(entry.entry_id)
    finally:
        logging.getLogger(PACKAGE_LOGGER).removeHandler(lines)
    assert not wrong, "\n".join(wrong)
    assert tried >= len(ALL_BACKENDS) * len(GENERIC) + 6, "credentials and bans were tried too"
