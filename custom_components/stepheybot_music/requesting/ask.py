"""What was asked for: the input of a request, checked, as a ``Wanted``."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl

from ..action_errors import invalid
from ..runtime import StepheyBotConfigEntry
from ..search import SearchError, resolve_result
from ..tracking.models import TITLE_DASH

MAX_TEXT = 200
"""Longest artist or album name accepted."""
_MBID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_HEX_HASH = re.compile(r"^[0-9a-fA-F]{40}$")
_BASE32_HASH = re.compile(r"^[A-Za-z2-7]{32}$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Wanted:
    """What was asked for, checked; ``field`` is how it was said (for error messages)."""

    field: str
    artist: str | None = None
    album: str | None = None
    latest: bool = False
    musicbrainz_id: str | None = None
    """Of an artist or a release group (which one is found out through Lidarr)."""
    artist_mbid: str | None = None
    album_mbid: str | None = None
    link: str | None = None
    """A magnet link or a .torrent URL (never stored or logged)."""
    torrent_hash: str | None = None
    title: str | None = None
    """A display name for a download (a magnet's ``dn``, a release's title)."""
    size: int | None = None
    library: bool = False
    """Already in the library (a ``library:`` search result)."""

    @property
    def name(self) -> str:
        """``Artist \u2013 Album``, the artist, or the download's title."""
        artist = self.artist or self.title or self.torrent_hash or self.musicbrainz_id or "?"
        return named(artist, self.album)

    @property
    def download_title(self) -> str:
        """What a download is called: ``Artist \u2013 Album``, its title, or its hash."""
        if self.artist:
            return named(self.artist, self.album)
        return self.title or f"torrent {(self.torrent_hash or '')[:8]}".strip()


def named(artist: str, album: str | None) -> str:
    """``Artist \u2013 Album``, or the artist alone."""
    return f"{artist}{TITLE_DASH}{album}" if album else artist


def magnet_parts(magnet: str) -> tuple[str, str | None] | None:
    """``(info-hash, display name)`` of a magnet link, None when it has no BitTorrent hash."""
    if not magnet.lower().startswith("magnet:?"):
        return None
    info_hash: str | None = None
    name: str | None = None
    for key, value in parse_qsl(magnet[8:], keep_blank_values=True):
        if key == "dn" and value.strip():
            name = value.strip()[:MAX_TEXT]
        if key != "xt" or not value.lower().startswith("urn:btih:") or info_hash:
            continue
        digest = value[9:]
        if _HEX_HASH.match(digest):
            info_hash = digest.lower()
        elif _BASE32_HASH.match(digest):
            try:
                info_hash = base64.b32decode(digest.upper()).hex()
            except binascii.Error:  # pragma: no cover - the pattern admits only valid base32
                return None
    return (info_hash, name) if info_hash else None


def _text(field: str, value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if len(value) > MAX_TEXT:
        raise invalid("text_too_long", field=field, max=str(MAX_TEXT))
    return value or None


def parse_request(
    *,
    artist: str | None = None,
    album: str | None = None,
    latest: bool = False,
    musicbrainz_id: str | None = None,
    result_id: str | None = None,
    magnet: str | None = None,
) -> tuple[Wanted, str | None]:
    """Check the input; returns what is wanted and the search result id still to resolve."""
    artist, album = _text("artist", artist), _text("album", album)
    musicbrainz_id = _text("musicbrainz_id", musicbrainz_id)
    result_id = result_id.strip() if result_id else None
    magnet = magnet.strip() if magnet else None
    given = [
        field
        for field, value in (
            ("artist", artist),
            ("musicbrainz_id", musicbrainz_id),
            ("result_id", result_id),
            ("magnet", magnet),
        )
        if value
    ]
    if not given:
        raise invalid("album_without_artist" if album else "nothing_requested")
    if len(given) > 1:
        raise invalid("several_requested", fields=", ".join(given))
    field = given[0]
    if album and field != "artist":
        raise invalid("album_without_artist")
    if latest and album:
        raise invalid("latest_with_album")
    if latest and field not in ("artist", "musicbrainz_id"):
        raise invalid("latest_without_artist", field=field)
    if musicbrainz_id is not None:
        musicbrainz_id = musicbrainz_id.lower()
        if not _MBID.match(musicbrainz_id):
            raise invalid("invalid_musicbrainz_id", value=musicbrainz_id[:40])
    if magnet is not None:
        parts = magnet_parts(magnet)
        if parts is None:
            raise invalid("invalid_magnet")
        return Wanted(field=field, link=magnet, torrent_hash=parts[0], title=parts[1]), None
    wanted = Wanted(
        field=field, artist=artist, album=album, latest=latest, musicbrainz_id=musicbrainz_id
    )
    return wanted, result_id


def wanted_of_result(entry: StepheyBotConfigEntry, result_id: str) -> Wanted:
    """What a search result stands for (the search cache keeps a release's link)."""
    try:
        found = resolve_result(entry, result_id)
    except SearchError as err:
        raise invalid(err.translation_key, **err.placeholders) from err
    link = found.magnet or found.link
    torrent_hash = found.info_hash
    if found.magnet and (parts := magnet_parts(found.magnet)) is not None:
        torrent_hash = torrent_hash or parts[0]
    by_id = None if found.artist or link else (found.album_mbid or found.artist_mbid)
    return Wanted(
        field="result_id",
        musicbrainz_id=by_id,
        artist=found.artist,
        album=found.album,
        artist_mbid=found.artist_mbid,
        album_mbid=found.album_mbid,
        link=link,
        torrent_hash=torrent_hash.lower() if torrent_hash else None,
        title=found.title,
        size=found.size,
        library=found.in_library,
    )
