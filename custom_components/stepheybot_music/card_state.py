"""What the music card shows, in one compact, secret-free dict built from the coordinators.

The card (``custom:stepheybot-music-card``) reads this over the websocket (:mod:`.websocket`)
instead of guessing entity ids: the attention strip (only what needs the person), the VPN,
every request in flight with its stage, progress and the speed of its torrent, the download
clients and the library counts. Nothing here does I/O: it reads the last poll of each
coordinator. No URL, credential, public IP or release link ever goes into it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from stepheybot_music_clients.downloads import DownloadState, TorrentView

from .coordinators.base import StackCoordinator
from .coordinators.docker import DockerRuntime
from .coordinators.download_client import DownloadClientRuntime
from .coordinators.gluetun import GluetunRuntime, leaking, peer_addresses
from .coordinators.indexers import IndexerRuntime
from .coordinators.lidarr import LidarrRuntime
from .coordinators.music_brain import MusicBrainRuntime
from .coordinators.navidrome import NavidromeRuntime
from .diagnosis import WaitingFor, observe, waiting_for
from .runtime import BackendRuntime, StepheyBotConfigEntry
from .tracking.models import FailureReason, Stage, TrackedRequest

LOW_FREE_BYTES = 5 * 1024**3
"""A download client with less free space than this (5 GiB) is nearly full."""
LOW_FREE_SHARE = 0.05
"""A Lidarr root folder with less than this share of its disk free is nearly full."""
MAX_FINISHED = 5
"""How many finished requests the card lists under the ones in flight (newest first)."""


class Attention(StrEnum):
    """What the attention strip can show; the card words each one."""

    VPN_DOWN = "vpn_down"
    VPN_LEAK = "vpn_leak"
    REAUTH = "reauth"
    UNAVAILABLE = "unavailable"
    CONTAINER = "container"
    INDEXERS = "indexers"
    DISK = "disk"
    STALLED = "stalled"


@dataclass(frozen=True, slots=True)
class Item:
    """One entry of the attention strip: what, which backend, and the few names that say why."""

    kind: Attention
    backend: str
    names: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"kind": self.kind.value, "backend": self.backend, "names": list(self.names)}


def _last[T](coordinator: StackCoordinator[T]) -> T | None:
    """A coordinator's last data, None when its last poll failed or none has run yet."""
    data: T | None = coordinator.data
    return data if coordinator.last_update_success else None


def _available(backend: BackendRuntime) -> bool:
    """Whether every coordinator of the backend answered its last poll."""
    return all(coordinator.last_update_success for coordinator in backend.coordinators)


def _torrents(entry: StepheyBotConfigEntry) -> dict[str, TorrentView]:
    """The torrents of every download client's last poll that requests may follow, by hash."""
    hashes = {r.torrent_hash for r in entry.runtime_data.requests.store.all() if r.torrent_hash}
    found: dict[str, TorrentView] = {}
    for client in entry.runtime_data.of_type(DownloadClientRuntime):
        for info_hash in hashes - found.keys():
            if (view := client.coordinator.find_torrent(info_hash)) is not None:
                found[info_hash] = view
    return found


def request_state(
    request: TrackedRequest, torrent: TorrentView | None, waiting: WaitingFor | None = None
) -> dict[str, Any]:
    """One request as the card lists it; ``stalled`` from its torrent's state or failure.

    ``waiting`` is what holds it back (the diagnosis, :func:`.diagnosis.waiting_for`), the
    same ``waiting_for`` that get_requests, the sensor and Assist give.
    """
    downloading = request.stage is Stage.DOWNLOADING
    return {
        "request_id": request.request_id,
        "title": request.title,
        "artist": request.artist,
        "album": request.album,
        "kind": request.kind.value,
        "stage": request.stage.value,
        "progress": request.progress,
        "eta": request.eta,
        "size": request.size,
        "speed": torrent.download_rate if torrent is not None and downloading else None,
        "stalled": request.failure is FailureReason.STALLED
        or (downloading and torrent is not None and torrent.state is DownloadState.STALLED),
        "failure": request.failure.value if request.failure else None,
        "message": request.message,
        "waiting_for": waiting.as_dict() if waiting is not None else None,
        "created_at": request.created_at.isoformat(),
        "stage_changed_at": request.stage_changed_at.isoformat(),
        "progress_changed_at": request.progress_changed_at.isoformat(),
    }


def _requests(entry: StepheyBotConfigEntry) -> list[dict[str, Any]]:
    runtime = entry.runtime_data
    store = runtime.requests.store
    torrents = _torrents(entry)
    in_flight = store.in_flight()
    observation = observe(runtime) if in_flight else None  # one observation for all of them
    return [
        request_state(
            r,
            torrents.get(r.torrent_hash) if r.torrent_hash else None,
            waiting_for(runtime, r, observation=observation) if observation else None,
        )
        for r in in_flight
    ] + [
        request_state(r, torrents.get(r.torrent_hash) if r.torrent_hash else None)
        for r in [r for r in store.all() if r.finished][:MAX_FINISHED]
    ]


def _vpn(entry: StepheyBotConfigEntry) -> list[dict[str, Any]]:
    clients = [
        client.coordinator
        for client in entry.runtime_data.of_type(DownloadClientRuntime)
        if client.coordinator.supports_external_address
    ]
    out = []
    for backend in entry.runtime_data.of_type(GluetunRuntime):
        coordinator = backend.coordinator
        data = _last(coordinator)
        out.append(
            {
                "backend": backend.ref.title,
                "available": data is not None,
                "connected": data.connected if data is not None else None,
                "status": data.status.value if data is not None else None,
                "country": data.country if data is not None else None,
                "leak": leaking(data, peer_addresses(clients)),
            }
        )
    return out


def _downloads(entry: StepheyBotConfigEntry) -> list[dict[str, Any]]:
    out = []
    for backend in entry.runtime_data.of_type(DownloadClientRuntime):
        coordinator = backend.coordinator
        data = _last(coordinator)
        out.append(
            {
                "backend": backend.ref.title,
                "kind": backend.ref.kind.value,
                "available": data is not None,
                "download_rate": data.download_rate if data else None,
                "upload_rate": data.upload_rate if data else None,
                "active": data.music_active if data else None,
                "counts": {str(k): v for k, v in data.counts.items()} if data else None,
                "free_space": data.free_space if data else None,
            }
        )
    return out


def _library(entry: StepheyBotConfigEntry) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    runtime = entry.runtime_data
    for navidrome in runtime.of_type(NavidromeRuntime):
        totals = _last(navidrome.library)
        out.append(
            {
                "backend": navidrome.ref.title,
                "kind": navidrome.ref.kind.value,
                "artists": totals.artists if totals else None,
                "albums": totals.albums if totals else None,
                "tracks": totals.songs if totals else None,
            }
        )
    for lidarr in runtime.of_type(LidarrRuntime):
        stats = _last(lidarr.library)
        status = _last(lidarr.status)
        out.append(
            {
                "backend": lidarr.ref.title,
                "kind": lidarr.ref.kind.value,
                "artists": stats.artists if stats else None,
                "albums": stats.albums if stats else None,
                "tracks": stats.track_files if stats else None,
                "missing": status.missing if status else None,
            }
        )
    for brain in runtime.of_type(MusicBrainRuntime):
        library = _last(brain.library)
        out.append(
            {
                "backend": brain.ref.title,
                "kind": brain.ref.kind.value,
                "artists": library.total_artists if library else None,
                "albums": library.total_albums if library else None,
                "tracks": library.total_tracks if library else None,
            }
        )
    return out


def _backend_items(backend: BackendRuntime) -> list[Item]:
    """A backend's own problems: its credentials, its reachability, then what it reports."""
    title = backend.ref.title
    if backend.awaiting_reauth:
        return [Item(Attention.REAUTH, title)]
    if not _available(backend):
        return [Item(Attention.UNAVAILABLE, title)]
    items: list[Item] = []
    if isinstance(backend, GluetunRuntime):
        vpn = _last(backend.coordinator)
        if vpn is not None and not vpn.connected:
            items.append(Item(Attention.VPN_DOWN, title, (vpn.status.value,)))
    elif isinstance(backend, DockerRuntime):
        docker = _last(backend.coordinator)
        if docker is not None and docker.problems:
            items.append(Item(Attention.CONTAINER, title, tuple(docker.problems)))
    elif isinstance(backend, IndexerRuntime):
        indexers = _last(backend.coordinator)
        if indexers is not None and indexers.failing:
            names = tuple(indexer.name for indexer in indexers.failing)
            items.append(Item(Attention.INDEXERS, title, names))
    elif isinstance(backend, DownloadClientRuntime):
        client = _last(backend.coordinator)
        free = client.free_space if client is not None else None
        if free is not None and free < LOW_FREE_BYTES:
            items.append(Item(Attention.DISK, title))
    elif isinstance(backend, LidarrRuntime) and (status := _last(backend.status)):
        full = [
            folder.path
            for folder in status.root_folders
            if folder.free_bytes is not None
            and folder.total_bytes
            and folder.free_bytes < LOW_FREE_SHARE * folder.total_bytes
        ]
        if full:
            items.append(Item(Attention.DISK, title, tuple(full)))
    return items


def attention(
    entry: StepheyBotConfigEntry, vpn: list[dict[str, Any]], requests: list[dict[str, Any]]
) -> list[Item]:
    """Only what needs the person, most urgent first; empty when all is well."""
    items = [Item(Attention.VPN_LEAK, state["backend"]) for state in vpn if state["leak"] is True]
    for backend in entry.runtime_data.backends.values():
        items += _backend_items(backend)
    stalled = tuple(r["title"] for r in requests if r["stalled"] and r["stage"] != "failed")
    if stalled:
        items.append(Item(Attention.STALLED, "", stalled))
    order = list(Attention)
    return sorted(items, key=lambda item: order.index(item.kind))


def card_state(entry: StepheyBotConfigEntry) -> dict[str, Any]:
    """The whole state the card shows, for one stack."""
    vpn = _vpn(entry)
    requests = _requests(entry)
    return {
        "entry_id": entry.entry_id,
        "title": entry.title,
        "attention": [item.as_dict() for item in attention(entry, vpn, requests)],
        "vpn": vpn,
        "requests": requests,
        "downloads": _downloads(entry),
        "library": _library(entry),
        "backends": [
            {
                "title": backend.ref.title,
                "kind": backend.ref.kind.value,
                "available": _available(backend),
                "reauth": backend.awaiting_reauth,
            }
            for backend in entry.runtime_data.backends.values()
        ],
    }
