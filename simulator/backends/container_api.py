r"""What Docker Engine and podman's Docker-compatible service share.

The routes, the ``filters`` query, inspect and docker-socket-proxy in front; an
:class:`EngineFlavour` fills in what differs.

- ``GET /_ping``, ``GET /version``.
- ``GET /containers/json``: running containers, or all with ``all=1``; ``filters`` (JSON)
  with ``name`` (regex search), ``id`` (prefix), ``status`` and ``health``. Keys are ANDed, the
  values of one key ORed (moby daemon/list.go@docker-v29.7.2; podman
  libpod/runtime_ctr.go@v5.8.2:1275-1290).
- ``GET /containers/{id|name}/json``: inspect.
- ``spec.extra["proxy"] = "1"`` plays tecnativa/docker-socket-proxy with its defaults plus
  ``CONTAINERS=1``; ``spec.extra["containers"] = "0"`` the proxy with ``CONTAINERS=0``. Its
  HAProxy rules allow ``^(/v[\d.]+)?/<section>`` of the enabled sections and deny the rest
  with HAProxy's 403 page (haproxy.cfg@a6fbf38:48-77; PING, VERSION and EVENTS default to 1,
  Dockerfile@a6fbf38), so podman's ``/v4.0.0/libpod/...`` is refused.
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

PROXY_403 = (
    "<html><body><h1>403 Forbidden</h1>\nRequest forbidden by administrative rules.\n"
    "</body></html>\n"
)
PROXY_DEFAULT_SECTIONS = ("_ping", "version", "events")
ZERO_TIME = "0001-01-01T00:00:00Z"


def human_duration(seconds: float) -> str:
    """Docker's ``units.HumanDuration`` (as in ``Up 3 minutes``), podman uses the same."""
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


def recorded_health(container: Container) -> Health:
    """The last healthcheck result the engine keeps.

    Kept after the container stops (moby daemon/container/view.go@docker-v29.7.2:293-299; podman
    libpod/healthcheck.go@v5.8.2:456-481); none before it ever started (Docker starts the
    monitor on start).
    """
    if container.state in ("created", "initialized"):
        return Health.NONE
    return container.health


def parse_filters(raw: str | None) -> dict[str, list[str]]:
    """The ``filters`` query: ``{"name": ["x"]}`` or the legacy ``{"name": {"x": true}}``."""
    if not raw:
        return {}
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise TypeError("filters must be an object")
    return {
        str(key): [str(v) for v in value] if isinstance(value, list) else list(value)
        for key, value in data.items()
    }


class EngineFlavour:
    """What one engine release sends; the base is what both engines share."""

    api: str
    """The Docker API version on unversioned paths."""

    def state(self, container: Container) -> str:
        """The list's ``State`` string."""
        raise NotImplementedError

    def listed_by_default(self, container: Container) -> bool:
        """Whether the list without ``all`` shows the container."""
        return self.state(container) == "running"

    def inspect_status(self, container: Container) -> str:
        """Inspect's ``State.Status``."""
        return self.state(container)

    def headers(self) -> dict[str, str]:
        """Headers on every reply of the daemon."""
        raise NotImplementedError

    def ping_headers(self) -> dict[str, str]:
        """The headers ``/_ping`` adds."""
        raise NotImplementedError

    def version_body(self) -> dict[str, Any]:
        """``/version``."""
        raise NotImplementedError

    def list_row(self, container: Container, now: datetime) -> dict[str, Any]:
        """One row of ``/containers/json``."""
        raise NotImplementedError

    def health_filter(self, values: list[str]) -> Callable[[Container], bool] | web.Response:
        """The ``health`` filter's test, or the error reply to an invalid value."""
        raise NotImplementedError

    def inspect_health(self, container: Container, now: datetime) -> dict[str, Any] | None:
        """Inspect's ``State.Health``; None leaves it out."""
        raise NotImplementedError

    def inspect_extra(self, container: Container) -> dict[str, Any]:
        """Engine-specific top-level inspect keys."""
        return {}

    def error(self, status: int, text: str) -> web.Response:
        """An error reply of the daemon (bad filter, no such container)."""
        raise NotImplementedError

    def not_found(self) -> web.Response:
        """The reply to a path the daemon does not serve (no route: no per-route headers)."""
        raise NotImplementedError

    def add_routes(self, app: web.Application, ctx: BackendContext) -> None:
        """Routes only this engine serves."""


def health_log(container: Container, now: datetime) -> list[dict[str, Any]]:
    """A one-entry ``State.Health.Log`` matching the health."""
    return [
        {
            "Start": go_time(now),
            "End": go_time(now),
            "ExitCode": 1 if container.health is Health.UNHEALTHY else 0,
            "Output": "simulated healthcheck",
        }
    ]


def _name_filter(_: EngineFlavour, values: list[str]) -> Callable[[Container], bool]:
    """A regex search in ``/name``.

    podman strips the slash and searches the bare name
    (pkg/domain/filters/containers.go@v5.8.2:37-45): the same result for our names.
    """
    patterns = [re.compile(v) for v in values]
    return lambda c: any(p.search("/" + c.name) for p in patterns)


def _id_filter(_: EngineFlavour, values: list[str]) -> Callable[[Container], bool]:
    return lambda c: any(c.id.startswith(v) for v in values)


def _status_filter(flavour: EngineFlavour, values: list[str]) -> Callable[[Container], bool]:
    return lambda c: flavour.inspect_status(c) in values


_FILTERS: dict[str, Callable[[EngineFlavour, list[str]], Callable[[Container], bool]]] = {
    "name": _name_filter,
    "id": _id_filter,
    "status": _status_filter,
}


def build_engine_app(ctx: BackendContext, flavour: EngineFlavour) -> web.Application:
    """The container API of ``flavour`` over ``ctx.world.containers``."""
    world = ctx.world
    extra = ctx.spec.extra
    proxied = extra.get("proxy") == "1" or extra.get("containers") == "0"
    sections = PROXY_DEFAULT_SECTIONS + (() if extra.get("containers") == "0" else ("containers",))
    allowed = re.compile(r"^(/v[\d.]+)?/(" + "|".join(re.escape(s) for s in sections) + ")", re.I)

    @web.middleware
    async def engine(request: web.Request, handler: Handler) -> web.StreamResponse:
        if proxied and not allowed.match(request.path):
            return web.Response(status=403, text=PROXY_403, content_type="text/html")
        error = request.match_info.http_exception
        if isinstance(error, web.HTTPNotFound):
            return flavour.not_found()
        response = await handler(request)
        for key, value in flavour.headers().items():
            response.headers.setdefault(key, value)
        return response

    async def ping(_: web.Request) -> web.Response:
        return web.Response(text="OK", headers=flavour.ping_headers())

    async def version(_: web.Request) -> web.Response:
        return web.json_response(flavour.version_body())

    def selector(filters: dict[str, list[str]]) -> Callable[[Container], bool] | web.Response:
        checks: list[Callable[[Container], bool]] = []
        for key, values in filters.items():
            if key == "health":
                test = flavour.health_filter(values)
                if isinstance(test, web.Response):
                    return test
                checks.append(test)
            elif key in _FILTERS:
                checks.append(_FILTERS[key](flavour, values))
        return lambda c: all(check(c) for check in checks)

    async def containers(request: web.Request) -> web.Response:
        show_all = request.query.get("all", "") in ("1", "true", "True")
        try:
            filters = parse_filters(request.query.get("filters"))
            keep = selector(filters)
        except (ValueError, TypeError, re.error) as err:
            return flavour.error(500, f"failed to decode filter parameters: {err}")
        if isinstance(keep, web.Response):
            return keep
        now = ctx.clock.now()
        rows = [
            flavour.list_row(c, now)
            for c in world.containers.values()
            if (show_all or flavour.listed_by_default(c)) and keep(c)
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
            return flavour.error(404, f"No such container: {ref}")
        now = ctx.clock.now()
        status = flavour.inspect_status(container)
        running = status in ("running", "paused", "restarting")
        state: dict[str, Any] = {
            "Status": status,
            "Running": running,
            "Paused": status == "paused",
            "Restarting": status == "restarting",
            "OOMKilled": False,
            "Dead": status == "dead",
            "Pid": 4242 if running else 0,
            "ExitCode": container.exit_code,
            "Error": "",
            "StartedAt": ZERO_TIME if status == "created" else go_time(container.started_at),
            "FinishedAt": ZERO_TIME if running or status == "created" else go_time(now),
        }
        health = flavour.inspect_health(container, now)
        if health is not None:
            state["Health"] = health
        config: dict[str, Any] = {"Image": container.image, "Labels": {}}
        if container.health is not Health.NONE:
            config["Healthcheck"] = {
                "Test": ["CMD-SHELL", "/healthcheck"],
                "Interval": 30_000_000_000,
                "Timeout": 5_000_000_000,
                "Retries": 3,
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
                "Config": config,
                "HostConfig": {"NetworkMode": "bridge"},
                "NetworkSettings": {"Networks": {}},
                "Mounts": [],
                **flavour.inspect_extra(container),
            }
        )

    app = web.Application(middlewares=[engine])
    app.router.add_get("/_ping", ping)
    app.router.add_get("/version", version)
    app.router.add_get("/containers/json", containers)
    app.router.add_get("/containers/{ref}/json", inspect)
    flavour.add_routes(app, ctx)
    return app
