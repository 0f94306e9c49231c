"""The qBittorrent collector keeps no torrents of its own between scrapes.

A full re-sync at 10,000 torrents builds 10,000 new torrents; if the counts still held the
previous poll's, both sets would be alive at the exporter's memory peak (bench/RESULTS.md).
"""

from __future__ import annotations

import dataclasses
import gc
import weakref

from stepheybot_music_clients.downloads import QBITTORRENT, Tally, TorrentTally
from stepheybot_music_clients.qbittorrent import MainData, Torrent
from stepheybot_music_clients.qbittorrent.sync import MainDataStore


class Torrents(dict[str, Torrent]):
    """A torrent mapping a weak reference can watch (a plain dict cannot be)."""


def _reply(rid: int, states: dict[str, str], *, full: bool) -> dict[str, object]:
    return {
        "rid": rid,
        "full_update": full,
        "torrents": {
            info_hash: {"name": info_hash, "category": "music", "state": state}
            for info_hash, state in states.items()
        },
    }


def _counts(tally: TorrentTally[str, Torrent], data: MainData) -> dict[str, int]:
    """The nonzero counts by state of the music torrents after ``data``."""
    result: Tally = tally.update(
        data.torrents, changed=data.changed, removed=data.removed, full=data.full_update
    )
    return {str(state): n for state, n in result.category_counts.items() if n}


def test_counts_do_not_keep_the_polled_torrents_alive() -> None:
    store = MainDataStore()
    states = TorrentTally[str, Torrent](QBITTORRENT, category="music")
    hashes = [f"{n:040x}" for n in range(50)]
    first = store.apply(_reply(1, dict.fromkeys(hashes, "stoppedDL"), full=True))
    watched = Torrents(first.torrents)
    assert _counts(states, dataclasses.replace(first, torrents=watched)) == {"stopped": 50}
    alive = weakref.ref(watched)
    del first, watched
    store.reset()  # a lost session: the client forgets its torrents before the re-sync
    gc.collect()
    assert alive() is None, "the counts keep the previous poll's torrents alive"

    # the counts still follow a full update and the deltas after it
    second = store.apply(_reply(1, dict.fromkeys(hashes, "stoppedDL"), full=True))
    assert _counts(states, second) == {"stopped": 50}
    third = store.apply(_reply(2, {hashes[0]: "downloading"}, full=False))
    assert _counts(states, third) == {"stopped": 49, "downloading": 1}
    assert _counts(states, third) == {"stopped": 49, "downloading": 1}, "fed twice: no drift"
    unchanged = store.apply({"rid": 3})
    assert unchanged.torrents is third.torrents
    assert _counts(states, unchanged) == {"stopped": 49, "downloading": 1}
    assert states.recounts == 2
