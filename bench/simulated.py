"""The simulator part: library-size independence, entry set-up time, no blocking I/O.

The simulator (``python -m simulator``, its own process, time frozen) plays every backend
at a small and a large scale (Lidarr 5,000 artists / 50,000 albums, Navidrome 100,000
tracks). Lidarr and Navidrome are reached through counting relays. Measured:

* one refresh of each Lidarr and Navidrome coordinator of our integration, and one scrape of
  our exporter per backend: requests and bytes must not grow with the library;
* setting up a config entry with every backend until its entities exist (Home Assistant's
  ``async_setup`` + ``async_block_till_done``), with HA's blocking-I/O detector on and the
  event loop watched for stalls.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml
from homeassistant.core import HomeAssistant

from . import procs
from .hass import home_assistant, stop_timers
from .measure import LoopStallMonitor, Sample, Summary, measure, summarize
from .relay import RelayProcess
from .subjects import OurExporter, Subject

LARGE = {"artists": 5000, "albums": 50000, "tracks": 100000}
SMOKE_LARGE = {"artists": 500, "albums": 5000, "tracks": 10000}
MEASURED = ("lidarr", "navidrome")
SIM_START_TIMEOUT = 600.0

type Log = Callable[[str], None]


@dataclass(slots=True)
class SimStack:
    """A running simulator process, its backends, and relays in front of some of them."""

    process: Any
    backends: list[dict[str, Any]]
    relays: dict[str, RelayProcess]

    @classmethod
    def start(cls, scale: dict[str, int], label: str) -> SimStack:
        stack_file = procs.WORK / f"sim-{label}.yaml"
        stack_file.unlink(missing_ok=True)
        args = ["-m", "simulator", "--speed", "0", "--stack-file", str(stack_file)]
        for key, value in scale.items():
            args += [f"--{key}", str(value)]
        process = procs.python(*args, name=f"simulator-{label}")
        try:
            procs.wait_for(
                stack_file.exists,
                what=f"simulator ({label})",
                timeout=SIM_START_TIMEOUT,
                process=process,
                log=f"simulator-{label}",
            )
            data = yaml.safe_load(stack_file.read_text())
            backends: list[dict[str, Any]] = data["backends"]
            relays: dict[str, RelayProcess] = {}
            for backend in backends:
                if backend["kind"] in MEASURED:
                    host = str(backend["url"]).split("://", 1)[1].rstrip("/")
                    relays[backend["kind"]] = RelayProcess.start(host, f"relay-{backend['kind']}")
                    backend["url"] = relays[backend["kind"]].url
        except BaseException:
            procs.stop(process)
            raise
        return cls(process=process, backends=backends, relays=relays)

    def stop(self) -> None:
        for relay in self.relays.values():
            relay.stop()
        procs.stop(self.process)


class _BlockingCalls(logging.Handler):
    """Counts Home Assistant's "Detected blocking call" reports."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.reports: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if "blocking call" in message:
            self.reports.append(message.split("\n", 1)[0][:300])


_DETECTOR_ON: list[bool] = []


def _enable_blocking_detector() -> None:
    """Turn on Home Assistant's blocking-call detector (once per process)."""
    from homeassistant import block_async_io

    if not _DETECTOR_ON:
        block_async_io.enable()
        _DETECTOR_ON.append(True)


def _subentry(backend: dict[str, Any]) -> dict[str, Any]:
    data = {
        key: backend[key]
        for key in ("url", "username", "password", "api_key", "containers")
        if backend.get(key)
    }
    data["verify_ssl"] = False
    return {
        "data": data,
        "subentry_type": backend["kind"],
        "title": backend.get("name", backend["kind"]),
        "unique_id": f"{backend['kind']}-{backend['url']}",
    }


@dataclass(slots=True)
class SetupResult:
    """One entry set-up."""

    entry: Any
    seconds: float
    """Until ``async_setup`` returned and Home Assistant was idle (entities added)."""
    available_seconds: float | None
    """Until every enabled entity had a state other than ``unavailable`` (None: never)."""
    max_stall: float
    max_busy: float
    entities: int
    unavailable: list[str]


AVAILABLE_TIMEOUT = 10.0


async def _setup_entry(hass: HomeAssistant, subentries: list[dict[str, Any]]) -> SetupResult:
    """Set up one entry and wait until all its enabled entities are available."""
    from homeassistant.helpers import entity_registry as er
    from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
        MockConfigEntry,
    )

    # polling costs are measured here; push has its own benchmark (bench/push.py)
    entry = MockConfigEntry(
        domain="stepheybot_music", data={}, options={"push": False}, subentries_data=subentries
    )
    entry.add_to_hass(hass)

    def unavailable() -> list[str]:
        entities = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
        return [
            e.entity_id
            for e in entities
            if e.disabled_by is None
            and ((state := hass.states.get(e.entity_id)) is None or state.state == "unavailable")
        ]

    async with LoopStallMonitor() as monitor:
        started = time.perf_counter()
        ok = await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        seconds = time.perf_counter() - started
        if not ok:
            raise RuntimeError(f"entry did not set up: {entry.state} {entry.reason}")
        available: float | None = None
        for _ in range(int(AVAILABLE_TIMEOUT / 0.005)):
            missing = unavailable()
            if not missing:
                available = time.perf_counter() - started
                break
            await asyncio.sleep(0.005)
    count = len(er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id))
    return SetupResult(
        entry, seconds, available, monitor.max_stall, monitor.max_busy, count, missing
    )


class _Coordinator(Subject):
    """One coordinator of our integration, refreshed as its timer would."""

    role = "ha"
    ours = True

    def __init__(self, coordinator: Any, kind: str) -> None:
        self.coordinator = coordinator
        self.name = f"HA {kind}: {coordinator.name}"  # type: ignore[misc]

    async def setup(self) -> None:
        """Nothing: the entry set-up did it."""

    async def poll(self) -> bool:
        await self.coordinator.async_refresh()
        return bool(self.coordinator.last_update_success)


def _row(subject: str, kind: str, library: str, samples: list[Sample]) -> dict[str, Any]:
    stats: dict[str, Summary] = summarize(samples)
    return {
        "subject": subject,
        "kind": kind,
        "library": library,
        "ok": all(s.ok for s in samples),
        **{k: stats[k] for k in ("requests", "body_bytes", "wall", "cpu") if k in stats},
    }


async def _scale(
    label: str, scale: dict[str, int], runs: int, notes: list[str], log: Log
) -> tuple[list[dict[str, Any]], list[SetupResult], list[tuple[float, str]], list[str]]:
    from custom_components.stepheybot_music.coordinators import BUILDERS

    log(f"== simulator, {label} library: {scale or 'default scale'}")
    started = time.perf_counter()
    stack = await asyncio.to_thread(SimStack.start, scale, label)
    log(f"   simulator up in {time.perf_counter() - started:.1f} s")
    rows: list[dict[str, Any]] = []
    setups: list[SetupResult] = []
    poll_stalls: list[tuple[float, str]] = []
    detector = _BlockingCalls()
    logging.getLogger("homeassistant.util.loop").addHandler(detector)
    try:
        kinds = {str(k) for k in BUILDERS}
        usable = [b for b in stack.backends if b["kind"] in kinds]
        skipped = sorted({b["kind"] for b in stack.backends} - kinds)
        if skipped:
            notes.append(
                f"simulator ({label}): no coordinator yet for {', '.join(skipped)}; "
                "the set-up time covers the other backends"
            )
        subentries = [_subentry(b) for b in usable]
        async with home_assistant() as hass:
            _enable_blocking_detector()
            entry = None
            for i in range(runs):
                result = await _setup_entry(hass, subentries)
                entry = result.entry
                setups.append(result)
                if i < runs - 1:
                    await hass.config_entries.async_remove(entry.entry_id)
                    await hass.async_block_till_done()
            log(
                "   set-up: "
                + ", ".join(
                    f"{r.seconds * 1000:.0f} ms"
                    + (
                        f" (all available {r.available_seconds * 1000:.0f} ms"
                        if r.available_seconds is not None
                        else " (not all available"
                    )
                    + f", loop busy {r.max_busy * 1000:.0f} ms)"
                    for r in setups
                )
            )
            assert entry is not None
            for backend in entry.runtime_data.backends.values():
                kind = str(backend.ref.kind)
                if kind not in stack.relays:
                    continue
                relay = stack.relays[kind]
                for coordinator in backend.coordinators:
                    stop_timers(coordinator)
                for coordinator in backend.coordinators:
                    subject = _Coordinator(coordinator, kind)
                    await subject.poll()
                    samples = []
                    for _ in range(runs):
                        sample = await measure(
                            subject, relay.stats, stack.process.pid, watch_loop=True
                        )
                        poll_stalls.append((sample.max_busy or 0.0, subject.name))
                        samples.append(sample)
                    rows.append(_row(subject.name, kind, label, samples))
        for kind, relay in stack.relays.items():
            backend = next(b for b in stack.backends if b["kind"] == kind)
            exporter = OurExporter([backend], label=f"{kind}-{label}")
            try:
                await exporter.setup()
                samples = [
                    await measure(exporter, relay.stats, stack.process.pid) for _ in range(runs)
                ]
                rows.append(_row(f"our exporter: {kind}", kind, label, samples))
            except Exception as err:  # report, do not stop the run
                notes.append(f"our exporter with {kind} ({label}): {type(err).__name__}: {err}")
            finally:
                await exporter.close()
    finally:
        logging.getLogger("homeassistant.util.loop").removeHandler(detector)
        await asyncio.to_thread(stack.stop)
    return rows, setups, poll_stalls, detector.reports


async def run(runs: int, *, smoke: bool, notes: list[str], log: Log) -> list[dict[str, Any]]:
    """Both scales; rows for the report and the targets."""
    rows: list[dict[str, Any]] = []
    setups: list[SetupResult] = []
    stalls: list[tuple[float, str]] = []
    reports: list[str] = []
    for label, scale in (("small", {}), ("large", SMOKE_LARGE if smoke else LARGE)):
        load = os.getloadavg()[0]
        try:
            got, setup, stall, blocking = await _scale(label, scale, runs, notes, log)
        except Exception as err:  # the qBittorrent part is still worth reporting
            notes.append(f"simulator part ({label}) failed: {type(err).__name__}: {err}")
            log(f"  ! {notes[-1]}")
            continue
        notes.append(
            f"simulator part ({label} library): 1-minute load average {load:.2f} before, "
            f"{os.getloadavg()[0]:.2f} after"
        )
        rows += got
        setups += setup
        stalls += [(v, f"{name} ({label})") for v, name in stall]
        reports += blocking
        if setup:
            last = setup[-1]
            text = f"entry set-up ({label} library): {last.entities} entities"
            if last.unavailable:
                text += f"; still unavailable {AVAILABLE_TIMEOUT:g} s after set-up: " + ", ".join(
                    last.unavailable[:12]
                )
            notes.append(text)
    if setups:
        never = sum(1 for r in setups if r.available_seconds is None)
        rows.append(
            {
                "kind": "setup",
                "subject": "entry set-up",
                "wall": Summary.of(r.seconds for r in setups),
                "available": Summary.of(
                    r.available_seconds for r in setups if r.available_seconds is not None
                ),
                "never_available": never,
                "runs": len(setups),
            }
        )
    rows.append(
        {
            "kind": "blocking",
            "subject": "blocking I/O",
            "detections": len(reports),
            "reports": sorted(set(reports))[:10],
            "setup_stall": max((r.max_stall for r in setups), default=0.0),
            "setup_busy": max((r.max_busy for r in setups), default=0.0),
            "max_stall": max((s for s, _ in stalls), default=0.0),
            "stall_where": max(stalls, default=(0.0, ""))[1],
        }
    )
    notes.extend(f"blocking call detected: {text}" for text in sorted(set(reports))[:10])
    return rows
