"""Simulated time: real time times a speed factor, plus manual jumps."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta


class SimClock:
    """A clock that can run faster than real time and be advanced by hand.

    ``speed`` 0 freezes it (tests advance it explicitly); 1 is real time; 60 makes a
    simulated hour pass in a real minute.
    """

    def __init__(self, start: datetime | None = None, speed: float = 1.0) -> None:
        self._origin = start or datetime.now(UTC).replace(microsecond=0)
        self._real_origin = time.monotonic()
        self._offset = 0.0
        self._speed = speed

    @property
    def speed(self) -> float:
        """Simulated seconds per real second."""
        return self._speed

    @speed.setter
    def speed(self, value: float) -> None:
        elapsed = self.elapsed()
        self._real_origin = time.monotonic()
        self._offset = elapsed
        self._speed = value

    def elapsed(self) -> float:
        """Simulated seconds since the clock started."""
        return self._offset + (time.monotonic() - self._real_origin) * self._speed

    def now(self) -> datetime:
        """The simulated wall-clock time (aware, UTC)."""
        return self._origin + timedelta(seconds=self.elapsed())

    def advance(self, seconds: float) -> None:
        """Jump forward by ``seconds`` of simulated time."""
        self._offset += seconds
