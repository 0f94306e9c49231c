"""One torrent as both front ends read it, from either download client.

Each client has one :class:`TorrentSource`: :meth:`~TorrentSource.facts` reads the little the
tally needs (cheap enough for every torrent of a full listing), :meth:`~TorrentSource.view`
the whole :class:`TorrentView` from those same facts plus the rest.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from stepheybot_music_clients import qbittorrent, transmission
from stepheybot_music_clients.downloads.states import DownloadState, normalize
from stepheybot_music_clients.models import MUSIC_FOLDERS

ALL_CATEGORIES = "*"
"""A category of ``*`` takes in every torrent, not only those of one category or label."""


def in_category(category: str, labels: Iterable[str]) -> bool:
    """Whether a torrent with these categories/labels is in ``category`` (``*``: every one)."""
    return category == ALL_CATEGORIES or category in labels


def normalize_folder(folder: str) -> str:
    """``folder`` without trailing slashes (``/`` stays ``/``)."""
    return folder.rstrip("/") or ("/" if folder.startswith("/") else "")


def in_folders(folder: str, folders: Iterable[str]) -> bool:
    """Whether ``folder`` (a torrent's download folder) is one of ``folders`` or inside one."""
    here = normalize_folder(folder)
    if not here:
        return False
    for root in folders:
        top = normalize_folder(root)
        if top and (here == top or here.startswith(top.rstrip("/") + "/")):
            return True
    return False


def is_music(category: str, folders: Iterable[str], labels: Iterable[str], folder: str) -> bool:
    """The one rule of what is music: the category (label), or a music folder."""
    return in_category(category, labels) or in_folders(folder, folders)


class TorrentFacts(NamedTuple):
    """What the counts need of one torrent."""

    hash: str
    state: DownloadState
    labels: tuple[str, ...]
    complete: bool
    folder: str
    """Where its data goes (qBittorrent's save path, Transmission's download folder)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TorrentView:
    """The few fields of a torrent that Home Assistant and the exporter read."""

    hash: str
    """The info-hash, lower-case hex: the key both clients accept for every action."""
    name: str
    state: DownloadState
    client_state: str
    """The client layer's own state (e.g. ``stalled_uploading``), for details."""
    progress: float
    """0.0 to 1.0 of the bytes selected for download."""
    size: int
    """Bytes selected for download (0 while a magnet has no metadata)."""
    download_rate: int
    """Payload bytes/s received."""
    upload_rate: int
    """Payload bytes/s sent."""
    eta: int | None
    """Seconds until complete; None when the client cannot tell."""
    labels: tuple[str, ...]
    """qBittorrent's category (none or one), or Transmission's labels."""
    error: str | None
    """Why the torrent cannot go on, for the user (None when it can)."""
    folder: str = ""
    """Where its data goes (qBittorrent's save path, Transmission's download folder)."""

    @property
    def complete(self) -> bool:
        """Every selected byte is present."""
        return self.progress >= 1.0

    def in_category(self, category: str) -> bool:
        """Whether the torrent is in ``category`` (``*``: always)."""
        return in_category(category, self.labels)

    def is_music(self, category: str, folders: Iterable[str] = MUSIC_FOLDERS) -> bool:
        """Whether the torrent is music: in ``category``, or in one of ``folders``."""
        return is_music(category, folders, self.labels, self.folder)


class TorrentSource[T](ABC):
    """How the domain reads one client's torrent model ``T``."""

    @abstractmethod
    def facts(self, torrent: T) -> TorrentFacts:
        """What the counts need (hash, state, category/labels, complete)."""

    @abstractmethod
    def view(self, torrent: T) -> TorrentView:
        """The whole view (its hash, state, labels and progress as :meth:`facts` reads them)."""


class QBittorrentSource(TorrentSource[qbittorrent.Torrent]):
    """qBittorrent's torrents: the category is the one label."""

    def facts(self, torrent: qbittorrent.Torrent) -> TorrentFacts:
        """Hash, state, category, complete."""
        category = torrent.category
        return TorrentFacts(
            torrent.hash,
            normalize(torrent.state),
            (category,) if category else (),
            torrent.progress >= 1.0,
            torrent.save_path,
        )

    def view(self, torrent: qbittorrent.Torrent) -> TorrentView:
        """The view; ``missingFiles`` gets its own message."""
        facts = self.facts(torrent)
        error = None
        if facts.state is DownloadState.ERROR:
            error = (
                "qBittorrent cannot find the downloaded files."
                if torrent.state_raw == "missingFiles"
                else "qBittorrent reports an error for this torrent."
            )
        return TorrentView(
            hash=facts.hash,
            name=torrent.name,
            state=facts.state,
            client_state=torrent.state,
            progress=torrent.progress,
            size=torrent.size,
            download_rate=torrent.dlspeed,
            upload_rate=torrent.upspeed,
            eta=torrent.eta,
            labels=facts.labels,
            error=error,
            folder=facts.folder,
        )


class TransmissionSource(TorrentSource[transmission.Torrent]):
    """Transmission's torrents: labels; the size is ``sizeWhenDone``."""

    def facts(self, torrent: transmission.Torrent) -> TorrentFacts:
        """Hash, state, labels, complete."""
        return TorrentFacts(
            torrent.hash,
            normalize(torrent.state),
            torrent.labels,
            torrent.progress >= 1.0,
            torrent.download_dir,
        )

    def view(self, torrent: transmission.Torrent) -> TorrentView:
        """The view; an error carries Transmission's own ``errorString``."""
        facts = self.facts(torrent)
        error = None
        if facts.state is DownloadState.ERROR:
            error = torrent.error_string or "Transmission reports an error for this torrent."
        return TorrentView(
            hash=facts.hash,
            name=torrent.name,
            state=facts.state,
            client_state=torrent.state,
            progress=torrent.progress,
            size=torrent.size_when_done,
            download_rate=torrent.rate_download,
            upload_rate=torrent.rate_upload,
            eta=torrent.eta,
            labels=facts.labels,
            error=error,
            folder=facts.folder,
        )


QBITTORRENT = QBittorrentSource()
"""qBittorrent's :class:`TorrentSource`."""
TRANSMISSION = TransmissionSource()
"""Transmission's :class:`TorrentSource`."""
