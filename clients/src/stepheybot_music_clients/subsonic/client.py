"""Async client of the Subsonic REST API as Navidrome speaks it (and plain Subsonic servers).

Every ``/rest`` call carries ``u``, ``v``, ``c``, ``f=json`` and credentials: a salted token
(``t = md5(password + salt)`` with a fresh random salt per request) or, for servers that store
hashed passwords and cannot check tokens (supysonic), ``p=enc:<hex>``. Subsonic reports errors
inside an HTTP 200 envelope; :meth:`SubsonicClient._call` maps them to :mod:`..errors`.
Navidrome's native API (``/auth/login`` + JWT) is used only to count the library cheaply.

"Artists" means album artists everywhere (:meth:`SubsonicClient.library_totals`): what
``getArtists`` lists on every Subsonic server and what Navidrome's own artist page shows by
default, never every track participant (composers, lyricists, performers, ...).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import re
import secrets
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, ClassVar

import aiohttp

from stepheybot_music_clients.errors import (
    BackendRequestError,
    CannotConnectError,
    InvalidAuthError,
    IpBannedError,
    StackError,
    UnexpectedResponseError,
    WrongApplicationError,
)
from stepheybot_music_clients.models import BackendInfo, BackendKind
from stepheybot_music_clients.subsonic import browse
from stepheybot_music_clients.subsonic.events import FrameParser, ServerEvent
from stepheybot_music_clients.subsonic.models import (
    Album,
    AlbumListType,
    AlbumSongs,
    ArtistAlbums,
    ArtistIndex,
    AudioStream,
    AuthMode,
    CoverArt,
    LibraryTotals,
    NowPlayingEntry,
    OpenSubsonicExtension,
    Playlist,
    PlaylistSongs,
    ScanStatus,
    SearchAlbum,
    SearchArtist,
    SearchResult,
    SearchSong,
    SubsonicServerInfo,
    TotalsMethod,
)
from stepheybot_music_clients.transport import (
    DEFAULT_TIMEOUT,
    HttpClient,
    Response,
    parsing,
    snippet,
)

_LOGGER = logging.getLogger(__name__)

API_VERSION = "1.16.1"
"""The Subsonic API version we send as ``v`` (what Navidrome reports; it does not enforce it)."""
CLIENT_NAME = "stepheybot-music"
MAX_PAGE_SIZE = 500
"""Navidrome's maximum ``size`` for ``getAlbumList2``; the paged counts never ask for more."""
_MAX_PAGES = 20_000
"""Safety stop for paging (10 million albums at the largest page size)."""
_ROLES_SINCE = (0, 55)
"""Navidrome makes an artist of every track participant and filters ``/api/artist`` by
``role`` since 0.55 (persistence/artist_repository.go @ v0.55.2:118); before, its artist
table held album artists only."""
_MISSING_SONGS_SINCE = (0, 55)
"""Songs and albums whose files are gone stay, flagged ``missing``, since 0.55."""
_MISSING_ARTISTS_SINCE = (0, 56)
"""Artists have the ``missing`` flag and filter since 0.56 (earlier releases ignore the
filter with a warning in their log on every request)."""
JWT_HEADER = "X-ND-Authorization"
"""Navidrome's native API token header: ``Bearer <jwt>`` in requests; the refreshed token
comes back in it as the bare JWT (``JWTRefresher``, server/auth.go @ v0.55.2 and v0.58.5)."""
_EMPTY_LIBRARY = 70
"""Subsonic error 70 (not found): Navidrome 0.58+ answers it to ``getArtists`` on an empty
library (server/subsonic/browsing.go @ v0.58.5:116-118)."""
_FALLBACK_CODES = (10, 41)
"""Answers to token auth that mean "this server cannot check tokens" (10: supysonic wants ``p``)."""
_MAX_MESSAGE = 200
_ENVELOPE_TYPES = ("application/json", "text/json", "application/xml", "text/xml")
"""Content types of a Subsonic envelope: a binary call that sends one failed."""
_MAX_ERROR_BODY = 64 * 1024
STREAM_HEADERS = ("Content-Type", "Content-Length", "Content-Range", "Accept-Ranges")
"""The headers of an audio reply worth passing on to a player (seeking needs the last three)."""

type _Query = list[tuple[str, str | int | float]]


class _NativeApiUnavailableError(Exception):
    """Navidrome's native API is not reachable (old version or hidden by a reverse proxy)."""


def _hex_password(password: str) -> str:
    return "enc:" + password.encode().hex()


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ValueError(f"expected a boolean, got {value!r}")


_FRACTION = re.compile(r"(\.\d{6})\d+")


def parse_time(value: Any) -> datetime | None:
    """Parse a Subsonic timestamp (ISO 8601, maybe with nanoseconds) into an aware datetime."""
    if value in (None, ""):
        return None
    text = _FRACTION.sub(r"\1", str(value)).replace("Z", "+00:00")
    moment = datetime.fromisoformat(text)
    if moment.year <= 1:  # Go's zero time: "never"
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _version_tuple(text: str | None) -> tuple[int, ...] | None:
    match = re.match(r"\s*v?(\d+)\.(\d+)", text or "")
    return (int(match.group(1)), int(match.group(2))) if match else None


def _refreshed_token(resp: Response) -> str | None:
    """The renewed JWT of a native reply: the bare token (also accepted as ``Bearer <jwt>``)."""
    value = resp.headers.get(JWT_HEADER, "").strip()
    if value[:7].lower() == "bearer ":
        value = value[7:].strip()
    return value or None


def _header_count(resp: Response, name: str) -> int | None:
    value = resp.headers.get(name)
    if value is None or not value.strip().isdigit():
        return None
    return int(value)


class SubsonicClient(HttpClient):
    """Client of a Navidrome (or any Subsonic-compatible) server.

    ``auth_mode`` is ``"auto"`` (token auth, switching for good to password auth when the
    server answers tokens with error 10 or 41), ``"token"`` or ``"password"``.
    """

    kind: ClassVar[str] = "Navidrome"

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        *,
        username: str,
        password: str,
        timeout: float = DEFAULT_TIMEOUT,
        verify_ssl: bool = True,
        auth_mode: AuthMode | str = AuthMode.AUTO,
    ) -> None:
        super().__init__(session, url, timeout=timeout, verify_ssl=verify_ssl)
        self.username = username
        self._password = password
        self.auth_mode = AuthMode(auth_mode)
        self._auth: AuthMode | None = None if self.auth_mode is AuthMode.AUTO else self.auth_mode
        self._server: SubsonicServerInfo | None = None
        self._jwt: str | None = None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.url} user={self.username!r} auth={self.auth_mode}>"

    @property
    def name(self) -> str:
        """Display name for messages: the server's application once known, else ``kind``."""
        return self._server.application if self._server else self.kind

    @property
    def auth_in_use(self) -> AuthMode | None:
        """``TOKEN`` or ``PASSWORD`` once settled; ``None`` while ``auto`` has not decided."""
        return self._auth

    @property
    def server(self) -> SubsonicServerInfo | None:
        """What the last ``ping`` said about the server (``None`` before the first one)."""
        return self._server

    # ----------------------------------------------------------------- /rest plumbing

    def _credentials(self, mode: AuthMode) -> _Query:
        if mode is AuthMode.PASSWORD:
            return [("u", self.username), ("p", _hex_password(self._password))]
        salt = secrets.token_hex(8)
        token = hashlib.md5((self._password + salt).encode(), usedforsecurity=False).hexdigest()
        return [("u", self.username), ("t", token), ("s", salt)]

    async def _send(
        self, method: str, params: Sequence[tuple[str, str | int]], mode: AuthMode | None
    ) -> tuple[dict[str, Any], Response]:
        query: _Query = self._credentials(mode) if mode is not None else []
        query += [("v", API_VERSION), ("c", CLIENT_NAME), ("f", "json"), *params]
        resp = await self.request("GET", f"rest/{method}", params=query)
        return self._envelope(method, resp), resp

    def _envelope(self, method: str, resp: Response) -> dict[str, Any]:
        """Return the ``subsonic-response`` object of a reply, or raise for HTTP-level errors."""
        where = f"{self.name} at {self.url}"
        if resp.status in (404, 410, 501):
            envelope = self._loose_envelope(resp)
            if resp.status == 404 and envelope is None:
                raise WrongApplicationError(
                    f"{where} has no Subsonic API at {resp.url.path} (HTTP 404). Check the URL: "
                    "use the server's base address, e.g. http://192.168.1.10:4533.",
                    backend=self.kind,
                )
            raise BackendRequestError(
                f"{where} does not support the {method} call (HTTP {resp.status}). "
                "The server may be an older version or another Subsonic implementation.",
                backend=self.kind,
                code=resp.status,
            )
        self.raise_for_status(resp)
        if resp.body.lstrip().startswith(b"<") and b"subsonic-response" in resp.body[:500]:
            raise UnexpectedResponseError(
                f"{where} answered in XML although JSON was asked for. "
                "This server is too old; use a server that supports Subsonic API 1.4 or newer.",
                backend=self.kind,
            )
        data = resp.json()
        envelope = data.get("subsonic-response") if isinstance(data, dict) else None
        if not isinstance(envelope, dict):
            raise WrongApplicationError(
                f"Something answers at {self.url}, but it is not a Subsonic server (its reply to "
                f"{method} has no 'subsonic-response': {snippet(resp.body)!r}). "
                "Check the URL and port of Navidrome.",
                backend=self.kind,
            )
        if envelope.get("status") not in ("ok", "failed"):
            raise UnexpectedResponseError(
                f"{where} answered {method} with an unknown status {envelope.get('status')!r}.",
                backend=self.kind,
            )
        return envelope

    @staticmethod
    def _loose_envelope(resp: Response) -> dict[str, Any] | None:
        try:
            data = resp.json()
        except UnexpectedResponseError:
            return None
        envelope = data.get("subsonic-response") if isinstance(data, dict) else None
        return envelope if isinstance(envelope, dict) else None

    async def _call(
        self, method: str, params: Sequence[tuple[str, str | int]] = ()
    ) -> dict[str, Any]:
        """Call ``/rest/<method>`` and return the envelope, or raise the mapped error."""
        envelope, _ = await self._call_with_response(method, params)
        return envelope

    async def _call_with_response(
        self, method: str, params: Sequence[tuple[str, str | int]] = ()
    ) -> tuple[dict[str, Any], Response]:
        mode = self._auth or AuthMode.TOKEN
        envelope, resp = await self._send(method, params, mode)
        if (
            self._auth is None
            and envelope["status"] == "failed"
            and self._error_code(envelope) in _FALLBACK_CODES
        ):
            _LOGGER.debug(
                "%s at %s does not accept token authentication (error %s); "
                "switching to password authentication",
                self.name,
                self.url,
                self._error_code(envelope),
            )
            mode = AuthMode.PASSWORD
            envelope, resp = await self._send(method, params, mode)
            if envelope["status"] == "ok" or self._error_code(envelope) not in _FALLBACK_CODES:
                self._auth = mode
        elif self._auth is None and envelope["status"] == "ok":
            self._auth = mode
        if envelope["status"] == "failed":
            raise self._error(method, envelope, mode)
        return envelope, resp

    @staticmethod
    def _error_code(envelope: dict[str, Any]) -> int | None:
        error = envelope.get("error")
        code = error.get("code") if isinstance(error, dict) else None
        try:
            return int(code) if code is not None else None
        except (TypeError, ValueError):
            return None

    def _error(self, method: str, envelope: dict[str, Any], mode: AuthMode) -> StackError:
        """Map a failed envelope to the exception the user sees."""
        code = self._error_code(envelope)
        error = envelope.get("error")
        text = str(error.get("message") or "") if isinstance(error, dict) else ""
        text = text[:_MAX_MESSAGE] or "no message"
        where = f"{self.name} at {self.url}"
        user = self.username
        if code == 40:
            return InvalidAuthError(
                f"{where} rejected the user name or password for user '{user}' (Subsonic error "
                "40). Check the user name and password.",
                backend=self.kind,
            )
        if code == 41:
            return InvalidAuthError(
                f"{where} does not accept token authentication for user '{user}' (Subsonic error "
                "41, e.g. an LDAP user). Set the authentication mode to password or auto.",
                backend=self.kind,
            )
        if code == 42:
            return InvalidAuthError(
                f"{where} does not accept password authentication (Subsonic error 42). "
                "Set the authentication mode to token.",
                backend=self.kind,
            )
        if code in (43, 44):
            return InvalidAuthError(
                f"{where} rejected the credentials of user '{user}' (Subsonic error {code}: "
                f"{text}). Check the user name, password and authentication mode.",
                backend=self.kind,
            )
        if code == 50:
            return BackendRequestError(
                f"{where} refused {method} for user '{user}': it needs an admin user (Subsonic "
                "error 50). Scanning the library needs admin rights; give this user admin "
                "rights in the server or configure an admin user.",
                backend=self.kind,
                code=50,
            )
        if code == 70:
            return BackendRequestError(
                f"{where} found nothing for {method}: {text} (Subsonic error 70).",
                backend=self.kind,
                code=70,
            )
        if code == 10:
            hint = (
                " This server may not support token authentication; set the authentication "
                "mode to password or auto."
                if mode is AuthMode.TOKEN
                else ""
            )
            return BackendRequestError(
                f"{where} says a required parameter is missing in {method} (Subsonic error 10: "
                f"{text}).{hint}",
                backend=self.kind,
                code=10,
            )
        if code in (20, 30):
            side = "StepheyBot Music" if code == 20 else "the server"
            return BackendRequestError(
                f"{where} reports incompatible Subsonic API versions (Subsonic error {code}: "
                f"{text}). Update {side}.",
                backend=self.kind,
                code=code,
            )
        return BackendRequestError(
            f"{where} failed {method}: {text} (Subsonic error {code}). Check the server's logs.",
            backend=self.kind,
            code=code,
        )

    # ----------------------------------------------------------------- server identity

    async def ping(self) -> None:
        """Check the URL and the credentials (one ``ping``)."""
        await self._ping_info()

    async def _ping_info(self) -> SubsonicServerInfo:
        envelope = await self._call("ping")
        with parsing(self.kind, "its ping reply"):
            server_type = envelope.get("type")
            server_type = str(server_type) if server_type else None
            version = envelope.get("serverVersion")
            if server_type == "navidrome":
                application = "Navidrome"
            else:
                application = f"Subsonic ({server_type})" if server_type else "Subsonic"
            previous = self._server
            info = SubsonicServerInfo(
                application=application,
                server_type=server_type,
                server_version=str(version) if version else None,
                api_version=str(envelope["version"]),
                open_subsonic=_flag(envelope.get("openSubsonic", False)),
                extensions=previous.extensions if previous else (),
            )
        self._server = info
        return info

    async def probe(self) -> BackendInfo:
        """Check URL and credentials with one ``ping`` and say which server answers."""
        info = await self._ping_info()
        return BackendInfo(
            kind=BackendKind.NAVIDROME,
            application=info.application,
            version=info.server_version,
            api_version=info.api_version,
        )

    async def server_info(self) -> SubsonicServerInfo:
        """``ping`` plus the public ``getOpenSubsonicExtensions`` (2 requests).

        A server that does not know that call (supysonic answers HTTP 404) has no extensions;
        it counts as OpenSubsonic only if its envelope says ``openSubsonic: true``.
        """
        info = await self._ping_info()
        try:
            envelope, _ = await self._send("getOpenSubsonicExtensions", (), None)
        except (BackendRequestError, UnexpectedResponseError):
            extensions: tuple[OpenSubsonicExtension, ...] = ()
        else:
            if envelope["status"] == "failed":
                extensions = ()
            else:
                with parsing(self.kind, "its OpenSubsonic extensions"):
                    extensions = tuple(
                        OpenSubsonicExtension(
                            name=str(item["name"]),
                            versions=tuple(int(v) for v in item.get("versions", [])),
                        )
                        for item in envelope.get("openSubsonicExtensions", [])
                    )
        info = SubsonicServerInfo(
            application=info.application,
            server_type=info.server_type,
            server_version=info.server_version,
            api_version=info.api_version,
            open_subsonic=info.open_subsonic or bool(extensions),
            extensions=extensions,
        )
        self._server = info
        return info

    # ----------------------------------------------------------------- scanning, playing

    def _scan_status(self, envelope: dict[str, Any]) -> ScanStatus:
        with parsing(self.kind, "the scan status"):
            status = envelope["scanStatus"]
            return ScanStatus(
                scanning=_flag(status["scanning"]),
                count=int(status.get("count", 0)),
                folder_count=_optional_int(status.get("folderCount")),
                last_scan=parse_time(status.get("lastScan")),
            )

    async def scan_status(self) -> ScanStatus:
        """Return the scanner's state (``getScanStatus``; supysonic needs an admin user)."""
        return self._scan_status(await self._call("getScanStatus"))

    async def start_scan(self, *, full: bool = False) -> ScanStatus:
        """Start a library scan (admin users only); ``full`` rescans unchanged files too."""
        params = [("fullScan", "true")] if full else []
        return self._scan_status(await self._call("startScan", params))

    async def now_playing(self) -> tuple[NowPlayingEntry, ...]:
        """Return what every user is playing right now (``getNowPlaying``)."""
        envelope = await self._call("getNowPlaying")
        with parsing(self.kind, "the now playing list"):
            return tuple(
                NowPlayingEntry(
                    username=str(entry["username"]),
                    title=str(entry.get("title", "")),
                    artist=entry.get("artist"),
                    album=entry.get("album"),
                    minutes_ago=float(entry.get("minutesAgo", 0)),
                    player_name=entry.get("playerName") or None,
                    song_id=str(entry["id"]),
                )
                for entry in envelope["nowPlaying"].get("entry", [])
            )

    async def search3(
        self,
        query: str = "",
        *,
        artist_count: int = 20,
        album_count: int = 20,
        song_count: int = 20,
        artist_offset: int = 0,
        album_offset: int = 0,
        song_offset: int = 0,
    ) -> SearchResult:
        """Search artists, albums and songs by name (``query=""`` matches everything)."""
        envelope = await self._call(
            "search3",
            [
                ("query", query),
                ("artistCount", artist_count),
                ("albumCount", album_count),
                ("songCount", song_count),
                ("artistOffset", artist_offset),
                ("albumOffset", album_offset),
                ("songOffset", song_offset),
            ],
        )
        with parsing(self.kind, "search results"):
            found = envelope["searchResult3"]
            return SearchResult(
                artists=tuple(
                    SearchArtist(
                        id=str(a["id"]),
                        name=str(a["name"]),
                        album_count=_optional_int(a.get("albumCount")),
                        musicbrainz_id=str(a.get("musicBrainzId") or "") or None,
                    )
                    for a in found.get("artist", [])
                ),
                albums=tuple(
                    SearchAlbum(
                        id=str(a["id"]),
                        name=str(a["name"]),
                        artist=a.get("artist"),
                        artist_id=a.get("artistId"),
                        song_count=_optional_int(a.get("songCount")),
                        year=_optional_int(a.get("year")),
                        cover_art=str(a.get("coverArt") or "") or None,
                    )
                    for a in found.get("album", [])
                ),
                songs=tuple(
                    SearchSong(
                        id=str(s["id"]),
                        title=str(s["title"]),
                        artist=s.get("artist"),
                        album=s.get("album"),
                        album_id=s.get("albumId"),
                        track=_optional_int(s.get("track")),
                        duration=_optional_int(s.get("duration")),
                        content_type=str(s.get("contentType") or "") or None,
                        cover_art=str(s.get("coverArt") or "") or None,
                    )
                    for s in found.get("song", [])
                ),
            )

    # ----------------------------------------------------------------- browsing

    async def artists(self) -> tuple[ArtistIndex, ...]:
        """``getArtists``: album artists by index letter (names and ids, no albums).

        Error 70 is an empty library on Navidrome 0.58+ (browsing.go @ v0.58.5:116-118):
        no letters, not an error.
        """
        try:
            envelope = await self._call("getArtists")
        except BackendRequestError as err:
            if err.code == _EMPTY_LIBRARY:
                return ()
            raise
        with parsing(self.kind, "the artist index"):
            return browse.artist_indexes(envelope)

    async def artist(self, artist_id: str) -> ArtistAlbums:
        """``getArtist``: one artist and its albums (error 70 when the id is unknown)."""
        envelope = await self._call("getArtist", [("id", artist_id)])
        with parsing(self.kind, "an artist"):
            return browse.artist_albums(envelope)

    async def album(self, album_id: str) -> AlbumSongs:
        """``getAlbum``: one album and its songs (error 70 when the id is unknown)."""
        envelope = await self._call("getAlbum", [("id", album_id)])
        with parsing(self.kind, "an album"):
            return browse.album_songs(envelope)

    async def album_list(
        self, list_type: AlbumListType, *, size: int = 50, offset: int = 0
    ) -> tuple[Album, ...]:
        """One page of ``getAlbumList2`` (``size`` at most :data:`MAX_PAGE_SIZE`)."""
        envelope = await self._call(
            "getAlbumList2",
            [
                ("type", str(list_type)),
                ("size", max(1, min(size, MAX_PAGE_SIZE))),
                ("offset", max(0, offset)),
            ],
        )
        with parsing(self.kind, "an album list"):
            return browse.albums(envelope)

    async def playlists(self) -> tuple[Playlist, ...]:
        """``getPlaylists``: the user's own playlists and the public ones."""
        envelope = await self._call("getPlaylists")
        with parsing(self.kind, "the playlists"):
            return browse.playlists(envelope)

    async def playlist(self, playlist_id: str) -> PlaylistSongs:
        """``getPlaylist``: one playlist and its songs (error 70 when the id is unknown)."""
        envelope = await self._call("getPlaylist", [("id", playlist_id)])
        with parsing(self.kind, "a playlist"):
            return browse.playlist_songs(envelope)

    # ----------------------------------------------------------------- media

    async def _media_query(self, params: _Query) -> _Query:
        """The query of a binary call (credentials settled first, by a ``ping``)."""
        if self._auth is None:
            await self._ping_info()
        mode = self._auth or AuthMode.TOKEN
        common: _Query = [("v", API_VERSION), ("c", CLIENT_NAME), ("f", "json")]
        return [*self._credentials(mode), *common, *params]

    def _media_error(self, method: str, status: int, body: bytes) -> StackError:
        """The error of a binary call that answered with an envelope or an HTTP error."""
        data: Any = None
        if body.lstrip().startswith(b"{"):
            with contextlib.suppress(ValueError):
                data = json.loads(body)
        envelope = data.get("subsonic-response") if isinstance(data, dict) else None
        if isinstance(envelope, dict) and envelope.get("status") == "failed":
            return self._error(method, envelope, self._auth or AuthMode.TOKEN)
        if status == 404:
            return BackendRequestError(
                f"{self.name} at {self.url} has no such item for {method} (HTTP 404).",
                backend=self.kind,
                code=_EMPTY_LIBRARY,
            )
        return UnexpectedResponseError(
            f"{self.name} at {self.url} answered {method} with HTTP {status} "
            f"({snippet(body)!r}) instead of media. Check its logs.",
            backend=self.kind,
        )

    @asynccontextmanager
    async def stream(
        self, song_id: str, *, byte_range: str | None = None
    ) -> AsyncIterator[AudioStream]:
        """Open ``stream`` for a song as stored (no transcoding), passing ``Range`` on.

        The body is not read: the caller copies :attr:`AudioStream.content` on (errors while
        reading it are the caller's). A Subsonic error comes as a JSON envelope instead of
        audio (HTTP 200) and is raised. The URL holds credentials: it is never logged, nor
        put in a message.
        """
        query = await self._media_query([("id", song_id)])
        url = self._url("rest/stream")
        _LOGGER.debug("%s GET %s", self.kind, url.path)
        self.stats.count(url.path)
        try:
            resp = await self._session.get(
                url,
                params=query,
                headers={"Range": byte_range} if byte_range else {},
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=self.timeout),
                ssl=self.verify_ssl,
                auto_decompress=False,
            )
        except (aiohttp.ClientError, OSError, TimeoutError) as err:
            raise CannotConnectError(
                f"Cannot stream from {self.name} at {self.url} ({type(err).__name__}). "
                "Check that the server is running and reachable.",
                backend=self.kind,
            ) from None
        try:
            unsatisfiable = resp.status == 416  # a Range past the end: the player's to handle
            if (resp.status >= 400 and not unsatisfiable) or resp.content_type in _ENVELOPE_TYPES:
                body = await resp.content.read(_MAX_ERROR_BODY)
                raise self._media_error("stream", resp.status, body)
            yield AudioStream(
                status=resp.status,
                headers={k: v for k in STREAM_HEADERS if (v := resp.headers.get(k))},
                content=resp.content,
            )
        finally:
            resp.release()

    async def cover_art(self, cover_id: str, *, size: int | None = None) -> CoverArt:
        """``getCoverArt``: the image of an artist, album, song or playlist (``size`` px)."""
        sized: _Query = [("size", size)] if size else []
        query = await self._media_query([("id", cover_id), *sized])
        resp = await self.request("GET", "rest/getCoverArt", params=query)
        content_type = resp.headers.get("Content-Type", "").split(";")[0].strip()
        if resp.status >= 400 or not content_type.startswith("image/"):
            raise self._media_error("getCoverArt", resp.status, resp.body)
        return CoverArt(content_type=content_type, body=resp.body)

    # ----------------------------------------------------------------- library totals

    async def library_totals(self, *, page_size: int = MAX_PAGE_SIZE) -> LibraryTotals:
        """Count the library's album artists, albums and songs as cheaply as the server allows.

        The same meaning on every path and version: **artists are album artists** (credited
        as album artist on at least one album), and songs and albums whose files are gone
        are not counted (nor, from Navidrome 0.56, artists left with none: 0.55 has no
        missing artists, so ``getArtists`` keeps them too); on Navidrome 0.58+, the
        libraries the configured user can see.

        Navidrome (:attr:`TotalsMethod.EXACT_CHEAP`, cost independent of library size):
        ``/api/artist?role=albumartist&missing=false``, ``getAlbumList2?size=1``
        (``x-total-count``) and ``/api/song?missing=false``, each one row and its count:
        three small requests, plus ``POST /auth/login`` when no JWT is held (at most every
        48 h: the token is renewed by every reply) and a ``ping`` when the server type is
        not known yet. ``missing=false`` is sent only to releases that know it (songs
        0.55+, artists 0.56+). ``/api/library`` (0.58+, admins) is not used: its
        ``totalArtists`` counts every participant (composers too) per library.

        Other servers, or a Navidrome whose native API is unreachable
        (:attr:`TotalsMethod.PAGED`): one ``getArtists`` (album artists; its size grows with
        them) and ``getAlbumList2`` pages of ``page_size`` albums (at most 500), summing the
        albums' ``songCount``: ``albums / page_size + 1`` requests.
        """
        size = max(1, min(page_size, MAX_PAGE_SIZE))
        info = self._server or await self._ping_info()
        if info.is_navidrome:
            try:
                return await self._navidrome_totals(info)
            except _NativeApiUnavailableError:
                _LOGGER.debug("%s native API unavailable; counting by paging", self.name)
        return await self._paged_totals(size)

    async def _navidrome_totals(self, info: SubsonicServerInfo) -> LibraryTotals:
        version = _version_tuple(info.server_version)

        def since(release: tuple[int, int]) -> bool:
            return version is None or version >= release  # unknown: assume a current one

        present: _Query = [("missing", "false")] if since(_MISSING_SONGS_SINCE) else []
        artist_filters: _Query = [("role", "albumartist")] if since(_ROLES_SINCE) else []
        if since(_MISSING_ARTISTS_SINCE):
            artist_filters.append(("missing", "false"))
        artists = await self._native_total("artist", artist_filters)
        _, resp = await self._call_with_response(
            "getAlbumList2", [("type", "alphabeticalByName"), ("size", 1)]
        )
        albums = _header_count(resp, "x-total-count")
        if albums is None:
            albums = await self._native_total("album", present)
        songs = await self._native_total("song", present)
        return LibraryTotals(
            artists=artists, albums=albums, songs=songs, source=TotalsMethod.EXACT_CHEAP
        )

    async def _native_total(self, resource: str, filters: _Query) -> int:
        """One row of ``/api/<resource>`` and its ``X-Total-Count`` (never ``_end=0``: all rows)."""
        resp = await self._native_get(f"api/{resource}", [("_start", 0), ("_end", 1), *filters])
        if resp.status == 404:
            raise _NativeApiUnavailableError
        self.raise_for_status(resp)
        count = _header_count(resp, "X-Total-Count")
        if count is None:
            raise _NativeApiUnavailableError
        return count

    async def _login(self) -> None:
        resp = await self.request(
            "POST",
            "auth/login",
            json_body={"username": self.username, "password": self._password},
        )
        if resp.status in (404, 405):
            raise _NativeApiUnavailableError
        if resp.status == 429:
            retry = resp.headers.get("Retry-After", "")
            raise IpBannedError(
                f"{self.name} at {self.url} refuses logins from this address for now (HTTP 429: "
                "too many login attempts). It lets them in again after its rate-limit window; "
                "check that no other client keeps trying a wrong password.",
                backend=self.kind,
                retry_after=float(retry) if retry.isdigit() else None,
            )
        if resp.status in (401, 403):
            raise InvalidAuthError(
                f"{self.name} at {self.url} rejected the login of user '{self.username}' "
                f"(HTTP {resp.status}). Check the user name and password.",
                backend=self.kind,
            )
        self.raise_for_status(resp)
        data = resp.json()
        with parsing(self.kind, "its login reply"):
            token = data["token"]
            if not isinstance(token, str) or not token:
                raise ValueError("no token in the login reply")
        self._jwt = token

    async def _native_get(self, path: str, params: _Query) -> Response:
        """GET on the native API with the JWT; log in again once if it is rejected.

        Every reply to a request with a valid token carries a fresh one (its expiry pushed
        48 h on), also on 403, 404 and 500; it is kept, so a client polling more often than
        the session timeout never logs in again.
        """
        if self._jwt is None:
            await self._login()
        resp = await self.request("GET", path, params=params, headers=self._jwt_header())
        if resp.status == 401:  # expired or revoked: one fresh login, never a loop
            self._jwt = None
            await self._login()
            resp = await self.request("GET", path, params=params, headers=self._jwt_header())
        if resp.status != 401 and (refreshed := _refreshed_token(resp)):
            self._jwt = refreshed
        return resp

    async def events(self) -> AsyncIterator[ServerEvent]:
        """Navidrome's event stream (``/api/events``), from its JWT login; ends when it closes.

        Raises the login's errors, :class:`CannotConnectError` when the stream cannot be
        opened or breaks, and :class:`BackendRequestError` when Navidrome does not offer it
        (404: ``DevActivityPanel`` off, or a reverse proxy hiding it).
        """
        if self._jwt is None:
            await self._login()
        url = self._url("api/events")
        self.stats.count(url.path)
        try:
            async with self._session.get(
                url,
                headers={**self._jwt_header(), "Accept": "text/event-stream"},
                timeout=aiohttp.ClientTimeout(total=None, connect=self.timeout),
                ssl=self.verify_ssl,
            ) as resp:
                if resp.status == 401:
                    self._jwt = None
                    raise InvalidAuthError(
                        f"{self.name} at {self.url} rejected its session token on /api/events.",
                        backend=self.kind,
                    )
                if resp.status == 404:
                    raise BackendRequestError(
                        f"{self.name} at {self.url} has no event stream (/api/events answers "
                        "404): turn on ND_DEVACTIVITYPANEL, or let a reverse proxy pass "
                        "/api/events.",
                        backend=self.kind,
                        code=404,
                    )
                if resp.status >= 300:
                    raise UnexpectedResponseError(
                        f"{self.name} at {self.url} answered HTTP {resp.status} to /api/events.",
                        backend=self.kind,
                    )
                parser = FrameParser()
                async for raw in resp.content:
                    event = parser.feed(raw.decode("utf-8", "replace").rstrip("\r\n"))
                    if event is not None:
                        yield event
        except (aiohttp.ClientError, OSError) as err:
            raise CannotConnectError(
                f"The event stream of {self.name} at {self.url} broke "
                f"({type(err).__name__}: {err}).",
                backend=self.kind,
            ) from err

    def _jwt_header(self) -> dict[str, str]:
        return {JWT_HEADER: f"Bearer {self._jwt}"}

    async def _paged_totals(self, page_size: int) -> LibraryTotals:
        """Count by listing: ``getArtists`` once, ``getAlbumList2`` page by page.

        Error 70 from ``getArtists`` means an empty library (Navidrome 0.58+) when no album
        is listed either; with albums it is a real error and raised.
        """
        artists = 0
        empty: BackendRequestError | None = None
        try:
            envelope = await self._call("getArtists")
        except BackendRequestError as err:
            if err.code != _EMPTY_LIBRARY:
                raise
            empty = err
        else:
            with parsing(self.kind, "the artist index"):
                artists = sum(
                    len(i.get("artist", [])) for i in envelope["artists"].get("index", [])
                )
        albums = songs = offset = 0
        first_id: str | None = None
        for _page in range(_MAX_PAGES):
            envelope = await self._call(
                "getAlbumList2",
                [("type", "alphabeticalByName"), ("size", page_size), ("offset", offset)],
            )
            with parsing(self.kind, "an album list"):
                page = envelope["albumList2"].get("album", [])
                if page and offset and str(page[0]["id"]) == first_id:
                    raise UnexpectedResponseError(
                        f"{self.name} at {self.url} ignores the offset of getAlbumList2, "
                        "so its albums cannot be counted.",
                        backend=self.kind,
                    )
                first_id = str(page[0]["id"]) if page else None
                albums += len(page)
                songs += sum(int(album.get("songCount", 0)) for album in page)
            if len(page) < page_size:
                break
            offset += len(page)
        else:
            raise UnexpectedResponseError(
                f"{self.name} at {self.url} listed more than {_MAX_PAGES} pages of albums; "
                "stopped counting.",
                backend=self.kind,
            )
        if empty is not None and albums:
            raise empty
        return LibraryTotals(artists=artists, albums=albums, songs=songs, source=TotalsMethod.PAGED)
