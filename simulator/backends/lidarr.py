"""Lidarr facade: API v1 of Lidarr 2.14.5.4824 over the shared world.

Artists in Lidarr are the world's artists with a ``lidarr_id``; other world artists are
what a MusicBrainz lookup finds. An album's id is the world's album id (0 in lookups while
its artist is not added). The queue is :meth:`World.lidarr_queue`, history
``world.history``, commands run through :meth:`World.run_command`. Every reply body is
checked against Lidarr's OpenAPI document by the tests.

Routes: ``/ping``, ``/api``, ``/api/v1/`` ``system/status``, ``health``, ``diskspace``,
``rootfolder``, ``qualityprofile``, ``metadataprofile``, ``queue`` (paged), ``queue/status``,
``queue/details``, ``wanted/missing`` and ``wanted/cutoff`` (paged), ``artist`` (list, POST,
``{id}``, ``lookup``), ``album`` (list, ``{id}`` GET/PUT, ``lookup``, ``monitor`` PUT),
``command`` (POST, list, ``{id}``), ``history`` (paged), ``calendar``, ``notification``
(:mod:`.lidarr_notify`: Connect webhooks and their calls). Auth as in
:mod:`._servarr`; ``AUTH_REVOKED`` rejects the key.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from ..model import Album, Artist, HistoryEvent, LidarrCommand, Torrent, TorrentStatus
from ..world import GIB, World
from . import BackendContext, lidarr_notify
from ._servarr import (
    auth_middleware,
    bad_request,
    common_routes,
    descending,
    flag,
    indexer_health,
    ints,
    iso,
    iso_date,
    json,
    not_found,
    page_of,
    parse_when,
    timespan,
    validation_failure,
)

NOTIFICATIONS = web.AppKey("notifications", lidarr_notify.Notifications)
"""The app's Connect notifications (:mod:`.lidarr_notify`)."""
VERSION = "2.14.5.4824"
WIKI = "https://wiki.servarr.com/lidarr/system"
ROOT_FOLDER = "/music"
ROOT_FOLDER_ID = 1
DOWNLOAD_CLIENT = "qBittorrent"
"""The download client's name in Lidarr when the world has none."""
CLIENT_TITLES = {"qbittorrent": "qBittorrent", "transmission": "Transmission"}
"""The name each kind of download client has in Lidarr (Settings > Download Clients)."""
LOW_SPACE = 10 * GIB
"""Below this much free space in the root folder, health reports a warning."""

QUALITY_PROFILES = (
    (1, "Lossless", ("FLAC", "FLAC 24bit"), 6),
    (2, "Any", ("MP3-320", "FLAC", "FLAC 24bit"), 6),
)
QUALITY_IDS = {"MP3-320": 4, "FLAC": 6, "FLAC 24bit": 21}
METADATA_PROFILES = ((1, "Standard"), (2, "None"))
DEFAULT_PROFILES = (1, 1, ROOT_FOLDER)
KNOWN_COMMANDS = (
    "AlbumSearch",
    "ArtistSearch",
    "MissingAlbumSearch",
    "CutoffUnmetAlbumSearch",
    "RssSync",
    "RefreshArtist",
    "RefreshAlbum",
    "RescanFolders",
    "DownloadedAlbumsScan",
    "CheckHealth",
    "ApplicationUpdateCheck",
    "Backup",
)
HISTORY_EVENTS = (
    "unknown",
    "grabbed",
    "artistFolderImported",
    "trackFileImported",
    "downloadFailed",
    "trackFileDeleted",
    "trackFileRenamed",
    "albumImportIncomplete",
    "downloadImported",
    "trackFileRetagged",
    "downloadIgnored",
)


def _clean(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _words(name: str) -> str:
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name)


def client_title(world: World, name: str) -> str:
    """The name Lidarr knows the world's download client ``name`` by."""
    client = world.download_clients.get(name)
    return CLIENT_TITLES.get(client.kind, client.name) if client is not None else DOWNLOAD_CLIENT


def queue_id(torrent: Torrent, client: str = DOWNLOAD_CLIENT) -> int:
    """Lidarr's queue id: a stable 31-bit hash of the download (``HashConverter``)."""
    return zlib.crc32(f"trackedDownload-{client}-{torrent.hash}".encode()) & 0x7FFFFFFF


def quality_model(name: str) -> dict[str, Any]:
    """A QualityModel."""
    return {
        "quality": {"id": QUALITY_IDS.get(name, 0), "name": name},
        "revision": {"version": 1, "real": 0, "isRepack": False},
    }


class LidarrState:
    """Renders the world as Lidarr resources and applies Lidarr requests to it."""

    def __init__(self, ctx: BackendContext) -> None:
        """Play Lidarr over ``ctx.world``."""
        self.ctx = ctx

    @property
    def world(self) -> World:
        """The shared world."""
        return self.ctx.world

    # --- resources ----------------------------------------------------------------------------

    def profiles(self, artist: Artist) -> tuple[int, int, str]:
        """(quality profile, metadata profile, root folder) of an artist."""
        return self.world.lidarr_artist_profiles.get(artist.mbid, DEFAULT_PROFILES)

    def album_statistics(self, album: Album) -> dict[str, Any]:
        """An AlbumStatisticsResource."""
        total = max(album.track_count, 1)
        files = min(album.track_files, album.track_count)
        return {
            "trackFileCount": files,
            "trackCount": album.track_count,
            "totalTrackCount": album.track_count,
            "sizeOnDisk": album.size * files // total,
            "percentOfTracks": round(100.0 * files / total, 1),
        }

    def artist_statistics(self, artist: Artist) -> dict[str, Any]:
        """An ArtistStatisticsResource."""
        albums = [self.world.albums[i] for i in artist.album_ids]
        files = sum(min(a.track_files, a.track_count) for a in albums)
        tracks = sum(a.track_count for a in albums if a.monitored or a.track_files)
        return {
            "albumCount": len(albums),
            "trackFileCount": files,
            "trackCount": tracks,
            "totalTrackCount": sum(a.track_count for a in albums),
            "sizeOnDisk": sum(
                a.size * min(a.track_files, a.track_count) // max(a.track_count, 1) for a in albums
            ),
            "percentOfTracks": round(100.0 * files / tracks, 1) if tracks else 0.0,
        }

    def artist_resource(self, artist: Artist) -> dict[str, Any]:
        """An ArtistResource (a lookup result while the artist is not in Lidarr)."""
        quality, metadata, root = self.profiles(artist)
        resource: dict[str, Any] = {
            "id": artist.lidarr_id,
            "status": "continuing",
            "ended": False,
            "artistName": artist.name,
            "foreignArtistId": artist.mbid,
            "mbId": artist.mbid,
            "tadbId": 0,
            "discogsId": 0,
            "overview": artist.overview,
            "artistType": artist.artist_type,
            "disambiguation": "",
            "links": [
                {"url": f"https://musicbrainz.org/artist/{artist.mbid}", "name": "musicbrainz"}
            ],
            "images": [],
            "members": [],
            "folder": artist.name,
            "genres": list(artist.genres),
            "cleanName": _clean(artist.name),
            "sortName": artist.sort_name.lower(),
            "tags": [],
            "added": iso(artist.added),
            "ratings": {"votes": 0, "value": 0.0},
            "monitored": artist.monitored,
            "monitorNewItems": "all",
        }
        if artist.in_lidarr:
            resource |= {
                "path": f"{root}/{artist.name}",
                "qualityProfileId": quality,
                "metadataProfileId": metadata,
                "rootFolderPath": root,
                "statistics": self.artist_statistics(artist),
            }
        else:
            resource |= {"qualityProfileId": 0, "metadataProfileId": 0}
        return resource

    def album_resource(self, album: Album, *, include_artist: bool = False) -> dict[str, Any]:
        """An AlbumResource (id 0 while its artist is not in Lidarr)."""
        artist = self.world.artist_of(album)
        in_lidarr = artist.in_lidarr
        resource: dict[str, Any] = {
            "id": album.id if in_lidarr else 0,
            "title": album.title,
            "disambiguation": "",
            "overview": "",
            "artistId": artist.lidarr_id,
            "foreignAlbumId": album.mbid,
            "monitored": album.monitored and in_lidarr,
            "anyReleaseOk": True,
            "profileId": self.profiles(artist)[1] if in_lidarr else 0,
            "duration": sum(t.duration for t in self.world.tracks_of(album)) * 1000,
            "albumType": album.album_type,
            "secondaryTypes": [],
            "mediumCount": 1,
            "ratings": {"votes": 0, "value": 0.0},
            "releaseDate": iso_date(album.release_date),
            "releases": [],
            "genres": [album.genre],
            "media": [{"mediumNumber": 1, "mediumName": "", "mediumFormat": "Digital Media"}],
            "images": [],
            "links": [
                {
                    "url": f"https://musicbrainz.org/release-group/{album.mbid}",
                    "name": "musicbrainz",
                }
            ],
        }
        if in_lidarr:
            resource["statistics"] = self.album_statistics(album)
        if album.last_search is not None:
            resource["lastSearchTime"] = iso(album.last_search)
        if include_artist or not in_lidarr:
            resource["artist"] = self.artist_resource(artist)
        return resource

    def indexer_name(self, info_hash: str) -> str | None:
        """The indexer a download came from, when it is a known release."""
        release = self.world.release_by_hash(info_hash)
        if release is None:
            return None
        return next((i.name for i in self.world.indexers if i.id == release.indexer_id), None)

    def queue_state(self, torrent: Torrent) -> tuple[str, str, str, list[dict[str, Any]], str]:
        """(status, trackedDownloadStatus, trackedDownloadState, statusMessages, error)."""
        status = torrent.status
        if status is TorrentStatus.ERROR:
            error = torrent.error or "The download client reported an error"
            return "failed", "error", "downloadFailed", [], error
        if torrent.progress >= 1 or status in (
            TorrentStatus.SEEDING,
            TorrentStatus.STALLED_SEEDING,
            TorrentStatus.STOPPED_SEEDING,
        ):
            if torrent.import_error:
                messages = [{"title": torrent.name, "messages": [torrent.import_error]}]
                return "completed", "warning", "importFailed", messages, ""
            return "completed", "ok", "importPending", [], ""
        if status is TorrentStatus.STOPPED_DOWNLOADING:
            return "paused", "ok", "downloading", [], ""
        if status in (TorrentStatus.QUEUED, TorrentStatus.METADATA, TorrentStatus.CHECKING):
            return "queued", "ok", "downloading", [], ""
        if status is TorrentStatus.STALLED_DOWNLOADING:
            messages = [
                {
                    "title": torrent.name,
                    "messages": ["The download is stalled with no connections"],
                }
            ]
            return "warning", "warning", "downloading", messages, ""
        return "downloading", "ok", "downloading", [], ""

    def queue_resource(
        self, torrent: Torrent, *, include_artist: bool = False, include_album: bool = False
    ) -> dict[str, Any]:
        """A QueueResource."""
        now = self.world.clock.now()
        status, tracked, state, messages, error = self.queue_state(torrent)
        album = self.world.albums.get(torrent.album_id) if torrent.album_id is not None else None
        artist = self.world.artist_of(album) if album is not None else None
        release = self.world.release_by_hash(torrent.hash)
        client = client_title(self.world, torrent.client)
        resource: dict[str, Any] = {
            "id": queue_id(torrent, client),
            "quality": quality_model(release.quality if release else "FLAC"),
            "customFormats": [],
            "customFormatScore": 0,
            "size": float(torrent.size),
            "title": torrent.name,
            "sizeleft": float(torrent.amount_left),
            "added": iso(torrent.added_on),
            "status": status,
            "trackedDownloadStatus": tracked,
            "trackedDownloadState": state,
            "statusMessages": messages,
            "downloadId": torrent.hash.upper(),
            "protocol": "torrent",
            "downloadClient": client,
            "downloadClientHasPostImportCategory": False,
            "outputPath": f"{torrent.save_path}/{torrent.name}",
            "trackFileCount": 0,
            "trackHasFileCount": 0,
            "downloadForced": False,
        }
        if artist is not None and artist.in_lidarr and album is not None:
            resource["artistId"] = artist.lidarr_id
            resource["albumId"] = album.id
            if include_artist:
                resource["artist"] = self.artist_resource(artist)
            if include_album:
                resource["album"] = self.album_resource(album)
        eta = torrent.eta
        if eta is not None and status in ("downloading", "completed"):
            resource["timeleft"] = timespan(eta)
            resource["estimatedCompletionTime"] = iso(now + timedelta(seconds=eta))
        if error:
            resource["errorMessage"] = error
        indexer = self.indexer_name(torrent.hash)
        if indexer is not None:
            resource["indexer"] = indexer
        return resource

    def history_resource(self, event: HistoryEvent, request: web.Request) -> dict[str, Any]:
        """A HistoryResource."""
        artist = self.world.artists.get(event.artist_mbid)
        album = self.world.albums.get(event.album_id)
        client = client_title(self.world, self.world.lidarr_client)
        data: dict[str, str | None] = {"downloadClient": client.lower()}
        data["downloadClientName"] = client
        indexer = self.indexer_name(event.download_id)
        if indexer is not None:
            data["indexer"] = indexer
        resource: dict[str, Any] = {
            "id": event.id,
            "albumId": event.album_id,
            "artistId": artist.lidarr_id if artist is not None else 0,
            "trackId": 0,
            "sourceTitle": event.source_title,
            "quality": quality_model(event.quality),
            "customFormats": [],
            "customFormatScore": 0,
            "qualityCutoffNotMet": False,
            "date": iso(event.date),
            "downloadId": event.download_id,
            "eventType": event.event_type,
            "data": data,
        }
        if flag(request, "includeArtist") and artist is not None:
            resource["artist"] = self.artist_resource(artist)
        if flag(request, "includeAlbum") and album is not None:
            resource["album"] = self.album_resource(album)
        return resource

    def command_resource(self, command: LidarrCommand) -> dict[str, Any]:
        """A CommandResource (``body`` holds the base Command fields only)."""
        resource: dict[str, Any] = {
            "id": command.id,
            "name": command.name,
            "commandName": _words(command.name),
            "message": command.message,
            "body": {
                "sendUpdatesToClient": True,
                "updateScheduledTask": True,
                "completionMessage": "Completed",
                "requiresDiskAccess": False,
                "isExclusive": False,
                "isTypeExclusive": False,
                "isLongRunning": False,
                "name": command.name,
                "trigger": "manual",
                "suppressMessages": False,
            },
            "priority": "normal",
            "status": command.status,
            "queued": iso(command.queued),
            "trigger": "manual",
            "sendUpdatesToClient": True,
            "updateScheduledTask": True,
        }
        if command.status == "completed":
            resource["result"] = "successful"
        if command.started is not None:
            resource["started"] = iso(command.started)
            resource["stateChangeTime"] = iso(command.ended or command.started)
        if command.ended is not None:
            resource["ended"] = iso(command.ended)
            if command.started is not None:
                resource["duration"] = timespan((command.ended - command.started).total_seconds())
        return resource

    def health(self) -> list[dict[str, Any]]:
        """Health items derived from the world."""
        items = indexer_health(self.world, WIKI)
        if not self.world.download_client_reachable():
            items.append(
                {
                    "source": "DownloadClientCheck",
                    "type": "error",
                    "message": "Unable to communicate with "
                    f"{client_title(self.world, self.world.lidarr_client)}. "
                    "Connection refused (gluetun:8080)",
                    "wikiUrl": f"{WIKI}#unable-to-communicate-with-download-client",
                }
            )
        if self.world.metadata_down:
            # Lidarr v2.14.5.4824 has no metadata-server check of its own: the outage reaches
            # the health list as the team's notice (HealthCheck/ServerSideNotificationService.cs)
            items.append(
                {
                    "source": "ServerSideNotificationService",
                    "type": "error",
                    "message": (
                        "Lidarr's metadata server is unavailable: searching for and adding "
                        "albums fail until it is back"
                    ),
                    "wikiUrl": "https://lidarr.audio/",
                }
            )
        free = self.world.download_disk_free
        if free < LOW_SPACE:
            items.append(
                {
                    "source": "RootFolderCheck",
                    "type": "warning",
                    "message": f"Root folder {ROOT_FOLDER} has only {free / GIB:.1f} GiB free",
                    "wikiUrl": f"{WIKI}#missing-root-folder",
                }
            )
        return [{"id": n + 1, **item} for n, item in enumerate(items)]

    # --- requests ----------------------------------------------------------------------------

    def validate_new_artist(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        """The validation failures of a POST /api/v1/artist body (empty when valid)."""
        errors: list[dict[str, Any]] = []
        quality = body.get("qualityProfileId")
        metadata = body.get("metadataProfileId")
        if not isinstance(quality, int) or quality <= 0:
            errors.append(
                validation_failure(
                    "QualityProfileId",
                    "'Quality Profile Id' must be greater than '0'.",
                    quality,
                    "GreaterThanValidator",
                )
            )
        elif quality not in {p[0] for p in QUALITY_PROFILES}:
            errors.append(
                validation_failure(
                    "QualityProfileId",
                    "Quality Profile does not exist",
                    quality,
                    "QualityProfileExistsValidator",
                )
            )
        if not isinstance(metadata, int) or metadata <= 0:
            errors.append(
                validation_failure(
                    "MetadataProfileId",
                    "'Metadata Profile Id' must be greater than '0'.",
                    metadata,
                    "GreaterThanValidator",
                )
            )
        elif metadata not in {p[0] for p in METADATA_PROFILES}:
            errors.append(
                validation_failure(
                    "MetadataProfileId",
                    "Metadata Profile does not exist",
                    metadata,
                    "MetadataProfileExistsValidator",
                )
            )
        root = body.get("rootFolderPath")
        path = body.get("path")
        if not path and not root:
            errors.append(
                validation_failure(
                    "RootFolderPath",
                    "'Root Folder Path' must not be empty.",
                    root,
                    "NotEmptyValidator",
                )
            )
        elif root and str(root).rstrip("/") != ROOT_FOLDER:
            errors.append(
                validation_failure(
                    "RootFolderPath",
                    f"Root folder '{root}' does not exist",
                    root,
                    "RootFolderExistsValidator",
                )
            )
        if not body.get("artistName"):
            errors.append(
                validation_failure(
                    "ArtistName",
                    "'Artist Name' must not be empty.",
                    body.get("artistName"),
                    "NotEmptyValidator",
                )
            )
        mbid = body.get("foreignArtistId")
        if not mbid:
            errors.append(
                validation_failure(
                    "ForeignArtistId",
                    "'Foreign Artist Id' must not be empty.",
                    mbid,
                    "NotEmptyValidator",
                )
            )
        elif str(mbid) in self.world.artists and self.world.artists[str(mbid)].in_lidarr:
            errors.append(
                validation_failure(
                    "ForeignArtistId",
                    "This artist has already been added.",
                    mbid,
                    "ArtistExistsValidator",
                )
            )
        elif str(mbid) not in self.world.artists:
            errors.append(
                validation_failure(
                    "MusicbrainzId",
                    "An artist with this ID was not found",
                    mbid,
                    "ArtistNotFoundValidator",
                )
            )
        return errors

    def add_artist(self, body: dict[str, Any]) -> Artist:
        """Add a validated artist to the world's Lidarr."""
        raw = body.get("addOptions")
        options: dict[str, Any] = raw if isinstance(raw, dict) else {}
        mbid = str(body["foreignArtistId"])
        monitor = str(options.get("monitor") or "all")
        artist = self.world.add_artist(
            mbid,
            monitored=bool(body.get("monitored", True)),
            monitor=monitor,
            search=bool(options.get("searchForMissingAlbums", False)),
        )
        root = str(body.get("rootFolderPath") or ROOT_FOLDER).rstrip("/")
        self.world.lidarr_artist_profiles[mbid] = (
            int(body["qualityProfileId"]),
            int(body["metadataProfileId"]),
            root,
        )
        return artist

    def queue(self, request: web.Request, *, unknown: bool = False) -> list[Torrent]:
        """The queue, filtered by ``artistIds`` (newest first); ``unknown``: with unmatched."""
        items = self.world.lidarr_queue()
        if not unknown:
            items = [t for t in items if self.artist_id_of(t)]
        artist_ids = set(ints(request, "artistIds"))
        if artist_ids:
            items = [t for t in items if self.artist_id_of(t) in artist_ids]
        return sorted(items, key=lambda t: t.added_on, reverse=True)

    def artist_id_of(self, torrent: Torrent) -> int:
        """The Lidarr artist id of a queued download (0: unknown artist)."""
        if torrent.album_id is None or torrent.album_id not in self.world.albums:
            return 0
        return self.world.artist_of(self.world.albums[torrent.album_id]).lidarr_id

    def wanted(self, which: str, monitored: bool) -> list[Album]:
        """The wanted/missing or wanted/cutoff list."""
        world = self.world
        if which == "cutoff":
            albums = [a for a in world.cutoff_unmet_albums() if a.monitored == monitored]
        elif monitored:
            albums = world.missing_albums()
        else:
            today = world.clock.now().date()
            albums = [
                a
                for a in world.lidarr_albums()
                if not a.monitored and not a.has_files and a.release_date <= today
            ]
        return albums

    def calendar(self, start: datetime, end: datetime, unmonitored: bool) -> list[Album]:
        """Albums of Lidarr artists releasing between ``start`` and ``end``."""
        first, last = start.date(), end.date()
        albums = [
            a
            for a in self.world.lidarr_albums()
            if first <= a.release_date <= last and (unmonitored or a.monitored)
        ]
        return sorted(albums, key=lambda a: (a.release_date, a.id))


def _sorted_albums(albums: Iterable[Album], request: web.Request) -> list[Album]:
    key = request.query.get("sortKey", "releaseDate").lower()
    if key.endswith("title"):
        return sorted(albums, key=lambda a: a.title.lower(), reverse=descending(request))
    return sorted(albums, key=lambda a: (a.release_date, a.id), reverse=descending(request))


def build_app(ctx: BackendContext) -> web.Application:
    """The Lidarr API over ``ctx.world``."""
    state = LidarrState(ctx)
    world = ctx.world
    app = web.Application(middlewares=[auth_middleware(ctx)])
    common_routes(app, "Lidarr")
    started = world.clock.now() - timedelta(hours=5)

    async def system_status(_: web.Request) -> web.Response:
        return json(
            {
                "appName": "Lidarr",
                "instanceName": "Lidarr",
                "version": VERSION,
                "buildTime": "2025-09-06T14:47:11Z",
                "isDebug": False,
                "isProduction": True,
                "isAdmin": False,
                "isUserInteractive": False,
                "startupPath": "/app/lidarr/bin",
                "appData": "/config",
                "osName": "alpine",
                "osVersion": "3.22.1",
                "isNetCore": True,
                "isLinux": True,
                "isOsx": False,
                "isWindows": False,
                "isDocker": True,
                "mode": "console",
                "branch": "master",
                "databaseType": "sqLite",
                "databaseVersion": "3.49.2",
                "authentication": "forms",
                "migrationVersion": 81,
                "urlBase": "",
                "runtimeVersion": "8.0.19",
                "runtimeName": ".NET",
                "startTime": iso(started),
                "packageVersion": f"{VERSION}-ls31",
                "packageAuthor": "[linuxserver.io](https://linuxserver.io)",
                "packageUpdateMechanism": "docker",
            }
        )

    async def health(_: web.Request) -> web.Response:
        return json(state.health())

    async def diskspace(_: web.Request) -> web.Response:
        return json(
            [
                {
                    "id": 1,
                    "path": "/",
                    "label": "",
                    "freeSpace": 40 * GIB,
                    "totalSpace": 64 * GIB,
                },
                {
                    "id": 2,
                    "path": ROOT_FOLDER,
                    "label": "music",
                    "freeSpace": world.download_disk_free,
                    "totalSpace": world.disk_total,
                },
            ]
        )

    async def rootfolder(_: web.Request) -> web.Response:
        return json(
            [
                {
                    "id": ROOT_FOLDER_ID,
                    "name": "Music",
                    "path": ROOT_FOLDER,
                    "defaultMetadataProfileId": 1,
                    "defaultQualityProfileId": 1,
                    "defaultMonitorOption": "all",
                    "defaultNewItemMonitorOption": "all",
                    "defaultTags": [],
                    "accessible": True,
                    "freeSpace": world.download_disk_free,
                    "totalSpace": world.disk_total,
                }
            ]
        )

    async def qualityprofile(_: web.Request) -> web.Response:
        out = []
        for pid, name, allowed, cutoff in QUALITY_PROFILES:
            items = [
                {
                    "quality": {"id": qid, "name": qname},
                    "items": [],
                    "allowed": qname in allowed,
                }
                for qname, qid in QUALITY_IDS.items()
            ]
            out.append(
                {
                    "id": pid,
                    "name": name,
                    "upgradeAllowed": True,
                    "cutoff": cutoff,
                    "items": items,
                    "minFormatScore": 0,
                    "cutoffFormatScore": 0,
                    "formatItems": [],
                }
            )
        return json(out)

    async def metadataprofile(_: web.Request) -> web.Response:
        out = []
        for pid, name in METADATA_PROFILES:
            on = name == "Standard"
            out.append(
                {
                    "id": pid,
                    "name": name,
                    "primaryAlbumTypes": [
                        {"id": n, "albumType": {"id": n, "name": kind}, "allowed": on}
                        for n, kind in enumerate(("Album", "EP", "Single"))
                    ],
                    "secondaryAlbumTypes": [
                        {"id": 0, "albumType": {"id": 0, "name": "Studio"}, "allowed": on}
                    ],
                    "releaseStatuses": [
                        {"id": 0, "releaseStatus": {"id": 0, "name": "Official"}, "allowed": on}
                    ],
                }
            )
        return json(out)

    async def queue(request: web.Request) -> web.Response:
        items = state.queue(request, unknown=flag(request, "includeUnknownArtistItems"))
        include_artist = flag(request, "includeArtist")
        include_album = flag(request, "includeAlbum")
        return json(
            page_of(
                request,
                items,
                lambda t: state.queue_resource(
                    t, include_artist=include_artist, include_album=include_album
                ),
                sort_key="timeleft",
            )
        )

    async def queue_status(_: web.Request) -> web.Response:
        known: list[str] = []
        unknown: list[str] = []
        for torrent in world.lidarr_queue():
            verdict = state.queue_state(torrent)[1]
            (known if state.artist_id_of(torrent) else unknown).append(verdict)
        return json(
            {
                "id": 1,
                "totalCount": len(known) + len(unknown),
                "count": len(known),
                "unknownCount": len(unknown),
                "errors": "error" in known,
                "warnings": "warning" in known,
                "unknownErrors": "error" in unknown,
                "unknownWarnings": "warning" in unknown,
            }
        )

    async def queue_details(request: web.Request) -> web.Response:
        items = state.queue(request)
        artist_id = request.query.get("artistId")
        if artist_id is not None and artist_id.isdigit():
            items = [t for t in items if state.artist_id_of(t) == int(artist_id)]
        album_ids = set(ints(request, "albumIds"))
        if album_ids:
            items = [t for t in items if t.album_id in album_ids]
        include_artist = flag(request, "includeArtist")
        include_album = flag(request, "includeAlbum", default=True)
        return json(
            [
                state.queue_resource(t, include_artist=include_artist, include_album=include_album)
                for t in items
            ]
        )

    def wanted(which: str) -> Any:
        async def handler(request: web.Request) -> web.Response:
            albums = _sorted_albums(state.wanted(which, flag(request, "monitored", True)), request)
            include_artist = flag(request, "includeArtist")
            return json(
                page_of(
                    request,
                    albums,
                    lambda a: state.album_resource(a, include_artist=include_artist),
                    sort_key="releaseDate",
                )
            )

        return handler

    async def artists(request: web.Request) -> web.Response:
        mbid = request.query.get("mbId")
        found = world.lidarr_artists()
        if mbid:
            found = [a for a in found if a.mbid == mbid]
        return json([state.artist_resource(a) for a in found])

    async def artist(request: web.Request) -> web.Response:
        found = world.artists_by_lidarr_id.get(_id(request))
        if found is None:
            return not_found()
        return json(state.artist_resource(found))

    async def artist_lookup(request: web.Request) -> web.Response:
        term = request.query.get("term", "")
        found = world.search_artists(term)[:50]
        return json([state.artist_resource(a) for a in found])

    async def add_artist(request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            return bad_request("Request body is not valid JSON")
        if not isinstance(body, dict):
            return bad_request("Request body must be an artist resource")
        errors = state.validate_new_artist(body)
        if errors:
            return json(errors, status=400)
        added = state.add_artist(body)
        return json(state.artist_resource(added), status=201)

    async def albums(request: web.Request) -> web.Response:
        found: list[Album]
        artist_id = request.query.get("artistId")
        ids = ints(request, "albumIds")
        foreign = request.query.get("foreignAlbumId")
        if artist_id is not None:
            owner = world.artists_by_lidarr_id.get(int(artist_id) if artist_id.isdigit() else 0)
            found = [world.albums[i] for i in owner.album_ids] if owner else []
        elif ids:
            found = [world.albums[i] for i in ids if i in world.albums]
            found = [a for a in found if world.artist_of(a).in_lidarr]
        elif foreign:
            found = [a for a in world.lidarr_albums() if a.mbid == foreign]
        else:
            found = list(world.lidarr_albums())
        return json([state.album_resource(a) for a in found])

    def library_album(request: web.Request) -> Album | None:
        album = world.albums.get(_id(request))
        if album is None or not world.artist_of(album).in_lidarr:
            return None
        return album

    async def album(request: web.Request) -> web.Response:
        found = library_album(request)
        if found is None:
            return not_found()
        return json(state.album_resource(found))

    async def update_album(request: web.Request) -> web.Response:
        found = library_album(request)
        if found is None:
            return not_found()
        body = await request.json()
        if isinstance(body, dict) and isinstance(body.get("monitored"), bool):
            world.set_albums_monitored([found.id], body["monitored"])
        return json(state.album_resource(found), status=202)

    async def album_lookup(request: web.Request) -> web.Response:
        term = request.query.get("term", "")
        found = world.search_albums(term)[:50]
        return json([state.album_resource(a, include_artist=True) for a in found])

    async def album_monitor(request: web.Request) -> web.Response:
        body = await request.json()
        if not isinstance(body, dict) or not isinstance(body.get("albumIds"), list):
            return bad_request("albumIds is required")
        ids = [i for i in body["albumIds"] if isinstance(i, int)]
        changed = world.set_albums_monitored(ids, bool(body.get("monitored", True)))
        return json([state.album_resource(a) for a in changed], status=202)

    async def start_command(request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            return bad_request("Request body is not valid JSON")
        name = str(body.get("name", "")) if isinstance(body, dict) else ""
        known = next((k for k in KNOWN_COMMANDS if k.lower() == name.lower()), None)
        if known is None:
            return bad_request(f"Unknown command: {name!r}")
        command = world.run_command(known, {k: v for k, v in body.items() if k != "name"})
        return json(state.command_resource(command), status=201)

    async def commands(_: web.Request) -> web.Response:
        return json([state.command_resource(c) for c in world.commands[-50:]])

    async def command(request: web.Request) -> web.Response:
        command_id = _id(request)
        if not 1 <= command_id <= len(world.commands):
            return not_found()
        return json(state.command_resource(world.commands[command_id - 1]))

    async def history(request: web.Request) -> web.Response:
        events = list(world.history)
        types = ints(request, "eventType")
        if types:
            names = {HISTORY_EVENTS[t] for t in types if 0 <= t < len(HISTORY_EVENTS)}
            events = [e for e in events if e.event_type in names]
        album_id = request.query.get("albumId")
        if album_id is not None and album_id.isdigit():
            events = [e for e in events if e.album_id == int(album_id)]
        download_id = request.query.get("downloadId")
        if download_id:
            events = [e for e in events if e.download_id.lower() == download_id.lower()]
        events.sort(key=lambda e: (e.date, e.id), reverse=descending(request))
        return json(
            page_of(request, events, lambda e: state.history_resource(e, request), sort_key="date")
        )

    async def calendar(request: web.Request) -> web.Response:
        today = world.clock.now().replace(hour=0, minute=0, second=0, microsecond=0)
        try:
            start = parse_when(request.query["start"]) if "start" in request.query else today
            end = (
                parse_when(request.query["end"])
                if "end" in request.query
                else today + timedelta(days=2)
            )
        except ValueError:
            return bad_request("start and end must be ISO 8601 dates")
        include_artist = flag(request, "includeArtist")
        found = state.calendar(start, end, flag(request, "unmonitored"))
        return json([state.album_resource(a, include_artist=include_artist) for a in found])

    api = "/api/v1/"
    routes = [
        web.get(api + "system/status", system_status),
        web.get(api + "health", health),
        web.get(api + "diskspace", diskspace),
        web.get(api + "rootfolder", rootfolder),
        web.get(api + "qualityprofile", qualityprofile),
        web.get(api + "metadataprofile", metadataprofile),
        web.get(api + "queue", queue),
        web.get(api + "queue/status", queue_status),
        web.get(api + "queue/details", queue_details),
        web.get(api + "wanted/missing", wanted("missing")),
        web.get(api + "wanted/cutoff", wanted("cutoff")),
        web.get(api + "artist", artists),
        web.post(api + "artist", add_artist),
        web.get(api + "artist/lookup", artist_lookup),
        web.get(api + "artist/{id}", artist),
        web.get(api + "album", albums),
        web.get(api + "album/lookup", album_lookup),
        web.put(api + "album/monitor", album_monitor),
        web.get(api + "album/{id}", album),
        web.put(api + "album/{id}", update_album),
        web.post(api + "command", start_command),
        web.get(api + "command", commands),
        web.get(api + "command/{id}", command),
        web.get(api + "history", history),
        web.get(api + "calendar", calendar),
    ]
    app.add_routes(routes)
    app[NOTIFICATIONS] = lidarr_notify.add_routes(app, state, api)
    return app


def _id(request: web.Request) -> int:
    raw = request.match_info.get("id", "")
    return int(raw) if raw.isdigit() else 0
