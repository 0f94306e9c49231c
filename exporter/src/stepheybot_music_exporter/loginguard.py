"""Login back-off: a wrong password must never get the exporter's address banned.

qBittorrent bans a client address for an hour after five failed logins and never forgets
the count of failures (qBittorrent issue #16476). A collector that logs in is therefore
guarded: after a failed login the next attempt waits ``backoff`` seconds (doubling each
time), and after ``max_failures`` failures in a row the exporter stops logging in until
it is restarted. A reported ban is waited out.
"""

from __future__ import annotations

import time
from collections.abc import Callable

DEFAULT_BAN_SECONDS = 3600.0


class LoginGuard:
    """Decides whether a collector may try to log in now."""

    def __init__(
        self,
        backoff: float,
        max_failures: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Guard one backend's logins."""
        self.backoff = backoff
        self.max_failures = max_failures
        self.failures = 0
        """Failed logins in a row."""
        self.blocked_until = 0.0
        self.ban_until = 0.0
        """When a ban the backend reported should be over (0: no ban)."""
        self._clock = clock

    @property
    def given_up(self) -> bool:
        """True once ``max_failures`` logins in a row failed: no more attempts."""
        return self.failures >= self.max_failures

    @property
    def banned_now(self) -> bool:
        """True while waiting out a ban the backend reported."""
        return self.ban_until > self._clock()

    def blocked_for(self) -> float | None:
        """Seconds until the next login may be tried; None when it may be tried now.

        ``inf`` once the guard has given up.
        """
        if self.given_up:
            return float("inf")
        remaining = self.blocked_until - self._clock()
        return remaining if remaining > 0 else None

    def failed(self) -> None:
        """Record a rejected login and block the next one."""
        self.failures += 1
        self.blocked_until = self._clock() + self.backoff * 2 ** (self.failures - 1)

    def banned(self, retry_after: float | None) -> None:
        """Record a ban: wait it out (an hour when the backend does not say)."""
        seconds = retry_after if retry_after and retry_after > 0 else DEFAULT_BAN_SECONDS
        self.ban_until = max(self.ban_until, self._clock() + seconds)
        self.blocked_until = max(self.blocked_until, self.ban_until)

    def succeeded(self) -> None:
        """A collection worked: the credentials are good, forget earlier failures."""
        self.failures = 0
        self.blocked_until = self.ban_until = 0.0
