"""Docker Engine facade: ``/_ping``, ``/version`` and the container list/inspect of the world.

Plays Docker Engine 29 (API 1.52, whose container summary carries ``Health``);
``spec.flavor`` names another API version, e.g. ``"1.47"`` (Engine 27, no ``Health`` in the
summary: clients must read the ``Status`` text). Served over TCP and, by the server, the
unix socket ``Simulator.docker_socket_path()``.

- ``GET /containers/json``: running containers, or all with ``all=1``; ``filters`` (JSON)
  with ``name`` (regex search in ``/name``), ``id`` (prefix), ``status`` and ``health``.
- ``GET /containers/{id|name}/json``: inspect with ``State.Health`` (absent without a
  healthcheck); 404 ``{"message": "No such container: x"}``.
- ``spec.extra["containers"] = "0"`` plays docker-socket-proxy with ``CONTAINERS=0``: HAProxy's
  403 page for ``/containers/...``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from aiohttp import web

from ..faults import Handler
from ..model import Container, Health
from . import BackendContext

DEFAULT_API = "1.52"
ENGINES = {"1.52": "29.0.1", "1.51": "28.5.2", "1.47": "27.5.1", "1.41": "20.10.24"}
HEALTH_IN_SUMMARY = (1, 52)
_PROXY_403 = (
    "<html><body><h1>403 Forbidden</h1>\nRequest forbidden by administrative rules.\n"
    "</body></html>\n"
)
_HEALTHY_STATES = frozenset({"running", "paused", "restarting"})
_ZERO_TIME = "0001-01-01T00:00:00Z"


def human_duration(seconds: float) -> str:
    """Docker's ``units.HumanDuration`` (as in ``Up 3 minutes``)."""
    if seconds < 1:
        return "Less than a second"
    if int(seconds) == 1:
        return "1 second"
    if seconds < 60:
        return f"{int(seconds)} seconds"
    minutes = int(seconds / 60)
    if minutes == 1:
        return "About a minute"
    if minutes < 60:
        return f"{minutes} minutes"
    hours = round(seconds / 3600)
    if hours == 1:
        return "About an hour"
    if hours < 48:
        return f"{hours} hours"
    if hours < 24 * 7 * 2:
        return f"{hours // 24} days"
    if hours < 24 * 30 * 2:
        return f"{hours // 24 // 7} weeks"
    if hours < 24 * 365 * 2:
        return f"{hours // 24 // 30} months"
    return f"{hours // 24 // 365} years"


def go_time(moment: datetime) -> str:
    """A timestamp as Docker writes it (RFC 3339 with nanoseconds, ``Z``)."""
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond:06d}417Z"


def _health(container: Container) -> Health:
    return container.health if container.state in _HEALTHY_STATES else Health.NONE


def status_text(container: Container, now: datetime) -> str:
    """The summary's ``Status`` (``container/state.go String()``)."""
    up = human_duration((now - container.started_at).total_seconds())
    match container.state:
        case "running":
            suffix = {
                Health.HEALTHY: " (healthy)",
                Health.UNHEALTHY: " (unhealthy)",
                Health.STARTING: " (health: starting)",
            }.get(container.health, "")
            return f"Up {up}{suffix}"
        case "paused":
            return f"Up {up} (Paused)"
        case "restarting":
            return f"Restarting ({container.exit_code}) {up} ago"
        case "exited":
            return f"Exited ({container.exit_code}) {up} ago"
        case "removing":
            return "Removal In Progress"
        case "dead":
            return "Dead"
    return "Created"


def _api_tuple(version: str) -> tuple[int, int]:
    major, _, minor = version.partition(".")
    return int(major), int(minor or 0)


def _filters(raw: str | None) -> dict[str, list[str]]:
    if not raw:
        return {}
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise TypeError("filters must be an object")
    out: dict[str, list[str]] = {}
    for key, value in data.items():
        # both forms: {"name": ["x"]} and the legacy {"name": {"x": true}}
        out[str(key)] = [str(v) for v in value] if isinstance(value, list) else list(value)
    return out


def _matches(container: Container, filters: dict[str, list[str]]) -> bool:
    checks: dict[str, Callable[[str], bool]] = {
        "name": lambda v: re.search(v, "/" + container.name) is not None,
        "id": container.id.startswith,
        "status": lambda v: v == container.state,
        "health": lambda v: v == _health(container),
    }
    for key, values in filters.items():
        check = checks.get(key)
        if check is not None and not any(check(v) for v in values):
            return False
    return True


def build_app(ctx: BackendContext) -> web.Application:
    """The Docker Engine API over ``ctx.world.containers``."""
    world = ctx.world
    api = ctx.spec.flavor or DEFAULT_API
    engine = ENGINES.get(api, "24.0.9")
    health_in_summary = _api_tuple(api) >= HEALTH_IN_SUMMARY
    proxy_blocks_containers = ctx.spec.extra.get("containers") == "0"

    def message(status: int, text: str) -> web.Response:
        return web.json_response({"message": text}, status=status)

    @web.middleware
    async def engine_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
        if proxy_blocks_containers and request.path.lstrip("/").split("/")[0] == "containers":
            return web.Response(status=403, text=_PROXY_403, content_type="text/html")
        error = request.match_info.http_exception
        if isinstance(error, web.HTTPNotFound):
            return message(404, "page not found")
        return await handler(request)

    async def ping(_: web.Request) -> web.Response:
        return web.Response(
            text="OK",
            headers={
                "Api-Version": api,
                "Builder-Version": "2",
                "Docker-Experimental": "false",
                "OSType": "linux",
                "Swarm": "inactive",
                "Cache-Control": "no-cache, no-store, must-revalidate",
            },
        )

    async def version(_: web.Request) -> web.Response:
        return web.json_response(
            {
                "Platform": {"Name": "Docker Engine - Community"},
                "Version": engine,
                "ApiVersion": api,
                "MinAPIVersion": "1.44" if health_in_summary else "1.24",
                "GitCommit": "5a1c3f0",
                "GoVersion": "go1.24.9",
                "Os": "linux",
                "Arch": "amd64",
                "KernelVersion": "6.12.48-simulated",
                "BuildTime": "2025-11-07T10:11:12.000000000+00:00",
            },
            headers={"Api-Version": api},
        )

    def summary(container: Container, now: datetime) -> dict[str, Any]:
        item: dict[str, Any] = {
            "Id": container.id,
            "Names": ["/" + container.name],
            "Image": container.image,
            "ImageID": "sha256:" + container.id[::-1],
            "Command": "/init",
            "Created": int(container.created.timestamp()),
            "Ports": [],
            "Labels": {"com.docker.compose.project": "stepheybot-music"},
            "State": container.state,
            "Status": status_text(container, now),
            "HostConfig": {"NetworkMode": "bridge"},
            "NetworkSettings": {"Networks": {}},
            "Mounts": [],
        }
        if health_in_summary:
            item["Health"] = {
                "Status": _health(container),
                "FailingStreak": container.failing_streak,
            }
        return item

    async def containers(request: web.Request) -> web.Response:
        show_all = request.query.get("all", "") in ("1", "true", "True")
        try:
            filters = _filters(request.query.get("filters"))
        except (ValueError, TypeError, re.error) as err:
            return message(400, f"invalid filter: {err}")
        now = ctx.clock.now()
        rows = [
            summary(c, now)
            for c in world.containers.values()
            if (show_all or c.state == "running") and _matches(c, filters)
        ]
        return web.json_response(rows)

    def find(ref: str) -> Container | None:
        ref = ref.lstrip("/")
        if ref in world.containers:
            return world.containers[ref]
        return next((c for c in world.containers.values() if ref and c.id.startswith(ref)), None)

    async def inspect(request: web.Request) -> web.Response:
        ref = request.match_info["ref"]
        container = find(ref)
        if container is None:
            return message(404, f"No such container: {ref}")
        now = ctx.clock.now()
        running = container.state in ("running", "paused", "restarting")
        state: dict[str, Any] = {
            "Status": container.state,
            "Running": running,
            "Paused": container.state == "paused",
            "Restarting": container.state == "restarting",
            "OOMKilled": False,
            "Dead": container.state == "dead",
            "Pid": 4242 if running else 0,
            "ExitCode": container.exit_code,
            "Error": "",
            "StartedAt": go_time(container.started_at),
            "FinishedAt": _ZERO_TIME if running or container.state == "created" else go_time(now),
        }
        if container.health is not Health.NONE:
            state["Health"] = {
                "Status": container.health,
                "FailingStreak": container.failing_streak,
                "Log": [
                    {
                        "Start": go_time(now),
                        "End": go_time(now),
                        "ExitCode": 1 if container.health is Health.UNHEALTHY else 0,
                        "Output": "simulated healthcheck",
                    }
                ],
            }
        return web.json_response(
            {
                "Id": container.id,
                "Created": go_time(container.created),
                "Path": "/init",
                "Args": [],
                "State": state,
                "Image": "sha256:" + container.id[::-1],
                "Name": "/" + container.name,
                "RestartCount": 0,
                "Config": {"Image": container.image, "Labels": {}},
                "HostConfig": {"NetworkMode": "bridge"},
                "NetworkSettings": {"Networks": {}},
                "Mounts": [],
            }
        )

    app = web.Application(middlewares=[engine_errors])
    app.router.add_get("/_ping", ping)
    app.router.add_get("/version", version)
    app.router.add_get("/containers/json", containers)
    app.router.add_get("/containers/{ref}/json", inspect)
    return app
