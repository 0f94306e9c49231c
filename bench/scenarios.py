"""The qBittorrent scenarios: steady state, 1% changing, restart, sessions.

Every scenario polls all subjects round-robin (the order rotates each round), so load from
other processes on the machine falls on ours and the peers alike.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from . import procs
from .measure import Sample, measure
from .relay import Counters
from .subjects import Subject

if TYPE_CHECKING:
    from .qbt import QbtBackend

SESSION_POLLS = 16
"""Polls per subject in the sessions scenario: more than qBittorrent 5.3's 15 sessions."""
WARMUP = 2

type Log = Callable[[str], None]


class Backend(Protocol):
    """What a scenario needs of a backend (:class:`bench.qbt.QbtBackend`,
    :class:`bench.transmission.TrBackend`)."""

    size: int

    @property
    def pid(self) -> int: ...

    def counters(self) -> Counters: ...

    def change_one_percent(self) -> int: ...

    def restart(self) -> float: ...


def backend_kind(backend: Backend) -> str:
    """``qbittorrent`` or ``transmission``."""
    return str(getattr(backend, "kind", "qbittorrent"))


@dataclass(slots=True)
class Row:
    """All samples of one subject in one scenario at one size."""

    scenario: str
    size: int
    subject: str
    role: str
    ours: bool
    samples: list[Sample] = field(default_factory=list)
    memory: dict[str, int] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    backend: str = "qbittorrent"
    """The backend polled: ``qbittorrent`` or ``transmission``."""


def _rotate(items: Sequence[Subject], shift: int) -> list[Subject]:
    shift %= len(items)
    return list(items[shift:]) + list(items[:shift])


def _rows(scenario: str, backend: Backend, subjects: Sequence[Subject]) -> dict[str, Row]:
    return {
        s.name: Row(
            scenario=scenario,
            size=backend.size,
            subject=s.name,
            role=s.role,
            ours=s.ours,
            backend=backend_kind(backend),
        )
        for s in subjects
    }


def _process_memory(rows: dict[str, Row], subjects: Sequence[Subject]) -> None:
    """Record the RSS (now and peak so far) of the subjects that are processes.

    Read after every scenario, so the peak of a full re-sync (restart) counts too.
    """
    for subject in subjects:
        if subject.pid is not None:
            rows[subject.name].memory = procs.memory_kib(subject.pid)


async def _warm(subjects: Sequence[Subject], polls: int = WARMUP) -> None:
    for _ in range(polls):
        for subject in subjects:
            await subject.poll()


async def steady(backend: Backend, subjects: Sequence[Subject], runs: int, log: Log) -> list[Row]:
    """Nothing changes between polls."""
    rows = _rows("steady", backend, subjects)
    await _warm(subjects)
    for i in range(runs):
        for subject in _rotate(subjects, i):
            rows[subject.name].samples.append(await measure(subject, backend.counters, backend.pid))
        log(f"  steady round {i + 1}/{runs}")
    for subject in subjects:
        rows[subject.name].memory = await subject.memory()
    return list(rows.values())


async def one_percent(
    backend: Backend, subjects: Sequence[Subject], runs: int, log: Log
) -> list[Row]:
    """Before each round 1% of the torrents (a new slice each time) change category."""
    rows = _rows("change_1pct", backend, subjects)
    await _warm(subjects, 1)
    changed = 0
    for i in range(runs):
        changed = await asyncio.to_thread(backend.change_one_percent)
        await asyncio.sleep(0.05)
        for subject in _rotate(subjects, i):
            rows[subject.name].samples.append(await measure(subject, backend.counters, backend.pid))
        log(f"  1% round {i + 1}/{runs} ({changed} torrents changed)")
    for row in rows.values():
        row.extra["changed_per_round"] = changed
    _process_memory(rows, subjects)
    return list(rows.values())


async def restart(backend: Backend, subjects: Sequence[Subject], runs: int, log: Log) -> list[Row]:
    """qBittorrent restarts (every session lost); measure the polls until data flows again.

    The sample of a run is the sum over the polls it took to get data (``polls`` says how
    many); the event loop is watched for stalls, since a full re-sync happens here.
    """
    rows = _rows("restart", backend, subjects)
    await _warm(subjects, 1)
    for i in range(runs):
        took = await asyncio.to_thread(backend.restart)
        await asyncio.sleep(1.0)
        for subject in _rotate(subjects, i):
            polls: list[Sample] = []
            for _ in range(3):
                polls.append(await measure(subject, backend.counters, backend.pid, watch_loop=True))
                if polls[-1].ok:
                    break
            row = rows[subject.name]
            row.samples.append(_combine(polls))
            row.extra.setdefault("polls", []).append(len(polls))
        log(f"  restart {i + 1}/{runs} (the backend is back with every torrent in {took:.1f} s)")
    _process_memory(rows, subjects)
    return list(rows.values())


def _combine(polls: list[Sample]) -> Sample:
    stalls = [p.max_stall for p in polls if p.max_stall is not None]
    busy = [p.max_busy for p in polls if p.max_busy is not None]
    paths: dict[str, int] = {}
    for p in polls:
        for path, n in p.paths.items():
            paths[path] = paths.get(path, 0) + n
    backend = [p.backend_cpu for p in polls if p.backend_cpu is not None]
    return Sample(
        ok=polls[-1].ok,
        wall=sum(p.wall for p in polls),
        cpu=sum(p.cpu for p in polls),
        backend_cpu=sum(backend) if backend else None,
        requests=sum(p.requests for p in polls),
        logins=sum(p.logins for p in polls),
        up_bytes=sum(p.up_bytes for p in polls),
        down_bytes=sum(p.down_bytes for p in polls),
        body_wire_bytes=sum(p.body_wire_bytes for p in polls),
        body_bytes=sum(p.body_bytes for p in polls),
        paths=paths,
        max_stall=max(stalls) if stalls else None,
        max_busy=max(busy) if busy else None,
    )


async def sessions(
    backend: QbtBackend, subjects: Sequence[Subject], log: Log, polls: int = SESSION_POLLS
) -> list[Row]:
    """Does a subject open sessions? An idle control session must survive its polls.

    qBittorrent 5.3 keeps 15 sessions and evicts the least recently used, so a subject that
    logs in per poll evicts the idle control session within 15 polls. qBittorrent restarts
    first, so the session table starts empty and its RSS before and after each subject's polls
    shows what the sessions cost inside it.
    """
    rows = _rows("sessions", backend, subjects)
    await asyncio.to_thread(backend.restart)  # start from an empty session table
    await asyncio.sleep(1.0)
    for subject in subjects:
        await subject.poll()
        cookie = await asyncio.to_thread(backend.control_session)
        rss_before = backend.memory_kib()["VmRSS"]
        row = rows[subject.name]
        started = time.perf_counter()
        for _ in range(polls):
            row.samples.append(await measure(subject, backend.counters, backend.pid))
        alive = await asyncio.to_thread(backend.session_alive, cookie)
        row.extra.update(
            polls=polls,
            logins=sum(s.logins for s in row.samples),
            control_session_survived=alive,
            qbt_rss_growth_kib=backend.memory_kib()["VmRSS"] - rss_before,
            seconds=time.perf_counter() - started,
        )
        log(
            f"  sessions: {subject.name}: {row.extra['logins']} logins in {polls} polls, "
            f"control session {'kept' if alive else 'EVICTED'}"
        )
    _process_memory(rows, subjects)
    return list(rows.values())
