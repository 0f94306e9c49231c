"""Why music is not arriving, as Home Assistant sees the stack (issue 21).

The observation is built from what the coordinators already hold (gluetun, the download
clients' music torrents, Jackett/Prowlarr, Lidarr's queue and root folders): a diagnosis
costs no request. :func:`diagnose` of the client library names the cause, with the words the
exporter's ``stepheybot_music_blocked`` uses. A coordinator whose last poll failed or is too
old (:attr:`StackCoordinator.fresh`) leaves its facts unknown, never clear.

For one request that is not progressing (:func:`waiting_for`), the same observation is
diagnosed with only the causes that can hold that request back at its stage: a stalled
download waits for the VPN, the port, peers or disk; a search for the indexers or Lidarr's
metadata server; an import for Lidarr, the disk, or the music server's scan (once Lidarr
imported it, Navidrome must list it: :data:`NOT_SCANNED_AFTER`).

The clients' listen ports come from :mod:`.port_sync`'s coordinators; like the exporter, a
mismatch read on one client holds even when another client's port could not be read.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from homeassistant.util import dt as dt_util
from stepheybot_music_clients.diagnosis import (
    DISK_FULL_BYTES,
    Cause,
    Diagnosis,
    DiagnosisStatus,
    StackObservation,
    diagnose,
    metadata_outage,
    not_applicable,
)
from stepheybot_music_clients.downloads import DownloadState

from .coordinators.download_client import DownloadClientRuntime, TorrentBucket
from .coordinators.gluetun import GluetunRuntime, leaking, peer_addresses
from .coordinators.indexers import IndexerRuntime
from .coordinators.lidarr import PROBLEM_HEALTH, LidarrRuntime
from .coordinators.navidrome import NavidromeRuntime
from .runtime import StackRuntimeData
from .tracking.models import Route, Stage, TrackedRequest

SEARCH_SLOW = timedelta(minutes=5)
"""A request still searching after this long is diagnosed even when no search cause holds."""
IMPORT_SLOW = timedelta(minutes=10)
"""A request importing for this long is diagnosed (Lidarr usually imports within a minute)."""
DOWNLOAD_SLOW = timedelta(minutes=10)
"""A download whose progress has not moved for this long is diagnosed as not progressing."""

NOT_SCANNED_AFTER = timedelta(minutes=10)
"""An imported album Navidrome has not listed for this long, while it is not scanning, is
``not_scanned`` (a scan of a new album takes seconds to a few minutes)."""

UNKNOWN = "unknown"
"""``waiting_for.cause`` when the request does not progress and no cause is known."""

STAGE_CAUSES: dict[Stage, frozenset[Cause]] = {
    Stage.REQUESTED: frozenset({Cause.INDEXERS_FAILING, Cause.METADATA_DOWN}),
    Stage.SEARCHING: frozenset({Cause.INDEXERS_FAILING, Cause.METADATA_DOWN}),
    Stage.DOWNLOADING: frozenset(
        {Cause.VPN_DOWN, Cause.VPN_LEAK, Cause.PORT_MISMATCH, Cause.NO_PEERS, Cause.DISK_FULL}
    ),
    Stage.IMPORTING: frozenset({Cause.IMPORT_BLOCKED, Cause.DISK_FULL, Cause.NOT_SCANNED}),
}
"""The causes that can hold back a request at each stage in flight."""


def observe(runtime: StackRuntimeData) -> StackObservation:
    """What the coordinators' current data tell about the stack (no request)."""
    gluetuns = runtime.of_type(GluetunRuntime)
    clients = runtime.of_type(DownloadClientRuntime)
    managers = runtime.of_type(IndexerRuntime)
    lidarrs = runtime.of_type(LidarrRuntime)

    vpn_running: bool | None = None
    vpn_leak: bool | None = None
    forwarded: int | None = None
    vpns = [g.coordinator for g in gluetuns]
    if vpns and all(c.fresh for c in vpns):
        vpn_running = all(c.data.connected for c in vpns)
        if len(vpns) == 1 and vpns[0].data.connected:
            data = vpns[0].data
            if data.port_readable:
                forwarded = data.forwarded_port or 0
            fresh_clients = [c.coordinator for c in clients if c.coordinator.fresh]
            vpn_leak = leaking(data, peer_addresses(fresh_clients))

    listen: dict[str, int] = {}
    for client in clients:  # read by port_sync's coordinator only in a stack with gluetun
        port = client.listen_port
        if port is not None and port.fresh:
            listen[client.ref.title] = port.data.listen_port

    stalled: dict[str, int] = {}
    free: dict[str, int] = {}
    stalled_read = free_read = True
    for client in clients:
        coordinator = client.coordinator
        if not coordinator.fresh:
            stalled_read = free_read = False
            continue
        states = coordinator.data.music_states.values()
        stalled[client.ref.title] = sum(s is DownloadState.STALLED for s in states)
        if coordinator.data.free_space is None:
            free_read = False
        else:
            free[f"{client.ref.title}'s download folder"] = coordinator.data.free_space

    enabled: int | None = 0
    failing: int | None = 0
    for manager in managers:
        indexers = manager.coordinator
        if not indexers.fresh or enabled is None or failing is None:
            enabled = failing = None
            continue
        enabled += indexers.data.configured
        failing += len(indexers.data.failing)

    blocked: int | None = 0
    messages: tuple[str, ...] = ()
    metadata_down: bool | None = False
    for lidarr in lidarrs:
        stuck = lidarr.queue.stuck_imports if lidarr.queue.fresh else None
        if stuck is None or blocked is None:
            blocked = None
        else:
            blocked += stuck.count
            messages += stuck.messages
        if not lidarr.status.fresh:
            free_read = False
            metadata_down = True if metadata_down else None
            continue
        if any(
            metadata_outage(item.source, item.message, problem=item.type in PROBLEM_HEALTH)
            for item in lidarr.status.data.health
        ):
            metadata_down = True
        for folder in lidarr.status.data.root_folders:
            if folder.free_bytes is not None:
                free[f"the music folder {folder.path}"] = folder.free_bytes

    kinds = {backend.ref.kind for backend in runtime.backends.values()}
    now = dt_util.utcnow()
    unscanned = [_unscanned(runtime, r, now) for r in runtime.requests.store.in_flight()]
    navidrome = next(iter(runtime.of_type(NavidromeRuntime)), None)
    not_scanned: dict[str, int] | None = None
    if navidrome is not None and (None not in unscanned or True in unscanned):
        not_scanned = {navidrome.ref.title: sum(u is True for u in unscanned)}
    return StackObservation(
        vpn_running=vpn_running,
        vpn_leak=vpn_leak,
        forwarded_port=forwarded,
        listen_ports=_known_if(
            listen,
            len(listen) == len(clients),
            bool(forwarded) and any(port != forwarded for port in listen.values()),
        ),
        stalled_downloads=_known_if(stalled, stalled_read, any(stalled.values())),
        indexers_enabled=enabled,
        indexers_failing=failing,
        import_blocked=blocked,
        import_messages=messages,
        metadata_down=metadata_down,
        free_disk=_known_if(free, free_read, any(v < DISK_FULL_BYTES for v in free.values())),
        not_scanned=not_scanned,
        not_applicable=not_applicable(kinds),
    )


def _unscanned(runtime: StackRuntimeData, request: TrackedRequest, now: datetime) -> bool | None:
    """Whether Navidrome has not listed the import, nor scans (None: scan status unknown).

    Only after :data:`NOT_SCANNED_AFTER` of waiting.
    The tracking asks Navidrome for the album at every poll (``search3``) and keeps the
    request at ``importing`` until it is listed or a scan since has ended: a request still
    waiting (:meth:`LibraryScan.waiting_since`) is one Navidrome does not list.
    """
    since = runtime.requests.scan.waiting_since(request.request_id)
    if request.stage is not Stage.IMPORTING or since is None or now - since < NOT_SCANNED_AFTER:
        return False
    navidrome = runtime.requests.scan.navidrome
    if navidrome is None:
        return False
    if not navidrome.status.fresh:
        return None
    return not navidrome.status.data.scanning


def _known_if(read: dict[str, int], complete: bool, holds: bool) -> dict[str, int] | None:
    """``read`` when it decides the cause (it holds, or nothing is missing), else unknown.

    The exporter's rule (``exporter/.../diagnosis.py``): a full disk read is a full disk even
    when another place could not be read.
    """
    return read if complete or holds else None


def stack_diagnosis(runtime: StackRuntimeData) -> Diagnosis:
    """The stack's diagnosis from the coordinators' current data."""
    return diagnose(observe(runtime))


def blocked_state(diagnosis: Diagnosis) -> str:
    """The "Music blocked by" state: the cause, ``none`` when clear, else ``unknown``."""
    if diagnosis.cause is not None:
        return diagnosis.cause.value
    return "none" if diagnosis.status is DiagnosisStatus.CLEAR else UNKNOWN


@dataclass(frozen=True, slots=True, kw_only=True)
class WaitingFor:
    """Why one request does not progress: the cause and what to do, fit to be spoken."""

    cause: str
    """A :class:`Cause` value, or ``unknown``."""
    text: str
    fix: str | None = None

    @property
    def speech(self) -> str:
        """What holds the request back, then what to do."""
        return f"{self.text} {self.fix}" if self.fix else self.text

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (attributes, event data, action responses)."""
        return {"cause": self.cause, "text": self.text, "fix": self.fix}


def _holder(runtime: StackRuntimeData, info_hash: str | None) -> str | None:
    """The download client that holds the torrent ``info_hash`` unfinished, by title."""
    if info_hash is None:
        return None
    for client in runtime.of_type(DownloadClientRuntime):
        coordinator = client.coordinator
        if coordinator.fresh and info_hash in coordinator.data.music_states:
            return client.ref.title
    return None


def _not_progressing(request: TrackedRequest, now: datetime) -> bool:
    if request.stage is Stage.DOWNLOADING:
        if request.download_state is TorrentBucket.PAUSED:
            return False  # paused on purpose: nothing in the stack holds it back
        return (
            request.download_state is TorrentBucket.STALLED
            or now - request.progress_changed_at >= DOWNLOAD_SLOW
        )
    if request.stage is Stage.IMPORTING:
        return now - request.stage_changed_at >= IMPORT_SLOW
    return now - request.stage_changed_at >= SEARCH_SLOW


def waiting_for(
    runtime: StackRuntimeData,
    request: TrackedRequest,
    *,
    observation: StackObservation | None = None,
    now: datetime | None = None,
) -> WaitingFor | None:
    """What holds ``request`` back, or None while it progresses (or is finished).

    A search is diagnosed at once when every indexer fails (nothing can be found), else
    after :data:`SEARCH_SLOW`; a download when its torrent is stalled or has not moved for
    :data:`DOWNLOAD_SLOW`; an import after :data:`IMPORT_SLOW`.
    """
    relevant = STAGE_CAUSES.get(request.stage)
    if relevant is None:
        return None
    if request.route is Route.DOWNLOAD_CLIENT or request.torrent_hash is not None:
        relevant -= {Cause.INDEXERS_FAILING}  # a link (its hash known from the start): no search
    if request.route is not Route.LIDARR:
        relevant -= {Cause.METADATA_DOWN}  # only Lidarr looks albums up on its metadata server
    obs = observation if observation is not None else observe(runtime)
    if request.stage is Stage.IMPORTING and obs.not_scanned is not None:
        unscanned = _unscanned(runtime, request, now or dt_util.utcnow())
        obs = replace(obs, not_scanned={name: int(bool(unscanned)) for name in obs.not_scanned})
    if request.stage is Stage.DOWNLOADING and request.download_state is TorrentBucket.STALLED:
        holder = _holder(runtime, request.torrent_hash) or "Lidarr's download client"
        obs = replace(obs, stalled_downloads={holder: 1})
    elif request.stage is Stage.DOWNLOADING:
        obs = replace(obs, stalled_downloads={})  # moving or not, no peer is missing for it
    irrelevant = frozenset(Cause) - relevant
    diagnosis = diagnose(replace(obs, not_applicable=obs.not_applicable | irrelevant))
    finding = diagnosis.finding
    if finding is not None:
        return WaitingFor(cause=finding.cause.value, text=finding.text, fix=finding.fix)
    if not _not_progressing(request, now or dt_util.utcnow()):
        return None
    if diagnosis.status is DiagnosisStatus.UNKNOWN:
        return WaitingFor(cause=UNKNOWN, text=diagnosis.speech)
    return WaitingFor(cause=UNKNOWN, text=_NOTHING_FOUND[request.stage])


_NOTHING_FOUND: dict[Stage, str] = {
    Stage.REQUESTED: "It has not been searched for yet, and nothing in the stack blocks it.",
    Stage.SEARCHING: (
        "Lidarr is still searching: the indexers answer, but no release was grabbed yet."
    ),
    Stage.DOWNLOADING: (
        "Its download is not moving, and the VPN, the peers and the disks look fine."
    ),
    Stage.IMPORTING: (
        "Lidarr has not imported it yet, and neither its queue nor the disks show a problem."
    ),
}


def request_dict(
    runtime: StackRuntimeData,
    request: TrackedRequest,
    observation: StackObservation | None = None,
) -> dict[str, Any]:
    """``request.as_dict()`` with its ``waiting_for`` (None while it progresses)."""
    waiting = waiting_for(runtime, request, observation=observation)
    return request.as_dict() | {"waiting_for": waiting.as_dict() if waiting else None}


def diagnostics(runtime: StackRuntimeData) -> dict[str, Any]:
    """The diagnosis for the diagnostics download (no secret: names, counts, texts)."""
    obs = observe(runtime)
    diagnosis = diagnose(obs)
    return {
        "state": blocked_state(diagnosis),
        "speech": diagnosis.speech,
        "holding": [c.value for c in diagnosis.holding],
        "unread": [c.value for c in diagnosis.unread],
        "not_applicable": sorted(c.value for c in obs.not_applicable),
        "waiting_for": {
            request.request_id: waiting.as_dict()
            for request in runtime.requests.store.in_flight()
            if (waiting := waiting_for(runtime, request, observation=obs)) is not None
        },
    }
