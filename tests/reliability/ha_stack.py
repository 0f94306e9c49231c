"""A Home Assistant stack on the simulator for the reliability tests, in real time.

Real time, because a ``slow`` backend must really run out of time (a frozen clock would
stop the request timeout as well). Polls are still driven by the test: ``poll`` fires Home
Assistant's timers one slow interval ahead, so every coordinator of every backend polls
exactly once, whatever its interval.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    async_fire_time_changed,
)
from stepheybot_music_clients.transport import TransportStats

from custom_components.stepheybot_music.const import DOMAIN
from custom_components.stepheybot_music.settings import StackSettings
from simulator import Simulator
from simulator.backends.qbittorrent import FACADE, QBittorrent
from tests.integration.conftest import subentry_id

PACKAGE_LOGGER = "custom_components.stepheybot_music"


async def poll(hass: HomeAssistant, entry: ConfigEntry[Any], *, beyond: float = 0.0) -> None:
    """Let every coordinator due within one slow interval (or ``beyond`` s) poll; wait for it."""
    settings = StackSettings.from_options(entry.options)
    ahead = max(settings.slow_interval, settings.fast_interval, timedelta(seconds=beyond))
    ahead += timedelta(seconds=1)
    async_fire_time_changed(hass, dt_util.utcnow() + ahead)
    await hass.async_block_till_done(wait_background_tasks=True)


def entity_ids(hass: HomeAssistant, entry: ConfigEntry[Any], name: str) -> list[str]:
    """The entities of one simulated backend (its config subentry)."""
    registry = er.async_get(hass)
    return sorted(
        e.entity_id
        for e in er.async_entries_for_config_entry(registry, entry.entry_id)
        if e.config_subentry_id == subentry_id(name)
    )


def states(hass: HomeAssistant, ids: Iterable[str]) -> dict[str, str]:
    """entity id -> state."""
    found: dict[str, str] = {}
    for entity_id in ids:
        state = hass.states.get(entity_id)
        found[entity_id] = state.state if state is not None else "missing"
    return found


def client_stats(entry: ConfigEntry[Any], name: str) -> list[TransportStats]:
    """The request counters of every client one backend's coordinators use (once each)."""
    backend = entry.runtime_data.backends[subentry_id(name)]
    found: dict[int, TransportStats] = {}
    for coordinator in backend.coordinators:
        client = getattr(coordinator, "client", None)
        stats = getattr(client, "stats", None)
        if isinstance(stats, TransportStats):
            found[id(stats)] = stats
    return list(found.values())


@dataclass
class Requests:
    """Requests Home Assistant sent to one backend since the last :meth:`take`."""

    stats: list[TransportStats] = field(default_factory=list)

    def take(self, login_paths: tuple[str, ...]) -> tuple[int, int]:
        """(every request, login requests) counted since the last call; resets the counters."""
        sent = sum(s.requests for s in self.stats)
        logins = sum(s.by_path.get(path, 0) for s in self.stats for path in login_paths)
        for s in self.stats:
            s.reset()
        return sent, logins


def qbittorrent_facade(sim: Simulator) -> QBittorrent:
    """The simulator's qBittorrent, to read its sessions, failed logins and bans."""
    app = sim._running["qbittorrent"].runner.app  # the simulator keeps no public handle
    facade: QBittorrent = app[FACADE]
    return facade


class LogLines(logging.Handler):
    """Records of the integration's logger at INFO and above that name one backend."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record."""
        self.records.append(record)

    def take(self, title: str) -> tuple[list[str], list[str]]:
        """(failure lines, recovery lines) about ``title`` since the last call."""
        failures: list[str] = []
        recoveries: list[str] = []
        for record in self.records:
            message = record.getMessage()
            if record.levelno >= logging.WARNING and f"{title} (" in message:
                failures.append(message)
            elif message == f"{title} recovered":
                recoveries.append(message)
        self.records.clear()
        return failures, recoveries


def issue_ids(hass: HomeAssistant) -> set[str]:
    """The repair issues the integration raised."""
    return {ident for (domain, ident) in ir.async_get(hass).issues if domain == DOMAIN}
