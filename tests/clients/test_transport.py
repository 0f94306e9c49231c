"""The shared transport maps every failure to the error hierarchy with a helpful message."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from aiohttp import web

from custom_components.stepheybot_music.clients.errors import (
    BackendTimeoutError,
    CannotConnectError,
    InvalidAuthError,
    TlsError,
    UnexpectedResponseError,
)
from custom_components.stepheybot_music.clients.transport import (
    HttpClient,
    InvalidUrlError,
    normalize_url,
    parsing,
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


async def test_not_json_is_unexpected_response() -> None:
    async with serve(_app()) as url, aiohttp.ClientSession() as session:
        client = Demo(session, url + "/base")
        with pytest.raises(UnexpectedResponseError, match=r"not valid JSON.*<html>login"):
            await client.get_json("garbage")


async def test_timeout_names_the_limit() -> None:
    async with serve(_app()) as url, aiohttp.ClientSession() as session:
        client = Demo(session, url + "/base", timeout=0.2)
        with pytest.raises(BackendTimeoutError, match=r"did not answer within 0\.2 s"):
            await client.get_json("slow")


@pytest.mark.parametrize(
    ("code", "error", "match"),
    [
        (401, InvalidAuthError, "rejected the credentials"),
        (500, UnexpectedResponseError, "answered HTTP 500"),
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
