"""Find what a "play" names in the Navidrome library: an album, a song, or an artist's album.

One ``search3`` per library (plus one ``getArtist`` when only the artist is named); names
are compared the way people say them (case, accents, punctuation and a leading "the" do not
matter). ``latest`` means the newest album *in the library* (by year, then by when it was
added): whether a newer one exists is for the request to find out when none is there.
"""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime

from stepheybot_music_clients.errors import StackError
from stepheybot_music_clients.subsonic import Album, SearchAlbum

from .ids import Kind, MediaId, song_id
from .library import Library

SEARCH_SIZE = 20
"""Albums, songs or artists asked of ``search3`` at once."""
_WORDS = re.compile(r"[^\w]+")
_EPOCH = datetime.min.replace(tzinfo=UTC)


def spoken_key(text: str) -> str:
    """``text`` as compared: lower case, no accents or punctuation, no leading "the"."""
    plain = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    words = _WORDS.sub(" ", plain).split()
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    return " ".join(words)


def _artist_matches(found: str | None, wanted: str) -> bool:
    return found is not None and spoken_key(wanted) in (spoken_key(found), *_credits(found))


def _credits(artist: str) -> tuple[str, ...]:
    """Each artist of a credit such as "A & B" or "A feat. B"."""
    parts = re.split(r"\s*(?:&|,|;| and | feat\.? | featuring | with | x )\s*", artist, flags=re.I)
    return tuple(spoken_key(p) for p in parts if p)


class LibraryUnavailableError(Exception):
    """A library could not be searched; names it and keeps the client's error."""

    def __init__(self, library: Library, error: StackError) -> None:
        """``library`` failed with ``error``."""
        super().__init__(str(error))
        self.library = library
        self.error = error


@dataclass(frozen=True, slots=True)
class Found:
    """Something in the library to play."""

    library: Library
    media_id: MediaId
    title: str
    """The album or song title as the library spells it."""
    artist: str


def _album(lib: Library, album: Album | SearchAlbum, artist: str) -> Found:
    return Found(
        lib, MediaId(lib.backend_id, Kind.ALBUM, (album.id,)), album.name, album.artist or artist
    )


async def find(
    libraries: list[Library],
    *,
    artist: str,
    title: str | None = None,
    latest: bool = False,
    rng: random.Random | None = None,
) -> Found | None:
    """The album or song ``title`` by ``artist``, else None.

    Without a title: the artist's latest album (``latest``) or any of their albums.
    """
    for lib in libraries:
        try:
            found = await (
                _titled(lib, artist, title)
                if title
                else _by_artist(lib, artist, latest, rng or random.Random())
            )
        except StackError as err:
            raise LibraryUnavailableError(lib, err) from err
        if found is not None:
            return found
    return None


async def _titled(lib: Library, artist: str, title: str) -> Found | None:
    result = await lib.client.search3(
        title, artist_count=0, album_count=SEARCH_SIZE, song_count=SEARCH_SIZE
    )
    key = spoken_key(title)
    for album in result.albums:
        if spoken_key(album.name) == key and _artist_matches(album.artist, artist):
            return _album(lib, album, artist)
    for song in result.songs:
        if spoken_key(song.title) == key and _artist_matches(song.artist, artist):
            return Found(
                lib, song_id(lib.backend_id, song.id, None), song.title, song.artist or artist
            )
    return None


async def _by_artist(lib: Library, artist: str, latest: bool, rng: random.Random) -> Found | None:
    result = await lib.client.search3(artist, artist_count=SEARCH_SIZE, album_count=0, song_count=0)
    key = spoken_key(artist)
    named = next((a for a in result.artists if spoken_key(a.name) == key), None)
    if named is None:
        return None
    albums = (await lib.client.artist(named.id)).albums
    if not albums:
        return None
    if latest:
        chosen = max(albums, key=lambda a: (a.year or 0, a.created or _EPOCH, a.name))
    else:
        chosen = rng.choice(albums)
    return _album(lib, chosen, named.name)
