"""One test per cell of the integration's fault matrix (:mod:`.ha_matrix`), real Home Assistant.

Each cell sets up a stack of the faulted backend and two others on the simulator, lets every
coordinator poll once, then runs the cell's steps and checks each against the matrix.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_API_KEY, CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant
from stepheybot_music_clients import login_policy

from custom_components.stepheybot_music import backends as backend_types
from custom_components.stepheybot_music.tracking.models import Route, Stage, TrackedRequest
from simulator import Fault, Simulator
from simulator.backends import BackendSpec
from simulator.server import default_specs
from tests.integration.conftest import backend_data, stack_entry, subentry_id

from . import ha_matrix, matrix
from .ha_matrix import Action, Cell, Down, Step
from .ha_stack import (
    PACKAGE_LOGGER,
    LogLines,
    Requests,
    client_stats,
    entity_ids,
    issue_ids,
    poll,
    qbittorrent_facade,
    states,
)

pytestmark = pytest.mark.usefixtures("enable_custom_integrations")
SENTINELS = ("gluetun", "transmission", "prowlarr")
"""The other backends of a cell's stack: the first two that are not the faulted one."""
JACKETT_PASSWORD = "jk-admin-5eed"
REACHABLE = "_reachable"
"""The Music Brain's reachable sensor: never unavailable, "off" while the brain fails."""
ROUTES = {
    "lidarr": Route.LIDARR,
    "qbittorrent": Route.DOWNLOAD_CLIENT,
    "transmission": Route.DOWNLOAD_CLIENT,
}
"""Backends that carry tracked requests here: each cell has one in flight on them."""
FED_BY = {
    "binary_sensor.gluetun_vpn_leak": ("qbittorrent", "unavailable"),
    "binary_sensor.qbittorrent_port_matches_vpn": ("gluetun", "unknown"),
    "binary_sensor.transmission_port_matches_vpn": ("gluetun", "unknown"),
}
"""Entities of another backend that also need the faulted one, and what they show while it is
down: gluetun's IP against qBittorrent's; a client's listen port against gluetun's forwarded
port, which cannot be compared (unknown) while gluetun does not answer."""


def specs(names: list[str], flavor: str) -> list[BackendSpec]:
    """The simulator's backends ``names``; qBittorrent of ``flavor``, Jackett with a password."""
    found = [s for s in default_specs("5eed") if s.name in names]
    for spec in found:
        if spec.name == "qbittorrent":
            spec.flavor = flavor
        if spec.name == "jackett":
            spec.password = JACKETT_PASSWORD
    return found


class CellRun:
    """One cell's stack and what it saw before the fault."""

    def __init__(
        self, hass: HomeAssistant, sim: Simulator, entry: ConfigEntry[Any], cell: Cell
    ) -> None:
        self.hass, self.sim, self.entry, self.cell = hass, sim, entry, cell
        self.name = cell.backend.name
        self.title = entry.subentries[subentry_id(self.name)].title
        self.others = [s for s in SENTINELS if s != self.name][:2]
        self.lines = LogLines()
        self.requests = Requests()
        self.mine: list[str] = []
        self.others_before: dict[str, str] = {}
        self.qb_sessions: set[str] = set()
        self.qb_failed = 0
        self.request: TrackedRequest | None = None

    def baseline(self) -> None:
        """Note the healthy states and start counting requests."""
        before = states(self.hass, entity_ids(self.hass, self.entry, self.name))
        self.mine = [e for e, s in before.items() if s not in ("unavailable", "missing")]
        assert self.mine, "the backend has entities"
        ids = [e for o in self.others for e in entity_ids(self.hass, self.entry, o)]
        self.others_before = states(self.hass, ids)
        self.requests = Requests(client_stats(self.entry, self.name))
        self.requests.take(self.cell.backend.login_paths)
        self.lines.take(self.title)
        if self.name == "qbittorrent":
            self.qb_logins()

    async def track_a_download(self) -> None:
        """Put a request in flight on the backend: an album the simulator is downloading."""
        route = ROUTES.get(self.name)
        if route is None:
            return
        torrent = next(t for t in self.sim.world.torrents.values() if 0 < t.progress < 1)
        assert torrent.album_id is not None
        album = self.sim.world.albums[torrent.album_id]
        request = TrackedRequest(
            request_id="matrix-request",
            route=route,
            backend_id=subentry_id(self.name),
            artist=album.artist_mbid,
            album=album.title,
            stage=Stage.DOWNLOADING if route is Route.DOWNLOAD_CLIENT else Stage.SEARCHING,
            lidarr_album_ids=(album.id,),
            torrent_hash=torrent.hash.lower(),
        )
        requests = self.entry.runtime_data.requests
        await requests.async_submit(request)
        await poll(self.hass, self.entry)
        self.request = requests.store.get(request.request_id)
        assert self.request is not None
        assert self.request.stage is Stage.DOWNLOADING, self.request

    def check_request(self, step: Step, where: str) -> None:
        """A request in flight keeps its stage while the backend fails, and goes on after."""
        if self.request is None:
            return
        now = self.entry.runtime_data.requests.store.get(self.request.request_id)
        assert now is not None, where
        assert now.stage is self.request.stage, f"{where}: {now.stage} ({now.message})"
        if step.down is Down.ALL:
            assert now.progress == self.request.progress, where

    def qb_logins(self) -> int:
        """Logins (new sessions plus failed logins) qBittorrent itself counted since last call."""
        facade = qbittorrent_facade(self.sim)
        sessions, failed = set(facade.sessions), sum(facade.failures.values())
        # a successful login resets the failure count: then every failure left is new
        count = len(sessions - self.qb_sessions) + (
            failed - self.qb_failed if failed >= self.qb_failed else failed
        )
        self.qb_sessions, self.qb_failed = sessions, failed
        assert not facade.banned_until, "qBittorrent banned Home Assistant"
        return count

    async def act(self, step: Step) -> None:
        """Do the step's action and let every coordinator poll once."""
        name, beyond = self.name, 0.0
        if step.action is Action.FAULT:
            await self.sim.set_fault(name, Fault(self.cell.fault))
        elif step.action is Action.EXPIRE:
            await self.sim.set_fault(name, Fault.SESSION_EXPIRED)
        elif step.action is Action.CLEAR:
            await self.sim.clear_fault(name)
        elif step.action is Action.CLEAR_AFTER_BAN:
            await self.sim.clear_fault(name)
            await asyncio.sleep(ha_matrix.BAN + 0.1)
            beyond = ha_matrix.ASSUMED_BAN
        elif step.action is Action.REAUTH:
            await self.reauthenticate()
        await poll(self.hass, self.entry, beyond=beyond)

    async def reauthenticate(self) -> None:
        """Complete the open reauthentication flow with the backend's credentials."""
        (flow,) = self.entry.async_get_active_flows(self.hass, {"reauth"})
        data = backend_data(self.sim, self.name)
        credentials = {
            k: v for k, v in data.items() if k in (CONF_USERNAME, CONF_PASSWORD, CONF_API_KEY)
        }
        result = await self.hass.config_entries.flow.async_configure(flow["flow_id"], credentials)
        assert result.get("reason") == "reauth_successful", result
        await self.hass.async_block_till_done(wait_background_tasks=True)
        # the stack reloaded: new clients, new counters
        self.requests = Requests(client_stats(self.entry, self.name))

    def check(self, step: Step) -> None:
        """Check everything the step promises."""
        where = f"{self.cell.id} after {step.action}"
        self.check_entities(step, where)
        self.check_request(step, where)
        failures, recoveries = self.lines.take(self.title)
        assert len(failures) == int(step.failure_line), f"{where}: {failures}"
        assert len(recoveries) == int(step.recovery_line), f"{where}: {recoveries}"
        flows = self.entry.async_get_active_flows(self.hass, {"reauth"})
        assert len(list(flows)) == int(step.reauth), where
        expected = {f"{step.issue_kind}_{subentry_id(self.name)}"} if step.issue else set()
        assert issue_ids(self.hass) == expected, where
        sent, logins = self.requests.take(self.cell.backend.login_paths)
        if step.logins is not None:
            assert logins == step.logins, f"{where}: {logins} logins"
        if step.sent is not None:
            assert sent == step.sent, f"{where}: {sent} requests"
        if self.name == "qbittorrent":
            # the simulator counts the logins it judged; one refused for a ban is not judged
            refused = self.cell.fault == "banned" and step.issue
            assert self.qb_logins() == (0 if refused else logins), where

    def check_entities(self, step: Step, where: str) -> None:
        """The backend's coordinators and entities, and the other backends' entities."""
        backend = self.entry.runtime_data.backends[subentry_id(self.name)]
        failing = {c.role for c in backend.coordinators if not c.last_update_success}
        roles = {c.role for c in backend.coordinators}
        expected = {Down.NONE: set(), Down.ALL: roles, Down.LOGIN_ONLY: {"library"}}[step.down]
        assert failing == expected, f"{where}: failing {failing}"
        now = states(self.hass, self.mine)
        for entity_id, state in now.items():
            if entity_id.endswith(REACHABLE):
                assert state == ("on" if step.down is Down.NONE else "off"), where
            elif step.down is Down.ALL:
                assert state == "unavailable", f"{where}: {entity_id} is {state}"
            elif step.down is Down.NONE:
                assert state != "unavailable", f"{where}: {entity_id} is {state}"
        if step.down is Down.LOGIN_ONLY:
            assert "unavailable" in now.values(), where
            assert set(now.values()) != {"unavailable"}, where
        others_now = states(self.hass, self.others_before)
        changed = {
            e: (self.others_before[e], s)
            for e, s in others_now.items()
            if s != self.others_before[e]
            and not (FED_BY.get(e) == (self.name, s) and step.down is Down.ALL)
        }
        assert not changed, f"{where}: other backends changed: {changed}"


@pytest.mark.parametrize("cell", ha_matrix.CELLS, ids=[c.id for c in ha_matrix.CELLS])
async def test_cell(
    hass: HomeAssistant,
    cell: Cell,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(backend_types, "REQUEST_TIMEOUT", ha_matrix.TIMEOUT)
    assert login_policy.DEFAULT_BAN_SECONDS == ha_matrix.ASSUMED_BAN
    name = cell.backend.name
    if name == "qbittorrent":
        # the simulated qBittorrent's ban lasts BAN s (qBittorrent does not say how long)
        monkeypatch.setattr(login_policy, "DEFAULT_BAN_SECONDS", ha_matrix.BAN)
    names = [name, *[s for s in SENTINELS if s != name][:2]]
    flavor = cell.backend.flavor or "5.3"
    package = logging.getLogger(PACKAGE_LOGGER)
    async with Simulator(
        seed=7, specs=specs(names, flavor), speed=0, slow_delay=ha_matrix.SLOW_DELAY
    ) as sim:
        entry = stack_entry(sim, names)
        entry.add_to_hass(hass)
        await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done(wait_background_tasks=True)
        await poll(hass, entry)  # the slow coordinators' first data, every session open
        run = CellRun(hass, sim, entry, cell)
        await run.track_a_download()
        package.addHandler(run.lines)
        try:
            run.baseline()
            for step in cell.steps:
                await run.act(step)
                run.check(step)
        finally:
            package.removeHandler(run.lines)
        assert await hass.config_entries.async_unload(entry.entry_id)
    unexpected = [r.getMessage() for r in caplog.records if "Unexpected error" in r.getMessage()]
    assert not unexpected, unexpected


def test_every_backend_and_fault_has_a_cell() -> None:
    cells = {(c.backend.id, str(c.fault)) for c in ha_matrix.CELLS}
    assert cells == {(b.id, str(f)) for b in matrix.BACKENDS for f in Fault}


def test_readme_troubleshooting_matches_the_matrix() -> None:
    text = ha_matrix.README.read_text(encoding="utf-8")
    start = text.index(ha_matrix.README_START)
    end = text.index(ha_matrix.README_END) + len(ha_matrix.README_END)
    assert text[start:end] == ha_matrix.readme_block(), (
        "README.md's fault outcomes are out of date: paste ha_matrix.readme_block()"
    )
