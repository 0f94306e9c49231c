"""Start an album or playlist: song by song on players with a queue, as an M3U on the others.

A player that supports ``MEDIA_ENQUEUE`` gets the first song (``enqueue: replace``) and then
each following song (``enqueue: add``): every player that has a queue can play single audio
files, not every one can open an M3U (Chromecast's default receiver cannot). Players without
a queue get the album's M3U (the media source resolves it). Songs go everywhere as they are.
"""

from __future__ import annotations

from homeassistant.components.media_player.const import MediaPlayerEntityFeature
from homeassistant.const import ATTR_SUPPORTED_FEATURES
from homeassistant.core import Context, HomeAssistant

from .find import Found
from .ids import Kind, song_id

MEDIA_PLAYER = "media_player"


def _queues(hass: HomeAssistant, entity_id: str) -> bool:
    state = hass.states.get(entity_id)
    features = int(state.attributes.get(ATTR_SUPPORTED_FEATURES, 0)) if state else 0
    return bool(features & MediaPlayerEntityFeature.MEDIA_ENQUEUE)


async def _play(
    hass: HomeAssistant,
    entity_ids: list[str],
    media_content_id: str,
    context: Context | None,
    enqueue: str | None = None,
) -> None:
    data = {
        "entity_id": entity_ids,
        "media_content_id": media_content_id,
        "media_content_type": "music",
    }
    if enqueue:
        data["enqueue"] = enqueue
    await hass.services.async_call(MEDIA_PLAYER, "play_media", data, blocking=True, context=context)


async def async_start(
    hass: HomeAssistant, found: Found, entity_ids: list[str], context: Context | None
) -> None:
    """Play ``found`` on ``entity_ids``."""
    kind = found.media_id.kind
    queued = [e for e in entity_ids if _queues(hass, e)] if kind is not Kind.SONG else []
    whole = [e for e in entity_ids if e not in queued]
    if queued:
        client, item = found.library.client, found.media_id.args[0]
        songs = (
            (await client.album(item)).songs
            if kind is Kind.ALBUM
            else (await client.playlist(item)).songs
        )
        ids = [
            song_id(found.library.backend_id, s.id, s.content_type).media_source_id for s in songs
        ]
        for position, media_content_id in enumerate(ids):
            await _play(
                hass, queued, media_content_id, context, "replace" if not position else "add"
            )
    if whole:
        await _play(hass, whole, found.media_id.media_source_id, context)
