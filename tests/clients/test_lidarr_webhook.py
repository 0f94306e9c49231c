"""Lidarr's Connect webhook made, tested and removed through the API, and its calls.

Against the simulated Lidarr (simulator/backends/lidarr_notify.py, from Lidarr 2.14.5.4824's
ProviderControllerBase.cs and Notifications/Webhook/*), with a real loopback receiver:
Lidarr tests the URL before it saves, a receiver it cannot reach is a 400 naming the URL
field, and the world's grabs and imports arrive as ``Grab`` and ``Download`` calls.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from stepheybot_music_clients.errors import BackendRequestError
from stepheybot_music_clients.lidarr import LidarrClient
from stepheybot_music_clients.lidarr.webhook import (
    NOTIFICATION_NAME,
    WebhookEventType,
    WebhookTarget,
    ensure_webhook,
    find_webhook,
    parse_event,
    remove_webhook,
    send_test,
)

from simulator import Simulator
from simulator.backends import BackendSpec

KEY = "lidarr0123456789abcdef0123456789ab"


class Receiver:
    """A loopback webhook receiver that keeps every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.arrived = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        self.calls.append((request.headers.get("Authorization", ""), await request.json()))
        self.arrived.set()
        return web.json_response({})


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    got = Receiver()
    app = web.Application()
    app.router.add_post("/hook/{id}", got.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield got, f"http://127.0.0.1:{port}/hook/abc"
    await runner.cleanup()


@pytest.fixture
async def lidarr() -> AsyncIterator[tuple[Simulator, LidarrClient]]:
    spec = BackendSpec(name="lidarr", kind="lidarr", api_key=KEY)
    async with (
        Simulator(specs=[spec], speed=0) as sim,
        aiohttp.ClientSession() as session,
    ):
        yield sim, LidarrClient(session, sim.url("lidarr"), api_key=KEY, timeout=5)


async def test_made_tested_updated_and_removed(
    lidarr: tuple[Simulator, LidarrClient], receiver: tuple[Receiver, str]
) -> None:
    _sim, client = lidarr
    got, url = receiver
    target = WebhookTarget(url=url, username="lidarr", password="s3cret")
    assert "s3cret" not in repr(target)
    assert url not in repr(target)
    made = await ensure_webhook(client, target)
    # Lidarr tested the URL before saving: one Test call with the basic-auth secret
    assert [parse_event(body).type for _, body in got.calls] == [WebhookEventType.TEST]
    assert got.calls[0][0] == "Basic " + base64.b64encode(b"lidarr:s3cret").decode()
    saved = await find_webhook(client)
    assert saved is not None
    assert saved["id"] == made
    assert saved["name"] == NOTIFICATION_NAME
    assert saved["onReleaseImport"]
    assert saved["onGrab"]
    assert saved["onHealthIssue"]
    password = next(f for f in saved["fields"] if f["name"] == "password")
    assert password["value"] == "********"  # the API never answers the secret

    await send_test(client, made)  # the stored password is used
    assert len(got.calls) == 2
    assert got.calls[1][0] == got.calls[0][0]
    # the same target again changes nothing, so Lidarr does not test it
    assert await ensure_webhook(client, target) == made
    assert len(got.calls) == 2
    assert await remove_webhook(client)
    assert await find_webhook(client) is None
    assert not await remove_webhook(client)


async def test_an_unreachable_receiver_is_refused_with_lidarrs_reason(
    lidarr: tuple[Simulator, LidarrClient], receiver: tuple[Receiver, str]
) -> None:
    sim, client = lidarr
    _, url = receiver
    sim.world.push_cut.add("lidarr")
    with pytest.raises(BackendRequestError, match="Unable to post to webhook") as caught:
        await ensure_webhook(client, WebhookTarget(url=url, username="u", password="p"))
    assert caught.value.code == 400
    assert await find_webhook(client) is None  # nothing saved


async def test_grabs_and_imports_arrive_as_calls_naming_the_album(
    lidarr: tuple[Simulator, LidarrClient], receiver: tuple[Receiver, str]
) -> None:
    sim, client = lidarr
    got, url = receiver
    await ensure_webhook(client, WebhookTarget(url=url, username="u", password="p"))
    world = sim.world
    album = next(
        a
        for a in world.missing_albums()
        if world.releases_for(a) and world.torrent_for_album(a.id) is None
    )
    world.run_command("AlbumSearch", {"albumIds": [album.id]})
    await sim.advance(900, step=5)
    mine: list[Any] = []
    for _ in range(100):
        mine = [e for _, body in got.calls if album.id in (e := parse_event(body)).album_ids]
        if WebhookEventType.DOWNLOAD in {e.type for e in mine}:
            break
        await asyncio.sleep(0.05)
    assert [e.type for e in mine] == [WebhookEventType.GRAB, WebhookEventType.DOWNLOAD]
    grab, download = mine
    assert grab.artist_id == world.artist_of(album).lidarr_id
    assert grab.download_id == download.download_id
    assert grab.download_id


def test_a_body_that_is_not_an_event_is_refused() -> None:
    from stepheybot_music_clients.errors import UnexpectedResponseError

    with pytest.raises(UnexpectedResponseError, match="webhook call"):
        parse_event(["not", "an", "object"])
    assert parse_event({"eventType": "SomethingNew"}).type is WebhookEventType.UNKNOWN
