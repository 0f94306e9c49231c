"""Every fault on every backend: that backend is down, the scrape is 200, the rest answers."""

from __future__ import annotations

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
    Fault.HTTP_500: {"bad_response"},
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
