"""Prowlarr's indexer back-off: when a failing indexer is blocked, and what ``indexerstatus`` shows.

As in Prowlarr v2.3.5.5327 (``src/NzbDrone.Core/ThingiProvider/Status/``):

- A failed query (``RecordFailure``, ProviderStatusServiceBase.cs:85-140) sets
  ``mostRecentFailure``; the first one of a run also ``initialFailure`` and escalation level 1,
  later ones raise the level (not during the 15 minutes after Prowlarr started), and the
  indexer is blocked until ``now + Periods[level]`` (EscalationBackOff.cs: 0, 1 min, 5 min,
  15 min, 30 min, 1 h, 3 h, 6 h, 12 h, 24 h), at most 5 minutes during that startup grace.
- A successful query (``RecordSuccess``, :60-83) lowers the level by one and unblocks it.
- ``GET /api/v1/indexerstatus`` lists only the indexers blocked now (``GetBlockedProviders``,
  :43-46; ``IsDisabled``, ProviderStatusBase.cs:15-18), enabled or not, each as
  ``indexerId``, ``disabledTill``, ``mostRecentFailure``, ``initialFailure``: no ``id``, no
  escalation level (Prowlarr.Api.V1/Indexers/IndexerStatusResource.cs).

Prowlarr only learns that an indexer fails when something queries it: here the apps behind
it ask every enabled, unblocked indexer every :data:`QUERY_INTERVAL`, searches through the
facade ask too, and a change of the world's ``failing`` flag is noticed at once (as if an app
asked just then). So a tracker that stays down is blocked for 1 minute, then 5, 15, 30
minutes, ... with gaps in between where it is listed nowhere, as on a real Prowlarr.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..model import Indexer

PERIODS = (0, 60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 24 * 3600)
"""Seconds of back-off per escalation level (EscalationBackOff.cs @ v2.3.5.5327)."""
STARTUP_GRACE = timedelta(minutes=15)
"""``MinimumTimeSinceStartup``: no escalation, and blocks of at most ``PERIODS[2]``."""
QUERY_INTERVAL = timedelta(minutes=15)
"""How often the apps ask each indexer (Lidarr's default RSS sync interval)."""
LONG_TERM = timedelta(hours=6)
"""Blocked runs that started longer ago are IndexerLongTermStatusCheck's, not
IndexerStatusCheck's (HealthCheck/Checks/*.cs @ v2.3.5.5327)."""


@dataclass(slots=True)
class ProviderStatus:
    """The ``IndexerStatus`` row Prowlarr keeps for one indexer."""

    indexer_id: int
    escalation: int = 0
    initial_failure: datetime | None = None
    most_recent_failure: datetime | None = None
    disabled_till: datetime | None = None

    def blocked(self, now: datetime) -> bool:
        """``IsDisabled()``: blocked until a time still ahead."""
        return self.disabled_till is not None and self.disabled_till > now


class Backoff:
    """Every indexer's status in one Prowlarr, brought up to date on each request."""

    def __init__(self, process_start: datetime) -> None:
        """``process_start``: when Prowlarr started (its startup grace counts from there)."""
        self.process_start = process_start
        self.statuses: dict[int, ProviderStatus] = {}
        self._next_query: dict[int, datetime] = {}
        self._seen_failing: dict[int, bool] = {}

    def status(self, indexer_id: int) -> ProviderStatus:
        """The row of an indexer (created empty, as ``GetProviderStatus`` does)."""
        return self.statuses.setdefault(indexer_id, ProviderStatus(indexer_id))

    def record_failure(self, indexer_id: int, now: datetime) -> None:
        """``RecordFailure`` without a minimum back-off (what an HTTP failure records)."""
        status = self.status(indexer_id)
        status.most_recent_failure = now
        escalate = True
        if status.escalation == 0:
            status.initial_failure = now
            status.escalation = 1
            escalate = False
        in_startup = self.process_start + STARTUP_GRACE > now
        if escalate and not in_startup:
            status.escalation = min(len(PERIODS) - 1, status.escalation + 1)
        status.disabled_till = now + timedelta(seconds=PERIODS[status.escalation])
        if in_startup:
            status.disabled_till = min(status.disabled_till, now + timedelta(seconds=PERIODS[2]))

    def record_success(self, indexer_id: int) -> None:
        """``RecordSuccess``: one level down, unblocked."""
        status = self.status(indexer_id)
        if status.escalation == 0:
            return
        status.escalation -= 1
        status.disabled_till = None

    def query(self, indexer: Indexer, now: datetime) -> None:
        """Prowlarr asks ``indexer`` now (unless it is blocked)."""
        if self.status(indexer.id).blocked(now):
            return
        if indexer.failing:
            self.record_failure(indexer.id, now)
        else:
            self.record_success(indexer.id)
        self._next_query[indexer.id] = now + QUERY_INTERVAL

    def catch_up(self, indexers: Iterable[Indexer], now: datetime) -> None:
        """Play the queries due since the last request, up to ``now``."""
        for indexer in indexers:
            if not indexer.enabled:
                continue  # nobody asks a disabled indexer: its row stays as it was
            if self._seen_failing.get(indexer.id) != indexer.failing:
                self._seen_failing[indexer.id] = indexer.failing
                self.query(indexer, now)
                continue
            due = self._next_query.get(indexer.id, now)
            while due <= now:
                self.query(indexer, due)
                due = max(self._next_query.get(indexer.id, due), due + QUERY_INTERVAL)
                self._next_query[indexer.id] = due

    def blocked(self, now: datetime) -> list[ProviderStatus]:
        """The rows ``indexerstatus`` lists: blocked now, by indexer id."""
        return sorted(
            (s for s in self.statuses.values() if s.blocked(now)), key=lambda s: s.indexer_id
        )
