"""Push: Lidarr and Navidrome tell Home Assistant at once, instead of being asked.

Lidarr calls a Home Assistant webhook (:mod:`.lidarr`), Navidrome streams server-sent
events (:mod:`.navidrome`); while that works their coordinators poll hourly only, and when
it breaks polling takes over at once with a repair issue (:mod:`.state`). Why these two
channels and not Lidarr's SignalR hub: ``docs/push.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from homeassistant.core import HomeAssistant
from stepheybot_music_clients.factory import make_client_as
from stepheybot_music_clients.lidarr import LidarrClient
from stepheybot_music_clients.models import BackendKind

from ..backends import BACKEND_TYPES, client_settings
from ..const import DOMAIN
from ..coordinators.lidarr import LidarrRuntime
from ..coordinators.navidrome import NavidromeRuntime
from ..issues import IssueKind, async_clear_issue
from ..runtime import BackendRuntime, StepheyBotConfigEntry
from ..sessions import flow_session
from .lidarr import LidarrPush, async_remove_webhook
from .navidrome import NavidromePush
from .state import PushState

_WEBHOOKS = f"{DOMAIN}_webhooks"
"""hass.data: per stack, the Lidarr backends (their subentry data) that got a webhook."""


class Pusher(Protocol):
    """The push of one backend."""

    state: PushState

    async def async_start(self) -> None:
        """Start (in the background: never delays the stack's set-up)."""

    async def async_stop(self) -> None:
        """Stop (the stack unloads)."""


def make_pusher(
    hass: HomeAssistant, entry: StepheyBotConfigEntry, backend: BackendRuntime
) -> Pusher | None:
    """The push of a backend that offers one, or None."""
    if isinstance(backend, LidarrRuntime):
        return LidarrPush(hass, entry, backend)
    if isinstance(backend, NavidromeRuntime):
        return NavidromePush(hass, entry, backend)
    return None


async def async_start_push(hass: HomeAssistant, entry: StepheyBotConfigEntry) -> None:
    """Start every backend's push (when the option is on) and clean up stale webhooks.

    A Lidarr that had a webhook when the stack last unloaded and is gone now (removed, or
    push turned off) gets its notification deleted.
    """
    runtime = entry.runtime_data
    remembered: dict[str, Mapping[str, Any]] = hass.data.setdefault(_WEBHOOKS, {}).pop(
        entry.entry_id, {}
    )
    for subentry_id, data in remembered.items():
        if not runtime.settings.push or subentry_id not in runtime.backends:
            entry.async_create_background_task(
                hass, _async_remove(hass, subentry_id, data), f"{DOMAIN} webhook removal"
            )
    for subentry_id, backend in runtime.backends.items():
        pusher = make_pusher(hass, entry, backend) if runtime.settings.push else None
        if pusher is None:
            # push turned off: a repair about it has nothing left to fix
            async_clear_issue(hass, IssueKind.PUSH_UNAVAILABLE, subentry_id)
            continue
        runtime.push[subentry_id] = pusher
        runtime.push_starts.append(
            entry.async_create_background_task(hass, pusher.async_start(), f"{DOMAIN} push start")
        )


async def async_stop_push(hass: HomeAssistant, entry: StepheyBotConfigEntry) -> None:
    """Stop every push of an unloading stack; remember which Lidarr had a webhook."""
    runtime = entry.runtime_data
    for start in runtime.push_starts:
        start.cancel()  # a reload soon after the set-up: stop means stop
    runtime.push_starts.clear()
    webhooks = hass.data.setdefault(_WEBHOOKS, {}).setdefault(entry.entry_id, {})
    for subentry_id, pusher in runtime.push.items():
        await pusher.async_stop()
        if isinstance(pusher, LidarrPush):
            webhooks[subentry_id] = pusher.data
    runtime.push.clear()


async def async_remove_push(hass: HomeAssistant, entry: StepheyBotConfigEntry) -> None:
    """The stack is deleted: delete the notification of each of its Lidarr backends."""
    hass.data.get(_WEBHOOKS, {}).pop(entry.entry_id, None)
    for subentry_id, subentry in entry.subentries.items():
        if subentry.subentry_type == BackendKind.LIDARR:
            await _async_remove(hass, subentry_id, subentry.data)


async def _async_remove(hass: HomeAssistant, subentry_id: str, data: Mapping[str, Any]) -> None:
    backend = BACKEND_TYPES[BackendKind.LIDARR]
    async with flow_session(hass, backend, data) as session:
        client = make_client_as(LidarrClient, BackendKind.LIDARR, session, client_settings(data))
        await async_remove_webhook(hass, client, subentry_id, backend.application)
