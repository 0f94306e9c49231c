"""Album and artist pictures for the music card, through Home Assistant.

Navidrome's ``getCoverArt`` needs the stack's credentials in its query, so the browser never
asks Navidrome: the card's websocket search gives each hit in the library a path to this view,
signed for the user's session (``async_sign_path``, an hour), since an ``<img>`` sends no
bearer token; Home Assistant's auth middleware checks the signature before the view runs. The
view passes raster images only (an SVG could carry script into Home Assistant's origin).
"""

from __future__ import annotations

import re
from datetime import timedelta

from aiohttp import web
from homeassistant.components.http.auth import async_sign_path
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.http import KEY_HASS, HomeAssistantView
from stepheybot_music_clients.errors import BackendRequestError, StackError

from .const import DOMAIN
from .coordinators.navidrome import NavidromeRuntime
from .runtime import StepheyBotConfigEntry

COVER_URL = f"/api/{DOMAIN}/cover/{{entry_id}}/{{item_id}}"
SIGNED_FOR = timedelta(hours=1)
SIZE = 160
"""Pixels per side the card asks for (it shows 40 px; sharp on high-density screens)."""
RASTER = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})
ITEM_ID = re.compile(r"[\w-]{1,128}")
NOT_FOUND = 70
"""Subsonic error 70: no such item (or no picture) on this Navidrome."""


@callback
def async_setup_cover_art(hass: HomeAssistant) -> None:
    """Register the view (once, in ``async_setup``)."""
    hass.http.register_view(CoverArtView())


def signed_cover_path(
    hass: HomeAssistant, entry_id: str, item_id: str, refresh_token_id: str | None
) -> str:
    """The path of an item's picture, signed for one user's session for an hour."""
    path = COVER_URL.format(entry_id=entry_id, item_id=item_id)
    return async_sign_path(hass, path, SIGNED_FOR, refresh_token_id=refresh_token_id)


class CoverArtView(HomeAssistantView):
    """``GET /api/stepheybot_music/cover/<stack>/<Navidrome id>``: the picture, or 404/502."""

    url = COVER_URL
    name = f"api:{DOMAIN}:cover"
    requires_auth = True

    async def get(self, request: web.Request, entry_id: str, item_id: str) -> web.Response:
        """Ask the stack's Navidrome for the picture and pass it on."""
        hass = request.app[KEY_HASS]
        entry = hass.config_entries.async_get_entry(entry_id)
        if (
            entry is None
            or entry.domain != DOMAIN
            or entry.state is not ConfigEntryState.LOADED
            or not ITEM_ID.fullmatch(item_id)
        ):
            return web.Response(status=404, text="No such stack or item.")
        stack: StepheyBotConfigEntry = entry
        for navidrome in stack.runtime_data.of_type(NavidromeRuntime):
            try:
                picture = await navidrome.status.client.cover_art(item_id, size=SIZE)
            except BackendRequestError as err:
                if err.code == NOT_FOUND:
                    continue
                return web.Response(status=502, text=str(err))
            except StackError as err:
                return web.Response(status=502, text=str(err))
            if picture.content_type not in RASTER:
                return web.Response(
                    status=502,
                    text=f"{navidrome.ref.title} sent {picture.content_type}, not a picture "
                    "a browser may show from Home Assistant.",
                )
            return web.Response(
                body=picture.data,
                content_type=picture.content_type,
                headers={
                    "Cache-Control": "private, max-age=86400",
                    "X-Content-Type-Options": "nosniff",
                    "Content-Security-Policy": "default-src 'none'",
                },
            )
        return web.Response(status=404, text="No Navidrome of this stack has that picture.")
