"""``getCoverArt`` against the simulated Navidrome: the picture, its type, and a missing one."""

from __future__ import annotations

import aiohttp
import pytest
from stepheybot_music_clients.errors import BackendRequestError, InvalidAuthError
from stepheybot_music_clients.subsonic import SubsonicClient

from simulator import Fault, Simulator
from simulator.backends.cover_art import cover_png

from .test_subsonic_contract import SIM_ADMIN, SMALL, sim_spec


async def test_cover_art_by_album_id_and_cover_id() -> None:
    async with (
        Simulator(specs=[sim_spec()], scale=SMALL, seed=7, download_speed=0) as sim,
        aiohttp.ClientSession() as http,
    ):
        client = SubsonicClient(
            http, sim.url("navidrome"), username=SIM_ADMIN[0], password=SIM_ADMIN[1]
        )
        found = await client.search3("", artist_count=1, album_count=1, song_count=0)
        album = found.albums[0]
        picture = await client.cover_art(album.id, size=160)
        assert picture.content_type == "image/png"
        assert picture.data.startswith(b"\x89PNG\r\n\x1a\n")
        assert picture.data == cover_png(album.id)
        assert (await client.cover_art(f"al-{album.id}_0")).data == picture.data
        assert "data" not in repr(picture)

        with pytest.raises(BackendRequestError) as missing:
            await client.cover_art("0" * 32)
        assert missing.value.code == 70
        assert "found nothing for getCoverArt" in str(missing.value)

        await sim.set_fault("navidrome", Fault.AUTH_REVOKED)
        with pytest.raises(InvalidAuthError):
            await client.cover_art(album.id)
