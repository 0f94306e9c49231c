"""Navidrome's event stream read by the client: login, frames, and what ends a scan.

Against the simulated Navidrome (simulator/backends/navidrome_events.py, from Navidrome
v0.58.5's server/events/sse.go).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
from stepheybot_music_clients.errors import InvalidAuthError
from stepheybot_music_clients.subsonic.client import SubsonicClient
from stepheybot_music_clients.subsonic.events import FrameParser, ServerEvent

from simulator import Fault, Simulator
from simulator.backends import BackendSpec


@pytest.fixture
async def navidrome() -> AsyncIterator[tuple[Simulator, SubsonicClient]]:
    spec = BackendSpec(
        name="navidrome", kind="navidrome", flavor="0.58", username="admin", password="pw"
    )
    async with Simulator(specs=[spec], speed=0) as sim, aiohttp.ClientSession() as session:
        yield sim, SubsonicClient(session, sim.url("navidrome"), username="admin", password="pw")


async def test_a_scan_end_arrives_as_an_event(
    navidrome: tuple[Simulator, SubsonicClient],
) -> None:
    sim, client = navidrome
    stream = client.events()
    first = await asyncio.wait_for(anext(stream), 5)
    assert first.name == "serverStart"
    assert not first.scan_ended
    sim.world.start_scan()
    started = await asyncio.wait_for(anext(stream), 5)
    assert started.name == "scanStatus"
    assert started.data["scanning"] is True
    await sim.advance(sim.world.scan_duration + 1)
    while not (await asyncio.wait_for(anext(stream), 5)).scan_ended:
        pass
    await sim.advance(15)
    while (event := await asyncio.wait_for(anext(stream), 5)).name != "keepAlive":
        pass
    assert event.data["ts"] == int(sim.world.clock.now().timestamp())
    await stream.aclose()


async def test_failures_name_the_cause(navidrome: tuple[Simulator, SubsonicClient]) -> None:
    sim, client = navidrome
    bad = SubsonicClient(client._session, sim.url("navidrome"), username="admin", password="no")
    with pytest.raises(InvalidAuthError, match="rejected the login"):
        await anext(bad.events())
    await sim.set_fault("navidrome", Fault.HTTP_500)
    with pytest.raises(Exception, match="500"):
        await anext(client.events())


def test_frames_are_parsed_as_the_sse_format_says() -> None:
    parser = FrameParser()
    lines = ["id: 3", "event: scanStatus", 'data: {"scanning":false,"count":9}', ""]
    events = [e for line in lines if (e := parser.feed(line)) is not None]
    assert events == [ServerEvent(name="scanStatus", data={"scanning": False, "count": 9})]
    assert events[0].scan_ended
    assert parser.feed(": comment") is None
    assert parser.feed("") is None
