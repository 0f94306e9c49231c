"""``stepheybot_music_blocked``: the client library's diagnosis, from one scrape's samples.

The exporter reads nothing more for it: the observation is built from the samples the
collectors wrote in this scrape (and what they told each other), and
:func:`stepheybot_music_clients.diagnosis.diagnose` names the cause, as it does for Home
Assistant. A backend that failed in this scrape leaves its facts unknown, so their causes
are absent from the metric rather than 0.

``not_scanned`` (Navidrome has not listed an album Lidarr imported ten minutes ago) is never
exported: it needs to know which album each request waits for and since when, which Home
Assistant's request tracking knows and one scrape does not. Comparing Navidrome's last scan
with Lidarr's last import would need Lidarr's history on every scrape, and still could not
tell an album Navidrome listed without a full scan (its watcher) from one it missed.
"""

from __future__ import annotations

from collections.abc import Mapping

from stepheybot_music_clients.diagnosis import (
    CHAIN,
    DISK_FULL_BYTES,
    Cause,
    Diagnosis,
    StackObservation,
    diagnose,
    not_applicable,
)
from stepheybot_music_clients.models import BackendKind
from stepheybot_music_clients.stackfile import StackConfig

from . import metrics as m
from .collectors.base import Facts

DOWNLOAD_CLIENTS = frozenset({BackendKind.QBITTORRENT, BackendKind.TRANSMISSION})
INDEXER_MANAGERS = frozenset({BackendKind.JACKETT, BackendKind.PROWLARR})
NOT_EXPORTED = frozenset({Cause.NOT_SCANNED})
"""Causes one scrape cannot tell (module doc): skipped, and absent from the metric."""


def _names(stack: StackConfig, kinds: frozenset[BackendKind]) -> list[str]:
    return [b.name for b in stack.backends if b.kind in kinds]


def _up(samples: m.Samples, name: str) -> bool:
    return samples.get(m.BACKEND_UP, backend=name) == 1


def _per_client(
    samples: m.Samples, metric: m.MetricDef, clients: list[str], **labels: str
) -> tuple[dict[str, int], bool]:
    """The value of ``metric`` for each client that has it, and whether every client has it."""
    read: dict[str, int] = {}
    for client in clients:
        value = samples.get(metric, client=client, **labels) if _up(samples, client) else None
        if value is not None:
            read[client] = int(value)
    return read, len(read) == len(clients)


def _known_if[T: Mapping[str, int]](read: T, complete: bool, holds: bool) -> T | None:
    """``read`` when it decides the cause (it holds, or nothing is missing), else unknown."""
    return read if complete or holds else None


def observe(
    stack: StackConfig, samples: m.Samples, facts: Facts, *, disk_full_bytes: int = DISK_FULL_BYTES
) -> StackObservation:
    """What this scrape knows about ``stack``, for :func:`diagnose`."""
    gluetuns = _names(stack, frozenset({BackendKind.GLUETUN}))
    clients = _names(stack, DOWNLOAD_CLIENTS)
    managers = _names(stack, INDEXER_MANAGERS)
    lidarrs = _names(stack, frozenset({BackendKind.LIDARR}))
    gluetun_up = all(_up(samples, name) for name in gluetuns)

    vpn_up = samples.get(m.VPN_UP) if gluetun_up else None
    leak = samples.get(m.VPN_LEAK)
    forwarded = samples.get(m.VPN_FORWARDED_PORT) if gluetun_up else None

    stalled, all_stalled = _per_client(samples, m.DOWNLOADS, clients, state="stalled")
    listen = {name: port for name, port in facts.listen_ports.items() if name in clients}

    enabled = failing = 0
    managers_read = True
    for name in managers:
        got_enabled = samples.get(m.INDEXERS_ENABLED, backend=name) if _up(samples, name) else None
        got_failing = samples.get(m.INDEXERS_FAILING, backend=name) if _up(samples, name) else None
        if got_enabled is None or got_failing is None:
            managers_read = False
            continue
        enabled += int(got_enabled)
        failing += int(got_failing)

    lidarr_read = all(_up(samples, name) for name in lidarrs)
    blocked = samples.get(m.LIDARR_IMPORT_BLOCKED) if lidarr_read else None
    metadata_down = samples.get(m.LIDARR_METADATA_DOWN) if lidarr_read else None

    free, all_free = _per_client(samples, m.DOWNLOAD_FREE_DISK, clients)
    places = {f"{client}'s download folder": value for client, value in free.items()}
    if lidarr_read:
        for (path,), value in samples.series(m.LIDARR_ROOT_FOLDER_FREE).items():
            places[f"the music folder {path}"] = int(value)

    return StackObservation(
        vpn_running=None if vpn_up is None else vpn_up == 1,
        vpn_leak=None if leak is None else leak == 1,
        forwarded_port=None if forwarded is None else int(forwarded),
        listen_ports=_known_if(
            listen,
            len(listen) == len(clients),
            bool(forwarded) and any(port != forwarded for port in listen.values()),
        ),
        stalled_downloads=_known_if(stalled, all_stalled, any(stalled.values())),
        indexers_enabled=enabled if managers_read else None,
        indexers_failing=failing if managers_read else None,
        import_blocked=None if blocked is None else int(blocked),
        metadata_down=None if metadata_down is None else metadata_down == 1,
        free_disk=_known_if(
            places,
            all_free and lidarr_read,
            any(v < disk_full_bytes for v in places.values()),
        ),
        not_applicable=not_applicable({b.kind for b in stack.backends}) | NOT_EXPORTED,
    )


def add_blocked(samples: m.Samples, diagnosis: Diagnosis) -> None:
    """``stepheybot_music_blocked``: 1 for the finding's cause, 0 for the others, unread absent."""
    for cause in CHAIN:
        if cause in NOT_EXPORTED:
            continue
        state = diagnosis.state_of(cause)
        if state is not None:
            samples.add(m.BLOCKED, 1 if state else 0, cause=cause.value)


def diagnose_scrape(
    stack: StackConfig, samples: m.Samples, facts: Facts, *, disk_full_bytes: int = DISK_FULL_BYTES
) -> Diagnosis:
    """Diagnose the stack from this scrape and add ``stepheybot_music_blocked`` to it."""
    diagnosis = diagnose(
        observe(stack, samples, facts, disk_full_bytes=disk_full_bytes),
        disk_full_bytes=disk_full_bytes,
    )
    add_blocked(samples, diagnosis)
    return diagnosis
