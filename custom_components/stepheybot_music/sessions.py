"""aiohttp sessions for the backend clients (inject-websession where the backend allows)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_URL, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import (
    async_create_clientsession,
    async_get_clientsession,
)
from stepheybot_music_clients.docker import docker_session_for
from stepheybot_music_clients.factory import StackClient, make_client_as
from stepheybot_music_clients.models import BackendKind

from .backends import BACKEND_TYPES, BackendType, SessionKind, client_settings


def _verify_ssl(data: Mapping[str, Any]) -> bool:
    return bool(data.get(CONF_VERIFY_SSL, True))


def runtime_session(
    hass: HomeAssistant,
    entry: ConfigEntry[Any],
    backend: BackendType,
    data: Mapping[str, Any],
) -> aiohttp.ClientSession:
    """The session a loaded backend polls with; called during the entry's set-up.

    Sessions of its own are closed (or detached) when the entry unloads.
    """
    if backend.session is SessionKind.NO_COOKIES:
        return async_create_clientsession(
            hass, _verify_ssl(data), cookie_jar=aiohttp.DummyCookieJar()
        )
    if backend.session is SessionKind.DOCKER and (
        socket := docker_session_for(str(data[CONF_URL]))
    ):
        entry.async_on_unload(socket.close)
        return socket
    return async_get_clientsession(hass, _verify_ssl(data))


@asynccontextmanager
async def flow_session(
    hass: HomeAssistant, backend: BackendType, data: Mapping[str, Any]
) -> AsyncIterator[aiohttp.ClientSession]:
    """A session for one validation in a config flow, released afterwards."""
    if backend.session is SessionKind.NO_COOKIES:
        session = async_create_clientsession(
            hass, _verify_ssl(data), auto_cleanup=False, cookie_jar=aiohttp.DummyCookieJar()
        )
        try:
            yield session
        finally:
            session.detach()
        return
    if backend.session is SessionKind.DOCKER and (
        socket := docker_session_for(str(data[CONF_URL]))
    ):
        try:
            yield socket
        finally:
            await socket.close()
        return
    yield async_get_clientsession(hass, _verify_ssl(data))


def runtime_client[ClientT: StackClient](
    hass: HomeAssistant,
    entry: ConfigEntry[Any],
    subentry_id: str,
    cls: type[ClientT],
) -> ClientT:
    """The client a loaded backend (config subentry) polls with: a ``cls``."""
    subentry = entry.subentries[subentry_id]
    kind = BackendKind(subentry.subentry_type)
    session = runtime_session(hass, entry, BACKEND_TYPES[kind], subentry.data)
    return make_client_as(cls, kind, session, client_settings(subentry.data))
