"""The exporter's own endpoint, as the real process serves it.

``python -m stepheybot_music_exporter`` runs as a separate process on a loopback address
other than 127.0.0.1, with TLS, basic auth and DEBUG logging: it must listen only where it
was told, refuse plain HTTP, missing or wrong credentials and odd methods, and its
whole log (DEBUG included) must not contain a secret.
"""

from __future__ import annotations

import asyncio
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
import pytest_socket

from simulator import Simulator
from tests.exporter.test_server import _self_signed

from .test_secrets import BASIC_PASSWORD, BASIC_USER, encodings, secret_specs

REPO = Path(__file__).resolve().parents[2]
HOST = "127.0.0.2"
"""A loopback address the exporter is told to listen on (127.0.0.1 must stay closed)."""


@pytest.fixture(autouse=True)
def _allow_unix_sockets() -> None:
    """Let this test reach the exporter on 127.0.0.2 too (and 127.0.0.1, and unix sockets)."""
    pytest_socket.socket_allow_hosts(["127.0.0.1", HOST], allow_unix_socket=True)


def free_port(host: str) -> int:
    """A TCP port free on ``host``."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(slots=True)
class ExporterProcess:
    """A running exporter process."""

    proc: subprocess.Popen[bytes]
    url: str
    port: int
    log: Path
    trust: ssl.SSLContext


@pytest.fixture
def exporter_process(tmp_path: Path) -> Iterator[tuple[Path, Callable[[], ExporterProcess]]]:
    """Start the exporter process (once the test wrote ``stack.yaml``); stop it by PID."""
    cert, key = _self_signed(tmp_path)
    (tmp_path / "basic").write_text(BASIC_PASSWORD)
    port = free_port(HOST)
    log = tmp_path / "exporter.log"
    trust = ssl.create_default_context(cafile=str(cert))
    trust.check_hostname = False  # the certificate names 127.0.0.1
    holder: list[subprocess.Popen[bytes]] = []

    def start() -> ExporterProcess:
        args = [
            sys.executable,
            "-m",
            "stepheybot_music_exporter",
            "--config",
            str(tmp_path / "stack.yaml"),
            "--listen",
            f"{HOST}:{port}",
            "--tls-cert-file",
            str(cert),
            "--tls-key-file",
            str(key),
            "--basic-auth-username",
            BASIC_USER,
            "--basic-auth-password-file",
            str(tmp_path / "basic"),
            "--log-level",
            "DEBUG",
        ]
        with log.open("wb") as out:
            proc = subprocess.Popen(args, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
        holder.append(proc)
        return ExporterProcess(proc, f"https://{HOST}:{port}", port, log, trust)

    yield tmp_path, start
    for proc in holder:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def wait_listening(exporter: ExporterProcess) -> None:
    """Wait until the process accepts connections (or fail with its log)."""
    deadline = time.monotonic() + 30
    while True:
        assert exporter.proc.poll() is None, exporter.log.read_text()
        try:
            _, writer = await asyncio.open_connection(HOST, exporter.port)
        except OSError:
            assert time.monotonic() < deadline, exporter.log.read_text()
            await asyncio.sleep(0.1)
            continue
        writer.close()
        await writer.wait_closed()
        return


async def status_of(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    ssl_context: ssl.SSLContext | bool,
    auth: tuple[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, str]:
    """Send one request; the status and body."""
    sent = dict(headers or {})
    if auth is not None:
        sent["Authorization"] = aiohttp.encode_basic_auth(*auth)
    async with session.request(method, url, ssl=ssl_context, headers=sent) as resp:
        return resp.status, await resp.text()


async def test_binds_where_configured_and_refuses_what_it_should(
    exporter_process: tuple[Path, Callable[[], ExporterProcess]],
) -> None:
    tmp_path, start = exporter_process
    specs, secrets = secret_specs()
    async with Simulator(seed=7, specs=specs) as sim:
        sim.write_stack_file(tmp_path / "stack.yaml")
        exporter = start()
        await wait_listening(exporter)
        auth = (BASIC_USER, BASIC_PASSWORD)
        async with aiohttp.ClientSession() as session:
            status, body = await status_of(
                session, "GET", exporter.url + "/metrics", ssl_context=exporter.trust, auth=auth
            )
            assert status == 200
            assert 'stepheybot_music_backend_up{backend="qbittorrent"} 1.0' in body
            for spec in sim.specs:
                assert f'stepheybot_music_backend_up{{backend="{spec.name}"}} 1.0' in body

            # only where it was told: nothing on 127.0.0.1 at that port
            with pytest.raises(aiohttp.ClientConnectorError):
                await status_of(
                    session, "GET", f"https://127.0.0.1:{exporter.port}/healthz", ssl_context=False
                )
            # TLS only
            with pytest.raises(aiohttp.ClientError):
                await status_of(
                    session, "GET", f"http://{HOST}:{exporter.port}/healthz", ssl_context=False
                )
            refusals = {
                "no credentials": {},
                "wrong password": {"Authorization": aiohttp.encode_basic_auth(BASIC_USER, "x")},
                "wrong user": {"Authorization": aiohttp.encode_basic_auth("admin", BASIC_PASSWORD)},
                "not base64": {"Authorization": "Basic %%%not-base64%%%"},
                "bearer": {"Authorization": f"Bearer {BASIC_PASSWORD}"},
                "no colon": {"Authorization": "Basic cHJvbWV0aGV1cw=="},
            }
            for why, headers in refusals.items():
                for path in ("/metrics", f"/probe?target={sim.stack_name}", "/"):
                    status, body = await status_of(
                        session,
                        "GET",
                        exporter.url + path,
                        ssl_context=exporter.trust,
                        headers=headers,
                    )
                    assert (status, body) == (401, "Authentication required.\n"), (why, path)
            status, body = await status_of(
                session, "GET", exporter.url + "/healthz", ssl_context=exporter.trust
            )
            assert (status, body) == (200, "OK\n"), "liveness needs no credentials"
            for method in ("POST", "PUT", "DELETE"):
                status, _ = await status_of(
                    session,
                    method,
                    exporter.url + "/metrics",
                    ssl_context=exporter.trust,
                    auth=auth,
                )
                assert status == 405, method
            status, _ = await status_of(
                session, "GET", exporter.url + "/admin", ssl_context=exporter.trust, auth=auth
            )
            assert status == 404

    log = exporter.log.read_text()
    assert "DEBUG" in log, "the process logged at DEBUG"
    users = sorted({s.username for s in specs if s.username} | {BASIC_USER})
    for name, secret in secrets.items():
        for form in encodings(secret, users):
            assert form not in log, f"the {name} shows up in the exporter's log as {form!r}"
