"""``promtool check metrics`` (Prometheus's own linter) finds nothing in the exporter's output."""

from __future__ import annotations

import asyncio

from simulator import Fault, Simulator

from .conftest import ExporterStarter


async def promtool_check(text: str) -> tuple[int, str]:
    """Run ``promtool check metrics`` on an exposition; return its exit code and output."""
    process = await asyncio.create_subprocess_exec(
        "promtool",
        "check",
        "metrics",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate(text.encode())
    assert process.returncode is not None
    return process.returncode, output.decode()


async def test_promtool_flags_what_it_should() -> None:
    """The check is real: a gauge called ``_total`` and a missing HELP are reported."""
    code, output = await promtool_check("# TYPE bad_total gauge\nbad_total 1\n")
    assert code != 0
    assert "non-counter metrics should not have" in output
    assert "no help text" in output


async def test_output_passes_promtool(sim: Simulator, start_exporter: ExporterStarter) -> None:
    await sim.advance(60)
    await sim.set_fault("lidarr", Fault.HTTP_500)  # a failure series too
    exporter = await start_exporter("--per-torrent")
    scrape = await exporter.scrape()
    assert scrape.status == 200
    assert scrape.up("lidarr") == 0
    assert scrape.series("stepheybot_music_torrent_size_bytes"), "per-torrent series included"
    assert scrape.series("stepheybot_music_backend_failure")
    code, output = await promtool_check(scrape.text)
    assert (code, output) == (0, "")
