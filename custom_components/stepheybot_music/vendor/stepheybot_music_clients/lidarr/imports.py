"""Finished downloads Lidarr will not import without the person: one count for every front end.

The exporter (``stepheybot_music_lidarr_import_blocked``) and Home Assistant (the diagnosis's
``import_blocked``) both count Lidarr's queue with :class:`StuckImports`, so they agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from stepheybot_music_clients.lidarr.client import LidarrClient
from stepheybot_music_clients.lidarr.models import QueueItem, TrackedDownloadState

__all__ = ["IMPORT_STUCK", "MESSAGES_KEPT", "QUEUE_PAGE_SIZE", "StuckImports", "read_stuck_imports"]

IMPORT_STUCK = frozenset({TrackedDownloadState.IMPORT_BLOCKED, TrackedDownloadState.IMPORT_FAILED})
"""Queue states of a finished download Lidarr will not import without the person.

Lidarr v2.14.5.4824 ``src/NzbDrone.Core/Download/CompletedDownloadService.cs``: ``importBlocked``
(the enum value exists since v2.10) when the artist does not match, the download cannot be
parsed, no file is eligible or the files are rejected; ``importFailed`` when some tracks were
not imported (also restored from the ``DownloadImportIncomplete`` history event,
``TrackedDownloadService.cs``). Both stay until the person acts. ``importFailed`` may carry no
status message, so ``queue/status``'s ``warnings`` flag cannot stand in for reading the queue.
"""

QUEUE_PAGE_SIZE = 1000
"""Queue items per page: one request for any ordinary queue."""

MESSAGES_KEPT = 3
"""At most this many of Lidarr's messages are kept (the first is the one spoken)."""


def _message(item: QueueItem) -> str | None:
    if item.error_message:
        return item.error_message
    lines = [line for group in item.status_messages for line in group.messages]
    return " ".join(lines) or None


@dataclass(frozen=True, slots=True, kw_only=True)
class StuckImports:
    """How many queue items wait for a manual import or removal, and what Lidarr says of them."""

    count: int = 0
    messages: tuple[str, ...] = ()
    """Lidarr's messages of those items (error, else status messages), the first ones first."""

    @classmethod
    def of(cls, items: Iterable[QueueItem]) -> StuckImports:
        """The stuck imports among ``items`` (one page of the queue, or all of it)."""
        stuck = [item for item in items if item.tracked_download_state in IMPORT_STUCK]
        said = [m for m in (_message(item) for item in stuck) if m]
        return cls(count=len(stuck), messages=tuple(said[:MESSAGES_KEPT]))

    def plus(self, other: StuckImports) -> StuckImports:
        """Both counts together (pages of one queue, or several Lidarrs)."""
        return StuckImports(
            count=self.count + other.count,
            messages=(self.messages + other.messages)[:MESSAGES_KEPT],
        )


async def read_stuck_imports(
    client: LidarrClient, *, page_size: int = QUEUE_PAGE_SIZE
) -> StuckImports:
    """Page through Lidarr's queue (usually one request) and count the stuck imports."""
    stuck = StuckImports()
    page_number, seen = 1, 0
    while True:
        page = await client.queue(page=page_number, page_size=page_size)
        stuck = stuck.plus(StuckImports.of(page.records))
        seen += len(page.records)
        if not page.records or seen >= page.total_records:
            return stuck
        page_number += 1
