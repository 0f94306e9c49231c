"""StepheyBot Music Brain facade (crate 0.1.0 at ``beb4dab``) over the shared world.

Routes: ``/health`` (+ ``/ready``, ``/live``), ``/api/v1/status``, ``/api/v1/stats`` (and its
aliases), ``/api/v1/library/stats``, the static ``/api/v1/navidrome/status`` stub, the
download routes (``request``, ``status/<id>``, ``active``, ``stats``,
``pause|resume|cancel/<hash>``) and ``/api/v1/search/global/<query>``. Unknown ``/api/*``
paths get the service's JSON 404, other GETs its SPA page, wrong methods an empty 405.

Its quirks are kept: failures answer HTTP 200 with ``success: false``; timestamps are
``...+00:00`` (``to_rfc3339``) or ``...Z`` (serde) exactly where the real handlers use each,
with nanoseconds; ``/api/v1/library/stats`` invents numbers (``source: "mock"``) when the
brain cannot reach Navidrome; ``uptime_seconds`` counts from the Unix epoch;
``completed_downloads`` re-counts finished torrents once a minute.

What the brain can reach is world state (:meth:`World.set_brain_reachable` with
``navidrome``, ``lidarr`` or ``transmission``; the simulator cuts it too while one of those
backends is ``DOWN``); ``spec.extra["navidrome"]`` or
``spec.extra["lidarr"]`` = ``"unconfigured"`` plays missing environment variables. Download
requests are ``world.brain_requests`` (the world hands magnets to the download client on its
ticks); active downloads are read from the world's torrents.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from ..faults import Handler
from ..model import Album, Artist, BrainRequest, Torrent, Track
from ..world import MIB, World
from . import BackendContext
from .transmission import rpc_status

VERSION = "0.1.0"
SERVICE = "stepheybot-music"
NAVIDROME_URL = "http://navidrome:4533"
LIDARR_URL = "http://lidarr:8686"
EPOCH = "1970-01-01T00:00:00Z"
MONITOR_INTERVAL = 30.0
PROCESS_INTERVAL = 60.0
NANOS = "417"
"""Sub-microsecond digits: Rust's clock has nanoseconds, the world's only microseconds."""
STATUS_STRINGS = (
    "stopped",
    "check_pending",
    "checking",
    "download_pending",
    "downloading",
    "seed_pending",
    "seeding",
)
MOCK_LIBRARY = {"total_tracks": 1250, "total_albums": 89, "total_artists": 67}
SPA = "<!doctype html><html><head><title>StepheyBot Music</title></head><body></body></html>"

type Json = dict[str, Any]

NAVIDROME_REFUSED = (
    f"error sending request for url ({NAVIDROME_URL}/): error trying to connect: "
    "tcp connect error: Connection refused (os error 111)"
)
"""reqwest's text for a Navidrome that refuses the connection (``/api/v1/status``)."""
STATUS_LISTS: Json = {
    "api_version": "v1",
    "features": [
        "health_checks",
        "basic_routing",
        "placeholder_endpoints",
        "navidrome_integration",
    ],
    "implemented": ["health", "status", "navidrome_test"],
    "planned": ["music_streaming", "recommendations", "library_management", "playlist_management"],
}
"""The static part of ``/api/v1/status``."""


def rfc3339(moment: datetime) -> str:
    """``chrono::Utc::now().to_rfc3339()``: nanoseconds and ``+00:00``."""
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond:06d}{NANOS}+00:00"


def zulu(moment: datetime) -> str:
    """A ``DateTime<Utc>`` serialized by serde: nanoseconds and ``Z``."""
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond:06d}{NANOS}Z"


def _zulu_or_none(moment: datetime | None) -> str | None:
    return zulu(moment) if moment is not None else None


def status_string(torrent: Torrent) -> str:
    """The brain's ``status_string()`` of Transmission's numeric status."""
    return STATUS_STRINGS[rpc_status(torrent)]


def active_id(torrent_hash: str) -> str:
    """A stable id of an active-map entry."""
    return str(uuid.uuid5(uuid.NAMESPACE_OID, torrent_hash))


def _mb_artist(artist: Artist) -> Json:
    return {
        "id": f"musicbrainz_artist_{artist.mbid}",
        "title": artist.name,
        "artist": artist.name,
        "album": artist.overview,
        "duration": None,
        "year": None,
        "genre": ", ".join(artist.genres),
        "source": "musicbrainz",
        "available": False,
        "external_url": f"https://musicbrainz.org/artist/{artist.mbid}",
        "musicbrainz_id": artist.mbid,
        "score": 100,
        "country": artist.country,
        "type": artist.artist_type,
    }


def _mb_album(world: World, album: Album) -> Json:
    return {
        "id": f"musicbrainz_album_{album.mbid}",
        "title": album.title,
        "artist": world.artist_of(album).name,
        "album": album.title,
        "duration": None,
        "year": album.release_date.year,
        "genre": album.album_type,
        "source": "musicbrainz",
        "available": False,
        "external_url": f"https://musicbrainz.org/release-group/{album.mbid}",
        "musicbrainz_id": album.mbid,
        "score": 100,
        "primary_type": album.album_type,
        "secondary_types": "",
        "type": "album",
    }


def _mb_recording(world: World, album: Album, track: Track) -> Json:
    return {
        "id": f"musicbrainz_recording_{track.id}",
        "title": track.title,
        "artist": world.artist_of(album).name,
        "album": album.title,
        "duration": track.duration,
        "year": album.release_date.year,
        "genre": "Recording",
        "source": "musicbrainz",
        "available": False,
        "musicbrainz_id": track.id,
        "isrcs": "",
        "rating": 0.0,
        "type": "track",
    }


class _Brain:
    """The service's handlers over the world (its start time is its only own state)."""

    def __init__(self, ctx: BackendContext) -> None:
        self.ctx = ctx
        self.world: World = ctx.world
        self.started = ctx.clock.now()
        self.unconfigured = {k for k in ("navidrome", "lidarr") if ctx.spec.extra.get(k)}

    @property
    def now(self) -> datetime:
        """The simulated time."""
        return self.ctx.clock.now()

    def configured(self, backend: str) -> bool:
        """Whether the backend's environment variables are set."""
        return backend not in self.unconfigured

    def connected(self, backend: str) -> bool:
        """Configured and reachable."""
        return self.configured(backend) and self.world.brain_reaches(backend)

    def failure(self, backend: str, what: str) -> str:
        """The error text the brain reports for a backend it cannot use."""
        if not self.configured(backend):
            return f"{backend.capitalize()} not configured"
        url = NAVIDROME_URL + "/rest/getArtists" if backend == "navidrome" else LIDARR_URL
        return f"{what} request failed: error sending request for url ({url})"

    def navidrome_addon(self) -> Json:
        """``test_connection()`` of ``navidrome_addon.rs``: a GET of Navidrome's root URL."""
        configured = self.configured("navidrome")
        connected = self.connected("navidrome")
        if not configured:
            error: str | None = "Navidrome not configured"
        elif not connected:
            error = NAVIDROME_REFUSED
        else:
            error = None
        return {
            "enabled": configured,
            "connected": connected,
            "url": NAVIDROME_URL if configured else "",
            "error": error,
            "features": ["basic_connectivity", "library_stats", "random_tracks"],
            "version": "simple_addon_v1",
        }

    # ----------------------------------------------------------------- downloads
    def active(self) -> list[tuple[BrainRequest, Torrent]]:
        """The active map: requests handed to the download client and not cancelled."""
        out = []
        for request in self.world.brain_requests.values():
            if request.torrent_hash is None or request.status == "cancelled":
                continue
            torrent = self.world.torrents.get(request.torrent_hash)
            if torrent is not None:
                out.append((request, torrent))
        return out

    def last_updated(self) -> str:
        """The monitor's last run: every 30 s while Transmission answers."""
        runs = int((self.now - self.started).total_seconds() // MONITOR_INTERVAL)
        if self.world.brain_reaches("transmission") and runs > 0:
            return zulu(self.started + timedelta(seconds=runs * MONITOR_INTERVAL))
        requests = self.world.brain_requests.values()
        latest = max((r.requested_at for r in requests), default=None)
        return zulu(latest) if latest is not None else EPOCH

    def completed_count(self, active: list[tuple[BrainRequest, Torrent]]) -> int:
        """Re-counted once a minute per finished torrent, as the file processor does."""
        count = 0
        for _, torrent in active:
            if torrent.progress >= 1 and torrent.completion_on is not None:
                elapsed = (self.now - torrent.completion_on).total_seconds()
                count += 1 + int(elapsed // PROCESS_INTERVAL)
        return count

    def active_item(self, request: BrainRequest, torrent: Torrent) -> Json:
        """One ``/download/active`` entry."""
        eta = torrent.eta
        return {
            "id": active_id(torrent.hash),
            "request_id": request.id,
            "torrent_hash": torrent.hash,
            "name": torrent.name,
            "status": status_string(torrent),
            "progress": round(torrent.progress, 4),
            "size": torrent.size,
            "downloaded": 0,
            "download_speed": torrent.dl_speed,
            "upload_speed": torrent.up_speed,
            "seeds": 0,
            "peers": 0,
            "eta": eta if eta is not None else -1,
            "added_at": zulu(request.started_at or request.requested_at),
            "completed_at": _zulu_or_none(torrent.completion_on),
        }

    # ----------------------------------------------------------------- statistics
    def lidarr_counts(self) -> Json:
        """``stats.lidarr`` computed as the brain does from ``GET /api/v1/artist``."""
        artists = self.world.lidarr_artists()
        albums = [self.world.albums[i] for a in artists for i in a.album_ids]
        size = sum(
            a.size * min(a.track_files, a.track_count) // max(a.track_count, 1) for a in albums
        )
        return {
            "total_artists": len(artists),
            "monitored_artists": sum(1 for a in artists if a.monitored),
            "total_albums": len(albums),
            "total_tracks": sum(min(a.track_files, a.track_count) for a in albums),
            "total_size_bytes": size,
            "total_size_gb": size / 1024**3,
            "source": "lidarr",
        }

    def connection(self, backend: str, url: str) -> Json:
        """``stats.connections.<backend>``."""
        configured = self.configured(backend)
        return {
            "enabled": configured,
            "connected": self.connected(backend),
            "url": url if configured else "",
        }

    def stats(self) -> Json:
        """``/api/v1/stats``."""
        world, now = self.world, self.now
        if self.connected("navidrome"):
            navidrome: Json = {
                "connected": True,
                "artists": world.nav_artists,
                "albums": world.nav_albums,
                "songs": world.nav_songs,
                "source": "navidrome",
            }
        else:
            navidrome = {
                "connected": False,
                "error": self.failure("navidrome", "Artists"),
                "artists": 0,
                "albums": 0,
                "songs": 0,
            }
        if self.connected("lidarr"):
            lidarr = self.lidarr_counts()
        else:
            lidarr = {
                "connected": False,
                "error": self.failure("lidarr", "Artists"),
                "total_artists": 0,
                "monitored_artists": 0,
                "total_albums": 0,
                "total_tracks": 0,
            }
        uptime = int(now.timestamp())  # the real bug: seconds since the Unix epoch
        days, rest = divmod(uptime, 86400)
        return {
            "stats": {
                "system": {
                    "version": VERSION,
                    "status": "production",
                    "uptime_seconds": uptime,
                    "uptime_human": f"{days}d {rest // 3600}h {rest % 3600 // 60}m {rest % 60}s",
                    "memory": {"status": "estimated", "note": "Basic memory estimation"},
                    "rust_version": "",
                    "build_profile": "release",
                },
                "navidrome": navidrome,
                "lidarr": lidarr,
                "connections": {
                    "navidrome": self.connection("navidrome", NAVIDROME_URL),
                    "lidarr": self.connection("lidarr", LIDARR_URL),
                },
                "api": {"endpoints_available": 25, "features": ["library_stats"]},
            },
            "timestamp": rfc3339(now),
        }

    # ----------------------------------------------------------------- search
    def search(self, query: str, category: str, kind: str) -> list[Json]:
        """Navidrome songs, Lidarr releases and (global/external) MusicBrainz entities."""
        world, needle = self.world, query.lower()
        results: list[Json] = []
        if self.connected("navidrome"):
            for album in world.navidrome_albums():
                artist = world.artist_of(album)
                if needle not in album.title.lower() and needle not in artist.name.lower():
                    continue
                for track in world.tracks_of(album):
                    results.append(
                        {
                            "id": track.id,
                            "title": track.title,
                            "artist": artist.name,
                            "album": album.title,
                            "duration": track.duration,
                            "year": album.release_date.year,
                            "genre": album.genre,
                            "source": "local",
                            "available": True,
                            "stream_url": f"/api/v1/stream/{track.id}",
                        }
                    )
                    if len(results) >= 50:
                        break
                if len(results) >= 50:
                    break
        if self.connected("lidarr"):
            indexers = {i.id: i.name for i in world.indexers}
            for release in world.search_releases(query, limit=10):
                album = world.albums[release.album_id]
                results.append(
                    {
                        "id": f"lidarr_{release.guid}",
                        "title": release.title,
                        "artist": world.artist_of(album).name,
                        "album": album.title,
                        "duration": None,
                        "year": None,
                        "genre": release.quality,
                        "source": "lidarr",
                        "available": False,
                        "downloadable": True,
                        "quality": release.quality,
                        "size_mb": release.size // MIB,
                        "seeders": release.seeders,
                        "leechers": release.leechers,
                        "indexer": f"{indexers.get(release.indexer_id, '?')} (Jackett)",
                        "magnet_url": release.magnet,
                        "download_url": release.magnet,
                        "external_url": release.magnet,
                    }
                )
        if kind in ("global", "external"):
            results += self.musicbrainz(query, category)
        return results

    def musicbrainz(self, query: str, category: str) -> list[Json]:
        """MusicBrainz artists, release groups or recordings (five of each)."""
        world = self.world
        out: list[Json] = []
        if category in ("all", "artist"):
            out += [_mb_artist(artist) for artist in world.search_artists(query)[:5]]
        albums = world.search_albums(query)
        if category in ("all", "album"):
            out += [_mb_album(world, album) for album in albums[:5]]
        if category == "track":
            tracks = [(a, t) for a in albums[:5] for t in world.tracks_of(a)][:5]
            out += [_mb_recording(world, album, track) for album, track in tracks]
        return out

    # ----------------------------------------------------------------- requests
    def lidarr_path(self, artist: str, title: str) -> Json:
        """Path B: no magnet, so ask Lidarr to monitor the artist."""
        base: Json = {
            "success": True,
            "message": f"Download request submitted for {title} by {artist}",
            "artist_name": artist,
            "track_title": title,
        }
        warning = None
        if not self.connected("lidarr"):
            warning = "Artist search failed but download is queued"
        else:
            hits = self.world.search_artists(artist)
            if not hits:
                warning = "Artist not found in database but download is queued"
            elif hits[0].in_lidarr:
                warning = "Artist monitoring failed but download is queued"
            else:
                self.world.add_artist(hits[0].mbid, monitored=True, search=True)
        if warning is not None:
            return base | {
                "artist_added": False,
                "status": "queued_without_monitoring",
                "warning": warning,
            }
        return base | {"artist_added": True, "status": "monitoring"}


def build_app(ctx: BackendContext) -> web.Application:
    """The Music Brain's HTTP API over ``ctx.world``."""
    brain = _Brain(ctx)
    world = ctx.world

    def reply(data: Json, status: int = 200) -> web.Response:
        return web.json_response(data, status=status)

    @web.middleware
    async def fallback(request: web.Request, handler: Handler) -> web.StreamResponse:
        error = request.match_info.http_exception
        if isinstance(error, web.HTTPMethodNotAllowed):
            return web.Response(status=405)
        if isinstance(error, web.HTTPNotFound):
            if request.path.startswith("/api/"):
                return reply(
                    {
                        "error": "Not Found",
                        "message": f"API endpoint {request.path} not found",
                        "timestamp": zulu(brain.now),
                    },
                    404,
                )
            if request.method == "GET":
                return web.Response(text=SPA, content_type="text/html")
            return web.Response(status=404)
        return await handler(request)

    async def health(_: web.Request) -> web.Response:
        return reply(
            {
                "status": "healthy",
                "service": SERVICE,
                "version": VERSION,
                "timestamp": rfc3339(brain.now),
            }
        )

    async def ready(_: web.Request) -> web.Response:
        return reply(
            {
                "status": "ready",
                "checks": {
                    "service": "ok",
                    "placeholder": "Database and external services would be checked here",
                },
            }
        )

    async def live(_: web.Request) -> web.Response:
        return reply({"status": "alive", "timestamp": rfc3339(brain.now)})

    async def api_status(_: web.Request) -> web.Response:
        return reply(
            STATUS_LISTS
            | {
                "navidrome": {
                    "navidrome_addon": brain.navidrome_addon(),
                    "timestamp": zulu(brain.now),
                },
                "timestamp": rfc3339(brain.now),
            }
        )

    async def stats(_: web.Request) -> web.Response:
        return reply(brain.stats())

    async def library_stats(_: web.Request) -> web.Response:
        now = rfc3339(brain.now)
        if brain.connected("navidrome"):
            counts: Json = {
                "total_tracks": world.nav_songs,
                "total_albums": world.nav_albums,
                "total_artists": world.nav_artists,
                "source": "navidrome",
            }
        else:
            counts = MOCK_LIBRARY | {
                "source": "mock",
                "note": "Using mock data - Navidrome connection failed",
            }
        return reply(
            counts
            | {"total_users": 1, "last_scan": now, "storage_used": "2.4 GB", "timestamp": now}
        )

    async def navidrome_status(_: web.Request) -> web.Response:
        return reply(
            {
                "navidrome": {
                    "enabled": False,
                    "connected": False,
                    "message": "Testing basic endpoint",
                },
                "timestamp": "2025-06-20T07:00:00Z",
            }
        )

    async def download_stats(_: web.Request) -> web.Response:
        requests = list(world.brain_requests.values())
        active = brain.active()
        counters = {
            "total_downloads": sum(1 for r in requests if r.magnet),
            "completed_downloads": brain.completed_count(active),
            "failed_downloads": sum(1 for r in requests if r.status == "failed"),
            "active_downloads": len(active),
            "queued_downloads": sum(1 for r in requests if r.status == "queued"),
            "total_downloaded_bytes": 0,
            "total_uploaded_bytes": 0,
            "average_download_speed": 0,
            "last_updated": brain.last_updated(),
        }
        return reply({"success": True, "stats": counters, "timestamp": zulu(brain.now)})

    async def active_downloads(_: web.Request) -> web.Response:
        items = [brain.active_item(r, t) for r, t in brain.active()]
        return reply(
            {
                "success": True,
                "active_downloads": len(items),
                "downloads": items,
                "timestamp": zulu(brain.now),
            }
        )

    async def download_status(request: web.Request) -> web.Response:
        request_id = request.match_info["request_id"]
        found = world.brain_requests.get(request_id)
        now = brain.now
        if found is None or found.status in ("cancelled", "failed"):
            return reply(
                {
                    "success": False,
                    "error": "Download request not found",
                    "request_id": request_id,
                    "timestamp": zulu(now),
                }
            )
        torrent = world.torrents.get(found.torrent_hash) if found.torrent_hash else None
        record: Json = {
            "success": True,
            "request_id": found.id,
            "status": "queued",
            "artist_name": found.artist,
            "track_title": found.title,
            "album_title": found.album,
            "progress": 0.0,
            "file_size": None,
            "download_speed": None,
            "seeds": None,
            "peers": None,
            "torrent_hash": None,
            "requested_at": zulu(found.requested_at),
            "started_at": None,
            "completed_at": None,
            "error_message": None,
            "timestamp": zulu(now),
        }
        if torrent is not None:
            record |= {
                "status": status_string(torrent),
                "artist_name": "Unknown",
                "track_title": torrent.name,
                "album_title": None,
                "progress": round(torrent.progress, 4),
                "file_size": torrent.size,
                "download_speed": torrent.dl_speed,
                "seeds": 0,
                "peers": 0,
                "torrent_hash": torrent.hash,
                "requested_at": zulu(now),
                "started_at": _zulu_or_none(found.started_at),
                "completed_at": _zulu_or_none(torrent.completion_on),
            }
        return reply(record)

    async def request_download(request: web.Request) -> web.Response:
        if request.content_type != "application/json":
            return web.Response(
                status=415, text="Expected request with `Content-Type: application/json`"
            )
        try:
            body = await request.json()
        except ValueError:
            return web.Response(status=400, text="Failed to parse the request body as JSON")
        if not isinstance(body, dict):
            return web.Response(status=400, text="Failed to parse the request body as JSON")
        title = str(body.get("title") or "Unknown")
        artist = str(body.get("artist") or "Unknown")
        album = body.get("album")
        source = str(body.get("source") or "unknown")
        external_id = str(body.get("external_id") or "")
        now = zulu(brain.now)
        if "magnet:" not in external_id and not body.get("bypass_monitoring"):
            return reply(brain.lidarr_path(artist, title) | {"timestamp": now})
        start = external_id.find("magnet:")
        magnet = external_id[start:] if start >= 0 else ""
        if not magnet:
            return reply(
                {
                    "success": False,
                    "message": "Failed to queue download: Invalid magnet URL",
                    "artist_name": artist,
                    "track_title": title,
                    "status": "failed",
                    "error": "Invalid magnet URL",
                    "timestamp": now,
                }
            )
        queued = world.brain_request(
            artist=artist,
            title=title,
            album=str(album) if album else None,
            magnet=magnet,
            source=source,
        )
        return reply(
            {
                "success": True,
                "message": f"Download queued for {title} by {artist} (direct download)",
                "request_id": queued.id,
                "artist_added": False,
                "artist_name": artist,
                "track_title": title,
                "status": "queued",
                "download_method": "magnet",
                "magnet_url": magnet,
                "external_id": external_id,
                "source": source,
                "timestamp": now,
            }
        )

    def torrent_action(
        action: str, past: str, apply: Callable[[str], None]
    ) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def handler(request: web.Request) -> web.Response:
            torrent_hash = request.match_info["hash"]
            now = zulu(brain.now)
            if action == "cancel":  # leaves the active map before Transmission is asked
                for item in world.brain_requests.values():
                    if item.torrent_hash == torrent_hash:
                        item.status = "cancelled"
            if torrent_hash not in world.torrents:
                return reply(
                    {
                        "success": False,
                        "error": f"Failed to {action} download: Torrent not found: {torrent_hash}",
                        "torrent_hash": torrent_hash,
                        "timestamp": now,
                    }
                )
            apply(torrent_hash)
            return reply(
                {
                    "success": True,
                    "message": f"Download {past}: {torrent_hash}",
                    "torrent_hash": torrent_hash,
                    "timestamp": now,
                }
            )

        return handler

    async def global_search(request: web.Request) -> web.Response:
        query = request.match_info["query"]
        category = request.query.get("category", "all")
        kind = request.query.get("type", "global")
        results = brain.search(query, category, kind)
        sources = list(dict.fromkeys(str(r["source"]) for r in results))
        return reply(
            {
                "success": True,
                "query": query,
                "total": len(results),
                "sources": sources,
                "timestamp": zulu(brain.now),
                "results": results,
            }
        )

    app = web.Application(middlewares=[fallback])
    add = app.router.add_get
    add("/health", health)
    add("/health/ready", ready)
    add("/health/live", live)
    add("/api/v1/status", api_status)
    add("/status", api_status)
    for path in ("/api/v1/stats", "/stats", "/library", "/system/stats", "/api/system/stats"):
        add(path, stats)
    add("/api/v1/library/stats", library_stats)
    add("/api/v1/navidrome/status", navidrome_status)
    add("/api/v1/download/stats", download_stats)
    add("/api/v1/download/active", active_downloads)
    add("/api/v1/download/status/{request_id}", download_status)
    add("/api/v1/search/global/{query}", global_search)
    app.router.add_post("/api/v1/download/request", request_download)
    app.router.add_post(
        "/api/v1/download/pause/{hash}", torrent_action("pause", "paused", world.stop_torrent)
    )
    app.router.add_post(
        "/api/v1/download/resume/{hash}", torrent_action("resume", "resumed", world.start_torrent)
    )
    app.router.add_post(
        "/api/v1/download/cancel/{hash}",
        torrent_action("cancel", "cancelled", world.remove_torrent),
    )
    return app
