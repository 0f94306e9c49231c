"""Reading ``torrent-get`` payloads into typed torrents (shape errors raise for ``parsing``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from stepheybot_music_clients.transmission.models import Torrent, TorrentState


def _time(value: Any) -> datetime | None:
    seconds = int(value or 0)
    return datetime.fromtimestamp(seconds, UTC) if seconds > 0 else None


def parse_torrent(data: Mapping[str, Any]) -> Torrent:
    """Build a :class:`Torrent` from one ``torrent-get`` object (``TORRENT_FIELDS``)."""
    status = int(data["status"])
    error = int(data.get("error", 0))
    rate_down = int(data.get("rateDownload", 0))
    rate_up = int(data.get("rateUpload", 0))
    size = int(data["totalSize"])
    eta = int(data.get("eta", -1))
    labels = data.get("labels") or []
    if not isinstance(labels, list):
        raise TypeError(f"labels is {type(labels).__name__}, not a list")
    return Torrent(
        id=int(data["id"]),
        hash=str(data["hashString"]).lower(),
        name=str(data["name"]),
        state=TorrentState.derive(
            status,
            error=error,
            rate_download=rate_down,
            rate_upload=rate_up,
            # every version we support sends it (since 1.90); a reply without it has metadata
            has_metadata=float(data.get("metadataPercentComplete", 1)) >= 1.0,
        ),
        status=status,
        progress=float(data["percentDone"]),
        rate_download=rate_down,
        rate_upload=rate_up,
        size=size,
        size_when_done=int(data.get("sizeWhenDone", size)),
        left_until_done=int(data.get("leftUntilDone", 0)),
        eta=eta if eta >= 0 else None,
        error=error,
        error_string=str(data.get("errorString") or ""),
        labels=tuple(str(label) for label in labels),
        download_dir=str(data.get("downloadDir") or ""),
        added=_time(data.get("addedDate")),
        done=_time(data.get("doneDate")),
        uploaded=int(data.get("uploadedEver", 0)),
        downloaded=int(data.get("downloadedEver", 0)),
        peers_connected=int(data.get("peersConnected", 0)),
    )


def parse_torrents(value: object) -> list[Torrent]:
    """Parse the ``torrents`` array of a ``torrent-get`` reply (objects, not tables)."""
    if not isinstance(value, list):
        raise TypeError(f"torrents is {type(value).__name__}, not a list")
    return [parse_torrent(item) for item in value]


def parse_ids(value: object) -> list[int]:
    """Parse the ``removed`` array of a ``recently-active`` reply (torrent ids)."""
    if not isinstance(value, list):
        raise TypeError(f"removed is {type(value).__name__}, not a list")
    ids = []
    for item in value:
        if type(item) is not int:
            raise TypeError(f"removed holds {item!r}, not a torrent id")
        ids.append(item)
    return ids
