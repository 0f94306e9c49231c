"""One measured poll, and summaries of many.

A :class:`Sample` holds what one poll cost: wall time (``perf_counter``), client CPU (the
benchmark process's CPU clock for in-process subjects, the exporter process's for exporters),
qBittorrent's CPU (its process CPU clock), and what crossed the relay: requests, logins,
bytes each way (headers included), body bytes as sent and decoded.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from . import procs
from .relay import Counters
from .subjects import Subject

type CountersFn = Callable[[], Counters]


@dataclass(slots=True)
class Sample:
    """The cost of one poll."""

    ok: bool
    wall: float
    cpu: float
    backend_cpu: float | None
    requests: int
    logins: int
    up_bytes: int
    down_bytes: int
    body_wire_bytes: int
    body_bytes: int
    paths: dict[str, int] = field(default_factory=dict)
    max_stall: float | None = None
    """Longest event-loop delay during the poll (in-process subjects, when watched)."""
    max_busy: float | None = None
    """Most loop-thread CPU between two wake-ups of the watcher (code blocking the loop)."""


class LoopStallMonitor:
    """Watches the event loop with a 1 ms sleeper.

    ``max_stall`` is the longest wall-clock delay of the sleeper (the loop could not run it:
    blocked by code, or the process was not scheduled on a loaded machine); ``max_busy`` is the
    most CPU the loop thread burned between two wake-ups, which only code running in the loop
    (blocking it) can do, whatever the machine's load.
    """

    def __init__(self, interval: float = 0.001) -> None:
        self.interval = interval
        self.max_stall = 0.0
        self.max_busy = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            before, cpu = loop.time(), time.thread_time()
            await asyncio.sleep(self.interval)
            self.max_stall = max(self.max_stall, loop.time() - before - self.interval)
            self.max_busy = max(self.max_busy, time.thread_time() - cpu)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Let the watcher see the last stretch (a block right before the end), then stop."""
        await asyncio.sleep(self.interval * 2)
        if self._task is not None:
            self._task.cancel()

    async def __aenter__(self) -> LoopStallMonitor:
        self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.stop()


async def measure(
    subject: Subject,
    counters: CountersFn | None,
    backend_pid: int | None,
    *,
    watch_loop: bool = False,
) -> Sample:
    """Poll once and return what it cost."""
    before = counters() if counters else Counters()
    await asyncio.sleep(0)
    pid = subject.pid
    backend0 = procs.cpu_seconds(backend_pid) if backend_pid else 0.0
    cpu0 = procs.cpu_seconds(pid) if pid else time.process_time()
    monitor = LoopStallMonitor() if watch_loop else None
    if monitor:
        monitor.start()
    t0 = time.perf_counter()
    try:
        ok = await subject.poll()
    except Exception:  # a failed poll is a result too (e.g. right after a restart)
        ok = False
    wall = time.perf_counter() - t0
    cpu = (procs.cpu_seconds(pid) if pid else time.process_time()) - cpu0
    backend_cpu = procs.cpu_seconds(backend_pid) - backend0 if backend_pid else None
    if monitor:
        await monitor.stop()
    after = counters() if counters else Counters()
    paths = {
        path: n - before.by_path.get(path, 0)
        for path, n in after.by_path.items()
        if n != before.by_path.get(path, 0)
    }
    return Sample(
        ok=ok,
        wall=wall,
        cpu=cpu,
        backend_cpu=backend_cpu,
        requests=after.requests - before.requests,
        logins=after.logins - before.logins,
        up_bytes=after.up_bytes - before.up_bytes,
        down_bytes=after.down_bytes - before.down_bytes,
        body_wire_bytes=after.body_wire_bytes - before.body_wire_bytes,
        body_bytes=after.body_bytes - before.body_bytes,
        paths=paths,
        max_stall=monitor.max_stall if monitor else None,
        max_busy=monitor.max_busy if monitor else None,
    )


@dataclass(frozen=True, slots=True)
class Summary:
    """Median and range of one metric over repeated runs."""

    median: float
    low: float
    high: float
    n: int

    @classmethod
    def of(cls, values: Iterable[float]) -> Summary:
        data = sorted(values)
        if not data:
            return cls(float("nan"), float("nan"), float("nan"), 0)
        return cls(statistics.median(data), data[0], data[-1], len(data))


METRICS: dict[str, Callable[[Sample], float | None]] = {
    "wall": lambda s: s.wall,
    "cpu": lambda s: s.cpu,
    "backend_cpu": lambda s: s.backend_cpu,
    "requests": lambda s: s.requests,
    "logins": lambda s: s.logins,
    "up_bytes": lambda s: s.up_bytes,
    "down_bytes": lambda s: s.down_bytes,
    "body_wire_bytes": lambda s: s.body_wire_bytes,
    "body_bytes": lambda s: s.body_bytes,
    "max_stall": lambda s: s.max_stall,
    "max_busy": lambda s: s.max_busy,
}


def summarize(samples: list[Sample]) -> dict[str, Summary]:
    """Median [min-max] of every metric that was measured."""
    out: dict[str, Summary] = {}
    for name, get in METRICS.items():
        values = [v for s in samples if (v := get(s)) is not None]
        if values:
            out[name] = Summary.of(values)
    return out
