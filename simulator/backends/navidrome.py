"""Navidrome facade: its Subsonic API (``/rest``) and native API (``/auth``, ``/api``).

Plays Navidrome 0.58 (``spec.flavor`` may name another version, e.g. ``"0.54.5"``) over
the shared world, which decides what is in Navidrome's library (imported *and* scanned):

- ``/rest/<method>`` and ``/rest/<method>.view``, GET query or POST form; ``u``, ``v`` and
  ``c`` required (error 10); credentials ``jwt``, ``p`` (plain or ``enc:<hex>``) or
  ``t`` + ``s`` (``md5(password + salt)``: passwords are stored reversibly); JSON (``f=json``),
  JSONP or XML (the default). Errors come as HTTP 200 envelopes; empty lists are omitted.
- ``getOpenSubsonicExtensions`` is public; unknown methods answer 404, removed ones
  (``search``, chat, video) 410 and unimplemented ones (podcasts, user management) 501.
- ``getScanStatus`` (idle ``count`` = total songs since 0.55), ``startScan`` (admin only),
  ``getAlbumList``/``getAlbumList2`` with ``x-total-count``, ``getArtists``, ``search3``,
  ``getNowPlaying``, ``ping``, ``getLicense``, ``getMusicFolders``.
- ``POST /auth/login`` returns a JWT (HS256); ``/api/artist|album|song?_start&_end`` return
  rows and ``X-Total-Count`` (``_end`` 0 or absent: every row, as the real one does); each
  authenticated native reply carries a refreshed token in ``X-ND-Authorization``;
  ``/api/library`` for admins (0.58+).

Users: ``spec.username``/``spec.password`` is the admin; ``spec.extra["users"]`` adds
non-admin users as ``"name:password,name2:password2"``. Faults: ``AUTH_REVOKED`` rejects
every credential (Subsonic error 40, HTTP 401 on the native API), ``SESSION_EXPIRED``
invalidates every JWT issued so far, ``BANNED`` makes ``/auth/login`` answer 429 (its rate
limiter).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import random
import re
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree as ET

from aiohttp import web
from multidict import MultiDict

from ..faults import Fault
from ..model import Album
from . import BackendContext
from .navidrome_library import IGNORED_ARTICLES, Json, LibraryIndex, Shapes, go_time, index_letter

DEFAULT_VERSION = "0.58.0"
COMMIT = "5e3d2c1b"
SUBSONIC_API = "1.16.1"
MAX_LIST_SIZE = 500
JWT_LIFETIME = 48 * 3600.0
"""Seconds a native API token stays valid (Navidrome's default session timeout)."""

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
MESSAGES = {
    0: "A generic error.",
    10: "Required parameter is missing.",
    40: "Wrong username or password.",
    50: "User is not authorized for the given operation.",
    70: "The requested data was not found.",
}


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


class SubsonicError(Exception):
    """A Subsonic error to send as a failed envelope (HTTP 200)."""

    def __init__(self, code: int, message: str | None = None) -> None:
        super().__init__(message or MESSAGES.get(code, MESSAGES[0]))
        self.code = code
        self.message = message or MESSAGES.get(code, MESSAGES[0])


type Params = MultiDict[str]
type Payload = tuple[Json, dict[str, str]]
type Method = Callable[[Params, User], Awaitable[Payload]]


def _version_tuple(version: str) -> tuple[int, int]:
    match = re.match(r"(\d+)\.(\d+)", version)
    return (int(match.group(1)), int(match.group(2))) if match else (0, 58)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _int_param(params: Params, name: str, default: int) -> int:
    value = params.get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError as err:
        raise SubsonicError(0, f"invalid value for '{name}': {value!r}") from err


def _required(params: Params, name: str) -> str:
    value = params.get(name)
    if not value:
        raise SubsonicError(10, f"required '{name}' parameter is missing")
    return value


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
        self.version = spec.flavor if re.match(r"\d+\.\d+", spec.flavor) else DEFAULT_VERSION
        self.version_tuple = _version_tuple(self.version)
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
        self._secret = secrets.token_bytes(32)
        self._scan_type = "quick"
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

    # ----------------------------------------------------------------- library view
    def index(self) -> LibraryIndex:
        """The sorted library, rebuilt only after the world's Navidrome library changed."""
        if self._index.key != self.world.nav_albums:
            self._index = LibraryIndex(self.world, previous=self._index)
        return self._index

    @property
    def scan_count_is_total(self) -> bool:
        """Whether an idle ``getScanStatus`` reports the total songs (0.55+)."""
        return self.version_tuple >= (0, 55)

    # ----------------------------------------------------------------- envelopes
    def envelope(self, status: str, payload: Json | None = None) -> Json:
        """A ``subsonic-response`` object as Navidrome builds it."""
        return {
            "status": status,
            "version": SUBSONIC_API,
            "type": "navidrome",
            "serverVersion": f"{self.version} ({COMMIT})",
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
        if handler is None:
            return web.Response(status=404, text="404 page not found\n")
        try:
            for name in ("u", "v", "c"):
                _required(params, name)
            user = self.authenticate(params)
            payload, headers = await handler(params, user)
        except SubsonicError as err:
            return self.failure(params, err)
        return self.respond(params, self.envelope("ok", payload), headers)

    def authenticate(self, params: Params) -> User:
        """Check ``jwt``, ``p`` or ``t``+``s`` (in that order) or raise error 40."""
        if self.ctx.faults.active(Fault.AUTH_REVOKED):
            raise SubsonicError(40)
        user = self.users.get(params.get("u", ""))
        if jwt := params.get("jwt"):
            claims = self.verify_jwt(jwt)
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
        """The ``scanStatus`` object: progress while scanning, totals when idle."""
        world = self.world
        status: Json = {"scanning": world.navidrome_scanning}
        if world.navidrome_scanning:
            status["count"] = world.scan_progress()
            status["folderCount"] = world.nav_albums + world.nav_artists
            status["scanType"] = self._scan_type
            started = world.navidrome_scan_started
            if started is not None:
                elapsed = (world.clock.now() - started).total_seconds()
                status["elapsedTime"] = int(elapsed * 1000)
        elif self.scan_count_is_total:
            status["count"] = world.nav_songs
            status["folderCount"] = world.nav_albums + world.nav_artists
        else:  # before 0.55: the last scan's file count (a quick scan of nothing new)
            status["count"] = 0
            status["folderCount"] = 0
        if world.navidrome_last_scan is not None:
            status["lastScan"] = go_time(world.navidrome_last_scan)
        return status

    async def get_scan_status(self, params: Params, user: User) -> Payload:
        """``getScanStatus`` (any user)."""
        return {"scanStatus": self.scan_status()}, {}

    async def start_scan(self, params: Params, user: User) -> Payload:
        """``startScan`` (admins only): start a world scan that takes simulated time."""
        if not user.admin:
            raise SubsonicError(50)
        if not self.world.navidrome_scanning:
            self._scan_type = "full" if params.get("fullScan") == "true" else "quick"
        self.world.start_scan()
        return {"scanStatus": self.scan_status()}, {}

    def album_list(self, params: Params) -> tuple[list[Album], int]:
        """The page of albums and the total for ``getAlbumList[2]``."""
        list_type = _required(params, "type")
        size = max(0, min(_int_param(params, "size", 10), MAX_LIST_SIZE))
        offset = max(0, _int_param(params, "offset", 0))
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
            first = _int_param(params, "fromYear", 0) if params.get("fromYear") else None
            last = _int_param(params, "toYear", 0) if params.get("toYear") else None
            if first is None or last is None:
                raise SubsonicError(10, "required 'fromYear' and 'toYear' parameters are missing")
            low, high = min(first, last), max(first, last)
            ordered = sorted(
                (a for a in index.albums if low <= a.release_date.year <= high),
                key=lambda a: a.release_date.year,
                reverse=first > last,
            )
        elif list_type == "byGenre":
            genre = _required(params, "genre")
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
        """``getArtists``: album artists grouped by index letter (articles ignored)."""
        index = self.index()
        groups: dict[str, list[Json]] = {}
        for artist in index.artists:
            count = len(index.artist_albums[artist.mbid])
            groups.setdefault(index_letter(artist.name), []).append(
                self.shapes.artist_id3(artist, count)
            )
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
        count = max(0, min(_int_param(params, f"{kind}Count", 20), MAX_LIST_SIZE))
        return count, max(0, _int_param(params, f"{kind}Offset", 0))

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

    # ----------------------------------------------------------------- native API
    def issue_jwt(self, user: User) -> str:
        """A signed HS256 token for ``user`` (valid for the current session generation)."""
        now = int(self.world.clock.now().timestamp())
        header = _b64(b'{"alg":"HS256","typ":"JWT"}')
        claims = {
            "adm": user.admin,
            "exp": now + int(JWT_LIFETIME),
            "gen": self.ctx.faults.session_generation,
            "iat": now,
            "iss": "ND",
            "sub": user.name,
            "uid": user.id,
        }
        payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
        signature = hmac.new(self._secret, f"{header}.{payload}".encode(), "sha256").digest()
        return f"{header}.{payload}.{_b64(signature)}"

    def verify_jwt(self, token: str) -> Json | None:
        """The claims of a valid, unexpired, current-generation token, else ``None``."""
        try:
            header, payload, signature = token.split(".")
            expected = hmac.new(self._secret, f"{header}.{payload}".encode(), "sha256").digest()
            if not hmac.compare_digest(_unb64(signature), expected):
                return None
            claims: Json = json.loads(_unb64(payload))
        except (ValueError, binascii.Error):
            return None
        if claims.get("gen") != self.ctx.faults.session_generation:
            return None
        if claims.get("exp", 0) < self.world.clock.now().timestamp():
            return None
        return claims

    async def login(self, request: web.Request) -> web.Response:
        """``POST /auth/login`` with JSON ``{username, password}``."""
        if self.ctx.faults.active(Fault.BANNED):
            return web.Response(status=429, text="Too Many Requests\n")
        try:
            body = await request.json()
            name, password = str(body["username"]), str(body["password"])
        except (ValueError, KeyError, TypeError):
            return web.json_response({"error": "Invalid request payload"}, status=422)
        user = self.users.get(name)
        if (
            self.ctx.faults.active(Fault.AUTH_REVOKED)
            or user is None
            or not hmac.compare_digest(password.encode(), user.password.encode())
        ):
            return web.json_response({"error": "Invalid username or password"}, status=401)
        salt = secrets.token_hex(3)
        return web.json_response(
            {
                "id": user.id,
                "name": user.name.title(),
                "username": user.name,
                "isAdmin": user.admin,
                "lastFMApiKey": "",
                "subsonicSalt": salt,
                "subsonicToken": hashlib.md5(
                    (user.password + salt).encode(), usedforsecurity=False
                ).hexdigest(),
                "token": self.issue_jwt(user),
            }
        )

    def native_user(self, request: web.Request) -> User | None:
        """The user of a native API request's ``X-ND-Authorization`` bearer token."""
        if self.ctx.faults.active(Fault.AUTH_REVOKED):
            return None
        header = request.headers.get("X-ND-Authorization", "")
        if not header.startswith("Bearer "):
            return None
        claims = self.verify_jwt(header[7:])
        return self.users.get(str(claims.get("sub"))) if claims else None

    async def native(self, request: web.Request) -> web.Response:
        """``GET /api/<resource>``: rows, ``X-Total-Count`` and a refreshed token."""
        user = self.native_user(request)
        if user is None:
            return web.json_response({"error": "Not authenticated"}, status=401)
        resource = request.match_info["resource"]
        headers = {"X-ND-Authorization": f"Bearer {self.issue_jwt(user)}"}
        if resource == "library":
            if self.version_tuple < (0, 58):
                return web.Response(status=404, text="404 page not found\n")
            if not user.admin:
                return web.json_response({"error": "Forbidden"}, status=403)
            return web.json_response([self.library_row()], headers=headers)
        try:
            start = max(0, int(request.query.get("_start", "0") or 0))
            end = max(0, int(request.query.get("_end", "0") or 0))
        except ValueError:
            return web.json_response({"error": "invalid _start or _end"}, status=400)
        limit = end - start if end > start else None  # _end 0 or missing: no limit
        index, shapes = self.index(), self.shapes
        rows: list[Json]
        if resource == "artist":
            total = self.world.nav_artists
            stop = None if limit is None else start + limit
            rows = [
                shapes.native_artist(
                    a,
                    index.artist_albums[a.mbid],
                    sum(x.track_count for x in index.artist_albums[a.mbid]),
                )
                for a in index.artists[start:stop]
            ]
        elif resource == "album":
            total = self.world.nav_albums
            stop = None if limit is None else start + limit
            rows = [shapes.native_album(a, index.duration(a)) for a in index.albums[start:stop]]
        elif resource == "song":
            total = self.world.nav_songs
            count = total if limit is None else limit
            rows = [shapes.native_song(a, t) for a, t in index.songs_from(start, count)]
        else:
            return web.Response(status=404, text="404 page not found\n")
        headers["X-Total-Count"] = str(total)
        return web.json_response(rows, headers=headers)

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
            "totalArtists": world.nav_artists,
            "totalFolders": world.nav_albums + world.nav_artists,
            "totalFiles": world.nav_songs,
            "totalMissingFiles": 0,
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
    app.router.add_post("/auth/login", navidrome.login)
    app.router.add_get("/api/{resource}", navidrome.native)
    return app
