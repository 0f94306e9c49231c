"""Keep the simulated stack living: request new music through Home Assistant now and then.

Each request is what a user does in Home Assistant: the ``stepheybot_music.search``
action finds an artist Lidarr does not have yet, and ``stepheybot_music.request_download``
asks for its latest album (both over Home Assistant's REST API, with a response). The
integration tracks the request: the Requests in flight sensor, the Request event entity
and the ``stepheybot_music_request`` events follow it while the simulated indexers answer,
the download client downloads, Lidarr imports and Navidrome scans.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from .children import DemoError
from .ha_client import JSON, HomeAssistantApi
from .homeassistant import DOMAIN

_LOGGER = logging.getLogger(__name__)
LOOKUP_TERMS = ("e", "a", "o", "i", "u")
"""Artist searches; the first artist Lidarr does not have yet is requested."""
NEW = "available"
"""A search hit's availability when Lidarr does not have it yet (MusicBrainz knows it)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Request:
    """One request made through Home Assistant's ``request_download`` action."""

    request_id: str
    artist: str
    title: str
    """Artist and album, as the integration names the request."""
    message: str
    """The action's answer (one sentence)."""
    lidarr_album_ids: tuple[int, ...] = ()


@dataclass(slots=True)
class Story:
    """What the story did so far (newest last)."""

    requests: list[Request] = field(default_factory=list)
    made: asyncio.Event = field(default_factory=asyncio.Event)
    """Set once the first request was made."""


async def call_action(api: HomeAssistantApi, action: str, data: JSON) -> JSON:
    """Call one of the integration's actions and return its response data."""
    answer = await api.post(f"/api/services/{DOMAIN}/{action}?return_response", data)
    response: JSON = answer.get("service_response") or {}
    return response


async def find_new_artist(api: HomeAssistantApi, entry_id: str) -> list[JSON]:
    """Artists Lidarr can look up but does not have (``search``, source ``lidarr``)."""
    found: list[JSON] = []
    for term in LOOKUP_TERMS:
        response = await call_action(
            api,
            "search",
            {
                "config_entry_id": entry_id,
                "query": term,
                "kind": "artist",
                "sources": ["lidarr"],
                "limit": 50,
            },
        )
        status = response.get("sources", {}).get("lidarr", {})
        if status.get("status") != "ok":
            raise DemoError(f"the search action could not ask Lidarr: {status.get('error')}")
        found += [
            hit
            for hit in response.get("results", [])
            if hit.get("availability") == NEW and hit not in found
        ]
        if found:
            return found
    return found


async def request_latest_album(api: HomeAssistantApi, entry_id: str) -> Request:
    """Request the latest album of an artist Lidarr does not have, through the action."""
    for hit in await find_new_artist(api, entry_id):
        wanted: dict[str, Any] = (
            {"musicbrainz_id": hit["artist_mbid"]}
            if hit.get("artist_mbid")
            else {"artist": hit["artist"]}
        )
        response = await call_action(
            api, "request_download", {"config_entry_id": entry_id, **wanted, "latest": True}
        )
        request = response.get("request")
        if response.get("status") != "requested" or not request:
            _LOGGER.info("%s: %s", hit.get("artist"), response.get("message"))
            continue
        return Request(
            request_id=str(request["request_id"]),
            artist=str(request.get("artist") or hit["artist"]),
            title=str(request["title"]),
            message=str(response.get("message") or ""),
            lidarr_album_ids=tuple(int(i) for i in request.get("lidarr_album_ids") or ()),
        )
    raise LookupError("Lidarr found no artist it does not have already")


def describe(request: Request) -> str:
    """The line the demo prints for a request."""
    return (
        f"requested through Home Assistant (stepheybot_music.request_download): "
        f"{request.title}, request {request.request_id}"
    )


async def keep_living(
    api: HomeAssistantApi,
    entry_id: str,
    story: Story,
    *,
    first_after: float,
    every: float,
    limit: int,
    announce: bool = True,
) -> None:
    """Request new music after ``first_after`` seconds, then every ``every`` seconds."""
    await asyncio.sleep(first_after)
    for _ in range(limit):
        try:
            request = await request_latest_album(api, entry_id)
        except (DemoError, LookupError, aiohttp.ClientError, TimeoutError) as err:
            _LOGGER.warning("the demo could not request new music through Home Assistant: %s", err)
        else:
            story.requests.append(request)
            story.made.set()
            if announce:
                sys.stdout.write(f"{describe(request)}\n  {request.message}\n")
                sys.stdout.flush()
        if every <= 0:
            return
        await asyncio.sleep(every)
