"""Issue 9's targets, checked against a run's measurements (never loosened to pass)."""

from __future__ import annotations

from typing import Any

from .measure import Summary, summarize
from .report import NONE, Report, Target, ms, size
from .scenarios import Row

TARGET_SIZE = 10_000
HA_WALL_S = 0.005
HA_CPU_S = 0.003
HA_BODY_BYTES = 1000
EXPORTER_P50_S = 0.025
EXPORTER_RSS_BYTES = 80_000_000
SETUP_S = 1.0
TR_HA_FACTOR = 100.0
TR_EXPORTER_S = 0.010
EXPORTER_PEAK_KIB = 40 * 1024
FULL_EVERY = 120
"""``TransmissionSync``'s default ``full_every``."""
SETUP_WHAT = "Set up an entry with every backend (simulator), until every entity is available"


def _row(
    report: Report, scenario: str, size_: int, subject: str, backend: str = "qbittorrent"
) -> Row | None:
    return next(
        (
            r
            for r in report.rows
            if r.scenario == scenario
            and r.size == size_
            and r.subject == subject
            and r.backend == backend
        ),
        None,
    )


def _stat(row: Row | None, key: str) -> Summary | None:
    return summarize(row.samples).get(key) if row is not None and row.samples else None


def _at(report: Report, backend: str = "qbittorrent") -> tuple[int, str]:
    sizes = sorted({r.size for r in report.rows if r.backend == backend})
    if not sizes:
        return TARGET_SIZE, "qBittorrent part not run"
    biggest = sizes[-1]
    note = "" if biggest >= TARGET_SIZE else f"only measured at N={biggest}, target is at 10,000"
    return biggest, note


def _le(s: Summary | None, limit: float, *, worst: bool = False) -> bool | None:
    if s is None or s.n == 0:
        return None
    return (s.high if worst else s.median) <= limit


def evaluate(report: Report) -> list[Target]:
    """Every target of issue 9 with the measured value and whether it is met."""
    n, note = _at(report)
    ours_ha = _row(report, "steady", n, "our HA integration")
    wall, cpu, body = (_stat(ours_ha, k) for k in ("wall", "cpu", "body_bytes"))
    out = [
        Target(
            f"HA poll, nothing changed, N={n:,}: wall (median)",
            "≤ 5 ms",
            f"{ms(wall.median * 1000)} ms" if wall else NONE,
            _le(wall, HA_WALL_S),
            note,
        ),
        Target(
            f"HA poll, nothing changed, N={n:,}: client CPU (median)",
            "≤ 3 ms",
            f"{ms(cpu.median * 1000)} ms" if cpu else NONE,
            _le(cpu, HA_CPU_S),
            note,
        ),
        Target(
            f"HA poll, nothing changed, N={n:,}: body (worst run)",
            "≤ 1 KB",
            f"{size(body.high)}" if body else NONE,
            _le(body, HA_BODY_BYTES, worst=True),
            note,
        ),
        _proportional(report),
    ]
    p50s = {
        scenario: _stat(_row(report, scenario, n, "our exporter"), "wall")
        for scenario in ("steady", "change_1pct")
    }
    measured = {k: v for k, v in p50s.items() if v is not None}
    out.append(
        Target(
            f"Exporter scrape p50, N={n:,} (nothing changed; 1% changing)",
            "\u2264 25 ms in both",
            "; ".join(f"{k}: {ms(v.median * 1000)} ms" for k, v in measured.items()) or NONE,
            all(v.median <= EXPORTER_P50_S for v in measured.values()) if measured else None,
            note,
        )
    )
    out.append(_exporter_sessions(report))
    rss_kib = [
        r.memory["VmHWM"]
        for r in report.rows
        if r.subject == "our exporter" and "VmHWM" in r.memory and r.backend == "qbittorrent"
    ]
    out.append(
        Target(
            "Exporter RSS (peak over every scenario and size)",
            "≤ 80 MB",
            f"{max(rss_kib) * 1024 / 1e6:.1f} MB" if rss_kib else NONE,
            (max(rss_kib) * 1024 <= EXPORTER_RSS_BYTES) if rss_kib else None,
        )
    )
    out += _simulator_targets(report.sim_rows)
    return out


def evaluate_issue22(report: Report) -> list[Target]:
    """Issue 22's targets: Transmission at 10,000 torrents and the exporter's memory."""
    n, note = _at(report, "transmission")
    tr = "transmission"
    ours = _row(report, "steady", n, "our HA integration", tr)
    core = _row(report, "steady", n, "HA core transmission", tr)
    cpu, core_cpu, wall = _stat(ours, "cpu"), _stat(core, "cpu"), _stat(ours, "wall")
    factor = core_cpu.median / cpu.median if cpu and core_cpu and cpu.median > 0 else None
    out = [
        Target(
            f"Transmission: HA poll, nothing changed, N={n:,}: client CPU vs HA core's "
            "`transmission` (medians)",
            "≥ 100x less",
            f"ours {ms(cpu.median * 1000)} ms, core {ms(core_cpu.median * 1000)} ms: "
            f"{factor:,.0f}x less"
            if cpu and core_cpu and factor is not None
            else NONE,
            factor >= TR_HA_FACTOR if factor is not None else None,
            note,
        ),
        Target(
            f"Transmission: HA poll, nothing changed, N={n:,}: wall (median)",
            "≤ 5 ms",
            f"{ms(wall.median * 1000)} ms" if wall else NONE,
            _le(wall, HA_WALL_S),
            note,
        ),
    ]
    sizes = sorted({r.size for r in report.rows if r.backend == tr})
    scrape = {
        size_: (_stat(r, "wall"), _stat(r, "cpu"))
        for size_ in sizes
        if (r := _row(report, "steady", size_, "our exporter", tr)) is not None
    }
    full = {
        size_: _stat(_row(report, "restart", size_, "our exporter", tr), "cpu") for size_ in sizes
    }
    text = "; ".join(
        f"N={size_:,}: {ms(w.median * 1000)} ms wall, {ms(c.median * 1000)} ms CPU"
        for size_, (w, c) in scrape.items()
        if w and c
    )
    relist = "; ".join(
        f"N={size_:,}: {ms(c.median * 1000)} ms CPU" for size_, c in full.items() if c
    )
    if relist:
        text += f" (a full re-list, every {FULL_EVERY} scrapes and after a restart: {relist})"
    walls = [w for w, _ in scrape.values() if w]
    cpus = [c for _, c in scrape.values() if c]
    met: bool | None = None
    if walls and cpus:
        met = all(w.median <= TR_EXPORTER_S for w in walls) and (
            len(cpus) < 2 or cpus[-1].median <= 2 * max(cpus[0].median, 1e-4)
        )
    out.append(
        Target(
            "Transmission: exporter scrape, nothing changed: wall (median) at every N, "
            "CPU constant from the smallest to the largest N",
            "≤ 10 ms; largest N's CPU within 2x of the smallest",
            text or NONE,
            met,
            "" if len(sizes) > 1 else "needs two sizes",
        )
    )
    for backend, title in (("qbittorrent", "qBittorrent"), (tr, "Transmission")):
        peaks = [
            r.memory["VmHWM"]
            for r in report.rows
            if r.subject == "our exporter"
            and r.backend == backend
            and r.size == TARGET_SIZE
            and "VmHWM" in r.memory
        ]
        out.append(
            Target(
                f"Exporter peak RSS over every scenario, N=10,000 {title} torrents",
                "≤ 40 MiB",
                f"{max(peaks) / 1024:.1f} MiB" if peaks else NONE,
                (max(peaks) <= EXPORTER_PEAK_KIB) if peaks else None,
            )
        )
    return out


def _proportional(report: Report) -> Target:
    """With 1% changing, our cost must follow the change, not N.

    Cost = a + b * changed: per changed torrent (b), the body bytes and the client CPU above
    the no-change poll must stay about the same from the smallest to the largest N (within
    2x), and so must the no-change part (a).
    """
    sizes = sorted({r.size for r in report.rows if r.scenario == "change_1pct"})
    what = "HA poll with 1% changing: cost per changed torrent independent of N"
    if not sizes:
        return Target(what, "∝ change", NONE, None)
    per: dict[int, tuple[float, float, float]] = {}
    for n in sizes:
        row = _row(report, "change_1pct", n, "our HA integration")
        base = _row(report, "steady", n, "our HA integration")
        body, cpu, steady_cpu = _stat(row, "body_bytes"), _stat(row, "cpu"), _stat(base, "cpu")
        changed = row.extra.get("changed_per_round", 0) if row else 0
        if body is None or cpu is None or steady_cpu is None or not changed:
            continue
        extra_cpu = max(cpu.median - steady_cpu.median, 0.0)
        per[n] = (body.median / changed, extra_cpu / changed, steady_cpu.median)
    if not per:
        return Target(what, "\u221d change", NONE, None)
    text = "; ".join(
        f"N={n:,}: {b:.0f} B and {c * 1e6:.0f} \u00b5s CPU per changed torrent "
        f"on top of a {base * 1000:.2f} ms no-change poll"
        for n, (b, c, base) in per.items()
    )
    if len(per) < 2:
        return Target(what, "\u221d change", text, None, "needs two sizes")
    lo, hi = per[min(per)], per[max(per)]
    met = hi[0] <= 2 * lo[0] and hi[1] <= 2 * max(lo[1], 1e-6) and hi[2] <= 2 * lo[2]
    return Target(
        what,
        "per changed torrent: bytes and CPU within 2x from small to large N; "
        "the no-change part within 2x too",
        text,
        met,
    )


def _exporter_sessions(report: Report) -> Target:
    rows = [r for r in report.rows if r.subject == "our exporter"]
    steady_logins = sum(s.logins for r in rows if r.scenario != "restart" for s in r.samples)
    restart_logins = [s.logins for r in rows if r.scenario == "restart" for s in r.samples]
    kept = [r.extra.get("control_session_survived") for r in rows if r.scenario == "sessions"]
    if not rows:
        return Target("Exporter: one qBittorrent session for its lifetime", "0 logins", NONE, None)
    scrapes = sum(len(r.samples) for r in rows if r.scenario != "restart")
    text = f"{steady_logins} logins in {scrapes} scrapes"
    if restart_logins:
        text += f"; {max(restart_logins)} login per restart recovery"
    if kept:
        text += "; idle control session " + ("kept" if all(kept) else "evicted")
    met = steady_logins == 0 and all(kept) and all(n <= 1 for n in restart_logins)
    return Target(
        "Exporter: one qBittorrent session for its lifetime, re-login only when lost",
        "0 logins per scrape; ≤ 1 after a restart",
        text,
        met,
    )


def _simulator_targets(rows: list[dict[str, Any]]) -> list[Target]:
    out: list[Target] = []
    for kind in ("lidarr", "navidrome"):
        mine = [r for r in rows if r.get("kind") == kind and "requests" in r]
        small = [r for r in mine if r["library"] == "small"]
        large = [r for r in mine if r["library"] == "large"]
        what = f"{kind}: requests and bytes per poll independent of library size (simulator)"
        if not small or not large:
            out.append(Target(what, "constant", NONE, None, "not measured"))
            continue
        parts, met = [], True
        for s, lg in zip(small, large, strict=False):
            req_s, req_l = s["requests"].median, lg["requests"].median
            by_s, by_l = s["body_bytes"].median, lg["body_bytes"].median
            parts.append(f"{s['subject']}: {req_s:g}→{req_l:g} requests, {size(by_s)}→{size(by_l)}")
            met = met and req_l <= req_s and by_l <= max(by_s * 1.1, by_s + 200)
        out.append(Target(what, "same requests; bytes within 10%", "; ".join(parts), met))
    setup = next((r for r in rows if r.get("kind") == "setup"), None)
    if setup is None:
        out.append(Target(SETUP_WHAT, "\u2264 1 s", NONE, None))
    else:
        wall, available = setup["wall"], setup["available"]
        text = f"set-up returned in {ms(wall.median * 1000)} ms (max {ms(wall.high * 1000)})"
        if available.n:
            text += (
                f"; every entity available after {ms(available.median * 1000)} ms "
                f"(max {ms(available.high * 1000)})"
            )
        if setup["never_available"]:
            text += (
                f"; {setup['never_available']}/{setup['runs']} set-ups left entities unavailable"
            )
        met = setup["never_available"] == 0 and available.n > 0 and available.high <= SETUP_S
        out.append(Target(SETUP_WHAT, "\u2264 1 s (worst run)", text, met))
    blocking = next((r for r in rows if r.get("kind") == "blocking"), None)
    out.append(
        Target(
            "No blocking I/O in the event loop (HA's detector on, during set-up and polls)",
            "0 detections",
            f"{blocking['detections']} detections; the event loop thread ran at most "
            f"{ms(blocking['setup_busy'] * 1000)} ms of CPU without yielding during set-up "
            f"(longest delay {ms(blocking['setup_stall'] * 1000)} ms, load included), "
            f"{ms(blocking['max_stall'] * 1000)} ms during a poll ({blocking['stall_where']})"
            if blocking
            else NONE,
            (blocking["detections"] == 0) if blocking else None,
        )
    )
    return out
