r"""tecnativa/docker-socket-proxy's access rules in front of a real engine's socket, over TCP.

HAProxy is not installed here, so this forwards with aiohttp and applies the same rules as
haproxy.cfg@a6fbf38:48-77: only GET (``POST=0``); a path passes when it matches
``^(/v[\d.]+)?/<section>`` for an enabled section (the image enables ``_ping``, ``version`` and
``events`` by default, Dockerfile@a6fbf38; ``containers`` is the ``CONTAINERS=1`` the README asks
for); everything else gets HAProxy's 403 page. So podman's ``/v4.0.0/libpod/...`` is refused,
as by the real proxy. Replies pass through unchanged (status, headers, body).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from aiohttp import web

DEFAULT_SECTIONS = ("_ping", "version", "events")
FORBIDDEN = (
    "<html><body><h1>403 Forbidden</h1>\nRequest forbidden by administrative rules.\n"
    "</body></html>\n"
)
_HOP_BY_HOP = {"connection", "transfer-encoding", "content-length", "keep-alive"}


@dataclass(slots=True)
class SocketProxy:
    """A running proxy: its URL and the paths it refused."""

    url: str
    refused: list[str] = field(default_factory=list)


@asynccontextmanager
async def running_socket_proxy(
    socket: Path, *, containers: bool = True
) -> AsyncIterator[SocketProxy]:
    """Serve the proxy on 127.0.0.1 (free port) in front of ``socket`` until the block ends."""
    sections = DEFAULT_SECTIONS + (("containers",) if containers else ())
    allowed = re.compile(r"^(/v[\d.]+)?/(" + "|".join(map(re.escape, sections)) + ")", re.I)
    upstream = aiohttp.ClientSession(connector=aiohttp.UnixConnector(path=str(socket)))
    proxy = SocketProxy(url="")

    async def forward(request: web.Request) -> web.StreamResponse:
        if request.method != "GET" or not allowed.match(request.path):
            proxy.refused.append(request.path)
            return web.Response(status=403, text=FORBIDDEN, content_type="text/html")
        async with upstream.get(f"http://localhost{request.path_qs}") as resp:
            body = await resp.read()
            headers = {k: v for k, v in resp.headers.items() if k.lower() not in _HOP_BY_HOP}
            return web.Response(status=resp.status, body=body, headers=headers)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", forward)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    proxy.url = f"http://{host}:{port}"
    try:
        yield proxy
    finally:
        await runner.cleanup()
        await upstream.close()
