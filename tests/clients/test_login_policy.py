"""The login policy: back off, double, give up before a ban is possible; wait a ban out.

One guard serves the qBittorrent client (its memory of a rejection) and the exporter (its
back-off), so recording the same error twice must count it once.
"""

from __future__ import annotations

from stepheybot_music_clients.errors import InvalidAuthError, IpBannedError
from stepheybot_music_clients.login_policy import DEFAULT_BAN_SECONDS, LoginGuard, LoginPolicy


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def rejection() -> InvalidAuthError:
    return InvalidAuthError("rejected")


def ban(retry_after: float | None) -> IpBannedError:
    return IpBannedError("banned", retry_after=retry_after)


def test_backoff_doubles_then_gives_up() -> None:
    clock = Clock()
    guard = LoginGuard(LoginPolicy(backoff=60, max_failures=3), clock=clock)
    assert guard.blocked_for() is None
    guard.rejected(rejection())
    assert guard.blocked_for() == 60
    clock.now += 59
    assert guard.blocked_for() == 1
    clock.now += 1
    assert guard.blocked_for() is None
    guard.rejected(rejection())
    assert guard.blocked_for() == 120
    clock.now += 120
    assert guard.blocked_for() is None
    guard.rejected(rejection())
    assert guard.given_up
    clock.now += 10**9
    assert guard.blocked_for() == float("inf")


def test_success_forgets_failures() -> None:
    clock = Clock()
    guard = LoginGuard(LoginPolicy(backoff=10, max_failures=2), clock=clock)
    guard.rejected(rejection())
    clock.now += 10
    guard.succeeded()
    assert guard.failures == 0
    guard.rejected(rejection())
    assert not guard.given_up
    assert guard.blocked_for() == 10


def test_ban_is_waited_out() -> None:
    clock = Clock()
    guard = LoginGuard(LoginPolicy(backoff=10, max_failures=3), clock=clock)
    guard.banned(ban(None))
    assert guard.blocked_for() == DEFAULT_BAN_SECONDS
    guard.banned(ban(120))
    assert guard.blocked_for() == DEFAULT_BAN_SECONDS, "a shorter estimate never shortens a ban"
    clock.now += DEFAULT_BAN_SECONDS
    assert guard.blocked_for() is None
    assert guard.failures == 0, "a ban is not a rejected password"


def test_a_ban_is_told_apart_from_a_back_off() -> None:
    clock = Clock()
    guard = LoginGuard(LoginPolicy(backoff=10, max_failures=3), clock=clock)
    guard.rejected(rejection())
    assert not guard.banned_now, "a rejected password is not a ban"
    guard.banned(ban(120))
    assert guard.banned_now
    clock.now += 119
    assert guard.banned_now
    clock.now += 1
    assert not guard.banned_now
    assert guard.blocked_for() is None
    guard.banned(ban(60))
    guard.succeeded()
    assert not guard.banned_now


def test_the_same_rejection_or_ban_counts_once() -> None:
    # the qBittorrent client records its rejection, then the exporter's stack records the
    # same error it caught: one failure, not two (two would give up a round too early)
    clock = Clock()
    guard = LoginGuard(LoginPolicy(backoff=10, max_failures=2), clock=clock)
    err = rejection()
    guard.rejected(err)
    guard.rejected(err)
    assert guard.failures == 1
    assert guard.rejection is err
    assert not guard.given_up
    banned = ban(30)
    assert guard.banned(banned) == 30
    clock.now += 5
    assert guard.banned(banned) == 25, "recording it again does not extend the ban"


def test_the_default_policy_stops_at_the_first_rejection_until_the_credentials_change() -> None:
    clock = Clock()
    guard = LoginGuard(clock=clock)
    assert guard.after_rejection() == (
        "To avoid an IP ban, no login is tried again with these credentials until they change."
    )
    guard.rejected(rejection())
    assert guard.given_up
    clock.now += 10**9
    assert guard.blocked_for() == float("inf")
    guard.credentials_changed()
    assert guard.blocked_for() is None
    assert guard.rejection is None


def test_new_credentials_do_not_lift_a_ban() -> None:
    clock = Clock()
    guard = LoginGuard(clock=clock)
    guard.banned(ban(None))
    guard.rejected(rejection())
    guard.credentials_changed()
    assert guard.banned_now
    assert guard.blocked_for() == DEFAULT_BAN_SECONDS


def test_the_message_says_what_happens_next() -> None:
    guard = LoginGuard(LoginPolicy(backoff=300, max_failures=3), clock=Clock())
    assert guard.after_rejection() == (
        "To avoid an IP ban, the next login with these credentials waits 300 s, and none is "
        "tried after 3 rejections in a row."
    )
    guard.rejected(rejection())
    assert "waits 600 s" in guard.after_rejection()
    guard.rejected(rejection())
    assert "until they change" in guard.after_rejection()
    assert "integration" not in guard.after_rejection(), "the exporter logs it too"
    no_wait = LoginGuard(LoginPolicy(backoff=0, max_failures=3), clock=Clock())
    assert no_wait.after_rejection() == (
        "To avoid an IP ban, none is tried after 3 rejections in a row."
    )


def test_an_assumed_ban_length() -> None:
    assert LoginPolicy().ban_wait(None) == DEFAULT_BAN_SECONDS == 3600
    assert LoginPolicy().ban_wait(0) == DEFAULT_BAN_SECONDS
    assert LoginPolicy().ban_wait(90) == 90
    assert LoginPolicy(ban_seconds=2.5).ban_wait(None) == 2.5
