"""The music card's websocket commands: its state, its updates, and search.

* ``stepheybot_music/card_state``: the card's state once (:func:`.card_state.card_state`);
* ``stepheybot_music/subscribe_card_state``: that state now and after every poll that
  changed something (any coordinator of the stack, or the requests), at most once per
  event-loop turn; when the stack unloads (a reload), the subscription ends with an event
  ``{"unloaded": true}`` and the card subscribes again;
* ``stepheybot_music/search``: the ``search`` action itself (same checks, same answer,
  same translated errors), so the card needs no second search; each hit also has ``cover``:
  when the library has it, the path of its picture on the cover view (:mod:`.media.views`,
  which asks Navidrome; registered here too, so it does not wait for the media browser),
  signed for this session for an hour since an ``<img>`` sends no token; else None.

Each takes ``entry_id`` (the stack); without it, the only loaded stack. Requests are made
with the ``request_download`` action directly (it answers with what happened).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import probatio
from homeassistant.components.http.auth import async_sign_path
from homeassistant.components.websocket_api import async_register_command
from homeassistant.components.websocket_api.connection import ActiveConnection
from homeassistant.components.websocket_api.const import (
    ERR_HOME_ASSISTANT_ERROR,
    ERR_SERVICE_VALIDATION_ERROR,
)
from homeassistant.components.websocket_api.decorators import async_response, websocket_command
from homeassistant.components.websocket_api.messages import event_message
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.dispatcher import async_dispatcher_connect

from .card_state import card_state
from .const import DOMAIN
from .coordinators.base import StackCoordinator
from .coordinators.navidrome import NavidromeRuntime
from .media.ids import cover_path
from .media.views import register_views
from .runtime import StepheyBotConfigEntry, signal_replaced
from .search import SearchError, resolve_result
from .services import ATTR_CONFIG_ENTRY_ID, stack_of

ATTR_ENTRY_ID = "entry_id"
COVER_SIZE = 160
"""Pixels per side of a hit's picture (the card shows 40 px; sharp on dense screens)."""
COVER_SIGNED_FOR = timedelta(hours=1)


@callback
def async_setup_websocket(hass: HomeAssistant) -> None:
    """Register the card's commands (once, in ``async_setup``)."""
    async_register_command(hass, ws_card_state)
    async_register_command(hass, ws_subscribe_card_state)
    async_register_command(hass, ws_search)
    register_views(hass)  # the cover view the search's pictures point at (media source's too)


def _stack(hass: HomeAssistant, entry_id: str | None) -> StepheyBotConfigEntry:
    """The stack ``entry_id``, or the only loaded one; a translated error otherwise."""
    if entry_id is not None:
        return stack_of(hass, entry_id)
    loaded = [
        entry
        for entry in hass.config_entries.async_entries(DOMAIN)
        if entry.state is ConfigEntryState.LOADED
    ]
    if len(loaded) != 1:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="card_choose_stack",
            translation_placeholders={"count": str(len(loaded))},
        )
    stack: StepheyBotConfigEntry = loaded[0]
    return stack


def _send_error(connection: ActiveConnection, msg_id: int, err: HomeAssistantError) -> None:
    """The error as the ``call_service`` command sends it (translated, with its key)."""
    connection.send_error(
        msg_id,
        ERR_SERVICE_VALIDATION_ERROR
        if isinstance(err, ServiceValidationError)
        else ERR_HOME_ASSISTANT_ERROR,
        str(err),
        translation_domain=err.translation_domain,
        translation_key=err.translation_key,
        translation_placeholders=err.translation_placeholders,
    )


@websocket_command(
    {
        probatio.Required("type"): f"{DOMAIN}/card_state",
        probatio.Optional(ATTR_ENTRY_ID): cv.string,
    }
)
@callback
def ws_card_state(hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]) -> None:
    """The card's state, once."""
    try:
        entry = _stack(hass, msg.get(ATTR_ENTRY_ID))
    except HomeAssistantError as err:
        _send_error(connection, msg["id"], err)
        return
    connection.send_result(msg["id"], card_state(entry))


@websocket_command(
    {
        probatio.Required("type"): f"{DOMAIN}/subscribe_card_state",
        probatio.Optional(ATTR_ENTRY_ID): cv.string,
    }
)
@callback
def ws_subscribe_card_state(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]
) -> None:
    """The card's state now, then again whenever a poll of the stack changed something."""
    msg_id: int = msg["id"]
    try:
        entry = _stack(hass, msg.get(ATTR_ENTRY_ID))
    except HomeAssistantError as err:
        _send_error(connection, msg_id, err)
        return
    runtime = entry.runtime_data
    removers: list[CALLBACK_TYPE] = []
    pending = False
    closed = False

    @callback
    def _send() -> None:
        nonlocal pending
        pending = False
        if not closed:
            connection.send_message(event_message(msg_id, card_state(entry)))

    @callback
    def _changed() -> None:
        nonlocal pending
        if not pending and not closed:
            pending = True  # one message for the polls that finish in the same turn
            hass.loop.call_soon(_send)

    @callback
    def _close() -> None:
        nonlocal closed
        if closed:
            return
        closed = True
        for remove in removers:
            remove()
        removers.clear()

    @callback
    def _unloaded() -> None:
        if not closed:
            _close()
            connection.send_message(event_message(msg_id, {"unloaded": True}))

    @callback
    def _replaced(replaced: Mapping[Any, StackCoordinator[Any]]) -> None:
        """A backend reloaded alone: follow its new coordinators."""
        if not closed:
            removers.extend(new.async_add_listener(_changed) for new in replaced.values())
            _changed()

    coordinators = [c for backend in runtime.backends.values() for c in backend.coordinators]
    removers.extend(coordinator.async_add_listener(_changed) for coordinator in coordinators)
    removers.append(runtime.requests.async_add_listener(_changed))
    removers.append(async_dispatcher_connect(hass, signal_replaced(entry.entry_id), _replaced))
    entry.async_on_unload(_unloaded)
    connection.subscriptions[msg_id] = _close
    connection.send_result(msg_id)
    connection.send_message(event_message(msg_id, card_state(entry)))


@websocket_command(
    {
        probatio.Required("type"): f"{DOMAIN}/search",
        probatio.Optional(ATTR_ENTRY_ID): cv.string,
        probatio.Required("query"): cv.string,
        probatio.Optional("kind"): cv.string,
        probatio.Optional("sources"): [cv.string],
        probatio.Optional("limit"): cv.positive_int,
    }
)
@async_response
async def ws_search(hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]) -> None:
    """The ``search`` action, for the user of this connection."""
    try:
        entry = _stack(hass, msg.get(ATTR_ENTRY_ID))
        fields: dict[str, Any] = {
            key: msg[key] for key in ("query", "kind", "sources", "limit") if key in msg
        }
        response = await hass.services.async_call(
            DOMAIN,
            "search",
            {ATTR_CONFIG_ENTRY_ID: entry.entry_id, **fields},
            blocking=True,
            return_response=True,
            context=connection.context(msg),
        )
    except HomeAssistantError as err:
        _send_error(connection, msg["id"], err)
        return
    assert response is not None
    results: list[dict[str, Any]] = response["results"]  # type: ignore[assignment]
    covers = [_cover(hass, connection, entry, str(hit["id"])) for hit in results]
    connection.send_result(
        msg["id"],
        {**response, "results": [{**h, "cover": c} for h, c in zip(results, covers, strict=True)]},
    )


def _cover(
    hass: HomeAssistant, connection: ActiveConnection, entry: StepheyBotConfigEntry, hit_id: str
) -> str | None:
    """The signed path of a hit's picture, when the library has the hit (else None).

    Navidrome takes the plain album or artist id as the picture's id (``core/artwork/
    artwork.go`` ``getArtworkId`` @ v0.63.2). With several Navidromes, the first one's is asked.
    """
    navidromes = entry.runtime_data.of_type(NavidromeRuntime)
    if not navidromes:
        return None
    try:
        library_id = resolve_result(entry, hit_id).library_id
    except SearchError:
        return None
    if library_id is None:
        return None
    path = cover_path(navidromes[0].ref.subentry_id, library_id)
    return async_sign_path(
        hass,
        f"{path}?size={COVER_SIZE}",
        COVER_SIGNED_FOR,
        refresh_token_id=connection.refresh_token_id,
    )
