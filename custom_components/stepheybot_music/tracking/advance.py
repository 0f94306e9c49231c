"""Small steps every route uses to move a request: stage changes and download progress."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from ..coordinators.download_client import TorrentBucket
from .models import FailureReason, Stage, TrackedRequest


def at(
    request: TrackedRequest, stage: Stage, now: datetime, message: str | None = None
) -> TrackedRequest:
    """``request`` at ``stage`` with ``message`` (unchanged times when the stage is the same)."""
    if request.stage is stage:
        return request if request.message == message else replace(request, message=message)
    return request.moved_to(stage, now=now, message=message)


def failed(
    request: TrackedRequest, reason: FailureReason, now: datetime, message: str
) -> TrackedRequest:
    """``request`` failed for ``reason``."""
    return request.moved_to(Stage.FAILED, now=now, failure=reason, message=message)


def downloading(
    request: TrackedRequest,
    now: datetime,
    *,
    progress: float,
    eta: float | None,
    size: int | None,
    torrent_hash: str | None = None,
    message: str | None = None,
    download_state: TorrentBucket | None = None,
) -> TrackedRequest:
    """``request`` downloading at ``progress``; a move of the progress restarts the stall clock.

    ``download_state`` is what the route's backend says of the download (Lidarr's queue);
    the request coordinator prefers what a download client of the stack says.
    """
    current = at(request, Stage.DOWNLOADING, now, message)
    progress = round(min(1.0, max(0.0, progress)), 4)
    moved = current.progress is None or progress > current.progress
    return replace(
        current,
        progress=progress,
        eta=eta,
        size=size or current.size,
        torrent_hash=torrent_hash or current.torrent_hash,
        progress_changed_at=now if moved else current.progress_changed_at,
        download_state=download_state,
    )
