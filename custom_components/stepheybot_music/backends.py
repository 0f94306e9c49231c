"""Every kind of backend a stack can have: its form fields, session and client.

The config flow and the set-up both read this table, so a backend is validated with
exactly the client it will later be polled with.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
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
from stepheybot_music_clients.docker import DEFAULT_SOCKET_URL, DockerClient
from stepheybot_music_clients.gluetun import GluetunClient
from stepheybot_music_clients.indexers import JackettClient, ProwlarrClient
from stepheybot_music_clients.lidarr import LidarrClient
from stepheybot_music_clients.models import BackendInfo, BackendKind
from stepheybot_music_clients.music_brain import MusicBrainClient
from stepheybot_music_clients.qbittorrent import QBittorrentClient
from stepheybot_music_clients.subsonic import SubsonicClient
from stepheybot_music_clients.transmission import TransmissionClient

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


type ClientFactory = Callable[[aiohttp.ClientSession, Mapping[str, Any]], ProbingClient]


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
    create_client: ClientFactory


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return str(value) if value else ""


def _verify(data: Mapping[str, Any]) -> bool:
    return bool(data.get(CONF_VERIFY_SSL, True))


def qbittorrent_client(
    session: aiohttp.ClientSession, data: Mapping[str, Any]
) -> QBittorrentClient:
    """A qBittorrent client for a backend's data."""
    return QBittorrentClient(
        session,
        str(data[CONF_URL]),
        username=_text(data, CONF_USERNAME),
        password=_text(data, CONF_PASSWORD),
        timeout=REQUEST_TIMEOUT,
        verify_ssl=_verify(data),
    )


def navidrome_client(session: aiohttp.ClientSession, data: Mapping[str, Any]) -> SubsonicClient:
    """A Navidrome (Subsonic) client for a backend's data."""
    return SubsonicClient(
        session,
        str(data[CONF_URL]),
        username=_text(data, CONF_USERNAME),
        password=_text(data, CONF_PASSWORD),
        timeout=REQUEST_TIMEOUT,
        verify_ssl=_verify(data),
    )


def lidarr_client(session: aiohttp.ClientSession, data: Mapping[str, Any]) -> LidarrClient:
    """A Lidarr client for a backend's data."""
    return LidarrClient(
        session,
        str(data[CONF_URL]),
        api_key=_text(data, CONF_API_KEY),
        timeout=REQUEST_TIMEOUT,
        verify_ssl=_verify(data),
    )


def transmission_client(
    session: aiohttp.ClientSession, data: Mapping[str, Any]
) -> TransmissionClient:
    """A Transmission client for a backend's data."""
    return TransmissionClient(
        session,
        str(data[CONF_URL]),
        username=_text(data, CONF_USERNAME),
        password=_text(data, CONF_PASSWORD),
        timeout=REQUEST_TIMEOUT,
        verify_ssl=_verify(data),
    )


def jackett_client(session: aiohttp.ClientSession, data: Mapping[str, Any]) -> JackettClient:
    """A Jackett client for a backend's data (the password is Jackett's admin password)."""
    return JackettClient(
        session,
        str(data[CONF_URL]),
        api_key=_text(data, CONF_API_KEY),
        admin_password=_text(data, CONF_PASSWORD),
        timeout=REQUEST_TIMEOUT,
        verify_ssl=_verify(data),
    )


def prowlarr_client(session: aiohttp.ClientSession, data: Mapping[str, Any]) -> ProwlarrClient:
    """A Prowlarr client for a backend's data."""
    return ProwlarrClient(
        session,
        str(data[CONF_URL]),
        api_key=_text(data, CONF_API_KEY),
        timeout=REQUEST_TIMEOUT,
        verify_ssl=_verify(data),
    )


def gluetun_client(session: aiohttp.ClientSession, data: Mapping[str, Any]) -> GluetunClient:
    """A gluetun control server client (API key or basic credentials, both optional)."""
    return GluetunClient(
        session,
        str(data[CONF_URL]),
        api_key=_text(data, CONF_API_KEY),
        username=_text(data, CONF_USERNAME),
        password=_text(data, CONF_PASSWORD),
        timeout=REQUEST_TIMEOUT,
        verify_ssl=_verify(data),
    )


def docker_client(session: aiohttp.ClientSession, data: Mapping[str, Any]) -> DockerClient:
    """A Docker client (unix socket or docker-socket-proxy URL)."""
    return DockerClient(
        session, str(data[CONF_URL]), timeout=REQUEST_TIMEOUT, verify_ssl=_verify(data)
    )


def music_brain_client(session: aiohttp.ClientSession, data: Mapping[str, Any]) -> MusicBrainClient:
    """A Music Brain client (the service has no credentials)."""
    return MusicBrainClient(
        session, str(data[CONF_URL]), timeout=REQUEST_TIMEOUT, verify_ssl=_verify(data)
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
            create_client=music_brain_client,
        ),
        BackendType(
            kind=BackendKind.NAVIDROME,
            application="Navidrome",
            manufacturer="Navidrome",
            default_url="http://192.168.1.10:4533",
            credentials=_USER_AND_PASSWORD,
            create_client=navidrome_client,
        ),
        BackendType(
            kind=BackendKind.LIDARR,
            application="Lidarr",
            manufacturer="Lidarr",
            default_url="http://192.168.1.10:8686",
            credentials=(CredentialField(CONF_API_KEY),),
            create_client=lidarr_client,
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
            create_client=qbittorrent_client,
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
            create_client=transmission_client,
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
            create_client=jackett_client,
        ),
        BackendType(
            kind=BackendKind.PROWLARR,
            application="Prowlarr",
            manufacturer="Prowlarr",
            default_url="http://192.168.1.10:9696",
            credentials=(CredentialField(CONF_API_KEY),),
            create_client=prowlarr_client,
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
            create_client=gluetun_client,
        ),
        BackendType(
            kind=BackendKind.DOCKER,
            application="Docker",
            manufacturer="Docker",
            default_url=DEFAULT_SOCKET_URL,
            session=SessionKind.DOCKER,
            create_client=docker_client,
        ),
    )
}
"""The backends this version supports, by kind (one config subentry type each)."""
