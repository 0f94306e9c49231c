"""The qBittorrent collector keeps its counts by state incrementally (cost grows with changes).

Against the simulator with thousands of torrents: after every scrape the exported counts equal
a count from scratch of the simulated world, whatever changed in between, and a scrape with
nothing changed does not look at a single torrent.
"""

from __future__ import annotations

import dataclasses
import random
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from stepheybot_music_clients.downloads import QBittorrentSource, TorrentFacts, TorrentTally
from stepheybot_music_clients.qbittorrent import QBittorrentClient, Torrent
from stepheybot_music_clients.stackfile import StackConfig, dump_stack_file
from stepheybot_music_exporter.collectors.qbittorrent import QBittorrentCollector

from simulator import Scale, Simulator
from simulator.model import TorrentStatus

from .conftest import RunningExporter, Scrape, exporter_config, running_exporter
from .test_values import EXPECTED_STATE

MUSIC = "qbittorrent"
"""The simulator's qBittorrent, counting its music category."""
EVERYTHING = "qbt-all"
"""The same qBittorrent as a second backend with category ``*`` (every torrent)."""
STATES = sorted(set(EXPECTED_STATE.values()) | {"moving", "unknown"})
OTHER_CATEGORIES = ("other", "linux", "")


def _expected(sim: Simulator, client: str) -> Counter[str]:
    """The counts by state, from scratch, of the qBittorrent torrents the backend counts."""
    world = sim.world
    return Counter(
        EXPECTED_STATE[t.status]
        for t in world.client_torrents(MUSIC).values()
        if client == EVERYTHING or t.category == world.music_category
    )


def _assert_counts(sim: Simulator, scrape: Scrape, context: str) -> None:
    for client in (MUSIC, EVERYTHING):
        assert scrape.up(client) == 1, (client, context)
        expected = _expected(sim, client)
        exported = {
            state: scrape.value("stepheybot_music_downloads", client=client, state=state)
            for state in STATES
        }
        assert exported == {state: expected[state] for state in STATES}, (client, context)


def _collector(exporter: RunningExporter, sim: Simulator, name: str) -> QBittorrentCollector:
    collector = next(
        c for c in exporter.exporter.stacks[sim.stack_name].collectors if c.name == name
    )
    assert isinstance(collector, QBittorrentCollector)
    return collector


def _states(collector: QBittorrentCollector) -> TorrentTally[str, Torrent]:
    assert collector._tally is not None
    return collector._tally


@asynccontextmanager
async def _qbittorrent_exporter(
    sim: Simulator, tmp_path: Path, *args: str
) -> AsyncIterator[RunningExporter]:
    """An exporter for a stack of the simulated qBittorrent only, twice (music and ``*``)."""
    music = sim.backend_config("qbittorrent")
    everything = dataclasses.replace(music, name=EVERYTHING, category="*")
    path = tmp_path / "stack.yaml"
    dump_stack_file([StackConfig(name=sim.stack_name, backends=(music, everything))], path)
    async with running_exporter(exporter_config(path, *args)) as exporter:
        yield exporter


class WorldChanges:
    """Random changes to the simulated torrents, of every kind the exporter must follow."""

    def __init__(self, sim: Simulator, rng: random.Random) -> None:
        """Change ``sim``'s world with ``rng``'s choices."""
        self.world = sim.world
        self.rng = rng
        self.removed: list[str] = []
        self.added = 0
        self.kinds: Counter[str] = Counter()

    def one(self) -> None:
        """Apply one random change."""
        world, rng = self.world, self.rng
        torrents = world.client_torrents(MUSIC)
        torrent = torrents[rng.choice(list(torrents))]
        kind = rng.choice(
            ("stop", "start", "remove", "add", "re-add", "category", "progress", "status")
        )
        self.kinds[kind] += 1
        match kind:
            case "stop":
                world.stop_torrent(torrent.hash)
            case "start":
                world.start_torrent(torrent.hash)
            case "remove":
                world.remove_torrent(torrent.hash)
                self.removed.append(torrent.hash)
            case "add" | "re-add":
                if kind == "re-add" and self.removed:
                    info_hash = self.removed.pop(rng.randrange(len(self.removed)))
                else:
                    self.added += 1
                    info_hash = f"{0xADD00000 + self.added:040x}"
                category = rng.choice((world.music_category, *OTHER_CATEGORIES))
                added = world.add_magnet(
                    f"magnet:?xt=urn:btih:{info_hash}&dn=Added+{self.added}",
                    category=category,
                    stopped=rng.random() < 0.5,
                    client=MUSIC,
                )
                assert added is not None
            case "category":
                torrent.category = rng.choice((world.music_category, *OTHER_CATEGORIES))
                world.touch(torrent)
            case "progress":
                torrent.progress = rng.choice((0.0, rng.random(), 1.0))
                world.touch(torrent)
            case "status":
                torrent.status = rng.choice(list(TorrentStatus))
                world.touch(torrent)


async def test_counts_follow_random_changes(tmp_path: Path) -> None:
    """After each scrape, the incrementally kept counts equal a recount of the world."""
    rng = random.Random(20261124)
    async with (
        Simulator(seed=11, scale=Scale(torrents=5000), slow_delay=3.0) as sim,
        _qbittorrent_exporter(sim, tmp_path) as exporter,
    ):
        changes = WorldChanges(sim, rng)
        _assert_counts(sim, await exporter.scrape(), "first scrape")
        collectors = [_collector(exporter, sim, name) for name in (MUSIC, EVERYTHING)]
        assert [_states(c).recounts for c in collectors] == [1, 1]

        for round_no in range(40):
            for _ in range(rng.choice((0, 1, 3, 20, 150))):
                changes.one()
            _assert_counts(sim, await exporter.scrape(), f"round {round_no}")
        # every kind of change happened, and none of them needed a count from scratch
        assert set(changes.kinds) == {
            "stop",
            "start",
            "remove",
            "add",
            "re-add",
            "category",
            "progress",
            "status",
        }
        assert [_states(c).recounts for c in collectors] == [1, 1]

        # a lost session: the next poll is a full update, counted from scratch
        for collector in collectors:
            client = collector.client()
            assert isinstance(client, QBittorrentClient)
            await client.logout()
        for _ in range(30):
            changes.one()
        _assert_counts(sim, await exporter.scrape(), "after a new session")
        assert [_states(c).recounts for c in collectors] == [2, 2]
        for _ in range(30):
            changes.one()
        _assert_counts(sim, await exporter.scrape(), "incremental again")
        assert [_states(c).recounts for c in collectors] == [2, 2]


def _spy(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every torrent the counts look at (our own code, the HTTP stays real)."""
    calls: list[str] = []
    real: Callable[[QBittorrentSource, Torrent], TorrentFacts] = QBittorrentSource.facts

    def spy(source: QBittorrentSource, torrent: Torrent) -> TorrentFacts:
        calls.append(torrent.hash)
        return real(source, torrent)

    monkeypatch.setattr(QBittorrentSource, "facts", spy)
    return calls


async def test_scrape_touches_only_changed_torrents(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No change: no torrent is looked at; a few changes: exactly those torrents are."""
    calls = _spy(monkeypatch)
    async with (
        Simulator(seed=11, scale=Scale(torrents=5000), slow_delay=3.0) as sim,
        _qbittorrent_exporter(sim, tmp_path) as exporter,
    ):
        world = sim.world
        total = len(world.client_torrents(MUSIC))
        assert total > 5000
        _assert_counts(sim, await exporter.scrape(), "first scrape")
        assert len(calls) == 2 * total  # both backends count everything once

        for scrape_no in range(3):
            calls.clear()
            _assert_counts(sim, await exporter.scrape(), f"unchanged {scrape_no}")
            assert calls == []

        stopped, moved, gone = [
            t
            for t in world.client_torrents(MUSIC).values()
            if t.category == world.music_category and t.status is TorrentStatus.STOPPED_DOWNLOADING
        ][:3]
        world.start_torrent(stopped.hash)
        moved.category = "other"
        world.touch(moved)
        world.remove_torrent(gone.hash)
        new = world.add_magnet(
            f"magnet:?xt=urn:btih:{0xBEEF:040x}&dn=New", category="music", client=MUSIC
        )
        assert new is not None
        calls.clear()
        _assert_counts(sim, await exporter.scrape(), "four changes")
        # the removed torrent is subtracted without a look; the three others are looked at once
        # by each backend
        assert Counter(calls) == Counter({stopped.hash: 2, moved.hash: 2, new.hash: 2}), (
            "only the changed torrents are looked at"
        )

        calls.clear()
        _assert_counts(sim, await exporter.scrape(), "unchanged again")
        assert calls == []


async def test_per_torrent_series_follow_changes(tmp_path: Path) -> None:
    """With ``--per-torrent`` (O(torrents) by design) the series match the music torrents."""
    rng = random.Random(7)
    async with (
        Simulator(seed=11, scale=Scale(torrents=300), slow_delay=3.0) as sim,
        _qbittorrent_exporter(sim, tmp_path, "--per-torrent") as exporter,
    ):
        world = sim.world
        changes = WorldChanges(sim, rng)
        for round_no in range(6):
            scrape = await exporter.scrape()
            _assert_counts(sim, scrape, f"round {round_no}")
            music = {
                t.hash: t.progress
                for t in world.client_torrents(MUSIC).values()
                if t.category == world.music_category
            }
            series = {
                dict(labels)["hash"]: value
                for labels, value in scrape.series(
                    "stepheybot_music_torrent_progress_ratio"
                ).items()
                if dict(labels)["client"] == MUSIC
            }
            assert series == pytest.approx(music), f"round {round_no}"
            for _ in range(25):
                changes.one()
