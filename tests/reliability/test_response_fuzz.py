"""Property tests over HTTP: every collector against a loopback server answering anything.

A loopback server answers each request with a body Hypothesis chose (JSON of any shape,
JSON cut short, or bytes), after letting the client log in where it must. Each collector of
the exporter collects once per example, and each client probes: only the client layer's
documented errors (:class:`StackError`) may come out, never another exception, and never a
hang (each call is bounded).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from types import ModuleType

import pytest
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stepheybot_music_clients import servarr, timestamps
from stepheybot_music_clients.docker import client as docker_client
from stepheybot_music_clients.docker import models as docker_models
from stepheybot_music_clients.errors import StackError
from stepheybot_music_clients.gluetun import client as gluetun_client
from stepheybot_music_clients.indexers import jackett, prowlarr
from stepheybot_music_clients.lidarr import client as lidarr_client
from stepheybot_music_clients.lidarr import models as lidarr_models
from stepheybot_music_clients.models import BackendKind
from stepheybot_music_clients.music_brain import client as brain_client
from stepheybot_music_clients.qbittorrent import parse as qb_parse
from stepheybot_music_clients.stackfile import BackendConfig
from stepheybot_music_clients.subsonic import client as subsonic_client
from stepheybot_music_clients.transmission import client as tr_client
from stepheybot_music_clients.transmission import parse as tr_parse
from stepheybot_music_exporter.collectors import make_collector
from stepheybot_music_exporter.collectors.base import Facts
from stepheybot_music_exporter.config import CollectorOptions
from stepheybot_music_exporter.metrics import Samples

from tests.loopback import serve

from .jsonish import bodies, keys_read_by

CALL_LIMIT = 5.0
"""Seconds one collection or probe may take against the loopback server."""

KEYS: dict[BackendKind, tuple[ModuleType, ...]] = {
    BackendKind.QBITTORRENT: (qb_parse,),
    BackendKind.TRANSMISSION: (tr_client, tr_parse),
    BackendKind.LIDARR: (lidarr_client, lidarr_models, servarr),
    BackendKind.NAVIDROME: (subsonic_client,),
    BackendKind.JACKETT: (jackett,),
    BackendKind.PROWLARR: (prowlarr, servarr),
    BackendKind.GLUETUN: (gluetun_client,),
    BackendKind.DOCKER: (docker_client, docker_models),
    BackendKind.MUSIC_BRAIN: (brain_client, timestamps),
}


@dataclass(slots=True)
class Answers:
    """What the loopback server answers next."""

    body: bytes = b"{}"
    status: int = 200
    seen: list[str] = field(default_factory=list)


def fuzz_app(answers: Answers) -> web.Application:
    """Logins succeed (so the client gets past them); everything else gets the chosen body."""

    async def handle(request: web.Request) -> web.StreamResponse:
        answers.seen.append(request.path)
        if request.path == "/api/v2/auth/login":
            response = web.Response(status=204)
            response.set_cookie("SID", "fuzz")
            return response
        if request.path in ("/UI/Dashboard", "/UI/Login"):
            response = web.Response(status=302, headers={"Location": "/UI/Dashboard"})
            response.set_cookie("Jackett", "fuzz")
            return response
        if request.path == "/auth/login":
            return web.json_response({"token": "fuzz", "isAdmin": True, "id": "1"})
        return web.Response(
            status=answers.status, body=answers.body, content_type="application/json"
        )

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    return app


@pytest.fixture
async def fuzz_server() -> AsyncIterator[tuple[str, Answers]]:
    """The loopback server and its answer switch."""
    answers = Answers()
    async with serve(fuzz_app(answers)) as url:
        yield url, answers


def backend(kind: BackendKind, url: str) -> BackendConfig:
    """A backend of ``kind`` at ``url`` with plausible credentials."""
    return BackendConfig(
        name=str(kind),
        kind=kind,
        url=url,
        username="user",
        password="pw",
        api_key="0123456789abcdef0123456789abcdef",
        timeout=CALL_LIMIT,
        category="*",
    )


@pytest.mark.parametrize("kind", list(KEYS), ids=[str(k) for k in KEYS])
@settings(
    max_examples=40,
    deadline=None,  # CALL_LIMIT bounds each call instead
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_collector_and_probe_fail_only_as_documented(
    kind: BackendKind, fuzz_server: tuple[str, Answers], data: st.DataObject
) -> None:
    url, answers = fuzz_server
    answers.body = data.draw(bodies(keys_read_by(*KEYS[kind])), label="body")
    answers.status = data.draw(st.sampled_from([200, 200, 200, 201, 204, 400, 404, 500]))
    answers.seen.clear()
    collector = make_collector(backend(kind, url), CollectorOptions())
    try:
        for call in ("collect", "probe"):
            try:
                async with asyncio.timeout(CALL_LIMIT):
                    if call == "collect":
                        await collector.collect(Samples(), Facts())
                    else:
                        await collector.client().probe()  # type: ignore[attr-defined,unused-ignore]
            except StackError:
                pass
    finally:
        await collector.close()
    assert answers.seen, "the collector asked the server"
