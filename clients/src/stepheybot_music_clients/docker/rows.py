"""Container payloads into :class:`Container`: list rows, podman's native rows, inspect.

Health is reported only for running containers (see ``Container.health``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from stepheybot_music_clients.docker.models import (
    Container,
    ContainerHealth,
    ContainerState,
    HealthSource,
)
from stepheybot_music_clients.timestamps import parse_timestamp


def _name(names: Any, fallback: str) -> str:
    """The container's own name: the entry without a second slash (others are links)."""
    if isinstance(names, list):
        own = [str(n).lstrip("/") for n in names if "/" not in str(n).lstrip("/")]
        if own:
            return own[0]
    return fallback


def _unix(value: Any) -> datetime | None:
    """A Unix time in seconds; None for 0 and Go's zero time (-62135596800)."""
    seconds = int(value or 0)
    return datetime.fromtimestamp(seconds, UTC) if seconds > 0 else None


def _now_only(container: Container) -> Container:
    """No health for a container that does not run: what is recorded is from before it stopped."""
    if container.state is ContainerState.RUNNING:
        return container
    return replace(container, health=ContainerHealth.NONE, failing_streak=None)


def summary(item: Mapping[str, Any]) -> Container:
    """A row of ``/containers/json``.

    Health comes from the row's ``Health`` (Docker 29+, API 1.52+:
    api/types/container/container.go@docker-v29.7.2:92-113), else from the ``Status`` suffix
    ``(healthy)``/``(unhealthy)``/``(health: starting)`` that Docker writes for running
    containers only (daemon/container/state.go@docker-v29.7.2:82-116). podman's rows have
    neither (pkg/api/handlers/compat/containers.go@v5.8.2:307-336): the client then fills the
    health in from another request (:class:`DockerClient`).
    """
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
    return _now_only(
        Container(
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
    )


def libpod_row(item: Mapping[str, Any]) -> Container:
    """A row of podman's native ``/v{x}/libpod/containers/json``.

    ``ListContainer``: pkg/domain/entities/types/container_ps.go@v5.8.2:11-74 (the same fields
    in pkg/domain/entities/container_ps.go@v4.3.1 but ``Restarts``).

    ``Status`` is the healthcheck status, ``""`` without a healthcheck
    (``Status: healthStatus``, pkg/ps/ps.go@v5.8.2:188,234,309); podman writes ``starting`` when
    a container with a healthcheck starts (libpod/container_internal.go@v5.8.2:1316-1318), so
    ``""`` on a running container means no healthcheck. ``Names`` carry no slash, ``Created``
    is RFC 3339, ``StartedAt``/``ExitedAt`` are Unix seconds (Go's zero time when never).
    """
    container_id = str(item["Id"])
    health_status = str(item.get("Status") or "")
    exited = bool(item.get("Exited"))
    restarts = item.get("Restarts")
    return _now_only(
        Container(
            name=_name(item.get("Names"), container_id[:12]),
            id=container_id,
            image=str(item.get("Image") or ""),
            state=ContainerState.from_api(str(item["State"])),
            status="",
            health=ContainerHealth.from_api(health_status or None),
            health_source=HealthSource.LIBPOD,
            failing_streak=None,
            created=parse_timestamp(item.get("Created")),
            started_at=_unix(item.get("StartedAt")),
            finished_at=_unix(item.get("ExitedAt")) if exited else None,
            exit_code=int(item.get("ExitCode") or 0),
            restart_count=int(restarts) if restarts is not None else None,
        )
    )


def inspected(data: Mapping[str, Any]) -> Container:
    """``/containers/{id}/json``.

    ``State.Health`` is there once Docker started a container with a healthcheck
    (daemon/inspect.go@docker-v29.7.2:107). podman 4.3 sends it for every container, with
    ``Status: ""`` when there is no check (seen on podman 4.3.1); podman 5 for containers with
    a check that are not ``created`` (pkg/api/handlers/compat/containers.go@v5.8.2:483-507).
    podman writes ``starting`` as such a container starts
    (libpod/container_internal.go@v5.8.2:1316-1318), so an empty status means no healthcheck.
    """
    state = data["State"]
    config = data.get("Config") or {}
    health_data = state.get("Health")
    health = ContainerHealth.NONE
    failing: int | None = None
    if isinstance(health_data, dict):
        health = ContainerHealth.from_api(health_data.get("Status") or None)
        if health is not ContainerHealth.NONE:
            failing = int(health_data.get("FailingStreak") or 0)
    container_id = str(data["Id"])
    return _now_only(
        Container(
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
    )
