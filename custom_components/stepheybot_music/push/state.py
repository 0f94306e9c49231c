"""One backend's push state, and what it does to polling and repairs.

While push is healthy the backend's coordinators poll at :data:`SAFETY_INTERVAL` (a safety net
for anything a missed call would leave stale); the moment push breaks they return to their
own intervals, refresh at once, and the repair issue ``push_unavailable`` says what failed and
how to fix it. Push that recovers lifts the issue and slows polling again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util

from ..issues import IssueKind, async_clear_issue, async_raise_issue

if TYPE_CHECKING:
    from ..coordinators.base import StackCoordinator
    from ..runtime import BackendRef, StepheyBotConfigEntry

_LOGGER = logging.getLogger(__package__)

SAFETY_INTERVAL = timedelta(hours=1)
"""How often a backend whose push is healthy is still polled."""


class PushMode(StrEnum):
    """Where a backend's push stands."""

    STARTING = "starting"
    HEALTHY = "healthy"
    BROKEN = "broken"
    """Push was wanted and failed: polling at the usual intervals, a repair issue raised."""
    UNREACHABLE = "unreachable"
    """Push is on by default but Lidarr reaches no URL of Home Assistant: polling only, no
    issue (nothing broke; turning push on explicitly makes this a repair)."""


@dataclass(kw_only=True)
class PushState:
    """The push of one backend: its mode, why, and the coordinators it slows."""

    hass: HomeAssistant
    entry: StepheyBotConfigEntry
    ref: BackendRef
    slowed: tuple[StackCoordinator[Any], ...]
    """The coordinators that poll at :data:`SAFETY_INTERVAL` while push is healthy."""
    channel: str
    """How the backend pushes (``webhook``, ``event stream``), for diagnostics."""
    mode: PushMode = PushMode.STARTING
    problem: str | None = None
    events: int = 0
    """Calls or events received since set-up."""
    last_event: datetime | None = None
    since: datetime = field(default_factory=dt_util.utcnow)
    """When the mode last changed."""
    _intervals: dict[str, timedelta | None] = field(default_factory=dict)
    _listeners: list[Callable[[], None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        """Remember each coordinator's own interval."""
        self._intervals = {c.role: c.update_interval for c in self.slowed}

    def async_add_listener(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call ``listener`` when the mode changes or something arrives; returns the remover."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def received(self) -> None:
        """A call or event arrived."""
        self.events += 1
        self.last_event = dt_util.utcnow()
        self._tell()

    def _tell(self) -> None:
        for listener in list(self._listeners):
            listener()

    def healthy(self) -> None:
        """Push works: slow polling down, lift the issue."""
        if self.mode is not PushMode.HEALTHY:
            _LOGGER.info("%s pushes to Home Assistant (%s)", self.ref.title, self.channel)
            self._set(PushMode.HEALTHY, None)
        for coordinator in self.slowed:
            coordinator.update_interval = SAFETY_INTERVAL
        async_clear_issue(self.hass, IssueKind.PUSH_UNAVAILABLE, self.ref.subentry_id)

    def unreachable(self, problem: str) -> None:
        """Push cannot be offered; poll as usual, without an issue."""
        self._set(PushMode.UNREACHABLE, problem)
        self._poll_again()

    def broken(self, problem: str, fix: str) -> None:
        """Push failed: poll at once and as usual, and say what to fix in a repair issue."""
        was = self.mode
        self._set(PushMode.BROKEN, problem)
        if was is not PushMode.BROKEN:
            _LOGGER.warning("%s: push stopped, polling instead: %s", self.ref.title, problem)
            self._poll_again()
        async_raise_issue(
            self.hass,
            IssueKind.PUSH_UNAVAILABLE,
            self.ref.subentry_id,
            {"backend": self.ref.title, "problem": problem, "fix": fix},
            severity=ir.IssueSeverity.WARNING,
        )

    def stop(self) -> None:
        """The stack unloads: nothing to restore (its coordinators go too)."""

    def as_dict(self) -> dict[str, Any]:
        """For diagnostics (no URL, id or secret)."""
        return {
            "channel": self.channel,
            "mode": str(self.mode),
            "since": self.since.isoformat(),
            "problem": self.problem,
            "events": self.events,
            "last_event": self.last_event.isoformat() if self.last_event else None,
            "slowed": sorted(self._intervals) if self.mode is PushMode.HEALTHY else [],
        }

    def _set(self, mode: PushMode, problem: str | None) -> None:
        if mode is not self.mode:
            self.since = dt_util.utcnow()
        self.mode, self.problem = mode, problem
        self._tell()

    def _poll_again(self) -> None:
        """Every slowed coordinator back to its own interval, the fast ones refreshed now."""
        for coordinator in self.slowed:
            own = self._intervals[coordinator.role]
            if coordinator.update_interval != own:
                coordinator.update_interval = own
                self.entry.async_create_background_task(
                    self.hass,
                    coordinator.async_request_refresh(),
                    f"{coordinator.name} polls again",
                )
