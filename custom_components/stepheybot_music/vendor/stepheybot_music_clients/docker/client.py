"""Async client of the Docker Engine API: container state and health, read-only.

Two ways in: the daemon's unix socket (``unix:///var/run/docker.sock``, mounted into the
container running this code) or a tecnativa/docker-socket-proxy over TCP
(``http://socket-proxy:2375``). For the socket, the caller passes a session built on
:class:`aiohttp.UnixConnector` (:func:`docker_session_for` makes one); requests then go to
``http://localhost/...``, the host name being a placeholder. Docker API paths are unversioned,
so any daemon answers at its own API version.

podman's Docker-compatible service answers too. Its container list carries no health in any
release up to 5.8.2 (pkg/api/handlers/compat/containers.go@v5.8.2:286-431), so on podman the
client reads podman's native list instead (one request, health in ``Status``), or, where a
socket proxy refuses that path, the Docker list plus one ``health``-filtered list per health
status (:meth:`DockerClient.containers`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any, ClassVar

import aiohttp
from yarl import URL

from stepheybot_music_clients.docker.models import (
    Container,
    ContainerHealth,
    ContainerState,
    DockerVersion,
    Engine,
    HealthSource,
)
from stepheybot_music_clients.docker.rows import inspected, libpod_row, summary
from stepheybot_music_clients.errors import (
    BackendRequestError,
    BackendTimeoutError,
    CannotConnectError,
    InvalidAuthError,
    WrongApplicationError,
)
from stepheybot_music_clients.models import BackendInfo, BackendKind
from stepheybot_music_clients.transport import (
    DEFAULT_TIMEOUT,
    HttpClient,
    InvalidUrlError,
    Params,
    Response,
    parsing,
    snippet,
)

DEFAULT_SOCKET_URL = "unix:///var/run/docker.sock"
_SOCKET_BASE = URL("http://localhost")
_PROXY_SECTIONS = {"containers": "CONTAINERS", "version": "VERSION", "_ping": "PING"}
LIBPOD_LIST = "/v4.0.0/libpod/containers/json"
"""podman's native list: served on versioned paths only, any version accepted
(``VersionedPath``, pkg/api/server/handler_api.go@v5.8.2:71-73; register_containers.go:805)."""
LIBPOD_HEADER = "Libpod-API-Version"
"""Sent by podman on every reply (pkg/api/server/handler_api.go@v5.8.2:47-52), never by Docker."""
PODMAN_COMPONENT = "Podman Engine"
"""``Components[0].Name`` of podman's ``/version`` (pkg/api/handlers/compat/version.go@v5.8.2)."""
FILTERED_HEALTH = (ContainerHealth.HEALTHY, ContainerHealth.UNHEALTHY, ContainerHealth.STARTING)
"""The ``health`` filter values asked of podman; never ``none``: podman's filter compares the
recorded status, ``""`` without a healthcheck, so ``none`` matches nothing
(pkg/domain/filters/containers.go@v5.8.2:174-181, libpod/healthcheck.go@v5.8.2:456-481)."""


def socket_path(url: str) -> str | None:
    """The socket path of a ``unix://`` URL (or a bare absolute path); None for http(s)."""
    text = url.strip()
    if text.startswith("/"):
        return text
    if not text.lower().startswith("unix:"):
        return None
    path = "/" + text[5:].lstrip("/")
    if path == "/":
        raise InvalidUrlError(
            f"{text!r} names no socket. Use unix:///var/run/docker.sock.", backend="Docker"
        )
    return path


def docker_session_for(url: str) -> aiohttp.ClientSession | None:
    """A session on a :class:`aiohttp.UnixConnector` for a socket URL; None for TCP URLs.

    Call it inside the event loop; the caller owns (and closes) the session.
    """
    path = socket_path(url)
    if path is None:
        return None
    return aiohttp.ClientSession(connector=aiohttp.UnixConnector(path=path))


class DockerClient(HttpClient):
    """Read-only client of a Docker daemon or podman: version, containers, their health."""

    kind: ClassVar[str] = "Docker"

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str = DEFAULT_SOCKET_URL,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        verify_ssl: bool = True,
    ) -> None:
        path = socket_path(url)
        super().__init__(
            session, str(_SOCKET_BASE) if path else url, timeout=timeout, verify_ssl=verify_ssl
        )
        self.socket_path = path
        if path is not None:
            if not isinstance(session.connector, aiohttp.UnixConnector):
                raise ValueError(
                    "A Docker socket URL needs a session on aiohttp.UnixConnector; "
                    "create it with docker_session_for(url)."
                )
            self.url = URL.build(scheme="unix", path=path)
        self.engine: Engine | None = None
        """Docker or podman, once a reply said; None before."""
        self._libpod: bool | None = None
        """Whether podman's native list answers: None untried, False refused (socket proxy)."""

    def _url(self, path: str) -> URL:
        if self.socket_path is None:
            return super()._url(path)
        return _SOCKET_BASE.with_path("/" + path.lstrip("/"))

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        data: Any = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        allow_redirects: bool = True,
        timeout: float | None = None,
    ) -> Response:
        """Send one request; socket failures get messages about mounting the socket."""
        try:
            return await super().request(
                method,
                path,
                params=params,
                data=data,
                json_body=json_body,
                headers=headers,
                allow_redirects=allow_redirects,
                timeout=timeout,
            )
        except BackendTimeoutError:
            raise
        except CannotConnectError as err:
            raise self._socket_error(err) or err from err.__cause__

    def _socket_error(self, err: CannotConnectError) -> CannotConnectError | None:
        cause = err.__cause__
        if self.socket_path is None or not isinstance(cause, aiohttp.ClientConnectorError):
            return None
        path = self.socket_path
        os_error = cause.os_error
        if isinstance(os_error, PermissionError):
            text = (
                f"Permission denied on the Docker socket {path}. Give this process access: "
                "run it in the socket's group (docker-compose group_add with the GID of the "
                "docker group), or put tecnativa/docker-socket-proxy in front and use http://<proxy>:2375."
            )
        elif isinstance(os_error, FileNotFoundError):
            text = (
                f"There is no Docker socket at {path}. Mount it into this container "
                "(-v /var/run/docker.sock:/var/run/docker.sock:ro) or use a docker-socket-proxy "
                "URL such as http://socket-proxy:2375."
            )
        else:
            text = (
                f"Cannot connect to the Docker socket {path} "
                f"({type(os_error).__name__}: {os_error}). Check that the Docker daemon is running."
            )
        return CannotConnectError(text, backend=self.kind)

    def _check(self, resp: Response) -> None:
        where = f"{self.kind} at {self.url}"
        if resp.status == 403:
            section = _PROXY_SECTIONS.get(resp.url.path.strip("/").split("/")[0], "the section")
            raise InvalidAuthError(
                f"{where} refused {resp.url.path} (HTTP 403). docker-socket-proxy blocks "
                f"this API section by default: set {section}=1 in the proxy's environment "
                "(read-only access is enough; keep POST=0).",
                backend=self.kind,
            )
        self.raise_for_status(resp)

    # ----------------------------------------------------------------- engine

    def _note_engine(self, resp: Response) -> None:
        """Tell podman from Docker by the header podman puts on every reply (free: no request).

        Only a 2xx reply decides (a proxy's own 403 page carries no daemon header); a change of
        engine at the same URL forgets what was learnt about podman's native list.
        """
        if not 200 <= resp.status < 300:
            return
        engine = Engine.PODMAN if LIBPOD_HEADER in resp.headers else Engine.DOCKER
        self._set_engine(engine)

    def _set_engine(self, engine: Engine) -> None:
        if engine is not self.engine:
            self.engine = engine
            self._libpod = None

    async def _get(self, path: str, params: Params | None = None) -> Response:
        resp = await self.request("GET", path, params=params)
        self._note_engine(resp)
        return resp

    # ----------------------------------------------------------------- API

    async def ping(self) -> str | None:
        """``/_ping``; returns the ``Api-Version`` header.

        Docker and podman answer ``OK`` (podman: pkg/api/handlers/compat/ping.go@v5.8.2), a
        socket proxy 403 for a blocked section, a broken daemon 5xx; any other answer (a 400,
        401 or 404 from another application, say) means this is not a Docker API.
        """
        resp = await self._get("/_ping")
        if resp.status == 403 or resp.status >= 500:
            self._check(resp)
        if resp.status != 200 or resp.text.strip() != "OK":
            raise WrongApplicationError(
                f"{self.kind} at {self.url} answered /_ping with {snippet(resp.body)!r} "
                "instead of OK; it is not a Docker daemon. Check the URL.",
                backend=self.kind,
            )
        return resp.headers.get("Api-Version")

    async def version(self) -> DockerVersion:
        """``/version``: engine (Docker or podman), its version and API version."""
        resp = await self._get("/version")
        self._check(resp)
        data = resp.json()
        with parsing(self.kind, "its version"):
            components = data.get("Components") or []
            podman = LIBPOD_HEADER in resp.headers or any(
                isinstance(c, dict) and c.get("Name") == PODMAN_COMPONENT for c in components
            )
            engine = Engine.PODMAN if podman else Engine.DOCKER
            platform = (data.get("Platform") or {}).get("Name") or None
            version = DockerVersion(
                version=str(data["Version"]),
                api_version=str(data["ApiVersion"]),
                min_api_version=data.get("MinAPIVersion"),
                os=data.get("Os"),
                arch=data.get("Arch"),
                kernel_version=data.get("KernelVersion"),
                engine=engine,
                platform=platform,
            )
        self._set_engine(engine)
        return version

    async def probe(self) -> BackendInfo:
        """Ping the daemon and read its versions."""
        await self.ping()
        version = await self.version()
        return BackendInfo(
            kind=BackendKind.DOCKER,
            application="Podman Engine" if version.engine is Engine.PODMAN else "Docker Engine",
            version=version.version,
            api_version=version.api_version,
        )

    async def containers(self, names: Iterable[str] | None = None) -> dict[str, Container]:
        r"""Every container (running or not) by name, or only those called ``names``.

        Docker: one ``/containers/json``, filtered by name. podman (known from ``version()`` or
        from the first reply): its native list, one request; where that path is refused (403:
        docker-socket-proxy allows only ``^(/v[\d.]+)?/containers``, haproxy.cfg@a6fbf38:58,77)
        or missing (404), the Docker list plus one list per health status in
        :data:`FILTERED_HEALTH`, from then on. Either way the number of requests does not
        grow with the number of containers.
        """
        wanted = {n.lstrip("/") for n in names} if names is not None else None
        if wanted is not None and not wanted:
            return {}
        filters: dict[str, list[str]] = {"name": sorted(wanted)} if wanted else {}
        found: dict[str, Container] | None = None
        if self.engine is Engine.PODMAN and self._libpod is not False:
            found = await self._libpod_list(filters)
        if found is None:
            found = await self._docker_list(filters)
            if self.engine is Engine.PODMAN and any(
                c.health_source is HealthSource.STATUS_TEXT for c in found.values()
            ):
                # podman's rows carry no health: its native list, else the health filter
                if self._libpod is None:
                    native = await self._libpod_list(filters)
                    found = found if native is None else native
                if self._libpod is False:
                    found = await self._with_filtered_health(found, filters)
        if wanted is not None:
            found = {name: c for name, c in found.items() if name in wanted}
        return found

    @staticmethod
    def _params(filters: Mapping[str, list[str]], all_value: str) -> Params:
        params: list[tuple[str, str | int | float]] = [("all", all_value)]
        if filters:
            params.append(("filters", json.dumps(filters)))
        return params

    async def _docker_list(self, filters: Mapping[str, list[str]]) -> dict[str, Container]:
        resp = await self._get("/containers/json", self._params(filters, "1"))
        self._check(resp)
        data = resp.json()
        with parsing(self.kind, "the container list"):
            return {c.name: c for c in map(summary, data)}

    async def _libpod_list(self, filters: Mapping[str, list[str]]) -> dict[str, Container] | None:
        """Read podman's native list; None (and never again) when the path is refused or missing."""
        resp = await self._get(LIBPOD_LIST, self._params(filters, "true"))
        if resp.status in (403, 404):
            self._libpod = False
            return None
        self._check(resp)
        data = resp.json()
        with parsing(self.kind, "podman's container list"):
            found = {c.name: c for c in map(libpod_row, data)}
        self._libpod = True
        return found

    async def _with_filtered_health(
        self, found: dict[str, Container], filters: Mapping[str, list[str]]
    ) -> dict[str, Container]:
        """Fill in the health of the running containers from ``health``-filtered lists.

        podman's filter: pkg/domain/filters/containers.go@v5.8.2:174-181. A running container
        in none of the lists has no healthcheck.
        """
        by_id: dict[str, ContainerHealth] = {}
        if any(c.state is ContainerState.RUNNING for c in found.values()):
            for health in FILTERED_HEALTH:
                params = self._params({**filters, "health": [health.value]}, "1")
                resp = await self._get("/containers/json", params)
                self._check(resp)
                data = resp.json()
                with parsing(self.kind, "the container list"):
                    by_id.update((str(item["Id"]), health) for item in data)
        return {
            name: replace(
                c,
                health=by_id.get(c.id, ContainerHealth.NONE)
                if c.state is ContainerState.RUNNING
                else ContainerHealth.NONE,
                health_source=HealthSource.HEALTH_FILTER,
            )
            for name, c in found.items()
        }

    async def inspect(self, name_or_id: str) -> Container:
        """One container in detail: start and finish times, exit code, failing streak."""
        ref = name_or_id.lstrip("/")
        resp = await self._get(f"/containers/{ref}/json")
        if resp.status == 404:
            raise BackendRequestError(
                f"{self.kind} at {self.url} has no container called {ref!r}.",
                backend=self.kind,
                code=404,
            )
        self._check(resp)
        data = resp.json()
        with parsing(self.kind, "the container"):
            return inspected(data)
