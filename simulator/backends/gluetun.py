"""gluetun facade: the HTTP control server (port 8000) over the world's VPN, per release.

``spec.flavor`` picks the release, each behaviour taken from qdm12/gluetun at that tag
(``internal/server/*``; compiled and driven by the research harness, see
``tests/simulator/data/gluetun/``):

- ``"3.39"`` (``"3.39.0"``): v3.39.0, no authentication at all;
- ``"3.40"`` (``"3.39.1"``, ``"3.40.0"`` ... ``"3.40.4"``): role-based auth with a public
  default role, the forwarded port at ``/v1/openvpn/portforwarded`` only;
- ``"3.41"`` (the default; ``"3.41.0"``, ``"3.41.1"``): ``/v1/portforward`` (the old route
  answers 301), ``HTTP_CONTROL_SERVER_AUTH_DEFAULT_ROLE``;
- ``"current"`` (``"latest"``): master b1193252, the Docker tag ``latest``: no route is open
  by default, 404/405 before auth, ``PUT /v1/portforward``, ``{"port", "ports"}`` replies.

Configuration (``spec.extra``, see :mod:`.gluetun_auth`): ``auth_config`` (the TOML auth
file), ``default_role`` (the JSON of ``HTTP_CONTROL_SERVER_AUTH_DEFAULT_ROLE``), ``vpn_type``
(``openvpn``, ``wireguard``) and ``ports`` (a JSON list of forwarded ports replacing the
world's one port; ``null``: the port-forwarding service has not started). Without
``auth_config`` and ``default_role``, ``spec.api_key`` (or ``spec.username`` and
``spec.password``) becomes what a user of that release would set: the default role on 3.41
and later, a file role granting StepheyBot Music's four routes on 3.40. A configuration the
release refuses raises :class:`GluetunStartupError` when the simulator starts.

Every request goes as in ``handler.go``: auth on ``METHOD + " " + path`` (no query string,
no slash trimming), then the router on the raw request URI with the query string, which is
why ``?api_key=`` breaks every route but ``/v1/portforward``. ``AUTH_REVOKED`` makes every
API key and Basic credential fail.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from ..faults import Fault
from . import BackendContext
from .gluetun_auth import (
    RULES_340,
    RULES_341,
    RULES_MASTER,
    AuthRules,
    Checker,
    GluetunStartupError,
    configure,
    lookup,
)

__all__ = [
    "FLAVORS",
    "SERVER",
    "GluetunServer",
    "GluetunStartupError",
    "Release",
    "build_app",
    "release_of",
]

TEXT = "text/plain; charset=utf-8"
HTML = "text/html; charset=utf-8"
CLIENT_ROUTES_340 = (
    "GET /v1/version",
    "GET /v1/vpn/status",
    "GET /v1/publicip/ip",
    "GET /v1/openvpn/portforwarded",
)
"""The role a 3.40 user gives StepheyBot Music (the README's snippet)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Release:
    """One gluetun release as the control server shows it."""

    flavor: str
    version: str
    commit: str
    """7 characters (``.github/workflows/ci.yml``: ``cut -c1-7``)."""
    created: str
    auth: AuthRules | None
    """None: v3.39.0 and older have no auth middleware."""
    portforward_route: bool
    """``/v1/portforward`` exists (handlerv1.go @ v3.41.0+)."""
    not_found_before_auth: bool
    """middlewares/auth/middleware.go @ master:33-43 (commit 3b9c9b24)."""
    ports_and_port: bool
    """master's ``{"port", "ports"}`` reply (wrappers.go @ master:25-28, commit 763c5be1)."""


def _release(
    flavor: str, version: str, commit: str, created: str, auth: AuthRules | None
) -> Release:
    newer = auth is not None and auth is not RULES_340
    return Release(
        flavor=flavor,
        version=version,
        commit=commit,
        created=created,
        auth=auth,
        portforward_route=newer,
        not_found_before_auth=auth is RULES_MASTER,
        ports_and_port=auth is RULES_MASTER,
    )


# tag -> commit and commit date (git log -1 --format=%H/%cI <tag>)
FLAVORS: dict[str, Release] = {
    "3.39.0": _release("3.39", "v3.39.0", "09c47c7", "2024-08-09T07:43:48Z", None),
    "3.39.1": _release("3.40", "v3.39.1", "67ae5f5", "2024-09-29T17:53:17Z", RULES_340),
    "3.40.0": _release("3.40", "v3.40.0", "e890c50", "2024-12-25T20:05:55Z", RULES_340),
    "3.40.1": _release("3.40", "v3.40.1", "c930a4e", "2025-11-15T17:11:12Z", RULES_340),
    "3.40.2": _release("3.40", "v3.40.2", "daff23b", "2025-11-18T13:52:45Z", RULES_340),
    "3.40.3": _release("3.40", "v3.40.3", "01e9274", "2025-11-18T21:26:53Z", RULES_340),
    "3.40.4": _release("3.40", "v3.40.4", "bb4e61f", "2025-12-24T03:18:02Z", RULES_340),
    "3.41.0": _release("3.41", "v3.41.0", "a10349e", "2025-12-24T20:29:05Z", RULES_341),
    "3.41.1": _release("3.41", "v3.41.1", "7f22fb3", "2026-02-11T14:13:34Z", RULES_341),
    # master b1193252 is built as the Docker tag latest, which reports "latest" (ci.yml)
    "current": _release("current", "latest", "b119325", "2026-05-19T03:03:30Z", RULES_MASTER),
}
_ALIASES = {"": "3.41.1", "3.39": "3.39.0", "3.40": "3.40.4", "3.41": "3.41.1", "latest": "current"}


def release_of(flavor: str) -> Release:
    """The release a flavor names: ``3.39``, ``3.40``, ``3.41`` (default), ``current``, or a tag."""
    key = _ALIASES.get(flavor.removeprefix("v"), flavor.removeprefix("v"))
    if key not in FLAVORS:
        raise ValueError(
            f"unknown gluetun flavor {flavor!r}; use 3.39, 3.40, 3.41, current or a release "
            f"({', '.join(k for k in FLAVORS if k != 'current')})"
        )
    return FLAVORS[key]


# --------------------------------------------------------------------------- replies


def _error(status: int, text: str, headers: dict[str, str] | None = None) -> web.Response:
    """``http.Error``: the text and a newline, text/plain, nosniff."""
    return web.Response(
        status=status,
        body=(text + "\n").encode(),
        headers={"Content-Type": TEXT, "X-Content-Type-Options": "nosniff", **(headers or {})},
    )


def _json(data: Any) -> web.Response:
    """``json.NewEncoder(w).Encode``: compact JSON and a newline; Go sniffs it as text/plain."""
    body = json.dumps(data, separators=(",", ":")) + "\n"
    return web.Response(body=body.encode(), headers={"Content-Type": TEXT})


def _text(text: str) -> web.Response:
    """``w.Write`` of a plain sentence (sniffed text/plain, no newline)."""
    return web.Response(body=text.encode(), headers={"Content-Type": TEXT})


def _redirect(status: int, location: str) -> web.Response:
    """``http.Redirect`` of a GET: a tiny HTML body naming the target."""
    reason = {301: "Moved Permanently", 308: "Permanent Redirect"}[status]
    return web.Response(
        status=status,
        body=f'<a href="{location}">{reason}</a>.\n\n'.encode(),
        headers={"Content-Type": HTML, "Location": location},
    )


# --------------------------------------------------------------------------- the server


class GluetunServer:
    """The control server's state and its router (``app[SERVER]``)."""

    def __init__(self, ctx: BackendContext) -> None:
        spec = ctx.spec
        self.ctx = ctx
        self.release = release_of(spec.flavor)
        self.vpn_type = spec.extra.get("vpn_type", "openvpn")
        ports = spec.extra.get("ports")
        self.ports: list[int] | None = json.loads(ports) if ports is not None else []
        self.fixed_ports = ports is not None
        """False: the world's forwarded port, while the VPN is up."""
        self.loops = {"dns": "running", "updater": "completed"}
        self.routes: dict[str, list[tuple[str, Checker]]] | None = None
        rules = self.release.auth
        if rules is not None:
            self.reconfigure(*self._auth_config(rules))

    def reconfigure(self, auth_file: str | None, default_role: str | None = None) -> None:
        """Run with another auth file and default role, as after editing them and restarting.

        Raises :class:`GluetunStartupError` (and keeps the old roles) when gluetun would not
        start; does nothing on releases without auth.
        """
        rules = self.release.auth
        if rules is not None:
            roles = configure(rules, auth_file, default_role if rules.default_role_env else None)
            self.routes = lookup(roles, self._revoked)

    def _revoked(self) -> bool:
        return self.ctx.faults.active(Fault.AUTH_REVOKED)

    def _auth_config(self, rules: AuthRules) -> tuple[str | None, str | None]:
        """The auth file and default role, from ``spec.extra`` or the spec's credentials."""
        spec = self.ctx.spec
        auth_file = spec.extra.get("auth_config")
        default_role = spec.extra.get("default_role") if rules.default_role_env else None
        if "auth_config" in spec.extra or "default_role" in spec.extra:
            return auth_file, default_role
        role: dict[str, str] = {}
        if spec.api_key:
            role = {"auth": "apikey", "apikey": spec.api_key}
        elif spec.username or spec.password:
            role = {"auth": "basic", "username": spec.username, "password": spec.password}
        if not role:
            return None, None
        if rules.default_role_env:
            return None, json.dumps(role)
        lines = ["[[roles]]", 'name = "stepheybot-music"']
        lines += [f"{key} = {json.dumps(value)}" for key, value in role.items()]
        lines.append(f"routes = {json.dumps(list(CLIENT_ROUTES_340))}")
        return "\n".join(lines) + "\n", None

    # ----------------------------------------------------------------- pipeline

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Log → auth → router (handler.go @ v3.40.4:41-48)."""
        if self.routes is not None:
            refused = self._authenticate(request)
            if refused is not None:
                return refused
        return await self._route(request)

    def _authenticate(self, request: web.Request) -> web.Response | None:
        """middlewares/auth/middleware.go @ v3.41.1:53-89 (and @ master:33-43 first)."""
        assert self.routes is not None
        rules = self.release.auth
        assert rules is not None
        path = request.path
        if self.release.not_found_before_auth:
            methods = {r.split(" ", 1)[0] for r in rules.valid_routes if r.split(" ", 1)[1] == path}
            if not methods:
                return _error(404, "Not Found")
            if request.method not in methods:
                return _error(405, "Method Not Allowed")  # no Allow header
        roles = self.routes.get(f"{request.method} {path}", [])
        headers: dict[str, str] = {}
        for _name, check in roles:
            if check(request, headers):
                return None
        # headers (WWW-Authenticate) are flushed only when every role failed
        return _error(401, "Unauthorized", headers)

    async def _route(self, request: web.Request) -> web.StreamResponse:
        """``handler.ServeHTTP``: one trailing slash off the raw URI (query included)."""
        uri = request.raw_path.removesuffix("/")
        if not uri.startswith("/v1/") and uri != "/v1":
            return self._v0(request, uri)
        return await self._v1(request, uri.removeprefix("/v1"))

    def _v0(self, request: web.Request, uri: str) -> web.Response:
        """handlerv0.go @ v3.40.4:30-68 (the legacy port route 308s to the new one on 3.41+)."""
        if request.method != "GET":
            return _error(400, "unversioned API: only supports GET method")
        world = self.ctx.world
        if uri == "/version":
            return _redirect(308, "/v1/version")
        if uri == "/openvpn/actions/restart":
            world.set_vpn(up=True)
            return _text("openvpn restarted, please consider using the /v1/ API in the future.")
        if uri == "/unbound/actions/restart":
            return _text("dns restarted, please consider using the /v1/ API in the future.")
        if uri == "/openvpn/portforwarded":
            target = "/v1/portforward" if self.release.portforward_route else None
            return _redirect(308, target or "/v1/openvpn/portforwarded")
        if uri == "/openvpn/settings":
            return _redirect(308, "/v1/openvpn/settings")
        if uri == "/updater/restart":
            return _text("updater restarted, please consider using the /v1/ API in the future.")
        return _error(400, "unversioned API: requested URI not found")

    async def _v1(self, request: web.Request, uri: str) -> web.Response:
        """handlerv1.go @ v3.41.1:38-57: dispatch by prefix, else 400."""
        method = request.method
        if uri == "/version" and method == "GET":
            release = self.release
            return _json(
                {"version": release.version, "commit": release.commit, "created": release.created}
            )
        if uri.startswith("/vpn"):
            return await self._vpn(request, uri.removeprefix("/vpn"))
        if uri.startswith("/openvpn"):
            return await self._openvpn(request, uri.removeprefix("/openvpn"))
        for loop in ("/dns", "/updater"):
            if uri.startswith(loop):
                return await self._loop(request, loop[1:], uri.removeprefix(loop))
        if uri.startswith("/publicip"):
            return self._public_ip(request, uri.removeprefix("/publicip"))
        if uri.startswith("/portforward") and self.release.portforward_route:
            return await self._portforward(request)
        return _error(400, f"{method} {uri} not found")

    # ----------------------------------------------------------------- handlers

    async def _vpn(self, request: web.Request, rest: str) -> web.Response:
        """vpn.go @ v3.40.4: ``/status`` GET/PUT, ``/settings`` GET/PUT."""
        world = self.ctx.world
        if rest == "/status":
            if request.method == "GET":
                return _json({"status": world.vpn.status})
            if request.method == "PUT":
                return await self._apply(request, world.vpn.status, self._set_vpn)
        elif rest == "/settings":
            if request.method == "GET":
                # the real reply is every VPN setting (v3.39.0 even shows the credentials);
                # StepheyBot Music never reads it: the type is enough to play the route
                return _json({"type": self.vpn_type})
            if request.method == "PUT":
                try:
                    await request.json()
                except ValueError as err:
                    return _error(400, str(err))
                return _text("settings left unchanged")  # vpn/state/vpn.go @ v3.41.1:25
        else:
            return _error(400, f"route {rest} not supported")
        return _error(400, f"method {request.method} not supported")

    async def _openvpn(self, request: web.Request, rest: str) -> web.Response:
        """openvpn.go @ v3.40.4 / @ v3.41.1:46-52 (301 from the old port route)."""
        world = self.ctx.world
        method = request.method
        if rest == "/status":
            if method == "GET":
                # openvpn.go @ v3.40.4:61-70: "stopped" unless the VPN type is OpenVPN
                up = world.vpn.status != "stopped" and self.vpn_type == "openvpn"
                return _json({"status": world.vpn.status if up else "stopped"})
            if method == "PUT":
                return await self._apply(request, world.vpn.status, self._set_vpn)
        elif rest == "/settings":
            if method == "GET":
                return _json({"user": ""})
        elif rest == "/portforwarded":
            if method == "GET":
                if self.release.portforward_route:
                    return _redirect(301, "/v1/portforward")
                return _json(self._ports_reply())
        else:
            return _error(400, f"route {rest} not supported")
        return _error(400, f"method {method} not supported")

    async def _loop(self, request: web.Request, name: str, rest: str) -> web.Response:
        """dns.go and updater.go @ v3.40.4: ``/status`` GET/PUT."""
        if rest != "/status":
            return _error(400, f"route {rest} not supported")
        if request.method == "GET":
            return _json({"status": self.loops[name]})
        if request.method == "PUT":

            def change(status: str) -> None:
                self.loops[name] = status

            return await self._apply(request, self.loops[name], change)
        return _error(400, f"method {request.method} not supported")

    def _public_ip(self, request: web.Request, rest: str) -> web.Response:
        """publicip.go; models/publicip.go @ v3.41.1: ``{"public_ip":""}`` while cleared."""
        if rest != "/ip":
            return _error(400, f"route {rest} not supported")
        if request.method != "GET":
            return _error(400, f"method {request.method} not supported")
        vpn = self.ctx.world.vpn
        if not vpn.up:  # publicip/data.go @ v3.41.1:13-15, ClearData
            return _json({"public_ip": ""})
        return _json(
            {
                "public_ip": vpn.public_ip,
                "region": vpn.region,
                "country": vpn.country,
                "city": vpn.city,
                "organization": vpn.organization,
                "timezone": "Europe/Amsterdam",
            }
        )

    async def _portforward(self, request: web.Request) -> web.Response:
        """portforward.go @ v3.41.1:25-52; @ master:25-71 adds PUT (commit 724cd3a1)."""
        if request.method == "GET":
            return _json(self._ports_reply())
        if request.method == "PUT" and self.release.ports_and_port:
            try:
                body = await request.json()
            except ValueError:
                body = None
            ports = body.get("ports") if isinstance(body, dict) else False
            if ports is not None and not (
                isinstance(ports, list) and all(isinstance(p, int) for p in ports)
            ):
                return _error(400, "failed setting forwarded ports")
            self.ports, self.fixed_ports = ports, True
            return web.Response(status=200)
        return _error(400, f"method {request.method} not supported")

    # ----------------------------------------------------------------- state

    def _forwarded(self) -> list[int] | None:
        """The ports now forwarded; None before the service ever started."""
        vpn = self.ctx.world.vpn
        if self.fixed_ports:
            return self.ports if self.ports is None or vpn.up else []
        return [vpn.forwarded_port] if vpn.up and vpn.forwarded_port else []

    def _ports_reply(self) -> dict[str, Any]:
        """openvpn.go @ v3.40.4:126-144 / portforward.go @ v3.41.1:34-52 / @ master:37-49."""
        ports = self._forwarded()
        if self.release.ports_and_port:
            return {"port": ports[0] if ports else 0, "ports": ports}
        if ports is None or len(ports) < 2:
            return {"port": ports[0] if ports else 0}
        return {"ports": ports}  # two or more: no "port" key

    def _set_vpn(self, status: str) -> None:
        self.ctx.world.set_vpn(up=status == "running")

    async def _apply(
        self, request: web.Request, current: str, change: Callable[[str], None]
    ) -> web.Response:
        """A ``PUT .../status``: loopstate/apply.go @ v3.41.1:34-74 and wrappers.go."""
        try:
            body = await request.json()
        except ValueError:
            # encoding/json says "EOF" for an empty body; other texts are ours, not Go's
            return _error(400, "EOF" if not await request.read() else "invalid JSON body")
        status = body.get("status") if isinstance(body, dict) else None
        if status not in ("running", "stopped"):
            return _error(400, f"invalid status: {status}: possible values are: stopped, running")
        if status == "running" and current not in ("stopped", "completed"):
            return _json({"outcome": f"already {current}"})
        if status == "stopped" and current != "running":
            return _json({"outcome": f"already {current}"})
        change(status)
        return _json({"outcome": status})


def build_app(ctx: BackendContext) -> web.Application:
    """The gluetun control server over ``ctx.world.vpn``; raises when gluetun would not start."""
    server = GluetunServer(ctx)
    app = web.Application()
    app[SERVER] = server
    app.router.add_route("*", "/{tail:.*}", server.handle)
    return app


SERVER = web.AppKey("gluetun", GluetunServer)
"""The control server of a running gluetun facade (``runner.app[SERVER]``)."""
