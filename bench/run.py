"""The benchmark suite's one entry point (``scripts/bench`` runs it inside the toolbox).

    python -m bench.run --sizes 1000,10000 --runs 9 --out bench/RESULTS.md
    python -m bench.run --smoke            # N=200, 2 runs: keeps the harness working (CI)

For each size it starts a real qbittorrent-nox 5.3 with N stopped torrents (half in
``music``), puts the counting relay in front of it, sets up our HA integration and HA core's
``qbittorrent`` integration in one Home Assistant, starts our exporter and
prometheus-qbittorrent-exporter, and runs the scenarios (steady, 1% changing, sessions,
restart) on all of them side by side. Then it runs the simulator at small and large scale
for the Lidarr/Navidrome targets and the set-up time of an entry with every backend.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import shlex
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from . import memory, procs, profiles, scenarios, targets
from .hass import home_assistant
from .memory import HeldMemory
from .qbt import QbtBackend
from .report import Report, markdown
from .scenarios import Row
from .subjects import (
    HaCore,
    HaCoreTransmission,
    OurClient,
    OurExporter,
    OurHa,
    OurTransmissionClient,
    PeerExporter,
    Subject,
    git_commit,
    package_version,
)
from .transmission import TrBackend

SMOKE_SIZE = 200
SMOKE_RUNS = 2


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="torrent counts (comma-separated)")
    parser.add_argument("--runs", type=int, default=9, help="measured runs per scenario")
    parser.add_argument(
        "--out", type=Path, default=Path("bench/RESULTS.md"), help="the Markdown report"
    )
    parser.add_argument(
        "--json", type=Path, default=None, help="also write raw results (default: next to --out)"
    )
    parser.add_argument("--smoke", action="store_true", help=f"N={SMOKE_SIZE}, {SMOKE_RUNS} runs")
    parser.add_argument(
        "--scenarios",
        default="steady,change_1pct,sessions,restart",
        help="qBittorrent scenarios to run",
    )
    parser.add_argument(
        "--backends",
        default="qbittorrent,transmission",
        help="download clients to measure (qbittorrent, transmission)",
    )
    parser.add_argument(
        "--transmission-scenarios",
        default="steady,change_1pct,restart",
        help="Transmission scenarios to run",
    )
    parser.add_argument("--no-simulator", action="store_true", help="skip the simulator part")
    parser.add_argument(
        "--from-json",
        type=Path,
        metavar="PATH",
        help="measure nothing: render --out again from a previous run's JSON (targets re-checked)",
    )
    args = parser.parse_args(argv)
    if args.smoke:
        args.sizes, args.runs = str(SMOKE_SIZE), SMOKE_RUNS
    args.size_list = [int(s) for s in str(args.sizes).split(",") if s.strip()]
    args.scenario_list = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    args.tr_scenario_list = [s.strip() for s in args.transmission_scenarios.split(",") if s.strip()]
    args.backend_list = [s.strip() for s in args.backends.split(",") if s.strip()]
    if args.json is None:
        args.json = args.out.with_suffix(".json")
    return args


def machine() -> dict[str, str]:
    load = os.getloadavg()
    mem = Path("/proc/meminfo").read_text().split("\n", 1)[0].split()[1]
    return {
        "machine": f"{os.cpu_count()} CPUs, {int(mem) / 1024 / 1024:.0f} GiB, {platform.system()}",
        "load average at start (1/5/15 min)": " / ".join(f"{x:.2f}" for x in load),
    }


def versions(qbt_version: str, tr_version: str, commit: str) -> dict[str, str]:
    return {
        "qBittorrent": qbt_version or "?",
        "transmission-daemon": tr_version or "?",
        "transmission-rpc (HA core's pin)": package_version("transmission-rpc"),
        "Python": platform.python_version(),
        "homeassistant": package_version("homeassistant"),
        "qbittorrent-api (HA core's pin)": package_version("qbittorrent-api"),
        "prometheus-qbittorrent-exporter": package_version("prometheus-qbittorrent-exporter"),
        "aiohttp": package_version("aiohttp"),
        "stepheybot-music commit (at the start)": commit,
    }


async def _setup(
    subject: Subject, notes: list[str], held: list[HeldMemory] | None = None, size: int = 0
) -> bool:
    """Set ``subject`` up; for a Home Assistant subject, also measure the memory it holds."""
    try:
        if held is not None and subject.role == "ha":
            held.append(await memory.held_by(subject, size))
        else:
            await subject.setup()
    except Exception as err:  # one broken subject must not stop the others
        notes.append(f"{subject.name} could not be set up: {type(err).__name__}: {err}")
        log(f"  ! {notes[-1]}")
        await subject.close()
        return False
    return True


async def qbittorrent_size(
    size: int,
    runs: int,
    scenario_names: list[str],
    notes: list[str],
    held: list[HeldMemory],
    *,
    profile: bool,
) -> tuple[list[Row], str, list[profiles.Profile]]:
    """Every qBittorrent scenario at one size."""
    log(f"== N={size}: starting qbittorrent-nox 5.3 and adding {size} torrents")
    started = time.perf_counter()
    backend = await asyncio.to_thread(QbtBackend.start, size)
    log(f"   loaded in {time.perf_counter() - started:.1f} s (pid {backend.pid})")
    rows: list[Row] = []
    found: list[profiles.Profile] = []
    try:
        async with home_assistant() as hass:
            user, password = backend.server.username, backend.server.password
            qbt = {
                "kind": "qbittorrent",
                "name": "qbittorrent",
                "url": backend.url,
                "username": user,
                "password": password,
                "verify_ssl": False,
                "timeout": 120,
            }
            candidates: list[Subject] = [
                OurHa(
                    hass,
                    [{k: v for k, v in qbt.items() if k != "timeout"}],
                    poll_kinds={"qbittorrent"},
                ),
                HaCore(hass, backend.url, user, password),
                OurExporter([qbt]),
                PeerExporter(backend.relay_port, user, password),
                OurClient(backend.url, user, password),
            ]
            memory.import_integrations()
            subjects = [s for s in candidates if await _setup(s, notes, held, size)]
            try:
                for name in scenario_names:
                    load = os.getloadavg()[0]
                    log(f"-- N={size}: {name} (load average {load:.2f})")
                    if name == "steady":
                        found_rows = await scenarios.steady(backend, subjects, runs, log)
                    elif name == "change_1pct":
                        found_rows = await scenarios.one_percent(backend, subjects, runs, log)
                    elif name == "sessions":
                        found_rows = await scenarios.sessions(backend, subjects, log)
                    elif name == "restart":
                        found_rows = await scenarios.restart(backend, subjects, runs, log)
                    else:
                        raise SystemExit(f"unknown scenario {name!r}")
                    for row in found_rows:  # the 1-minute load average before and after
                        row.extra["load"] = [load, os.getloadavg()[0]]
                    rows += found_rows
                if profile:
                    found = await _profiles(backend, subjects, size, notes)
            finally:
                for subject in subjects:
                    await subject.close()
    finally:
        await asyncio.to_thread(backend.stop)
    return rows, backend.version, found


async def transmission_size(
    size: int, runs: int, scenario_names: list[str], notes: list[str], held: list[HeldMemory]
) -> tuple[list[Row], str]:
    """Every Transmission scenario at one size (steady, 1% relabelled, restart)."""
    log(f"== N={size}: starting transmission-daemon 4.x and adding {size} torrents")
    started = time.perf_counter()
    backend = await asyncio.to_thread(TrBackend.start, size)
    log(f"   loaded in {time.perf_counter() - started:.1f} s (pid {backend.pid})")
    rows: list[Row] = []
    try:
        async with home_assistant() as hass:
            user, password = backend.server.username, backend.server.password
            tr = {
                "kind": "transmission",
                "name": "transmission",
                "url": backend.url,
                "username": user,
                "password": password,
                "verify_ssl": False,
                "timeout": 120,
            }
            candidates: list[Subject] = [
                OurHa(
                    hass,
                    [{k: v for k, v in tr.items() if k != "timeout"}],
                    poll_kinds={"transmission"},
                ),
                HaCoreTransmission(hass, backend.relay_port, user, password),
                OurExporter([tr], label="transmission"),
                OurTransmissionClient(backend.url, user, password),
            ]
            memory.import_integrations()
            subjects = [s for s in candidates if await _setup(s, notes, held, size)]
            try:
                for name in scenario_names:
                    if name == "steady":
                        # torrents just added or loaded are "recently active" for 60 s
                        waited = await asyncio.to_thread(backend.settle)
                        log(f"   recently-active window empty after {waited:.0f} s")
                    load = os.getloadavg()[0]
                    log(f"-- N={size}: transmission {name} (load average {load:.2f})")
                    if name == "steady":
                        found_rows = await scenarios.steady(backend, subjects, runs, log)
                    elif name == "change_1pct":
                        found_rows = await scenarios.one_percent(backend, subjects, runs, log)
                    elif name == "restart":
                        found_rows = await scenarios.restart(backend, subjects, runs, log)
                    else:
                        raise SystemExit(f"unknown Transmission scenario {name!r}")
                    for row in found_rows:
                        row.extra["load"] = [load, os.getloadavg()[0]]
                    rows += found_rows
            finally:
                for subject in subjects:
                    await subject.close()
    finally:
        await asyncio.to_thread(backend.stop)
    return rows, backend.version


async def _profiles(
    backend: QbtBackend, subjects: list[Subject], size: int, notes: list[str]
) -> list[profiles.Profile]:
    """cProfile our steady-state HA poll and exporter collection (not timed)."""
    log(f"-- N={size}: profiles")
    found: list[profiles.Profile] = []
    ours_ha = next((s for s in subjects if isinstance(s, OurHa)), None)
    if ours_ha is not None:
        found.append(await profiles.profile("our HA integration", size, ours_ha.poll))
    try:
        scrape, close = await profiles.exporter_collection(
            backend.url, backend.server.username, backend.server.password
        )
        try:
            found.append(
                await profiles.profile("our exporter (collection + rendering)", size, scrape)
            )
        finally:
            await close()
    except Exception as err:  # a profile is a diagnosis, not a result
        notes.append(f"exporter profile failed: {type(err).__name__}: {err}")
    return found


async def main_async(args: argparse.Namespace) -> Report:
    command = "scripts/bench " + shlex.join(sys.argv[1:])
    report = Report(
        command=command.strip(),
        started=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        duration_s=0.0,
        machine=machine(),
        versions={},
    )
    began = time.perf_counter()
    commit = git_commit()  # others may commit while the run goes on
    report.machine_load_start = f"{os.getloadavg()[1]:.2f}"
    qbt_version = tr_version = ""
    for size in args.size_list if "qbittorrent" in args.backend_list else ():
        try:
            rows, version, found = await qbittorrent_size(
                size,
                args.runs,
                args.scenario_list,
                report.notes,
                report.held,
                profile=size == max(args.size_list) and not args.smoke,
            )
        except Exception as err:  # keep what the other sizes measure
            report.notes.append(f"N={size}: the run failed: {type(err).__name__}: {err}")
            log(f"  ! {report.notes[-1]}")
            continue
        qbt_version = version or qbt_version
        report.rows += rows
        report.profiles += found
    for size in args.size_list if "transmission" in args.backend_list else ():
        try:
            rows, version = await transmission_size(
                size, args.runs, args.tr_scenario_list, report.notes, report.held
            )
        except Exception as err:  # keep what the other sizes measure
            report.notes.append(
                f"Transmission, N={size}: the run failed: {type(err).__name__}: {err}"
            )
            log(f"  ! {report.notes[-1]}")
            continue
        tr_version = version or tr_version
        report.rows += rows
    if not args.no_simulator:
        from . import simulated

        report.sim_rows = await simulated.run(
            args.runs, smoke=args.smoke, notes=report.notes, log=log
        )
    report.versions = versions(qbt_version, tr_version, commit)
    report.machine["load average at end (1/5/15 min)"] = " / ".join(
        f"{x:.2f}" for x in os.getloadavg()
    )
    report.duration_s = time.perf_counter() - began
    busiest = max(os.getloadavg()[1], float(report.machine_load_start))
    if busiest > 0.5 * (os.cpu_count() or 1):
        report.notes.insert(
            0,
            f"The machine was busy during this run (5-minute load average up to {busiest:.1f} "
            f"on {os.cpu_count()} CPUs, from other processes): wall times and the worst runs "
            "are inflated; CPU times, requests, bytes and sessions are not. Re-run on a quiet "
            "machine for the final numbers.",
        )
    report.targets = targets.evaluate(report)
    report.targets22 = targets.evaluate_issue22(report)
    return report


def write(report: Report, out: Path, json_out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(markdown(report))
    json_out.write_text(json.dumps(report.to_json(), indent=1, default=str))


def main(argv: list[str] | None = None) -> Report:
    args = parse_args(argv)
    os.chdir(procs.ROOT)
    if args.from_json:
        report = Report.from_json(json.loads(args.from_json.read_text()))
        report.notes.append(
            f"This file was rendered again from the run's raw samples (`scripts/bench "
            f"--from-json {args.from_json}`); every number is from the command at the top."
        )
        report.targets = targets.evaluate(report)
        report.targets22 = targets.evaluate_issue22(report)
        args.out.write_text(markdown(report))
        log(f"wrote {args.out} from {args.from_json}")
        return report
    report = asyncio.run(main_async(args))
    write(report, args.out, args.json)
    log(f"wrote {args.out} and {args.json}")
    shutil.rmtree(procs.WORK, ignore_errors=True)  # kept only when the run failed
    return report


def _entry() -> Any:
    return main()


if __name__ == "__main__":
    main()
