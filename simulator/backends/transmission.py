"""Transmission facade: the RPC at ``/transmission/rpc`` over its torrents in the shared world.

Its torrents are the world's download client named like the backend (``spec.name``:
:meth:`World.client_torrents`), with that client's all-time totals.

Plays transmission-daemon 4.0.6; ``spec.flavor`` names another release (``"2.94"``, ``"3.00"``,
``"4.0"``, ``"4.1"``): what differs between them is in :mod:`.transmission_flavors`, each with
the upstream file and tag it comes from. Checks happen in the daemon's order
(``handle_request`` in rpc-server.c[c]): the anti-brute-force lock (403: 3.00 after exactly 100
failed logins; 4.x after ``spec.extra["anti_brute_force_threshold"]`` when given; the
``BANNED`` fault locks at once), ``rpc-whitelist`` (``spec.extra["whitelist"] = "deny"`` refuses
loopback, 403), Basic auth against ``spec.username``/``spec.password`` (401, counted as a failed
login; none when both are empty), the host name when auth is off and
``spec.extra["host_whitelist"]`` (names) is given (421 for a ``Host`` that is not an IP address,
``localhost`` or listed), then the CSRF session id (409 with ``X-Transmission-Session-Id``).
``spec.extra["strip_session_header"]`` plays a reverse proxy that drops that header (every
request gets 409).

Methods: ``session-get`` (honours ``fields``), ``session-set`` (``peer-port`` persists;
``alt-speed-enabled`` drives
the world's alternative speed limits), ``session-stats``, ``free-space``, ``torrent-get``
(``fields``, ``format`` ``table`` from RPC 16, and ``ids``: ids or hashes, one or a list, or
``"recently-active"``; omitted means
all), ``torrent-add`` (magnets; ``labels`` become the world category and tags),
``torrent-set`` (``labels``: the world category and tags; before 4.1 not a recent change),
``torrent-start``, ``torrent-start-now``, ``torrent-stop`` and ``torrent-remove``.

``"recently-active"`` follows transmission-daemon (github.com/transmission/transmission:
``libtransmission/rpcimpl.cc``, ``getTorrents`` and ``torrentGet``;
``tr_torrents::removedSince`` in ``torrents.cc``; ``docs/rpc-spec.md``, section 3.3): it selects
the torrents whose ``date_changed`` is later than now minus ``RecentlyActiveSeconds`` (60), and
only then the reply also carries ``removed``, the ids of torrents removed at or after that
cutoff, for every caller alike (the daemon keeps no per-session state). A torrent's change time
here is the simulated moment of its world revision (:meth:`World.rev_at`); a torrent moving data
counts as changed now, as the daemon bumps ``date_changed`` whenever it sends or receives data
(``set_date_active``), while ``torrent-stop`` of a torrent that moved no data does not count as
a change (``torrentStop`` in ``torrent.cc`` does not call ``mark_changed``; ``torrentStartImpl``
does). A torrent that was added and removed between two requests was never seen by any caller,
so its id is unknown here and it is left out of ``removed``.

Faults: ``AUTH_REVOKED`` rejects every credential, ``BANNED`` answers the anti-brute-force
403 (4.x: the same body as the whitelist's), ``SESSION_EXPIRED`` rotates the session id.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import fnmatch
import hmac
import ipaddress
import json
import secrets
from collections.abc import Awaitable, Callable, Iterable
from datetime import timedelta
from typing import Any

from aiohttp import web

from ..faults import Fault
from ..model import Torrent, TorrentStatus
from ..world import World
from . import BackendContext
from .transmission_flavors import Flavor, flavor

RPC_PATH = "/transmission/rpc"
SESSION_HEADER = "X-Transmission-Session-Id"
KNOWN_DIRS = ("/downloads", "/hot_downloads", "/watch", "/config")
RECENTLY_ACTIVE = "recently-active"
RECENTLY_ACTIVE_SECONDS = 60
"""``RecentlyActiveSeconds`` in libtransmission/rpcimpl.cc."""

_STATUS = {
    TorrentStatus.STOPPED_DOWNLOADING: 0,
    TorrentStatus.STOPPED_SEEDING: 0,
    TorrentStatus.ERROR: 0,
    TorrentStatus.CHECKING: 2,
    TorrentStatus.QUEUED: 3,
    TorrentStatus.METADATA: 4,
    TorrentStatus.DOWNLOADING: 4,
    TorrentStatus.STALLED_DOWNLOADING: 4,
    TorrentStatus.SEEDING: 6,
    TorrentStatus.STALLED_SEEDING: 6,
}
_IDLE = frozenset(
    {
        TorrentStatus.STALLED_DOWNLOADING,
        TorrentStatus.STALLED_SEEDING,
        TorrentStatus.STOPPED_DOWNLOADING,
        TorrentStatus.STOPPED_SEEDING,
        TorrentStatus.ERROR,
        TorrentStatus.QUEUED,
        TorrentStatus.CHECKING,
    }
)
_CONFLICT = (
    "<h1>409: Conflict</h1><p>Your request had an invalid {key} header.</p><p>To fix "
    "this, follow these steps:<ol><li> When reading a response, get its "
    "X-Transmission-Session-Id header and remember it<li> Add the updated header to your "
    "outgoing requests<li> When you get this 409 error message, resend your request with "
    "the updated header</ol></p><p>This requirement has been added to help prevent "
    '<a href="https://en.wikipedia.org/wiki/Cross-site_request_forgery">CSRF</a> attacks.'
    "</p><p><code>X-Transmission-Session-Id: {sid}</code></p>"
)

type Args = dict[str, Any]


class RpcError(Exception):
    """An RPC ``result`` other than ``success``."""


def peers_connected(torrent: Torrent) -> int:
    """Peers the daemon would be connected to (none while idle, stalled or stopped)."""
    if torrent.status in _IDLE:
        return 0
    if torrent.status in (TorrentStatus.SEEDING,):
        return max(1, torrent.peers)
    return min(torrent.seeds, 50) + torrent.peers


def rpc_status(torrent: Torrent) -> int:
    """The numeric Transmission status of a world torrent."""
    return _STATUS[torrent.status]


def labels_of(torrent: Torrent) -> list[str]:
    """Transmission labels: the category first, then the tags."""
    return ([torrent.category] if torrent.category else []) + list(torrent.tags)


def _eta(torrent: Torrent) -> int:
    if torrent.progress >= 1 or torrent.status in (
        TorrentStatus.STOPPED_DOWNLOADING,
        TorrentStatus.ERROR,
    ):
        return -1
    eta = torrent.eta
    return -2 if eta is None else eta


class _Daemon:
    """The daemon's own state (session ids, session start); torrents live in the world."""

    def __init__(self, ctx: BackendContext) -> None:
        self.ctx = ctx
        self.world: World = ctx.world
        self.flavor: Flavor = flavor(ctx.spec.flavor)
        self.version = self.flavor.version
        self.rpc_version = self.flavor.rpc_version
        self.failed_logins = 0
        """``loginattempts`` (3.00) / ``login_attempts_`` (4.x): reset by a good login."""
        self.started = ctx.clock.now()
        self.name = ctx.spec.name
        self.client = self.world.download_client(self.name, "transmission")
        self.torrents = self.client.torrents
        """This client's torrents (the world's dict: it follows additions and removals)."""
        self.base_downloaded = self.client.downloaded
        self.base_uploaded = self.client.uploaded
        self._session_ids: dict[int, str] = {}
        self._ids: dict[str, int] = {}
        """The id each hash had when a caller last saw it (``torrent-get``, ``torrent-add``)."""
        self._removed: list[tuple[int, int]] = []
        """(world revision, id) of every removed torrent a caller had seen, oldest first."""
        self._removed_rev = self.world.rev
        self._quiet: dict[str, tuple[int, int]] = {}
        """hash -> (revision a ``torrent-stop`` gave it, the revision that marked it before)."""

    @property
    def session_id(self) -> str:
        """The current CSRF session id (a new one after each ``SESSION_EXPIRED``)."""
        generation = self.ctx.faults.session_generation
        if generation not in self._session_ids:
            self._session_ids[generation] = secrets.token_urlsafe(36)[:48]
        return self._session_ids[generation]

    # ----------------------------------------------------------------- torrents
    def torrent_fields(self, torrent: Torrent) -> Args:
        """Every field this facade knows of one torrent (and remember its id)."""
        self._ids[torrent.hash] = torrent.transmission_id
        added = int(torrent.added_on.timestamp())
        done = int(torrent.completion_on.timestamp()) if torrent.completion_on else 0
        fields: Args = {
            "id": torrent.transmission_id,
            "hashString": torrent.hash,
            "name": torrent.name,
            "status": rpc_status(torrent),
            "percentDone": round(torrent.progress, 4),
            "rateDownload": torrent.dl_speed,
            "rateUpload": torrent.up_speed,
            "totalSize": torrent.size,
            "sizeWhenDone": torrent.size,
            "metadataPercentComplete": 0 if torrent.status is TorrentStatus.METADATA else 1,
            "leftUntilDone": torrent.amount_left,
            "eta": _eta(torrent),
            "error": 3 if torrent.status is TorrentStatus.ERROR else 0,
            "errorString": torrent.error if torrent.status is TorrentStatus.ERROR else "",
            "downloadDir": torrent.save_path,
            "addedDate": added,
            "activityDate": added,
            "doneDate": done,
            "uploadedEver": torrent.uploaded,
            "downloadedEver": torrent.downloaded,
            "uploadRatio": round(torrent.uploaded / torrent.downloaded, 4)
            if torrent.downloaded
            else -1,
            "peersConnected": peers_connected(torrent),
            "isFinished": False,
            "isStalled": torrent.status
            in (TorrentStatus.STALLED_DOWNLOADING, TorrentStatus.STALLED_SEEDING),
            "magnetLink": torrent.magnet,
        }
        if self.flavor.labels:
            fields["labels"] = labels_of(torrent)
        return fields

    def catch_up(self) -> None:
        """Note the ids of torrents removed from the world since the last request.

        Runs before each request is handled, so a hash removed and added again (a new id)
        is reported removed under the id callers knew it by.
        """
        removed = self.world.removed_torrents
        start = bisect.bisect_right(removed, self._removed_rev, key=lambda entry: entry[0])
        for rev, info_hash in removed[start:]:
            known = self._ids.pop(info_hash, None)
            if known is not None:
                self._removed.append((rev, known))
        self._removed_rev = self.world.rev

    def recently_active(self) -> tuple[list[Torrent], list[int]]:
        """Torrents changed within the last 60 simulated seconds, and ids removed since."""
        world = self.world
        cutoff = self.ctx.clock.now() - timedelta(seconds=RECENTLY_ACTIVE_SECONDS)
        changed_after = world.rev_at(cutoff)  # date_changed > cutoff
        removed_after = world.rev_at(cutoff, inclusive=False)  # removed at >= cutoff
        torrents = [
            t
            for t in self.torrents.values()
            if self.changed_rev(t) > changed_after or t.dl_speed > 0 or t.up_speed > 0
        ]
        torrents.sort(key=lambda t: t.transmission_id)
        start = bisect.bisect_right(self._removed, removed_after, key=lambda entry: entry[0])
        return torrents, sorted({torrent_id for _, torrent_id in self._removed[start:]})

    def changed_rev(self, torrent: Torrent) -> int:
        """The world revision that last marked the torrent changed (a stop does not)."""
        quiet = self._quiet.get(torrent.hash)
        return quiet[1] if quiet is not None and quiet[0] == torrent.rev else torrent.rev

    def select(self, ids: object) -> list[Torrent]:
        """The torrents ``ids`` names (ids or hashes, one or a list, or recently active)."""
        if ids == RECENTLY_ACTIVE:
            return self.recently_active()[0]
        torrents = sorted(self.torrents.values(), key=lambda t: t.transmission_id)
        if ids is None:
            return torrents
        wanted = ids if isinstance(ids, list) else [ids]
        numbers = {i for i in wanted if isinstance(i, int) and not isinstance(i, bool)}
        hashes = {i.lower() for i in wanted if isinstance(i, str)}
        return [t for t in torrents if t.transmission_id in numbers or t.hash in hashes]

    # ----------------------------------------------------------------- methods
    def session_get(self, args: Args) -> Args:
        """``session-get``: every field, or only ``fields`` (3.00 and later)."""
        world = self.world
        values: Args = {
            "version": self.flavor.session_version,
            "rpc-version": self.rpc_version,
            "rpc-version-minimum": 14,
            "download-dir": "/downloads/complete",
            "incomplete-dir": "/downloads/incomplete",
            "alt-speed-enabled": world.alt_speed_limits,
            "alt-speed-down": 50,
            "alt-speed-up": 50,
            "speed-limit-down": 100,
            "speed-limit-down-enabled": False,
            "speed-limit-up": 100,
            "speed-limit-up-enabled": False,
            "peer-port": self.client.listen_port,
            "port-forwarding-enabled": False,
            "session-id": self.session_id,
            "config-dir": "/config",
        }
        if self.flavor.rpc_version_semver:
            values["rpc-version-semver"] = self.flavor.rpc_version_semver
        fields = args.get("fields")
        if self.flavor.session_get_fields and isinstance(fields, list):
            return {k: v for k, v in values.items() if k in fields}
        return values

    def session_set(self, args: Args) -> Args:
        """``session-set``: ``alt-speed-enabled`` and ``peer-port`` change something."""
        if "alt-speed-enabled" in args:
            self.world.alt_speed_limits = bool(args["alt-speed-enabled"])
        port = args.get("peer-port")
        if isinstance(port, int) and not isinstance(port, bool) and 0 < port < 65536:
            self.client.listen_port = port
            self.world.log(f"{self.name} listens on port {port}")
        return {}

    def session_stats(self, _: Args) -> Args:
        """``session-stats`` from this client's torrents and all-time totals."""
        client = self.client
        torrents = list(self.torrents.values())
        paused = sum(1 for t in torrents if rpc_status(t) == 0)
        active_seconds = int((self.ctx.clock.now() - self.started).total_seconds())
        current = {
            "downloadedBytes": client.downloaded - self.base_downloaded,
            "uploadedBytes": client.uploaded - self.base_uploaded,
            "filesAdded": len(torrents),
            "sessionCount": 1,
            "secondsActive": active_seconds,
        }
        cumulative = {
            "downloadedBytes": client.downloaded,
            "uploadedBytes": client.uploaded,
            "filesAdded": len(torrents) + 512,
            "sessionCount": 12,
            "secondsActive": active_seconds + 9_876_543,
        }
        return {
            "activeTorrentCount": len(torrents) - paused,
            "pausedTorrentCount": paused,
            "torrentCount": len(torrents),
            "downloadSpeed": sum(t.dl_speed for t in torrents),
            "uploadSpeed": sum(t.up_speed for t in torrents),
            "cumulative-stats": cumulative,
            "current-stats": current,
        }

    def free_space(self, args: Args) -> Args:
        """``free-space`` of the download disk (only for directories the container has)."""
        path = str(args.get("path", ""))
        known = (*KNOWN_DIRS, *self.world.categories.values())
        inside = any(path == d or path.startswith(d.rstrip("/") + "/") for d in known)
        if path != "/" and not inside:
            raise RpcError("No such file or directory")
        out: Args = {"path": path, "size-bytes": self.world.download_disk_free}
        if self.flavor.free_space_total:
            out["total_size"] = self.world.disk_total
        return out

    def torrent_get(self, args: Args) -> Args:
        """``torrent-get`` with ``fields`` (required) and optional ``ids``."""
        fields = args.get("fields")
        if not isinstance(fields, list) or not fields:
            raise RpcError("no fields specified")
        wanted = set(fields)
        ids = args.get("ids")
        out: Args = {}
        if ids == RECENTLY_ACTIVE:
            torrents, out["removed"] = self.recently_active()
        else:
            torrents = self.select(ids)
        rows = [{k: v for k, v in self.torrent_fields(t).items() if k in wanted} for t in torrents]
        if args.get("format") == "table" and self.rpc_version >= 16:
            # an array whose first row names the fields (TrFormat::Table, RPC 16, 3.00)
            names = list(dict.fromkeys(k for k in fields if any(k in row for row in rows)))
            out["torrents"] = [names, *([row.get(k) for k in names] for row in rows)]
        else:
            out["torrents"] = rows
        return out

    def torrent_add(self, args: Args) -> Args:
        """``torrent-add`` of a magnet (``.torrent`` URLs cannot be fetched here)."""
        filename = str(args.get("filename") or "")
        if not filename:
            raise RpcError("no filename or metainfo specified")
        if filename.startswith(("http://", "https://")):
            raise RpcError("gotMetadataFromURL: http error 404: Not Found")
        labels = args.get("labels") if self.flavor.labels_in_add else None
        label_list = [str(x) for x in labels] if isinstance(labels, list) else []
        before = set(self.world.torrents)
        torrent = self.world.add_magnet(
            filename,
            category=label_list[0] if label_list else "",
            save_path=str(args["download-dir"]) if args.get("download-dir") else None,
            stopped=bool(args.get("paused", False)),
            origin="transmission",
            tags=label_list[1:],
            client=self.name,
        )
        if torrent is None:
            raise RpcError("invalid or corrupt torrent file")
        key = "torrent-duplicate" if torrent.hash in before else "torrent-added"
        self._ids[torrent.hash] = torrent.transmission_id
        return {
            key: {"id": torrent.transmission_id, "hashString": torrent.hash, "name": torrent.name}
        }

    def _each(self, args: Args, action: Callable[[str], None]) -> Args:
        for torrent in self.select(args.get("ids")):
            action(torrent.hash)
        return {}

    def torrent_start(self, args: Args) -> Args:
        """``torrent-start`` (and ``torrent-start-now``)."""
        return self._each(args, self.world.start_torrent)

    def torrent_stop(self, args: Args) -> Args:
        """``torrent-stop``; unlike other changes, it does not make an idle torrent recent."""
        for torrent in self.select(args.get("ids")):
            idle = torrent.dl_speed == 0 and torrent.up_speed == 0
            marked = self.changed_rev(torrent)
            self.world.stop_torrent(torrent.hash)
            if idle:
                self._quiet[torrent.hash] = (torrent.rev, marked)
        return {}

    def torrent_set(self, args: Args) -> Args:
        """``torrent-set`` of ``labels`` (3.00 and later; the other settings are accepted).

        Before 4.1 new labels do not make a torrent recently active (see the flavour).
        """
        labels = args.get("labels")
        if labels is None or not self.flavor.labels:
            return {}
        if not isinstance(labels, list) or not all(isinstance(x, str) and x for x in labels):
            raise RpcError("labels cannot be empty")
        for torrent in self.select(args.get("ids")):
            marked = self.changed_rev(torrent)
            self.world.set_torrent_labels(torrent.hash, labels[0] if labels else "", labels[1:])
            if not self.flavor.edits_mark_recent and torrent.dl_speed == 0 == torrent.up_speed:
                self._quiet[torrent.hash] = (torrent.rev, marked)
        return {}

    def torrent_remove(self, args: Args) -> Args:
        """``torrent-remove`` (``delete-local-data`` is accepted; files are not modelled)."""
        return self._each(args, self.world.remove_torrent)

    def methods(self) -> dict[str, Callable[[Args], Args]]:
        """The RPC methods by name."""
        return {
            "session-get": self.session_get,
            "session-set": self.session_set,
            "session-stats": self.session_stats,
            "free-space": self.free_space,
            "torrent-get": self.torrent_get,
            "torrent-add": self.torrent_add,
            "torrent-set": self.torrent_set,
            "torrent-start": self.torrent_start,
            "torrent-start-now": self.torrent_start,
            "torrent-stop": self.torrent_stop,
            "torrent-remove": self.torrent_remove,
        }


def _authorized(request: web.Request, username: str, password: str) -> bool:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        user, _, given = base64.b64decode(value, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return hmac.compare_digest(user.encode(), username.encode()) and hmac.compare_digest(
        given.encode(), password.encode()
    )


def _html(status: int, text: str, headers: Iterable[tuple[str, str]] = ()) -> web.Response:
    return web.Response(
        status=status,
        text=text,
        content_type="text/html",
        charset="ISO-8859-1",
        headers=dict(headers),
    )


def _host_allowed(host: str, allowed: Iterable[str]) -> bool:
    """Whether ``isHostnameAllowed`` lets ``host`` through (its auth and enabled checks passed).

    rpc-server.c at 3.00, rpc-server.cc at 4.1.3: an IP address (with a port) or localhost
    always passes, else a name of the list (wildcards allowed).
    """
    if not host:
        return False
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        pass
    else:
        return True
    if name in ("localhost", "localhost."):
        return True
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in allowed)


def build_app(ctx: BackendContext) -> web.Application:
    """The Transmission RPC (and a stub web UI) over ``ctx.world``."""
    daemon = _Daemon(ctx)
    methods = daemon.methods()
    spec = ctx.spec
    needs_auth = bool(spec.username or spec.password)
    trait = daemon.flavor
    threshold = spec.extra.get("anti_brute_force_threshold")
    lock_after = (
        (int(threshold) if threshold is not None else None)
        if trait.lock_from_settings
        else trait.lock_limit
    )
    host_whitelist = spec.extra.get("host_whitelist")

    def common(headers: dict[str, str]) -> dict[str, str]:
        """Headers every answer carries (``handle_request``: Server, and clickjacking on 4.1)."""
        headers["Server"] = "Transmission"
        if trait.clickjacking_headers:
            headers["X-Frame-Options"] = "SAMEORIGIN"
            headers["Content-Security-Policy"] = "frame-ancestors 'self'"
        return headers

    def html(status: int, text: str, headers: Iterable[tuple[str, str]] = ()) -> web.Response:
        return _html(status, text, common(dict(headers)).items())

    def gate(request: web.Request, *, check_session: bool) -> web.Response | None:
        locked = lock_after is not None and daemon.failed_logins >= lock_after
        if trait.lock_limit is not None and (locked or ctx.faults.active(Fault.BANNED)):
            return html(403, trait.forbidden_locked)
        if spec.extra.get("whitelist") == "deny":
            return html(403, trait.forbidden_whitelist)
        if needs_auth and (
            ctx.faults.active(Fault.AUTH_REVOKED)
            or not _authorized(request, spec.username, spec.password)
        ):
            daemon.failed_logins += 1
            return html(
                401,
                trait.unauthorized.format(n=daemon.failed_logins),
                [("WWW-Authenticate", 'Basic realm="Transmission"')],
            )
        daemon.failed_logins = 0
        if not check_session:
            return None
        if (
            not needs_auth
            and host_whitelist is not None
            and not _host_allowed(request.headers.get("Host", ""), host_whitelist)
        ):
            return html(421, trait.host_refused_body())
        sid = daemon.session_id
        given = (
            None if spec.extra.get("strip_session_header") else request.headers.get(SESSION_HEADER)
        )
        if given != sid:
            headers = [(SESSION_HEADER, sid)]
            if trait.rpc_version_header and trait.rpc_version_semver:
                headers.append(("X-Transmission-Rpc-Version", trait.rpc_version_semver))
            return html(409, _CONFLICT.format(sid=sid, key=trait.conflict_key), headers)
        return None

    def json_reply(reply: Args) -> web.Response:
        text = json.dumps(reply, separators=(",", ":")) + ("\n" if trait.json_newline else "")
        return web.Response(
            text=text, content_type="application/json", charset="UTF-8", headers=common({})
        )

    async def rpc(request: web.Request) -> web.Response:
        refused = gate(request, check_session=True)
        if refused is not None:
            return refused
        try:
            body = json.loads(await request.read() or b"null")
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("method"), str):
            return json_reply({"arguments": {}, "result": "no method name"})
        reply: Args = {}
        if "tag" in body:
            reply["tag"] = body["tag"]
        handler = methods.get(body["method"])
        daemon.catch_up()
        arguments = body.get("arguments")
        args: Args = arguments if isinstance(arguments, dict) else {}
        if handler is None:
            reply |= {"arguments": {}, "result": trait.unknown_method}
        else:
            try:
                reply |= {"arguments": handler(args), "result": "success"}
            except RpcError as err:
                reply |= {"arguments": {}, "result": str(err)}
        return json_reply(reply)

    async def web_ui(request: web.Request) -> web.Response:
        refused = gate(request, check_session=False)
        if refused is not None:
            return refused
        return html(200, "<!DOCTYPE html><title>Transmission Web</title>")

    async def root(_: web.Request) -> web.Response:
        raise web.HTTPMovedPermanently("/transmission/web/")

    app = web.Application()
    handler: Callable[[web.Request], Awaitable[web.Response]] = rpc
    app.router.add_route("*", RPC_PATH, handler)
    app.router.add_get("/transmission/web/", web_ui)
    app.router.add_get("/", root)
    return app
