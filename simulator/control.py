"""The simulator's control endpoint: a small JSON API to look at the world and to change it.

Every route, its method and its request body are in :data:`ROUTES` (the README's table of
the simulated stack is checked against it). A mistake answers with what to send instead:
a GET on a POST route is 405 with the route's usage; a body that is not a JSON object, or
that names an unknown backend, fault, container, state or health, is 400 with the usage and
the valid names (``valid``); an unknown ``/control`` path is 404 with every route.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .faults import Fault
from .model import ACTIVE_STATUSES, Health, Torrent, TorrentStatus
from .world import GIB, World

if TYPE_CHECKING:
    from .server import Simulator

type Json = dict[str, Any]

CONTAINER_STATES = ("created", "running", "paused", "restarting", "removing", "exited", "dead")
"""The states Docker reports for a container."""
_STOPPED = frozenset({TorrentStatus.STOPPED_DOWNLOADING, TorrentStatus.STOPPED_SEEDING})


@dataclass(frozen=True, slots=True, kw_only=True)
class Route:
    """One control route: what it does and the JSON body it takes."""

    path: str
    method: str
    does: str
    body: dict[str, str] = field(default_factory=dict)
    """Field -> what it means (every field is optional unless it says "required")."""
    example: Json | None = None

    def usage(self) -> Json:
        """How to call it, as the error answers show it."""
        usage: Json = {"method": self.method, "path": self.path, "does": self.does}
        if self.method == "POST":
            usage["body"] = self.body
            usage["example"] = self.example
        return usage


ROUTES = (
    Route(
        path="/control/state",
        method="GET",
        does=(
            "The world at a glance: simulated time, each backend's URL, faults and listener, "
            "the torrents of each download client and their totals, Lidarr's queue and missing "
            "albums, the artists Lidarr does not have yet whose latest album can be "
            "downloaded, Navidrome's library, the VPN and the latest story events."
        ),
    ),
    Route(
        path="/control/fault",
        method="POST",
        does="Put a backend into a fault, or lift one or every fault.",
        body={
            "backend": "a backend name (required): one of the state's backends",
            "fault": (
                "down, slow, http_500, malformed_json, truncated_json, auth_revoked, banned or "
                "session_expired; required to set, and to clear only that one"
            ),
            "action": '"set" (the default) or "clear"; clear without fault lifts every fault',
        },
        example={"backend": "lidarr", "fault": "http_500"},
    ),
    Route(
        path="/control/advance",
        method="POST",
        does="Move simulated time forward, step by step, so downloads, imports and scans happen.",
        body={"seconds": "simulated seconds, 0 or more (default 60)"},
        example={"seconds": 300},
    ),
    Route(
        path="/control/vpn",
        method="POST",
        does="Drop or restore the VPN tunnel, make the download clients leak, change the IP.",
        body={
            "up": "true or false: the tunnel runs (downloads stall while it is down)",
            "leak": "true or false: the download clients' traffic bypasses the VPN",
            "change_ip": "true: reconnect to another server (new public IP, forwarded port)",
        },
        example={"up": False},
    ),
    Route(
        path="/control/container",
        method="POST",
        does="Change a Docker container: its state, its health, or recreate it (new id).",
        body={
            "name": "a container name (required), e.g. gluetun, qbittorrent, lidarr, navidrome",
            "state": "created, running, paused, restarting, removing, exited or dead",
            "health": "none, starting, healthy or unhealthy",
            "recreate": "true: recreate it (same name, new id, fresh start)",
        },
        example={"name": "navidrome", "health": "unhealthy"},
    ),
    Route(
        path="/control/push",
        method="POST",
        does=(
            "Cut or restore a backend's push: Lidarr's webhook calls fail (it cannot reach "
            "the receiver), Navidrome's event stream goes silent (a buffering proxy)."
        ),
        body={
            "backend": "lidarr or navidrome (required)",
            "cut": "true or false (required): push cut or restored",
        },
        example={"backend": "lidarr", "cut": True},
    ),
    Route(
        path="/control/blockers",
        method="POST",
        does=(
            "Cause what keeps music from arriving: no peers, every indexer failing, Lidarr "
            "refusing imports, Lidarr's metadata server down, a full disk, Navidrome not "
            "scanning (the VPN's causes are /control/vpn's)."
        ),
        body={
            "peers": "true or false: peers send data (false: every unfinished download stalls)",
            "indexers_failing": "true or false: every indexer of Jackett and Prowlarr fails",
            "import_error": (
                "Lidarr's message for the finished music downloads it refuses to import "
                '(importFailed); "" imports them again'
            ),
            "metadata_down": (
                "true or false: Lidarr's health relays the notice that its metadata server "
                "is down (ServerSideNotificationService)"
            ),
            "disk_free_gib": "free space of the download and music disk, in GiB (0 or more)",
            "scans_off": (
                "true or false: Navidrome scans nothing by itself and refuses startScan "
                "(false: startScan works again; nothing missed is scanned until one starts)"
            ),
        },
        example={"disk_free_gib": 0.5},
    ),
)
"""Every control route, in the order the README lists them."""


class ControlError(Exception):
    """A request the endpoint refuses: the status and the JSON body that says why."""

    def __init__(self, status: int, body: Json) -> None:
        super().__init__(body.get("error"))
        self.status = status
        self.body = body


def _refused(route: Route, error: str, valid: list[str] | None = None) -> ControlError:
    body: Json = {"error": error}
    if valid is not None:
        body["valid"] = valid
    return ControlError(400, {**body, "usage": route.usage()})


async def _body(request: web.Request, route: Route) -> Json:
    """The request's JSON object (an empty body is ``{}``)."""
    if not await request.read():
        return {}
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise _refused(route, f"{route.path} takes a JSON object")
    return body


def _flag(route: Route, body: Json, key: str) -> bool | None:
    """A boolean field, None when absent."""
    value = body.get(key)
    if value is None or isinstance(value, bool):
        return value
    raise _refused(route, f"{key} must be true or false, not {value!r}")


def _choice(route: Route, value: object, what: str, valid: list[str]) -> str:
    """``value`` if it is one of ``valid``; else 400 naming them."""
    if not isinstance(value, str) or value not in valid:
        raise _refused(route, f"unknown {what} {value!r}", valid)
    return value


# ----------------------------------------------------------------------------- state


def _active(torrent: Torrent, music: str) -> bool:
    """What Home Assistant's "Active music downloads" counts: music, not done, going."""
    return (
        torrent.category == music
        and torrent.progress < 1
        and torrent.status not in _STOPPED
        and torrent.status is not TorrentStatus.ERROR
    )


def _downloads(world: World, torrents: list[Torrent]) -> Json:
    music = world.music_category
    return {
        "torrents": len(torrents),
        "music_active": sum(_active(t, music) for t in torrents),
        "music_wanting": sum(t.category == music and t.status in ACTIVE_STATUSES for t in torrents),
        "download_speed": sum(t.dl_speed for t in torrents),
    }


def artists_to_request(world: World) -> list[str]:
    """Artists Lidarr does not have yet whose latest album an indexer seeds (by name)."""
    working = {i.id for i in world.indexers if i.enabled and not i.failing}
    names = []
    for artist in world.artists.values():
        if artist.in_lidarr or not artist.album_ids:
            continue
        latest = max((world.albums[i] for i in artist.album_ids), key=lambda a: a.release_date)
        if any(r.indexer_id in working and r.seeders > 0 for r in world.releases_for(latest)):
            names.append(artist.name)
    return sorted(names)


def state(sim: Simulator) -> Json:
    """The ``/control/state`` answer."""
    world = sim.world
    torrents = list(world.torrents.values())
    return {
        "now": world.clock.now().isoformat(),
        "backends": {
            name: {
                "url": sim.url(name),
                "faults": sorted(sim.faults(name).faults),
                "listening": sim.listening(name),
            }
            for name in sim.backend_names()
        },
        "torrents": len(torrents),
        "downloads": _downloads(world, torrents),
        "download_clients": {
            name: {"kind": client.kind, **_downloads(world, list(client.torrents.values()))}
            for name, client in world.download_clients.items()
        },
        "lidarr_queue": len(world.lidarr_queue()),
        "missing_albums": len(world.missing_albums()),
        "artists_to_request": artists_to_request(world),
        "navidrome": {
            "artists": world.nav_artists,
            "albums": world.nav_albums,
            "songs": world.nav_songs,
            "scanning": world.navidrome_scanning,
        },
        "vpn": {"status": world.vpn.status, "leak": world.vpn.leak},
        "push_cut": sorted(world.push_cut),
        "events": [[t.isoformat(), text] for t, text in world.events[-30:]],
    }


# ----------------------------------------------------------------------------- changes


async def _fault(sim: Simulator, route: Route, body: Json) -> Json:
    backends = sim.backend_names()
    name = _choice(route, body.get("backend"), "backend", backends)
    action = _choice(route, body.get("action", "set"), "action", ["set", "clear"])
    faults = [f.value for f in Fault]
    raw = body.get("fault")
    fault = Fault(_choice(route, raw, "fault", faults)) if raw is not None else None
    if action == "set" and fault is None:
        raise _refused(route, "set needs a fault", faults)
    if action == "set" and fault is not None:
        await sim.set_fault(name, fault)
    else:
        await sim.clear_fault(name, fault)
    return {"backend": name, "faults": sorted(sim.faults(name).faults)}


async def _advance(sim: Simulator, route: Route, body: Json) -> Json:
    seconds = body.get("seconds", 60)
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
        raise _refused(route, f"seconds must be a number, 0 or more, not {seconds!r}")
    await sim.advance(float(seconds))
    return {"now": sim.clock.now().isoformat()}


async def _vpn(sim: Simulator, route: Route, body: Json) -> Json:
    up, leak, change_ip = (_flag(route, body, key) for key in ("up", "leak", "change_ip"))
    if up is not None or leak is not None:
        sim.world.set_vpn(up=up, leak=leak)
    if change_ip:
        sim.world.change_vpn_ip()
    vpn = sim.world.vpn
    return {"status": vpn.status, "public_ip": vpn.public_ip, "leak": vpn.leak}


async def _container(sim: Simulator, route: Route, body: Json) -> Json:
    world = sim.world
    name = _choice(route, body.get("name"), "container", list(world.containers))
    health = body.get("health")
    if health is not None:
        health = Health(_choice(route, health, "health", [h.value for h in Health]))
    new_state = body.get("state")
    if new_state is not None:
        new_state = _choice(route, new_state, "state", list(CONTAINER_STATES))
    if _flag(route, body, "recreate"):
        world.recreate_container(name)
    if health is not None:
        world.set_container_health(name, health)
    if new_state is not None:
        world.set_container_state(name, new_state)
    container = world.containers[name]
    return {
        "name": name,
        "id": container.id,
        "state": container.state,
        "health": str(container.health),
    }


async def _push(sim: Simulator, route: Route, body: Json) -> Json:
    kind = _choice(route, body.get("backend"), "backend", ["lidarr", "navidrome"])
    cut = _flag(route, body, "cut")
    if cut is None:
        raise _refused(route, "cut (true or false) is required")
    if cut:
        sim.world.push_cut.add(kind)
    else:
        sim.world.push_cut.discard(kind)
    return {"backend": kind, "cut": kind in sim.world.push_cut}


async def _blockers(sim: Simulator, route: Route, body: Json) -> Json:
    world = sim.world
    peers, failing = _flag(route, body, "peers"), _flag(route, body, "indexers_failing")
    metadata_down = _flag(route, body, "metadata_down")
    scans_off = _flag(route, body, "scans_off")
    message = body.get("import_error")
    if message is not None and not isinstance(message, str):
        raise _refused(route, f"import_error must be a string, not {message!r}")
    free = body.get("disk_free_gib")
    if free is not None and (
        isinstance(free, bool) or not isinstance(free, int | float) or free < 0
    ):
        raise _refused(route, f"disk_free_gib must be a number, 0 or more, not {free!r}")
    if peers is not None:
        world.peers = peers
    if failing is not None:
        world.set_indexers_failing(failing)
    if message is not None:
        world.refuse_imports(message)
    if metadata_down is not None:
        world.metadata_down = metadata_down
    if scans_off is not None:
        world.navidrome_scans_off = scans_off
    if free is not None:
        world.download_disk_free = int(free * GIB)
    return {
        "peers": world.peers,
        "indexers_failing": sum(i.failing for i in world.indexers if i.enabled),
        "import_error": world.import_refusal,
        "metadata_down": world.metadata_down,
        "disk_free_gib": round(world.download_disk_free / GIB, 3),
        "scans_off": world.navidrome_scans_off,
    }


type Change = Callable[[Simulator, Route, Json], Awaitable[Json]]

_CHANGES: dict[str, Change] = {
    "/control/fault": _fault,
    "/control/advance": _advance,
    "/control/vpn": _vpn,
    "/control/container": _container,
    "/control/push": _push,
    "/control/blockers": _blockers,
}


# ----------------------------------------------------------------------------- routing


def _usage_of_all() -> Json:
    return {"routes": [route.usage() for route in ROUTES]}


def add_control_routes(app: web.Application, sim: Simulator) -> None:
    """Serve every route of :data:`ROUTES` (and helpful errors) on ``app``."""

    def handler(route: Route) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def handle(request: web.Request) -> web.Response:
            if request.method != route.method:
                return web.json_response(
                    {
                        "error": f"{route.path} takes {route.method}, not {request.method}",
                        "usage": route.usage(),
                    },
                    status=405,
                    headers={"Allow": route.method},
                )
            try:
                if route.method == "GET":
                    return web.json_response(state(sim))
                answer = await _CHANGES[route.path](sim, route, await _body(request, route))
            except ControlError as err:
                return web.json_response(err.body, status=err.status)
            return web.json_response(answer)

        return handle

    async def index(_: web.Request) -> web.Response:
        return web.json_response(_usage_of_all())

    async def unknown(request: web.Request) -> web.Response:
        return web.json_response(
            {"error": f"no control route {request.path}", **_usage_of_all()}, status=404
        )

    for route in ROUTES:
        app.router.add_route("*", route.path, handler(route))
    app.router.add_get("/control", index)
    app.router.add_route("*", "/control/{tail:.*}", unknown)
