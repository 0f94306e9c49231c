"""Calendar: upcoming and recent album releases of each Lidarr backend's monitored artists.

Each release is an all-day event "Artist \u2013 Album" on its release date. The entity's
state (the current or next release) comes from the calendar coordinator's window; the
calendar view and automations ask Lidarr for exactly the days they show.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from homeassistant.components.calendar import (
    CalendarEntity,
    CalendarEntityDescription,
    CalendarEvent,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util
from stepheybot_music_clients.errors import StackError

from .action_errors import backend_failed
from .backend_entities import BackendEntities
from .coordinators.lidarr import LidarrRuntime
from .coordinators.lidarr_calendar import Release, async_releases, days_of
from .entity import BackendEntity
from .runtime import StepheyBotConfigEntry

PARALLEL_UPDATES = 0

RELEASES = CalendarEntityDescription(key="releases", translation_key="releases")


def release_event(release: Release, backend_id: str) -> CalendarEvent:
    """The all-day event of a release."""
    return CalendarEvent(
        start=release.day,
        end=release.day + timedelta(days=1),
        summary=release.summary,
        description=release.description,
        uid=f"{backend_id}-album-{release.foreign_album_id}",
    )


class LidarrReleaseCalendar(BackendEntity[tuple[Release, ...]], CalendarEntity):
    """The album releases of one Lidarr backend."""

    def __init__(self, runtime: LidarrRuntime) -> None:
        """The calendar of ``runtime``'s Lidarr."""
        super().__init__(runtime.calendar, RELEASES)
        self._client = runtime.calendar.client

    @property
    def event(self) -> CalendarEvent | None:
        """The release of today, or else the next one in the polled window."""
        now = dt_util.now()
        backend_id = self.coordinator.backend.subentry_id
        for release in self.coordinator.data or ():
            event = release_event(release, backend_id)
            if event.end_datetime_local > now:
                return event
        return None

    async def async_get_events(
        self, hass: HomeAssistant, start_date: datetime, end_date: datetime
    ) -> list[CalendarEvent]:
        """The releases between ``start_date`` and ``end_date``, asked from Lidarr now."""
        first, last = days_of(start_date, end_date)
        backend = self.coordinator.backend
        try:
            releases = await async_releases(self._client, first, last)
        except StackError as err:
            raise backend_failed(backend, err) from err
        return [release_event(release, backend.subentry_id) for release in releases]


CALENDARS = BackendEntities[CalendarEntity]()
"""Every backend's calendars, by runtime class."""


@CALENDARS.register(LidarrRuntime)
def _lidarr_calendars(
    entry: StepheyBotConfigEntry,
    backend: LidarrRuntime,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> list[CalendarEntity]:
    return [LidarrReleaseCalendar(backend)]


async def async_setup_entry(
    hass: HomeAssistant,
    entry: StepheyBotConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a release calendar for every Lidarr backend."""
    CALENDARS.async_add(entry, async_add_entities)
