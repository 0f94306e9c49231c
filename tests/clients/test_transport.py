"""The shared transport maps every failure to the error hierarchy with a helpful message."""

from __future__ import annotations

import asyncio
import gzip
import random
import tracemalloc

import aiohttp
import pytest
from aiohttp import web
from stepheybot_music_clients.errors import (
    BackendTimeoutError,
    CannotConnectError,
    InvalidAuthError,
    ServerError,
    TlsError,
    UnexpectedResponseError,
)
from stepheybot_music_clients.transport import (
    MAX_ROUTES,
    OTHER_ROUTES,
    HttpClient,
    InvalidUrlError,
    normalize_url,
    parsing,
    route_of,
)

from tests.loopback import free_port, serve


class Demo(HttpClient):
    kind = "Demo"


def _app() -> web.Application:
    app = web.Application()

    async def ok(_: web.Request) -> web.Response:
        return web.json_response({"hello": "world"})

    async def garbage(_: web.Request) -> web.Response:
        return web.Response(text="<html>login</html>", content_type="text/html")

    async def slow(_: web.Request) -> web.Response:
        await asyncio.sleep(2)
        return web.json_response({})

    async def status(request: web.Request) -> web.Response:
        return web.Response(status=int(request.match_info["code"]), text="nope")

    async def truncated(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Length": "100"})
        await resp.prepare(request)
        await resp.write(b'{"partial": ')
        assert request.transport is not None
        request.transport.close()
        return resp

    app.router.add_get("/base/ok", ok)
    app.router.add_get("/base/garbage", garbage)
    app.router.add_get("/base/slow", slow)
    app.router.add_get("/base/status/{code}", status)
    app.router.add_get("/base/truncated", truncated)
    return app


async def test_get_json_and_stats() -> None:
    async with serve(_app()) as url, aiohttp.ClientSession() as session:
        client = Demo(session, url + "/base/")
        assert await client.get_json("ok") == {"hello": "world"}
        assert client.stats.requests == 1
        assert client.stats.body_bytes == len(b'{"hello": "world"}')
        assert client.stats.by_path == {"/base/ok": 1}
        client.stats.reset()
        assert client.stats.requests == 0


def test_routes_replace_ids_only() -> None:
    assert route_of("/api/v1/album/123") == "/api/v1/album/{id}"
    assert route_of("/api/v1/download/pause/0123456789abcdef0123456789ABCDEF01234567") == (
        "/api/v1/download/pause/{id}"
    )
    assert route_of("/api/v1/download/status/a7d7c1a2-2f4e-4b8e-9f1e-5a0c3e4b2d10") == (
        "/api/v1/download/status/{id}"
    )
    for path in (
        "/api/v2.0/indexers/all/results/torznab/api",
        "/api/v2/sync/maindata",
        "/v1/openvpn/status",
        "/rest/getAlbumList2",
        "/containers/lidarr/json",
        "/api/v1/wanted/missing",
    ):
        assert route_of(path) == path


async def test_stats_count_routes_and_stay_bounded() -> None:
    """A client asked about ever new ids or searches keeps a bounded map of routes."""
    app = web.Application()

    async def anything(_: web.Request) -> web.Response:
        return web.json_response({})

    app.router.add_get("/base/{tail:.*}", anything)
    async with serve(app) as url, aiohttp.ClientSession() as session:
        client = Demo(session, url + "/base")
        for album in (1, 2, 30, 400):
            await client.get_json(f"album/{album}")
        await client.get_json("torrent/0123456789abcdef0123456789abcdef01234567")
        assert client.stats.by_path == {"/base/album/{id}": 4, "/base/torrent/{id}": 1}
        searches = MAX_ROUTES + 10
        for n in range(searches):
            await client.get_json(f"search/query {n}")
        assert len(client.stats.by_path) == MAX_ROUTES + 1
        assert client.stats.by_path[OTHER_ROUTES] == searches - (MAX_ROUTES - 2)
        assert sum(client.stats.by_path.values()) == client.stats.requests == searches + 5
        await client.get_json("album/5")
        assert client.stats.by_path["/base/album/{id}"] == 5


async def test_not_json_is_unexpected_response() -> None:
    async with serve(_app()) as url, aiohttp.ClientSession() as session:
        client = Demo(session, url + "/base")
        with pytest.raises(UnexpectedResponseError, match=r"not valid JSON.*<html>login"):
            await client.get_json("garbage")


BIG = random.Random(9).randbytes(4 << 20)
"""A 4 MiB body (incompressible, so gzip keeps it big on the wire too)."""


def _big_app(payload: bytes, encoding: str | None) -> web.Application:
    """Serves ``payload`` in 64 KiB writes, optionally with a Content-Encoding."""
    app = web.Application()

    async def big(request: web.Request) -> web.StreamResponse:
        headers = {"Content-Encoding": encoding} if encoding else {}
        resp = web.StreamResponse(headers=headers)
        await resp.prepare(request)
        view = memoryview(payload)
        for start in range(0, len(payload), 1 << 16):
            await resp.write(view[start : start + (1 << 16)])
        await resp.write_eof()
        return resp

    app.router.add_get("/big", big)
    return app


@pytest.mark.parametrize("encoding", [None, "gzip"])
async def test_big_body_is_read_whole_with_one_copy_alive(encoding: str | None) -> None:
    """A body arriving in many pieces is returned intact, holding about one copy at the peak
    (aiohttp's ``read()`` holds the pieces and their joined copy: twice the body)."""
    payload = gzip.compress(BIG, compresslevel=1) if encoding else BIG
    async with serve(_big_app(payload, encoding)) as url, aiohttp.ClientSession() as session:
        client = Demo(session, url)
        await client.request("GET", "big")  # warm up the connection and the parsers
        tracemalloc.start()
        try:
            resp = await client.request("GET", "big")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert type(resp.body) is bytes
    assert resp.body == BIG
    assert client.stats.body_bytes == 2 * len(BIG)
    assert peak < 1.4 * len(BIG), f"{peak / len(BIG):.2f} copies of the body at the peak"


async def test_corrupt_gzip_body_is_unexpected_response() -> None:
    payload = gzip.compress(BIG[: 1 << 20], compresslevel=1)
    corrupt = payload[:4096] + bytes(len(payload) - 4096)
    async with serve(_big_app(corrupt, "gzip")) as url, aiohttp.ClientSession() as session:
        client = Demo(session, url)
        with pytest.raises(UnexpectedResponseError, match="truncated or corrupt"):
            await client.request("GET", "big")


async def test_timeout_names_the_limit() -> None:
    async with serve(_app()) as url, aiohttp.ClientSession() as session:
        client = Demo(session, url + "/base", timeout=0.2)
        with pytest.raises(BackendTimeoutError, match=r"did not answer within 0\.2 s"):
            await client.get_json("slow")


@pytest.mark.parametrize(
    ("code", "error", "match"),
    [
        (401, InvalidAuthError, "rejected the credentials"),
        (500, ServerError, r"had an internal error \(HTTP 500\)"),
        (404, UnexpectedResponseError, "answered HTTP 404"),
    ],
)
async def test_status_mapping(code: int, error: type[Exception], match: str) -> None:
    async with serve(_app()) as url, aiohttp.ClientSession() as session:
        client = Demo(session, url + "/base")
        with pytest.raises(error, match=match):
            await client.get_json(f"status/{code}")


async def test_truncated_body() -> None:
    async with serve(_app()) as url, aiohttp.ClientSession() as session:
        client = Demo(session, url + "/base")
        with pytest.raises(UnexpectedResponseError, match="truncated or corrupt"):
            await client.get_json("truncated")


async def test_connection_refused() -> None:
    async with aiohttp.ClientSession() as session:
        client = Demo(session, f"http://127.0.0.1:{free_port()}")
        with pytest.raises(CannotConnectError, match="Cannot connect to Demo") as info:
            await client.get_json("anything")
        assert not isinstance(info.value, BackendTimeoutError)
        assert info.value.backend == "Demo"


async def test_tls_to_plain_http_server_is_tls_error() -> None:
    async with serve(_app()) as url, aiohttp.ClientSession() as session:
        client = Demo(session, url.replace("http://", "https://") + "/base")
        with pytest.raises((TlsError, CannotConnectError)):
            await client.get_json("ok")


@pytest.mark.parametrize(
    "bad", ["", "not a url", "ftp://example.org", "http://", "://x", "unix:///var/run/x.sock"]
)
def test_invalid_urls(bad: str) -> None:
    with pytest.raises(InvalidUrlError, match="Use a URL like"):
        normalize_url(bad)


def test_normalize_url_strips_query_and_slash() -> None:
    assert str(normalize_url(" http://h:1/x/?apikey=secret#f ")) == "http://h:1/x"
    assert str(normalize_url("https://h")) == "https://h/"


def test_parsing_turns_shape_errors_into_unexpected_response() -> None:
    with (
        pytest.raises(UnexpectedResponseError, match="sent the queue in a shape"),
        parsing("Demo", "the queue"),
    ):
        _ = {"a": 1}["b"]


def test_repr_has_no_secret() -> None:
    async def make() -> str:
        async with aiohttp.ClientSession() as session:
            return repr(Demo(session, "http://user:pw@h:1/?apikey=k"))

    text = asyncio.run(make())
    assert "apikey" not in text
    assert "<Demo" in text
