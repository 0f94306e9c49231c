"""Typed, frozen views of Docker Engine API container payloads."""

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
        """Map the API string, keeping unknown future values as ``UNKNOWN``."""
        try:
            return cls(value.lower())
        except ValueError:
            return cls.UNKNOWN


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
    """Parsed from the ``Status`` text (older daemons)."""
    INSPECT = "inspect"
    """``State.Health`` of ``/containers/{id}/json``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Container:
    """One container, keyed by its name (ids change when a container is recreated)."""

    name: str
    """Without the leading slash."""
    id: str
    image: str
    state: ContainerState
    status: str
    """Docker's human text, e.g. ``"Up 3 minutes (healthy)"`` (empty from inspect)."""
    health: ContainerHealth
    health_source: HealthSource
    failing_streak: int | None
    """Consecutive failed healthchecks; None when the API does not say."""
    created: datetime | None
    started_at: datetime | None = None
    """Only known from inspect (:meth:`DockerClient.inspect`)."""
    finished_at: datetime | None = None
    """Only known from inspect; None while it never stopped."""
    exit_code: int | None = None
    """Only known from inspect."""
    restart_count: int | None = None
    """Only known from inspect."""

    @property
    def is_running(self) -> bool:
        """True while the container runs (paused counts as not running)."""
        return self.state is ContainerState.RUNNING


@dataclass(frozen=True, slots=True, kw_only=True)
class DockerVersion:
    """``/version``: the engine and the API version it speaks on unversioned paths."""

    version: str
    """Engine version, e.g. ``"29.0.1"``."""
    api_version: str
    """E.g. ``"1.52"``."""
    min_api_version: str | None
    os: str | None
    arch: str | None
    kernel_version: str | None
