"""Docker Engine facade (and podman's Docker-compatible service) over the world's containers.

``/_ping``, ``/version``, the container list and inspect.

``spec.flavor`` picks the engine: a Docker API version (``"1.52"``, the default: Engine 29, whose
list rows carry ``Health``; ``"1.51"``, ``"1.47"``, ``"1.41"``: older engines, whose clients must
read the ``Status`` text), or a podman release (``"podman"``/``"podman-5.8"``, ``"podman-4.3"``,
:mod:`.podman`). Served over TCP and, by the server, the unix socket
``Simulator.docker_socket_path()``. Routes and the socket proxy: :mod:`.container_api`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, override

from aiohttp import web

from ..model import Container, Health
from . import BackendContext
from .container_api import (
    EngineFlavour,
    build_engine_app,
    go_time,
    health_log,
    human_duration,
    recorded_health,
)
from .podman import PodmanFlavour, is_podman

__all__ = ["DEFAULT_API", "ENGINES", "build_app", "go_time", "human_duration", "status_text"]

DEFAULT_API = "1.52"


@dataclass(frozen=True, slots=True)
class DockerRelease:
    """What ``/version`` and ``/_ping`` say for one Docker API version."""

    engine: str
    min_api: str
    """``MinAPIVersion``: api/common_unix.go@v20.10.24:7 ("1.12"); daemon/config/config.go
    ``defaultMinAPIVersion`` @v27.5.1:61 and @v28.5.2:63 ("1.24"), @docker-v29.0.0:66 ("1.44",
    lowered to "1.40" from docker-v29.3.0)."""
    builder_version: str | None
    """``Builder-Version`` of ``/_ping``: 20.10 sends it only with the buildkit feature set
    (api/server/router/build/build.go@v20.10.24:43-53); BuildKit is the default from 23.0."""
    swarm_header: bool
    """``Swarm`` on ``/_ping``: from 24.0 (api/server/router/system/system_routes.go@v24.0.0:39)."""
    platform: str
    go: str
    bad_health: str
    """The 400 message for an invalid ``health`` filter value ``{v}``: daemon/list.go
    @v20.10.24:288, @v24.0.0:289 and @v27.5.1:265, @v28.5.2:301 (with ``ValidateHealthStatus``,
    api/types/container/health.go@v28.5.2:48)."""


_BAD_HEALTH_20 = "Unrecognised filter value for health: {v}"
_BAD_HEALTH_24 = "unrecognized filter value for health: {v}"
_BAD_HEALTH_28 = (
    "invalid filter 'health={v}': invalid value for health ({v}): "
    "must be one of none, starting, healthy, unhealthy"
)
_COMMUNITY = "Docker Engine - Community"
ENGINES = {
    "1.52": DockerRelease("29.0.1", "1.44", "2", True, _COMMUNITY, "go1.24.9", _BAD_HEALTH_28),
    "1.51": DockerRelease("28.5.2", "1.24", "2", True, _COMMUNITY, "go1.24.9", _BAD_HEALTH_28),
    "1.47": DockerRelease("27.5.1", "1.24", "2", True, _COMMUNITY, "go1.22.11", _BAD_HEALTH_24),
    # Debian 12's docker.io build, as the real-server tests run it (empty Platform.Name)
    "1.41": DockerRelease("20.10.24+dfsg1", "1.12", None, False, "", "go1.19.8", _BAD_HEALTH_20),
}
_OTHER = DockerRelease("24.0.9", "1.24", "2", True, _COMMUNITY, "go1.20.13", _BAD_HEALTH_24)
HEALTH_IN_SUMMARY = (1, 52)
_PODMAN_NATIVE = {"stopped": "exited", "stopping": "running", "initialized": "created"}
_VALID_HEALTH = ("none", "starting", "healthy", "unhealthy")


def status_text(container: Container, now: datetime) -> str:
    """The list's ``Status``: ``State.String()``, daemon/container/state.go@docker-v29.7.2:82-116.

    The health suffix only while running (daemon/container/health.go@docker-v29.7.2:19-28).
    """
    up = human_duration((now - container.started_at).total_seconds())
    match _PODMAN_NATIVE.get(container.state, container.state):
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


class DockerFlavour(EngineFlavour):
    """Docker Engine at one API version."""

    def __init__(self, api: str) -> None:
        self.api = api
        self.release = ENGINES.get(api, _OTHER)
        self.health_in_summary = _api_tuple(api) >= HEALTH_IN_SUMMARY

    @override
    def state(self, container: Container) -> str:
        return _PODMAN_NATIVE.get(container.state, container.state)

    @override
    def listed_by_default(self, container: Container) -> bool:
        # State.Running, true while paused or restarting too (daemon/list.go@v20.10.24:428)
        return self.state(container) in ("running", "paused", "restarting")

    @override
    def headers(self) -> dict[str, str]:
        # VersionMiddleware (api/server/middleware/version.go@v20.10.24:46-49) and the
        # experimental middleware (api/server/middleware/experimental.go@v20.10.24:25)
        return {
            "Api-Version": self.api,
            "Server": f"Docker/{self.release.engine} (linux)",
            "OSType": "linux",
            "Docker-Experimental": "false",
        }

    @override
    def ping_headers(self) -> dict[str, str]:
        # system_routes.go pingHandler (@v20.10.24:29-44, @docker-v29.7.2:30-50)
        headers = {"Cache-Control": "no-cache, no-store, must-revalidate", "Pragma": "no-cache"}
        if self.release.builder_version is not None:
            headers["Builder-Version"] = self.release.builder_version
        if self.release.swarm_header:
            headers["Swarm"] = "inactive"
        return headers

    @override
    def version_body(self) -> dict[str, Any]:
        # daemon/info.go SystemVersion (@v20.10.24, @docker-v29.7.2:121-175): Components[0] is
        # the Engine, then containerd, runc, docker-init; the top-level fields are deprecated
        # copies of the Engine's
        release = self.release
        details = {
            "ApiVersion": self.api,
            "Arch": "amd64",
            "BuildTime": "2025-11-07T10:11:12.000000000+00:00",
            "Experimental": "false",
            "GitCommit": "5a1c3f0",
            "GoVersion": release.go,
            "KernelVersion": "6.12.48-simulated",
            "MinAPIVersion": release.min_api,
            "Os": "linux",
        }
        return {
            "Platform": {"Name": release.platform},
            "Components": [
                {"Name": "Engine", "Version": release.engine, "Details": details},
                {"Name": "containerd", "Version": "1.7.28", "Details": {"GitCommit": "b98a3aa"}},
                {"Name": "runc", "Version": "1.3.0", "Details": {"GitCommit": "v1.3.0-0"}},
                {"Name": "docker-init", "Version": "0.19.0", "Details": {"GitCommit": "de40ad0"}},
            ],
            "Version": release.engine,
            "ApiVersion": self.api,
            "MinAPIVersion": release.min_api,
            "GitCommit": details["GitCommit"],
            "GoVersion": release.go,
            "Os": "linux",
            "Arch": "amd64",
            "KernelVersion": details["KernelVersion"],
            "BuildTime": details["BuildTime"],
        }

    @override
    def list_row(self, container: Container, now: datetime) -> dict[str, Any]:
        item: dict[str, Any] = {
            "Id": container.id,
            "Names": ["/" + container.name],
            "Image": container.image,
            "ImageID": "sha256:" + container.id[::-1],
            "Command": "/init",
            "Created": int(container.created.timestamp()),
            "Ports": [],
            "Labels": {"com.docker.compose.project": "stepheybot-music"},
            "State": self.state(container),
            "Status": status_text(container, now),
            "HostConfig": {"NetworkMode": "bridge"},
            "NetworkSettings": {"Networks": {}},
            "Mounts": [],
        }
        if self.health_in_summary:
            # always filled, "none" without a healthcheck, the last result after a stop
            # (daemon/container/view.go@docker-v29.7.2:293-313); dropped under API 1.52
            # (daemon/server/router/container/container_routes.go@docker-v29.7.2:146-150)
            health = recorded_health(container)
            item["Health"] = {
                "Status": health,
                "FailingStreak": container.failing_streak if health is not Health.NONE else 0,
            }
        return item

    @override
    def health_filter(self, values: list[str]) -> Callable[[Container], bool] | web.Response:
        # validated (daemon/list.go@docker-v29.7.2:297-303), then matched against the
        # recorded health, "none" included (:491-493)
        for value in values:
            if value not in _VALID_HEALTH:
                return self.error(400, self.release.bad_health.format(v=value))
        return lambda c: str(recorded_health(c)) in values

    @override
    def inspect_health(self, container: Container, now: datetime) -> dict[str, Any] | None:
        # present once a container with a healthcheck started (daemon/inspect.go@docker-v29.7.2:107)
        health = recorded_health(container)
        if health is Health.NONE:
            return None
        return {
            "Status": health,
            "FailingStreak": container.failing_streak,
            "Log": health_log(container, now),
        }

    @override
    def error(self, status: int, text: str) -> web.Response:
        return web.json_response({"message": text}, status=status)

    @override
    def not_found(self) -> web.Response:
        return self.error(404, "page not found")


def flavour_of(flavor: str) -> EngineFlavour:
    """The engine a spec's flavour names."""
    if is_podman(flavor):
        return PodmanFlavour(flavor)
    return DockerFlavour(flavor or DEFAULT_API)


def build_app(ctx: BackendContext) -> web.Application:
    """The Docker Engine API (or podman's) over ``ctx.world.containers``."""
    return build_engine_app(ctx, flavour_of(ctx.spec.flavor))
