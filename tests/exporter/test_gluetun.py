"""gluetun in the exporter, release by release: the series gluetun lets it read, the backend up.

A route gluetun's role does not grant leaves its series out and is logged once with the
fix; only credentials refused on every route take the backend down (reason ``auth``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from simulator import Simulator
from simulator.backends import BackendSpec
from simulator.backends.gluetun import SERVER
from simulator.server import default_specs
from tests.compat import SIMULATOR, compat

from .conftest import RunningExporter, exporter_config, running_exporter

KEY = "gluetun-exporter-key-93"
PORT = "stepheybot_music_vpn_forwarded_port"
LEAK = "stepheybot_music_vpn_leak"
FAILURE = "stepheybot_music_backend_failure"
LOGGER = "stepheybot_music_exporter.collectors.gluetun"


def role(*routes: str) -> str:
    return (
        f'[[roles]]\nname = "exporter"\nauth = "apikey"\napikey = "{KEY}"\n'
        f"routes = {json.dumps(list(routes))}\n"
    )


@asynccontextmanager
async def stack(
    tmp_path: Path, flavor: str, *, api_key: str = "", **extra: str
) -> AsyncIterator[tuple[Simulator, RunningExporter]]:
    """gluetun of ``flavor`` beside qBittorrent (for the leak check), and an exporter."""
    gluetun = BackendSpec(
        name="gluetun", kind="gluetun", flavor=flavor, api_key=api_key, extra=extra
    )
    qbittorrent = next(s for s in default_specs("0007") if s.kind == "qbittorrent")
    async with Simulator(seed=7, specs=[gluetun, qbittorrent], docker_socket=False) as sim:
        path = tmp_path / "stack.yaml"
        sim.write_stack_file(path)
        async with running_exporter(exporter_config(path)) as exporter:
            yield sim, exporter


@compat(
    "gluetun",
    "v3.39.1 - v3.40.4",
    proof=SIMULATOR,
    source="qdm12/gluetun internal/server/middlewares/auth/settings.go @ v3.40.4",
)
async def test_default_340_every_series_without_credentials(tmp_path: Path) -> None:
    """Issue 16: gluetun 3.40 without an auth file used to be reported down (auth)."""
    async with stack(tmp_path, "3.40") as (sim, exporter):
        for _ in range(2):
            scrape = await exporter.scrape()
            assert scrape.up("gluetun") == 1
            assert scrape.value("stepheybot_music_vpn_up") == 1
            assert scrape.value(PORT) == sim.world.vpn.forwarded_port
            assert scrape.value(LEAK) == 0


@compat(
    "gluetun",
    "v3.41.0 - v3.41.1",
    proof=SIMULATOR,
    source="qdm12/gluetun internal/server/portforward.go @ v3.41.1",
)
async def test_a_role_without_the_port_route(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    routes = ("GET /v1/version", "GET /v1/vpn/status", "GET /v1/publicip/ip")
    config = role(*routes, "GET /v1/openvpn/portforwarded")
    async with stack(tmp_path, "3.41", api_key=KEY, auth_config=config) as (sim, exporter):
        with caplog.at_level(logging.INFO, logger=LOGGER):
            for _ in range(2):
                scrape = await exporter.scrape()
                assert scrape.up("gluetun") == 1
                assert scrape.value("stepheybot_music_vpn_up") == 1
                assert scrape.get(PORT) is None, "not 0: the port is unknown, not absent"
                assert scrape.value(LEAK) == 0
            (warning,) = [r for r in caplog.records if r.name == LOGGER]
            assert warning.levelno == logging.WARNING
            message = warning.getMessage()
            assert message.startswith(
                "gluetun: gluetun refuses GET /v1/portforward, so those metrics are left out: "
                'gluetun v3.41.1 does not let StepheyBot Music read "GET /v1/portforward"'
            )
            assert 'needs "GET /v1/portforward" too' in message
            assert "this integration" not in message
            assert KEY not in message

            sim._running["gluetun"].runner.app[SERVER].reconfigure(
                role(*routes, "GET /v1/portforward")
            )
            scrape = await exporter.scrape()
            assert scrape.value(PORT) == sim.world.vpn.forwarded_port
            assert caplog.records[-1].getMessage() == "gluetun: gluetun grants every route again"


@compat(
    "gluetun",
    "v3.39.1 - v3.40.4",
    proof=SIMULATOR,
    source="qdm12/gluetun internal/server/middlewares/auth/settings.go @ v3.40.4",
)
async def test_a_role_without_the_public_ip(tmp_path: Path) -> None:
    config = role("GET /v1/vpn/status", "GET /v1/openvpn/portforwarded")
    async with stack(tmp_path, "3.40", api_key=KEY, auth_config=config) as (sim, exporter):
        scrape = await exporter.scrape()
        assert scrape.up("gluetun") == 1
        assert scrape.value(PORT) == sim.world.vpn.forwarded_port
        assert scrape.get(LEAK) is None, "no VPN address to compare with"


@compat(
    "gluetun",
    "v3.39.1 - v3.40.4",
    proof=SIMULATOR,
    source="qdm12/gluetun internal/server/middlewares/auth/settings.go @ v3.40.4",
)
async def test_a_role_without_the_vpn_status(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = role("GET /v1/publicip/ip", "GET /v1/openvpn/portforwarded")
    async with stack(tmp_path, "3.40", api_key=KEY, auth_config=config) as (_, exporter):
        scrape = await exporter.scrape()
    assert scrape.up("gluetun") == 0
    assert scrape.value(FAILURE, backend="gluetun", reason="error") == 1
    assert "answered HTTP 401 to GET /v1/vpn/status although GET /v1/publicip/ip works" in (
        caplog.text
    )


@compat(
    "gluetun",
    "v3.41.0 - v3.41.1",
    proof=SIMULATOR,
    source="qdm12/gluetun internal/server/portforward.go @ v3.41.1",
)
async def test_a_wrong_key_is_an_auth_failure(tmp_path: Path) -> None:
    async with stack(
        tmp_path, "3.41", default_role=json.dumps({"auth": "apikey", "apikey": KEY})
    ) as (sim, _):
        sim.spec("gluetun").api_key = "not-the-key"
        path = tmp_path / "wrong.yaml"
        sim.write_stack_file(path)
        async with running_exporter(exporter_config(path)) as exporter:
            scrape = await exporter.scrape()
    assert scrape.up("gluetun") == 0
    assert scrape.value(FAILURE, backend="gluetun", reason="auth") == 1
    assert scrape.get(PORT) is None


@compat(
    "gluetun",
    "vNext: latest (unreleased master)",
    proof=SIMULATOR,
    source="qdm12/gluetun internal/server/middlewares/auth/middleware.go @ master b1193252",
)
async def test_latest_without_credentials(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    async with stack(tmp_path, "current") as (_, exporter):
        scrape = await exporter.scrape()
    assert scrape.up("gluetun") == 0
    assert scrape.value(FAILURE, backend="gluetun", reason="auth") == 1
    assert "it needs credentials" in caplog.text
