"""Async client of gluetun's HTTP control server (default port 8000).

Since v3.40 the control server has role-based auth (``none``, ``apikey`` via ``X-API-Key``,
``basic``), and since v3.41.1 no route is open by default: a user must grant this client a
role. The client therefore takes an optional API key or Basic credentials and explains the
setup when it gets HTTP 401.
"""

from __future__ import annotations

import base64
import json
from typing import Any, ClassVar

import aiohttp

from stepheybot_music_clients.errors import InvalidAuthError, WrongApplicationError
from stepheybot_music_clients.gluetun.models import GluetunBuild, PortForward, PublicIp, VpnStatus
from stepheybot_music_clients.models import BackendInfo, BackendKind
from stepheybot_music_clients.transport import (
    DEFAULT_TIMEOUT,
    HttpClient,
    Response,
    parsing,
    snippet,
)

ROUTES = ("GET /v1/version", "GET /v1/vpn/status", "GET /v1/publicip/ip", "GET /v1/portforward")
"""The routes this client reads; a gluetun role for it must list them."""
_SETUP = (
    "Since 3.41.1 gluetun makes every control-server route private. Grant StepheyBot Music "
    'a role: set HTTP_CONTROL_SERVER_AUTH_DEFAULT_ROLE=\'{"auth":"apikey","apikey":'
    '"<a long random key>"}\' on the gluetun container, or add a role with auth = "apikey" '
    "and the routes " + ", ".join(ROUTES) + " to the TOML file named by "
    "HTTP_CONTROL_SERVER_AUTH_CONFIG_FILEPATH (default /gluetun/auth/config.toml). "
    "Then give StepheyBot Music that API key."
)


def _text(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    return str(value) if value not in (None, "") else None


class GluetunClient(HttpClient):
    """Client of a gluetun control server (``http://gluetun:8000``)."""

    kind: ClassVar[str] = "gluetun"

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        *,
        api_key: str = "",
        username: str = "",
        password: str = "",
        timeout: float = DEFAULT_TIMEOUT,
        verify_ssl: bool = True,
    ) -> None:
        super().__init__(session, url, timeout=timeout, verify_ssl=verify_ssl)
        self.username = username
        self._headers: dict[str, str] = {}
        if api_key:
            self._headers["X-API-Key"] = api_key
        if username or password:
            token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
            self._headers["Authorization"] = "Basic " + token

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.url} user={self.username!r}>"

    @property
    def has_credentials(self) -> bool:
        """Whether an API key or Basic credentials are configured."""
        return bool(self._headers)

    # ----------------------------------------------------------------- plumbing

    def _auth_error(self, method: str, path: str) -> InvalidAuthError:
        where = f"{self.kind} at {self.url} answered HTTP 401 to {method} {path}"
        if not self.has_credentials:
            return InvalidAuthError(f"{where}: it needs credentials. {_SETUP}", backend=self.kind)
        return InvalidAuthError(
            f"{where}: it rejected the API key (or user name and password), or their role "
            f"does not list this route. Check the key, and that the role lists {', '.join(ROUTES)} "
            "(HTTP_CONTROL_SERVER_AUTH_CONFIG_FILEPATH or HTTP_CONTROL_SERVER_AUTH_DEFAULT_ROLE).",
            backend=self.kind,
        )

    async def _call(self, method: str, path: str, body: Any = None) -> Response:
        resp = await self.request(method, path, json_body=body, headers=self._headers)
        if resp.status == 401:
            raise self._auth_error(method, path)
        return resp

    async def _json(self, path: str) -> dict[str, Any]:
        resp = await self._call("GET", path)
        self.raise_for_status(resp)
        data = resp.json()
        if not isinstance(data, dict):
            raise WrongApplicationError(
                f"{self.kind} at {self.url} answered {path} with {snippet(resp.body)!r}, "
                "which is not a gluetun reply. Check the URL (the control server, port 8000).",
                backend=self.kind,
            )
        return data

    # ----------------------------------------------------------------- API

    async def version(self) -> GluetunBuild:
        """``/v1/version``; raises :class:`WrongApplicationError` when gluetun is not there."""
        resp = await self._call("GET", "/v1/version")
        wrong = WrongApplicationError(
            f"{self.kind} at {self.url} has no gluetun control server at /v1/version "
            f"(HTTP {resp.status}, {snippet(resp.body)!r}). Check the URL: the control "
            "server listens on port 8000 (HTTP_CONTROL_SERVER_ADDRESS).",
            backend=self.kind,
        )
        if resp.status == 404:
            raise wrong
        self.raise_for_status(resp)
        try:
            data = json.loads(resp.body)
        except ValueError as err:
            raise wrong from err
        if not isinstance(data, dict) or not isinstance(data.get("version"), str):
            raise wrong
        return GluetunBuild(
            version=data["version"], commit=_text(data, "commit"), created=_text(data, "created")
        )

    async def probe(self) -> BackendInfo:
        """Check the URL and the credentials; report gluetun's version."""
        build = await self.version()
        return BackendInfo(
            kind=BackendKind.GLUETUN, application="gluetun", version=build.version.lstrip("v")
        )

    async def vpn_status(self) -> VpnStatus:
        """The VPN's status (``/v1/vpn/status``: OpenVPN and WireGuard alike)."""
        data = await self._json("/v1/vpn/status")
        with parsing(self.kind, "the VPN status"):
            return VpnStatus.from_api(str(data["status"]))

    async def set_vpn_status(self, *, running: bool) -> str:
        """Start or stop the VPN; returns gluetun's outcome text."""
        status = "running" if running else "stopped"
        resp = await self._call("PUT", "/v1/vpn/status", {"status": status})
        self.raise_for_status(resp)
        data = resp.json()
        with parsing(self.kind, "the VPN status change"):
            return str(data["outcome"])

    async def public_ip(self) -> PublicIp:
        """The VPN's public IP and where it is; ``ip`` is None while the VPN is down."""
        data = await self._json("/v1/publicip/ip")
        with parsing(self.kind, "the public IP"):
            return PublicIp(
                ip=_text(data, "public_ip"),
                country=_text(data, "country"),
                region=_text(data, "region"),
                city=_text(data, "city"),
                organization=_text(data, "organization"),
                hostname=_text(data, "hostname"),
                timezone=_text(data, "timezone"),
                location=_text(data, "location"),
                postal_code=_text(data, "postal_code"),
            )

    async def port_forwarded(self) -> PortForward:
        """The forwarded port(s): ``/v1/portforward`` (3.41+), else the OpenVPN route."""
        resp = await self._call("GET", "/v1/portforward")
        if resp.status == 404:
            return await self._legacy_port_forwarded()
        self.raise_for_status(resp)
        return self._ports(resp.json())

    async def _legacy_port_forwarded(self) -> PortForward:
        """``/v1/openvpn/portforwarded`` (3.40 and older; 3.41 redirects it with a 301)."""
        return self._ports(await self._json("/v1/openvpn/portforwarded"))

    def _ports(self, data: Any) -> PortForward:
        with parsing(self.kind, "the forwarded ports"):
            raw = data.get("ports") or []
            ports = tuple(int(p) for p in raw if int(p) > 0)
            if not ports and int(data.get("port") or 0) > 0:
                ports = (int(data["port"]),)
            return PortForward(port=ports[0] if ports else None, ports=ports)
