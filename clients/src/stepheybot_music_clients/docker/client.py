"""Async client of the Docker Engine API: container state and health, read-only.

Two ways in: the daemon's unix socket (``unix:///var/run/docker.sock``, mounted into the
container running this code) or a tecnativa/docker-socket-proxy over TCP
(``http://socket-proxy:2375``). For the socket, the caller passes a session built on
:class:`aiohttp.UnixConnector` (:func:`docker_session_for` makes one); requests then go to
``http://localhost/...``, the host name being a placeholder. Only unversioned paths are
used, so any daemon answers at its own API version.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

import aiohttp
from yarl import URL

from stepheybot_music_clients.docker.models import (
    Container,
    ContainerHealth,
    ContainerState,
    DockerVersion,
    HealthSource,
)
from stepheybot_music_clients.errors import (
    BackendRequestError,
    BackendTimeoutError,
    CannotConnectError,
    InvalidAuthError,
    WrongApplicationError,
)
from stepheybot_music_clients.models import BackendInfo, BackendKind
from stepheybot_music_clients.timestamps import parse_timestamp
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


def _name(names: Any, fallback: str) -> str:
    """The container's own name: the entry without a second slash (others are links)."""
    if isinstance(names, list):
        own = [str(n).lstrip("/") for n in names if "/" not in str(n).lstrip("/")]
        if own:
            return own[0]
    return fallback


def _summary(item: Mapping[str, Any]) -> Container:
    status = str(item.get("Status") or "")
    summary_health = item.get("Health")
    if isinstance(summary_health, dict):
        health = ContainerHealth.from_api(summary_health.get("Status"))
        source = HealthSource.SUMMARY
        streak = summary_health.get("FailingStreak")
        failing: int | None = int(streak) if streak is not None else None
    else:
        health = ContainerHealth.from_status_text(status)
        source = HealthSource.STATUS_TEXT
        failing = None
    created = item.get("Created")
    container_id = str(item["Id"])
    return Container(
        name=_name(item.get("Names"), container_id[:12]),
        id=container_id,
        image=str(item.get("Image") or ""),
        state=ContainerState.from_api(str(item["State"])),
        status=status,
        health=health,
        health_source=source,
        failing_streak=failing,
        created=datetime.fromtimestamp(int(created), UTC) if created else None,
    )


def _inspected(data: Mapping[str, Any]) -> Container:
    state = data["State"]
    health_data = state.get("Health")
    health = ContainerHealth.NONE
    failing: int | None = None
    if isinstance(health_data, dict):
        health = ContainerHealth.from_api(health_data.get("Status"))
        failing = int(health_data.get("FailingStreak") or 0)
    config = data.get("Config") or {}
    container_id = str(data["Id"])
    return Container(
        name=str(data.get("Name") or container_id[:12]).lstrip("/"),
        id=container_id,
        image=str(config.get("Image") or data.get("Image") or ""),
        state=ContainerState.from_api(str(state["Status"])),
        status="",
        health=health,
        health_source=HealthSource.INSPECT,
        failing_streak=failing,
        created=parse_timestamp(data.get("Created")),
        started_at=parse_timestamp(state.get("StartedAt")),
        finished_at=parse_timestamp(state.get("FinishedAt")),
        exit_code=int(state.get("ExitCode") or 0),
        restart_count=int(data.get("RestartCount") or 0),
    )


class DockerClient(HttpClient):
    """Read-only client of a Docker daemon: version, containers, their health."""

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

    # ----------------------------------------------------------------- API

    async def ping(self) -> str | None:
        """``/_ping``; returns the ``Api-Version`` header."""
        resp = await self.request("GET", "/_ping")
        if resp.status in (401, 403) or resp.status >= 500:
            self._check(resp)  # a proxy in front of a daemon, or a daemon in trouble
        # any other answer but 200 "OK" (e.g. gluetun's 400 for a route it lacks) is not Docker
        if resp.status != 200 or resp.text.strip() != "OK":
            raise WrongApplicationError(
                f"{self.kind} at {self.url} answered /_ping with {snippet(resp.body)!r} "
                "instead of OK; it is not a Docker daemon. Check the URL.",
                backend=self.kind,
            )
        return resp.headers.get("Api-Version")

    async def version(self) -> DockerVersion:
        """``/version``: engine version and API version."""
        resp = await self.request("GET", "/version")
        self._check(resp)
        data = resp.json()
        with parsing(self.kind, "its version"):
            return DockerVersion(
                version=str(data["Version"]),
                api_version=str(data["ApiVersion"]),
                min_api_version=data.get("MinAPIVersion"),
                os=data.get("Os"),
                arch=data.get("Arch"),
                kernel_version=data.get("KernelVersion"),
            )

    async def probe(self) -> BackendInfo:
        """Ping the daemon and read its versions."""
        await self.ping()
        version = await self.version()
        return BackendInfo(
            kind=BackendKind.DOCKER,
            application="Docker Engine",
            version=version.version,
            api_version=version.api_version,
        )

    async def containers(self, names: Iterable[str] | None = None) -> dict[str, Container]:
        """Every container (running or not) by name, or only those called ``names``."""
        params: list[tuple[str, str | int | float]] = [("all", "1")]
        wanted = {n.lstrip("/") for n in names} if names is not None else None
        if wanted is not None:
            if not wanted:
                return {}
            params.append(("filters", json.dumps({"name": sorted(wanted)})))
        resp = await self.request("GET", "/containers/json", params=params)
        self._check(resp)
        data = resp.json()
        with parsing(self.kind, "the container list"):
            found = {c.name: c for c in map(_summary, data)}
        if wanted is not None:
            found = {name: c for name, c in found.items() if name in wanted}
        return found

    async def inspect(self, name_or_id: str) -> Container:
        """One container in detail: start and finish times, exit code, failing streak."""
        ref = name_or_id.lstrip("/")
        resp = await self.request("GET", f"/containers/{ref}/json")
        if resp.status == 404:
            raise BackendRequestError(
                f"{self.kind} at {self.url} has no container called {ref!r}.",
                backend=self.kind,
                code=404,
            )
        self._check(resp)
        data = resp.json()
        with parsing(self.kind, "the container"):
            return _inspected(data)
