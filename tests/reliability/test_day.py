"""A simulated day of scrapes (2,880 at 30 s, time compressed) while backends flap.

A seeded schedule puts random backends into random faults for a few polls at a time:
outages, slow answers, errors, garbage, expired sessions, revoked passwords and bans. The
exporter must answer every scrape, bring every backend back once its fault is gone, never
make qBittorrent ban it, and hold no more memory, tasks or sockets at the end of the day
than in its first half.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from pathlib import Path

import pytest
from stepheybot_music_clients import login_policy

from simulator import Fault, Simulator
from tests.exporter.conftest import Scrape, exporter_config, running_exporter

from .resources import Usage, growth, usage
from .stackhelpers import client_stats, matrix_specs, qbittorrent_facade

POLLS = 2_880
INTERVAL = 30.0
"""Simulated seconds between two scrapes."""
CHECKPOINT = 240
"""Polls between two resource readings (two simulated hours)."""
EPISODE_CHANCE = 0.03
"""Chance per poll that a new fault starts somewhere."""
SETTLE = 2
"""Polls after a fault ends by which its backend must be up again."""
HEADERS = {"X-Prometheus-Scrape-Timeout-Seconds": "1"}
SLOW_DELAY = 1.5
MiB = 1024 * 1024

FAULTS = {
    Fault.DOWN: (1, 20),
    Fault.SLOW: (1, 2),
    Fault.HTTP_500: (1, 10),
    Fault.MALFORMED_JSON: (1, 5),
    Fault.TRUNCATED_JSON: (1, 5),
    Fault.SESSION_EXPIRED: (1, 1),
    Fault.AUTH_REVOKED: (1, 2),
    Fault.BANNED: (1, 5),
}
"""Each fault and how many polls an episode of it lasts (shortest, longest).

A revoked password lasts at most two polls, fewer than ``--max-login-failures`` (3): the
exporter then recovers by itself. (After three it waits for a restart, by design.)
"""
CREDENTIAL_FAULTS = (Fault.AUTH_REVOKED, Fault.BANNED, Fault.SESSION_EXPIRED)


@pytest.fixture(autouse=True)
async def enable_event_loop_debug() -> None:
    """Measure the exporter as it runs in production: asyncio's debug mode off.

    (Home Assistant's test plugin turns it on for every test; it keeps a traceback per
    coroutine and would make this test measure the debugger.)
    """
    asyncio.get_running_loop().set_debug(False)


@dataclass(slots=True)
class Episode:
    """One backend in one fault from poll ``start`` until before poll ``end``."""

    backend: str
    fault: Fault
    start: int
    end: int


def schedule(seed: int, backends: list[str]) -> list[Episode]:
    """Random, non-overlapping fault episodes per backend over the day."""
    rng = random.Random(seed)
    free_from = dict.fromkeys(backends, 0)
    episodes: list[Episode] = []
    for poll in range(1, POLLS - 10):
        if rng.random() >= EPISODE_CHANCE:
            continue
        backend = rng.choice(backends)
        if free_from[backend] > poll:
            continue
        fault = rng.choice(list(FAULTS))
        shortest, longest = FAULTS[fault]
        end = poll + rng.randint(shortest, longest)
        episodes.append(Episode(backend, fault, poll, end))
        free_from[backend] = end + SETTLE + 1
    return episodes


def reasons(scrape: Scrape) -> dict[str, str]:
    """Backend -> failure reason."""
    return {
        dict(labels)["backend"]: dict(labels)["reason"]
        for labels in scrape.series("stepheybot_music_backend_failure")
    }


async def inject(sim: Simulator, episode: Episode) -> None:
    """Start an episode; credential faults also end the sessions, so they bite at once."""
    await sim.set_fault(episode.backend, episode.fault)
    if episode.fault in (Fault.AUTH_REVOKED, Fault.BANNED):
        await sim.set_fault(episode.backend, Fault.SESSION_EXPIRED)


async def test_a_day_of_flapping_backends(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a ban here lasts a moment, so a banned backend is back within SETTLE polls
    monkeypatch.setattr(login_policy, "DEFAULT_BAN_SECONDS", 0.001)  # one ban length for all
    async with Simulator(seed=11, specs=matrix_specs(), slow_delay=SLOW_DELAY) as sim:
        sim.write_stack_file(tmp_path / "stack.yaml")
        config = exporter_config(tmp_path / "stack.yaml", "--login-backoff", "0")
        names = [b.name for b in config.default_stack.backends]
        episodes = schedule(2024, names)
        assert {e.fault for e in episodes} == set(FAULTS), "the day has every kind of fault"
        starts = {e.start: e for e in episodes}
        ends: dict[int, list[Episode]] = {}
        for episode in episodes:
            ends.setdefault(episode.end, []).append(episode)
        qbittorrent = qbittorrent_facade(sim)
        readings: list[Usage] = []
        last_fault: dict[str, int] = {}
        faulted: dict[str, Episode] = {}

        async with running_exporter(config) as exporter:
            for poll in range(POLLS):
                for episode in ends.get(poll, []):
                    await sim.clear_fault(episode.backend)
                    faulted.pop(episode.backend, None)
                    last_fault[episode.backend] = poll
                if (started := starts.get(poll)) is not None:
                    await inject(sim, started)
                    faulted[started.backend] = started
                await sim.advance(INTERVAL, step=5.0)

                scrape = await exporter.scrape(headers=HEADERS)

                assert scrape.status == 200, poll
                failed = reasons(scrape)
                assert "internal" not in failed.values(), (poll, failed)
                for name in names:
                    settled = poll - last_fault.get(name, -SETTLE) >= SETTLE
                    if name not in faulted and settled:
                        assert scrape.up(name) == 1, (poll, name, failed)
                assert not qbittorrent.banned_until, f"qBittorrent banned the exporter ({poll})"
                assert max(qbittorrent.failures.values(), default=0) < qbittorrent.max_fail_count
                if poll % CHECKPOINT == CHECKPOINT - 1:
                    readings.append(usage())

            qb_logins = client_stats(exporter.exporter, "qbittorrent").by_path
            stack = exporter.exporter.stacks[config.default_stack.name]
            assert stack.collections == POLLS

    credential_episodes = sum(
        1 for e in episodes if e.backend == "qbittorrent" and e.fault in CREDENTIAL_FAULTS
    )
    # one login to start, then at most one per poll of each credential episode and its recovery
    longest = max(FAULTS[f][1] for f in CREDENTIAL_FAULTS)
    assert qb_logins.get("/api/v2/auth/login", 0) <= 1 + credential_episodes * (longest + 1)
    grew = growth(readings)
    report = "\n".join(str(r) for r in readings)
    assert grew.objects <= 500, report
    assert grew.rss <= 8 * MiB, report
    assert grew.tasks <= 0, report
    assert grew.fds <= 0, report
