"""What a long-running process holds: memory, live objects, asyncio tasks and open files."""

from __future__ import annotations

import asyncio
import gc
import os
import resource
from dataclasses import dataclass
from pathlib import Path

_PAGE = resource.getpagesize()


@dataclass(frozen=True, slots=True)
class Usage:
    """One reading of the process's resources."""

    rss: int
    """Resident memory, bytes."""
    objects: int
    """Objects the garbage collector tracks after a full collection (not frozen ones)."""
    tasks: int
    """asyncio tasks not done."""
    fds: int
    """Open file descriptors (sockets included)."""


def usage() -> Usage:
    """Read the resources now (runs a full garbage collection first)."""
    gc.collect()
    statm = Path("/proc/self/statm").read_text(encoding="ascii").split()
    return Usage(
        rss=int(statm[1]) * _PAGE,
        objects=len(gc.get_objects()),
        tasks=len([t for t in asyncio.all_tasks() if not t.done()]),
        fds=len(os.listdir("/proc/self/fd")),
    )


def growth(readings: list[Usage]) -> Usage:
    """How much the second half of the readings grew beyond the first half.

    Memory and objects: the second half's peak over the first half's peak. Tasks and open
    files count things that come and go (a request still in flight), so a leak shows as the
    second half's *lowest* reading above the first half's peak.
    """
    half = len(readings) // 2
    first, second = readings[:half], readings[half:]
    return Usage(
        rss=max(u.rss for u in second) - max(u.rss for u in first),
        objects=max(u.objects for u in second) - max(u.objects for u in first),
        tasks=min(u.tasks for u in second) - max(u.tasks for u in first),
        fds=min(u.fds for u in second) - max(u.fds for u in first),
    )
