"""Typed, frozen views of Transmission RPC payloads (Transmission 2.9x through 4.x)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum, StrEnum

type TorrentId = int | str
"""A torrent's numeric id or its info-hash."""


class RpcStatus(IntEnum):
    """Transmission's numeric ``status`` of a torrent."""

    STOPPED = 0
    CHECK_WAIT = 1
    CHECK = 2
    DOWNLOAD_WAIT = 3
    DOWNLOAD = 4
    SEED_WAIT = 5
    SEED = 6


class ErrorKind(IntEnum):
    """Transmission's numeric ``error`` of a torrent."""

    OK = 0
    TRACKER_WARNING = 1
    TRACKER_ERROR = 2
    LOCAL_ERROR = 3
    """Disk full, files missing, permission denied: the torrent cannot continue."""


class TorrentState(StrEnum):
    """What a torrent is doing; the values match the qBittorrent client's ``TorrentState``."""

    DOWNLOADING = "downloading"
    SEEDING = "seeding"
    STALLED_DOWNLOADING = "stalled_downloading"
    """Allowed to download, but no payload arrives (whether or not peers are connected)."""
    STALLED_UPLOADING = "stalled_uploading"
    """Seeding, but no payload leaves (nobody downloads from it)."""
    STOPPED = "stopped"
    """Stopped (paused), complete or not (see ``progress``)."""
    QUEUED = "queued"
    """Waiting in the download or seed queue."""
    CHECKING = "checking"
    """Verifying local data, or waiting to."""
    METADATA = "metadata"
    """A magnet link still fetching the torrent's metadata (``metadataPercentComplete`` < 1)."""
    ERROR = "error"
    """A local error (``error == 3``); tracker warnings and errors do not count."""
    UNKNOWN = "unknown"

    @classmethod
    def derive(
        cls,
        status: int,
        *,
        error: int,
        rate_download: int,
        rate_upload: int,
        has_metadata: bool = True,
    ) -> TorrentState:
        """Derive the state from ``status``, ``error``, the payload rates and the metadata.

        qBittorrent's rule (``TorrentImpl::updateState()``, src/base/bittorrent/torrentimpl.cpp
        at release-4.5.2 and release-5.2.3): a running download is stalled when no payload
        arrives, a running seed when none leaves; connected peers play no part. Transmission's
        ``rateDownload``/``rateUpload`` are piece-data (payload) speeds (``pieceDownloadSpeed``,
        libtransmission/rpcimpl.cc at 4.1.3), and a peer that has unchoked us but sends nothing
        still counts as connected and even in ``peersSendingToUs`` (peer-msgs.cc at 4.0.6), so
        the rate is the only reliable sign that data arrives. Status codes: ``tr_activity`` in
        libtransmission/transmission.h at 4.1.3.
        """
        if error == ErrorKind.LOCAL_ERROR:
            return cls.ERROR
        match status:
            case RpcStatus.STOPPED:
                return cls.STOPPED
            case RpcStatus.CHECK_WAIT | RpcStatus.CHECK:
                return cls.CHECKING
            case RpcStatus.DOWNLOAD_WAIT | RpcStatus.SEED_WAIT:
                return cls.QUEUED
            case RpcStatus.DOWNLOAD:
                if not has_metadata:
                    return cls.METADATA
                return cls.DOWNLOADING if rate_download > 0 else cls.STALLED_DOWNLOADING
            case RpcStatus.SEED:
                return cls.SEEDING if rate_upload > 0 else cls.STALLED_UPLOADING
        return cls.UNKNOWN


RPC_LABELS = 16
"""Transmission 3.00: ``labels`` in ``torrent-get`` and ``torrent-set``, not in ``torrent-add``
(``torrentSet`` and ``torrentAdd`` in ``libtransmission/rpcimpl.c`` at 3.00)."""
RPC_LABELS_IN_ADD = 17
"""Transmission 4.0.0: ``torrent-add`` takes ``labels`` (``torrentAdd``, rpcimpl.cc at 4.0.6)."""
RPC_MARKS_EDITS = 18
"""Transmission 4.1.0: an edit such as new labels makes a torrent ``recently-active``
(``tr_torrent::set_labels`` calls ``mark_edited``, torrent.cc at 4.1.0); before, it only set the
resume file dirty (``setLabels`` in torrent.cc at 4.0.6, ``tr_torrentSetLabels`` in torrent.c at
3.00), so another program's relabelling did not show in ``recently-active``."""

TORRENT_FIELDS = (
    "id",
    "hashString",
    "name",
    "status",
    "percentDone",
    "rateDownload",
    "rateUpload",
    "totalSize",
    "sizeWhenDone",
    "metadataPercentComplete",
    "leftUntilDone",
    "eta",
    "error",
    "errorString",
    "labels",
    "downloadDir",
    "addedDate",
    "doneDate",
    "uploadedEver",
    "downloadedEver",
    "peersConnected",
)
"""The only ``torrent-get`` fields the client asks for (``labels`` is ignored before 3.00)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Torrent:
    """One torrent as ``torrent-get`` describes it."""

    id: int
    """Transmission's id; valid until the daemon restarts (``hash`` is the stable key)."""
    hash: str
    """The info-hash, lower-case hex."""
    name: str
    state: TorrentState
    status: int
    """The raw numeric status (see :class:`RpcStatus`)."""
    progress: float
    """0.0 to 1.0 (``percentDone``)."""
    rate_download: int
    """Bytes/s."""
    rate_upload: int
    """Bytes/s."""
    size: int
    """Bytes of the whole torrent (``totalSize``)."""
    size_when_done: int
    """Bytes selected for download (``sizeWhenDone``; 0 while a magnet has no metadata)."""
    left_until_done: int
    """Bytes still to download."""
    eta: int | None
    """Seconds until complete; None when Transmission cannot tell (-1, -2)."""
    error: int
    """0 OK, 1 tracker warning, 2 tracker error, 3 local error (see :class:`ErrorKind`)."""
    error_string: str
    labels: tuple[str, ...]
    """Empty before Transmission 3.00 (no labels)."""
    download_dir: str
    added: datetime | None
    done: datetime | None
    """None until the torrent completes."""
    uploaded: int
    """Bytes uploaded, all time."""
    downloaded: int
    """Bytes downloaded, all time."""
    peers_connected: int

    @property
    def is_complete(self) -> bool:
        """True when every wanted byte is present."""
        return self.progress >= 1.0


@dataclass(frozen=True, slots=True, kw_only=True)
class TorrentSnapshot:
    """The merged torrent list after one incremental poll; never changes after return."""

    torrents: Mapping[int, Torrent]
    """By id."""
    by_hash: Mapping[str, Torrent]
    """The same torrents by info-hash."""
    full: bool
    """True when this poll listed every torrent (first poll, periodic or forced refresh)."""
    changed: frozenset[int]
    """Ids of torrents added or different from the previous snapshot (all on the first)."""
    removed: frozenset[int]
    """Ids in the previous snapshot that are gone from this one."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionInfo:
    """What ``session-get`` says about the daemon."""

    version: str
    """E.g. ``"4.0.6 (38c164933e)"``."""
    rpc_version: int
    rpc_version_semver: str | None
    """E.g. ``"5.3.0"`` (Transmission 4.0+), else None."""
    download_dir: str
    alt_speed_enabled: bool
    """Turtle mode (alternative speed limits)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TransferTotals:
    """A block of ``session-stats`` totals; data in bytes, time in seconds."""

    downloaded: int
    uploaded: int
    files_added: int
    session_count: int
    seconds_active: int


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionStats:
    """``session-stats``: speeds in bytes/s, counts of torrents, transfer totals."""

    download_speed: int
    upload_speed: int
    torrent_count: int
    active_torrent_count: int
    paused_torrent_count: int
    cumulative: TransferTotals
    """Since Transmission was installed."""
    current: TransferTotals
    """Since the daemon started."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FreeSpace:
    """``free-space`` of a directory, in bytes."""

    path: str
    free_bytes: int
    total_bytes: int | None
    """The file system's size (Transmission 4.0+), else None."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AddedTorrent:
    """What ``torrent-add`` answered."""

    id: int
    hash: str
    name: str
    duplicate: bool
    """True when Transmission already had this torrent (nothing was added)."""
