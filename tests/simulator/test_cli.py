"""``scripts/simulate`` (``python -m simulator``): runs until stopped and writes a stack file."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
from stepheybot_music_clients.models import BackendKind
from stepheybot_music_clients.stackfile import StackConfig, load_stack_file

from simulator.world import SEARCH_SECONDS
from tests.loopback import free_port


def test_simulate_writes_a_working_stack_file(tmp_path: Path) -> None:
    stack_file = tmp_path / "stack.yaml"
    control = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "simulator",
            "--seed",
            "4",
            "--speed",
            "0",
            "--stack-file",
            str(stack_file),
            "--control-port",
            str(control),
            "--gluetun-flavor",
            "3.40",
        ],
        cwd=Path(__file__).parents[2],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not stack_file.exists() and time.monotonic() < deadline:
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            time.sleep(0.2)
        time.sleep(0.2)
        (stack,) = load_stack_file(stack_file, env={})
        assert {b.kind for b in stack.backends} == set(BackendKind)
        assert stack.backend("lidarr").api_key
        assert stack.backend("qbittorrent").password

        async def answers() -> dict[str, int]:
            statuses = {}
            async with aiohttp.ClientSession() as session:
                for backend in stack.backends:
                    async with session.get(backend.url + "/", allow_redirects=False) as resp:
                        statuses[backend.name] = resp.status
                async with session.get(f"http://127.0.0.1:{control}/control/state") as resp:
                    state = await resp.json()
                gluetun = stack.backend("gluetun")
                async with session.get(
                    gluetun.url + "/v1/version", headers={"X-API-Key": gluetun.api_key}
                ) as resp:
                    assert (await resp.json(content_type=None))["version"] == "v3.40.4"
                assert await _search_takes_the_default_seconds(session, stack, control)
            assert set(state["backends"]) == {b.name for b in stack.backends}
            assert set(state["download_clients"]) == {"qbittorrent", "transmission"}
            return statuses

        statuses = asyncio.run(answers())
        assert all(100 <= status < 600 for status in statuses.values()), statuses
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out
    assert "simulated stack 'simulated' is up" in out
    assert "simulator stopped" in out


async def _search_takes_the_default_seconds(
    session: aiohttp.ClientSession, stack: StackConfig, control: int
) -> bool:
    """A Lidarr search runs ``SEARCH_SECONDS`` of simulated time (time is frozen here)."""
    lidarr = stack.backend("lidarr")
    url, headers = f"{lidarr.url}/api/v1/command", {"X-Api-Key": lidarr.api_key or ""}
    async with session.post(url, json={"name": "MissingAlbumSearch"}, headers=headers) as resp:
        command = await resp.json()
    assert command["status"] == "started"
    advance = f"http://127.0.0.1:{control}/control/advance"
    async with session.post(advance, json={"seconds": SEARCH_SECONDS - 1}) as resp:
        assert resp.status == 200
    async with session.get(f"{url}/{command['id']}", headers=headers) as resp:
        assert (await resp.json())["status"] == "started"
    async with session.post(advance, json={"seconds": 1}) as resp:
        assert resp.status == 200
    async with session.get(f"{url}/{command['id']}", headers=headers) as resp:
        return bool((await resp.json())["status"] == "completed")
