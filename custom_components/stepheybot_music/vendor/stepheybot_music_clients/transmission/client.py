"""Async client of the Transmission RPC (``POST <url>/transmission/rpc``).

Every call is a JSON ``{"method", "arguments"}`` POST with HTTP Basic auth. Transmission
protects the RPC against CSRF with a session id: a request without the current
``X-Transmission-Session-Id`` gets HTTP 409 carrying the id to use. The client stores it and
retries once; a second 409 in a row means something (usually a reverse proxy dropping the
header) is broken, and is reported instead of looping.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar

import aiohttp

from stepheybot_music_clients.errors import (
    BackendRequestError,
    InvalidAuthError,
    UnexpectedResponseError,
    WrongApplicationError,
)
from stepheybot_music_clients.models import BackendInfo, BackendKind
from stepheybot_music_clients.transmission.models import (
    RPC_LABELS,
    RPC_LABELS_IN_ADD,
    TORRENT_FIELDS,
    AddedTorrent,
    FreeSpace,
    SessionInfo,
    SessionStats,
    Torrent,
    TorrentId,
    TorrentSnapshot,
    TransferTotals,
)
from stepheybot_music_clients.transmission.parse import parse_torrents
from stepheybot_music_clients.transmission.refusals import FAILED_LOGINS, forbidden, host_refused
from stepheybot_music_clients.transmission.sync import TransmissionSync
from stepheybot_music_clients.transport import (
    DEFAULT_TIMEOUT,
    HttpClient,
    Response,
    parsing,
    snippet,
)

SESSION_HEADER = "X-Transmission-Session-Id"
DEFAULT_RPC_PATH = "/transmission/rpc"
_SESSION_FIELDS = (
    "version",
    "rpc-version",
    "rpc-version-semver",
    "download-dir",
    "alt-speed-enabled",
)


def basic_auth(username: str, password: str) -> str:
    """The ``Authorization`` header value for HTTP Basic credentials (UTF-8)."""
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode("ascii")


def _totals(data: Mapping[str, Any]) -> TransferTotals:
    return TransferTotals(
        downloaded=int(data["downloadedBytes"]),
        uploaded=int(data["uploadedBytes"]),
        files_added=int(data.get("filesAdded", 0)),
        session_count=int(data.get("sessionCount", 0)),
        seconds_active=int(data.get("secondsActive", 0)),
    )


class TransmissionClient(HttpClient):
    """Client of a Transmission daemon's RPC.

    ``url`` is the daemon's base URL (``http://host:9091``); a URL that already ends in
    ``rpc_path`` is accepted too.
    """

    kind: ClassVar[str] = "Transmission"

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        *,
        username: str = "",
        password: str = "",
        rpc_path: str = DEFAULT_RPC_PATH,
        timeout: float = DEFAULT_TIMEOUT,
        verify_ssl: bool = True,
    ) -> None:
        super().__init__(session, url, timeout=timeout, verify_ssl=verify_ssl)
        self.rpc_path = "/" + rpc_path.strip("/")
        base = self.url.path.rstrip("/")
        if base.endswith(self.rpc_path):
            self.url = self.url.with_path(base[: -len(self.rpc_path)] or "/")
        self.username = username
        self._authorization = basic_auth(username, password) if username or password else None
        self._session_id: str | None = None
        self._session_generation = 0
        self._torrent_sync: TransmissionSync | None = None
        self._rpc_version: tuple[int, int] | None = None
        """(session generation, RPC version) of the last ``session-get``."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.url} user={self.username!r}>"

    @property
    def has_session_id(self) -> bool:
        """Whether the client holds a CSRF session id from the daemon."""
        return self._session_id is not None

    @property
    def session_generation(self) -> int:
        """How many different session ids the daemon has handed out to this client.

        It changes when the daemon restarts (torrent ids are only valid within one run) and
        when it rotates the id; :class:`TransmissionSync` lists everything again then.
        """
        return self._session_generation

    # ----------------------------------------------------------------- RPC plumbing

    def _headers(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        if self._authorization is not None:
            headers["Authorization"] = self._authorization
        if self._session_id is not None:
            headers[SESSION_HEADER] = self._session_id
        return headers

    async def _send(self, body: Mapping[str, Any]) -> Response:
        """POST once and note whether the daemon took the credentials (see :mod:`.refusals`)."""
        resp = await self.request("POST", self.rpc_path, json_body=body, headers=self._headers())
        if resp.status == 401:
            FAILED_LOGINS.failed(self._daemon)
        elif resp.status != 403:
            # 409 and 421 come after the credentials were checked, like any answer but 401/403
            FAILED_LOGINS.succeeded(self._daemon)
        return resp

    @property
    def _daemon(self) -> str:
        """This daemon's key in the process's failed-login history."""
        return str(self.url)

    async def _post(self, body: Mapping[str, Any]) -> Response:
        """POST one RPC body, doing the 409 session-id handshake at most once."""
        resp = await self._send(body)
        if resp.status != 409:
            return resp
        self._adopt_session_id(resp)
        resp = await self._send(body)
        if resp.status == 409:
            self._adopt_session_id(resp)
            raise UnexpectedResponseError(
                f"{self.kind} at {self.url} rejected its own session id twice in a row "
                "(HTTP 409). A reverse proxy in front of it may be dropping the "
                f"{SESSION_HEADER} header; configure it to pass that header through.",
                backend=self.kind,
            )
        return resp

    def _adopt_session_id(self, resp: Response) -> None:
        session_id = resp.headers.get(SESSION_HEADER)
        if not session_id:
            raise WrongApplicationError(
                f"{self.kind} at {self.url} answered HTTP 409 without a {SESSION_HEADER} "
                f"header at {self.rpc_path}, so it is not a Transmission RPC. Check the URL.",
                backend=self.kind,
            )
        if session_id != self._session_id:
            self._session_generation += 1
        self._session_id = session_id

    def _check(self, resp: Response) -> None:
        where = f"{self.kind} at {self.url}"
        if resp.status == 401:
            raise InvalidAuthError(
                f"{where} rejected the user name or password (HTTP 401). Use the RPC "
                "credentials from Transmission's settings (rpc-username and rpc-password; "
                "USER and PASS for the linuxserver image).",
                backend=self.kind,
            )
        if resp.status == 403:
            raise forbidden(
                where,
                resp.text,
                failed_logins=FAILED_LOGINS.failures(self._daemon),
                backend=self.kind,
            )
        if resp.status == 421:
            raise host_refused(where, self.url.host or "", backend=self.kind)
        if resp.status == 404:
            raise WrongApplicationError(
                f"{where} has no Transmission RPC at {self.rpc_path} (HTTP 404). Check the URL "
                "and the RPC path (default /transmission/rpc).",
                backend=self.kind,
            )
        self.raise_for_status(resp)

    async def rpc(self, method: str, arguments: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Call one RPC method and return its ``arguments``; raise unless it succeeded."""
        resp = await self._post({"method": method, "arguments": dict(arguments or {})})
        self._check(resp)
        return self._arguments(method, resp)

    async def rpc_in_worker[T](
        self,
        method: str,
        arguments: Mapping[str, Any],
        read: Callable[[dict[str, Any]], T],
        *,
        what: str,
    ) -> T:
        """:meth:`rpc`, with the reply decoded and ``read`` in a worker thread.

        For replies big enough (every torrent of a big daemon: 2 MB of JSON at 10,000) that
        decoding them in the event loop would stall it; ``read``'s shape errors are reported
        as :func:`parsing` reports them, naming ``what``.
        """
        resp = await self._post({"method": method, "arguments": dict(arguments)})
        self._check(resp)

        def decode() -> T:
            args = self._arguments(method, resp)
            with parsing(self.kind, what):
                return read(args)

        return await asyncio.to_thread(decode)

    def _arguments(self, method: str, resp: Response) -> dict[str, Any]:
        """The ``arguments`` of a checked reply; raise unless it succeeded."""
        data = resp.json()
        if not isinstance(data, dict) or "result" not in data:
            raise WrongApplicationError(
                f"{self.kind} at {self.url} answered {method} with JSON that is not a "
                f"Transmission RPC reply ({snippet(resp.body)!r}). Check the URL.",
                backend=self.kind,
            )
        result = data["result"]
        if result != "success":
            raise BackendRequestError(
                f"{self.kind} at {self.url} refused {method}: {result}.",
                backend=self.kind,
            )
        with parsing(self.kind, f"the {method} reply"):
            args = data.get("arguments") or {}
            if not isinstance(args, dict):
                raise TypeError("arguments is not an object")
            return args

    # ----------------------------------------------------------------- session

    async def session(self) -> SessionInfo:
        """The daemon's version, RPC version, download dir and turtle mode."""
        args = await self.rpc("session-get", {"fields": list(_SESSION_FIELDS)})
        with parsing(self.kind, "the session"):
            if "version" not in args or "rpc-version" not in args:
                raise WrongApplicationError(
                    f"{self.kind} at {self.url} answered session-get without a version; "
                    "it is not a Transmission daemon. Check the URL.",
                    backend=self.kind,
                )
            semver = args.get("rpc-version-semver")
            self._rpc_version = (self._session_generation, int(args["rpc-version"]))
            return SessionInfo(
                version=str(args["version"]),
                rpc_version=int(args["rpc-version"]),
                rpc_version_semver=str(semver) if semver else None,
                download_dir=str(args.get("download-dir") or ""),
                alt_speed_enabled=bool(args.get("alt-speed-enabled", False)),
            )

    async def rpc_version(self) -> int:
        """The daemon's RPC version (16: 3.00, 17: 4.0, 18 and up: 4.1; 15: 2.94).

        Asked once per daemon run (a new session id means a restart, maybe an upgrade).
        """
        known = self._rpc_version
        if known is None or known[0] != self._session_generation:
            return (await self.session()).rpc_version
        return known[1]

    async def probe(self) -> BackendInfo:
        """Check URL and credentials with ``session-get``; report the versions."""
        info = await self.session()
        return BackendInfo(
            kind=BackendKind.TRANSMISSION,
            application="Transmission",
            version=info.version.split(" ", 1)[0],
            api_version=str(info.rpc_version),
        )

    async def session_stats(self) -> SessionStats:
        """Current speeds, torrent counts and transfer totals."""
        args = await self.rpc("session-stats")
        with parsing(self.kind, "the session statistics"):
            return SessionStats(
                download_speed=int(args["downloadSpeed"]),
                upload_speed=int(args["uploadSpeed"]),
                torrent_count=int(args["torrentCount"]),
                active_torrent_count=int(args["activeTorrentCount"]),
                paused_torrent_count=int(args["pausedTorrentCount"]),
                cumulative=_totals(args["cumulative-stats"]),
                current=_totals(args["current-stats"]),
            )

    async def free_space(self, path: str) -> FreeSpace:
        """Free (and, on 4.0+, total) bytes of the file system holding ``path``."""
        args = await self.rpc("free-space", {"path": path})
        with parsing(self.kind, "the free space"):
            total = args.get("total_size")
            return FreeSpace(
                path=str(args.get("path", path)),
                free_bytes=int(args["size-bytes"]),
                total_bytes=int(total) if total is not None and int(total) >= 0 else None,
            )

    async def alt_speed(self, enabled: bool | None = None) -> bool:
        """Turn turtle mode on or off (``None``: leave it) and return what the daemon reports."""
        if enabled is not None:
            await self.rpc("session-set", {"alt-speed-enabled": enabled})
        args = await self.rpc("session-get", {"fields": ["alt-speed-enabled"]})
        with parsing(self.kind, "the session"):
            return bool(args["alt-speed-enabled"])

    # ----------------------------------------------------------------- torrents

    @property
    def torrent_sync(self) -> TransmissionSync:
        """The incremental torrent list behind :meth:`sync` (created on first use)."""
        if self._torrent_sync is None:
            self._torrent_sync = TransmissionSync(self)
        return self._torrent_sync

    @torrent_sync.setter
    def torrent_sync(self, sync: TransmissionSync) -> None:
        """Use ``sync`` (e.g. with other settings) for :meth:`sync` and action refetches."""
        if sync.client is not self:
            raise ValueError("the sync belongs to another client")
        self._torrent_sync = sync

    async def sync(
        self, *, torrent_count: int | None = None, uptime: float | None = None
    ) -> TorrentSnapshot:
        """Poll the torrent list incrementally: after the first call, only changes travel.

        Pass ``torrent_count`` and ``uptime`` from a :meth:`session_stats` of the same poll
        (``torrent_count`` and ``current.seconds_active``); see :meth:`TransmissionSync.poll`.
        """
        return await self.torrent_sync.poll(torrent_count=torrent_count, uptime=uptime)

    async def torrents(self, ids: Sequence[TorrentId] | None = None) -> list[Torrent]:
        """Torrents (all, or those with these ids or hashes): one full listing; see :meth:`sync`."""
        arguments: dict[str, Any] = {"fields": list(TORRENT_FIELDS)}
        if ids is not None:
            if not ids:
                return []
            arguments["ids"] = list(ids)
        args = await self.rpc("torrent-get", arguments)
        with parsing(self.kind, "the torrent list"):
            return parse_torrents(args["torrents"])

    async def add(
        self,
        magnet_or_url: str,
        *,
        download_dir: str | None = None,
        paused: bool = False,
        labels: Iterable[str] = (),
    ) -> AddedTorrent:
        """Add a magnet link or a .torrent URL, with ``labels`` where the daemon has them.

        4.0 and later take ``labels`` in ``torrent-add``; 3.00 ignores them there, so they are
        set with ``torrent-set`` right after (a torrent that was there already keeps its own);
        2.94 has no labels at all (its music is found by its download folder).
        """
        arguments: dict[str, Any] = {"filename": magnet_or_url, "paused": paused}
        if download_dir:
            arguments["download-dir"] = download_dir
        label_list = list(labels)
        version = await self.rpc_version() if label_list else RPC_LABELS_IN_ADD
        if label_list and version >= RPC_LABELS_IN_ADD:
            arguments["labels"] = label_list
        args = await self.rpc("torrent-add", arguments)
        with parsing(self.kind, "the added torrent"):
            duplicate = "torrent-duplicate" in args
            item = args["torrent-duplicate"] if duplicate else args["torrent-added"]
            added = AddedTorrent(
                id=int(item["id"]),
                hash=str(item["hashString"]).lower(),
                name=str(item["name"]),
                duplicate=duplicate,
            )
        if label_list and RPC_LABELS <= version < RPC_LABELS_IN_ADD and not duplicate:
            await self._act("torrent-set", [added.id], {"labels": label_list})
        return added

    async def _act(
        self, method: str, ids: Sequence[TorrentId], arguments: Mapping[str, Any] | None = None
    ) -> None:
        if not ids:
            return
        try:
            await self.rpc(method, {"ids": list(ids), **(arguments or {})})
        finally:
            # the daemon does not flag every change as recent (a stop is not), so the next
            # sync asks for these torrents by id
            if self._torrent_sync is not None:
                self._torrent_sync.refetch(ids)

    async def start(self, ids: Sequence[TorrentId]) -> None:
        """Start (resume) torrents by id or hash; an empty list does nothing."""
        await self._act("torrent-start", ids)

    async def stop(self, ids: Sequence[TorrentId]) -> None:
        """Stop (pause) torrents by id or hash; an empty list does nothing."""
        await self._act("torrent-stop", ids)

    async def remove(self, ids: Sequence[TorrentId], *, delete_data: bool = False) -> None:
        """Remove torrents by id or hash, deleting their files when asked."""
        await self._act("torrent-remove", ids, {"delete-local-data": delete_data})

    # ----------------------------------------------------------------- peer port

    async def listen_port(self) -> int:
        """The port the daemon listens on for peers (``session-get`` ``peer-port``)."""
        args = await self.rpc("session-get", {"fields": ["peer-port"]})
        with parsing(self.kind, "the session"):
            return int(args["peer-port"])

    async def set_listen_port(self, port: int) -> None:
        """Listen for peers on ``port`` (``session-set`` ``peer-port``; 3.00 and 4.x).

        The daemon saves it in its settings; with ``peer-port-random-on-start`` on it picks a
        new random port at its next start (``docs/rpc-spec.md``, 4.1.0; 4.1 also accepts
        the snake_case ``peer_port``, the kebab-case key is the one every release reads).
        """
        if not 1 <= port <= 65535:
            raise ValueError(f"{port} is not a TCP port")
        await self.rpc("session-set", {"peer-port": port})
