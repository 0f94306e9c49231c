"""How Lidarr queue items add up for one request (payloads shaped as Lidarr's QueueResource)."""

from __future__ import annotations

from typing import Any

from homeassistant.util import dt as dt_util
from stepheybot_music_clients.lidarr.models import parse_queue_item

from custom_components.stepheybot_music.tracking.lidarr_route import _from_queue
from custom_components.stepheybot_music.tracking.models import Route, Stage, TrackedRequest

MIB = 1024 * 1024


def _item(item_id: int, album_id: int, download_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": item_id,
        "artistId": 1,
        "albumId": album_id,
        "title": "Artist - Discography",
        "status": "downloading",
        "trackedDownloadStatus": "ok",
        "trackedDownloadState": "downloading",
        "protocol": "torrent",
        "downloadId": download_id,
        **fields,
    }


def _request() -> TrackedRequest:
    return TrackedRequest(
        request_id="r",
        route=Route.LIDARR,
        backend_id="lidarr",
        artist="Artist",
        lidarr_artist_id=1,
        lidarr_album_ids=(10, 11, 12),
        stage=Stage.SEARCHING,
    )


def test_one_release_of_several_albums_counts_once() -> None:
    """Two albums grabbed in one torrent: its size once, plus the third album's own."""
    items = [
        parse_queue_item(
            _item(1, 10, "AAAA", size=400 * MIB, sizeleft=100 * MIB, timeleft="00:05:00")
        ),
        parse_queue_item(
            _item(2, 11, "AAAA", size=400 * MIB, sizeleft=100 * MIB, timeleft="00:05:00")
        ),
        parse_queue_item(
            _item(3, 12, "BBBB", size=100 * MIB, sizeleft=100 * MIB, timeleft="00:20:00")
        ),
    ]

    moved = _from_queue(_request(), items, dt_util.utcnow())

    assert moved.stage is Stage.DOWNLOADING
    assert moved.size == 500 * MIB
    assert moved.progress == 300 / 500
    assert moved.eta == 20 * 60
    assert moved.torrent_hash == "aaaa"


def test_a_negative_time_left_is_no_negative_eta() -> None:
    """Lidarr reports a negative time left for a download past its estimate."""
    items = [parse_queue_item(_item(1, 10, "AAAA", size=MIB, sizeleft=MIB, timeleft="-00:00:30"))]

    moved = _from_queue(_request(), items, dt_util.utcnow())

    assert moved.eta == 0.0
