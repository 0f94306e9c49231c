"""What a tracked request is: its stage, its route through the stack and its ids there."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, Self

from homeassistant.util import dt as dt_util

from ..coordinators.download_client import TorrentBucket

EVENT_REQUEST = "stepheybot_music_request"
"""Fired on the bus at every stage change of a request (data: :meth:`TrackedRequest.event_data`)."""


TITLE_DASH = " \u2013 "
"""Between artist and album in titles (an en dash, as in "Artist \u2013 Album")."""


class Stage(StrEnum):
    """Where a request is in the pipeline."""

    REQUESTED = "requested"
    SEARCHING = "searching"
    DOWNLOADING = "downloading"
    IMPORTING = "importing"
    IN_LIBRARY = "in_library"
    FAILED = "failed"

    @property
    def finished(self) -> bool:
        """Whether nothing more will happen to a request at this stage."""
        return self in (Stage.IN_LIBRARY, Stage.FAILED)


class FailureReason(StrEnum):
    """Why a request failed."""

    NOTHING_FOUND = "nothing_found"
    DOWNLOAD_FAILED = "download_failed"
    IMPORT_FAILED = "import_failed"
    STALLED = "stalled"
    REMOVED = "removed"
    """The download or the album disappeared from the backend that carried it."""


class Route(StrEnum):
    """Which backend carries a request."""

    LIDARR = "lidarr"
    MUSIC_BRAIN = "music_brain"
    DOWNLOAD_CLIENT = "download_client"


class RequestKind(StrEnum):
    """A new download or a quality upgrade of albums already in the library."""

    DOWNLOAD = "download"
    UPGRADE = "upgrade"


def _bucket(value: Any) -> TorrentBucket | None:
    return TorrentBucket(value) if value in tuple(TorrentBucket) else None


def _time(value: Any) -> datetime | None:
    return dt_util.parse_datetime(value) if isinstance(value, str) else None


@dataclass(slots=True, kw_only=True)
class TrackedRequest:
    """One request and everything needed to follow it on its backend.

    Never holds a secret: a magnet link is reduced to its info-hash (tracker URLs in a
    magnet can carry a passkey).
    """

    request_id: str
    kind: RequestKind = RequestKind.DOWNLOAD
    route: Route
    backend_id: str
    """The config subentry id of the backend that carries the request."""
    artist: str
    album: str | None = None
    stage: Stage = Stage.REQUESTED
    source: str = "action"
    """Who asked: ``action``, ``voice``, ``llm``, ``button``."""
    created_at: datetime = field(default_factory=dt_util.utcnow)
    stage_changed_at: datetime = field(default_factory=dt_util.utcnow)
    progress_changed_at: datetime = field(default_factory=dt_util.utcnow)
    """Last time the download moved (for "stalled too long")."""
    progress: float | None = None
    """0.0 to 1.0 while downloading."""
    eta: float | None = None
    """Seconds to completion while downloading, when the backend knows."""
    size: int | None = None
    """Bytes of the download, when known."""
    failure: FailureReason | None = None
    message: str | None = None
    """A short human explanation of the stage (why it failed, what it waits for)."""
    artist_mbid: str | None = None
    album_mbid: str | None = None
    lidarr_artist_id: int | None = None
    lidarr_album_ids: tuple[int, ...] = ()
    lidarr_command_id: int | None = None
    brain_request_id: str | None = None
    torrent_hash: str | None = None
    """Lower-case info-hash of the download, once known."""
    download_state: TorrentBucket | None = None
    """While ``downloading``: what its torrent is doing (``downloading``, ``stalled``,
    ``paused``, ``queued``, ...) as the stack's download client reports it; None when no
    download client of the stack has the torrent."""

    @property
    def title(self) -> str:
        """``Artist \u2013 Album`` (or the artist alone)."""
        return f"{self.artist}{TITLE_DASH}{self.album}" if self.album else self.artist

    @property
    def finished(self) -> bool:
        """Whether the request reached ``in_library`` or ``failed``."""
        return self.stage.finished

    def moved_to(
        self,
        stage: Stage,
        *,
        now: datetime | None = None,
        failure: FailureReason | None = None,
        message: str | None = None,
    ) -> Self:
        """A copy at ``stage`` (progress kept while downloading, cleared after)."""
        when = now or dt_util.utcnow()
        done = stage in (Stage.IMPORTING, Stage.IN_LIBRARY)
        return replace(
            self,
            stage=stage,
            stage_changed_at=when,
            progress_changed_at=when,
            failure=failure if stage is Stage.FAILED else None,
            message=message,
            progress=1.0 if done else self.progress,
            eta=None if done or stage is Stage.FAILED else self.eta,
            download_state=self.download_state if stage is Stage.DOWNLOADING else None,
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: for the store, response data and diagnostics."""
        return {
            "request_id": self.request_id,
            "kind": self.kind.value,
            "route": self.route.value,
            "backend_id": self.backend_id,
            "artist": self.artist,
            "album": self.album,
            "title": self.title,
            "stage": self.stage.value,
            "source": self.source,
            "created_at": self.created_at.isoformat(),
            "stage_changed_at": self.stage_changed_at.isoformat(),
            "progress_changed_at": self.progress_changed_at.isoformat(),
            "progress": self.progress,
            "download_state": self.download_state.value if self.download_state else None,
            "eta": self.eta,
            "size": self.size,
            "failure": self.failure.value if self.failure else None,
            "message": self.message,
            "artist_mbid": self.artist_mbid,
            "album_mbid": self.album_mbid,
            "lidarr_artist_id": self.lidarr_artist_id,
            "lidarr_album_ids": list(self.lidarr_album_ids),
            "lidarr_command_id": self.lidarr_command_id,
            "brain_request_id": self.brain_request_id,
            "torrent_hash": self.torrent_hash,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        """Read back :meth:`as_dict` (the stored form)."""
        now = dt_util.utcnow()
        return cls(
            request_id=str(data["request_id"]),
            kind=RequestKind(data.get("kind", RequestKind.DOWNLOAD)),
            route=Route(data["route"]),
            backend_id=str(data["backend_id"]),
            artist=str(data["artist"]),
            album=data.get("album"),
            stage=Stage(data["stage"]),
            source=str(data.get("source", "action")),
            created_at=_time(data.get("created_at")) or now,
            stage_changed_at=_time(data.get("stage_changed_at")) or now,
            progress_changed_at=_time(data.get("progress_changed_at")) or now,
            progress=data.get("progress"),
            download_state=_bucket(data.get("download_state")),
            eta=data.get("eta"),
            size=data.get("size"),
            failure=FailureReason(data["failure"]) if data.get("failure") else None,
            message=data.get("message"),
            artist_mbid=data.get("artist_mbid"),
            album_mbid=data.get("album_mbid"),
            lidarr_artist_id=data.get("lidarr_artist_id"),
            lidarr_album_ids=tuple(int(i) for i in data.get("lidarr_album_ids") or ()),
            lidarr_command_id=data.get("lidarr_command_id"),
            brain_request_id=data.get("brain_request_id"),
            torrent_hash=data.get("torrent_hash"),
        )

    def event_data(self, previous: Stage | None) -> dict[str, Any]:
        """The data of a ``stepheybot_music_request`` event (no backend ids)."""
        return {
            "request_id": self.request_id,
            "kind": self.kind.value,
            "stage": self.stage.value,
            "previous_stage": previous.value if previous else None,
            "artist": self.artist,
            "album": self.album,
            "title": self.title,
            "route": self.route.value,
            "progress": self.progress,
            "download_state": self.download_state.value if self.download_state else None,
            "failure": self.failure.value if self.failure else None,
            "message": self.message,
        }
