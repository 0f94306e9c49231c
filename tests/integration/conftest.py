"""Fixtures of the Home Assistant integration tests: the simulated stack and its config entry.

Every test talks real HTTP (and a real unix socket for Docker) to the simulator on
loopback. Time is frozen, so the simulated world (whose clock starts "now") and every
snapshot are the same on every run; ``sim.advance`` moves the world, ``freezer.tick`` plus
``async_fire_time_changed`` make Home Assistant poll.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import pytest_socket
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigSubentryData
from homeassistant.const import (
    CONF_API_KEY,
    CONF_PASSWORD,
    CONF_URL,
    CONF_USERNAME,
    CONF_VERIFY_SSL,
)
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from stepheybot_music_clients.models import BackendKind
from syrupy.assertion import SnapshotAssertion

from custom_components.stepheybot_music.backends import BACKEND_TYPES
from custom_components.stepheybot_music.const import CONF_PUSH, DOMAIN
from simulator import Simulator
from simulator.backends import BackendSpec
from simulator.server import default_specs

FROZEN_NOW = "2026-11-24 12:00:00+00:00"
ENTRY_ID = "01STACKENTRY0000000000000"
STACK_TITLE = "Home music"

ALL_BACKENDS = (
    "music_brain",
    "navidrome",
    "lidarr",
    "qbittorrent",
    "transmission",
    "jackett",
    "prowlarr",
    "gluetun",
    "docker",
)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Load ``custom_components.stepheybot_music`` in every test."""


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Snapshots with Home Assistant's serializer (states, registry entries, flows)."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


@pytest.fixture(autouse=True)
def _allow_unix_sockets() -> None:
    """Docker is reached over the simulator's unix socket, as over /var/run/docker.sock."""
    pytest_socket.socket_allow_hosts(["127.0.0.1"], allow_unix_socket=True)


@pytest.fixture
def frozen(freezer: FrozenDateTimeFactory) -> FrozenDateTimeFactory:
    """Freeze time at a fixed instant (the simulated world starts from it)."""
    freezer.move_to(FROZEN_NOW)
    return freezer


def simulator_specs(names: Iterable[str] = ALL_BACKENDS) -> list[BackendSpec]:
    """The simulator's default backends, limited to ``names``, with fixed credentials."""
    wanted = set(names)
    return [spec for spec in default_specs("5eed") if spec.name in wanted]


@pytest.fixture
async def sim(frozen: FrozenDateTimeFactory) -> AsyncIterator[Simulator]:
    """The whole simulated stack; the world only moves when a test advances it."""
    async with Simulator(seed=7, specs=simulator_specs(), speed=0, tick_interval=3600) as running:
        yield running


def backend_data(sim: Simulator, name: str) -> dict[str, Any]:
    """The subentry data that reaches the simulated backend ``name``."""
    spec = sim.spec(name)
    data: dict[str, Any] = {CONF_URL: sim.url(name), CONF_VERIFY_SSL: True}
    if spec.kind == "docker":
        data[CONF_URL] = f"unix://{sim.docker_socket_path(name)}"
    if spec.username:
        data[CONF_USERNAME] = spec.username
    if spec.password:
        data[CONF_PASSWORD] = spec.password
    if spec.api_key:
        data[CONF_API_KEY] = spec.api_key
    return data


def subentry_id(name: str) -> str:
    """The fixed subentry id of a simulated backend (stable unique ids in snapshots)."""
    return f"01SUB{name.upper():0<21}"[:26]


def subentry(sim: Simulator, name: str) -> ConfigSubentryData:
    """The config subentry of one simulated backend."""
    kind = BackendKind(sim.spec(name).kind)
    data = backend_data(sim, name)
    return ConfigSubentryData(
        data=data,
        subentry_id=subentry_id(name),
        subentry_type=str(kind),
        title=BACKEND_TYPES[kind].application,
        unique_id=f"{kind}_{data[CONF_URL]}",
    )


def stack_entry(
    sim: Simulator, names: Iterable[str] = ALL_BACKENDS, options: dict[str, Any] | None = None
) -> MockConfigEntry:
    """A stack with the simulated backends ``names``; push off unless ``options`` turn it on
    (its own tests, ``test_push.py``), so every other test sees polling alone."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=STACK_TITLE,
        entry_id=ENTRY_ID,
        unique_id=STACK_TITLE.casefold(),
        data={},
        options={CONF_PUSH: False, **(options or {})},
        subentries_data=[subentry(sim, name) for name in names],
    )


async def setup_stack(
    hass: HomeAssistant,
    sim: Simulator,
    names: Iterable[str] = ALL_BACKENDS,
    options: dict[str, Any] | None = None,
) -> MockConfigEntry:
    """Add a stack with ``names`` and set it up, waiting for the slow first refreshes."""
    entry = stack_entry(sim, names, options)
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    return entry


# --------------------------------------------------------------------------- HTTPS


def _self_signed_pem() -> tuple[bytes, bytes]:
    """A self-signed certificate for 127.0.0.1 and its key.

    Made once, at import time, before any test freezes the clock.
    """
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM), key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


_CERT_PEM, _KEY_PEM = _self_signed_pem()


def _self_signed(directory: Path) -> ssl.SSLContext:
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(_CERT_PEM)
    key_file.write_bytes(_KEY_PEM)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context


class _Page(BaseHTTPRequestHandler):
    """Any request: a router's login page (not the backend the user wants)."""

    def _reply(self) -> None:
        body = b"<html>a router login page</html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _reply  # noqa: N815 (http.server's method names)

    def log_message(self, *args: object) -> None:
        """Quiet."""


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        """A refused handshake is the point of the test, not an error."""


@pytest.fixture
def https_url(tmp_path: Path) -> Iterator[str]:
    """An HTTPS server with a self-signed certificate, in its own thread.

    A thread keeps the handshake the client refuses out of Home Assistant's event loop.
    """
    server = _QuietServer(("127.0.0.1", 0), _Page)
    server.socket = _self_signed(tmp_path).wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
