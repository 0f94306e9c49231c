"""The simulator's Transmission flavours answer like the real daemons they are built from.

The same requests go to a real transmission-daemon (4.1.x in the toolbox, 3.00 on the host) and
to the simulator playing that flavour (``simulator/backends/transmission_flavors.py``); each
answer must agree in status, in the headers a client reads (``Content-Type``,
``WWW-Authenticate``, ``X-Transmission-Session-Id``, ``X-Transmission-Rpc-Version``,
``Server``, the clickjacking headers) and in shape: the same JSON keys with the same types, the
same HTML texts (with the session id and failure counts taken out). The refusals (401, 403 for
the lock and the whitelist, 421) and label handling are compared too: they are what the
client's messages are built on.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest

from simulator import Scale, Simulator
from simulator.backends import BackendSpec
from tests.compat import REAL, compat
from tests.servers import transmission as tr

pytestmark = pytest.mark.real_server

TransmissionFactory = Callable[..., tr.TransmissionServer]
FLAVOR = {"4": "4.1", "3.00": "3.00"}
"""The simulator flavour of each real daemon."""
HEADERS = (
    "content-type",
    "www-authenticate",
    "server",
    "x-frame-options",
    "content-security-policy",
    "x-transmission-rpc-version",
)
"""Headers compared by value (the session id only by presence: it is random)."""
MAGNET = "magnet:?xt=urn:btih:{}&dn=Fidelity"


@dataclass(frozen=True, slots=True)
class Answer:
    """What a client sees of one answer."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    def comparable(self) -> tuple[int, dict[str, str], bool, object]:
        """Status, the headers that matter, the session id's presence, the shape of the body."""
        headers = {k: self.headers[k].lower() for k in HEADERS if k in self.headers}
        return status_shape(self.status, headers, self.headers, self.body)


def status_shape(
    status: int, headers: dict[str, str], raw: Mapping[str, str], body: bytes
) -> tuple[int, dict[str, str], bool, object]:
    has_session = "x-transmission-session-id" in raw
    if raw.get("content-type", "").startswith("application/json"):
        return status, headers, has_session, shape(json.loads(body))
    text = body.decode("latin-1")
    text = re.sub(r"X-Transmission-Session-Id: [^<]+", "X-Transmission-Session-Id: SID", text)
    text = re.sub(r"\d+ unsuccessful login", "N unsuccessful login", text)
    return status, headers, has_session, text


def shape(value: object) -> object:
    """The JSON's keys and types (lists by their first element)."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in sorted(value.items())}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "number"  # JSON has one number type (1 and 1.0 alike)
    return type(value).__name__


class Endpoint:
    """One Transmission RPC over raw HTTP: the real daemon or the simulator."""

    def __init__(self, session: aiohttp.ClientSession, base: str, user: str, password: str) -> None:
        self.session = session
        self.url = base + tr.RPC_PATH
        self.auth = tr.basic_auth(user, password) if user else None
        self.sid = ""

    async def post(
        self, body: object, *, auth: str | bool | None = True, headers: Mapping[str, str] = {}
    ) -> Answer:
        send = {"Content-Type": "application/json", **headers}
        if auth is True and self.auth:
            send["Authorization"] = self.auth
        elif isinstance(auth, str):
            send["Authorization"] = auth
        if self.sid:
            send["X-Transmission-Session-Id"] = self.sid
        async with self.session.post(self.url, data=json.dumps(body), headers=send) as resp:
            got = {k.lower(): v for k, v in resp.headers.items()}
            return Answer(resp.status, got, await resp.read())

    async def rpc(
        self, method: str, arguments: Mapping[str, Any] | None = None, **kw: Any
    ) -> Answer:
        body = {"method": method, "arguments": dict(arguments or {})}
        answer = await self.post(body, **kw)
        if answer.status == 409 and "x-transmission-session-id" in answer.headers:
            self.sid = answer.headers["x-transmission-session-id"]
            answer = await self.post(body, **kw)
        return answer


@asynccontextmanager
async def simulated(flavor: str, **spec: Any) -> AsyncIterator[Simulator]:
    """The simulator playing one Transmission flavour (credentials as the real server's)."""
    auth = spec.pop("auth", True)
    backend = BackendSpec(
        name="transmission",
        kind="transmission",
        flavor=flavor,
        username=tr.USERNAME if auth else "",
        password=tr.DEFAULT_PASSWORD if auth else "",
        extra=spec,
    )
    async with Simulator(
        seed=7, scale=Scale(torrents=3), specs=[backend], speed=0, docker_socket=False
    ) as sim:
        yield sim


async def both(
    session: aiohttp.ClientSession, server: tr.TransmissionServer, sim: Simulator
) -> tuple[Endpoint, Endpoint]:
    user = server.username if server.auth else ""
    real = Endpoint(session, server.base_url, user, server.password)
    fake = Endpoint(session, sim.url("transmission"), user, server.password)
    return real, fake


def same(real: Answer, fake: Answer, what: str) -> None:
    assert fake.comparable() == real.comparable(), what


@compat("transmission", "4.1", proof=REAL, source="transmission-daemon 4.1.x (Debian sid)")
@compat("transmission", "3.00", proof=REAL, source="transmission-daemon 3.00 (Debian 12)")
@pytest.mark.parametrize("version", tr.VERSIONS)
async def test_the_flavour_answers_the_rpc_like_the_daemon(
    transmission_server: TransmissionFactory, version: str
) -> None:
    server = transmission_server(version)
    tr.add_synthetic_torrents(server, 1, labels=["music"])
    async with aiohttp.ClientSession() as session, simulated(FLAVOR[version]) as sim:
        real, fake = await both(session, server, sim)
        # the refusal without credentials, then the CSRF handshake
        same(await real.post({}, auth=False), await fake.post({}, auth=False), "401")
        same(await real.post({}), await fake.post({}), "409")
        calls: list[tuple[str, dict[str, Any]]] = [
            ("session-get", {"fields": ["version", "rpc-version", "rpc-version-semver"]}),
            ("session-get", {"fields": ["download-dir", "alt-speed-enabled"]}),
            ("session-stats", {}),
            ("torrent-get", {"fields": list(tr_fields())}),
            ("torrent-get", {"ids": "recently-active", "fields": ["id", "labels"]}),
            ("free-space", {"path": "/"}),
            ("torrent-add", {"filename": MAGNET.format("f1" * 20), "labels": ["music"]}),
            ("torrent-get", {"ids": ["f1" * 20], "fields": ["id", "hashString", "labels"]}),
            ("torrent-set", {"ids": ["f1" * 20], "labels": ["music", "flac"]}),
            ("torrent-get", {"ids": ["f1" * 20], "fields": ["labels"]}),
            ("torrent-stop", {"ids": ["f1" * 20]}),
            ("no-such-method", {}),
        ]
        for method, arguments in calls:
            got_real = await real.rpc(method, arguments)
            got_fake = await fake.rpc(method, arguments)
            same(got_real, got_fake, f"{method} {arguments}")
            if arguments.get("ids") == ["f1" * 20] and method == "torrent-get":
                # 3.00 ignores labels in torrent-add, 4.x keeps them; torrent-set works on both
                assert _labels(got_fake) == _labels(got_real), arguments
            if method in ("session-get", "no-such-method"):
                real_args, fake_args = json.loads(got_real.body), json.loads(got_fake.body)
                assert fake_args["result"] == real_args["result"]
                for key in ("rpc-version", "rpc-version-semver"):
                    assert fake_args["arguments"].get(key) == real_args["arguments"].get(key), key


def _labels(answer: Answer) -> list[object]:
    return [t.get("labels") for t in json.loads(answer.body)["arguments"]["torrents"]]


def tr_fields() -> tuple[str, ...]:
    from stepheybot_music_clients.transmission.models import TORRENT_FIELDS

    return TORRENT_FIELDS


@compat("transmission", "4.1", proof=REAL, source="transmission-daemon 4.1.x (Debian sid)")
@compat("transmission", "3.00", proof=REAL, source="transmission-daemon 3.00 (Debian 12)")
@pytest.mark.parametrize("version", tr.VERSIONS)
async def test_the_flavour_refuses_like_the_daemon(
    transmission_server: TransmissionFactory, version: str
) -> None:
    limit = 2 if version == "4" else 100
    locking = transmission_server(version, anti_brute_force_threshold=limit)
    refusing = transmission_server(version, whitelist="10.77.0.9")
    open_server = transmission_server(version, auth=False, host_whitelist="music.example")
    flavor = FLAVOR[version]
    async with aiohttp.ClientSession() as session:
        async with simulated(flavor, anti_brute_force_threshold=str(limit)) as sim:
            real, fake = await both(session, locking, sim)
            # the real server counted the fixture's readiness check as one failure already
            await fake.post({}, auth=False)
            wrong = tr.basic_auth(tr.USERNAME, "wrong")
            for n in range(limit - 1):
                same(await real.post({}, auth=wrong), await fake.post({}, auth=wrong), f"401 #{n}")
            same(await real.post({}), await fake.post({}), "403 locked")
        async with simulated(flavor, whitelist="deny") as sim:
            real, fake = await both(session, refusing, sim)
            same(await real.post({}), await fake.post({}), "403 whitelist")
        async with simulated(flavor, auth=False, host_whitelist=["music.example"]) as sim:
            real, fake = await both(session, open_server, sim)
            host = {"Host": "transmission:9091"}
            same(await real.post({}, headers=host), await fake.post({}, headers=host), "421")
            # an IP address or an allowed name passes
            same(
                await real.rpc("session-get", {"fields": ["version"]}),
                await fake.rpc("session-get", {"fields": ["version"]}),
                "by address",
            )
