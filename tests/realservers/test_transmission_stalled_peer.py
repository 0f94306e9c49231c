"""A real Transmission download whose connected peer sends nothing is stalled, not downloading.

The shared definition (``stepheybot_music_clients/downloads/states.py``): an incomplete torrent
allowed to download that receives no payload is *stalled*, whether or not peers are connected.
Here a peer made in the test connects to a real transmission-daemon (4.1.x and 3.00), says it
has every piece and unchokes it, then never sends a block: the daemon counts it connected
(``peersConnected`` 1), its ``rateDownload`` stays 0, and the client reads the torrent as
stalled, as qBittorrent's ``stalledDL`` would be (a rule on connected peers would say
"downloading").
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
from collections.abc import AsyncIterator, Callable

import aiohttp
import pytest
from stepheybot_music_clients.downloads import TRANSMISSION, DownloadState
from stepheybot_music_clients.transmission import TorrentState, TransmissionClient

from tests.compat import REAL, compat
from tests.servers import transmission as tr

pytestmark = pytest.mark.real_server

TransmissionFactory = Callable[..., tr.TransmissionServer]
PROTOCOL = b"\x13BitTorrent protocol"


@contextlib.asynccontextmanager
async def silent_seed(port: int, info_hash: str, pieces: int) -> AsyncIterator[asyncio.Task[None]]:
    """A peer that connects to the daemon, claims every piece, unchokes it, sends no block."""

    async def run() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            writer.write(PROTOCOL + bytes(8) + bytes.fromhex(info_hash) + b"-SB0001-silentpeer00")
            await writer.drain()
            await reader.readexactly(68)  # the daemon's handshake
            field = bytearray((pieces + 7) // 8)
            for index in range(pieces):
                field[index // 8] |= 0x80 >> (index % 8)
            bitfield = struct.pack(">IB", 1 + len(field), 5) + bytes(field)
            writer.write(bitfield + struct.pack(">IB", 1, 1))  # bitfield, unchoke
            await writer.drain()
            while True:  # read (and ignore) its interest and requests; keep the line alive
                try:
                    await asyncio.wait_for(reader.read(65536), timeout=20)
                except TimeoutError:
                    writer.write(struct.pack(">I", 0))
                    await writer.drain()
                    continue
                if reader.at_eof():
                    return
        finally:
            writer.close()

    task = asyncio.create_task(run())
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, OSError, asyncio.IncompleteReadError):
            await task


@compat("transmission", "4.1", proof=REAL, source="transmission-daemon 4.1.x (Debian sid)")
@compat("transmission", "3.00", proof=REAL, source="transmission-daemon 3.00 (Debian 12)")
@pytest.mark.parametrize("version", tr.VERSIONS)
async def test_a_download_whose_connected_peer_sends_nothing_is_stalled(
    transmission_server: TransmissionFactory, version: str
) -> None:
    server = transmission_server(version)
    torrent = tr.make_torrent(
        server.download_dir, "Silent Album", size=256 * 1024, write_data=False
    )
    tr.add_torrent(server, torrent, labels=["music"])
    tr.wait_for_status(server, [torrent.info_hash], tr.STATUS_DOWNLOAD)
    pieces = -(-torrent.total_size // torrent.piece_length)
    async with (
        aiohttp.ClientSession() as session,
        silent_seed(server.peer_port, torrent.info_hash, pieces),
    ):
        client = TransmissionClient(
            session, server.base_url, username=server.username, password=server.password
        )
        seen = None
        for _ in range(100):
            (seen,) = await client.torrents([torrent.info_hash])
            if seen.peers_connected:
                break
            await asyncio.sleep(0.1)
        assert seen is not None
        assert seen.peers_connected == 1, seen
        await asyncio.sleep(2.5)  # long enough for the daemon's speed to say "nothing comes"
        (seen,) = await client.torrents([torrent.info_hash])
        raw = tr.torrents(server, "peersConnected", "peersSendingToUs", "rateDownload")[0]
    assert raw["peersConnected"] == 1
    assert raw["rateDownload"] == 0
    assert seen.status == tr.STATUS_DOWNLOAD
    assert seen.state is TorrentState.STALLED_DOWNLOADING
    assert TRANSMISSION.view(seen).state is DownloadState.STALLED
