"""One test per cell of the fault matrix (:mod:`.matrix`), and the document checked against it."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from stepheybot_music_clients import login_policy

from simulator import Fault, Simulator
from tests.exporter.conftest import RunningExporter, Scrape, exporter_config, running_exporter

from . import matrix
from .matrix import Action, Cell, Step, Wait
from .stackhelpers import client_stats, matrix_specs, qbittorrent_facade

HEADERS = {"X-Prometheus-Scrape-Timeout-Seconds": f"{matrix.SCRAPE_TIMEOUT:g}"}
FAILURE = "stepheybot_music_backend_failure"
WAITS = {Wait.NOTHING: 0.0, Wait.BACKOFF: matrix.BACKOFF + 0.1, Wait.BAN: matrix.BAN + 0.1}


def failures(scrape: Scrape) -> dict[str, str]:
    """Backend -> reason of every ``backend_failure`` series (each must be 1)."""
    found: dict[str, str] = {}
    for labels, value in scrape.series(FAILURE).items():
        label = dict(labels)
        assert value == 1, label
        assert label["backend"] not in found, f"two reasons for {label['backend']}"
        found[label["backend"]] = label["reason"]
    return found


def peer_gone(record: logging.LogRecord) -> bool:
    """A simulator backend logging that the exporter hung up on a slow request (not a bug).

    An exception in the exporter's own handler would turn the scrape into HTTP 500, which
    every step rules out.
    """
    return record.name == "aiohttp.server" and bool(
        record.exc_info and isinstance(record.exc_info[1], ConnectionResetError)
    )


class QbLedger:
    """The simulator's side of qBittorrent logins: new sessions, failed logins, real bans."""

    def __init__(self, sim: Simulator) -> None:
        self.facade = qbittorrent_facade(sim)
        self.sessions = set(self.facade.sessions)
        self.failed = sum(self.facade.failures.values())

    def logins_since(self) -> int:
        """Successful plus failed logins the facade counted since the last call."""
        sessions, failed = set(self.facade.sessions), sum(self.facade.failures.values())
        # a successful login resets the failure count: then every failure left is new
        count = len(sessions - self.sessions) + (
            failed - self.failed if failed >= self.failed else failed
        )
        self.sessions, self.failed = sessions, failed
        return count


async def run_step(
    step: Step,
    *,
    cell: Cell,
    sim: Simulator,
    exporter: RunningExporter,
    names: list[str],
    ledger: QbLedger | None,
) -> Scrape:
    """Do the step's action, scrape once and check the scrape against the step."""
    backend = cell.backend.name
    fault = Fault(cell.fault)
    if step.action is Action.FAULT:
        await sim.set_fault(backend, fault)
    elif step.action is Action.EXPIRE:
        await sim.set_fault(backend, Fault.SESSION_EXPIRED)
    elif step.action is Action.CLEAR:
        await sim.clear_fault(backend)
        await asyncio.sleep(WAITS[step.wait])
    stats = client_stats(exporter.exporter, backend)
    stats.reset()

    scrape = await exporter.scrape(headers=HEADERS)

    where = f"{cell.id} step {step.action}"
    assert scrape.status == 200, where
    failed = failures(scrape)
    expected = {} if step.up else {backend: step.reason}
    assert failed == expected, f"{where}: {failed}"
    for name in names:
        assert scrape.up(name) == (1 if name != backend or step.up else 0), f"{where}: {name}"
    logins = sum(stats.by_path.get(path, 0) for path in cell.backend.login_paths)
    if step.logins is not None:
        assert logins == step.logins, f"{where}: {dict(stats.by_path)}"
    if step.sent is not None:
        assert stats.requests == step.sent, f"{where}: {dict(stats.by_path)}"
    if ledger is not None:
        seen = ledger.logins_since()
        # the facade counts the logins it judged; one refused for a ban is answered before that
        refused = cell.fault is matrix.Fault.BANNED and step.action is not Action.CLEAR
        assert seen == (0 if refused else logins), where
        assert not ledger.facade.banned_until, f"{where}: qBittorrent banned the exporter"
    return scrape


@pytest.mark.parametrize("cell", matrix.CELLS, ids=[c.id for c in matrix.CELLS])
async def test_cell(
    cell: Cell,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(login_policy, "DEFAULT_BAN_SECONDS", matrix.BAN)  # one ban length for all
    caplog.set_level(logging.INFO)
    specs = matrix_specs(qbittorrent_flavor=cell.backend.flavor or "5.3")
    async with Simulator(seed=7, slow_delay=matrix.SLOW_DELAY, specs=specs) as sim:
        sim.write_stack_file(tmp_path / "stack.yaml")
        config = exporter_config(tmp_path / "stack.yaml", "--login-backoff", f"{matrix.BACKOFF:g}")
        async with running_exporter(config) as exporter:
            names = [b.name for b in config.default_stack.backends]
            healthy = await exporter.scrape(headers=HEADERS)
            assert healthy.status == 200
            assert all(healthy.up(name) == 1 for name in names), healthy.text
            ledger = QbLedger(sim) if cell.backend.name == "qbittorrent" else None

            scrape = healthy
            for step in cell.steps:
                scrape = await run_step(
                    step, cell=cell, sim=sim, exporter=exporter, names=names, ledger=ledger
                )
            assert cell.steps[-1].action is Action.CLEAR
            assert scrape.samples.keys() == healthy.samples.keys()
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR and not peer_gone(r)]
    assert not errors, [r.getMessage() for r in errors]


def test_every_backend_and_fault_has_a_cell() -> None:
    cells = {(c.backend.id, str(c.fault)) for c in matrix.CELLS}
    assert cells == {(b.id, str(f)) for b in matrix.BACKENDS for f in Fault}
    assert {str(f) for f in matrix.Fault} == {str(f) for f in Fault}
    assert {b.flavor for b in matrix.BACKENDS if b.name == "qbittorrent"} == {"4.5", "5.3"}


def test_document_is_generated_from_the_matrix() -> None:
    assert matrix.DOC.read_text(encoding="utf-8") == matrix.render(), (
        "docs/fault-matrix.md is out of date: run python -m tests.reliability.matrix --write"
    )
