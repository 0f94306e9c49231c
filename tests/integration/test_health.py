"""A backend's failure and recovery lines: once each, whichever coordinator sees them."""

from __future__ import annotations

import logging

import pytest

from custom_components.stepheybot_music.coordinators.health import BackendHealth, QuietLogger

PACKAGE = "custom_components.stepheybot_music.coordinators"


def lines(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str]]:
    return [(r.levelno, r.getMessage()) for r in caplog.records if r.name == PACKAGE]


def test_the_first_failure_and_the_last_recovery_are_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger=PACKAGE)
    health = BackendHealth()
    health.failed("queue", "Lidarr", "Lidarr is unreachable.")
    health.failed("status", "Lidarr", "Lidarr is unreachable.")
    health.failed("queue", "Lidarr", "Lidarr did not answer in time.")
    health.succeeded("queue", "Lidarr")
    assert lines(caplog) == [(logging.ERROR, "Lidarr (queue) failed: Lidarr is unreachable.")]
    health.succeeded("status", "Lidarr")
    health.succeeded("status", "Lidarr")
    assert lines(caplog)[1:] == [(logging.INFO, "Lidarr recovered")]


def test_a_coordinator_gone_after_a_reload_does_not_hold_the_recovery_back(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger=PACKAGE)
    health = BackendHealth()
    health.failed("library", "Navidrome", "Navidrome is unreachable.")
    health.failed("status", "Navidrome", "Navidrome is unreachable.")
    health.keep(["status"])  # the reloaded backend has no library coordinator any more
    health.succeeded("status", "Navidrome")
    assert lines(caplog)[-1] == (logging.INFO, "Navidrome recovered")


def _bug() -> None:
    raise RuntimeError("a bug")


def test_the_coordinators_own_lines_go_to_debug_but_a_bug_stays_an_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger=PACKAGE)
    logger = QuietLogger("custom_components.stepheybot_music.coordinators.base")
    logger.error("Error fetching %s data: %s", "Lidarr (queue)", "down")
    logger.info("Fetching %s data recovered", "Lidarr (queue)")
    try:
        _bug()
    except RuntimeError:
        logger.exception("Unexpected error fetching %s data", "Lidarr (queue)")
    records = [r for r in caplog.records if r.name.endswith("coordinators.base")]
    assert [r.levelno for r in records] == [logging.DEBUG, logging.DEBUG, logging.ERROR]
    assert records[2].exc_info is not None
    assert records[2].filename == "test_health.py", "the caller, not the logger, is named"
