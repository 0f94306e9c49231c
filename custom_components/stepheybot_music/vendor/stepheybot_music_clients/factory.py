"""The one place a client is built from a backend's settings.

Home Assistant (a config subentry's data) and the exporter (a stack file's backend) both
describe a backend with the same few fields; :func:`make_client` turns them into the right
client, so a backend is validated, polled and scraped by identically built clients.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import aiohttp

from stepheybot_music_clients.login_policy import LoginGuard
from stepheybot_music_clients.models import BackendKind
from stepheybot_music_clients.transport import DEFAULT_TIMEOUT

if TYPE_CHECKING:  # each builder imports its own client: a process loads only what it uses
    from stepheybot_music_clients.docker import DockerClient
    from stepheybot_music_clients.gluetun import GluetunClient
    from stepheybot_music_clients.indexers import JackettClient, ProwlarrClient
    from stepheybot_music_clients.lidarr import LidarrClient
    from stepheybot_music_clients.music_brain import MusicBrainClient
    from stepheybot_music_clients.qbittorrent import QBittorrentClient
    from stepheybot_music_clients.subsonic import SubsonicClient
    from stepheybot_music_clients.transmission import TransmissionClient

type StackClient = (
    MusicBrainClient
    | SubsonicClient
    | LidarrClient
    | QBittorrentClient
    | TransmissionClient
    | JackettClient
    | ProwlarrClient
    | GluetunClient
    | DockerClient
)
"""A client of any kind of backend."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientSettings:
    """How to reach one backend; each kind reads the fields it needs.

    ``password`` is Jackett's admin password (optional); gluetun takes an API key or basic
    credentials; Docker and the Music Brain take no credentials.
    """

    url: str
    username: str = ""
    password: str = field(default="", repr=False)
    api_key: str = field(default="", repr=False)
    verify_ssl: bool = True
    timeout: float = DEFAULT_TIMEOUT
    """Seconds per request."""
    login_guard: LoginGuard | None = field(default=None, compare=False)
    """The guard of this backend's logins, shared with the caller (qBittorrent records its
    rejections and bans there); None: the client keeps its own, with the default policy."""


def _music_brain(session: aiohttp.ClientSession, s: ClientSettings) -> MusicBrainClient:
    from stepheybot_music_clients.music_brain import MusicBrainClient  # noqa: PLC0415

    return MusicBrainClient(session, s.url, timeout=s.timeout, verify_ssl=s.verify_ssl)


def _subsonic(session: aiohttp.ClientSession, s: ClientSettings) -> SubsonicClient:
    from stepheybot_music_clients.subsonic import SubsonicClient  # noqa: PLC0415

    return SubsonicClient(
        session,
        s.url,
        username=s.username,
        password=s.password,
        timeout=s.timeout,
        verify_ssl=s.verify_ssl,
    )


def _lidarr(session: aiohttp.ClientSession, s: ClientSettings) -> LidarrClient:
    from stepheybot_music_clients.lidarr import LidarrClient  # noqa: PLC0415

    return LidarrClient(
        session, s.url, api_key=s.api_key, timeout=s.timeout, verify_ssl=s.verify_ssl
    )


def _qbittorrent(session: aiohttp.ClientSession, s: ClientSettings) -> QBittorrentClient:
    from stepheybot_music_clients.qbittorrent import QBittorrentClient  # noqa: PLC0415

    return QBittorrentClient(
        session,
        s.url,
        username=s.username,
        password=s.password,
        timeout=s.timeout,
        verify_ssl=s.verify_ssl,
        login_guard=s.login_guard,
    )


def _transmission(session: aiohttp.ClientSession, s: ClientSettings) -> TransmissionClient:
    from stepheybot_music_clients.transmission import TransmissionClient  # noqa: PLC0415

    return TransmissionClient(
        session,
        s.url,
        username=s.username,
        password=s.password,
        timeout=s.timeout,
        verify_ssl=s.verify_ssl,
    )


def _jackett(session: aiohttp.ClientSession, s: ClientSettings) -> JackettClient:
    from stepheybot_music_clients.indexers import JackettClient  # noqa: PLC0415

    return JackettClient(
        session,
        s.url,
        api_key=s.api_key,
        admin_password=s.password,
        timeout=s.timeout,
        verify_ssl=s.verify_ssl,
    )


def _prowlarr(session: aiohttp.ClientSession, s: ClientSettings) -> ProwlarrClient:
    from stepheybot_music_clients.indexers import ProwlarrClient  # noqa: PLC0415

    return ProwlarrClient(
        session, s.url, api_key=s.api_key, timeout=s.timeout, verify_ssl=s.verify_ssl
    )


def _gluetun(session: aiohttp.ClientSession, s: ClientSettings) -> GluetunClient:
    from stepheybot_music_clients.gluetun import GluetunClient  # noqa: PLC0415

    return GluetunClient(
        session,
        s.url,
        api_key=s.api_key,
        username=s.username,
        password=s.password,
        timeout=s.timeout,
        verify_ssl=s.verify_ssl,
    )


def _docker(session: aiohttp.ClientSession, s: ClientSettings) -> DockerClient:
    from stepheybot_music_clients.docker import DockerClient  # noqa: PLC0415

    return DockerClient(session, s.url, timeout=s.timeout, verify_ssl=s.verify_ssl)


_BUILDERS: dict[BackendKind, Callable[[aiohttp.ClientSession, ClientSettings], StackClient]] = {
    BackendKind.MUSIC_BRAIN: _music_brain,
    BackendKind.NAVIDROME: _subsonic,
    BackendKind.LIDARR: _lidarr,
    BackendKind.QBITTORRENT: _qbittorrent,
    BackendKind.TRANSMISSION: _transmission,
    BackendKind.JACKETT: _jackett,
    BackendKind.PROWLARR: _prowlarr,
    BackendKind.GLUETUN: _gluetun,
    BackendKind.DOCKER: _docker,
}


def make_client(
    kind: BackendKind, session: aiohttp.ClientSession, settings: ClientSettings
) -> StackClient:
    """The client of a ``kind`` backend over the caller's ``session`` (never closed here)."""
    return _BUILDERS[kind](session, settings)


def make_client_as[ClientT: StackClient](
    cls: type[ClientT],
    kind: BackendKind,
    session: aiohttp.ClientSession,
    settings: ClientSettings,
) -> ClientT:
    """:func:`make_client` for a caller that needs the concrete class (checked, not assumed)."""
    client = make_client(kind, session, settings)
    if not isinstance(client, cls):
        raise TypeError(f"a {kind} backend has a {type(client).__name__}, not a {cls.__name__}")
    return client
