"""Labels, relabelling and sizes on real Transmission daemons (4.1.x in the toolbox, 3.00 on host).

- 3.00 takes no ``labels`` in ``torrent-add`` (it ignores them): before the fix a download
  requested through the integration had no label there, so it never counted as music.
- Before 4.1 a torrent relabelled by another program (``torrent-set``) is not in
  ``recently-active``: the incremental list kept the old labels until the next full listing
  (every 120 polls, 30 minutes). The edit check now finds it within ``edit_check`` seconds.
- ``sizeWhenDone`` is the size of the files selected for download, ``totalSize`` the whole
  torrent's: the size both front ends report is the selected one.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable
from pathlib import Path

import aiohttp
import pytest
import yaml
from stepheybot_music_clients.downloads import TRANSMISSION
from stepheybot_music_clients.transmission import TransmissionClient
from stepheybot_music_clients.transmission.sync import TransmissionSync

from tests.compat import REAL, compat
from tests.exporter.conftest import exporter_config, running_exporter
from tests.servers import transmission as tr

pytestmark = pytest.mark.real_server

TransmissionFactory = Callable[..., tr.TransmissionServer]
RECENT_WINDOW = 60.0
"""The daemons' ``recently-active`` window: older additions no longer show in it."""


def _client(session: aiohttp.ClientSession, server: tr.TransmissionServer) -> TransmissionClient:
    return TransmissionClient(
        session, server.base_url, username=server.username, password=server.password
    )


@compat("transmission", "4.1", proof=REAL, source="transmission-daemon 4.1.x (Debian sid)")
@compat("transmission", "3.00", proof=REAL, source="transmission-daemon 3.00 (Debian 12)")
@pytest.mark.parametrize("version", tr.VERSIONS)
async def test_a_requested_download_carries_the_music_label(
    transmission_server: TransmissionFactory, version: str
) -> None:
    server = transmission_server(version)
    magnet = "magnet:?xt=urn:btih:" + "5e" * 20 + "&dn=Requested%20Album"
    async with aiohttp.ClientSession() as session:
        client = _client(session, server)
        added = await client.add(magnet, labels=["music"], paused=True)
        (torrent,) = await client.torrents([added.hash])
    assert torrent.labels == ("music",)
    assert tr.torrents(server, "labels")[0]["labels"] == ["music"]


@compat("transmission", "4.1", proof=REAL, source="transmission-daemon 4.1.x (Debian sid)")
@compat("transmission", "3.00", proof=REAL, source="transmission-daemon 3.00 (Debian 12)")
async def test_a_torrent_relabelled_by_another_program_is_seen(
    transmission_server: TransmissionFactory,
) -> None:
    servers = {version: transmission_server(version) for version in tr.VERSIONS}
    made = {
        version: tr.add_synthetic_torrents(server, 1, name_prefix="Relabel")
        for version, server in servers.items()
    }
    # only torrents added more than a minute ago are out of recently-active
    await asyncio.sleep(RECENT_WINDOW + 2)
    now = [0.0]
    async with aiohttp.ClientSession() as session:
        for version, server in servers.items():
            now[0] = 0.0
            client = _client(session, server)
            sync = TransmissionSync(client, edit_check=120.0, clock=lambda: now[0])
            client.torrent_sync = sync
            first = await client.sync()
            assert first.full
            target = made[version][0].info_hash
            assert first.by_hash[target].labels == ()
            # another program (the web UI, a script) labels it
            server.rpc("torrent-set", {"ids": [target], "labels": ["music"]})
            seen_after = None
            for step in range(1, 15):
                now[0] = step * 10.0
                snapshot = await client.sync()
                assert not snapshot.full, (version, step)
                if snapshot.by_hash[target].labels == ("music",):
                    seen_after = now[0]
                    break
            if version == "3.00":
                # not in recently-active: found by the edit check, 120 s after the last listing
                assert seen_after == 120.0, version
            else:
                assert seen_after == 10.0, version


@compat("transmission", "4.1", proof=REAL, source="transmission-daemon 4.1.x (Debian sid)")
@compat("transmission", "3.00", proof=REAL, source="transmission-daemon 3.00 (Debian 12)")
@pytest.mark.parametrize("version", tr.VERSIONS)
async def test_the_size_is_what_is_selected_for_download(
    transmission_server: TransmissionFactory, version: str, tmp_path: Path
) -> None:
    server = transmission_server(version)
    files = {"01 Wanted.flac": 64 * 1024, "02 Wanted.flac": 32 * 1024, "Bonus.iso": 96 * 1024}
    torrent = tr.make_torrent(server.download_dir, "Selected Album", files=files)
    # the bonus file (index 2: the files are sorted by path) is not wanted and not there
    (server.download_dir / "Selected Album" / "Bonus.iso").unlink()
    reply = server.rpc(
        "torrent-add",
        {"metainfo": base64.b64encode(torrent.metainfo).decode(), "files-unwanted": [2]},
    )
    torrent_id = reply["torrent-added"]["id"]
    tr.wait_for_status(server, [torrent.info_hash], tr.STATUS_SEED)
    async with aiohttp.ClientSession() as session:
        (got,) = await _client(session, server).torrents([torrent_id])
    view = TRANSMISSION.view(got)
    assert got.size == torrent.total_size
    assert view.size == 96 * 1024
    assert got.size_when_done == 96 * 1024
    # the exporter's per-torrent size is the selected bytes, as its README says
    backend = {
        "kind": "transmission",
        "url": server.base_url,
        "username": server.username,
        "password": server.password,
        "category": "*",
    }
    path = tmp_path / "stack.yaml"
    path.write_text(yaml.safe_dump({"name": "real", "backends": [backend]}))
    async with running_exporter(exporter_config(path, "--per-torrent")) as exporter:
        scrape = await exporter.scrape()
    size = scrape.value(
        "stepheybot_music_torrent_size_bytes",
        client="transmission",
        hash=torrent.info_hash,
        name="Selected Album",
    )
    assert size == 96 * 1024
