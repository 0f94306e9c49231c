"""Keep the simulated stack living: request new music through Lidarr now and then.

Each request is what a user does in Lidarr: look an artist up, add it with its missing
albums searched. The simulated indexers answer, the download client downloads, Lidarr
imports and Navidrome scans: every part of the dashboard moves.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from dataclasses import dataclass

import aiohttp

from custom_components.stepheybot_music.clients.errors import StackError
from custom_components.stepheybot_music.clients.lidarr import LidarrClient
from custom_components.stepheybot_music.clients.stackfile import BackendConfig

_LOGGER = logging.getLogger(__name__)
LOOKUP_TERMS = ("e", "a", "o", "i", "u")
"""Artist searches; the first artist Lidarr does not have yet is requested."""


@dataclass(frozen=True, slots=True)
class Request:
    """One artist requested through Lidarr."""

    artist: str
    lidarr_id: int


async def request_new_artist(session: aiohttp.ClientSession, lidarr: BackendConfig) -> Request:
    """Add an artist Lidarr does not have and search for its albums."""
    client = LidarrClient(session, lidarr.url, api_key=lidarr.api_key)
    quality = (await client.quality_profiles())[0]
    metadata = (await client.metadata_profiles())[0]
    root = (await client.root_folders())[0]
    for term in LOOKUP_TERMS:
        for found in await client.lookup_artist(term):
            if found.in_library:
                continue
            added = await client.add_artist(
                found,
                quality_profile_id=quality.id,
                metadata_profile_id=metadata.id,
                root_folder_path=root.path,
                search=True,
            )
            return Request(artist=added.name, lidarr_id=added.id)
    raise LookupError("Lidarr found no artist it does not have already")


async def keep_living(
    session: aiohttp.ClientSession,
    lidarr: BackendConfig,
    *,
    first_after: float,
    every: float,
    limit: int,
    announce: bool = True,
) -> None:
    """Request a new artist after ``first_after`` seconds, then every ``every`` seconds."""
    await asyncio.sleep(first_after)
    for _ in range(limit):
        try:
            request = await request_new_artist(session, lidarr)
        except (StackError, LookupError) as err:
            _LOGGER.warning("the demo could not request new music through Lidarr: %s", err)
        else:
            if announce:
                sys.stdout.write(
                    f"requested through Lidarr: {request.artist} (albums downloading)\n"
                )
                sys.stdout.flush()
        if every <= 0:
            return
        await asyncio.sleep(every)
