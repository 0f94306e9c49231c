"""The exporter's HTTP side: endpoints, single-flight, time budgets, basic auth, TLS, probes."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import ssl
import time
from pathlib import Path

import aiohttp
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from stepheybot_music_clients.stackfile import dump_stack_file
from stepheybot_music_exporter.server import scrape_budget

from simulator import Fault, Simulator

from .conftest import ExporterStarter, exporter_config, running_exporter


async def test_healthz_and_landing_page_touch_no_backend(
    sim: Simulator, start_exporter: ExporterStarter
) -> None:
    exporter = await start_exporter()
    await sim.set_fault("navidrome", Fault.DOWN)
    health = await exporter.scrape("/healthz")
    assert (health.status, health.text) == (200, "OK\n")
    landing = await exporter.scrape("/")
    assert landing.status == 200
    assert 'href="metrics"' in landing.text
    assert f'href="probe?target={sim.stack_name}"' in landing.text
    stack = exporter.exporter.stacks[sim.stack_name]
    assert stack.collections == 0


async def test_concurrent_scrapes_share_one_collection(
    sim: Simulator, start_exporter: ExporterStarter
) -> None:
    exporter = await start_exporter()
    stack = exporter.exporter.stacks[sim.stack_name]
    navidrome = next(c for c in stack.collectors if c.name == "navidrome")
    first = await exporter.scrape()
    assert first.up("navidrome") == 1
    requests_per_collection = navidrome.client().stats.requests  # type: ignore[attr-defined]
    navidrome.client().stats.reset()  # type: ignore[attr-defined]
    assert stack.collections == 1

    # make the collection take a second, so all ten scrapes overlap with it
    sim.faults("navidrome").slow_delay = 0.3
    await sim.set_fault("navidrome", Fault.SLOW)
    scrapes = await asyncio.gather(*(exporter.scrape() for _ in range(10)))
    assert stack.collections == 2
    assert {s.status for s in scrapes} == {200}
    assert len({s.text for s in scrapes}) == 1, "every scrape got the same collection"
    assert scrapes[0].up("navidrome") == 1
    steady = navidrome.client().stats.requests  # type: ignore[attr-defined]
    assert 0 < steady <= requests_per_collection

    await sim.clear_fault("navidrome")
    await exporter.scrape()
    assert stack.collections == 3


async def test_scrape_timeout_header_bounds_a_slow_backend(
    sim: Simulator, start_exporter: ExporterStarter
) -> None:
    exporter = await start_exporter()
    await sim.set_fault("navidrome", Fault.SLOW)  # 5 s per request
    started = time.monotonic()
    # lower case, as an HTTP/2 proxy would forward it
    scrape = await exporter.scrape(headers={"x-prometheus-scrape-timeout-seconds": "2"})
    elapsed = time.monotonic() - started
    assert scrape.status == 200
    assert elapsed < 2, "the exporter answered within Prometheus's timeout"
    assert scrape.up("navidrome") == 0
    assert (
        scrape.value("stepheybot_music_backend_failure", backend="navidrome", reason="timeout") == 1
    )
    duration = scrape.value("stepheybot_music_backend_scrape_duration_seconds", backend="navidrome")
    assert 1.7 <= duration < 1.9  # the budget: 2 s minus 10 %


async def test_backend_timeout_from_stack_file_is_used_below_the_scrape_timeout(
    sim: Simulator, tmp_path: Path
) -> None:
    path = tmp_path / "stack.yaml"
    sim.write_stack_file(path)
    await sim.set_fault("navidrome", Fault.SLOW)
    config = exporter_config(path, env={"STEPHEYBOT_NAVIDROME_TIMEOUT": "0.5"})
    async with running_exporter(config) as exporter:
        started = time.monotonic()
        scrape = await exporter.scrape(headers={"X-Prometheus-Scrape-Timeout-Seconds": "10"})
        assert time.monotonic() - started < 2
    assert scrape.up("navidrome") == 0
    assert scrape.get("stepheybot_music_backend_failure", backend="navidrome", reason="timeout")


async def test_basic_auth(start_exporter: ExporterStarter, tmp_path: Path) -> None:
    secret = tmp_path / "password"
    secret.write_text("s3cret-exporter\n")
    exporter = await start_exporter(
        "--basic-auth-username", "prom", "--basic-auth-password-file", str(secret)
    )
    denied = await exporter.scrape()
    assert denied.status == 401
    assert denied.text == "Authentication required.\n"
    assert denied.headers["WWW-Authenticate"] == 'Basic realm="stepheybot-music-exporter"'
    wrong = await exporter.scrape(auth=("prom", "nope"))
    assert wrong.status == 401
    other_user = await exporter.scrape(auth=("admin", "s3cret-exporter"))
    assert other_user.status == 401
    allowed = await exporter.scrape(auth=("prom", "s3cret-exporter"))
    assert allowed.status == 200
    assert allowed.value("stepheybot_music_exporter_build_info", **_build_labels(allowed)) == 1
    probe = await exporter.scrape(f"/probe?target={exporter.config.default_stack.name}")
    assert probe.status == 401
    health = await exporter.scrape("/healthz")
    assert health.status == 200, "liveness probes need no credentials"


def _build_labels(scrape: object) -> dict[str, str]:
    series = scrape.series("stepheybot_music_exporter_build_info")  # type: ignore[attr-defined]
    assert len(series) == 1
    return dict(next(iter(series)))


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "tls.crt", tmp_path / "tls.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


async def test_tls(stack_file: Path, tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    config = exporter_config(stack_file, "--tls-cert-file", str(cert), "--tls-key-file", str(key))
    trusting = ssl.create_default_context(cafile=str(cert))
    async with running_exporter(config, client_ssl=trusting) as exporter:
        assert exporter.url.startswith("https://127.0.0.1:")
        scrape = await exporter.scrape()
        assert scrape.status == 200
        assert scrape.up("navidrome") == 1
        plain = exporter.url.replace("https://", "http://")
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.ClientError):
                async with session.get(plain + "/metrics") as resp:
                    await resp.read()
            with pytest.raises(aiohttp.ClientConnectorCertificateError):
                async with session.get(exporter.url + "/metrics") as resp:
                    await resp.read()


async def test_probe_serves_each_stack_by_name(tmp_path: Path) -> None:
    async with (
        Simulator(seed=11, stack_name="home") as home,
        Simulator(seed=12, stack_name="cabin") as cabin,
    ):
        path = tmp_path / "stacks.yaml"
        dump_stack_file([home.stack_config(), cabin.stack_config()], path)
        config = exporter_config(path)
        async with running_exporter(config) as exporter:
            for sim in (home, cabin):
                probe = await exporter.scrape(f"/probe?target={sim.stack_name}")
                assert probe.status == 200
                assert probe.up("navidrome") == 1
                assert probe.value("stepheybot_music_library_tracks") == sim.world.nav_songs
                assert "stepheybot_music_exporter_build_info" not in probe.samples
            assert home.world.nav_songs != cabin.world.nav_songs
            default = await exporter.scrape()
            assert default.value("stepheybot_music_library_tracks") == home.world.nav_songs
            assert "stepheybot_music_exporter_build_info" in default.samples

            missing = await exporter.scrape("/probe")
            assert missing.status == 400
            assert missing.text == (
                "The target parameter is missing: use /probe?target=<stack name>.\n"
            )
            unknown = await exporter.scrape("/probe?target=attic")
            assert unknown.status == 404
            assert unknown.text == "No stack is called 'attic'. The stack file has: cabin, home.\n"


async def test_openmetrics_and_gzip(start_exporter: ExporterStarter) -> None:
    exporter = await start_exporter()
    async with (
        aiohttp.ClientSession(auto_decompress=False) as session,
        session.get(
            exporter.url + "/metrics",
            headers={
                "Accept": "application/openmetrics-text;version=1.0.0",
                "Accept-Encoding": "gzip",
            },
        ) as resp,
    ):
        body = await resp.read()
        assert resp.status == 200
        assert resp.headers["Content-Type"].startswith("application/openmetrics-text")
        assert resp.headers["Content-Encoding"] == "gzip"
    import gzip

    text = gzip.decompress(body).decode()
    assert text.endswith("# EOF\n")
    assert "stepheybot_music_backend_up" in text


@pytest.mark.parametrize(
    ("header", "budget"),
    [
        (None, 9.0),  # Prometheus's default 10 s, minus 1 s for the answer
        ("10", 9.0),
        ("2", 1.8),
        ("0.5", 0.45),
        ("60", 59.0),
        ("soon", 9.0),
        ("0", 9.0),
        ("-3", 9.0),
    ],
)
def test_scrape_budget(header: str | None, budget: float) -> None:
    headers = {} if header is None else {"X-Prometheus-Scrape-Timeout-Seconds": header}
    assert scrape_budget(headers, 10.0) == pytest.approx(budget)
