"""A Transmission poll waits for three round trips, not four (issue 22).

Session, then statistics, each alone (with a refused login, one failed attempt per poll),
then the torrent list (it needs the statistics' torrent count and uptime) together with the
free space (it needs the session's download folder).
"""

from __future__ import annotations

import time

from homeassistant.core import HomeAssistant

from custom_components.stepheybot_music.coordinators.transmission import TransmissionCoordinator
from simulator import Fault, Simulator

from .conftest import setup_stack, simulator_specs, subentry_id

DELAY = 0.6


async def test_a_poll_waits_for_three_round_trips(hass: HomeAssistant) -> None:
    # the real clock (not the frozen one of the ``sim`` fixture): the delay must elapse
    specs = simulator_specs()
    async with Simulator(seed=7, specs=specs, speed=0, tick_interval=3600) as sim:
        entry = await setup_stack(hass, sim, ["transmission"])
        coordinator = entry.runtime_data.backends[subentry_id("transmission")].fast[0]
        assert isinstance(coordinator, TransmissionCoordinator)
        sim.faults("transmission").slow_delay = DELAY
        await sim.set_fault("transmission", Fault.SLOW)
        started = time.perf_counter()
        await coordinator.async_refresh()
        took = time.perf_counter() - started
        assert coordinator.last_update_success
        assert 3 * DELAY <= took < 3.7 * DELAY, f"{took:.2f} s: not three round trips"
