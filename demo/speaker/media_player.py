"""A media player with no sound that fetches what it is told to play, as a real one would.

``play_media`` with a media source id resolves it (``media_source.async_resolve_media``),
signs and completes the URL (``async_process_play_media_url``, what real player integrations
do), fetches it without any Home Assistant token (the signature must be enough), and for an
M3U reads the list and fetches its first track. It then plays: the state shows the media
source id and the title, never the signed URL (a short-lived credential).
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
import voluptuous as vol
from homeassistant.components import media_source
from homeassistant.components.media_player import (
    PLATFORM_SCHEMA as MEDIA_PLAYER_PLATFORM_SCHEMA,
)
from homeassistant.components.media_player import (
    BrowseMedia,
    MediaPlayerEnqueue,
    MediaPlayerEntity,
    MediaPlayerEntityFeature,
    MediaPlayerState,
    MediaType,
)
from homeassistant.components.media_player.browse_media import async_process_play_media_url
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import area_registry as ar
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.typing import ConfigType, DiscoveryInfoType
from homeassistant.util import slugify

_LOGGER = logging.getLogger(__name__)

CONF_AREA = "area"
CONF_QUEUE = "queue"
M3U_TYPES = ("audio/x-mpegurl", "audio/mpegurl", "application/vnd.apple.mpegurl")
PROBE_BYTES = 4096
"""Bytes of a track read to prove it streams."""

PLATFORM_SCHEMA = MEDIA_PLAYER_PLATFORM_SCHEMA.extend(
    {
        vol.Required(CONF_NAME): cv.string,
        vol.Optional(CONF_AREA): cv.string,
        vol.Optional(CONF_QUEUE, default=False): cv.boolean,
    }
)


async def async_setup_platform(
    hass: HomeAssistant,
    config: ConfigType,
    async_add_entities: AddEntitiesCallback,
    discovery_info: DiscoveryInfoType | None = None,
) -> None:
    """One speaker per YAML entry."""
    async_add_entities(
        [DemoSpeaker(config[CONF_NAME], config.get(CONF_AREA), queue=config[CONF_QUEUE])]
    )


class DemoSpeaker(MediaPlayerEntity):
    """A speaker that proves what it is given can be fetched and played."""

    _attr_should_poll = False
    _attr_supported_features = (
        MediaPlayerEntityFeature.PLAY_MEDIA
        | MediaPlayerEntityFeature.BROWSE_MEDIA
        | MediaPlayerEntityFeature.PLAY
        | MediaPlayerEntityFeature.PAUSE
        | MediaPlayerEntityFeature.STOP
    )
    _attr_state = MediaPlayerState.IDLE

    def __init__(self, name: str, area: str | None, *, queue: bool = False) -> None:
        """A speaker called ``name`` in ``area`` (created if needed).

        With ``queue`` it takes ``enqueue`` (``replace``, ``add``) like players with a queue.
        """
        self._attr_name = name
        if queue:
            self._attr_supported_features |= MediaPlayerEntityFeature.MEDIA_ENQUEUE
        self.queue: list[str] = []
        """The media ids queued (a speaker with a queue), the playing one first."""
        self._attr_unique_id = f"demo_speaker_{slugify(name)}"
        self._area = area
        self.fetched: list[str] = []
        """The titles of the tracks the last play fetched (tests read it)."""

    async def async_added_to_hass(self) -> None:
        """Put the speaker in its area."""
        if self._area:
            area = ar.async_get(self.hass).async_get_or_create(self._area)
            er.async_get(self.hass).async_update_entity(self.entity_id, area_id=area.id)

    async def async_play_media(
        self, media_type: MediaType | str, media_id: str, **kwargs: Any
    ) -> None:
        """Resolve, fetch and play ``media_id`` (or queue it); raise when it cannot be fetched."""
        enqueue = kwargs.get("enqueue")
        url, mime = media_id, str(media_type)
        if media_source.is_media_source_id(media_id):
            played = await media_source.async_resolve_media(self.hass, media_id, self.entity_id)
            url, mime = played.url, played.mime_type
        url = async_process_play_media_url(self.hass, url)
        session = async_get_clientsession(self.hass)
        titles: list[str] = []
        try:
            if mime in M3U_TYPES:
                titles, first = await _read_m3u(session, url)
                url = first
            await _probe(session, url)
        except (aiohttp.ClientError, ValueError) as err:
            self._attr_state = MediaPlayerState.IDLE
            self.async_write_ha_state()
            raise HomeAssistantError(f"{self.name} could not play it: {err}") from err
        if enqueue in (MediaPlayerEnqueue.ADD, MediaPlayerEnqueue.NEXT) and self.queue:
            self.queue.append(media_id)
            return
        self.queue = [media_id]
        self.fetched = titles
        self._attr_media_content_id = media_id
        self._attr_media_content_type = MediaType.MUSIC
        self._attr_media_title = titles[0] if titles else media_id.rsplit("/", 1)[-1]
        self._attr_state = MediaPlayerState.PLAYING
        self.async_write_ha_state()

    async def async_media_play(self) -> None:
        """Play again."""
        self._attr_state = MediaPlayerState.PLAYING
        self.async_write_ha_state()

    async def async_media_pause(self) -> None:
        """Pause."""
        self._attr_state = MediaPlayerState.PAUSED
        self.async_write_ha_state()

    async def async_media_stop(self) -> None:
        """Stop."""
        self._attr_state = MediaPlayerState.IDLE
        self.async_write_ha_state()

    async def async_browse_media(
        self, media_content_type: MediaType | str | None = None, media_content_id: str | None = None
    ) -> BrowseMedia:
        """Home Assistant's media sources, audio only."""
        return await media_source.async_browse_media(
            self.hass,
            media_content_id,
            content_filter=lambda item: item.media_content_type.startswith("audio/"),
        )


async def _read_m3u(session: aiohttp.ClientSession, url: str) -> tuple[list[str], str]:
    """The titles of an M3U and the URL of its first track."""
    async with session.get(url, timeout=aiohttp.ClientTimeout(total=10)) as resp:
        resp.raise_for_status()
        lines = (await resp.text()).splitlines()
    titles = [line.split(",", 1)[1] for line in lines if line.startswith("#EXTINF:")]
    tracks = [line for line in lines if line and not line.startswith("#")]
    if not tracks:
        raise ValueError("the playlist is empty")
    return titles, tracks[0]


async def _probe(session: aiohttp.ClientSession, url: str) -> None:
    """Read the start of a track, as a player starting it would."""
    async with session.get(url, timeout=aiohttp.ClientTimeout(total=10)) as resp:
        resp.raise_for_status()
        if not resp.content_type.startswith("audio/"):
            raise ValueError(f"not audio but {resp.content_type}")
        await resp.content.read(PROBE_BYTES)
