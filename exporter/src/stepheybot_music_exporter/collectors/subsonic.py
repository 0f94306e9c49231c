"""Navidrome (or any Subsonic server): library size, scanning, streams playing now."""

from __future__ import annotations

from stepheybot_music_clients.models import BackendKind
from stepheybot_music_clients.subsonic import SubsonicClient

from .. import metrics as m
from .base import Collector, Facts


class SubsonicCollector(Collector):
    """Counts from the cheapest endpoints the server offers (no library walk on Navidrome)."""

    kind = BackendKind.NAVIDROME
    _client: SubsonicClient | None = None

    def client(self) -> SubsonicClient:
        """The long-lived client (its auth mode and JWT persist across scrapes)."""
        if self._client is None:
            self._client = SubsonicClient(
                self.session(),
                self.backend.url,
                username=self.backend.username,
                password=self.backend.password,
                timeout=self.timeout,
                verify_ssl=self.backend.verify_ssl,
            )
        return self._client

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
