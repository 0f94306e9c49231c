"""Every fault on every backend: that backend is down, the scrape is 200, the rest answers."""

from __future__ import annotations

import asyncio

import pytest

from simulator import Fault, Simulator

from .conftest import ExporterStarter

BACKENDS = (
    "navidrome",
    "lidarr",
    "qbittorrent",
    "transmission",
    "jackett",
    "prowlarr",
    "gluetun",
    "docker",
    "music_brain",
)
NO_AUTH = frozenset({"docker", "music_brain"})
"""Backends without credentials: ``AUTH_REVOKED`` means nothing to them."""
REASONS = {
    Fault.DOWN: {"unreachable"},
    Fault.SLOW: {"timeout"},
    Fault.HTTP_500: {"server_error"},
    Fault.MALFORMED_JSON: {"bad_response", "wrong_application"},
    Fault.TRUNCATED_JSON: {"bad_response", "wrong_application"},
    Fault.AUTH_REVOKED: {"auth"},
}
CASES = [
    pytest.param(backend, fault, id=f"{backend}-{fault}")
    for backend in BACKENDS
    for fault in REASONS
    if not (fault is Fault.AUTH_REVOKED and backend in NO_AUTH)
]
SCRAPE_TIMEOUT = {"X-Prometheus-Scrape-Timeout-Seconds": "2"}


def stack_log(caplog: pytest.LogCaptureFixture) -> list[tuple[str, str]]:
    """(level, message) of what the exporter logged about backends."""
    return [
        (r.levelname, r.getMessage())
        for r in caplog.records
        if r.name == "stepheybot_music_exporter.stack"
    ]


async def inject(sim: Simulator, backend: str, fault: Fault) -> None:
    """Put ``backend`` into ``fault`` as a real outage would.

    A stopped container also drops its established connections; the simulator's ``DOWN``
    only closes the listener, so the exporter's keep-alive connections are closed here.
    A changed qBittorrent password does not end running sessions: ``AUTH_REVOKED`` only
    bites at the next login, so the session is expired too.
    """
    await sim.set_fault(backend, fault)
    if fault is Fault.DOWN:
        await sim._running[backend].runner.server.shutdown(0)  # type: ignore[union-attr]
    if fault is Fault.AUTH_REVOKED and backend == "qbittorrent":
        await sim.set_fault(backend, Fault.SESSION_EXPIRED)


@pytest.mark.parametrize(("backend", "fault"), CASES)
async def test_fault_takes_down_only_its_backend(
    sim: Simulator, start_exporter: ExporterStarter, backend: str, fault: Fault
) -> None:
    # a zero login back-off lets the credential fault recover on the very next scrape
    exporter = await start_exporter("--login-backoff", "0")
    names = [b.name for b in exporter.config.default_stack.backends]
    assert backend in names
    healthy = await exporter.scrape(headers=SCRAPE_TIMEOUT)
    assert all(healthy.up(name) == 1 for name in names), healthy.text

    await inject(sim, backend, fault)
    scrape = await exporter.scrape(headers=SCRAPE_TIMEOUT)
    assert scrape.status == 200
    assert scrape.up(backend) == 0
    failures = {
        dict(labels)["reason"]: value
        for labels, value in scrape.series("stepheybot_music_backend_failure").items()
        if dict(labels)["backend"] == backend
    }
    assert set(failures) <= REASONS[fault], failures
    assert list(failures.values()) == [1]
    assert len(scrape.series("stepheybot_music_backend_failure")) == 1
    for other in names:
        if other != backend:
            assert scrape.up(other) == 1, other
    assert scrape.value("stepheybot_music_backend_scrape_duration_seconds", backend=backend) < 2

    await sim.clear_fault(backend)
    recovered = await exporter.scrape(headers=SCRAPE_TIMEOUT)
    assert recovered.up(backend) == 1, recovered.text
    assert "stepheybot_music_backend_failure" not in recovered.samples
    assert recovered.samples.keys() == healthy.samples.keys()


async def test_a_failure_is_logged_once_with_what_to_do(
    sim: Simulator, start_exporter: ExporterStarter, caplog: pytest.LogCaptureFixture
) -> None:
    exporter = await start_exporter()
    await exporter.scrape()
    port = sim.spec("lidarr").port
    await inject(sim, "lidarr", Fault.DOWN)
    caplog.clear()
    for _ in range(3):
        await exporter.scrape()
    assert stack_log(caplog) == [
        (
            "WARNING",
            f"simulated/lidarr is down (unreachable): Cannot connect to Lidarr at "
            f"http://127.0.0.1:{port}/ (ClientConnectorError: Cannot connect to host "
            f"127.0.0.1:{port} ssl:default [Connect call failed ('127.0.0.1', {port})]). "
            "Check the URL and port, and that the container is running.",
        )
    ]
    await sim.clear_fault("lidarr")
    caplog.clear()
    await exporter.scrape()
    await exporter.scrape()
    assert stack_log(caplog) == [("INFO", "simulated/lidarr is back up")]


async def test_timeout_message(
    sim: Simulator, start_exporter: ExporterStarter, caplog: pytest.LogCaptureFixture
) -> None:
    exporter = await start_exporter()
    await sim.set_fault("gluetun", Fault.SLOW)
    await exporter.scrape(headers={"X-Prometheus-Scrape-Timeout-Seconds": "1"})
    assert stack_log(caplog) == [
        (
            "WARNING",
            "simulated/gluetun is down (timeout): gluetun did not answer within 0.9 s (the "
            "scrape's time budget for it); raise the scrape timeout or the backend's timeout if "
            "it is just slow",
        )
    ]


@pytest.mark.parametrize("backend", ["qbittorrent", "transmission"])
async def test_rejected_credentials_back_off(
    sim: Simulator,
    start_exporter: ExporterStarter,
    caplog: pytest.LogCaptureFixture,
    backend: str,
) -> None:
    """A login that fails is not retried on every scrape; the wait doubles, then it stops."""
    exporter = await start_exporter("--login-backoff", "0.3", "--max-login-failures", "2")
    await exporter.scrape()
    collector = next(
        c for c in exporter.exporter.stacks[sim.stack_name].collectors if c.name == backend
    )
    stats = collector.client().stats  # type: ignore[attr-defined]
    await inject(sim, backend, Fault.AUTH_REVOKED)
    stats.reset()
    caplog.clear()

    first = await exporter.scrape()
    assert first.value("stepheybot_music_backend_failure", backend=backend, reason="auth") == 1
    requests_after_first = stats.requests
    assert requests_after_first >= 1
    second = await exporter.scrape()
    assert (
        second.value("stepheybot_music_backend_failure", backend=backend, reason="login_backoff")
        == 1
    )
    assert stats.requests == requests_after_first, "no request while backing off"

    await asyncio.sleep(0.35)
    third = await exporter.scrape()
    assert third.get("stepheybot_music_backend_failure", backend=backend, reason="auth") == 1
    assert stats.requests > requests_after_first, "one more attempt after the back-off"
    spent = stats.requests

    await sim.clear_fault(backend)  # too late: two rejections in a row, the exporter gave up
    await asyncio.sleep(1.0)
    for _ in range(3):
        scrape = await exporter.scrape()
        assert scrape.up(backend) == 0
    assert stats.requests == spent
    assert stack_log(caplog)[-1][1] == (
        f"simulated/{backend} is down (login_backoff): not logging in to {backend} again until "
        "the exporter restarts: 2 logins failed; fix the credentials and restart"
    )
