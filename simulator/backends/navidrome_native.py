"""Navidrome's native API (``/auth/login`` and ``/api/...``) as releases 0.54 to 0.58+ play it.

Everything here comes from the upstream source at the tags named beside each behaviour
(navidrome/navidrome, its REST layer deluan/rest @ 6260bc3 and go-chi/jwtauth v5.3.3):

- ``POST /auth/login`` takes JSON ``{username, password}``; 422 ``invalid request payload``,
  401 ``Invalid username or password``, else the user, ``subsonicSalt``/``subsonicToken`` and
  ``token``, an HS256 JWT valid 48 h (server/auth.go @ v0.55.2 and v0.58.5 ``login``,
  ``buildAuthPayload``; core/auth/auth.go ``TouchToken``; consts.go ``DefaultSessionTimeout``).
  The login rate limiter answers 429 (server/server.go @ v0.58.5, ``httprate.LimitByIP``).
- A JWT is read from ``X-ND-Authorization: Bearer <jwt>``, the ``jwt`` cookie or the ``jwt``
  query parameter, in that order (server/auth.go @ v0.55.2 ``tokenFromHeader``;
  jwtauth.go @ v5.3.3). Without a valid one: 401 ``{"error":"Not authenticated"}``.
- ``JWTRefresher`` puts a fresh token, **the bare JWT without "Bearer "**, in the
  ``X-ND-Authorization`` response header of every native reply whose request carried a
  verified JWT, before the handler runs, so 403/404 replies carry it too; never on 401
  (server/auth.go @ v0.55.2:261-280, @ v0.58.5:270-289).
- An unknown path under ``/api`` is chi's plain 404 ``404 page not found``, before any
  authentication. ``/api/library`` exists from 0.58 only, for admins; others get 403
  ``Access denied: admin privileges required`` as text (server/nativeapi/native_api.go
  @ v0.58.5:72-77, 238-247).
- Lists are ``rest.GetAll``: rows plus ``X-Total-Count`` counted with the same filters;
  ``_start``/``_end`` page (``_end`` 0 or absent: every row; an unparsable number is 0); every
  parameter not starting with ``_`` (and the ``_filters`` JSON object) is a filter
  (deluan/rest controller.go @ 6260bc3 ``GetAll``, ``parseOptions``, ``parseFilters``).
- Filters (persistence/*_repository.go): ``/api/artist`` ``role`` from 0.55 (only the roles
  of ``model.AllRoles``; any other matches nothing), ``missing`` from 0.56, ``library_id``
  from 0.58; ``/api/album`` and ``/api/song`` ``missing`` from 0.55, ``library_id`` from 0.58.
  Filters a release does not know are ignored (``Ignoring filter not ...``, a warning).
- What an artist is: before 0.55 the artist table holds album artists only
  (scanner/refresher.go @ v0.54.5 ``refreshArtists``); from 0.55 every participant of every
  track (scanner/phase_1_folders.go @ v0.55.2:312-314), so an unfiltered ``/api/artist``
  also counts composers (:func:`.navidrome_library.composer_of`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ..faults import Fault
from .navidrome_library import Json, order_name

if TYPE_CHECKING:
    from ..model import Artist
    from .navidrome import Navidrome, User

JWT_LIFETIME = 48 * 3600.0
"""Seconds a native API token stays valid (Navidrome's default session timeout)."""
HEADER = "X-ND-Authorization"
ROLES = frozenset(
    {
        "artist",
        "albumartist",
        "composer",
        "conductor",
        "lyricist",
        "arranger",
        "producer",
        "director",
        "engineer",
        "mixer",
        "remixer",
        "djmixer",
        "performer",
    }
)
"""``model.AllRoles`` (model/participants.go @ v0.55.2:13-44)."""
type Segment = tuple[int, Callable[[int, int], list[Json]]]
"""A run of rows: how many, and how to shape ``n`` of them from position ``at``."""
RESOURCES = frozenset({"artist", "album", "song", "library"})
"""The list routes the simulator plays (the real API has more; the others are 404 here)."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _number(text: str | None) -> int:
    """Go's ``strconv.Atoi`` with the error ignored: anything unparsable is 0."""
    try:
        return int(text or "0")
    except ValueError:
        return 0


def filters(query: Any) -> dict[str, str]:
    """The filters of a ``rest.GetAll`` request: ``_filters`` JSON plus plain parameters."""
    found: dict[str, str] = {}
    if raw := query.get("_filters"):
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = {}
        if isinstance(parsed, dict):
            found |= {
                str(k): str(v).lower() if isinstance(v, bool) else str(v) for k, v in parsed.items()
            }
    found |= {k: v for k, v in query.items() if not k.startswith("_")}
    return found


class NativeApi:
    """``/auth/login`` and ``/api/<resource>`` of one simulated Navidrome."""

    def __init__(self, navidrome: Navidrome) -> None:
        """Serve the native API of ``navidrome`` (its users, version and library)."""
        self.nd = navidrome
        self._secret = secrets.token_bytes(32)

    # ----------------------------------------------------------------- tokens
    def issue_jwt(self, user: User) -> str:
        """A signed HS256 token for ``user`` (valid for the current session generation)."""
        now = int(self.nd.world.clock.now().timestamp())
        header = _b64(b'{"alg":"HS256","typ":"JWT"}')
        claims = {
            "adm": user.admin,
            "exp": now + int(JWT_LIFETIME),
            "gen": self.nd.ctx.faults.session_generation,
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
        if claims.get("gen") != self.nd.ctx.faults.session_generation:
            return None
        if claims.get("exp", 0) < self.nd.world.clock.now().timestamp():
            return None
        return claims

    @staticmethod
    def token_of(request: web.Request) -> str:
        """The request's JWT: header (``Bearer`` required), cookie, then query."""
        bearer = request.headers.get(HEADER, "")
        if len(bearer) > 7 and bearer[:6].upper() == "BEARER":
            return bearer[7:]
        return request.cookies.get("jwt") or request.query.get("jwt", "")

    def user_of(self, request: web.Request) -> User | None:
        """The user whose verified JWT the request carries, else ``None``."""
        if self.nd.ctx.faults.active(Fault.AUTH_REVOKED):
            return None
        claims = self.verify_jwt(self.token_of(request))
        return self.nd.users.get(str(claims.get("sub"))) if claims else None

    # ----------------------------------------------------------------- /auth/login
    async def login(self, request: web.Request) -> web.Response:
        """``POST /auth/login`` with JSON ``{username, password}``."""
        if self.nd.ctx.faults.active(Fault.BANNED):
            return web.Response(status=429, text="Too Many Requests\n")
        try:
            body = await request.json()
            name, password = str(body["username"]), str(body["password"])
        except (ValueError, KeyError, TypeError):
            return web.json_response({"error": "invalid request payload"}, status=422)
        user = self.nd.users.get(name)
        if (
            self.nd.ctx.faults.active(Fault.AUTH_REVOKED)
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
                "subsonicSalt": salt,
                "subsonicToken": hashlib.md5(
                    (user.password + salt).encode(), usedforsecurity=False
                ).hexdigest(),
                "token": self.issue_jwt(user),
            }
        )

    # ----------------------------------------------------------------- /api/<resource>
    async def handle(self, request: web.Request) -> web.Response:
        """``GET /api/<resource>``: rows, ``X-Total-Count`` and the refreshed bare JWT."""
        resource = request.match_info["resource"]
        nd = self.nd
        if resource not in RESOURCES or (resource == "library" and not nd.has_libraries):
            return web.Response(status=404, text="404 page not found\n")
        user = self.user_of(request)
        if user is None:
            return web.json_response({"error": "Not authenticated"}, status=401)
        refreshed = {HEADER: self.issue_jwt(user)}
        if resource == "library":
            if not user.admin:
                return web.Response(
                    status=403, text="Access denied: admin privileges required", headers=refreshed
                )
            return web.json_response(
                [nd.library_row()], headers={**refreshed, "X-Total-Count": "1"}
            )
        segments = self.segments(resource, filters(request.query))
        start = max(0, _number(request.query.get("_start")))
        limit = max(0, _number(request.query.get("_end")) - start)  # 0: no limit
        total = sum(count for count, _ in segments)
        page: list[Json] = []
        want = (limit or total) if start < total else 0
        for count, fetch in segments:
            if want <= 0:
                break
            if start >= count:
                start -= count
                continue
            taken = fetch(start, min(want, count - start))
            page += taken
            want -= len(taken)
            start = 0
        return web.json_response(page, headers={**refreshed, "X-Total-Count": str(total)})

    def segments(self, resource: str, wanted: dict[str, str]) -> list[Segment]:
        """The rows of ``resource`` that match the filters this release knows, in order."""
        nd = self.nd
        if nd.has_libraries and wanted.get("library_id", "1") != "1":
            return []  # the one library has id 1
        if resource == "artist":
            return self.artist_segments(wanted)
        missing = wanted.get("missing") if nd.has_missing_files else None
        index, shapes = nd.index(), nd.shapes
        found: list[Segment] = []
        if resource == "album":
            if missing != "true":
                found.append(
                    (
                        len(index.albums),
                        lambda at, n: [
                            shapes.native_album(a, index.duration(a))
                            for a in index.albums[at : at + n]
                        ],
                    )
                )
            if missing != "false" and nd.missing.albums:
                rows = nd.missing.album_rows()
                found.append((len(rows), lambda at, n: rows[at : at + n]))
            return found
        if missing != "true":
            found.append(
                (
                    index.songs,
                    lambda at, n: [shapes.native_song(a, t) for a, t in index.songs_from(at, n)],
                )
            )
        if missing != "false" and nd.missing.songs:
            songs = nd.missing.song_rows()
            found.append((len(songs), lambda at, n: songs[at : at + n]))
        return found

    def artist_segments(self, wanted: dict[str, str]) -> list[Segment]:
        """``/api/artist``: every participant, or those of one ``role``; ``missing`` (0.56+)."""
        nd = self.nd
        index, shapes = nd.index(), nd.shapes
        role = wanted.get("role") if nd.has_roles else None
        if role is not None and role not in ROLES:
            return []  # Eq{"1": 2} (persistence/artist_repository.go @ v0.56.1 roleFilter)
        album_artists = role in (None, "albumartist", "artist")
        composers = nd.has_roles and role in (None, "composer")
        missing = wanted.get("missing") if nd.has_missing_artists else None
        keys: list[tuple[str, Callable[[], Json]]] = []
        if missing != "true" and album_artists:
            keys += [(order_name(a.name), partial(self._album_artist, a)) for a in index.artists]
        if missing != "true" and composers:
            keys += [
                (
                    order_name(name),
                    partial(shapes.native_composer, name, index.composer_albums[name]),
                )
                for name in index.composers
            ]
        if missing != "false" and album_artists and nd.has_missing_files:
            keys += [
                (str(row["orderArtistName"]), partial(dict, row))
                for row in nd.missing.artist_rows()
            ]
        keys.sort(key=lambda entry: entry[0])
        return [(len(keys), lambda at, n: [make() for _, make in keys[at : at + n]])]

    def _album_artist(self, artist: Artist) -> Json:
        albums = self.nd.index().artist_albums[artist.mbid]
        return self.nd.shapes.native_artist(artist, albums, sum(a.track_count for a in albums))
