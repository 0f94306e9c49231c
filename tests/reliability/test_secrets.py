"""No secret ever leaves the client layer or the exporter.

Every backend gets a distinctive password or API key (and the exporter a basic auth
password). Then everything a person could see is collected: every log line at DEBUG while the
exporter scrapes a healthy stack and every backend in every fault (so every error path
runs), the text and traceback of every error the clients raise, ``repr()`` of the
configuration, collectors, clients and errors, every page the exporter serves (metrics,
probe, landing page, health, its 400/401/404 pages) and its ``--help``. None of the secrets
may appear in any of it, in any encoding a request could carry it.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import traceback
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from stepheybot_music_clients import login_policy
from stepheybot_music_clients.errors import StackError
from stepheybot_music_exporter.collectors.base import Facts
from stepheybot_music_exporter.config import build_parser
from stepheybot_music_exporter.metrics import Samples

from simulator import Fault, Simulator
from simulator.backends import BackendSpec
from tests.exporter.conftest import exporter_config, running_exporter

from .stackhelpers import collector, matrix_specs

FAULTS = tuple(f for f in Fault if f is not Fault.SLOW)
"""Every fault but ``slow`` (its error path is the timeout, which carries no backend text)."""
BASIC_USER = "prometheus"
BASIC_PASSWORD = "exp-basic-Jq7Vx2LmPw"


def secret_specs() -> tuple[list[BackendSpec], dict[str, str]]:
    """The simulator's backends with distinctive secrets, and those secrets by name."""
    specs = matrix_specs()
    secrets: dict[str, str] = {"exporter basic auth": BASIC_PASSWORD}
    for spec in specs:
        if spec.password:
            spec.password = f"pw-{spec.name}-Zk4Qe9Tr"
            secrets[f"{spec.name} password"] = spec.password
        if spec.api_key:
            spec.api_key = f"{spec.name[:4]}key7f3c9a1be04d5568"
            secrets[f"{spec.name} api key"] = spec.api_key
    return specs, secrets


def encodings(secret: str, users: list[str]) -> set[str]:
    """The ways a secret could show up: plain, URL-encoded, hex, base64, in basic auth."""
    raw = secret.encode()
    forms = {
        secret,
        quote(secret, safe=""),
        quote_plus(secret),
        raw.hex(),
        base64.b64encode(raw).decode().rstrip("="),
    }
    for user in users:
        forms.add(base64.b64encode(f"{user}:{secret}".encode()).decode().rstrip("="))
    return forms


def describe(err: BaseException) -> str:
    """Everything an error shows: its message, repr and the whole traceback with causes."""
    return "\n".join([str(err), repr(err), *traceback.format_exception(err)])


async def test_no_secret_in_any_output(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(login_policy, "DEFAULT_BAN_SECONDS", 0.001)  # one ban length for all
    caplog.set_level(logging.DEBUG)
    specs, secrets = secret_specs()
    users = sorted({s.username for s in specs if s.username} | {BASIC_USER})
    seen: list[str] = []
    (tmp_path / "basic").write_text(BASIC_PASSWORD + "\n")
    async with Simulator(seed=7, specs=specs, slow_delay=0.2) as sim:
        sim.write_stack_file(tmp_path / "stack.yaml")
        stack_text = (tmp_path / "stack.yaml").read_text()
        for name, secret in secrets.items():  # the secrets really are in use
            assert secret in stack_text or name == "exporter basic auth", name
        config = exporter_config(
            tmp_path / "stack.yaml",
            "--login-backoff",
            "0",
            "--max-login-failures",
            "4",
            "--basic-auth-username",
            BASIC_USER,
            "--basic-auth-password-file",
            str(tmp_path / "basic"),
            "--log-level",
            "DEBUG",
        )
        names = [b.name for b in config.default_stack.backends]
        auth = (BASIC_USER, BASIC_PASSWORD)
        async with running_exporter(config) as exporter:
            healthy = await exporter.scrape(auth=auth)
            assert all(healthy.up(name) == 1 for name in names), healthy.text
            seen.append(healthy.text)
            paths = [
                "/",
                "/healthz",
                f"/probe?target={sim.stack_name}",
                "/probe",
                "/probe?x",
                "/no",
            ]
            seen += [(await exporter.scrape(path, auth=auth)).text for path in paths]
            denied = await exporter.scrape(auth=(BASIC_USER, "wrong"))
            assert denied.status == 401
            seen += [denied.text, str(denied.headers)]

            # every backend in every fault: through the exporter, and each client directly
            for name in names:
                found = collector(exporter.exporter, name)
                client = found.client()  # type: ignore[attr-defined,unused-ignore]
                seen += [repr(found), repr(client)]
                for fault in FAULTS:
                    await sim.set_fault(name, fault)
                    if fault in (Fault.AUTH_REVOKED, Fault.BANNED):
                        await sim.set_fault(name, Fault.SESSION_EXPIRED)
                    scrape = await exporter.scrape(auth=auth)
                    assert scrape.status == 200
                    seen.append(scrape.text)
                    try:
                        await found.collect(Samples(), Facts())
                    except StackError as err:
                        seen.append(describe(err))
                    probe = getattr(client, "probe", None)
                    if probe is not None:
                        try:
                            info = await probe()
                        except StackError as err:
                            seen.append(describe(err))
                        else:
                            seen.append(repr(info))
                    await sim.clear_fault(name)
                    if found.login_guard is not None:  # forget a rejection before the next fault
                        found.login_guard.credentials_changed()
            recovered = await exporter.scrape(auth=auth)
            seen.append(recovered.text)
            seen += [
                repr(config),
                repr(config.default_stack),
                *map(repr, config.default_stack.backends),
            ]
    with contextlib.suppress(SystemExit):
        build_parser().parse_args(["--help"])
    seen += [build_parser().format_help(), capsys.readouterr().out]
    seen += [record.getMessage() for record in caplog.records]
    seen += [caplog.text]

    haystack = "\n".join(seen)
    assert "rejected" in haystack, "the credential error paths ran"
    for name, secret in secrets.items():
        for form in encodings(secret, users):
            assert form not in haystack, f"the {name} shows up as {form!r}"
