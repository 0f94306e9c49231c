"""Search for quality upgrades: Lidarr's cutoff-unmet search, followed as a tracked request.

Used by the "Search for upgrades" button and the ``search_upgrades`` action. The request
(``kind=upgrade``, route Lidarr) names the albums below cutoff of one bounded page and the
command that searches them, so request tracking follows it like any other request.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from homeassistant.exceptions import HomeAssistantError
from homeassistant.util.ulid import ulid_now
from stepheybot_music_clients.lidarr import Album, LidarrCommand

from .const import DOMAIN
from .coordinators.lidarr import LidarrRuntime, LidarrStatusCoordinator
from .runtime import StepheyBotConfigEntry
from .tracking.models import RequestKind, Route, TrackedRequest

if TYPE_CHECKING:
    from .tracking.coordinator import RequestCoordinator

UPGRADE_PAGE_SIZE = 100
"""At most this many albums below cutoff are named in the request (the first page)."""
MANY_ARTISTS = "Quality upgrades"
"""The request's artist when the albums are of several artists."""


class UpgradeStatus(StrEnum):
    """What became of an upgrade search."""

    REQUESTED = "requested"
    ALREADY_REQUESTED = "already_requested"
    NOTHING_TO_UPGRADE = "nothing_to_upgrade"


@dataclass(frozen=True, slots=True, kw_only=True)
class UpgradeResult:
    """The answer to an upgrade search: its status, the tracked request, one sentence."""

    status: UpgradeStatus
    request: TrackedRequest | None
    """The new request, or the one already in flight; None when nothing is below cutoff."""
    below_cutoff: int
    """Albums below cutoff Lidarr reported (all pages); for a request already in flight,
    the albums it follows."""
    message: str

    def as_dict(self) -> dict[str, Any]:
        """Response data of the ``search_upgrades`` action."""
        return {
            "status": self.status.value,
            "message": self.message,
            "below_cutoff": self.below_cutoff,
            "request": self.request.as_dict() if self.request else None,
        }


def _albums(count: int) -> str:
    return f"{count} album" if count == 1 else f"{count} albums"


def _names(albums: list[Album], total: int) -> tuple[str, str | None, int | None]:
    """(artist, album, Lidarr artist id) of the request."""
    artists = {album.artist_id for album in albums}
    artist = albums[0].artist_name or MANY_ARTISTS
    artist_id = albums[0].artist_id or None
    if total == 1:
        return artist, albums[0].title, artist_id
    if len(artists) == 1 and total == len(albums):
        return artist, _albums(total), artist_id
    return MANY_ARTISTS, _albums(total), None


def _upgrade_in_flight(tracker: RequestCoordinator, backend_id: str) -> TrackedRequest | None:
    return next(
        (
            request
            for request in tracker.store.in_flight()
            if request.kind is RequestKind.UPGRADE and request.backend_id == backend_id
        ),
        None,
    )


async def async_search_upgrades(
    entry: StepheyBotConfigEntry, backend: LidarrRuntime, *, source: str = "action"
) -> UpgradeResult:
    """Start Lidarr's cutoff-unmet search and submit a tracked upgrade request.

    Nothing is started while an upgrade request of this Lidarr is in flight, nor when no
    album is below cutoff. Raises the client layer's errors.
    """
    tracker: RequestCoordinator = entry.runtime_data.requests
    async with tracker.submit_lock:  # two presses at once start one search
        return await _async_search_upgrades(tracker, backend, source)


async def _async_search_upgrades(
    tracker: RequestCoordinator, backend: LidarrRuntime, source: str
) -> UpgradeResult:
    title = backend.ref.title
    current = _upgrade_in_flight(tracker, backend.ref.subentry_id)
    if current is not None:
        return UpgradeResult(
            status=UpgradeStatus.ALREADY_REQUESTED,
            request=current,
            below_cutoff=len(current.lidarr_album_ids),
            message=f"{title} is already searching for upgrades ({current.title}).",
        )
    client = backend.status.client
    page = await client.cutoff_unmet(1, page_size=UPGRADE_PAGE_SIZE)
    albums = list(page.records)
    if not albums:
        return UpgradeResult(
            status=UpgradeStatus.NOTHING_TO_UPGRADE,
            request=None,
            below_cutoff=0,
            message=f"{title} has no album below its quality cutoff.",
        )
    total = max(page.total_records, len(albums))
    command = await client.command(LidarrCommand.CUTOFF_UNMET_ALBUM_SEARCH)
    artist, album, artist_id = _names(albums, total)
    request = TrackedRequest(
        request_id=ulid_now(),
        kind=RequestKind.UPGRADE,
        route=Route.LIDARR,
        backend_id=backend.ref.subentry_id,
        artist=artist,
        album=album,
        source=source,
        lidarr_artist_id=artist_id,
        lidarr_album_ids=tuple(item.id for item in albums),
        lidarr_command_id=command.id,
    )
    stored = await tracker.async_submit(request)
    return UpgradeResult(
        status=UpgradeStatus.REQUESTED,
        request=stored,
        below_cutoff=total,
        message=f"{title} is searching for better releases of {_albums(total)} below cutoff.",
    )


async def async_press_search_upgrades(coordinator: LidarrStatusCoordinator) -> None:
    """The button: search, or say that nothing is below cutoff (a translated error)."""
    entry = coordinator.config_entry
    backend = entry.runtime_data.backends[coordinator.backend.subentry_id]
    assert isinstance(backend, LidarrRuntime)
    result = await async_search_upgrades(entry, backend, source="button")
    if result.status is UpgradeStatus.NOTHING_TO_UPGRADE:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="nothing_to_upgrade",
            translation_placeholders={"backend": backend.ref.title},
        )
