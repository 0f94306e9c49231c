"""The stack's "Music blocked by" sensor: the cause that keeps music from arriving.

An enum sensor for automations (``vpn_down``, ..., ``none`` when every cause was checked and
none holds, ``unknown`` when none holds among those read but some could not be read), with
what is wrong and what to do as attributes. It follows the stack's :class:`DiagnosisWatch`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
)
from stepheybot_music_clients.diagnosis import CHAIN

from .devices import stack_device_info
from .diagnosis import UNKNOWN, blocked_state
from .runtime import StepheyBotConfigEntry

NONE = "none"

MUSIC_BLOCKED_BY = SensorEntityDescription(
    key="music_blocked_by",
    translation_key="music_blocked_by",
    device_class=SensorDeviceClass.ENUM,
    options=[*(cause.value for cause in CHAIN), NONE, UNKNOWN],
)


class MusicBlockedSensor(SensorEntity):
    """What blocks music now, from the stack's diagnosis (updated at every poll)."""

    _attr_has_entity_name = True
    _attr_should_poll = False
    entity_description = MUSIC_BLOCKED_BY

    def __init__(self, entry: StepheyBotConfigEntry) -> None:
        """The sensor of one stack's diagnosis."""
        self._entry = entry
        self._attr_unique_id = f"{entry.entry_id}_{MUSIC_BLOCKED_BY.key}"
        self._attr_device_info = stack_device_info(entry)

    async def async_added_to_hass(self) -> None:
        """Follow the diagnosis."""
        await super().async_added_to_hass()
        watch = self._entry.runtime_data.diagnosis
        self.async_on_remove(watch.async_add_listener(self.async_write_ha_state))

    @property
    def native_value(self) -> str:
        """The cause, ``none`` or ``unknown``."""
        return blocked_state(self._entry.runtime_data.diagnosis.diagnosis)

    @property
    def extra_state_attributes(self) -> Mapping[str, Any]:
        """What is wrong and what to do (spoken-safe), and the causes that could not be read."""
        diagnosis = self._entry.runtime_data.diagnosis.diagnosis
        finding = diagnosis.finding
        return {
            "text": finding.text if finding else None,
            "fix": finding.fix if finding else None,
            "speech": diagnosis.speech,
            "unknown": [cause.value for cause in diagnosis.unknown],
        }
