"""The full story, told only through the simulated backends' public HTTP APIs.

A user adds an artist in Lidarr with "search for missing albums"; Lidarr grabs releases
into qBittorrent's music category; time passes (through the control endpoint); the
downloads complete, Lidarr imports them, Navidrome scans them and its counts go up.
"""

from __future__ import annotations

import aiohttp
from stepheybot_music_clients.lidarr import LidarrClient
from stepheybot_music_clients.qbittorrent import QBittorrentClient
from stepheybot_music_clients.subsonic import SubsonicClient

from simulator import Simulator
from simulator.backends import BackendSpec


async def test_request_download_import_library_count_up() -> None:
    specs = [
        BackendSpec(name="lidarr", kind="lidarr", api_key="k" * 32),
        BackendSpec(name="qbittorrent", kind="qbittorrent", username="admin", password="pw1"),
        BackendSpec(name="navidrome", kind="navidrome", username="admin", password="pw2"),
    ]
    async with (
        Simulator(seed=11, specs=specs, docker_socket=False) as sim,
        aiohttp.ClientSession() as session,
        aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as qb_session,
    ):
        lidarr = LidarrClient(session, sim.url("lidarr"), api_key="k" * 32)
        qbit = QBittorrentClient(
            qb_session, sim.url("qbittorrent"), username="admin", password="pw1"
        )
        navidrome = SubsonicClient(session, sim.url("navidrome"), username="admin", password="pw2")

        before_library = await navidrome.library_totals()
        before_missing = await lidarr.missing_count()
        before = await qbit.sync()

        candidates = [a for a in await lidarr.lookup_artist("The") if a.id == 0]
        assert candidates, "the catalog offers artists Lidarr does not have yet"
        (root,) = await lidarr.root_folders()
        quality = (await lidarr.quality_profiles())[0]
        metadata = (await lidarr.metadata_profiles())[0]
        added = None
        grabbed: set[str] = set()
        for candidate in candidates:
            added = await lidarr.add_artist(
                candidate,
                quality_profile_id=quality.id,
                metadata_profile_id=metadata.id,
                root_folder_path=root.path,
                search=True,
            )
            data = await qbit.sync()
            grabbed = {
                h
                for h, t in data.torrents.items()
                if h not in before.torrents and t.category == "music"
            }
            if grabbed:
                break
        assert added is not None
        assert added.id > 0
        assert grabbed, "Lidarr grabbed releases into the music category"
        assert all(added.name in data.torrents[h].name for h in grabbed)
        assert (await lidarr.queue_status()).total_count >= len(grabbed)
        assert await lidarr.missing_count() > before_missing

        async with session.post(
            f"http://127.0.0.1:{sim.control_port}/control/advance", json={"seconds": 900}
        ) as resp:
            assert resp.status == 200

        data = await qbit.sync()
        assert not data.full_update
        for info_hash in grabbed:
            assert data.torrents[info_hash].progress == 1.0
        history = await lidarr.history(page_size=50)
        imported = [r for r in history.records if str(r.event_type) == "downloadImported"]
        assert len(imported) >= len(grabbed)
        assert (await lidarr.queue_status()).total_count == 0
        after_library = await navidrome.library_totals()
        assert after_library.albums >= before_library.albums + len(grabbed)
        assert after_library.songs > before_library.songs
        assert after_library.artists == before_library.artists + 1
