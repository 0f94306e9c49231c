"""The Music Brain's line to Navidrome: mock library data and missing Navidrome settings."""

from __future__ import annotations

from pathlib import Path

from stepheybot_music_exporter.collectors.music_brain import MusicBrainCollector

from simulator import Fault, Simulator
from simulator.server import default_specs

from .conftest import ExporterStarter, exporter_config, running_exporter

MOCK = "stepheybot_music_brain_library_mock"
CONFIGURED = "stepheybot_music_brain_navidrome_configured"


async def test_mock_library_follows_the_brains_line_to_navidrome(
    sim: Simulator, start_exporter: ExporterStarter
) -> None:
    exporter = await start_exporter()
    scrape = await exporter.scrape()
    assert scrape.up("music_brain") == 1
    assert scrape.value(MOCK) == 0
    assert scrape.value(CONFIGURED) == 1

    sim.world.set_brain_reachable("navidrome", False)
    cut = await exporter.scrape()
    assert cut.up("music_brain") == 1
    assert cut.up("navidrome") == 1, "only the Brain's line is cut"
    assert cut.value(MOCK) == 1
    assert cut.value(CONFIGURED) == 1

    sim.world.set_brain_reachable("navidrome", True)
    assert (await exporter.scrape()).value(MOCK) == 0


async def test_a_stopped_navidrome_makes_the_brain_serve_mock_data(
    sim: Simulator, start_exporter: ExporterStarter
) -> None:
    exporter = await start_exporter()
    assert (await exporter.scrape()).value(MOCK) == 0
    await sim.set_fault("navidrome", Fault.DOWN)
    down = await exporter.scrape()
    assert down.up("navidrome") == 0
    assert down.up("music_brain") == 1
    assert down.value(MOCK) == 1
    await sim.clear_fault("navidrome")
    back = await exporter.scrape()
    assert back.up("navidrome") == 1
    assert back.value(MOCK) == 0


async def test_one_cheap_request_never_the_library_statistics(
    sim: Simulator, start_exporter: ExporterStarter
) -> None:
    exporter = await start_exporter()
    stack = exporter.exporter.stacks[sim.stack_name]
    brain = next(c for c in stack.collectors if c.name == "music_brain")
    assert isinstance(brain, MusicBrainCollector)
    for _ in range(3):
        await exporter.scrape()
    sim.world.set_brain_reachable("navidrome", False)
    await exporter.scrape()
    paths = dict(brain.client().stats.by_path)
    assert paths == {"/api/v1/download/stats": 4, "/api/v1/status": 4}


async def test_a_brain_without_navidrome_settings(tmp_path: Path) -> None:
    specs = default_specs("0007")
    next(s for s in specs if s.kind == "music_brain").extra["navidrome"] = "unconfigured"
    async with Simulator(seed=7, specs=specs, docker_socket=False) as sim:
        path = tmp_path / "stack.yaml"
        sim.write_stack_file(path)
        async with running_exporter(exporter_config(path)) as exporter:
            scrape = await exporter.scrape()
    assert scrape.up("music_brain") == 1
    assert scrape.value(CONFIGURED) == 0
    assert scrape.value(MOCK) == 1, "the Brain makes library numbers up without Navidrome too"
    assert scrape.value("stepheybot_music_brain_requests", status="queued") == 0
