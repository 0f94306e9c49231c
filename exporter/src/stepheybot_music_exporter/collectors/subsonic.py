"""Navidrome (or any Subsonic server): library size, scanning, streams playing now."""

from __future__ import annotations

from stepheybot_music_clients.models import BackendKind
from stepheybot_music_clients.subsonic import SubsonicClient

from .. import metrics as m
from .base import Collector, Facts


class SubsonicCollector(Collector[SubsonicClient]):
    """Counts from the cheapest endpoints the server offers (no library walk on Navidrome)."""

    kind = BackendKind.NAVIDROME
    client_type = SubsonicClient

    async def collect(self, out: m.Samples, facts: Facts) -> None:
        """Library totals, scan status and the number of streams playing."""
        client = self.client()
        status = await client.scan_status()
        totals = await client.library_totals()
        playing = await client.now_playing()
        out.add(m.LIBRARY_ARTISTS, totals.artists)
        out.add(m.LIBRARY_ALBUMS, totals.albums)
        out.add(m.LIBRARY_TRACKS, totals.songs)
        out.add(m.LIBRARY_SCAN_IN_PROGRESS, 1 if status.scanning else 0)
        if status.last_scan is not None:
            out.add(m.LIBRARY_LAST_SCAN, status.last_scan.timestamp())
        out.add(m.LIBRARY_NOW_PLAYING, len(playing))
