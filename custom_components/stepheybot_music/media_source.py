"""Navidrome as a Home Assistant media source: browse, search and play the library anywhere.

Identifiers are described in :mod:`.media.ids`; each page costs one Subsonic call
(:mod:`.media.browse`); what a player gets is a signed path to a view of this integration
(:mod:`.media.views`), never Navidrome's address or credentials.
"""

from __future__ import annotations

from homeassistant.components.media_player.browse_media import SearchMedia, SearchMediaQuery
from homeassistant.components.media_player.const import MediaClass, MediaType
from homeassistant.components.media_player.errors import BrowseError
from homeassistant.components.media_source import (
    BrowseMediaSource,
    MediaSource,
    MediaSourceItem,
    PlayMedia,
    Unresolvable,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from stepheybot_music_clients.errors import StackError

from .const import DOMAIN
from .media.browse import backend_node, browse, search
from .media.ids import PLAYLIST_MIME, BadMediaIdError, Kind, MediaId, m3u_path, stream_path
from .media.library import IndexCache, Library, libraries, library
from .media.views import register_views


def _error[ErrorT: HomeAssistantError](cls: type[ErrorT], key: str, **placeholders: str) -> ErrorT:
    """A translated media browser error (``exceptions.<key>``)."""
    return cls(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


async def async_get_media_source(hass: HomeAssistant) -> NavidromeMediaSource:
    """The media source (its views are registered with it)."""
    register_views(hass)
    return NavidromeMediaSource(hass)


class NavidromeMediaSource(MediaSource):
    """Every Navidrome backend of every loaded stack."""

    name = "StepheyBot Music"

    def __init__(self, hass: HomeAssistant) -> None:
        """A source over ``hass``'s stacks."""
        super().__init__(DOMAIN)
        self.hass = hass
        self._indexes = IndexCache()

    def _item(
        self, item: MediaSourceItem, error: type[BrowseError] | type[Unresolvable]
    ) -> tuple[Library, MediaId]:
        try:
            media_id = MediaId.parse(item.identifier)
        except BadMediaIdError as err:
            raise _error(error, "media_id_unknown", media_id=item.identifier[:80]) from err
        lib = library(self.hass, media_id.backend)
        if lib is None:
            raise _error(error, "media_backend_not_loaded")
        return lib, media_id

    async def async_resolve_media(self, item: MediaSourceItem) -> PlayMedia:
        """A song to the audio view; an album or playlist to its M3U view."""
        lib, media_id = self._item(item, Unresolvable)
        match media_id.kind:
            case Kind.SONG:
                return PlayMedia(stream_path(lib.backend_id, media_id.args[0]), media_id.song_mime)
            case Kind.ALBUM | Kind.PLAYLIST:
                path = m3u_path(lib.backend_id, media_id.kind, media_id.args[0])
                return PlayMedia(path, PLAYLIST_MIME)
        raise _error(Unresolvable, "media_not_playable", what=str(media_id.kind or "backend"))

    async def async_browse_media(self, item: MediaSourceItem) -> BrowseMediaSource:
        """The root (the Navidrome backends) or one page."""
        if not item.identifier:
            found = libraries(self.hass)
            if len(found) == 1:
                return await browse(found[0], MediaId(found[0].backend_id), self._indexes)
            root = BrowseMediaSource(
                domain=DOMAIN,
                identifier=None,
                media_class=MediaClass.DIRECTORY,
                media_content_type=MediaType.MUSIC,
                title=self.name or DOMAIN,
                can_play=False,
                can_expand=True,
                children_media_class=MediaClass.DIRECTORY,
                can_search=True,
            )
            root.children = [backend_node(lib, children=False) for lib in found]
            return root
        lib, media_id = self._item(item, BrowseError)
        if media_id.kind is Kind.SONG:
            raise _error(BrowseError, "media_song_not_browsable")
        try:
            return await browse(lib, media_id, self._indexes)
        except StackError as err:
            raise _error(BrowseError, "media_backend_failed", error=str(err)) from err

    async def async_search_media(
        self, item: MediaSourceItem, query: SearchMediaQuery
    ) -> SearchMedia:
        """Artists, albums and songs by name: one ``search3`` per Navidrome searched."""
        if item.identifier:
            lib, _ = self._item(item, BrowseError)
            searched = [lib]
        else:
            searched = libraries(self.hass)
        results: list[BrowseMediaSource] = []
        for lib in searched:
            try:
                results += await search(lib, query.search_query, query.media_filter_classes)
            except StackError as err:
                raise _error(BrowseError, "media_backend_failed", error=str(err)) from err
        return SearchMedia(result=results)
