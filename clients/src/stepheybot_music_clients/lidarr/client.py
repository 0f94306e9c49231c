"""Async client of the Lidarr API v1 (Lidarr 2.x).

The API key travels only in the ``X-Api-Key`` header. Counts come from the cheapest
endpoint that has them: ``queue/status`` for the queue badge and ``wanted/missing`` /
``wanted/cutoff`` with ``pageSize=1`` (only ``totalRecords`` is read) for the wanted lists,
so their cost does not grow with the library.

``/api/v1/artist`` is the exception: Lidarr has no paging or count endpoint for artists, so
:meth:`LidarrClient.artist_counts`, :meth:`LidarrClient.album_count_estimate` and
:meth:`LidarrClient.library_stats` download the whole artist list (with statistics), about
7 KB per artist: 35 MB for 5,000 artists, and a user reported 83 s for 7,100 artists.
Poll them slowly (Home Assistant: every few hours) and get every total from one
:meth:`LidarrClient.library_stats` call rather than several. Their JSON (about 5 MB for
5,000 artists, 100+ ms of CPU) is parsed in a worker thread, so the event loop stays free.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any, ClassVar

from stepheybot_music_clients.errors import BackendRequestError
from stepheybot_music_clients.lidarr.models import (
    Album,
    Artist,
    Command,
    DiskSpace,
    HistoryEventType,
    HistoryRecord,
    LibraryStats,
    MetadataProfile,
    MonitorOption,
    QualityProfile,
    QueueItem,
    QueueStatus,
    RootFolder,
    library_stats_of_payload,
    parse_album,
    parse_artist,
    parse_command,
    parse_disk_space,
    parse_history_record,
    parse_metadata_profile,
    parse_quality_profile,
    parse_queue_item,
    parse_queue_status,
    parse_root_folder,
)
from stepheybot_music_clients.models import BackendKind
from stepheybot_music_clients.servarr import Page, ServarrClient, parse_page
from stepheybot_music_clients.transport import parsing

MAX_PAGE_SIZE = 1000
"""The largest page this client asks for."""
_CAMEL = re.compile(r"_([a-z])")


def _camel(name: str) -> str:
    return _CAMEL.sub(lambda m: m.group(1).upper(), name)


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _page_size(value: int) -> int:
    if not 1 <= value <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}")
    return value


def _when(value: date | datetime) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return value.isoformat() + "T00:00:00Z"


class LidarrClient(ServarrClient):
    """One Lidarr server."""

    kind: ClassVar[str] = "Lidarr"
    app_name: ClassVar[str] = "Lidarr"
    backend_kind: ClassVar[BackendKind] = BackendKind.LIDARR

    # --- system -----------------------------------------------------------------------------

    async def disk_space(self) -> list[DiskSpace]:
        """Every disk Lidarr sees, with free and total bytes."""
        data = await self._get("diskspace")
        with parsing(self.kind, "its disk space"):
            return [parse_disk_space(item) for item in data]

    async def root_folders(self) -> list[RootFolder]:
        """The music root folders, with free space and whether Lidarr can reach them."""
        data = await self._get("rootfolder")
        with parsing(self.kind, "its root folders"):
            return [parse_root_folder(item) for item in data]

    async def quality_profiles(self) -> list[QualityProfile]:
        """The quality profiles (needed to add an artist)."""
        data = await self._get("qualityprofile")
        with parsing(self.kind, "its quality profiles"):
            return [parse_quality_profile(item) for item in data]

    async def metadata_profiles(self) -> list[MetadataProfile]:
        """The metadata profiles (needed to add an artist)."""
        data = await self._get("metadataprofile")
        with parsing(self.kind, "its metadata profiles"):
            return [parse_metadata_profile(item) for item in data]

    # --- queue --------------------------------------------------------------------------------

    async def queue_status(self) -> QueueStatus:
        """The queue badge: counts and error/warning flags, one small request."""
        data = await self._get("queue/status")
        with parsing(self.kind, "its queue status"):
            return parse_queue_status(data)

    async def queue(
        self, *, page: int = 1, page_size: int = 50, include_unknown: bool = False
    ) -> Page[QueueItem]:
        """One page of the download queue."""
        data = await self._get(
            "queue",
            params={
                "page": page,
                "pageSize": _page_size(page_size),
                "includeUnknownArtistItems": _flag(include_unknown),
            },
        )
        with parsing(self.kind, "its queue"):
            return parse_page(data, parse_queue_item)

    async def queue_details(self, album_ids: Iterable[int]) -> list[QueueItem]:
        """Every queue item of these albums, unpaged: the cost grows with the albums asked."""
        params: list[tuple[str, str | int | float]] = [("albumIds", i) for i in album_ids]
        params.append(("includeAlbum", "false"))
        data = await self._get("queue/details", params=params)
        with parsing(self.kind, "its queue"):
            return [parse_queue_item(item) for item in data]

    # --- wanted -------------------------------------------------------------------------------

    async def _wanted(self, which: str, page: int, page_size: int) -> Page[Album]:
        data = await self._get(
            f"wanted/{which}",
            params={
                "page": page,
                "pageSize": _page_size(page_size),
                "sortKey": "releaseDate",
                "sortDirection": "descending",
                "includeArtist": "true",
                "monitored": "true",
            },
        )
        with parsing(self.kind, f"its wanted/{which} list"):
            return parse_page(data, parse_album)

    async def _wanted_count(self, which: str, monitored: bool = True) -> int:
        params: dict[str, str | int] = {"page": 1, "pageSize": 1}
        if not monitored:
            params["monitored"] = "false"
        data = await self._get(f"wanted/{which}", params=params)
        with parsing(self.kind, f"its wanted/{which} count"):
            return int(data["totalRecords"])

    async def missing_count(self, *, monitored: bool = True) -> int:
        """Monitored, released albums without files: one request whatever the library size.

        ``monitored=False`` counts the other released albums without files instead: those
        not monitored (or, in Lidarr, of an unmonitored artist).
        """
        return await self._wanted_count("missing", monitored)

    async def cutoff_unmet_count(self) -> int:
        """Albums below their quality cutoff: one request whatever the library size."""
        return await self._wanted_count("cutoff")

    async def missing(self, page: int = 1, page_size: int = 50) -> Page[Album]:
        """One page of missing albums, newest release first, with artist names."""
        return await self._wanted("missing", page, page_size)

    async def cutoff_unmet(self, page: int = 1, page_size: int = 50) -> Page[Album]:
        """One page of albums below their quality cutoff, with artist names."""
        return await self._wanted("cutoff", page, page_size)

    # --- library ------------------------------------------------------------------------------

    async def _artist_list[T](self, convert: Callable[[Any], T]) -> T:
        """GET the whole artist list and convert it in a worker thread."""
        resp = await self._call("GET", "artist")

        def work() -> T:
            data = resp.json()
            with parsing(self.kind, "its artist list"):
                return convert(data)

        return await asyncio.to_thread(work)

    async def artists(self) -> list[Artist]:
        """Every artist with statistics. Expensive on big libraries (see the module doc)."""
        return await self._artist_list(lambda data: [parse_artist(item) for item in data])

    async def artist(self, artist_id: int) -> Artist:
        """One artist by Lidarr id."""
        data = await self._get(f"artist/{artist_id}")
        with parsing(self.kind, "an artist"):
            return parse_artist(data)

    async def library_stats(self) -> LibraryStats:
        """Artist, album, track and size totals from one (expensive) artist list."""
        return await self._artist_list(library_stats_of_payload)

    async def artist_counts(self) -> tuple[int, int]:
        """``(total, monitored)`` artists, from one (expensive) artist list."""
        stats = await self.library_stats()
        return stats.artists, stats.monitored_artists

    async def album_count_estimate(self) -> int:
        """Albums, summed from the artists' statistics (one expensive artist list)."""
        return (await self.library_stats()).albums

    async def albums(
        self, *, artist_id: int | None = None, album_ids: Iterable[int] | None = None
    ) -> list[Album]:
        """Albums of one artist, or these albums (neither: every album, expensive)."""
        params: list[tuple[str, str | int | float]] = []
        if artist_id is not None:
            params.append(("artistId", artist_id))
        params += [("albumIds", i) for i in album_ids or ()]
        data = await self._get("album", params=params or None)
        with parsing(self.kind, "its album list"):
            return [parse_album(item) for item in data]

    async def album(self, album_id: int) -> Album:
        """One album by Lidarr id."""
        data = await self._get(f"album/{album_id}")
        with parsing(self.kind, "an album"):
            return parse_album(data)

    async def lookup_artist(self, term: str) -> list[Artist]:
        """Search MusicBrainz (through Lidarr) by name, or ``mbid:<id>`` / ``lidarr:<id>``."""
        data = await self._get("artist/lookup", params={"term": term})
        with parsing(self.kind, "artist search results"):
            return [parse_artist(item) for item in data]

    async def lookup_album(self, term: str) -> list[Album]:
        """Search MusicBrainz (through Lidarr) for albums by title or artist."""
        data = await self._get("album/lookup", params={"term": term})
        with parsing(self.kind, "album search results"):
            return [parse_album(item) for item in data]

    async def add_artist(
        self,
        lookup_result: Artist,
        *,
        quality_profile_id: int,
        metadata_profile_id: int,
        root_folder_path: str,
        monitor: MonitorOption | str = MonitorOption.ALL,
        search: bool = True,
        monitor_new_items: str = "all",
    ) -> Artist:
        """Add an artist found by :meth:`lookup_artist`; optionally search for its missing albums.

        Raises :class:`AlreadyExistsError` when Lidarr already has it and
        :class:`BackendRequestError` (with Lidarr's message) for any other refusal.
        """
        option = MonitorOption(monitor)
        body: dict[str, Any] = {
            "artistName": lookup_result.name,
            "foreignArtistId": lookup_result.foreign_artist_id,
            "qualityProfileId": quality_profile_id,
            "metadataProfileId": metadata_profile_id,
            "rootFolderPath": root_folder_path,
            "monitored": option is not MonitorOption.NONE,
            "monitorNewItems": monitor_new_items,
            "addOptions": {
                "monitor": str(option),
                "monitored": option is not MonitorOption.NONE,
                "searchForMissingAlbums": search,
            },
        }
        if lookup_result.artist_type:
            body["artistType"] = lookup_result.artist_type
        resp = await self._call("POST", "artist", json_body=body)
        with parsing(self.kind, "the added artist"):
            return parse_artist(resp.json())

    async def monitor_albums(self, album_ids: Iterable[int], *, monitored: bool = True) -> None:
        """Monitor (or stop monitoring) albums of artists already in Lidarr."""
        await self._call(
            "PUT", "album/monitor", json_body={"albumIds": list(album_ids), "monitored": monitored}
        )

    async def add_album(self, album_id: int, *, search: bool = True) -> Command | None:
        """Want one album of an artist already in Lidarr: monitor it and search for it.

        Returns the search command (None with ``search=False``). Raises
        :class:`BackendRequestError` when Lidarr has no such album; add its artist first
        (:meth:`add_artist` with ``monitor="none"``).
        """
        try:
            album = await self.album(album_id)
        except BackendRequestError as err:
            if err.code != 404:
                raise
            raise BackendRequestError(
                f"Lidarr has no album with id {album_id}. Add its artist first "
                "(with monitoring set to none), then request the album again.",
                backend=self.kind,
                code=404,
            ) from err
        if not album.monitored:
            await self.monitor_albums([album_id], monitored=True)
        if not search:
            return None
        return await self.command("AlbumSearch", album_ids=[album_id])

    # --- other resources (Connect notifications: see :mod:`.webhook`) ------------------------

    async def get_json_api(self, path: str) -> Any:
        """GET ``/api/v1/<path>`` as JSON."""
        return await self._get(path)

    async def send_json_api(self, method: str, path: str, body: Any) -> Any:
        """Send ``body`` to ``/api/v1/<path>``; the JSON answer, or None when it is empty."""
        resp = await self._call(method, path, json_body=body)
        return resp.json() if resp.body.strip() else None

    # --- commands, history, calendar ----------------------------------------------------------

    async def command(self, name: str, **body: Any) -> Command:
        """Start a command (:class:`LidarrCommand`); snake_case body keys become camelCase."""
        payload = {_camel(key): value for key, value in body.items()}
        payload["name"] = str(name)
        resp = await self._call("POST", "command", json_body=payload)
        with parsing(self.kind, "the started command"):
            return parse_command(resp.json())

    async def command_status(self, command_id: int) -> Command:
        """The current state of a command."""
        data = await self._get(f"command/{command_id}")
        with parsing(self.kind, "a command's status"):
            return parse_command(data)

    async def history(
        self,
        *,
        page: int = 1,
        page_size: int = 20,
        event_type: HistoryEventType | None = None,
    ) -> Page[HistoryRecord]:
        """Recent history, newest first (optionally one event type only)."""
        params: dict[str, str | int] = {
            "page": page,
            "pageSize": _page_size(page_size),
            "sortKey": "date",
            "sortDirection": "descending",
        }
        if event_type is not None:
            params["eventType"] = event_type.api_value
        data = await self._get("history", params=params)
        with parsing(self.kind, "its history"):
            return parse_page(data, parse_history_record)

    async def calendar(
        self,
        start: date | datetime,
        end: date | datetime,
        *,
        unmonitored: bool = False,
    ) -> list[Album]:
        """Albums releasing between ``start`` and ``end`` (with artist names)."""
        data = await self._get(
            "calendar",
            params={
                "start": _when(start),
                "end": _when(end),
                "unmonitored": _flag(unmonitored),
                "includeArtist": "true",
            },
        )
        with parsing(self.kind, "its calendar"):
            return [parse_album(item) for item in data]
