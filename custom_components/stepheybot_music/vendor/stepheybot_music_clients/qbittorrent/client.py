"""Async client of the qBittorrent WebUI API v2 (qBittorrent 4.5 through 5.3).

Sessions: the client logs in lazily on first use and keeps that one WebUI session for its
whole life. qBittorrent 5.3 keeps at most 15 sessions and evicts the least recently used
one, and every session that polls ``sync/maindata`` costs the server a copy of its data, so
a client that logged in per poll would push Home Assistant, the exporter and the Web UI out
of each other's way. It logs in again only when a call answers 403 ``Forbidden`` (session
expired or evicted): once, transparently, then retries that call once.

Bans: qBittorrent bans the client's IP address for an hour after 5 failed logins, which
would also lock the user out of the Web UI. So every login goes through a
:class:`~stepheybot_music_clients.login_policy.LoginGuard`, which remembers a rejection and a
ban: while it holds logins back the client raises the remembered error without a request.
With the default policy one rejection stops logins until
:meth:`QBittorrentClient.set_credentials` is called, so a poller can call this client forever
and qBittorrent counts at most one failure per credential change; the exporter passes a guard
of its own policy (a few spaced-out retries) and consults the same guard before polling.

Cookies: the session cookie's name changes across versions (``SID``, ``QBT_SID_<port>``),
so the client takes whatever ``Set-Cookie`` the login answered and sends it itself as a
``Cookie`` header. That works with any injected session, including aiohttp's default jar
(which drops cookies of IP-address hosts) and ``aiohttp.DummyCookieJar``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any, ClassVar, Literal, NoReturn

import aiohttp

from stepheybot_music_clients.errors import (
    AlreadyExistsError,
    BackendRequestError,
    InvalidAuthError,
    IpBannedError,
    NoPasswordSetError,
    UnexpectedResponseError,
    WrongApplicationError,
)
from stepheybot_music_clients.login_policy import LoginGuard
from stepheybot_music_clients.models import BackendInfo, BackendKind
from stepheybot_music_clients.qbittorrent.models import (
    STOPPED_API_VERSION,
    AddResult,
    Category,
    MainData,
    Torrent,
    TransferInfo,
)
from stepheybot_music_clients.qbittorrent.parse import (
    parse_categories,
    parse_torrent_list,
    parse_transfer_info,
)
from stepheybot_music_clients.qbittorrent.stream import NotStreamableError
from stepheybot_music_clients.qbittorrent.sync import MainDataStore, PreparedUpdate
from stepheybot_music_clients.transport import (
    DEFAULT_TIMEOUT,
    HttpClient,
    Params,
    Response,
    inflate,
    parsing,
    snippet,
)

API = "api/v2/"
LOGIN_PATH = API + "auth/login"
BAN_TEXT = "banned"
OFFLOAD_BYTES = 256 * 1024
"""``sync/maindata`` replies this big or bigger are decoded in a worker thread."""
DEFAULT_PASSWORDS = ("", "adminadmin")
"""Passwords that mean "the user never set one" when they are rejected."""

_BTIH = re.compile(r"urn:btih:([0-9a-fA-F]{40})")

type Hashes = Sequence[str] | Literal["all"]


def _join_hashes(hashes: Hashes) -> str:
    return "all" if hashes == "all" else "|".join(hashes)


def _bool_text(value: bool) -> str:
    # qBittorrent only understands "true"/"false" (a "1" counts as not given).
    return "true" if value else "false"


def parse_api_version(text: str) -> tuple[int, ...]:
    """``"2.16.2"`` -> ``(2, 16, 2)``; raises ``ValueError`` on anything else."""
    parts = tuple(int(part) for part in text.strip().split("."))
    if len(parts) < 2:
        raise ValueError(f"{text!r} is not a version number")
    return parts


class QBittorrentClient(HttpClient):
    """One qBittorrent WebUI, through one long-lived session."""

    kind: ClassVar[str] = "qBittorrent"
    offload_bytes: int = OFFLOAD_BYTES
    """Replies to :meth:`sync` of at least this many bytes are parsed in a worker thread."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        *,
        username: str,
        password: str,
        timeout: float = DEFAULT_TIMEOUT,
        verify_ssl: bool = True,
        login_guard: LoginGuard | None = None,
    ) -> None:
        """Remember where and who; nothing is sent before the first call.

        ``login_guard`` decides when a login may be tried (default: never again after a
        rejection until :meth:`set_credentials`; a ban is waited out).
        """
        super().__init__(session, url, timeout=timeout, verify_ssl=verify_ssl)
        self.login_guard = login_guard or LoginGuard()
        self._username = username
        self._password = password
        self._cookie: str | None = None
        self._logged_in = False
        self._session_id = 0
        """Counts logins, so concurrent callers that saw the same 403 log in only once."""
        self._login_lock = asyncio.Lock()
        self._api_version: tuple[int, ...] | None = None
        self._store = MainDataStore()
        self._store_session = -1

    # --- credentials and session ---------------------------------------------------------

    @property
    def username(self) -> str:
        """The WebUI user name."""
        return self._username

    @property
    def logged_in(self) -> bool:
        """True while the client holds a session it believes valid."""
        return self._logged_in

    def set_credentials(self, username: str, password: str) -> None:
        """Use new credentials; forgets a remembered rejection (not a ban) and the session."""
        self._username = username
        self._password = password
        self.login_guard.credentials_changed()
        self._drop_session()

    def _drop_session(self) -> None:
        self._cookie = None
        self._logged_in = False
        self._store.reset()

    def _auth_headers(self) -> dict[str, str] | None:
        return {"Cookie": self._cookie} if self._cookie else None

    async def _ensure_session(self) -> int:
        """Log in unless a session exists; return the session's number."""
        if self._logged_in:
            return self._session_id
        return await self._login_once(self._session_id)

    async def _login_once(self, seen: int) -> int:
        """Log in, unless another caller already replaced session ``seen``."""
        async with self._login_lock:
            if self._logged_in and self._session_id != seen:
                # another caller replaced the lost session meanwhile
                return self._session_id
            await self._login()
            return self._session_id

    def _check_may_login(self) -> None:
        """Raise the remembered error while the guard holds logins back."""
        guard = self.login_guard
        wait = guard.blocked_for()
        if wait is None:
            return
        if guard.banned_now:
            raise self._ban_error(wait)
        if guard.rejection is not None:  # only a ban or a rejection holds logins back
            raise guard.rejection

    def _ban_error(self, remaining: float) -> IpBannedError:
        minutes = max(1, round(remaining / 60))
        return IpBannedError(
            f"qBittorrent at {self.url} has banned this IP address after too many failed logins "
            f"(by default for an hour). No login is tried for about {minutes} minute(s). Check "
            "the user name and password; restarting qBittorrent lifts the ban.",
            backend=self.kind,
            retry_after=remaining,
        )

    def _banned(self) -> IpBannedError:
        """A ban qBittorrent just answered: recorded, so no login is tried until it is over."""
        err = self._ban_error(self.login_guard.policy.ban_wait(None))
        self.login_guard.banned(err)
        return err

    async def _login(self) -> None:
        self._check_may_login()
        self._drop_session()
        resp = await self.request(
            "POST",
            LOGIN_PATH,
            data={"username": self._username, "password": self._password},
            allow_redirects=False,
        )
        text = resp.text.strip()
        if resp.status == 204 or (resp.status == 200 and text == "Ok."):
            self._cookie = self._session_cookie(resp)
            self._logged_in = True
            self._session_id += 1
            self.login_guard.succeeded()
            return
        if resp.status == 403:
            raise self._banned()
        if resp.status == 200 and text == "Fails.":
            raise self._remember_rejection()
        if resp.status == 401:
            await self._explain_401()
            raise self._remember_rejection()
        raise self._not_qbittorrent(resp)

    @staticmethod
    def _session_cookie(resp: Response) -> str | None:
        # Whatever the name (SID, QBT_SID_<port>, a custom one), send back what we got.
        for name, morsel in resp.cookies.items():
            if morsel.value:
                return f"{name}={morsel.coded_value}"
        return None  # authentication bypass (LocalHostAuth off, whitelisted subnet)

    def _remember_rejection(self) -> InvalidAuthError:
        error: InvalidAuthError
        then = self.login_guard.after_rejection()
        if self._password in DEFAULT_PASSWORDS:
            which = "an empty password" if not self._password else "the old default password"
            error = NoPasswordSetError(
                f"qBittorrent at {self.url} rejected {which}. qBittorrent 4.6.1 and later have no "
                "default password: until you set one, each start prints a temporary password to "
                'its log ("A temporary password is provided for this session"; see '
                "`docker logs <container>`). Log in to the Web UI with it, set a permanent "
                "password under Tools → Options → WebUI → Authentication, and use that "
                f"password. {then}",
                backend=self.kind,
            )
        else:
            error = InvalidAuthError(
                f"qBittorrent at {self.url} rejected the user name or password. Check them in "
                f"the Web UI settings (Tools → Options → WebUI → Authentication). {then}",
                backend=self.kind,
            )
        self.login_guard.rejected(error)
        return error

    async def _explain_401(self) -> None:
        """Tell a wrong password from a rejected Host header (both answer 401 on login)."""
        check = await self.request("GET", API + "app/version", allow_redirects=False)
        if check.status == 401:
            raise UnexpectedResponseError(
                f"qBittorrent at {self.url} rejects every request with HTTP 401, even ones that "
                "need no login. Usually its Host header validation refuses the port: when Docker "
                "maps a different outside port (e.g. 8081:8080), use the same port number on both "
                "sides or turn off WebUI → Host header validation. A reverse proxy asking for its "
                "own authentication has the same effect.",
                backend=self.kind,
            )

    def _not_qbittorrent(self, resp: Response) -> UnexpectedResponseError:
        """An answer qBittorrent never gives; a 5xx is its own failure, not another program."""
        if resp.status >= 500:
            return self.server_error(resp)
        return WrongApplicationError(
            f"The application at {self.url} is not a qBittorrent Web UI: {resp.url.path} "
            f"answered HTTP {resp.status} ({snippet(resp.body)!r}). Check the URL and port "
            "(qBittorrent's Web UI usually listens on 8080).",
            backend=self.kind,
        )

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: Params | Callable[[], Params] | None = None,
        data: Any = None,
        decode: bool = True,
    ) -> Response:
        """Send an authenticated call; on a lost session log in once and retry once."""
        session = await self._ensure_session()
        resp = await self._send(method, path, params, data, decode)
        if resp.status == 403:
            if BAN_TEXT in resp.text:
                self._drop_session()
                raise self._banned()
            if self._session_id == session:
                self._logged_in = False
            await self._login_once(session)
            resp = await self._send(method, path, params, data, decode)
            if resp.status == 403:
                self._logged_in = False
                raise UnexpectedResponseError(
                    f"qBittorrent at {self.url} refused {resp.url.path} (HTTP 403) even right "
                    "after a successful login. Another client may be opening sessions in a loop "
                    "(qBittorrent 5.3 keeps only 15), or a proxy blocks the request.",
                    backend=self.kind,
                )
        if resp.status == 401:
            raise UnexpectedResponseError(
                f"qBittorrent at {self.url} rejected {resp.url.path} with HTTP 401. Its Host "
                "header validation or cross-site protection refuses this client: use the same "
                "port inside and outside Docker, or check the reverse proxy.",
                backend=self.kind,
            )
        return resp

    async def _send(
        self,
        method: str,
        path: str,
        params: Params | Callable[[], Params] | None,
        data: Any,
        decode: bool = True,
    ) -> Response:
        return await self.exchange(
            method,
            API + path,
            params=params() if callable(params) else params,
            data=data,
            headers=self._auth_headers(),
            allow_redirects=False,
            decode=decode,
        )

    async def _get_json(
        self, path: str, *, params: Params | Callable[[], Params] | None = None
    ) -> Any:
        resp = await self._call("GET", path, params=params)
        self.raise_for_status(resp)
        return resp.json()

    async def _get_text(self, path: str) -> str:
        resp = await self._call("GET", path)
        self.raise_for_status(resp)
        return resp.text.strip()

    async def _post(
        self, path: str, data: dict[str, str] | None = None, *, conflict_ok: bool = False
    ) -> Response:
        resp = await self._call("POST", path, data=data or {})
        if resp.status == 400:
            raise BackendRequestError(
                f"qBittorrent refused {resp.url.path}: {snippet(resp.body)}.",
                backend=self.kind,
                code=400,
            )
        if not (conflict_ok and resp.status == 409):
            self.raise_for_status(resp)
        return resp

    async def logout(self) -> None:
        """End the WebUI session (frees its memory inside qBittorrent); harmless if none."""
        if not self._logged_in:
            return
        try:
            await self.request("POST", API + "auth/logout", headers=self._auth_headers())
        finally:
            self._drop_session()

    # --- identity ------------------------------------------------------------------------

    async def probe(self) -> BackendInfo:
        """Log in and read the version; raises ``WrongApplicationError`` if not qBittorrent."""
        await self._ensure_session()
        version_resp = await self._call("GET", "app/version")
        api_resp = await self._call("GET", "app/webapiVersion")
        version = version_resp.text.strip()
        api_text = api_resp.text.strip()
        if version_resp.status != 200 or not version.startswith("v"):
            raise self._not_qbittorrent(version_resp)
        if api_resp.status != 200:
            raise self._not_qbittorrent(api_resp)
        try:
            self._api_version = parse_api_version(api_text)
        except ValueError as err:
            raise self._not_qbittorrent(api_resp) from err
        return BackendInfo(
            kind=BackendKind.QBITTORRENT,
            application="qBittorrent",
            version=version.removeprefix("v"),
            api_version=api_text,
        )

    async def api_version(self) -> tuple[int, ...]:
        """Return the WebAPI version, e.g. ``(2, 16, 2)`` (read once, then cached)."""
        if self._api_version is None:
            text = await self._get_text("app/webapiVersion")
            with parsing(self.kind, "its WebAPI version"):
                self._api_version = parse_api_version(text)
        return self._api_version

    async def uses_stop_start(self) -> bool:
        """Tell whether the API uses ``stop``/``start`` (WebAPI 2.11+, qBittorrent 5.x)."""
        return await self.api_version() >= STOPPED_API_VERSION

    # --- reading -------------------------------------------------------------------------

    async def sync(self) -> MainData:
        """Poll ``sync/maindata`` incrementally and return the merged, frozen picture.

        The first call (and the first after a new login) is a full update; later calls
        transfer and merge only what changed. Full updates and replies of
        :attr:`offload_bytes` or more are decoded and merged in a worker thread, so a full
        update of 10,000 torrents (about 15 MB) does not block the event loop; small deltas
        are merged in the loop, where a thread hop would cost more than the work.
        """
        asked = 0

        def params() -> Params:
            nonlocal asked
            if self._store_session != self._session_id:
                self._store.reset()
                self._store_session = self._session_id
            asked = self._store.rid
            return {"rid": asked}

        resp = await self._call("GET", "sync/maindata", params=params, decode=False)
        self.raise_for_status(resp)
        try:
            if asked != 0 and (small := self._small_body(resp)) is not None:
                self.stats.body_bytes += len(small.body)
                update = self._prepare_payload(small.json())
            else:
                update, size = await asyncio.to_thread(self._prepare_big, resp)
                self.stats.body_bytes += size
        except UnexpectedResponseError:
            self._store.reset()  # start over with a full update
            raise
        return self._store.commit(update)

    def _small_body(self, resp: Response) -> Response | None:
        """``resp`` decoded when it is under :attr:`offload_bytes` decoded, else None.

        Decodes at most :attr:`offload_bytes` of a compressed body, so it is cheap in the loop.
        """
        if resp.encoding is None:
            return resp if len(resp.body) < self.offload_bytes else None
        pieces = inflate(resp, self.url, self.offload_bytes)
        first = next(pieces, b"")
        if len(first) >= self.offload_bytes or next(pieces, None) is not None:
            return None
        return dataclasses.replace(resp, body=first, encoding=None)

    def _prepare_big(self, resp: Response) -> tuple[PreparedUpdate, int]:
        """Decode and merge a big ``sync/maindata`` reply torrent by torrent (in a worker).

        A compressed body is decompressed a piece at a time as the reader needs it, so the
        whole decoded body (15 MB at 10,000 torrents) never sits in memory. Returns the
        update and the decoded size.
        """
        size = 0

        def counted() -> Iterator[bytes]:
            nonlocal size
            for piece in inflate(resp, self.url):
                size += len(piece)
                yield piece

        try:
            with parsing(self.kind, "sync/maindata"):
                return self._store.prepare_body(counted()), size
        except NotStreamableError:
            # not a JSON object of torrent objects: json.loads says what is wrong
            body = b"".join(inflate(resp, self.url))
            decoded = dataclasses.replace(resp, body=body, encoding=None)
            return self._prepare_payload(decoded.json()), len(body)

    def _prepare_payload(self, payload: Any) -> PreparedUpdate:
        with parsing(self.kind, "sync/maindata"):
            return self._store.prepare(payload)

    async def transfer_info(self) -> TransferInfo:
        """Global speeds, session totals, limits and connection status."""
        payload = await self._get_json("transfer/info")
        with parsing(self.kind, "transfer/info"):
            return parse_transfer_info(payload)

    async def torrents(
        self, *, category: str | None = None, hashes: Sequence[str] | None = None
    ) -> list[Torrent]:
        """List torrents (one full listing: use :meth:`sync` for polling)."""
        params: dict[str, str] = {}
        if category is not None:
            params["category"] = category
        if hashes is not None:
            params["hashes"] = "|".join(hashes)
        payload = await self._get_json("torrents/info", params=params)
        with parsing(self.kind, "torrents/info"):
            return parse_torrent_list(payload)

    async def categories(self) -> dict[str, Category]:
        """All categories by name."""
        payload = await self._get_json("torrents/categories")
        with parsing(self.kind, "torrents/categories"):
            return parse_categories(payload)

    async def alternative_speed_limits(self) -> bool:
        """Tell whether the alternative ("turtle") speed limits are on."""
        text = await self._get_text("transfer/speedLimitsMode")
        if text not in ("0", "1"):
            raise UnexpectedResponseError(
                f"qBittorrent sent {text[:40]!r} as the speed limits mode, expected 0 or 1.",
                backend=self.kind,
            )
        return text == "1"

    # --- changing ------------------------------------------------------------------------

    async def add_torrent(
        self,
        urls: Sequence[str],
        *,
        category: str | None = None,
        save_path: str | None = None,
        stopped: bool = False,
        tags: Sequence[str] | None = None,
    ) -> AddResult:
        """Add magnet links or torrent URLs; raises ``BackendRequestError`` if none was accepted."""
        if not urls:
            raise ValueError("add_torrent needs at least one URL")
        form = {
            "urls": "\n".join(urls),
            # 4.x reads "paused", 5.x "stopped"; each ignores the other.
            "paused": _bool_text(stopped),
            "stopped": _bool_text(stopped),
        }
        if category is not None:
            form["category"] = category
        if save_path is not None:
            form["savepath"] = save_path
        if tags:
            form["tags"] = ",".join(tags)
        resp = await self._post("torrents/add", form, conflict_ok=True)
        text = resp.text.strip()
        if resp.status == 409 or text == "Fails.":
            await self._raise_add_failed(urls)
        if text == "Ok.":
            return AddResult()
        payload = resp.json()
        with parsing(self.kind, "the torrents/add reply"):
            if not isinstance(payload, dict):
                raise TypeError(f"the reply is a {type(payload).__name__}, expected an object")
            ids = payload.get("added_torrent_ids", [])
            if not isinstance(ids, list):
                raise TypeError(f"'added_torrent_ids' is {ids!r:.60}, expected a list")
            return AddResult(
                success_count=int(payload["success_count"]),
                failure_count=int(payload["failure_count"]),
                pending_count=int(payload.get("pending_count", 0)),
                added_hashes=tuple(str(item) for item in ids),
            )

    async def _raise_add_failed(self, urls: Sequence[str]) -> NoReturn:
        hashes = [m.group(1).lower() for url in urls if (m := _BTIH.search(url))]
        if hashes and len(hashes) == len(urls):
            present = {t.hash for t in await self.torrents(hashes=hashes)}
            if present >= set(hashes):
                what = "this torrent" if len(hashes) == 1 else f"all {len(hashes)} torrents"
                raise AlreadyExistsError(
                    f"qBittorrent already has {what}.",
                    backend=self.kind,
                    code=409,
                )
        raise BackendRequestError(
            f"qBittorrent added none of the {len(urls)} torrent(s): the links may be invalid "
            "or the torrents may already be in its list.",
            backend=self.kind,
            code=409,
        )

    async def stop(self, hashes: Hashes) -> None:
        """Stop (pause, on 4.x) torrents by hash, or ``"all"``."""
        if hashes != "all" and not hashes:
            return
        path = "torrents/stop" if await self.uses_stop_start() else "torrents/pause"
        await self._post(path, {"hashes": _join_hashes(hashes)})

    async def start(self, hashes: Hashes) -> None:
        """Start (resume, on 4.x) torrents by hash, or ``"all"``."""
        if hashes != "all" and not hashes:
            return
        path = "torrents/start" if await self.uses_stop_start() else "torrents/resume"
        await self._post(path, {"hashes": _join_hashes(hashes)})

    async def delete(self, hashes: Hashes, delete_files: bool) -> None:
        """Remove torrents, with their downloaded files when ``delete_files``."""
        if hashes != "all" and not hashes:
            return
        await self._post(
            "torrents/delete",
            {"hashes": _join_hashes(hashes), "deleteFiles": _bool_text(delete_files)},
        )

    async def create_category(self, name: str, save_path: str = "") -> None:
        """Create a category; raises ``BackendRequestError`` if it exists or the name is invalid."""
        resp = await self._post(
            "torrents/createCategory", {"category": name, "savePath": save_path}, conflict_ok=True
        )
        if resp.status == 409:
            if name in await self.categories():
                raise AlreadyExistsError(
                    f"qBittorrent already has a category named {name!r}.",
                    backend=self.kind,
                    code=409,
                )
            raise BackendRequestError(
                f"qBittorrent did not create the category {name!r}: the name is not valid "
                "(no leading or trailing '/', no '//' and no '\\').",
                backend=self.kind,
                code=409,
            )

    async def set_alternative_speed_limits(self, enabled: bool) -> None:
        """Turn the alternative speed limits on or off (the API only has a toggle)."""
        if await self.alternative_speed_limits() != enabled:
            await self._post("transfer/toggleSpeedLimitsMode")

    # --- listen port ---------------------------------------------------------------------

    async def listen_port(self) -> int:
        """The port qBittorrent listens on for peers (``app/preferences`` ``listen_port``).

        0 means a random port at each start (``random_port``, deprecated since 5.0).
        """
        payload = await self._get_json("app/preferences")
        with parsing(self.kind, "app/preferences"):
            return int(payload["listen_port"])

    async def set_listen_port(self, port: int) -> None:
        """Listen for peers on ``port`` (saved in qBittorrent's settings, applied at once).

        ``app/setPreferences`` takes one ``json`` form field; only ``listen_port`` is sent, so
        no other setting changes (``src/webui/api/appcontroller.cpp``, release-4.5.2 and
        release-5.1.4: ``session->setPort``).
        """
        if not 1 <= port <= 65535:
            raise ValueError(f"{port} is not a TCP port")
        await self._post("app/setPreferences", {"json": json.dumps({"listen_port": port})})
