"""Navidrome facade: its Subsonic API (``/rest``) and native API (``/auth``, ``/api``).

Plays one Navidrome release over the shared world, which decides what is in Navidrome's
library (imported *and* scanned). ``spec.flavor`` names it: ``"0.55"`` (plays 0.55.2),
``"0.58"`` (0.58.5, for 0.58 and newer), any other ``x.y.z`` that version (e.g. ``"0.54.5"``),
empty :data:`DEFAULT_VERSION`. What differs between releases is cited beside each rule
(:class:`Navidrome` properties); the native API is in :mod:`.navidrome_native`.

- ``/rest/<method>`` and ``/rest/<method>.view``, GET query or POST form; ``u``, ``v`` and
  ``c`` required (error 10); credentials ``jwt``, ``p`` (plain or ``enc:<hex>``) or
  ``t`` + ``s`` (``md5(password + salt)``: passwords are stored reversibly); JSON (``f=json``),
  JSONP or XML (the default). Errors come as HTTP 200 envelopes; empty lists are omitted.
- ``getOpenSubsonicExtensions`` is public; unknown methods answer 404, removed ones
  (``search``, chat, video) 410 and unimplemented ones (podcasts, user management) 501.
- ``getScanStatus``, ``startScan`` (admin only), ``getAlbumList``/``getAlbumList2`` with
  ``x-total-count``, ``getArtists`` (album artists), ``search3``, ``getNowPlaying``, ``ping``,
  ``getLicense``, ``getMusicFolders``; ``getArtist``, ``getAlbum``, ``getPlaylists``,
  ``getPlaylist``, ``stream`` and ``getCoverArt`` (:mod:`.navidrome_browsing`).
- ``POST /auth/login`` returns a JWT; ``/api/artist|album|song`` return rows and
  ``X-Total-Count``; ``/api/library`` for admins (0.58+); every authenticated native reply
  carries the refreshed token, the bare JWT, in ``X-ND-Authorization``.
- ``GET /api/events``: server-sent events (:mod:`.navidrome_events`).

Users: ``spec.username``/``spec.password`` is the admin; ``spec.extra["users"]`` adds
non-admin users as ``"name:password,name2:password2"``. ``spec.extra["missing_albums"]``
(a number, default 0) plays albums whose files were deleted since the last scan
(:class:`.navidrome_library.MissingFiles`). Faults: ``AUTH_REVOKED`` rejects every credential
(Subsonic error 40, HTTP 401 on the native API), ``SESSION_EXPIRED`` invalidates every JWT
issued so far, ``BANNED`` makes ``/auth/login`` answer 429 (its rate limiter).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree as ET

from aiohttp import web
from multidict import MultiDict

from ..faults import Fault
from ..model import Album
from . import BackendContext
from .navidrome_browsing import Browsing
from .navidrome_browsing import methods as browsing_methods
from .navidrome_errors import Params, SubsonicError, int_param, required
from .navidrome_events import EventStream
from .navidrome_library import (
    IGNORED_ARTICLES,
    Json,
    LibraryIndex,
    MissingFiles,
    Shapes,
    go_time,
    index_letter,
)
from .navidrome_native import NativeApi

DEFAULT_VERSION = "0.58.0"
FLAVORS = {"0.55": "0.55.2", "0.58": "0.58.5"}
"""Flavour names and the release each plays (the latest patch of its minor version)."""
COMMIT = "5e3d2c1b"
SUBSONIC_API = "1.16.1"
MAX_LIST_SIZE = 500
GO_ZERO_TIME = "0001-01-01T00:00:00Z"
"""How Go writes a zero ``time.Time`` (``lastScan`` before the first scan)."""

EXTENSIONS = (
    ("transcodeOffset", [1]),
    ("formPost", [1]),
    ("songLyrics", [1, 2]),
    ("indexBasedQueue", [1]),
    ("transcoding", [1]),
    ("playbackReport", [1]),
    ("topSongsByArtistId", [1]),
)
GONE = frozenset(
    {
        "search",
        "getChatMessages",
        "addChatMessage",
        "getVideos",
        "getVideoInfo",
        "getCaptions",
        "hls",
    }
)
NOT_IMPLEMENTED = frozenset(
    {
        "getPodcasts",
        "getNewestPodcasts",
        "refreshPodcasts",
        "createPodcastChannel",
        "deletePodcastChannel",
        "createUser",
        "updateUser",
        "deleteUser",
        "changePassword",
    }
)


@dataclass(frozen=True, slots=True)
class User:
    """A Navidrome user (passwords are stored reversibly, so tokens can be checked)."""

    name: str
    password: str
    admin: bool

    @property
    def id(self) -> str:
        """The user's id."""
        return hashlib.md5(f"user:{self.name}".encode(), usedforsecurity=False).hexdigest()[:22]


type Payload = tuple[Json, dict[str, str]]
type Method = Callable[[Params, User], Awaitable[Payload]]
type BinaryMethod = Callable[[web.Request, Params, User], Awaitable[web.Response]]


def _version_tuple(version: str) -> tuple[int, int]:
    match = re.match(r"(\d+)\.(\d+)", version)
    return (int(match.group(1)), int(match.group(2))) if match else (0, 58)


def _xml(parent: ET.Element, payload: Mapping[str, Any]) -> None:
    for key, value in payload.items():
        if isinstance(value, dict):
            _xml(ET.SubElement(parent, key), value)
        elif isinstance(value, list):
            for item in value:
                child = ET.SubElement(parent, key)
                if isinstance(item, dict):
                    _xml(child, item)
                else:
                    child.text = str(item)
        elif isinstance(value, bool):
            parent.set(key, "true" if value else "false")
        elif value is not None:
            parent.set(key, str(value))


class Navidrome:
    """The Navidrome facade over one world; :func:`build_app` wires it into aiohttp."""

    def __init__(self, ctx: BackendContext) -> None:
        self.ctx = ctx
        self.world = ctx.world
        spec = ctx.spec
        flavor = FLAVORS.get(spec.flavor, spec.flavor)
        self.version = flavor if re.match(r"\d+\.\d+", flavor) else DEFAULT_VERSION
        self.version_tuple = _version_tuple(self.version)
        self.missing = MissingFiles(
            int(spec.extra.get("missing_albums", "0") or 0) if self.has_missing_files else 0
        )
        self.users: dict[str, User] = {}
        admin = User(spec.username or "admin", spec.password or "admin", admin=True)
        self.users[admin.name] = admin
        for item in spec.extra.get("users", "").split(","):
            name, _, password = item.strip().partition(":")
            if name and password:
                self.users[name] = User(name, password, admin=False)
        self.shapes = Shapes(self.world)
        self._index = LibraryIndex(self.world)
        self._index.total_duration()  # pay the one O(tracks) pass at start, not on a request
        self.native = NativeApi(self)
        self.events = EventStream(self)
        self._scan_type = "full"  # the scan before the simulation started found everything
        self._rng = random.Random(self.world.seed)
        self.methods: dict[str, Method] = {
            "ping": self.ping,
            "getLicense": self.get_license,
            "getMusicFolders": self.get_music_folders,
            "getScanStatus": self.get_scan_status,
            "startScan": self.start_scan,
            "getAlbumList": self.get_album_list,
            "getAlbumList2": self.get_album_list2,
            "getArtists": self.get_artists,
            "search3": self.search3,
            "getNowPlaying": self.get_now_playing,
        }
        self.browsing = Browsing(self)
        self.methods |= browsing_methods(self.browsing)
        self.binary: dict[str, BinaryMethod] = {
            "stream": self.browsing.stream,
            "getCoverArt": self.browsing.cover_art,
        }

    # ----------------------------------------------------------------- library view
    def index(self) -> LibraryIndex:
        """The sorted library, rebuilt only after the world's Navidrome library changed."""
        if self._index.key != self.world.nav_albums:
            self._index = LibraryIndex(self.world, previous=self._index)
        return self._index

    @property
    def scan_count_is_total(self) -> bool:
        """Whether an idle ``getScanStatus`` reports the total songs (0.55+).

        0.55 and 0.56 count every media file, missing ones included (``CountAll``,
        scanner/controller.go @ v0.55.2:116-159, @ v0.56.1:145-195); see
        :attr:`scan_count_skips_missing`.
        """
        return self.version_tuple >= (0, 55)

    # What changed between releases, with where the upstream source says so:
    @property
    def scan_count_skips_missing(self) -> bool:
        """0.57+: the idle count sums ``library.TotalSongs``, without missing files.

        scanner/controller.go @ v0.57.0:179-188 and @ v0.58.5:197-207.
        """
        return self.version_tuple >= (0, 57)

    @property
    def scan_status_details(self) -> bool:
        """0.56+: ``scanStatus`` has ``error``, ``scanType``, ``elapsedTime``, idle too.

        server/subsonic/responses/responses.go @ v0.56.1:479-487; the values are stored
        properties (scanner/controller.go @ v0.56.1:145-179, ``getScanInfo``).
        """
        return self.version_tuple >= (0, 56)

    @property
    def has_roles(self) -> bool:
        """0.55+: every track participant is an artist; ``/api/artist`` filters by ``role``.

        scanner/phase_1_folders.go @ v0.55.2:312-314; persistence/artist_repository.go
        @ v0.55.2:118.
        """
        return self.version_tuple >= (0, 55)

    @property
    def has_missing_files(self) -> bool:
        """0.55+: deleted files stay as ``missing`` songs and albums (and are filterable).

        persistence/mediafile_repository.go @ v0.55.2:88-94, album_repository.go:112-132.
        """
        return self.version_tuple >= (0, 55)

    @property
    def has_missing_artists(self) -> bool:
        """0.56+: artists can be ``missing``, a filter, and left out of ``getArtists``.

        persistence/artist_repository.go @ v0.56.1:118-138; server/subsonic/browsing.go:41.
        """
        return self.version_tuple >= (0, 56)

    @property
    def has_libraries(self) -> bool:
        """0.58+: ``/api/library``, ``library_id`` filters, error 70 on an empty library.

        server/nativeapi/native_api.go @ v0.58.5:72-77; server/subsonic/browsing.go
        @ v0.58.5:33-60, 116-118.
        """
        return self.version_tuple >= (0, 58)

    @property
    def server_version(self) -> str:
        """The version as Navidrome reports it (``serverVersion``, ``serverStart``)."""
        return f"{self.version} ({COMMIT})"

    # ----------------------------------------------------------------- envelopes
    def envelope(self, status: str, payload: Json | None = None) -> Json:
        """A ``subsonic-response`` object as Navidrome builds it."""
        return {
            "status": status,
            "version": SUBSONIC_API,
            "type": "navidrome",
            "serverVersion": self.server_version,
            "openSubsonic": True,
            **(payload or {}),
        }

    def respond(
        self, params: Params, envelope: Json, headers: Mapping[str, str] | None = None
    ) -> web.Response:
        """Render an envelope as JSON, JSONP or XML, always with HTTP 200."""
        fmt = params.get("f", "xml")
        if fmt == "json":
            body = json.dumps({"subsonic-response": envelope}, separators=(",", ":"))
            return web.Response(text=body, content_type="application/json", headers=headers)
        if fmt == "jsonp":
            callback = params.get("callback", "")
            body = json.dumps({"subsonic-response": envelope}, separators=(",", ":"))
            return web.Response(
                text=f"{callback}({body})", content_type="application/javascript", headers=headers
            )
        root = ET.Element("subsonic-response", {"xmlns": "http://subsonic.org/restapi"})
        _xml(root, envelope)
        text = '<?xml version="1.0" encoding="UTF-8"?>' + ET.tostring(root, encoding="unicode")
        return web.Response(text=text, content_type="application/xml", headers=headers)

    def failure(self, params: Params, error: SubsonicError) -> web.Response:
        """A failed envelope (HTTP 200)."""
        return self.respond(
            params,
            self.envelope("failed", {"error": {"code": error.code, "message": error.message}}),
        )

    # ----------------------------------------------------------------- /rest
    async def rest(self, request: web.Request) -> web.Response:
        """Dispatch ``/rest/<method>[.view]`` (GET query or POST form)."""
        method = request.match_info["method"].removesuffix(".view")
        params: Params = MultiDict(request.query)
        if request.method == "POST":
            params.extend(await request.post())  # type: ignore[arg-type]
        if method == "getOpenSubsonicExtensions":
            extensions = [{"name": n, "versions": v} for n, v in EXTENSIONS]
            return self.respond(params, self.envelope("ok", {"openSubsonicExtensions": extensions}))
        if method in GONE:
            return web.Response(status=410, text="This endpoint will not be implemented\n")
        if method in NOT_IMPLEMENTED:
            return web.Response(
                status=501, text="This endpoint is not implemented, but may be in future releases\n"
            )
        handler = self.methods.get(method)
        binary = self.binary.get(method)
        if handler is None and binary is None:
            return web.Response(status=404, text="404 page not found\n")
        try:
            for name in ("u", "v", "c"):
                required(params, name)
            user = self.authenticate(params)
            if binary is not None:
                return await binary(request, params, user)
            payload, headers = await self.methods[method](params, user)
        except SubsonicError as err:
            return self.failure(params, err)
        return self.respond(params, self.envelope("ok", payload), headers)

    def authenticate(self, params: Params) -> User:
        """Check ``jwt``, ``p`` or ``t``+``s`` (in that order) or raise error 40."""
        if self.ctx.faults.active(Fault.AUTH_REVOKED):
            raise SubsonicError(40)
        user = self.users.get(params.get("u", ""))
        if jwt := params.get("jwt"):
            claims = self.native.verify_jwt(jwt)
            if claims is None or user is None or claims.get("sub") != user.name:
                raise SubsonicError(40)
            return user
        if user is None:
            raise SubsonicError(40)
        if (password := params.get("p")) is not None:
            if password.startswith("enc:"):
                try:
                    password = bytes.fromhex(password[4:]).decode()
                except (ValueError, UnicodeDecodeError):
                    raise SubsonicError(40) from None
            if hmac.compare_digest(password.encode(), user.password.encode()):
                return user
            raise SubsonicError(40)
        token, salt = params.get("t"), params.get("s")
        if token and salt:
            expected = hashlib.md5(
                (user.password + salt).encode(), usedforsecurity=False
            ).hexdigest()
            if hmac.compare_digest(token.lower().encode(), expected.encode()):
                return user
        raise SubsonicError(40)

    # ----------------------------------------------------------------- methods
    async def ping(self, params: Params, user: User) -> Payload:
        """``ping``: an empty ok envelope."""
        return {}, {}

    async def get_license(self, params: Params, user: User) -> Payload:
        """``getLicense``: always valid."""
        return {"license": {"valid": True}}, {}

    async def get_music_folders(self, params: Params, user: User) -> Payload:
        """``getMusicFolders``: the one library."""
        return {"musicFolders": {"musicFolder": [{"id": 1, "name": "Music Library"}]}}, {}

    def scan_status(self) -> Json:
        """The ``scanStatus`` object: progress while scanning, totals when idle.

        ``lastScan`` is always sent (Go's zero time before the first scan: responses.go
        @ v0.55.2:478-483 takes ``&status.LastScan``); ``folderCount`` counts folders with
        audio files, i.e. album folders here (library_repository.go @ v0.58.5:197-213).
        """
        world = self.world
        status: Json = {"scanning": world.navidrome_scanning}
        if world.navidrome_scanning:
            done = world.scan_progress()
            status["count"] = done
            status["folderCount"] = world.nav_albums * done // max(1, world.nav_songs)
        elif self.scan_count_is_total:
            missing = 0 if self.scan_count_skips_missing else self.missing.songs
            status["count"] = world.nav_songs + missing
            status["folderCount"] = world.nav_albums
        else:  # before 0.55: the last scan's file count (a quick scan of nothing new)
            status["count"] = 0
            status["folderCount"] = 0
        last = world.navidrome_last_scan
        status["lastScan"] = go_time(last) if last is not None else GO_ZERO_TIME
        if self.scan_status_details:
            started = world.navidrome_scan_started
            if world.navidrome_scanning and started is not None:
                elapsed = (world.clock.now() - started).total_seconds()
            elif last is not None and started is not None and started <= last:
                elapsed = (last - started).total_seconds()
            else:
                elapsed = world.scan_duration
            status["scanType"] = self._scan_type
            status["elapsedTime"] = int(elapsed * 1e9)  # a Go time.Duration: nanoseconds
        return status

    async def get_scan_status(self, params: Params, user: User) -> Payload:
        """``getScanStatus`` (any user)."""
        return {"scanStatus": self.scan_status()}, {}

    async def start_scan(self, params: Params, user: User) -> Payload:
        """``startScan`` (admins only): start a world scan that takes simulated time."""
        if not user.admin or self.world.navidrome_scans_off:
            raise SubsonicError(50)
        if not self.world.navidrome_scanning:
            self._scan_type = "full" if params.get("fullScan") == "true" else "quick"
        self.world.start_scan()
        return {"scanStatus": self.scan_status()}, {}

    def album_list(self, params: Params) -> tuple[list[Album], int]:
        """The page of albums and the total for ``getAlbumList[2]``."""
        list_type = required(params, "type")
        size = max(0, min(int_param(params, "size", 10), MAX_LIST_SIZE))
        offset = max(0, int_param(params, "offset", 0))
        index = self.index()
        ordered: list[Album]
        if list_type == "alphabeticalByName":
            ordered = index.albums
        elif list_type == "alphabeticalByArtist":
            ordered = index.by_artist()
        elif list_type == "newest":
            ordered = index.newest()
        elif list_type == "random":
            picked = self._rng.sample(index.albums, min(size, len(index.albums)))
            return picked, len(index.albums)
        elif list_type == "byYear":
            first = int_param(params, "fromYear", 0) if params.get("fromYear") else None
            last = int_param(params, "toYear", 0) if params.get("toYear") else None
            if first is None or last is None:
                raise SubsonicError(10, "required 'fromYear' and 'toYear' parameters are missing")
            low, high = min(first, last), max(first, last)
            ordered = sorted(
                (a for a in index.albums if low <= a.release_date.year <= high),
                key=lambda a: a.release_date.year,
                reverse=first > last,
            )
        elif list_type == "byGenre":
            genre = required(params, "genre")
            ordered = [a for a in index.albums if a.genre == genre]
        elif list_type in ("recent", "frequent", "highest", "starred"):
            ordered = []  # nobody has played, rated or starred anything in the simulation
        else:
            raise SubsonicError(0, f"type '{list_type}' not implemented")
        return ordered[offset : offset + size], len(ordered)

    async def get_album_list2(self, params: Params, user: User) -> Payload:
        """``getAlbumList2`` (ID3) with the ``x-total-count`` header."""
        page, total = self.album_list(params)
        index = self.index()
        albums = [self.shapes.album_id3(a, index.duration(a)) for a in page]
        body: Json = {"album": albums} if albums else {}
        return {"albumList2": body}, {"x-total-count": str(total)}

    async def get_album_list(self, params: Params, user: User) -> Payload:
        """``getAlbumList`` (folders) with the ``x-total-count`` header."""
        page, total = self.album_list(params)
        index = self.index()
        albums = [self.shapes.album_child(a, index.duration(a)) for a in page]
        body: Json = {"album": albums} if albums else {}
        return {"albumList": body}, {"x-total-count": str(total)}

    async def get_artists(self, params: Params, user: User) -> Payload:
        """``getArtists``: album artists grouped by index letter (articles ignored).

        Album artists only (``GetIndex(model.RoleAlbumArtist)``, server/subsonic/browsing.go
        @ v0.55.2:41); on 0.55 also those of missing albums, left out from 0.56
        (browsing.go @ v0.56.1:41). From 0.58 an empty result is error 70 "Library not found
        or empty" (browsing.go @ v0.58.5:116-118).
        """
        index = self.index()
        groups: dict[str, list[Json]] = {}
        for artist in index.artists:
            count = len(index.artist_albums[artist.mbid])
            groups.setdefault(index_letter(artist.name), []).append(
                self.shapes.artist_id3(artist, count)
            )
        if not self.has_missing_artists:
            for row in self.missing.artist_rows():
                groups.setdefault(index_letter(row["name"]), []).append(
                    {"id": row["id"], "name": row["name"], "albumCount": 1}
                )
        if not groups and self.has_libraries:
            raise SubsonicError(70, "Library not found or empty")
        last = self.world.navidrome_last_scan
        artists: Json = {
            "ignoredArticles": IGNORED_ARTICLES,
            "lastModified": int(last.timestamp() * 1000) if last else 0,
        }
        if groups:
            artists["index"] = [{"name": k, "artist": groups[k]} for k in sorted(groups)]
        return {"artists": artists}, {}

    async def search3(self, params: Params, user: User) -> Payload:
        """``search3``: case-insensitive substring match; ``query`` empty matches all."""
        query = params.get("query", "").strip().strip('"').rstrip("*").lower()
        index = self.index()
        shapes = self.shapes
        found: Json = {}
        count, offset = self._window(params, "artist")
        artists = [a for a in index.artists if query in a.name.lower()][offset : offset + count]
        if artists:
            found["artist"] = [
                shapes.artist_id3(a, len(index.artist_albums[a.mbid])) for a in artists
            ]
        count, offset = self._window(params, "album")
        albums = [a for a in index.albums if query in a.title.lower()][offset : offset + count]
        if albums:
            found["album"] = [shapes.album_id3(a, index.duration(a)) for a in albums]
        count, offset = self._window(params, "song")
        if not query:
            songs = [shapes.song(a, t) for a, t in index.songs_from(offset, count)]
        else:
            songs = []
            skip = offset
            for album in index.albums:
                if len(songs) >= count:
                    break
                for track in self.world.tracks_of(album):
                    if query not in track.title.lower():
                        continue
                    if skip:
                        skip -= 1
                    elif len(songs) < count:
                        songs.append(shapes.song(album, track))
        if songs:
            found["song"] = songs
        return {"searchResult3": found}, {}

    @staticmethod
    def _window(params: Params, kind: str) -> tuple[int, int]:
        count = max(0, min(int_param(params, f"{kind}Count", 20), MAX_LIST_SIZE))
        return count, max(0, int_param(params, f"{kind}Offset", 0))

    async def get_now_playing(self, params: Params, user: User) -> Payload:
        """``getNowPlaying``: what the world says people are listening to."""
        now = self.world.clock.now()
        entries = []
        players: dict[str, int] = {}
        for playing in self.world.now_playing:
            album = self.world.albums[playing.track.album_id]
            elapsed = max(0.0, (now - playing.started).total_seconds())
            entry = self.shapes.song(album, playing.track)
            entry |= {
                "username": playing.username,
                "minutesAgo": int(elapsed // 60),
                "playerId": players.setdefault(playing.player_name, len(players) + 1),
                "playerName": playing.player_name,
                "state": "playing",
                "positionMs": int(min(elapsed, playing.track.duration) * 1000),
                "playbackRate": 1.0,
            }
            entries.append(entry)
        return {"nowPlaying": {"entry": entries} if entries else {}}, {}

    def library_row(self) -> Json:
        """The one library of ``/api/library`` with its totals (cached per library state)."""
        world, index = self.world, self.index()
        last = world.navidrome_last_scan
        return {
            "id": 1,
            "name": "Music Library",
            "path": "/music",
            "remotePath": "",
            "lastScanAt": go_time(last) if last else None,
            "lastScanStartedAt": go_time(world.navidrome_scan_started or last) if last else None,
            "fullScanInProgress": world.navidrome_scanning and self._scan_type == "full",
            "totalSongs": world.nav_songs,
            "totalAlbums": world.nav_albums,
            # every participant, per library (persistence/library_repository.go @ v0.58.5:203-205)
            "totalArtists": len(index.artists) + len(index.composers),
            "totalFolders": world.nav_albums,
            "totalFiles": world.nav_songs + self.missing.songs,
            "totalMissingFiles": self.missing.songs,
            "totalSize": index.total_size,
            "totalDuration": index.total_duration(),
            "defaultNewUsers": True,
        }


def build_app(ctx: BackendContext) -> web.Application:
    """The Navidrome facade as an aiohttp application."""
    navidrome = Navidrome(ctx)
    app = web.Application()
    app.router.add_route("GET", "/rest/{method}", navidrome.rest)
    app.router.add_route("POST", "/rest/{method}", navidrome.rest)
    app.router.add_post("/auth/login", navidrome.native.login)
    app.router.add_get("/api/events", navidrome.events.handle)  # before /api/{resource}
    app.router.add_get("/api/{resource}", navidrome.native.handle)
    app.on_shutdown.append(navidrome.events.close)
    return app
