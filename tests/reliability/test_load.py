"""The exporter under load: 100 concurrent scrapes, and 10,000 scrapes in a row.

The concurrency test runs the simulator in this process, so it can slow one backend down and
make every collection last long enough for all scrapes of a wave to overlap it. The long run
starts the simulator as a separate process, so the memory measured here is the exporter's.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import aiohttp
import pytest
from stepheybot_music_clients.stackfile import dump_stack_file, load_stack_file

from simulator import Fault, Simulator
from tests.exporter.conftest import exporter_config, parse, running_exporter

from .resources import Usage, growth, usage
from .stackhelpers import client_stats, matrix_specs

REPO = Path(__file__).resolve().parents[2]
CONCURRENT = 100
WAVES = 3
WINDOW = 0.5
"""Seconds one collection lasts in the concurrency test (one backend answers that slowly)."""
LONG_RUN = 10_000
LONG_RUN_BACKENDS = ("qbittorrent", "transmission")
CHECKPOINT = 500
MiB = 1024 * 1024


@pytest.fixture(autouse=True)
async def enable_event_loop_debug() -> None:
    """Measure the exporter as it runs in production: asyncio's debug mode off.

    (Home Assistant's test plugin turns it on for every test; it keeps a traceback per
    coroutine and would make this test measure the debugger.)
    """
    asyncio.get_running_loop().set_debug(False)


async def timed_get(session: aiohttp.ClientSession, url: str) -> tuple[int, bytes, float]:
    """GET ``url``: status, body and seconds taken."""
    start = time.monotonic()
    async with session.get(url) as resp:
        body = await resp.read()
        return resp.status, body, time.monotonic() - start


def percentile(values: list[float], fraction: float) -> float:
    """The value below which ``fraction`` of ``values`` lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def test_100_concurrent_scrapes_share_one_collection_per_window(tmp_path: Path) -> None:
    async with Simulator(seed=7, specs=matrix_specs(), slow_delay=WINDOW) as sim:
        sim.write_stack_file(tmp_path / "stack.yaml")
        config = exporter_config(tmp_path / "stack.yaml", "--scrape-timeout", "10")
        async with (
            running_exporter(config) as exporter,
            aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session,
        ):
            stack = exporter.exporter.stacks[sim.stack_name]
            first = await timed_get(session, exporter.url + "/metrics")
            assert first[0] == 200
            per_collection = {
                b.name: client_stats(exporter.exporter, b.name).requests for b in sim.specs
            }
            await sim.set_fault("music_brain", Fault.SLOW)  # each collection now lasts WINDOW
            latencies: list[float] = []
            for wave in range(WAVES):
                for spec in sim.specs:
                    client_stats(exporter.exporter, spec.name).reset()
                before = stack.collections
                results = await asyncio.gather(
                    *(timed_get(session, exporter.url + "/metrics") for _ in range(CONCURRENT))
                )
                assert [status for status, _, _ in results] == [200] * CONCURRENT
                assert stack.collections == before + 1, f"wave {wave}: one collection per window"
                assert len({body for _, body, _ in results}) == 1, "all got the same collection"
                scrape = parse(200, results[0][1].decode(), {"Content-Type": "version=0.0.4"})
                assert all(scrape.up(spec.name) == 1 for spec in sim.specs), scrape.text
                for spec in sim.specs:  # the backends saw one collection, not a hundred
                    sent = client_stats(exporter.exporter, spec.name).requests
                    assert 0 < sent <= per_collection[spec.name], spec.name
                latencies += [seconds for _, _, seconds in results]
    assert min(latencies) >= WINDOW * 0.5, "the scrapes did wait for the slow collection"
    # generous: one collection (WINDOW) plus scheduling 100 requests on a busy 2-core machine
    assert percentile(latencies, 0.99) < WINDOW + 3.0, sorted(latencies)[-5:]


async def test_concurrent_waves_without_delay_never_fail(tmp_path: Path) -> None:
    """Back-to-back waves on a fast stack: scrapes join or start collections, none fails."""
    async with Simulator(seed=7, specs=matrix_specs()) as sim:
        sim.write_stack_file(tmp_path / "stack.yaml")
        config = exporter_config(tmp_path / "stack.yaml")
        async with (
            running_exporter(config) as exporter,
            aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session,
        ):
            stack = exporter.exporter.stacks[sim.stack_name]
            results = await asyncio.gather(
                *(timed_get(session, exporter.url + "/metrics") for _ in range(CONCURRENT * 3))
            )
            assert {status for status, _, _ in results} == {200}
            # every scrape got a whole collection; far fewer collections than scrapes ran
            assert 1 <= stack.collections < CONCURRENT
            for _, body, _ in results:
                assert b'stepheybot_music_backend_up{backend="qbittorrent"} 1.0' in body


@pytest.fixture
def simulator_process(tmp_path: Path) -> Iterator[Path]:
    """The simulator as a separate process (time running); yields its stack file."""
    stack_file = tmp_path / "stack.yaml"
    log = (tmp_path / "simulator.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulator", "--seed", "7", "--stack-file", str(stack_file)],
        cwd=REPO,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not stack_file.exists():
            assert proc.poll() is None, (tmp_path / "simulator.log").read_text()
            assert time.monotonic() < deadline, "the simulator did not start"
            time.sleep(0.05)
        yield stack_file
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def only(stack_file: Path, names: tuple[str, ...], out: Path) -> Path:
    """A copy of ``stack_file`` with only the backends ``names``."""
    (stack,) = load_stack_file(stack_file)
    kept = tuple(b for b in stack.backends if b.name in names)
    assert [b.name for b in kept] == list(names)
    dump_stack_file([replace(stack, backends=kept)], out)
    return out


async def test_10000_scrapes_keep_memory_tasks_and_files_flat(
    simulator_process: Path, tmp_path: Path
) -> None:
    """10,000 scrapes in a row of the two clients that keep the most state between scrapes.

    qBittorrent (one session, ``sync/maindata`` deltas merged into a store) and Transmission
    (incremental ``recently-active`` sync) keep state for the process lifetime; the others
    keep a token at most. The whole stack is run for a simulated day in ``test_day.py``
    (10,000 scrapes of all nine would take several minutes on CI's two cores).
    """
    stack_file = only(simulator_process, LONG_RUN_BACKENDS, tmp_path / "long.yaml")
    config = exporter_config(stack_file)
    readings: list[Usage] = []
    async with (
        running_exporter(config) as exporter,
        aiohttp.ClientSession() as session,  # one keep-alive connection, as Prometheus
    ):
        url = exporter.url + "/metrics"
        for _ in range(CHECKPOINT):  # warm up: sessions, sync state, caches, pymalloc arenas
            assert (await timed_get(session, url))[0] == 200
        for done in range(1, LONG_RUN + 1):
            status, body, _ = await timed_get(session, url)
            assert status == 200
            if done % CHECKPOINT == 0:
                scrape = parse(status, body.decode(), {"Content-Type": "version=0.0.4"})
                assert all(scrape.up(name) == 1 for name in LONG_RUN_BACKENDS), scrape.text
                readings.append(usage())
        stack = exporter.exporter.stacks[config.default_stack.name]
        assert stack.collections >= LONG_RUN + CHECKPOINT
    grew = growth(readings)
    report = "\n".join(f"{r}" for r in readings)
    assert grew.objects <= 200, report
    assert grew.rss <= 4 * MiB, report
    assert grew.tasks <= 0, report
    assert grew.fds <= 0, report
