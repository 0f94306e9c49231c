"""Async client of gluetun's HTTP control server (default port 8000), for every release.

Releases differ in what they let a client read (see :mod:`.roles`): v3.39.0 has no auth;
v3.39.1 to v3.41.x open the routes this client reads through a public default role unless
the user configured roles; ``latest`` (master) opens nothing by default. A route no role
grants answers 401 exactly like a wrong key (``middlewares/auth/middleware.go @ v3.41.1:53-89``),
so :meth:`GluetunClient.read` judges the credentials by the whole poll, never by one 401:

- every request answered 401: the credentials are missing or rejected
  (:class:`InvalidAuthError`, with advice for the release when it is known);
- ``GET /v1/vpn/status`` refused while another route answered: the role lacks it
  (:class:`RouteNotPermittedError`, not an auth error);
- the public IP or the forwarded port refused while the status answered: that datum is
  None in the :class:`GluetunReading`, which names the routes to add.

The forwarded port moved: ``/v1/openvpn/portforwarded`` up to v3.40.x
(``openvpn.go @ v3.40.4:126-144``), ``/v1/portforward`` from v3.41.0 (``portforward.go @
v3.41.1``), where the old route answers 301 (``openvpn.go @ v3.41.1:46-52``). v3.39.1 to
v3.40.x answer 401 to ``/v1/portforward`` (not a route: ``settings.go @ v3.40.4:113-131``)
and v3.39.0 answers 400 (``handlerv1.go @ v3.39.0``). The client finds the route once,
remembers it, and never follows a redirect blindly. The key goes in the ``X-API-Key``
header only: the ``api_key`` query parameter passes auth but breaks routing (the router
matches ``r.RequestURI``, query included: 400 ``route /status?api_key=... not supported``,
``handlerv1.go``/``helpers.go @ v3.40.4``). Replies are JSON sent as ``text/plain``
(Go sniffs ``json.Encoder`` output), so the Content-Type is not checked.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any, ClassVar

import aiohttp

from stepheybot_music_clients.errors import (
    CannotConnectError,
    InvalidAuthError,
    StackError,
    WrongApplicationError,
)
from stepheybot_music_clients.gluetun.models import (
    GluetunBuild,
    GluetunReading,
    PortForward,
    PublicIp,
    VpnStatus,
)
from stepheybot_music_clients.gluetun.roles import (
    LEGACY_PORT_ROUTE,
    PORT_ROUTE,
    PUBLIC_IP_ROUTE,
    SET_STATUS_ROUTE,
    STATUS_ROUTE,
    VERSION_ROUTE,
    ControlServer,
    RouteNotPermittedError,
    control_server_of,
    grant,
    needs_credentials,
    rejected,
)
from stepheybot_music_clients.models import BackendInfo, BackendKind
from stepheybot_music_clients.transport import (
    DEFAULT_TIMEOUT,
    HttpClient,
    Response,
    parsing,
    snippet,
)

_REDIRECTS = (301, 302, 303, 307, 308)


def _path(route: str) -> str:
    return route.split(" ", 1)[1]


def _text(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    return str(value) if value not in (None, "") else None


@dataclass(slots=True)
class _Poll:
    """What one round of requests found: how many answered, which routes answered 401."""

    answered: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    challenged: bool = False
    """A 401 carried ``WWW-Authenticate``: gluetun saw no Basic credentials (basic.go)."""

    def refuse(self, route: str, resp: Response) -> None:
        self.refused.append(route)
        self.challenged = self.challenged or "WWW-Authenticate" in resp.headers


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
        self._build: GluetunBuild | None = None
        self._version_asked = False
        self._release: ControlServer | None = None
        self._port_route: str | None = None
        """The route that served the forwarded port (or that must, once granted)."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.url} user={self.username!r}>"

    @property
    def has_credentials(self) -> bool:
        """Whether an API key or Basic credentials are configured."""
        return bool(self._headers)

    @property
    def release(self) -> ControlServer | None:
        """The access model detected (from ``/v1/version``, else from the port routes)."""
        return self._release

    def forget(self) -> None:
        """Detect the release and the port route again (gluetun may have been replaced)."""
        self._build = None
        self._version_asked = False
        self._release = None
        self._port_route = None

    # ----------------------------------------------------------------- plumbing

    async def _get(self, path: str) -> Response:
        return await self.request("GET", path, headers=self._headers, allow_redirects=False)

    def _wrong(self, path: str, resp: Response) -> WrongApplicationError:
        return WrongApplicationError(
            f"{self.kind} at {self.url} has no gluetun control server at {path} "
            f"(HTTP {resp.status}, {snippet(resp.body)!r}). Check the URL: the control "
            "server listens on port 8000 (HTTP_CONTROL_SERVER_ADDRESS).",
            backend=self.kind,
        )

    def _check(self, path: str, resp: Response) -> None:
        """Raise for anything but a 2xx (a 401 is handled before, by the caller)."""
        if resp.status in _REDIRECTS:
            raise WrongApplicationError(
                f"{self.kind} at {self.url} answered {path} with HTTP {resp.status}, redirecting "
                f"to {resp.headers.get('Location', '?')!r}: gluetun never does that for this "
                "route, so something else answers there (a reverse proxy's login?). Check the "
                "URL: the control server listens on port 8000.",
                backend=self.kind,
            )
        if resp.status == 404:
            raise self._wrong(path, resp)
        self.raise_for_status(resp)

    def _object(self, path: str, resp: Response) -> dict[str, Any]:
        self._check(path, resp)
        data = resp.json()
        if not isinstance(data, dict):
            raise WrongApplicationError(
                f"{self.kind} at {self.url} answered {path} with {snippet(resp.body)!r}, "
                "which is not a gluetun reply. Check the URL (the control server, port 8000).",
                backend=self.kind,
            )
        return data

    def _version_text(self) -> str | None:
        return self._build.version if self._build is not None else None

    def _auth_error(self, poll: _Poll) -> InvalidAuthError:
        where = (
            f"{self.kind} at {self.url} answered HTTP 401 to every route StepheyBot Music read "
            f"({', '.join(poll.refused)})"
        )
        if not self.has_credentials:
            advice = needs_credentials(self._release, self._version_text())
            return InvalidAuthError(f"{where}: it needs credentials. {advice}", backend=self.kind)
        advice = rejected(self._release, self._version_text())
        if poll.challenged and "Authorization" in self._headers:
            advice += (
                " gluetun asked for a user name and password although they were sent: something "
                "between (a reverse proxy) drops the Authorization header."
            )
        return InvalidAuthError(f"{where}. {advice}", backend=self.kind)

    def _not_permitted(self, routes: list[str], working: str) -> RouteNotPermittedError:
        advice = grant(
            routes, self._release, self._version_text(), credentials=self.has_credentials
        )
        return RouteNotPermittedError(
            f"{self.kind} at {self.url} answered HTTP 401 to {', '.join(routes)} although "
            f"{working} works with the same credentials. {advice}",
            routes=routes,
            advice=advice,
            backend=self.kind,
        )

    async def _refusal(self, poll: _Poll) -> StackError:
        """A single read was refused: a missing grant if another route answers, else auth."""
        routes = list(poll.refused)
        other = PUBLIC_IP_ROUTE if STATUS_ROUTE in routes else STATUS_ROUTE
        answer = await self._get(_path(other))
        if answer.status == 401:
            poll.refuse(other, answer)
            return self._auth_error(poll)
        self._check(_path(other), answer)
        return self._not_permitted(routes, other)

    # ----------------------------------------------------------------- one poll

    async def read(self) -> GluetunReading:
        """Status, public IP, forwarded port (and the version once), judged together.

        Raises :class:`InvalidAuthError` only when every request answered 401, and
        :class:`RouteNotPermittedError` when the status alone is refused; a refused public IP
        or forwarded port is None in the reading, with the advice.
        """
        poll = _Poll()
        try:
            if not self._version_asked:
                await self._read_version(poll)
            status = await self._read_status(poll)
            public = await self._read_public_ip(poll)
            forwarded = await self._read_ports(poll)
        except CannotConnectError:
            self.forget()  # gluetun restarted or moved: it may be another release now
            raise
        if not poll.answered:
            if VERSION_ROUTE in poll.refused:
                self._version_asked = False  # ask again once the credentials work
            raise self._auth_error(poll)
        if status is None:
            raise self._not_permitted([STATUS_ROUTE], poll.answered[0])
        refused = tuple(route for route in poll.refused if route != VERSION_ROUTE)
        advice = None
        if refused:
            advice = grant(
                refused, self._release, self._version_text(), credentials=self.has_credentials
            )
        return GluetunReading(
            status=status,
            public_ip=public,
            forwarded=forwarded,
            build=self._build,
            not_permitted=refused,
            advice=advice,
        )

    async def _read_version(self, poll: _Poll) -> GluetunBuild | None:
        resp = await self._get(_path(VERSION_ROUTE))
        if resp.status == 401:
            # asked once per connection: a refused version stays unknown until a reconnect
            self._version_asked = True
            poll.refuse(VERSION_ROUTE, resp)
            return None
        build = self._parse_build(resp)
        self._version_asked = True
        poll.answered.append(VERSION_ROUTE)
        return build

    async def _read_status(self, poll: _Poll) -> VpnStatus | None:
        path = _path(STATUS_ROUTE)
        resp = await self._get(path)
        if resp.status == 401:
            poll.refuse(STATUS_ROUTE, resp)
            return None
        data = self._object(path, resp)
        poll.answered.append(STATUS_ROUTE)
        with parsing(self.kind, "the VPN status"):
            return VpnStatus.from_api(str(data["status"]))

    async def _read_public_ip(self, poll: _Poll) -> PublicIp | None:
        path = _path(PUBLIC_IP_ROUTE)
        resp = await self._get(path)
        if resp.status == 401:
            poll.refuse(PUBLIC_IP_ROUTE, resp)
            return None
        data = self._object(path, resp)
        poll.answered.append(PUBLIC_IP_ROUTE)
        with parsing(self.kind, "the public IP"):
            return PublicIp(
                ip=_text(data, "public_ip"),  # "" while the VPN is down (publicip/data.go)
                country=_text(data, "country"),
                region=_text(data, "region"),
                city=_text(data, "city"),
                organization=_text(data, "organization"),
                hostname=_text(data, "hostname"),
                timezone=_text(data, "timezone"),
                location=_text(data, "location"),
                postal_code=_text(data, "postal_code"),
            )

    async def _read_ports(self, poll: _Poll) -> PortForward | None:
        """The forwarded port from the route this release serves it on (found once)."""
        release = self._release
        if self._port_route is None and release is not None:
            self._port_route = release.port_route
        if self._port_route == PORT_ROUTE:
            return await self._read_port_route(poll)
        if self._port_route == LEGACY_PORT_ROUTE:
            return await self._read_legacy_port_route(poll, first=None)
        # unknown release: ask the new route first; the answer tells the release apart
        resp = await self._get(_path(PORT_ROUTE))
        if resp.status in (400, 404):
            # v3.39.0: 400 "GET /portforward not found" (handlerv1.go @ v3.39.0)
            return await self._read_legacy_port_route(poll, first=resp.status)
        if resp.status == 401:
            # not a route on v3.39.1 - v3.40.x (always 401), or not granted on v3.41+
            return await self._read_legacy_port_route(poll, first=401)
        data = self._object(_path(PORT_ROUTE), resp)
        self._port_route = PORT_ROUTE
        self._release = ControlServer.PORTFORWARD  # or later: the advice is the same
        poll.answered.append(PORT_ROUTE)
        return self._ports(data)

    async def _read_port_route(self, poll: _Poll) -> PortForward | None:
        resp = await self._get(_path(PORT_ROUTE))
        if resp.status == 401:
            poll.refuse(PORT_ROUTE, resp)
            return None
        data = self._object(_path(PORT_ROUTE), resp)
        poll.answered.append(PORT_ROUTE)
        return self._ports(data)

    async def _read_legacy_port_route(
        self, poll: _Poll, *, first: int | None
    ) -> PortForward | None:
        """``/v1/openvpn/portforwarded``; ``first``: what ``/v1/portforward`` answered before."""
        path = _path(LEGACY_PORT_ROUTE)
        resp = await self._get(path)
        location = resp.headers.get("Location", "")
        if resp.status in (301, 308) and location.rstrip("/").endswith(_path(PORT_ROUTE)):
            # v3.41.0+ (openvpn.go @ v3.41.1:46-52): the new route is the one to grant
            self._port_route = PORT_ROUTE
            if self._release in (None, ControlServer.OPEN, ControlServer.PUBLIC_ROLE):
                # gluetun was replaced by a newer release: its version is news too
                self._release = ControlServer.PORTFORWARD
                self._build, self._version_asked = None, False
            if first == 401:
                poll.refuse(PORT_ROUTE, resp)  # the 401 before meant "not granted"
                return None
            return await self._read_port_route(poll)  # the user upgraded from 3.40
        if resp.status == 401:
            if first == 401:  # neither answers: 3.40 or 3.41+, the version would tell
                poll.refuse(PORT_ROUTE, resp)
            poll.refuse(LEGACY_PORT_ROUTE, resp)
            return None
        data = self._object(path, resp)
        self._port_route = LEGACY_PORT_ROUTE
        if first == 400:
            self._release = ControlServer.OPEN
        elif first == 401:
            self._release = ControlServer.PUBLIC_ROLE
        poll.answered.append(LEGACY_PORT_ROUTE)
        return self._ports(data)

    def _ports(self, data: dict[str, Any]) -> PortForward:
        """``{"port":N}``, ``{"ports":[...]}`` (2+ ports up to v3.41.x) or master's both.

        0 or an empty/null list is "nothing forwarded" (wrappers.go @ v3.40.4:28-34,
        portforward.go @ v3.41.1:34-52 and @ master:37-49), not an error.
        """
        with parsing(self.kind, "the forwarded ports"):
            raw = data.get("ports") or []
            ports = tuple(int(p) for p in raw if int(p) > 0)
            if not ports and int(data.get("port") or 0) > 0:
                ports = (int(data["port"]),)
            return PortForward(port=ports[0] if ports else None, ports=ports)

    def _parse_build(self, resp: Response) -> GluetunBuild:
        path = _path(VERSION_ROUTE)
        self._check(path, resp)
        try:
            data = json.loads(resp.body)
        except ValueError as err:
            raise self._wrong(path, resp) from err
        if not isinstance(data, dict) or not isinstance(data.get("version"), str):
            raise self._wrong(path, resp)
        build = GluetunBuild(
            version=data["version"], commit=_text(data, "commit"), created=_text(data, "created")
        )
        self._build = build
        if (release := control_server_of(build.version)) is not None:
            self._release = release
        return build

    # ----------------------------------------------------------------- single reads

    async def version(self) -> GluetunBuild:
        """``/v1/version``; raises :class:`WrongApplicationError` when gluetun is not there."""
        poll = _Poll()
        build = await self._read_version(poll)
        if build is None:
            raise await self._refusal(poll)
        return build

    async def probe(self) -> BackendInfo:
        """Check the URL and the credentials (one :meth:`read`); report gluetun's version."""
        reading = await self.read()
        version = reading.build.version.lstrip("v") if reading.build is not None else None
        return BackendInfo(kind=BackendKind.GLUETUN, application="gluetun", version=version)

    async def vpn_status(self) -> VpnStatus:
        """The VPN's status (``/v1/vpn/status``: OpenVPN and WireGuard alike)."""
        poll = _Poll()
        status = await self._read_status(poll)
        if status is None:
            raise await self._refusal(poll)
        return status

    async def public_ip(self) -> PublicIp:
        """The VPN's public IP and where it is; ``ip`` is None while the VPN is down."""
        poll = _Poll()
        public = await self._read_public_ip(poll)
        if public is None:
            raise await self._refusal(poll)
        return public

    async def port_forwarded(self) -> PortForward:
        """The forwarded port(s), from the route this release serves them on."""
        poll = _Poll()
        ports = await self._read_ports(poll)
        if ports is None:
            raise await self._refusal(poll)
        return ports

    async def set_vpn_status(self, *, running: bool) -> str:
        """Start or stop the VPN; returns gluetun's outcome text."""
        status = "running" if running else "stopped"
        path = _path(SET_STATUS_ROUTE)
        resp = await self.request(
            "PUT", path, json_body={"status": status}, headers=self._headers, allow_redirects=False
        )
        if resp.status == 401:
            poll = _Poll()
            poll.refuse(SET_STATUS_ROUTE, resp)
            raise await self._refusal(poll)
        data = self._object(path, resp)
        with parsing(self.kind, "the VPN status change"):
            return str(data["outcome"])
