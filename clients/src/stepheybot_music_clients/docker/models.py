"""Typed, frozen views of Docker Engine API (and podman's Docker-compatible API) payloads."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class ContainerState(StrEnum):
    """A container's state (``State`` of the summary, ``State.Status`` of inspect)."""

    CREATED = "created"
    RUNNING = "running"
    PAUSED = "paused"
    RESTARTING = "restarting"
    REMOVING = "removing"
    EXITED = "exited"
    DEAD = "dead"
    UNKNOWN = "unknown"

    @classmethod
    def from_api(cls, value: str) -> ContainerState:
        """Map the API string, podman's own states included; unknown values are ``UNKNOWN``."""
        text = value.lower()
        try:
            return cls(_PODMAN_STATES.get(text, text))
        except ValueError:
            return cls.UNKNOWN


_PODMAN_STATES = {"stopped": "exited", "stopping": "running", "initialized": "created"}
"""podman's list ``State`` values Docker lacks, mapped as podman's own inspect maps them
(``State`` strings: libpod/define/containerstate.go@v5.8.2:41-66; mapping:
pkg/api/handlers/compat/containers.go@v5.8.2:464-477): ``stopped`` exited but not cleaned up
yet, ``stopping`` still running, ``initialized`` created in the runtime, never started."""


class ContainerHealth(StrEnum):
    """The healthcheck result; ``NONE`` when the image has no healthcheck."""

    NONE = "none"
    STARTING = "starting"
    HEALTHY = "healthy"
    UNHEALTHY = "unhealthy"

    @classmethod
    def from_api(cls, value: str | None) -> ContainerHealth:
        """Map the API string (missing or unknown: ``NONE``)."""
        try:
            return cls((value or "none").lower())
        except ValueError:
            return cls.NONE

    @classmethod
    def from_status_text(cls, status: str) -> ContainerHealth:
        """Parse the health out of a summary ``Status`` like ``"Up 3 minutes (healthy)"``."""
        match = _HEALTH_IN_STATUS.search(status)
        if match is None:
            return cls.NONE
        return cls.STARTING if match.group(1) == "health: starting" else cls(match.group(1))


_HEALTH_IN_STATUS = re.compile(r"\((healthy|unhealthy|health: starting)\)")


class HealthSource(StrEnum):
    """Where a container's health came from."""

    SUMMARY = "summary"
    """The ``Health`` field of the list (API 1.52+)."""
    STATUS_TEXT = "status_text"
    """Parsed from the ``Status`` text (Docker before API 1.52)."""
    INSPECT = "inspect"
    """``State.Health`` of ``/containers/{id}/json``."""
    LIBPOD = "libpod"
    """podman's native list (``/v4.0.0/libpod/containers/json``), whose ``Status`` is the health."""
    HEALTH_FILTER = "health_filter"
    """podman behind a socket proxy: the list filtered by ``health`` (its rows carry none)."""


class Engine(StrEnum):
    """Which daemon answers the Docker API."""

    DOCKER = "docker"
    PODMAN = "podman"
    """podman's Docker-compatible service (``podman system service``)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Container:
    """One container, keyed by its name (ids change when a container is recreated)."""

    name: str
    """Without the leading slash."""
    id: str
    image: str
    state: ContainerState
    status: str
    """Docker's human text, e.g. ``"Up 3 minutes (healthy)"`` (empty from inspect and from
    podman's native list)."""
    health: ContainerHealth
    """The healthcheck result now: ``NONE`` unless the container runs and has a healthcheck.

    Both engines keep the last result after a container stops (Docker:
    daemon/container/view.go@docker-v29.7.2:293-299; podman: libpod/healthcheck.go@v5.8.2),
    so a stopped container's recorded health is stale and never reported."""
    health_source: HealthSource
    failing_streak: int | None
    """Consecutive failed healthchecks; None when the API does not say."""
    created: datetime | None
    started_at: datetime | None = None
    """Known from inspect (:meth:`DockerClient.inspect`) and podman's native list."""
    finished_at: datetime | None = None
    """Known from inspect and podman's native list; None while it never stopped."""
    exit_code: int | None = None
    """Known from inspect and podman's native list."""
    restart_count: int | None = None
    """Known from inspect (and podman 5's native list)."""

    @property
    def is_running(self) -> bool:
        """True while the container runs (paused counts as not running)."""
        return self.state is ContainerState.RUNNING


@dataclass(frozen=True, slots=True, kw_only=True)
class DockerVersion:
    """``/version``: the engine and the API version it speaks on unversioned paths."""

    version: str
    """Engine version, e.g. ``"29.0.1"`` (podman: its own version, e.g. ``"5.8.2"``)."""
    api_version: str
    """E.g. ``"1.52"``."""
    min_api_version: str | None
    os: str | None
    arch: str | None
    kernel_version: str | None
    engine: Engine = Engine.DOCKER
    """podman when ``Components`` names the "Podman Engine" or a ``Libpod-API-Version``
    header came back."""
    platform: str | None = None
    """``Platform.Name``: "Docker Engine - Community", or podman's ``linux/amd64/fedora-41``."""
