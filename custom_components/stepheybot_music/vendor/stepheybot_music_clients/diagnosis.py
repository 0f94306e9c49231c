"""Why music is not arriving: one chain of causes, one answer, for every front end.

When an album does not arrive, the cause shows in a different application each time: the VPN
dropped or leaks, the download client listens on a port the VPN does not forward, no peer
sends anything, every indexer fails, Lidarr blocked the import, Lidarr's metadata server is
down, the disk is full, the music server did not scan what Lidarr imported. Home
Assistant (request attributes, repairs, Assist) and the exporter (``stepheybot_music_blocked``)
both build a :class:`StackObservation` from what they already read and call :func:`diagnose`,
so they name the same cause with the same words (issue 21).

The causes form a chain (:data:`CHAIN`): the first one that holds is the answer, since the
later ones are often its consequences (no peers connect while the port is wrong). What was not
read is *unknown*, never clear: a stack whose VPN could not be read is not reported as fine.
Every text is fit to be spoken (no URLs), and every finding says what to do.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum

from stepheybot_music_clients.models import BackendKind

__all__ = [
    "CHAIN",
    "DISK_FULL_BYTES",
    "METADATA_NOTICE_SOURCE",
    "Cause",
    "Diagnosis",
    "DiagnosisStatus",
    "Finding",
    "StackObservation",
    "diagnose",
    "metadata_outage",
    "not_applicable",
    "spoken",
]

DISK_FULL_BYTES = 1024**3
"""Free space under which a disk counts as full: about two lossless albums, in bytes."""


class Cause(StrEnum):
    """Why music is not arriving; the values are the exporter's ``cause`` labels."""

    VPN_DOWN = "vpn_down"
    VPN_LEAK = "vpn_leak"
    PORT_MISMATCH = "port_mismatch"
    NO_PEERS = "no_peers"
    INDEXERS_FAILING = "indexers_failing"
    IMPORT_BLOCKED = "import_blocked"
    METADATA_DOWN = "metadata_down"
    DISK_FULL = "disk_full"
    NOT_SCANNED = "not_scanned"


CHAIN: tuple[Cause, ...] = tuple(Cause)
"""The causes in the order they are checked: the first that holds is the answer."""


class DiagnosisStatus(StrEnum):
    """The verdict of one diagnosis."""

    BLOCKED = "blocked"
    """A cause holds (:attr:`Diagnosis.finding`)."""
    CLEAR = "clear"
    """Every cause was checked and none holds."""
    UNKNOWN = "unknown"
    """No cause holds among those read, but some could not be read."""


@dataclass(frozen=True, slots=True, kw_only=True)
class StackObservation:
    """What is known about the stack now; ``None`` means not known (never "fine").

    Names of clients and places are the ones the person sees (``"qBittorrent"``,
    ``"the music folder /music"``); they are spoken as they are.
    """

    vpn_running: bool | None = None
    """gluetun reports the tunnel as running."""
    vpn_leak: bool | None = None
    """A download client reports a public address that is not the VPN's."""
    forwarded_port: int | None = None
    """The port the VPN forwards; 0 when it forwards none (then no port can mismatch)."""
    listen_ports: Mapping[str, int] | None = None
    """Each download client's listen port (peer port), by client name."""
    stalled_downloads: Mapping[str, int] | None = None
    """Per client, the music downloads that are not complete and receive nothing."""
    indexers_enabled: int | None = None
    """Indexers Jackett or Prowlarr would query now."""
    indexers_failing: int | None = None
    """Of those, the ones failing now."""
    import_blocked: int | None = None
    """Lidarr queue items whose import is blocked or failed (``importBlocked``/``importFailed``)."""
    import_messages: tuple[str, ...] = ()
    """Lidarr's status messages of those items, the first ones first."""
    metadata_down: bool | None = None
    """Lidarr's health says its metadata server is down (:func:`metadata_outage`)."""
    free_disk: Mapping[str, int] | None = None
    """Free bytes by place (a download client's save path, a Lidarr root folder)."""
    not_scanned: Mapping[str, int] | None = None
    """Per music server, the imported albums it has not listed for a while and is not scanning
    for (only a front end that follows requests can tell: Home Assistant)."""
    not_applicable: frozenset[Cause] = frozenset()
    """Causes this stack cannot have: no gluetun (VPN and port causes), no indexer manager."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """One cause that holds: what is wrong and what to do, both fit to be spoken."""

    cause: Cause
    text: str
    """What is wrong, e.g. "qBittorrent listens on port 6881, not on 51413, ..."."""
    fix: str
    """What to do about it."""
    action: str | None = None
    """The action that fixes it when one exists (``sync_forwarded_port``)."""

    @property
    def speech(self) -> str:
        """The finding as one answer: what is wrong, then what to do."""
        return f"{self.text} {self.fix}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Diagnosis:
    """The answer for one stack: the first cause that holds, and what could not be checked."""

    finding: Finding | None
    holding: tuple[Cause, ...] = ()
    """Every cause that holds, in chain order (the finding's first)."""
    unread: tuple[Cause, ...] = ()
    """Every cause that could not be checked, in chain order."""

    @property
    def unknown(self) -> tuple[Cause, ...]:
        """The unread causes that may be the real answer: those before the finding, or all."""
        if self.finding is None:
            return self.unread
        first = CHAIN.index(self.finding.cause)
        return tuple(c for c in self.unread if CHAIN.index(c) < first)

    def state_of(self, cause: Cause) -> bool | None:
        """Whether ``cause`` is the one blocking music (True), not (False), or unknown (None).

        Only the finding's cause is True; a later cause that also holds is False, since the
        finding is what to fix first. Unread causes are None, never False.
        """
        if cause in self.unread:
            return None
        return cause is self.cause

    @property
    def cause(self) -> Cause | None:
        """The cause that blocks music, None when none is known to."""
        return self.finding.cause if self.finding is not None else None

    @property
    def status(self) -> DiagnosisStatus:
        """Blocked, clear (everything checked, nothing holds) or unknown."""
        if self.finding is not None:
            return DiagnosisStatus.BLOCKED
        return DiagnosisStatus.UNKNOWN if self.unknown else DiagnosisStatus.CLEAR

    @property
    def speech(self) -> str:
        """One spoken answer to "why is my music not arriving?"."""
        if self.finding is not None:
            return self.finding.speech
        if self.unknown:
            return (
                "I cannot tell yet: "
                + _join([_UNKNOWN_WHAT[c] for c in dict.fromkeys(self.unknown)])
                + " could not be read. Check that those applications are reachable."
            )
        return (
            "Nothing is blocking music: the VPN, the download clients, the indexers, "
            "Lidarr's imports, its metadata server, the disks and the music server's scans "
            "look fine."
        )


_DOWNLOAD_CLIENTS = frozenset({BackendKind.QBITTORRENT, BackendKind.TRANSMISSION})
_INDEXER_MANAGERS = frozenset({BackendKind.JACKETT, BackendKind.PROWLARR})


def not_applicable(kinds: Collection[BackendKind]) -> frozenset[Cause]:
    """The causes a stack made of backends of ``kinds`` cannot have.

    No gluetun: no VPN nor port cause; no download client: no leak, port or peers; no
    Jackett or Prowlarr: no indexer cause; no Lidarr: no blocked import nor metadata server;
    neither a download client nor Lidarr: no disk to fill; no Navidrome: no scan to miss.
    """
    present = set(kinds)
    out: set[Cause] = set()
    if BackendKind.GLUETUN not in present:
        out |= {Cause.VPN_DOWN, Cause.VPN_LEAK, Cause.PORT_MISMATCH}
    if not present & _DOWNLOAD_CLIENTS:
        out |= {Cause.VPN_LEAK, Cause.PORT_MISMATCH, Cause.NO_PEERS}
    if not present & _INDEXER_MANAGERS:
        out.add(Cause.INDEXERS_FAILING)
    if BackendKind.LIDARR not in present:
        out |= {Cause.IMPORT_BLOCKED, Cause.METADATA_DOWN}
    if not present & (_DOWNLOAD_CLIENTS | {BackendKind.LIDARR}):
        out.add(Cause.DISK_FULL)
    if BackendKind.NAVIDROME not in present:
        out.add(Cause.NOT_SCANNED)
    return frozenset(out)


METADATA_NOTICE_SOURCE = "ServerSideNotificationService"
"""The only health check through which Lidarr reports its metadata server being down.

Lidarr v2.14.5.4824 has no health check of its own for the metadata server (LidarrAPI, read
by ``MetadataSource/SkyHook/SkyHookProxy.cs``): its failures surface only as errors of the
search or refresh that hit them. What ``/api/v1/health`` can carry is the notice the Lidarr
team publishes through Servarr's services, relayed as a health item by
``HealthCheck/ServerSideNotificationService.cs`` (same tag), which is how an outage of the
metadata server is announced to every install.
"""

_METADATA_WORDS = re.compile(r"\bmetadata\b|\blidarrapi\b|\bskyhook\b", re.IGNORECASE)


def metadata_outage(source: str, message: str, *, problem: bool = True) -> bool:
    """Whether one health item (``source``, ``message``) says the metadata server is down.

    ``problem`` is whether the item is a warning or an error (a notice is not an outage).
    Only :data:`METADATA_NOTICE_SOURCE`'s items that name the metadata server count: that
    check also relays unrelated notices (a version to update, say).
    """
    return problem and source == METADATA_NOTICE_SOURCE and bool(_METADATA_WORDS.search(message))


_URL = re.compile(r"\b(?:[a-z][a-z0-9+.-]*://|www\.)\S+", re.IGNORECASE)


def spoken(text: str) -> str:
    """``text`` without URLs, so it can be spoken (Assist) or shown in a repair."""
    return re.sub(r"\s{2,}", " ", _URL.sub("", text)).strip()


def _join(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


_UNKNOWN_WHAT: dict[Cause, str] = {
    Cause.VPN_DOWN: "the VPN's status",
    Cause.VPN_LEAK: "the download clients' public address",
    Cause.PORT_MISMATCH: "the forwarded and listen ports",
    Cause.NO_PEERS: "the downloads",
    Cause.INDEXERS_FAILING: "the indexers",
    Cause.IMPORT_BLOCKED: "Lidarr's queue",
    Cause.METADATA_DOWN: "Lidarr's health",
    Cause.DISK_FULL: "the free disk space",
    Cause.NOT_SCANNED: "the music server's scans",
}

type _Check = Callable[[StackObservation, int], Finding | bool | None]
"""A check returns a Finding when its cause holds, False when it is clear, None when unknown."""


def _vpn_down(obs: StackObservation, _: int) -> Finding | bool | None:
    if obs.vpn_running is None:
        return None
    if obs.vpn_running:
        return False
    return Finding(
        cause=Cause.VPN_DOWN,
        text="The VPN is down, so the download clients get nothing.",
        fix="Restart the gluetun container and check its log for the VPN provider's error.",
    )


def _vpn_leak(obs: StackObservation, _: int) -> Finding | bool | None:
    if obs.vpn_leak is None:
        return None
    if not obs.vpn_leak:
        return False
    return Finding(
        cause=Cause.VPN_LEAK,
        text="A download client's traffic does not go through the VPN.",
        fix=(
            "Stop the download client, then give its container gluetun's network "
            "(network mode service gluetun) and start it again."
        ),
    )


def _port_mismatch(obs: StackObservation, _: int) -> Finding | bool | None:
    forwarded, listening = obs.forwarded_port, obs.listen_ports
    if forwarded == 0:
        return False  # the provider forwards no port: nothing to match
    if forwarded is None or listening is None:
        return None
    wrong = {name: port for name, port in listening.items() if port != forwarded}
    if not wrong:
        return False
    names = _join(list(wrong))
    ports = _join([f"{name} listens on port {port}" for name, port in wrong.items()])
    return Finding(
        cause=Cause.PORT_MISMATCH,
        text=(f"{ports}, not on {forwarded}, the port the VPN forwarded, so peers cannot connect."),
        fix=f"Sync the forwarded port, or set {names}'s listening port to {forwarded}.",
        action="sync_forwarded_port",
    )


def _no_peers(obs: StackObservation, _: int) -> Finding | bool | None:
    if obs.stalled_downloads is None:
        return None
    stalled = {name: n for name, n in obs.stalled_downloads.items() if n > 0}
    if not stalled:
        return False
    parts = [f"{name} has {_plural(n, 'download', 'downloads')}" for name, n in stalled.items()]
    return Finding(
        cause=Cause.NO_PEERS,
        text=f"{_join(parts)} that no peer sends anything for.",
        fix=(
            "Wait for seeders, or search the album again in Lidarr to grab a release with "
            "more seeders."
        ),
    )


def _indexers_failing(obs: StackObservation, _: int) -> Finding | bool | None:
    enabled, failing = obs.indexers_enabled, obs.indexers_failing
    if enabled is None or failing is None:
        return None
    if enabled == 0:
        return Finding(
            cause=Cause.INDEXERS_FAILING,
            text="No indexer is enabled, so searches find nothing.",
            fix="Enable or add an indexer in Prowlarr or Jackett.",
        )
    if failing < enabled:
        return False
    return Finding(
        cause=Cause.INDEXERS_FAILING,
        text=(
            f"Every indexer is failing ({_plural(failing, 'indexer', 'indexers')}), "
            "so searches find nothing."
        ),
        fix=(
            "Open Prowlarr or Jackett and test the indexers; a site may be down or need "
            "its login or cookie renewed."
        ),
    )


def _import_blocked(obs: StackObservation, _: int) -> Finding | bool | None:
    count = obs.import_blocked
    if count is None:
        return None
    if count == 0:
        return False
    said = " ".join(f"{spoken(m).rstrip('.')}." for m in obs.import_messages[:1] if spoken(m))
    return Finding(
        cause=Cause.IMPORT_BLOCKED,
        text=(
            f"Lidarr cannot import {_plural(count, 'finished download', 'finished downloads')}."
            + (f" It says: {said}" if said else "")
        ),
        fix="Open Lidarr's Activity queue and import it manually or remove it and search again.",
    )


def _metadata_down(obs: StackObservation, _: int) -> Finding | bool | None:
    if obs.metadata_down is None or not obs.metadata_down:
        return obs.metadata_down
    return Finding(
        cause=Cause.METADATA_DOWN,
        text=(
            "Lidarr's metadata server is down, so Lidarr cannot look up or search for new albums."
        ),
        fix=(
            "Wait for the Lidarr team to bring it back; Lidarr's System Status page says "
            "when. Requests already downloading are not affected."
        ),
    )


def _disk_full(obs: StackObservation, threshold: int) -> Finding | bool | None:
    if obs.free_disk is None:
        return None
    full = {place: free for place, free in obs.free_disk.items() if free < threshold}
    if not full:
        return False
    places = _join([f"{place} has {free / 1024**2:.0f} MB free" for place, free in full.items()])
    return Finding(
        cause=Cause.DISK_FULL,
        text=f"The disk is full: {places}.",
        fix="Free some space on that disk, or move the folder to a larger one.",
    )


def _not_scanned(obs: StackObservation, _: int) -> Finding | bool | None:
    if obs.not_scanned is None:
        return None
    waiting = {server: n for server, n in obs.not_scanned.items() if n > 0}
    if not waiting:
        return False
    parts = [
        f"{server} has not listed {_plural(n, 'imported album', 'imported albums')}"
        for server, n in waiting.items()
    ]
    servers = _join(list(waiting))
    return Finding(
        cause=Cause.NOT_SCANNED,
        text=f"{_join(parts)}, and it is not scanning the library.",
        fix=(
            f"Start a library scan of {servers}: press its Start scan button or run the "
            "start scan action."
        ),
        action="start_scan",
    )


_CHECKS: dict[Cause, _Check] = {
    Cause.VPN_DOWN: _vpn_down,
    Cause.VPN_LEAK: _vpn_leak,
    Cause.PORT_MISMATCH: _port_mismatch,
    Cause.NO_PEERS: _no_peers,
    Cause.INDEXERS_FAILING: _indexers_failing,
    Cause.IMPORT_BLOCKED: _import_blocked,
    Cause.METADATA_DOWN: _metadata_down,
    Cause.DISK_FULL: _disk_full,
    Cause.NOT_SCANNED: _not_scanned,
}


def diagnose(obs: StackObservation, *, disk_full_bytes: int = DISK_FULL_BYTES) -> Diagnosis:
    """Check every cause of :data:`CHAIN` in order; the first that holds is the finding.

    A cause of ``obs.not_applicable`` is skipped: it is neither clear nor unknown, and
    :meth:`Diagnosis.state_of` reports it as False.
    """
    findings: list[Finding] = []
    unread: list[Cause] = []
    for cause in CHAIN:
        if cause in obs.not_applicable:
            continue
        result = _CHECKS[cause](obs, disk_full_bytes)
        if result is None:
            unread.append(cause)
        elif isinstance(result, Finding):
            findings.append(result)
    return Diagnosis(
        finding=findings[0] if findings else None,
        holding=tuple(f.cause for f in findings),
        unread=tuple(unread),
    )
