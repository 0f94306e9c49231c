"""What every route shares: the stack, the request tracker and the backend's errors."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from homeassistant.core import HomeAssistant
from homeassistant.util.ulid import ulid_now
from stepheybot_music_clients.errors import StackError

from ..action_errors import backend_failed
from ..runtime import BackendRef, StepheyBotConfigEntry
from ..tracking.models import Route, TrackedRequest
from .ask import Wanted
from .result import RequestResult, RequestStatus

if TYPE_CHECKING:
    from ..tracking.coordinator import RequestCoordinator


async def guarded[T](ref: BackendRef, work: Awaitable[T]) -> T:
    """Await ``work``; a failing backend becomes the action's error naming ``ref``."""
    try:
        return await work
    except StackError as err:
        raise backend_failed(ref, err) from err


class Requester:
    """One request's way through the stack."""

    def __init__(self, hass: HomeAssistant, entry: StepheyBotConfigEntry, source: str) -> None:
        self.hass = hass
        self.entry = entry
        self.source = source
        self.runtime = entry.runtime_data
        self.tracker: RequestCoordinator = entry.runtime_data.requests

    def new(self, ref: BackendRef, route: Route, **fields: Any) -> TrackedRequest:
        """A new request through the backend ``ref``, not yet submitted."""
        return TrackedRequest(
            request_id=ulid_now(),
            route=route,
            backend_id=ref.subentry_id,
            source=self.source,
            **fields,
        )

    def new_for(
        self, ref: BackendRef, route: Route, wanted: Wanted, *, artist: str, **fields: Any
    ) -> TrackedRequest:
        """A new request for ``wanted``'s album and MusicBrainz ids, tracked as ``artist``."""
        return self.new(
            ref,
            route,
            artist=artist,
            album=wanted.album,
            artist_mbid=wanted.artist_mbid,
            album_mbid=wanted.album_mbid,
            **fields,
        )

    async def submit(self, request: TrackedRequest, message: str) -> RequestResult:
        """Track ``request``: it was sent; ``message`` says what was done."""
        stored = await self.tracker.async_submit(request)
        return RequestResult(status=RequestStatus.REQUESTED, request=stored, message=message)
