"""Where our steady-state poll spends its CPU: cProfile of our HA poll and exporter collection.

Run after the measured scenarios at the largest N (never inside a timed poll), so
``RESULTS.md`` says which function in which module costs what whenever a target is missed.
The exporter's collection is profiled in-process (the same ``StackCollector`` and renderer
its ``/metrics`` handler runs), since the measured exporter is another process.
"""

from __future__ import annotations

import cProfile
import pstats
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from . import procs

PROFILE_POLLS = 20
TOP = 8


@dataclass(frozen=True, slots=True)
class Hotspot:
    """One function's share of the profiled time."""

    where: str
    """``path:line(function)``, relative to the repository or site-packages."""
    calls: int
    own_ms_per_poll: float
    cumulative_ms_per_poll: float
    own_share: float
    """Fraction of the profiled time spent in the function itself."""


@dataclass(frozen=True, slots=True)
class Profile:
    """The hot spots of one subject's poll."""

    subject: str
    size: int
    polls: int
    total_ms_per_poll: float
    hotspots: tuple[Hotspot, ...]


def _short(filename: str) -> str:
    root = str(procs.ROOT) + "/"
    if filename.startswith(root):
        return filename[len(root) :]
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1]
    return filename.rsplit("/lib/", 1)[-1]


async def profile(
    subject: str, size: int, poll: Callable[[], Awaitable[Any]], polls: int = PROFILE_POLLS
) -> Profile:
    """Profile ``polls`` calls of ``poll`` (after one warm-up call)."""
    await poll()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(polls):
        await poll()
    profiler.disable()
    stats = pstats.Stats(profiler)
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    total = sum(own for (_, _, own, _, _) in raw.values())
    rows = sorted(raw.items(), key=lambda item: item[1][2], reverse=True)[:TOP]
    hotspots = tuple(
        Hotspot(
            where=f"{_short(file)}:{line}({name})",
            calls=calls,
            own_ms_per_poll=own / polls * 1000,
            cumulative_ms_per_poll=cumulative / polls * 1000,
            own_share=own / total if total else 0.0,
        )
        for (file, line, name), (_, calls, own, cumulative, _) in rows
    )
    return Profile(subject, size, polls, total / polls * 1000, hotspots)


async def exporter_collection(
    url: str, username: str, password: str
) -> tuple[Callable[[], Awaitable[Any]], Callable[[], Awaitable[None]]]:
    """A callable doing what one ``/metrics`` scrape of our exporter does, and a closer."""
    from stepheybot_music_clients.models import BackendKind  # type: ignore[import-untyped]
    from stepheybot_music_clients.stackfile import BackendConfig, StackConfig  # type: ignore[import-untyped]
    from stepheybot_music_exporter.config import CollectorOptions  # type: ignore[import-untyped]
    from stepheybot_music_exporter.server import render  # type: ignore[import-untyped]
    from stepheybot_music_exporter.stack import StackCollector  # type: ignore[import-untyped]

    backend = BackendConfig(
        name="qbittorrent",
        kind=BackendKind.QBITTORRENT,
        url=url,
        username=username,
        password=password,
        timeout=120.0,
    )
    stack = StackCollector(StackConfig(name="bench", backends=(backend,)), CollectorOptions())

    async def scrape() -> bytes:
        snapshot = await stack.collect(30.0)
        body: bytes = render(snapshot.samples, "application/openmetrics-text;version=1.0.0")[0]
        return body

    return scrape, stack.close


def markdown(profiles: list[Profile]) -> list[str]:
    """The hot spots as Markdown tables."""
    out: list[str] = []
    for p in profiles:
        out += [
            f"**{p.subject}**, N={p.size:,}, steady state, {p.polls} polls under cProfile "
            f"({p.total_ms_per_poll:.2f} ms of profiled CPU per poll; cProfile inflates it):",
            "",
            "| function | calls per poll | own ms per poll | share | cumulative ms per poll |",
            "|---|---|---|---|---|",
        ]
        out += [
            f"| `{h.where}` | {h.calls / p.polls:g} | {h.own_ms_per_poll:.2f} | "
            f"{h.own_share:.0%} | {h.cumulative_ms_per_poll:.2f} |"
            for h in p.hotspots
        ]
        out.append("")
    return out
