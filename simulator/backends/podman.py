"""podman's Docker-compatible service (``podman system service``) at 4.3 and 5.8.

Flavours ``podman-4.3`` and ``podman-5.8`` (``podman`` alone), each from containers/podman at
that tag.

What a client sees differently from Docker:

- Every reply carries ``API-Version``, ``Libpod-API-Version`` and ``Server: Libpod/<v> (linux)``
  (pkg/api/server/handler_api.go@v5.8.2:47-52, the same @v4.3.1), plus ``X-Reference-Id``
  (pkg/api/server/handler_rid.go@v5.8.2:38-39).
- ``/version`` names the ``Podman Engine`` in ``Components``, then Conmon and the OCI runtime
  (pkg/api/handlers/compat/version.go@v4.3.1 and @v5.8.2:20-84).
- The list rows carry **no health**: no ``Health`` field and a ``Status`` without the
  ``(healthy)`` suffix (``LibpodToContainer``, pkg/api/handlers/compat/containers.go@v4.3.1:277-398,
  @v5.8.2:286-431). ``State`` is podman's own (``stopped``, ``stopping``, ``initialized``;
  libpod/define/containerstate.go@v5.8.2:41-66). Each row is ``handlers.Container``, Docker's
  summary embedded beside an empty ``ContainerCreateConfig``: its ``HostConfig`` collides with the
  summary's, so Go's encoder drops both, and ``Name``/``Config``/``NetworkingConfig``/
  ``Platform`` plus ``AdjustCPUShares`` (4.3) or ``DefaultReadOnlyNonRecursive`` (5.8) appear
  (pkg/api/handlers/types.go@v5.8.2:104-107; "FIXME: this seems broken, the field is never shown",
  compat/containers.go@v5.8.2:418).
- The ``health`` filter compares the recorded status, empty without a healthcheck, so ``none``
  matches nothing, and values are not validated (pkg/domain/filters/containers.go@v4.3.1:168-180,
  @v5.8.2:174-181).
- Inspect has ``State.Health``: podman 4.3 for every container (libpod's inspect state has a
  non-pointer ``Health``, libpod/define/container_inspect.go@v4.3.1:222, so a container without a
  check shows ``{"Status": ""}``); podman 5.8 only with a healthcheck and not ``created``
  (compat/containers.go@v5.8.2:483-507). Errors are ``{"cause", "message", "response"}``
  (pkg/api/handlers/utils/errors.go@v5.8.2:27-52), unknown paths ``Not Found`` as text
  (pkg/api/server/server.go@v5.8.2:116-122).
- The native list ``/v{version}/libpod/containers/json`` (versioned path only,
  pkg/api/server/register_containers.go@v5.8.2:805) carries the health as ``Status``
  (pkg/ps/ps.go@v5.8.2:188,234,309).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, override

from aiohttp import web

from ..model import Container, Health
from . import BackendContext
from .container_api import (
    EngineFlavour,
    go_time,
    health_log,
    human_duration,
    parse_filters,
    recorded_health,
)

GO_ZERO_UNIX = -62135596800
"""``time.Time{}.Unix()``: podman's ``StartedAt``/``ExitedAt`` of a container that never did."""


@dataclass(frozen=True, slots=True)
class PodmanRelease:
    """What differs between the podman releases played."""

    version: str
    api: str
    """Compat ``CurrentAPI``: version/version.go@v4.3.1:45 ("1.41"), @v5.8.2:43 ("1.44")."""
    buildah: str
    builder_version: str
    """``Builder-Version`` of ``/_ping``: "" @v4.3.1, "1" @v5.8.2 (compat/ping.go)."""
    ping_os_type: bool
    """``OSType`` on ``/_ping``: only @v5.8.2."""
    platform: str
    runtime: str
    create_config_flag: str
    """The bool of Docker's ``ContainerCreateConfig`` in the list rows (the vendored
    github.com/docker/docker api/types/backend/backend.go)."""
    health_for_every_container: bool
    """Inspect's ``State.Health`` on every container (4.3) or only with a check (5.8)."""
    docker_inspect_states: bool
    """Inspect maps ``stopped``/``stopping`` to Docker's states.

    5.8: compat/containers.go@v5.8.2:464-477; 4.3 maps only ``initialized``,
    compat/containers.go@v4.3.1:434-437.
    """
    restarts_in_native_list: bool
    """``Restarts``, ``CIDFile`` and ``ExposedPorts`` in the native list rows: only @v5.8.2."""


RELEASES = {
    # Debian 12's podman, as the real-server tests run it
    "4.3": PodmanRelease(
        "4.3.1", "1.41", "1.28.2", "", False, "linux/amd64/debian-12", "runc",
        "AdjustCPUShares", True, False, False,
    ),
    "5.8": PodmanRelease(
        "5.8.2", "1.44", "1.43.0", "1", True, "linux/amd64/fedora-43", "crun",
        "DefaultReadOnlyNonRecursive", False, True, True,
    ),
}  # fmt: skip
_ALIASES = {"podman": "5.8", "podman-4.3": "4.3", "podman-4": "4.3", "podman-5.8": "5.8"}
_NATIVE_STATE = {"restarting": "stopped", "dead": "exited"}
"""World states podman lacks: a restart-policy restart passes through ``stopped``."""
_DOCKER_STATE = {"stopped": "exited", "stopping": "running", "initialized": "created"}


def is_podman(flavor: str) -> bool:
    """Whether a Docker spec's flavour names a podman release."""
    return flavor.startswith("podman")


def release_of(flavor: str) -> PodmanRelease:
    """The release a flavour names: ``podman``/``podman-5.8`` or ``podman-4.3``."""
    key = _ALIASES.get(flavor)
    if key is None:
        raise ValueError(f"unknown podman flavor {flavor!r}; use podman-4.3 or podman-5.8")
    return RELEASES[key]


def _status_text(state: str, container: Container, now: datetime) -> str:
    """The compat list's ``Status``: never a health (compat/containers.go@v5.8.2:307-336)."""
    up = human_duration((now - container.started_at).total_seconds())
    match state:
        case "created" | "initialized":
            return "Created"
        case "stopped" | "exited":
            return f"Exited ({container.exit_code}) {up} ago"
        case "running":
            return f"Up {up}"
        case "paused":
            return f"Up {up} (Paused)"
        case "removing":
            return "Removal In Progress"
        case "stopping":
            return "Stopping"
    return "Unknown"


class PodmanFlavour(EngineFlavour):
    """podman's Docker-compatible API at one release."""

    def __init__(self, flavor: str) -> None:
        self.release = release_of(flavor)
        self.api = self.release.api
        self._rid = 0xC000010000

    @override
    def state(self, container: Container) -> str:
        return _NATIVE_STATE.get(container.state, container.state)

    @override
    def inspect_status(self, container: Container) -> str:
        state = self.state(container)
        if self.release.docker_inspect_states:
            return _DOCKER_STATE.get(state, state)
        return "created" if state == "initialized" else state

    @override
    def headers(self) -> dict[str, str]:
        self._rid += 0x58
        version = self.release.version
        return {
            "Api-Version": self.api,
            "Libpod-Api-Version": version,
            "Server": f"Libpod/{version} (linux)",
            "X-Reference-Id": f"0x{self._rid:x}",
        }

    @override
    def ping_headers(self) -> dict[str, str]:
        headers = {
            "Builder-Version": self.release.builder_version,
            "Buildkit-Version": "",
            "Docker-Experimental": "true",
            "Cache-Control": "no-cache",
            "Pragma": "no-cache",
            "Libpod-Buildah-Version": self.release.buildah,
        }
        if self.release.ping_os_type:
            headers["OSType"] = "linux"
        return headers

    @override
    def version_body(self) -> dict[str, Any]:
        release = self.release
        engine = {
            "APIVersion": release.version,
            "Arch": "amd64",
            "BuildTime": "2026-01-20T00:00:00Z",
            "Experimental": "false",
            "GitCommit": "",
            "GoVersion": "go1.24.11",
            "KernelVersion": "6.12.48-simulated",
            "MinAPIVersion": "4.0.0",
            "Os": "linux",
        }
        return {
            "Platform": {"Name": release.platform},
            "Components": [
                {"Name": "Podman Engine", "Version": release.version, "Details": engine},
                {
                    "Name": "Conmon",
                    "Version": "conmon version 2.1.13, commit: unknown",
                    "Details": {"Package": "conmon-2.1.13-1"},
                },
                {
                    "Name": f"OCI Runtime ({release.runtime})",
                    "Version": f"{release.runtime} version 1.23",
                    "Details": {"Package": f"{release.runtime}-1.23-1"},
                },
            ],
            "Version": release.version,
            "ApiVersion": release.api,
            "MinAPIVersion": "1.24",
            "GitCommit": "",
            "GoVersion": engine["GoVersion"],
            "Os": "linux",
            "Arch": "amd64",
            "KernelVersion": engine["KernelVersion"],
            "BuildTime": engine["BuildTime"],
        }

    @override
    def list_row(self, container: Container, now: datetime) -> dict[str, Any]:
        state = self.state(container)
        return {
            "Id": container.id,
            "Names": ["/" + container.name],
            "Image": container.image,
            "ImageID": "sha256:" + container.id[::-1],
            "Command": "/init",
            "Created": int(container.created.timestamp()),
            "Ports": [],
            "Labels": {"com.docker.compose.project": "stepheybot-music"},
            # "initialized" shows as Docker's "created" (compat/containers.go@v5.8.2:302-305)
            "State": "created" if state == "initialized" else state,
            "Status": _status_text(state, container, now),
            "NetworkSettings": {"Networks": None},
            "Mounts": [],
            "Name": "",
            "Config": None,
            "NetworkingConfig": None,
            "Platform": None,
            self.release.create_config_flag: False,
        }

    @override
    def health_filter(self, values: list[str]) -> Callable[[Container], bool] | web.Response:
        def recorded(container: Container) -> str:
            health = recorded_health(container)
            return "" if health is Health.NONE else str(health)

        return lambda c: recorded(c) in values

    @override
    def inspect_health(self, container: Container, now: datetime) -> dict[str, Any] | None:
        health = recorded_health(container)
        if health is Health.NONE:
            if self.release.health_for_every_container:
                return {"Status": "", "FailingStreak": 0, "Log": None}
            return None
        return {
            "Status": health,
            "FailingStreak": container.failing_streak,
            "Log": health_log(container, now),
        }

    @override
    def inspect_extra(self, container: Container) -> dict[str, Any]:
        return {"SizeRootFs": 0}

    @override
    def error(self, status: int, text: str) -> web.Response:
        cause = "no such container" if status == 404 else text
        if text.startswith("No such container: "):
            ref = text.removeprefix("No such container: ")
            text = f'no container with name or ID "{ref}" found: no such container'
        body = {"cause": cause, "message": text, "response": status}
        return web.json_response(body, status=status)

    @override
    def not_found(self) -> web.Response:
        return web.Response(
            status=404,
            text="Not Found\n",
            headers={"X-Content-Type-Options": "nosniff"},
        )

    def native_row(self, container: Container) -> dict[str, Any]:
        """A ``ListContainer`` row (pkg/domain/entities/types/container_ps.go@v5.8.2:11-74)."""
        state = self.state(container)
        never_started = state in ("created", "initialized")
        exited = state in ("exited", "stopped")
        health = recorded_health(container)
        row: dict[str, Any] = {
            "AutoRemove": False,
            "Command": ["/init"],
            "Created": go_time(container.created),
            "CreatedAt": "",
            "Exited": exited,
            "ExitedAt": int(container.started_at.timestamp()) if exited else GO_ZERO_UNIX,
            "ExitCode": container.exit_code,
            "Id": container.id,
            "Image": container.image,
            "ImageID": container.id[::-1],
            "IsInfra": False,
            "Labels": {"com.docker.compose.project": "stepheybot-music"},
            "Mounts": [],
            "Names": [container.name],
            "Namespaces": {},
            "Networks": [],
            "Pid": 0 if never_started or exited else 4242,
            "Pod": "",
            "PodName": "",
            "Ports": None,
            "Size": None,
            "StartedAt": GO_ZERO_UNIX if never_started else int(container.started_at.timestamp()),
            "State": state,
            "Status": "" if health is Health.NONE else str(health),
        }
        if self.release.restarts_in_native_list:
            row |= {"CIDFile": "", "ExposedPorts": None, "Restarts": 0}
        return row

    @override
    def add_routes(self, app: web.Application, ctx: BackendContext) -> None:
        async def native_list(request: web.Request) -> web.Response:
            show_all = request.query.get("all", "") in ("1", "true", "True")
            try:
                filters = parse_filters(request.query.get("filters"))
                # a regex on the bare name (pkg/domain/filters/containers.go@v5.8.2:37-45)
                names = [re.compile(n.replace("/", "")) for n in filters.get("name", [])]
            except (ValueError, TypeError, re.error) as err:
                return self.error(500, f"failed to decode filter parameters: {err}")
            rows = [
                self.native_row(c)
                for c in ctx.world.containers.values()
                if (show_all or self.state(c) == "running")
                and (not names or any(n.search(c.name) for n in names))
            ]
            return web.json_response(rows)

        app.router.add_get(r"/v{version:[0-9][0-9A-Za-z.-]*}/libpod/containers/json", native_list)
