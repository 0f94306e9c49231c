"""qBittorrent facade: the WebUI API v2 of qBittorrent 5.3 (default) or 4.5 over the world.

``spec.flavor`` picks the generation (checked against real qbittorrent-nox 5.3.0 and 4.5.2):

=====================  ===============================  ==============================
                       5.3 (WebAPI 2.16.2)              4.5 (WebAPI 2.8.19)
=====================  ===============================  ==============================
login ok / wrong       204 / 401 ``Unauthorized``       200 ``Ok.`` / 200 ``Fails.``
session cookie         ``QBT_SID_<port>``               ``SID``
sessions kept          15, least recently used evicted  unlimited
stopped torrents       ``stoppedDL``/``stoppedUP``      ``pausedDL``/``pausedUP``
endpoints, filters     ``stop``/``start``, ``stopped``  ``pause``/``resume``, ``paused``
``torrents/add``       JSON 200/202, 409 ``Conflict``   ``Ok.``/``Fails.``
external address       ``last_external_address_v4/6``   not reported
empty collections      left out of full updates         always present, plus trackers
=====================  ===============================  ==============================

Common to both: 403 ``Forbidden`` without a session, a ban (403 with qBittorrent's text)
after ``max_fail_count`` failed logins for ``ban_duration`` seconds, session expiry after
``session_timeout`` idle seconds (all three in ``spec.extra``, real seconds), Host header
port and Origin/Referer checks (401), and ``sync/maindata`` with per-session ``rid``
snapshots whose partial replies carry only changed fields.

Its torrents are the world's download client named like the backend (``spec.name``:
:meth:`World.client_torrents`), with that client's all-time totals; categories, the
alternative speed limits and the public address (the VPN, or the home address when it
leaks) come from the shared world. No password
(``spec.password`` empty) means 4.5's ``adminadmin`` or, on 5.3, a temporary password that
is logged and kept in ``spec.extra["temporary_password"]``.

Faults: ``AUTH_REVOKED`` fails every login, ``BANNED`` answers every login with the ban,
``SESSION_EXPIRED`` ends every session.
"""

from __future__ import annotations

import bisect
import json
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from multidict import MultiDict, MultiMapping

from ..faults import Fault
from ..model import Torrent, TorrentStatus
from . import BackendContext

_LOGGER = logging.getLogger(__name__)

BAN_TEXT = "Your IP address has been banned after too many failed authentication attempts."
ETA_INFINITE = 8640000
RID_LIMIT = 1000000
ALT_SPEED_LIMIT = 10240
"""qBittorrent's default alternative limits (bytes/s)."""
TEMP_PASSWORD_ALPHABET = "23456789ABCDEFGHIJKLMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz"
WEBUI_PAGE = (
    '<!DOCTYPE html>\n<html lang="en">\n\n<head>\n    <meta charset="UTF-8">\n'
    "    <title>qBittorrent WebUI</title>\n</head>\n<body>\n"
    '<form id="loginform"><input id="username"><input id="password" type="password"></form>\n'
    "</body>\n</html>\n"
)
TEXT = "text/plain"
MAINDATA_ONLY = ("has_other_announce_error", "has_tracker_error", "has_tracker_warning")


@dataclass(frozen=True, slots=True)
class Generation:
    """What differs between the WebUI API generations."""

    name: str
    version: str
    api_version: str
    modern: bool
    """5.2+: 204/401 login, ``QBT_SID_<port>``, JSON ``torrents/add`` reply."""
    session_limit: int | None
    stop_words: bool
    """5.0+: ``stop``/``start`` and ``stopped*`` instead of ``pause``/``resume``/``paused*``."""


GENERATIONS = {
    "5.3": Generation("5.3", "v5.3.0", "2.16.2", True, 15, True),
    "4.5": Generation("4.5", "v4.5.2", "2.8.19", False, None, False),
}


def generation_of(flavor: str) -> Generation:
    """The generation a flavor names (``""``/``"5.3"``/``"5.3.0"`` or ``"4.5"``/``"4.5.2"``)."""
    key = ".".join(flavor.split(".")[:2]) if flavor else "5.3"
    try:
        return GENERATIONS[key]
    except KeyError:
        raise ValueError(f"unknown qBittorrent flavor {flavor!r}; use 5.3 or 4.5") from None


@dataclass(slots=True)
class SyncState:
    """What one session was last sent by ``sync/maindata``."""

    rid: int = 0
    world_rev: int = -1
    torrents: dict[str, dict[str, Any]] = field(default_factory=dict)
    categories: dict[str, dict[str, Any]] = field(default_factory=dict)
    tags: frozenset[str] = frozenset()
    server_state: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Session:
    """A WebUI session."""

    sid: str
    generation: int
    last_used: float
    sync: SyncState | None = None


type Params = MultiMapping[str]
type Handler = Callable[[Session, Params], Awaitable[web.Response]]


def _text(body: str, status: int = 200) -> web.Response:
    return web.Response(status=status, text=body, content_type=TEXT, charset="UTF-8")


def _json(payload: object, status: int = 200) -> web.Response:
    body = json.dumps(payload, separators=(",", ":"), sort_keys=True)
    return web.Response(status=status, text=body, content_type="application/json")


def _epoch(moment: Any) -> int:
    return int(moment.timestamp())


def _true(value: str | None) -> bool:
    return (value or "").strip().lower() == "true"


class QBittorrent:
    """The qBittorrent facade over one world; :func:`build_app` wires it into aiohttp."""

    def __init__(self, ctx: BackendContext) -> None:
        """Set up users, sessions and the change journal."""
        self.ctx = ctx
        self.world = ctx.world
        self.name = ctx.spec.name
        self.client = self.world.download_client(self.name, "qbittorrent")
        self.torrents = self.client.torrents
        """This client's torrents (the world's dict: it follows additions and removals)."""
        self.gen = generation_of(ctx.spec.flavor)
        extra = ctx.spec.extra
        self.max_fail_count = int(extra.get("max_fail_count", 5))
        self.ban_duration = float(extra.get("ban_duration", 3600))
        self.session_timeout = float(extra.get("session_timeout", 3600))
        self.username = ctx.spec.username or "admin"
        self.password = ctx.spec.password
        if not self.password:
            self.password = self._no_password()
        self.sessions: dict[str, Session] = {}
        self.failures: dict[str, int] = {}
        self.banned_until: dict[str, float] = {}
        self.tags: set[str] = {tag for t in self.torrents.values() for tag in t.tags}
        self._session_dl_base, self._session_ul_base = self._alltime()
        # Change tracking shared by all sessions: one scan per world revision.
        self._seen_rev = -1
        self._journal: list[tuple[int, str]] = []
        self._serialized: dict[str, tuple[int, dict[str, Any]]] = {}
        self._speed: dict[str, tuple[int, int, int]] = {}
        self._totals = [0, 0, 0]
        self.handlers: dict[tuple[str, str], tuple[frozenset[str], Handler]] = {}
        self._routes()

    def _no_password(self) -> str:
        if not self.gen.modern:
            _LOGGER.info("The Web UI administrator password has not been changed from the default")
            return "adminadmin"
        password = "".join(secrets.choice(TEMP_PASSWORD_ALPHABET) for _ in range(9))
        self.ctx.spec.extra["temporary_password"] = password
        _LOGGER.info(
            "The WebUI administrator password was not set. "
            "A temporary password is provided for this session: %s",
            password,
        )
        return password

    def _routes(self) -> None:
        read, write = frozenset({"GET", "POST"}), frozenset({"POST"})
        stop, start = ("stop", "start") if self.gen.stop_words else ("pause", "resume")
        table: dict[tuple[str, str], tuple[frozenset[str], Handler]] = {
            ("auth", "logout"): (write, self.logout),
            ("app", "version"): (read, self.app_version),
            ("app", "webapiVersion"): (read, self.webapi_version),
            ("app", "preferences"): (read, self.preferences),
            ("app", "setPreferences"): (write, self.set_preferences),
            ("transfer", "info"): (read, self.transfer_info),
            ("transfer", "speedLimitsMode"): (read, self.speed_limits_mode),
            ("transfer", "toggleSpeedLimitsMode"): (write, self.toggle_speed_limits),
            ("sync", "maindata"): (read, self.maindata),
            ("torrents", "info"): (read, self.torrents_info),
            ("torrents", "categories"): (read, self.torrents_categories),
            ("torrents", "tags"): (read, self.torrents_tags),
            ("torrents", "add"): (write, self.torrents_add),
            ("torrents", "delete"): (write, self.torrents_delete),
            ("torrents", stop): (write, self.torrents_stop),
            ("torrents", start): (write, self.torrents_start),
            ("torrents", "createCategory"): (write, self.create_category),
            ("torrents", "removeCategories"): (write, self.remove_categories),
        }
        self.handlers = table

    # ----------------------------------------------------------------- HTTP plumbing
    def _host_ok(self, request: web.Request) -> bool:
        host = request.headers.get("Host", "")
        name, _, port = host.rpartition(":")
        if name and port.isdigit() and int(port) != self.ctx.port:
            return False
        for header in ("Origin", "Referer"):
            value = request.headers.get(header)
            if value:
                return urlsplit(value).netloc == host
        return True

    def _cookie_name(self) -> str:
        return f"QBT_SID_{self.ctx.port}" if self.gen.modern else "SID"

    def _session(self, request: web.Request) -> Session | None:
        sid = request.cookies.get(self._cookie_name())
        session = self.sessions.get(sid) if sid else None
        if session is None:
            return None
        now = time.monotonic()
        expired = now - session.last_used > self.session_timeout
        if expired or session.generation < self.ctx.faults.session_generation:
            del self.sessions[session.sid]
            return None
        session.last_used = now
        return session

    async def webui(self, request: web.Request) -> web.Response:
        """The login page at ``/``."""
        if not self._host_ok(request):
            return _text("Unauthorized", 401)
        return web.Response(text=WEBUI_PAGE, content_type="text/html")

    async def api(self, request: web.Request) -> web.Response:
        """Every ``/api/v2/<scope>/<action>``: Host check, login, session, then the action."""
        if not self._host_ok(request):
            return _text("Unauthorized", 401)
        scope, action = request.match_info["scope"], request.match_info["action"]
        if (scope, action) == ("auth", "login"):
            if request.method != "POST":
                return _text("Method Not Allowed", 405)
            return await self.login(request)
        if scope not in ("app", "auth", "sync", "torrents", "transfer"):
            return _text("Not Found", 404)
        session = self._session(request)
        if session is None:
            return _text("Forbidden", 403)
        entry = self.handlers.get((scope, action))
        if entry is None:
            return _text("Endpoint does not exist" if self.gen.modern else "Not Found", 404)
        methods, handler = entry
        if request.method not in methods:
            return _text("Method Not Allowed", 405)
        params: Params = request.query
        if request.method == "POST":
            form = await request.post()
            params = MultiDict((k, v) for k, v in form.items() if isinstance(v, str))
        return await handler(session, params)

    # ----------------------------------------------------------------- auth
    async def login(self, request: web.Request) -> web.Response:
        """``auth/login``: ban check first, then the credentials."""
        address = request.remote or "unknown"
        faults = self.ctx.faults
        now = time.monotonic()
        if faults.active(Fault.BANNED) or self.banned_until.get(address, 0) > now:
            return _text(BAN_TEXT, 403)
        self.banned_until.pop(address, None)
        form = await request.post()
        if self._session(request) is not None:
            return self._login_ok(None)
        good = (
            form.get("username") == self.username
            and form.get("password") == self.password
            and not faults.active(Fault.AUTH_REVOKED)
        )
        if not good:
            count = self.failures.get(address, 0) + 1
            self.failures[address] = count
            if count >= self.max_fail_count:
                self.failures.pop(address, None)
                self.banned_until[address] = now + self.ban_duration
            return _text("Unauthorized", 401) if self.gen.modern else _text("Fails.")
        self.failures.pop(address, None)
        return self._login_ok(self._new_session(now))

    def _new_session(self, now: float) -> Session:
        limit = self.gen.session_limit
        if limit is not None and len(self.sessions) >= limit:
            oldest = min(self.sessions.values(), key=lambda s: s.last_used)
            del self.sessions[oldest.sid]
        session = Session(
            sid=secrets.token_urlsafe(24)[:32],
            generation=self.ctx.faults.session_generation,
            last_used=now,
        )
        self.sessions[session.sid] = session
        return session

    def _login_ok(self, session: Session | None) -> web.Response:
        response = web.Response(status=204) if self.gen.modern else _text("Ok.")
        if session is not None:
            response.set_cookie(
                self._cookie_name(),
                session.sid,
                path="/",
                httponly=True,
                samesite="Lax" if self.gen.modern else "Strict",
            )
        return response

    async def logout(self, session: Session, _: Params) -> web.Response:
        """``auth/logout``: end the session."""
        self.sessions.pop(session.sid, None)
        response = _text("")
        response.set_cookie(
            self._cookie_name(), "", path="/", expires="Thu, 01 Jan 1970 00:00:00 GMT"
        )
        return response

    def _alltime(self) -> tuple[int, int]:
        """This client's all-time bytes downloaded and uploaded."""
        client = self.world.download_clients[self.name]
        return client.downloaded, client.uploaded

    # ----------------------------------------------------------------- app, transfer
    async def app_version(self, _: Session, _params: Params) -> web.Response:
        """``app/version`` (``v5.3.0``)."""
        return _text(self.gen.version)

    async def webapi_version(self, _: Session, _params: Params) -> web.Response:
        """``app/webapiVersion``."""
        return _text(self.gen.api_version)

    async def preferences(self, _: Session, _params: Params) -> web.Response:
        """``app/preferences``: the connection settings (the real one sends ~200 keys)."""
        port = self.client.listen_port
        return _json(
            {
                "listen_port": port,
                "random_port": port == 0,
                "upnp": False,
                "save_path": self.world.categories.get("", "/downloads"),
            }
        )

    async def set_preferences(self, _: Session, params: Params) -> web.Response:
        """``app/setPreferences``: one ``json`` field; ``listen_port`` persists.

        As ``AppController::setPreferencesAction`` (release-4.5.2, release-5.1.4): a missing
        ``json`` is 400, keys it does not know are ignored.
        """
        raw = params.get("json")
        if raw is None:
            return _text("", 400)  # APIError(APIErrorType::BadParams) carries no message
        try:
            prefs = json.loads(raw)
        except ValueError:
            prefs = {}
        port = prefs.get("listen_port") if isinstance(prefs, dict) else None
        if isinstance(port, int) and not isinstance(port, bool) and 0 <= port < 65536:
            self.client.listen_port = port
            self.world.log(f"{self.name} listens on port {port}")
        return _text("")

    def _transfer(self) -> dict[str, Any]:
        self._refresh()
        world = self.world
        up = world.vpn.up or world.vpn.leak
        alt = world.alt_speed_limits
        downloaded, uploaded = self._alltime()
        info: dict[str, Any] = {
            "connection_status": "connected" if up else "disconnected",
            "dht_nodes": 312 if up else 0,
            "dl_info_data": downloaded - self._session_dl_base,
            "dl_info_speed": self._totals[0],
            "dl_rate_limit": ALT_SPEED_LIMIT if alt else 0,
            "up_info_data": uploaded - self._session_ul_base,
            "up_info_speed": self._totals[1],
            "up_rate_limit": ALT_SPEED_LIMIT if alt else 0,
        }
        if self.gen.modern:
            info["last_external_address_v4"] = world.external_address or ""
            info["last_external_address_v6"] = ""
        return info

    def _server_state(self) -> dict[str, Any]:
        world = self.world
        downloaded, uploaded = self._alltime()
        state = self._transfer()
        state.update(
            {
                "alltime_dl": downloaded,
                "alltime_ul": uploaded,
                "average_time_queue": 0,
                "free_space_on_disk": max(0, world.download_disk_free),
                "global_ratio": f"{uploaded / downloaded:.2f}" if downloaded else "-",
                "queued_io_jobs": 0,
                "queueing": False,
                "read_cache_hits": "0",
                "read_cache_overload": "0",
                "refresh_interval": 1500,
                "total_buffers_size": 0,
                "total_peer_connections": self._totals[2],
                "total_queued_size": 0,
                "total_wasted_session": 0,
                "use_alt_speed_limits": world.alt_speed_limits,
                "write_cache_overload": "0",
            }
        )
        if self.gen.modern:
            state.update({"queued_tracker_announces": 0, "request_latency": 0})
            state["session_state"] = False
        return state

    async def transfer_info(self, _: Session, _params: Params) -> web.Response:
        """``transfer/info``."""
        return _json(self._transfer())

    async def speed_limits_mode(self, _: Session, _params: Params) -> web.Response:
        """``transfer/speedLimitsMode``: ``1`` while the alternative limits are on."""
        return _text("1" if self.world.alt_speed_limits else "0")

    async def toggle_speed_limits(self, _: Session, _params: Params) -> web.Response:
        """``transfer/toggleSpeedLimitsMode``."""
        self.world.alt_speed_limits = not self.world.alt_speed_limits
        return _text("")

    # ----------------------------------------------------------------- torrents as JSON
    def _state(self, torrent: Torrent) -> str:
        status = torrent.status
        done = torrent.progress >= 1
        suffix = "UP" if done else "DL"
        if status in (TorrentStatus.STOPPED_DOWNLOADING, TorrentStatus.STOPPED_SEEDING):
            return ("stopped" if self.gen.stop_words else "paused") + suffix
        return {
            TorrentStatus.METADATA: "metaDL",
            TorrentStatus.QUEUED: "queued" + suffix,
            TorrentStatus.CHECKING: "checking" + suffix,
            TorrentStatus.DOWNLOADING: "downloading",
            TorrentStatus.STALLED_DOWNLOADING: "stalledDL",
            TorrentStatus.SEEDING: "uploading",
            TorrentStatus.STALLED_SEEDING: "stalledUP",
            TorrentStatus.ERROR: "error",
        }.get(status, "unknown")

    def _fields(self, torrent: Torrent) -> dict[str, Any]:
        """The torrent as ``sync/maindata`` shows it (no ``hash`` key)."""
        modern = self.gen.modern
        metadata = torrent.status is not TorrentStatus.METADATA
        size = torrent.size if metadata else 0
        downloading = torrent.status is TorrentStatus.DOWNLOADING
        active = downloading or torrent.status is TorrentStatus.SEEDING
        eta = torrent.eta
        never = -1 if modern else 0
        added = _epoch(torrent.added_on)
        completed = _epoch(torrent.completion_on) if torrent.completion_on else never
        fields: dict[str, Any] = {
            "added_on": added,
            "amount_left": torrent.amount_left if metadata else 0,
            "auto_tmm": False,
            "availability": float(torrent.seeds) if downloading else 0,
            "category": torrent.category,
            "completed": size - (torrent.amount_left if metadata else 0),
            "completion_on": completed,
            "content_path": f"{torrent.save_path.rstrip('/')}/{torrent.name}" if metadata else "",
            "dl_limit": 0,
            "dlspeed": torrent.dl_speed,
            "download_path": "",
            "downloaded": torrent.downloaded,
            "downloaded_session": torrent.downloaded,
            "eta": ETA_INFINITE if eta is None else eta,
            "f_l_piece_prio": False,
            "force_start": False,
            "infohash_v1": torrent.hash,
            "infohash_v2": "",
            "last_activity": completed if completed > 0 else added,
            "magnet_uri": torrent.magnet,
            "max_ratio": -1,
            "max_seeding_time": -1,
            "name": torrent.name,
            "num_complete": torrent.seeds,
            "num_incomplete": torrent.peers,
            "num_leechs": torrent.peers if active else 0,
            "num_seeds": torrent.seeds if downloading else 0,
            "priority": 0,
            "progress": torrent.progress,
            "ratio": round(torrent.uploaded / torrent.downloaded, 4) if torrent.downloaded else 0,
            "ratio_limit": -2,
            "save_path": torrent.save_path,
            "seeding_time": 0,
            "seeding_time_limit": -2,
            "seen_complete": completed,
            "seq_dl": False,
            "size": size,
            "state": self._state(torrent),
            "super_seeding": False,
            "tags": ", ".join(torrent.tags),
            "time_active": 0,
            "total_size": torrent.size if metadata else -1,
            "tracker": "",
            "trackers_count": 0,
            "up_limit": 0,
            "uploaded": torrent.uploaded,
            "uploaded_session": torrent.uploaded,
            "upspeed": torrent.up_speed,
        }
        if modern:
            fields.update(
                {
                    "comment": "",
                    "connections_count": fields["num_seeds"] + fields["num_leechs"],
                    "connections_limit": 100,
                    "created_by": "",
                    "creation_date": -1,
                    "has_metadata": metadata,
                    "has_other_announce_error": False,
                    "has_tracker_error": False,
                    "has_tracker_warning": False,
                    "inactive_seeding_time_limit": -2,
                    "max_inactive_seeding_time": -1,
                    "piece_size": 4194304 if metadata else -1,
                    "pieces_have": 0,
                    "pieces_num": -(-size // 4194304) if metadata else -1,
                    "popularity": 0,
                    "private": None,
                    "reannounce": 0,
                    "root_path": fields["content_path"],
                    "share_limit_action": "Default",
                    "share_limits_mode": "Default",
                    "total_wasted": 0,
                }
            )
        return fields

    def _cached_fields(self, torrent: Torrent) -> dict[str, Any]:
        entry = self._serialized.get(torrent.hash)
        if entry is not None and entry[0] == torrent.rev:
            return entry[1]
        fields = self._fields(torrent)
        self._serialized[torrent.hash] = (torrent.rev, fields)
        return fields

    def _category(self, name: str, save_path: str) -> dict[str, Any]:
        if not self.gen.modern:
            return {"name": name, "savePath": save_path}
        return {
            "download_path": None,
            "inactive_seeding_time_limit": -2,
            "name": name,
            "ratio_limit": -2,
            "savePath": save_path,
            "seeding_time_limit": -2,
            "share_limit_action": "Default",
            "share_limits_mode": "Default",
        }

    def _categories(self) -> dict[str, dict[str, Any]]:
        return {name: self._category(name, path) for name, path in self.world.categories.items()}

    # ----------------------------------------------------------------- change tracking
    def _refresh(self) -> None:
        """Catch up with the world: one scan per world revision, shared by all sessions."""
        world = self.world
        since = self._seen_rev
        if world.rev == since:
            return
        torrents = self.torrents
        changed = sorted((t.rev, h) for h, t in torrents.items() if t.rev > since)
        totals = self._totals
        for _, info_hash in changed:
            torrent = torrents[info_hash]
            active = torrent.dl_speed > 0 or torrent.up_speed > 0
            now = (
                torrent.dl_speed,
                torrent.up_speed,
                torrent.seeds + torrent.peers if active else 0,
            )
            self._add_speed(info_hash, now, totals)
        for _, info_hash in self._removed_since(since):
            if info_hash not in torrents:
                self._add_speed(info_hash, None, totals)
                self._serialized.pop(info_hash, None)
        self._journal.extend(changed)
        if len(self._journal) > 2 * len(torrents) + 1024:
            self._journal = sorted((t.rev, h) for h, t in torrents.items())
        self._seen_rev = world.rev

    def _add_speed(
        self, info_hash: str, now: tuple[int, int, int] | None, totals: list[int]
    ) -> None:
        before = self._speed.pop(info_hash, (0, 0, 0))
        for i in range(3):
            totals[i] -= before[i]
        if now is not None:
            self._speed[info_hash] = now
            for i in range(3):
                totals[i] += now[i]

    def _changed_since(self, rev: int) -> set[str]:
        start = bisect.bisect_right(self._journal, rev, key=lambda entry: entry[0])
        return {info_hash for _, info_hash in self._journal[start:]}

    def _removed_since(self, rev: int) -> list[tuple[int, str]]:
        removed = self.world.removed_torrents
        start = bisect.bisect_right(removed, rev, key=lambda entry: entry[0])
        return removed[start:]

    # ----------------------------------------------------------------- sync/maindata
    async def maindata(self, session: Session, params: Params) -> web.Response:
        """``sync/maindata?rid=N``: a full snapshot or only what changed since ``rid``."""
        try:
            rid = int(params.get("rid", "0"))
        except ValueError:
            rid = 0
        self._refresh()
        state = session.sync
        if state is None or rid == 0 or rid != state.rid:
            if state is None or (rid <= 0 and not self.gen.modern):
                state = SyncState()
            reply = self._full(state)
        else:
            reply = self._partial(state)
        state.rid = state.rid % RID_LIMIT + 1
        state.world_rev = self._seen_rev
        session.sync = state
        reply["rid"] = state.rid
        return _json(reply)

    def _full(self, state: SyncState) -> dict[str, Any]:
        torrents = {h: self._cached_fields(t) for h, t in self.torrents.items()}
        categories = self._categories()
        server_state = self._server_state()
        state.torrents = dict(torrents)
        state.categories = categories
        state.tags = frozenset(self.tags)
        state.server_state = server_state
        reply: dict[str, Any] = {"full_update": True, "server_state": server_state}
        collections = {"torrents": torrents, "categories": categories, "tags": sorted(self.tags)}
        if self.gen.modern:
            reply.update({key: value for key, value in collections.items() if value})
        else:
            reply.update(collections)
            reply["trackers"] = {}
        return reply

    def _partial(self, state: SyncState) -> dict[str, Any]:
        reply: dict[str, Any] = {}
        torrents = self.torrents
        if state.world_rev != self._seen_rev:
            delta: dict[str, dict[str, Any]] = {}
            for info_hash in self._changed_since(state.world_rev):
                torrent = torrents.get(info_hash)
                if torrent is None:
                    continue
                fields = self._cached_fields(torrent)
                old = state.torrents.get(info_hash)
                if old is None:
                    delta[info_hash] = fields
                elif old is not fields:
                    diff = {k: v for k, v in fields.items() if old.get(k) != v}
                    if diff:
                        delta[info_hash] = diff
                state.torrents[info_hash] = fields
            gone = sorted(
                {
                    h
                    for _, h in self._removed_since(state.world_rev)
                    if h in state.torrents and h not in torrents
                }
            )
            for info_hash in gone:
                del state.torrents[info_hash]
            if delta:
                reply["torrents"] = delta
            if gone:
                reply["torrents_removed"] = gone

        categories = self._categories()
        if categories != state.categories:
            changed = {n: c for n, c in categories.items() if state.categories.get(n) != c}
            removed = sorted(set(state.categories) - set(categories))
            if changed:
                reply["categories"] = changed
            if removed:
                reply["categories_removed"] = removed
            state.categories = categories

        tags = frozenset(self.tags)
        if tags != state.tags:
            if tags - state.tags:
                reply["tags"] = sorted(tags - state.tags)
            if state.tags - tags:
                reply["tags_removed"] = sorted(state.tags - tags)
            state.tags = tags

        server_state = self._server_state()
        diff = {k: v for k, v in server_state.items() if state.server_state.get(k) != v}
        if diff:
            reply["server_state"] = diff
            state.server_state = server_state
        return reply

    # ----------------------------------------------------------------- torrents
    def _select(self, params: Params) -> list[Torrent]:
        hashes = params.get("hashes")
        torrents = self.torrents
        if hashes is None or hashes == "all":
            return list(torrents.values())
        wanted = (h.strip().lower() for h in hashes.split("|"))
        return [torrents[h] for h in wanted if h in torrents]

    def _matches(self, torrent: Torrent, wanted: str) -> bool:
        status = torrent.status
        stopped = status in (TorrentStatus.STOPPED_DOWNLOADING, TorrentStatus.STOPPED_SEEDING)
        done = torrent.progress >= 1
        stalled = status in (TorrentStatus.STALLED_DOWNLOADING, TorrentStatus.STALLED_SEEDING)
        active = torrent.dl_speed > 0 or torrent.up_speed > 0
        tests = {
            "all": True,
            "downloading": not done and status is not TorrentStatus.ERROR,
            "seeding": done and not stopped and status is not TorrentStatus.ERROR,
            "completed": done,
            "stopped" if self.gen.stop_words else "paused": stopped,
            "running" if self.gen.stop_words else "resumed": not stopped,
            "active": active,
            "inactive": not active,
            "stalled": stalled,
            "stalled_uploading": status is TorrentStatus.STALLED_SEEDING,
            "stalled_downloading": status is TorrentStatus.STALLED_DOWNLOADING,
            "checking": status is TorrentStatus.CHECKING,
            "moving": False,
            "errored": status is TorrentStatus.ERROR,
        }
        return tests.get(wanted, True)

    async def torrents_info(self, _: Session, params: Params) -> web.Response:
        """``torrents/info`` with ``filter``, ``category``, ``tag``, ``hashes``, sorting, paging."""
        selected = self._select(params)
        wanted = params.get("filter", "all")
        category = params.get("category")
        tag = params.get("tag")
        rows = []
        for torrent in selected:
            if not self._matches(torrent, wanted):
                continue
            if category is not None and torrent.category != category:
                continue
            if tag is not None and (tag not in torrent.tags if tag else torrent.tags):
                continue
            row = {"hash": torrent.hash, **self._cached_fields(torrent)}
            for key in MAINDATA_ONLY:
                row.pop(key, None)
            rows.append(row)
        sort = params.get("sort")
        if sort:
            rows.sort(
                key=lambda r: (r.get(sort) is None, r.get(sort)),
                reverse=_true(params.get("reverse")),
            )
        offset = int(params.get("offset", "0") or 0)
        if offset < 0:
            offset = max(0, len(rows) + offset)
        limit = int(params.get("limit", "0") or 0)
        rows = rows[offset : offset + limit] if limit > 0 else rows[offset:]
        return _json(rows)

    async def torrents_categories(self, _: Session, _params: Params) -> web.Response:
        """``torrents/categories``."""
        return _json(self._categories())

    async def torrents_tags(self, _: Session, _params: Params) -> web.Response:
        """``torrents/tags``."""
        return _json(sorted(self.tags))

    async def torrents_add(self, _: Session, params: Params) -> web.Response:
        """``torrents/add``: magnet links go into the world; URLs to fetch stay pending."""
        flag = "stopped" if self.gen.stop_words else "paused"
        stopped = _true(params.get(flag))
        category = params.get("category", "")
        save_path = params.get("savepath") or None
        tags = [t.strip() for t in params.get("tags", "").split(",") if t.strip()]
        added: list[str] = []
        failed = pending = 0
        for url in (u.strip() for u in params.get("urls", "").splitlines()):
            if not url:
                continue
            if url.startswith(("http://", "https://")):
                pending += 1
                continue
            before = len(self.world.torrents)
            torrent = self.world.add_magnet(
                url,
                category=category,
                save_path=save_path,
                stopped=stopped,
                tags=tags,
                client=self.name,
            )
            if torrent is None or len(self.world.torrents) == before:
                failed += 1
                continue
            added.append(torrent.hash)
        self.tags.update(tags if added else ())
        if not self.gen.modern:
            return _text("Ok." if added or pending else "Fails.")
        if not added and not pending:
            return _text("Conflict", 409)
        return _json(
            {
                "added_torrent_ids": added,
                "failure_count": failed,
                "pending_count": pending,
                "success_count": len(added),
            },
            status=202 if pending else 200,
        )

    async def torrents_delete(self, _: Session, params: Params) -> web.Response:
        """``torrents/delete`` (``hashes`` or ``all``; files are not simulated)."""
        for torrent in self._select(params) if params.get("hashes") else []:
            self.world.remove_torrent(torrent.hash)
        return _text("")

    async def torrents_stop(self, _: Session, params: Params) -> web.Response:
        """``torrents/stop`` (5.x) or ``torrents/pause`` (4.x)."""
        for torrent in self._select(params) if params.get("hashes") else []:
            self.world.stop_torrent(torrent.hash)
        return _text("")

    async def torrents_start(self, _: Session, params: Params) -> web.Response:
        """``torrents/start`` (5.x) or ``torrents/resume`` (4.x)."""
        for torrent in self._select(params) if params.get("hashes") else []:
            self.world.start_torrent(torrent.hash)
        return _text("")

    async def create_category(self, _: Session, params: Params) -> web.Response:
        """``torrents/createCategory``: 400 empty, 409 invalid or existing."""
        name = params.get("category", "").strip()
        if not name:
            return _text("Category cannot be empty", 400)
        if name.startswith("/") or name.endswith("/") or "//" in name or "\\" in name:
            return _text("Incorrect category name", 409)
        if name in self.world.categories:
            return _text("Unable to create category", 409)
        self.world.categories[name] = params.get("savePath", "")
        return _text("")

    async def remove_categories(self, _: Session, params: Params) -> web.Response:
        """``torrents/removeCategories`` (newline-separated); their torrents lose the category."""
        names = {n.strip() for n in params.get("categories", "").splitlines() if n.strip()}
        for name in names:
            self.world.categories.pop(name, None)
        if names:
            for torrent in self.torrents.values():
                if torrent.category in names:
                    torrent.category = ""
                    self.world.touch(torrent)
        return _text("")


FACADE = web.AppKey("qbittorrent", QBittorrent)
"""The facade object of an app (tests reach sessions and bans through it)."""


def build_app(ctx: BackendContext) -> web.Application:
    """The qBittorrent facade as an aiohttp application."""
    facade = QBittorrent(ctx)
    app = web.Application()
    app[FACADE] = facade
    app.router.add_get("/", facade.webui)
    app.router.add_route("*", "/api/v2/{scope}/{action}", facade.api)
    return app
