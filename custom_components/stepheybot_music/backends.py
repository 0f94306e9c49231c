"""Every kind of backend a stack can have: its form fields, session and client.

The config flow and the set-up both read this table, so a backend is validated with
exactly the client it will later be polled with; the client itself comes from the client
library's one factory (``stepheybot_music_clients.factory``), which the exporter uses too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

import aiohttp
from homeassistant.const import (
    CONF_API_KEY,
    CONF_PASSWORD,
    CONF_URL,
    CONF_USERNAME,
    CONF_VERIFY_SSL,
)
from stepheybot_music_clients.docker import DEFAULT_SOCKET_URL
from stepheybot_music_clients.factory import ClientSettings, make_client
from stepheybot_music_clients.models import BackendInfo, BackendKind

from .const import REQUEST_TIMEOUT


class SessionKind(StrEnum):
    """Which aiohttp session a backend's client gets."""

    SHARED = "shared"
    """Home Assistant's shared session (inject-websession)."""
    NO_COOKIES = "no_cookies"
    """A session of its own whose jar stores nothing: the client sends its cookie itself."""
    DOCKER = "docker"
    """A unix-socket session for ``unix://`` URLs, else the shared session."""


class ProbingClient(Protocol):
    """What the config flow needs of any client: proof that the right backend answers."""

    async def probe(self) -> BackendInfo:
        """Validate URL and credentials; say which application answered."""


@dataclass(frozen=True, slots=True)
class CredentialField:
    """A credential the backend's form asks for."""

    key: str
    required: bool = True
    default: str | None = None

    @property
    def secret(self) -> bool:
        """Whether the value is a secret (password field, redacted in diagnostics)."""
        return self.key in (CONF_PASSWORD, CONF_API_KEY)


@dataclass(frozen=True, slots=True, kw_only=True)
class BackendType:
    """How to configure and reach one kind of backend."""

    kind: BackendKind
    application: str
    """Display name, also the default title of the backend."""
    manufacturer: str
    default_url: str
    credentials: tuple[CredentialField, ...] = ()
    session: SessionKind = SessionKind.SHARED

    def create_client(
        self, session: aiohttp.ClientSession, data: Mapping[str, Any]
    ) -> ProbingClient:
        """The client of this backend's ``data``, built by the client library's factory."""
        return make_client(self.kind, session, client_settings(data))


def client_settings(data: Mapping[str, Any]) -> ClientSettings:
    """The client library's settings of a backend's data (a config subentry or a form)."""

    def text(key: str) -> str:
        value = data.get(key)
        return str(value) if value else ""

    return ClientSettings(
        url=str(data[CONF_URL]),
        username=text(CONF_USERNAME),
        password=text(CONF_PASSWORD),
        api_key=text(CONF_API_KEY),
        verify_ssl=bool(data.get(CONF_VERIFY_SSL, True)),
        timeout=REQUEST_TIMEOUT,
    )


_USER_AND_PASSWORD = (CredentialField(CONF_USERNAME), CredentialField(CONF_PASSWORD))

BACKEND_TYPES: dict[BackendKind, BackendType] = {
    backend.kind: backend
    for backend in (
        BackendType(
            kind=BackendKind.MUSIC_BRAIN,
            application="StepheyBot Music Brain",
            manufacturer="StepheyBot",
            default_url="http://192.168.1.10:8083",
        ),
        BackendType(
            kind=BackendKind.NAVIDROME,
            application="Navidrome",
            manufacturer="Navidrome",
            default_url="http://192.168.1.10:4533",
            credentials=_USER_AND_PASSWORD,
        ),
        BackendType(
            kind=BackendKind.LIDARR,
            application="Lidarr",
            manufacturer="Lidarr",
            default_url="http://192.168.1.10:8686",
            credentials=(CredentialField(CONF_API_KEY),),
        ),
        BackendType(
            kind=BackendKind.QBITTORRENT,
            application="qBittorrent",
            manufacturer="The qBittorrent project",
            default_url="http://192.168.1.10:8080",
            credentials=(
                CredentialField(CONF_USERNAME, default="admin"),
                CredentialField(CONF_PASSWORD),
            ),
            session=SessionKind.NO_COOKIES,
        ),
        BackendType(
            kind=BackendKind.TRANSMISSION,
            application="Transmission",
            manufacturer="The Transmission project",
            default_url="http://192.168.1.10:9091",
            credentials=(
                CredentialField(CONF_USERNAME, required=False),
                CredentialField(CONF_PASSWORD, required=False),
            ),
        ),
        BackendType(
            kind=BackendKind.JACKETT,
            application="Jackett",
            manufacturer="Jackett",
            default_url="http://192.168.1.10:9117",
            credentials=(
                CredentialField(CONF_API_KEY),
                CredentialField(CONF_PASSWORD, required=False),
            ),
            session=SessionKind.NO_COOKIES,
        ),
        BackendType(
            kind=BackendKind.PROWLARR,
            application="Prowlarr",
            manufacturer="Prowlarr",
            default_url="http://192.168.1.10:9696",
            credentials=(CredentialField(CONF_API_KEY),),
        ),
        BackendType(
            kind=BackendKind.GLUETUN,
            application="gluetun",
            manufacturer="gluetun",
            default_url="http://192.168.1.10:8000",
            credentials=(
                CredentialField(CONF_API_KEY, required=False),
                CredentialField(CONF_USERNAME, required=False),
                CredentialField(CONF_PASSWORD, required=False),
            ),
        ),
        BackendType(
            kind=BackendKind.DOCKER,
            application="Docker",
            manufacturer="Docker",
            default_url=DEFAULT_SOCKET_URL,
            session=SessionKind.DOCKER,
        ),
    )
}
"""The backends this version supports, by kind (one config subentry type each)."""
