"""A simulated day of Home Assistant polling (time compressed, frozen clock) while backends flap.

A seeded schedule puts random backends into random faults for a few polls at a time:
outages, errors, garbage, expired sessions, revoked passwords and bans (``slow`` is left to
the fault matrix: a frozen clock cannot time a request out). Home Assistant polls every
backend at a 60 s fast interval and a 10 min slow one, for 24 simulated hours, with the
production ban lengths. After a revoked password the "user" completes the reauthentication
with the (restored) credentials. Every backend must be back once its fault is over (a ban:
once it should have expired), qBittorrent must never ban Home Assistant, and the process must
hold no more memory, objects, tasks or sockets at the end of the day than in its first half.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from datetime import timedelta

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import CONF_API_KEY, CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    async_fire_time_changed,
)
from stepheybot_music_clients.login_policy import DEFAULT_BAN_SECONDS

from custom_components.stepheybot_music.const import CONF_FAST_INTERVAL, CONF_SLOW_INTERVAL
from simulator import Fault, Simulator
from tests.integration.conftest import (
    ALL_BACKENDS,
    FROZEN_NOW,
    backend_data,
    simulator_specs,
    stack_entry,
    subentry_id,
)

from .ha_stack import qbittorrent_facade
from .resources import Usage, growth, usage

pytestmark = pytest.mark.usefixtures("enable_custom_integrations")

INTERVAL = 60
"""The fast poll interval, in seconds (the slow one is 10 minutes)."""
POLLS = 24 * 3600 // INTERVAL
CHECKPOINT = 120
"""Polls between two resource readings (two simulated hours)."""
EPISODE_CHANCE = 0.03
SETTLE = 11
"""Polls after a fault ends by which every coordinator polled again (slow: 10 min)."""
BAN_SETTLE = int(DEFAULT_BAN_SECONDS // INTERVAL) + SETTLE
"""Polls after a ban ends by which the backend is back (the ban is waited out first)."""
MiB = 1024 * 1024
FAULTS = {
    Fault.DOWN: (1, 20),
    Fault.HTTP_500: (1, 10),
    Fault.MALFORMED_JSON: (1, 5),
    Fault.TRUNCATED_JSON: (1, 5),
    Fault.SESSION_EXPIRED: (1, 1),
    Fault.AUTH_REVOKED: (1, 3),
    Fault.BANNED: (1, 5),
}
"""Each fault and how many polls an episode of it lasts (shortest, longest)."""


@pytest.fixture(autouse=True)
async def enable_event_loop_debug() -> None:
    """Measure as in production: asyncio's debug mode off (the HA plugin turns it on)."""
    asyncio.get_running_loop().set_debug(False)


@dataclass(slots=True)
class Episode:
    """One backend in one fault from poll ``start`` until before poll ``end``."""

    backend: str
    fault: Fault
    start: int
    end: int

    @property
    def settle(self) -> int:
        """Polls after the end by which the backend must be back."""
        return BAN_SETTLE if self.fault is Fault.BANNED else SETTLE


def schedule(seed: int, backends: list[str]) -> list[Episode]:
    """Random, non-overlapping fault episodes per backend over the day."""
    rng = random.Random(seed)
    free_from = dict.fromkeys(backends, 0)
    episodes: list[Episode] = []
    for poll in range(1, POLLS - BAN_SETTLE - 2):
        if rng.random() >= EPISODE_CHANCE:
            continue
        backend = rng.choice(backends)
        if free_from[backend] > poll:
            continue
        fault = rng.choice(list(FAULTS))
        shortest, longest = FAULTS[fault]
        episode = Episode(backend, fault, poll, poll + rng.randint(shortest, longest))
        episodes.append(episode)
        free_from[backend] = episode.end + episode.settle + 1
    return episodes


def forget_captured_logs() -> None:
    """Drop the log records pytest keeps for its report: the harness's memory, not ours."""
    for handler in logging.getLogger().handlers:
        records = getattr(handler, "records", None)
        if isinstance(records, list):
            records.clear()


async def test_a_day_of_flapping_backends(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(FROZEN_NOW)
    options = {CONF_FAST_INTERVAL: INTERVAL, CONF_SLOW_INTERVAL: 10}
    async with Simulator(seed=11, specs=simulator_specs(), speed=0, tick_interval=3600) as sim:
        entry = stack_entry(sim, ALL_BACKENDS, options)
        entry.add_to_hass(hass)
        await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done(wait_background_tasks=True)
        episodes = schedule(2024, list(ALL_BACKENDS))
        assert {e.fault for e in episodes} == set(FAULTS), "the day has every kind of fault"
        starts = {e.start: e for e in episodes}
        ends: dict[int, list[Episode]] = {}
        for episode in episodes:
            ends.setdefault(episode.end, []).append(episode)
        qbittorrent = qbittorrent_facade(sim)
        readings: list[Usage] = []
        back_by: dict[str, int] = {}
        faulted: dict[str, Episode] = {}
        failed_polls = dict.fromkeys(FAULTS, 0)
        gluetun_requests = 0

        for poll in range(POLLS):
            for episode in ends.get(poll, []):
                await sim.clear_fault(episode.backend)
                faulted.pop(episode.backend, None)
                back_by[episode.backend] = poll + episode.settle
                await _reauthenticate(hass, sim, entry, episode.backend)
            if (started := starts.get(poll)) is not None:
                await sim.set_fault(started.backend, started.fault)
                if started.fault in (Fault.AUTH_REVOKED, Fault.BANNED):
                    await sim.set_fault(started.backend, Fault.SESSION_EXPIRED)
                faulted[started.backend] = started
            await sim.advance(INTERVAL, step=INTERVAL)
            freezer.tick(timedelta(seconds=INTERVAL))
            async_fire_time_changed(hass)
            await hass.async_block_till_done(wait_background_tasks=True)

            gluetun = entry.runtime_data.backends[subentry_id("gluetun")].fast[0]
            gluetun_requests += gluetun.client.stats.requests  # type: ignore[attr-defined]
            gluetun.client.stats.reset()  # type: ignore[attr-defined]
            for name, episode in faulted.items():
                backend = entry.runtime_data.backends[subentry_id(name)]
                if not all(c.last_update_success for c in backend.coordinators):
                    failed_polls[episode.fault] += 1
            for name in ALL_BACKENDS:
                if name not in faulted and poll >= back_by.get(name, 0):
                    backend = entry.runtime_data.backends[subentry_id(name)]
                    failing = [c.name for c in backend.coordinators if not c.last_update_success]
                    assert not failing, (poll, name, failing)
            assert not qbittorrent.banned_until, f"qBittorrent banned Home Assistant ({poll})"
            assert max(qbittorrent.failures.values(), default=0) < qbittorrent.max_fail_count
            if poll % CHECKPOINT == CHECKPOINT - 1:
                forget_captured_logs()
                readings.append(usage())
        assert await hass.config_entries.async_unload(entry.entry_id)

    # every poll really polled, and every fault but a lost session was felt
    assert gluetun_requests >= POLLS, gluetun_requests
    assert all(failed_polls[f] for f in FAULTS if f is not Fault.SESSION_EXPIRED), failed_polls
    assert not failed_polls[Fault.SESSION_EXPIRED], failed_polls
    grew = growth(readings)
    report = "\n".join(str(r) for r in readings)
    assert grew.objects <= 500, report
    assert grew.rss <= 8 * MiB, report
    assert grew.tasks <= 0, report
    assert grew.fds <= 0, report


async def _reauthenticate(hass: HomeAssistant, sim: Simulator, entry: object, name: str) -> None:
    """What the user does after a revoked password: the reauth form, the same credentials."""
    flows = [
        f
        for f in hass.config_entries.flow.async_progress_by_handler("stepheybot_music")
        if f["context"].get("source") == "reauth"
    ]
    if not flows:
        return
    data = backend_data(sim, name)
    credentials = {
        k: v for k, v in data.items() if k in (CONF_USERNAME, CONF_PASSWORD, CONF_API_KEY)
    }
    result = await hass.config_entries.flow.async_configure(flows[0]["flow_id"], credentials)
    assert result.get("reason") == "reauth_successful", result
    await hass.async_block_till_done(wait_background_tasks=True)
