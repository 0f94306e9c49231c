"""Render the results as Markdown (``bench/RESULTS.md``) and as JSON."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from . import procs
from .measure import Summary, summarize
from .memory import HeldMemory
from .profiles import Profile
from .profiles import markdown as profile_markdown
from .scenarios import Row

NONE = "\u2013"
"""An en dash: the cell of something not measured."""

SCENARIO_TITLES = {
    "steady": "Steady state: nothing changed since the last poll",
    "change_1pct": "1% of the torrents changed since the last poll",
    "restart": "Session lost: qBittorrent restarted; cost until data flows again",
    "sessions": "Sessions: 16 polls each while an idle control session is watched",
}
TRANSMISSION_TITLES = {
    "steady": "Steady state: nothing changed since the last poll",
    "change_1pct": "1% of the torrents relabelled before each round",
    "restart": (
        "transmission-daemon restarted (new session id, torrents renumbered): "
        "a full re-list; cost until data flows again"
    ),
}


@dataclass(slots=True)
class Target:
    """One target of issue 9 and whether the measurement meets it."""

    what: str
    limit: str
    measured: str
    met: bool | None
    """None: not measured in this run."""
    note: str = ""


@dataclass(slots=True)
class Report:
    """Everything one run produced."""

    command: str
    started: str
    duration_s: float
    machine: dict[str, str]
    versions: dict[str, str]
    rows: list[Row] = field(default_factory=list)
    sim_rows: list[dict[str, Any]] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    targets22: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    profiles: list[Profile] = field(default_factory=list)
    machine_load_start: str = "0"
    """5-minute load average when the run started."""
    held: list[HeldMemory] = field(default_factory=list)
    """What each Home Assistant subject holds after set-up, per backend and size."""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Report:
        """Rebuild a report from :meth:`to_json` output (targets are evaluated again)."""
        from .measure import Sample
        from .profiles import Hotspot

        def summaries(row: dict[str, Any]) -> dict[str, Any]:
            return {
                k: Summary(**v)
                if isinstance(v, dict) and set(v) == {"median", "low", "high", "n"}
                else v
                for k, v in row.items()
            }

        return cls(
            command=data["command"],
            started=data["started"],
            duration_s=data["duration_s"],
            machine=data["machine"],
            versions=data["versions"],
            rows=[
                Row(**{**r, "samples": [Sample(**s) for s in r["samples"]]}) for r in data["rows"]
            ],
            sim_rows=[summaries(r) for r in data["sim_rows"]],
            notes=data["notes"],
            profiles=[
                Profile(**{**p, "hotspots": tuple(Hotspot(**h) for h in p["hotspots"])})
                for p in data.get("profiles", [])
            ],
            machine_load_start=data.get("machine_load_start", "0"),
            held=[HeldMemory(**h) for h in data.get("held", [])],
        )


def ms(value: float) -> str:
    if math.isnan(value):
        return NONE
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def size(value: float) -> str:
    """Bytes as B / KB / MB (decimal)."""
    if math.isnan(value):
        return NONE
    if value >= 1e6:
        return f"{value / 1e6:.2f} MB"
    if value >= 1e4:
        return f"{value / 1e3:.1f} KB"
    return f"{value:.0f} B"


def count(value: float) -> str:
    return NONE if math.isnan(value) else f"{value:g}"


def cell(s: Summary | None, fmt: Any, scale: float = 1.0) -> str:
    if s is None or s.n == 0:
        return NONE
    med, low, high = fmt(s.median * scale), fmt(s.low * scale), fmt(s.high * scale)
    return med if low == high else f"{med} [{low}\u2013{high}]"


def ratio(peer: Summary | None, ours: Summary | None) -> str:
    if peer is None or ours is None or peer.n == 0 or ours.n == 0:
        return NONE
    if ours.median <= 0:
        return "∞" if peer.median > 0 else "1x"
    value = peer.median / ours.median
    return f"{value:,.0f}x" if value >= 10 else f"{value:.1f}x"


COLUMNS: list[tuple[str, str, Any, float]] = [
    ("wall ms", "wall", ms, 1000.0),
    ("client CPU ms", "cpu", ms, 1000.0),
    ("backend CPU ms", "backend_cpu", ms, 1000.0),
    ("requests", "requests", count, 1.0),
    ("logins", "logins", count, 1.0),
    ("bytes on the wire (in)", "down_bytes", size, 1.0),
    ("body bytes (decoded)", "body_bytes", size, 1.0),
]


def _memory(row: Row) -> str:
    mem = row.memory
    if "VmRSS" in mem:
        return f"RSS {mem['VmRSS'] / 1024:.1f} MiB (peak {mem['VmHWM'] / 1024:.1f})"
    if "poll_peak" in mem:
        return f"{mem['poll_peak'] / 1024:.2f} MiB allocated at peak in one poll"
    return NONE


def _pairs(rows: Sequence[Row]) -> dict[str, Row]:
    """For each peer, the row of ours it is compared with (same role)."""
    ours = {r.role: r for r in rows if r.ours and r.role != "client"}
    return {r.subject: ours[r.role] for r in rows if not r.ours and r.role in ours}


def scenario_table(rows: Sequence[Row]) -> list[str]:
    stats = {r.subject: summarize(r.samples) for r in rows}
    head = ["subject", *[c[0] for c in COLUMNS], "memory"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        st = stats[row.subject]
        cells = [cell(st.get(key), fmt, scale) for _, key, fmt, scale in COLUMNS]
        name = f"**{row.subject}**" if row.ours else row.subject
        failed = sum(1 for s in row.samples if not s.ok)
        if failed:
            name += f" ({failed}/{len(row.samples)} polls failed)"
        lines.append("| " + " | ".join([name, *cells, _memory(row)]) + " |")
    pairs = _pairs(rows)
    if pairs:
        lines += ["", "Ratios, peer ÷ ours (medians):", ""]
        lines += ["| peer | vs | wall | client CPU | backend CPU | requests | bytes in |"]
        lines += ["|---|---|---|---|---|---|---|"]
        for peer, mine in pairs.items():
            p, o = stats[peer], stats[mine.subject]
            lines.append(
                f"| {peer} | {mine.subject} | {ratio(p.get('wall'), o.get('wall'))} | "
                f"{ratio(p.get('cpu'), o.get('cpu'))} | "
                f"{ratio(p.get('backend_cpu'), o.get('backend_cpu'))} | "
                f"{ratio(p.get('requests'), o.get('requests'))} | "
                f"{ratio(p.get('down_bytes'), o.get('down_bytes'))} |"
            )
    return lines


def endpoints(rows: Sequence[Row]) -> list[str]:
    """What one steady-state poll of each subject asks for (from the relay)."""
    lines = ["Requests of one poll, by endpoint:", ""]
    for row in rows:
        if not row.samples:
            continue
        paths = row.samples[-1].paths
        text = ", ".join(f"`{path}` x{n}" if n > 1 else f"`{path}`" for path, n in paths.items())
        lines.append(f"- {row.subject}: {text or NONE}")
    return lines


def sessions_table(rows: Sequence[Row]) -> list[str]:
    lines = [
        "| subject | polls | logins | idle control session | qBittorrent RSS growth |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        e = row.extra
        kept = "kept" if e.get("control_session_survived") else "**evicted**"
        lines.append(
            f"| {row.subject} | {e.get('polls')} | {e.get('logins')} | {kept} | "
            f"{e.get('qbt_rss_growth_kib', 0) / 1024:+.0f} MiB |"
        )
    return lines


def targets_table(targets: Iterable[Target]) -> list[str]:
    lines = ["| target | limit | measured | met |", "|---|---|---|---|"]
    for t in targets:
        met = "not measured" if t.met is None else ("yes" if t.met else "**NO**")
        note = f" ({t.note})" if t.note else ""
        lines.append(f"| {t.what} | {t.limit} | {t.measured}{note} | {met} |")
    return lines


def sim_table(rows: Sequence[dict[str, Any]]) -> list[str]:
    lines = [
        "| backend / coordinator | library | requests per poll | body bytes per poll | "
        "wall ms | client CPU ms |",
        "|---|---|---|---|---|---|",
    ]
    lines.extend(
        f"| {r['subject']} | {r['library']} | {cell(r['requests'], count)} | "
        f"{cell(r['body_bytes'], size)} | {cell(r['wall'], ms, 1000)} | "
        f"{cell(r['cpu'], ms, 1000)} |"
        for r in rows
        if "requests" in r
    )
    return lines


def markdown(report: Report) -> str:
    out = [
        "# Benchmark results",
        "",
        "Produced by `" + report.command + "` "
        f"(started {report.started}, took {report.duration_s / 60:.1f} min). "
        "Each cell is the median [min\u2013max] over the repeated runs; **bold** rows are ours.",
        "",
        "## Versions and machine",
        "",
        "| | |",
        "|---|---|",
    ]
    out += [f"| {k} | {v} |" for k, v in {**report.versions, **report.machine}.items()]
    out += ["", "## Targets (issue 9)", "", *targets_table(report.targets), ""]
    if report.targets22:
        out += ["## Targets (issue 22)", "", *targets_table(report.targets22), ""]
    findings = procs.ROOT / "bench" / "FINDINGS.md"
    if findings.exists():
        out += [findings.read_text().rstrip(), ""]
    if report.profiles:
        out += ["## Where our steady-state poll's CPU goes (cProfile, largest N)", ""]
        out += profile_markdown(report.profiles)
    if report.notes:
        out += ["## Notes", "", *[f"- {n}" for n in report.notes], ""]
    out += [
        "## How it is measured",
        "",
        "- Real qbittorrent-nox 5.3 with N synthetic stopped torrents (magnets, half in the "
        "`music` category); every subject talks to it through the same counting relay "
        "(`bench/relay.py`, its own process), which counts requests, logins and bytes for all "
        "subjects alike (bytes on the wire include HTTP headers; decoded body = after gzip).",
        "- Home Assistant subjects are config entries set up in a real `HomeAssistant` "
        "(pytest-homeassistant-custom-component's), entities included; one poll is "
        "`coordinator.async_refresh()`, what the update timer calls. Client CPU is the "
        "benchmark process's CPU clock over the poll (all threads: HA core's library runs "
        "in the executor).",
        "- Exporters run as their own processes and are scraped over HTTP with Prometheus's "
        "headers; client CPU is the exporter process's CPU clock over the scrape, memory its "
        "RSS after the scenario.",
        "- qBittorrent CPU is its process CPU clock over the poll (it includes its own "
        "background work during that time).",
        "- Polls are interleaved round-robin with a rotating order, so machine load hits "
        "every subject alike.",
        "- Transmission: a real transmission-daemon 4.x with N stopped torrents (one 16 KiB "
        "piece each, half labelled `music`), the same relay; the steady state is measured "
        "once no torrent is `recently-active` (the daemon's 60 s window after adding or "
        "loading). Its restart scenario is the full re-list (new session id, renumbered "
        "torrents), the cost our client also pays every 120 polls.",
        "- Wall times were taken on a machine shared with other engineers' test runs (the "
        "load averages are next to each table): compare CPU times, requests and bytes; wall "
        "times include waiting for a CPU.",
        "",
    ]
    for backend, titles in (
        ("qbittorrent", SCENARIO_TITLES),
        ("transmission", TRANSMISSION_TITLES),
    ):
        mine = [r for r in report.rows if r.backend == backend]
        for n in sorted({r.size for r in mine}):
            heading = (
                f"## N = {n:,} torrents"
                if backend == "qbittorrent"
                else (f"## Transmission, N = {n:,} torrents")
            )
            out += [heading, ""]
            out += size_section([r for r in mine if r.size == n], titles)
    if report.held:
        out += [
            "## Memory Home Assistant integrations hold (tracemalloc)",
            "",
            *held_table(report.held),
            "",
        ]
    if report.sim_rows:
        out += ["## Simulator (Lidarr, Navidrome and the rest at small and large scale)", ""]
        out += sim_table(report.sim_rows)
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def size_section(rows_of_size: Sequence[Row], titles: dict[str, str]) -> list[str]:
    """The tables of every scenario of one backend at one size."""
    out: list[str] = []
    for scenario, title in titles.items():
        rows = [r for r in rows_of_size if r.scenario == scenario]
        if not rows:
            continue
        out += [f"### {title}", ""]
        load = rows[0].extra.get("load")
        if load:
            out += [f"1-minute load average: {load[0]:.2f} before, {load[1]:.2f} after.", ""]
        if scenario == "sessions":
            out += sessions_table(rows)
        else:
            out += scenario_table(rows)
            if scenario == "steady":
                out += ["", *endpoints(rows)]
            if scenario == "change_1pct":
                changed = rows[0].extra.get("changed_per_round")
                out += ["", f"{changed} torrents changed category (label) before each round."]
            if scenario == "restart":
                polls = {r.subject: r.extra.get("polls") for r in rows}
                out += ["", "Polls until data flowed again, per run:"]
                out += [f"- {name}: {p}" for name, p in polls.items()]
                watched = [r for r in rows if r.role in ("ha", "client")]
                out += [
                    "",
                    "Event loop during those polls (in-process subjects): the most CPU the "
                    "loop thread spent between two wake-ups of a 1 ms watcher (code blocking "
                    "the loop), and the longest delay of that watcher (also counts time the "
                    "process was not scheduled):",
                    "",
                ]
                for r in watched:
                    st = summarize(r.samples)
                    out.append(
                        f"- {r.subject}: busy {cell(st.get('max_busy'), ms, 1000)} ms, "
                        f"delayed {cell(st.get('max_stall'), ms, 1000)} ms"
                    )
        out.append("")
    return out


def held_table(held: Sequence[HeldMemory]) -> list[str]:
    """What each Home Assistant subject holds after set-up, by backend and size."""
    lines = [
        "| backend | N | subject | held after set-up and a poll | peak while setting up |",
        "|---|---|---|---|---|",
    ]
    for h in sorted(held, key=lambda h: (h.backend, h.size, not h.subject.startswith("our"))):
        name = f"**{h.subject}**" if h.subject.startswith("our") else h.subject
        lines.append(
            f"| {h.backend} | {h.size:,} | {name} | {h.held_kib / 1024:.2f} MiB | "
            f"{h.setup_peak_kib / 1024:.2f} MiB |"
        )
    return lines
