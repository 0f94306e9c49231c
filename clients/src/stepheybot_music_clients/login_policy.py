"""The login policy: a wrong password must never get this address banned.

qBittorrent bans a client address for an hour after five failed logins and never forgets
the count of failures (qBittorrent issue #16476); Transmission with anti-brute-force on locks
its RPC after too many (libtransmission/rpc-server.cc@4.0.6:458-468), and Navidrome
rate-limits ``/auth/login`` by address (server/server.go@v0.58.5:197-214).
So every program of the stack logs in through one :class:`LoginGuard`, which remembers the
rejected credentials and a reported ban, and decides when a login may be tried again:

* after a rejection the next login with the same credentials waits ``backoff`` seconds,
  doubling with each further rejection in a row;
* after ``max_failures`` rejections in a row none is tried until the credentials change
  (:meth:`LoginGuard.credentials_changed`; for the exporter that is a restart);
* a ban is waited out: for as long as the backend says, else :data:`DEFAULT_BAN_SECONDS`.

The default policy stops at the first rejection, which is what Home Assistant wants (it asks
the user to reauthenticate). The exporter, which cannot ask anyone, allows a few attempts
spaced out by its ``--login-backoff`` and ``--max-login-failures``, always fewer than
qBittorrent's five. A client that logs in itself (qBittorrent) records into the guard it is
given, and a caller that sees a client's errors (the exporter's stack) records into the same
guard: recording one error twice counts it once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from stepheybot_music_clients.errors import InvalidAuthError, IpBannedError

DEFAULT_BAN_SECONDS = 3600.0
"""How long a ban is assumed to last when the backend does not say (qBittorrent's default
``WebUI\\BanDuration``)."""


def _monotonic() -> float:
    # looked up at every call, so a test's frozen clock (freezegun) governs the guard too
    return time.monotonic()


@dataclass(frozen=True, slots=True, kw_only=True)
class LoginPolicy:
    """When a login may be tried again after a rejection or a ban."""

    backoff: float = 300.0
    """Seconds before the first retry of rejected credentials; doubles with each rejection."""
    max_failures: int = 1
    """Rejections in a row after which no login is tried until the credentials change."""
    ban_seconds: float | None = None
    """How long a ban lasts when the backend does not say (None: :data:`DEFAULT_BAN_SECONDS`)."""

    def ban_wait(self, retry_after: float | None) -> float:
        """Seconds to wait out a ban: what the backend said, else the assumed length."""
        if retry_after is not None and retry_after > 0:
            return retry_after
        return self.ban_seconds if self.ban_seconds is not None else DEFAULT_BAN_SECONDS


class LoginGuard:
    """One backend's memory of rejected credentials and bans; decides when to log in."""

    def __init__(
        self, policy: LoginPolicy | None = None, clock: Callable[[], float] | None = None
    ) -> None:
        """Guard one backend's logins by ``policy`` (the default: stop at the first rejection)."""
        self.policy = policy or LoginPolicy()
        self.failures = 0
        """Rejected logins in a row with the current credentials."""
        self.rejection: InvalidAuthError | None = None
        """The last rejection, raised again while no login may be tried."""
        self.blocked_until = 0.0
        self.ban_until = 0.0
        """When a ban should be over (0: no ban)."""
        self._ban: IpBannedError | None = None
        self._clock = clock or _monotonic

    def __repr__(self) -> str:
        """The state, for debugging (no secret is held here)."""
        return f"<LoginGuard failures={self.failures} blocked_for={self.blocked_for()}>"

    @property
    def given_up(self) -> bool:
        """True once ``max_failures`` logins in a row were rejected: none until they change."""
        return self.failures >= self.policy.max_failures

    @property
    def banned_now(self) -> bool:
        """True while waiting out a ban."""
        return self.ban_until > self._clock()

    def blocked_for(self) -> float | None:
        """Seconds until a login may be tried; None when it may be tried now.

        ``inf`` once the guard has given up (until the credentials change).
        """
        if self.given_up:
            return float("inf")
        remaining = self.blocked_until - self._clock()
        return remaining if remaining > 0 else None

    def after_rejection(self) -> str:
        """What happens after one more rejection, as the end of its message."""
        if self.failures + 1 >= self.policy.max_failures:
            return (
                "To avoid an IP ban, no login is tried again with these credentials until "
                "they change."
            )
        wait = self.policy.backoff * 2**self.failures
        then = f"the next login with these credentials waits {wait:g} s, and " if wait > 0 else ""
        return (
            f"To avoid an IP ban, {then}none is tried after {self.policy.max_failures} "
            "rejections in a row."
        )

    def rejected(self, err: InvalidAuthError) -> None:
        """Record a rejected login and hold the next one back (the same error counts once)."""
        if err is self.rejection:
            return
        self.rejection = err
        self.failures += 1
        self.blocked_until = max(
            self.ban_until, self._clock() + self.policy.backoff * 2 ** (self.failures - 1)
        )

    def banned(self, err: IpBannedError) -> float:
        """Record a ban and return the seconds to wait it out (a shorter one never shortens it)."""
        if err is not self._ban:
            self._ban = err
            self.ban_until = max(
                self.ban_until, self._clock() + self.policy.ban_wait(err.retry_after)
            )
            self.blocked_until = max(self.blocked_until, self.ban_until)
        return max(0.0, self.ban_until - self._clock())

    def succeeded(self) -> None:
        """A login (or a call that needs one) worked: forget rejections and bans."""
        self.failures = 0
        self.rejection = None
        self._ban = None
        self.blocked_until = self.ban_until = 0.0

    def credentials_changed(self) -> None:
        """New credentials: forget the rejections of the old ones, not a ban."""
        self.failures = 0
        self.rejection = None
        self.blocked_until = self.ban_until
