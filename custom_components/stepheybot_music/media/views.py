"""Home Assistant views between players or browsers and Navidrome: audio, covers, M3U.

A player is handed a path on Home Assistant (signed by ``media_player``'s
``async_process_play_media_url``, or by the websocket's resolve), never Navidrome's URL:
the Subsonic credentials (token and salt, or supysonic's encoded password) stay between
Home Assistant and Navidrome. Every view requires authentication: a signed path
(``authSig``) or the user's own token. The audio view passes ``Range`` on so players can
seek, and copies the body as it arrives (a song is never held in memory).
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from aiohttp import ClientPayloadError, web
from homeassistant.components.media_player.browse_media import async_process_play_media_url
from homeassistant.core import HomeAssistant
from homeassistant.helpers.http import HomeAssistantView
from homeassistant.util.hass_dict import HassKey
from stepheybot_music_clients.errors import BackendRequestError, StackError
from stepheybot_music_clients.subsonic import Song

from ..const import DOMAIN
from .ids import PLAYLIST_MIME, VIEW_ROOT, Kind, stream_path
from .library import Library, library

_LOGGER = logging.getLogger(__package__)

CHUNK = 64 * 1024
_NOT_FOUND = 70
"""Subsonic's "data not found"."""


def _library(hass: HomeAssistant, backend_id: str) -> Library:
    found = library(hass, backend_id)
    if found is None:
        raise web.HTTPNotFound(text="No loaded Navidrome backend has this id.")
    return found


def _failure(lib: Library, err: StackError) -> web.Response:
    """A backend failure as an HTTP answer: its cause and fix, without Navidrome's address.

    Players see this text too: the client's messages name the server "<name> at <url>",
    which is said here as the backend's title alone.
    """
    address = str(lib.client.url)
    text = str(err).replace(f" at {address}", "").replace(address, lib.title)
    if isinstance(err, BackendRequestError) and err.code == _NOT_FOUND:
        return web.Response(status=HTTPStatus.NOT_FOUND, text=f"{lib.title}: {text}")
    _LOGGER.debug("%s media request failed: %s", lib.title, err)
    return web.Response(status=HTTPStatus.BAD_GATEWAY, text=f"{lib.title}: {text}")


class StreamView(HomeAssistantView):
    """``GET /api/stepheybot_music/stream/<backend>/<song>``: the song's audio."""

    url = VIEW_ROOT + "/stream/{backend_id}/{song_id:.+}"
    name = f"api:{DOMAIN}:stream"

    def __init__(self, hass: HomeAssistant) -> None:
        """Serve the Navidrome backends of ``hass``."""
        self.hass = hass

    async def get(self, request: web.Request, backend_id: str, song_id: str) -> web.StreamResponse:
        """Copy the audio from Navidrome to the player."""
        lib = _library(self.hass, backend_id)
        try:
            async with lib.client.stream(song_id, byte_range=request.headers.get("Range")) as audio:
                response = web.StreamResponse(status=audio.status, headers=audio.headers)
                await response.prepare(request)
                try:
                    async for chunk in audio.content.iter_chunked(CHUNK):
                        await response.write(chunk)
                except (ClientPayloadError, ConnectionError) as err:
                    # the player went away or Navidrome broke off: nothing more to send
                    _LOGGER.debug("%s stream of %s ended early: %s", lib.title, song_id, err)
                    return response
                await response.write_eof()
                return response
        except StackError as err:
            return _failure(lib, err)


class CoverView(HomeAssistantView):
    """``GET /api/stepheybot_music/cover/<backend>/<cover>[?size=N]``: a cover image."""

    url = VIEW_ROOT + "/cover/{backend_id}/{cover_id:.+}"
    name = f"api:{DOMAIN}:cover"

    def __init__(self, hass: HomeAssistant) -> None:
        """Serve the Navidrome backends of ``hass``."""
        self.hass = hass

    async def get(self, request: web.Request, backend_id: str, cover_id: str) -> web.Response:
        """The image, cached by the browser for a day."""
        lib = _library(self.hass, backend_id)
        size = request.query.get("size", "")
        try:
            art = await lib.client.cover_art(cover_id, size=int(size) if size.isdigit() else None)
        except StackError as err:
            return _failure(lib, err)
        return web.Response(
            body=art.body,
            content_type=art.content_type,
            headers={"Cache-Control": "private, max-age=86400"},
        )


def m3u(hass: HomeAssistant, lib: Library, songs: tuple[Song, ...]) -> str:
    """An extended M3U of ``songs``: each a signed, absolute URL of the stream view."""
    lines = ["#EXTM3U"]
    for song in songs:
        title = f"{song.artist} - {song.title}" if song.artist else song.title
        lines.append(f"#EXTINF:{song.duration or -1},{title}")
        lines.append(async_process_play_media_url(hass, stream_path(lib.backend_id, song.id)))
    return "\n".join(lines) + "\n"


class M3uView(HomeAssistantView):
    """``GET /api/stepheybot_music/m3u/<backend>/<album|playlist>/<id>.m3u``."""

    url = VIEW_ROOT + "/m3u/{backend_id}/{kind}/{item_id:.+}.m3u"
    name = f"api:{DOMAIN}:m3u"

    def __init__(self, hass: HomeAssistant) -> None:
        """Serve the Navidrome backends of ``hass``."""
        self.hass = hass

    async def get(
        self, request: web.Request, backend_id: str, kind: str, item_id: str
    ) -> web.Response:
        """The songs of an album or playlist, in order."""
        lib = _library(self.hass, backend_id)
        try:
            if kind == Kind.ALBUM:
                songs = (await lib.client.album(item_id)).songs
            elif kind == Kind.PLAYLIST:
                songs = (await lib.client.playlist(item_id)).songs
            else:
                raise web.HTTPNotFound(text="Only albums and playlists have an M3U.")
        except StackError as err:
            return _failure(lib, err)
        return web.Response(text=m3u(self.hass, lib, songs), content_type=PLAYLIST_MIME)


VIEWS_REGISTERED: HassKey[bool] = HassKey(f"{DOMAIN}_media_views")


def register_views(hass: HomeAssistant) -> None:
    """Register the three views once (the media source's lazy load or the card, first).

    The media source platform loads on the first browse; the music card's search points at
    the cover view before that, so its commands register the views too.
    """
    if hass.data.get(VIEWS_REGISTERED):
        return
    hass.data[VIEWS_REGISTERED] = True
    for view in (StreamView(hass), CoverView(hass), M3uView(hass)):
        hass.http.register_view(view)
