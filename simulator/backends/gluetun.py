"""gluetun facade: the HTTP control server over the world's VPN.

Plays gluetun v3.41.1 (``spec.flavor = "3.40"`` plays v3.40.x: no ``/v1/portforward``, and
``/v1/openvpn/portforwarded`` answers itself instead of redirecting). Routes:
``GET /v1/version``, ``GET/PUT /v1/vpn/status`` (PUT stops or starts the world's VPN),
``GET /v1/publicip/ip`` (empty while the VPN is down), ``GET /v1/portforward`` and the legacy
``GET /v1/openvpn/portforwarded`` (301 to ``/v1/portforward`` from 3.41 on).

Auth (``spec.extra["auth"]``): ``none``, ``apikey`` (the default when ``spec.api_key`` is set;
header ``X-API-Key`` or query ``api_key``) or ``basic`` (``spec.username``/``spec.password``).
A refused request gets 401 ``Unauthorized``; unknown paths get 404 and wrong methods 405
before any auth check. ``AUTH_REVOKED`` refuses every credential.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from typing import Any

from aiohttp import web

from ..faults import Fault, Handler
from . import BackendContext

DEFAULT_VERSION = "v3.41.1"
COMMIT = "b1193252"
CREATED = "2025-11-02T18:04:11.000Z"
LEGACY_VERSION = "v3.40.3"


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def _basic_ok(request: web.Request, username: str, password: str) -> bool:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        user, _, given = base64.b64decode(value, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return _same(user, username) and _same(given, password)


def build_app(ctx: BackendContext) -> web.Application:
    """The gluetun control server over ``ctx.world.vpn``."""
    spec = ctx.spec
    world = ctx.world
    legacy = spec.flavor.startswith("3.40")
    mode = spec.extra.get("auth") or ("apikey" if spec.api_key else "none")

    def allowed(request: web.Request) -> bool:
        if ctx.faults.active(Fault.AUTH_REVOKED):
            return False
        if mode == "apikey":
            given = request.headers.get("X-API-Key") or request.query.get("api_key", "")
            return bool(given) and _same(given, spec.api_key)
        if mode == "basic":
            return _basic_ok(request, spec.username, spec.password)
        return True

    @web.middleware
    async def auth(request: web.Request, handler: Handler) -> web.StreamResponse:
        error = request.match_info.http_exception
        if error is not None:
            raise error
        if not allowed(request):
            headers = {"WWW-Authenticate": 'Basic realm="restricted"'} if mode == "basic" else {}
            return web.Response(status=401, text="Unauthorized", headers=headers)
        return await handler(request)

    async def version(_: web.Request) -> web.Response:
        name = LEGACY_VERSION if legacy else DEFAULT_VERSION
        return web.json_response({"version": name, "commit": COMMIT, "created": CREATED})

    async def vpn_status(_: web.Request) -> web.Response:
        return web.json_response({"status": world.vpn.status})

    async def put_vpn_status(request: web.Request) -> web.Response:
        try:
            body: Any = await request.json()
        except ValueError:
            return web.Response(status=400, text="cannot decode JSON body")
        status = body.get("status") if isinstance(body, dict) else None
        if status not in ("running", "stopped"):
            return web.Response(status=400, text=f"invalid status {status!r}")
        if status == world.vpn.status:
            return web.json_response({"outcome": f"already {status}"})
        world.set_vpn(up=status == "running")
        return web.json_response({"outcome": status})

    async def public_ip(_: web.Request) -> web.Response:
        vpn = world.vpn
        if not vpn.up:
            return web.json_response({"public_ip": ""})
        return web.json_response(
            {
                "public_ip": vpn.public_ip,
                "region": vpn.region,
                "country": vpn.country,
                "city": vpn.city,
                "organization": vpn.organization,
                "timezone": "Europe/Amsterdam",
            }
        )

    def forwarded() -> list[int]:
        return [world.vpn.forwarded_port] if world.vpn.up and world.vpn.forwarded_port else []

    async def port_forward(_: web.Request) -> web.Response:
        ports = forwarded()
        return web.json_response({"port": ports[0] if ports else 0, "ports": ports})

    async def legacy_port_forward(_: web.Request) -> web.Response:
        if not legacy:
            raise web.HTTPMovedPermanently("/v1/portforward")
        ports = forwarded()
        return web.json_response({"port": ports[0] if ports else 0})

    app = web.Application(middlewares=[auth])
    app.router.add_get("/v1/version", version)
    app.router.add_get("/v1/vpn/status", vpn_status)
    app.router.add_put("/v1/vpn/status", put_vpn_status)
    app.router.add_get("/v1/openvpn/status", vpn_status)
    app.router.add_get("/v1/publicip/ip", public_ip)
    app.router.add_get("/v1/openvpn/portforwarded", legacy_port_forward)
    if not legacy:
        app.router.add_get("/v1/portforward", port_forward)
    return app
