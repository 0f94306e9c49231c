"""The login guard's schedule: back off, double, give up before a ban is possible."""

from __future__ import annotations

from stepheybot_music_exporter.loginguard import DEFAULT_BAN_SECONDS, LoginGuard


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_backoff_doubles_then_gives_up() -> None:
    clock = Clock()
    guard = LoginGuard(backoff=60, max_failures=3, clock=clock)
    assert guard.blocked_for() is None
    guard.failed()
    assert guard.blocked_for() == 60
    clock.now += 59
    assert guard.blocked_for() == 1
    clock.now += 1
    assert guard.blocked_for() is None
    guard.failed()
    assert guard.blocked_for() == 120
    clock.now += 120
    assert guard.blocked_for() is None
    guard.failed()
    assert guard.given_up
    clock.now += 10**9
    assert guard.blocked_for() == float("inf")


def test_success_forgets_failures() -> None:
    clock = Clock()
    guard = LoginGuard(backoff=10, max_failures=2, clock=clock)
    guard.failed()
    clock.now += 10
    guard.succeeded()
    assert guard.failures == 0
    guard.failed()
    assert not guard.given_up
    assert guard.blocked_for() == 10


def test_ban_is_waited_out() -> None:
    clock = Clock()
    guard = LoginGuard(backoff=10, max_failures=3, clock=clock)
    guard.banned(None)
    assert guard.blocked_for() == DEFAULT_BAN_SECONDS
    guard.banned(120)
    assert guard.blocked_for() == DEFAULT_BAN_SECONDS, "a shorter estimate never shortens a ban"
    clock.now += DEFAULT_BAN_SECONDS
    assert guard.blocked_for() is None
    assert guard.failures == 0, "a ban is not a rejected password"


def test_a_ban_is_told_apart_from_a_back_off() -> None:
    clock = Clock()
    guard = LoginGuard(backoff=10, max_failures=3, clock=clock)
    guard.failed()
    assert not guard.banned_now, "a rejected password is not a ban"
    guard.banned(120)
    assert guard.banned_now
    clock.now += 119
    assert guard.banned_now
    clock.now += 1
    assert not guard.banned_now
    assert guard.blocked_for() is None
    guard.banned(60)
    guard.succeeded()
    assert not guard.banned_now
