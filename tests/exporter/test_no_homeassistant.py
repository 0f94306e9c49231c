"""The exporter runs without Home Assistant: a child process that cannot import it serves a scrape.

The child blocks ``homeassistant`` and ``custom_components`` with a meta-path finder before
importing the exporter, then runs the real command line (``main``). This test process
runs the simulator and scrapes the child over HTTP.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from pathlib import Path

import aiohttp

from simulator import Simulator
from tests.loopback import free_port

from .conftest import parse

CHILD = """
import sys

class BlockHomeAssistant:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("homeassistant", "custom_components"):
            sys.stderr.write(f"BLOCKED import of {name}\\n")
            raise ImportError(f"{name} is not installed here")
        return None

sys.meta_path.insert(0, BlockHomeAssistant())
for name in list(sys.modules):
    if name.split(".")[0] in ("homeassistant", "custom_components"):
        del sys.modules[name]

import stepheybot_music_exporter
from stepheybot_music_exporter.__main__ import main

assert "homeassistant" not in sys.modules
main(sys.argv[1:])
"""


async def test_full_scrape_with_home_assistant_unimportable(
    sim: Simulator, stack_file: Path, tmp_path: Path
) -> None:
    port = free_port()
    log = tmp_path / "exporter.log"
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            CHILD,
            "--config",
            str(stack_file),
            "--listen",
            f"127.0.0.1:{port}",
            cwd=tmp_path,  # not the repository: nothing importable by accident
            env={**os.environ, "PYTHONPATH": ""},
            stdout=output,
            stderr=output,
            start_new_session=True,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession() as session:
            deadline = time.monotonic() + 30
            while True:
                with contextlib.suppress(aiohttp.ClientError):
                    async with session.get(url + "/healthz") as resp:
                        if resp.status == 200:
                            break
                assert process.returncode is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                await asyncio.sleep(0.1)
            async with session.get(url + "/metrics") as resp:
                scrape = parse(resp.status, await resp.text(), dict(resp.headers))
    finally:
        if process.returncode is None:
            os.kill(process.pid, signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), 15)
    output_text = log.read_text()
    assert code == 0, output_text
    assert "BLOCKED" not in output_text
    assert "serving http://127.0.0.1:" in output_text
    assert scrape.status == 200
    names = [b.name for b in sim.stack_config().backends]
    assert len(names) == 9
    for name in names:
        assert scrape.up(name) == 1, output_text
    assert scrape.value("stepheybot_music_library_tracks") == sim.world.nav_songs
