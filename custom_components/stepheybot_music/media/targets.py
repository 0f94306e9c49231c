"""Which media players a "play" goes to: named players, an area, or the speaker's own area.

Matched with Home Assistant's own intent matcher (names, aliases, areas, and, for voice,
only what is exposed to Assist), so a player is called what the user calls it.
"""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers import area_registry as ar
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import intent

MEDIA_PLAYER = "media_player"
WHERE = "Say where to play it, for example: in the living room."


class TargetError(Exception):
    """No player to play on; the message says what to say or do instead (no URLs)."""


def area_of_device(hass: HomeAssistant, device_id: str | None) -> str | None:
    """The area of a (voice satellite) device, if it has one."""
    device = dr.async_get(hass).async_get(device_id) if device_id else None
    return device.area_id if device is not None else None


def _area_name(hass: HomeAssistant, area: str) -> str:
    """An area given by id or by name, as its name (the matcher wants names)."""
    entry = ar.async_get(hass).async_get_area(area)
    return entry.name if entry is not None else area


def players(
    hass: HomeAssistant,
    *,
    entity_ids: list[str] | None = None,
    name: str | None = None,
    area: str | None = None,
    near_area: str | None = None,
    assistant: str | None = None,
) -> list[str]:
    """The media players to play on (entity ids, sorted); raise :class:`TargetError`.

    ``entity_ids`` as given; else the player called ``name``; else every player in
    ``area`` (id or name); else those in ``near_area`` (the satellite's area); else the only
    player there is.
    """
    if entity_ids:
        unknown = [
            e for e in entity_ids if e.split(".")[0] != MEDIA_PLAYER or not hass.states.get(e)
        ]
        if unknown:
            raise TargetError(f"{', '.join(unknown)} is not a media player.")
        return sorted(entity_ids)
    constraints = intent.MatchTargetsConstraints(domains={MEDIA_PLAYER}, assistant=assistant)
    preferences = intent.MatchTargetsPreferences(area_id=near_area)
    if name:
        constraints.name = name
        if area:
            constraints.area_name = _area_name(hass, area)
        result = intent.async_match_targets(hass, constraints, preferences)
        if not result.is_match:
            raise TargetError(f"I don't know a media player called {name}.")
        return sorted({s.entity_id for s in result.states})
    where = area or near_area
    if where:
        constraints.area_name = _area_name(hass, where)
        result = intent.async_match_targets(hass, constraints, preferences)
        if result.is_match:
            return sorted({s.entity_id for s in result.states})
        if area:
            raise TargetError(f"There is no media player in the {constraints.area_name}.")
    result = intent.async_match_targets(
        hass, intent.MatchTargetsConstraints(domains={MEDIA_PLAYER}, assistant=assistant)
    )
    if len(result.states) == 1:
        return [result.states[0].entity_id]
    if not result.states:
        raise TargetError("There is no media player to play it on.")
    raise TargetError(WHERE)
