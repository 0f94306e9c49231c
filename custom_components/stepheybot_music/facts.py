"""What voice (``intents.py``) and LLM tools (``llm.py``) read from a loaded stack.

Everything here comes from the coordinators' last poll and the request store: nothing
polls a backend. When a fact cannot be known (no such backend, or it is down) a
:class:`FactError` carries one short English sentence that says why and what to do.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant

from .const import DOMAIN
from .coordinators.base import StackCoordinator
from .coordinators.download_client import BUCKETS, DownloadClientRuntime, TorrentBucket
from .coordinators.gluetun import GluetunRuntime
from .coordinators.lidarr import LidarrRuntime
from .coordinators.music_brain import MusicBrainRuntime
from .coordinators.navidrome import NavidromeRuntime
from .runtime import StepheyBotConfigEntry
from .tracking.models import Stage, TrackedRequest


class FactError(Exception):
    """A fact that cannot be told; ``message`` is one spoken English sentence."""

    def __init__(self, message: str) -> None:
        """Carry ``message`` (safe to show: never a secret)."""
        super().__init__(message)
        self.message = message


# --------------------------------------------------------------------------- words


NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
"""How a voice says a count under ten; from ten on, digits read as well as words."""


def spoken_number(count: int) -> str:
    """``three``, ``12``: a count as an answer says it (words under ten, as style guides do)."""
    return NUMBER_WORDS[count] if 0 <= count < len(NUMBER_WORDS) else str(count)


def plural(count: int, noun: str, *, none: str = "no") -> str:
    """``no albums``, ``one album``, ``two albums``, ``412 albums``."""
    if count == 0:
        return f"{none} {noun}s"
    number = spoken_number(count)
    return f"{number} {noun}" if count == 1 else f"{number} {noun}s"


def capitalized(text: str) -> str:
    """``text`` with its first letter upper case: a count that opens a sentence."""
    return text[:1].upper() + text[1:]


def join_words(words: Sequence[str], conjunction: str = "and") -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


def sentence(text: str) -> str:
    """``text`` ending as a sentence (Home Assistant drops a translated error's full stop)."""
    return text if text.endswith((".", "!", "?")) else f"{text}."


def is_are(count: int) -> str:
    """The verb that agrees with ``count``."""
    return "is" if count == 1 else "are"


def spoken_title(artist: str, album: str | None) -> str:
    """``Album by Artist`` (or the artist alone): how a request is said aloud."""
    return f"{album} by {artist}" if album else artist


STAGE_WORDS = {
    Stage.REQUESTED: "requested",
    Stage.SEARCHING: "searching",
    Stage.DOWNLOADING: "downloading",
    Stage.IMPORTING: "importing",
    Stage.IN_LIBRARY: "in your library",
    Stage.FAILED: "failed",
}


DOWNLOAD_STATE_WORDS = {
    TorrentBucket.DOWNLOADING: "downloading",
    TorrentBucket.STALLED: "stalled",
    TorrentBucket.PAUSED: "paused",
    TorrentBucket.QUEUED: "queued",
    TorrentBucket.CHECKING: "being checked",
    TorrentBucket.ERRORED: "in error",
    TorrentBucket.SEEDING: "seeding",
}
"""How a download client's state of a torrent is said aloud."""


def spoken_stage(request: TrackedRequest) -> str:
    """``downloading, 45 percent``, ``stalled, 0 percent``, ``failed, nothing found``."""
    words = STAGE_WORDS[request.stage]
    if request.stage is Stage.DOWNLOADING and request.download_state is not None:
        words = DOWNLOAD_STATE_WORDS[request.download_state]
    if request.stage is Stage.DOWNLOADING and request.progress is not None:
        return f"{words}, {round(request.progress * 100)} percent"
    if request.stage is Stage.FAILED and request.failure is not None:
        return f"{words}, {request.failure.value.replace('_', ' ')}"
    return words


# --------------------------------------------------------------------------- stacks


def _name_key(name: str) -> str:
    """A stack name as said aloud: case, punctuation, ``the`` and ``stack`` ignored."""
    words = re.sub(r"[^\w\s]", " ", name.casefold()).split()
    if words and words[0] in ("the", "my"):
        words = words[1:]
    if words and words[-1] == "stack":
        words = words[:-1]
    return " ".join(words)


def pick_stack(hass: HomeAssistant, name: str | None = None) -> StepheyBotConfigEntry:
    """The loaded stack called ``name``, or the only loaded one when no name is given."""
    entries: list[StepheyBotConfigEntry] = hass.config_entries.async_entries(DOMAIN)
    loaded = [entry for entry in entries if entry.state is ConfigEntryState.LOADED]
    titles = join_words([entry.title for entry in loaded], "or")
    if name:
        key = _name_key(name)
        named = [e for e in entries if key in (_name_key(e.title), e.entry_id.casefold())]
        for entry in named:
            if entry.state is ConfigEntryState.LOADED:
                return entry
        if named:
            raise _not_running(named[0])
        if loaded:
            raise FactError(f"I don't know a music stack called {name}. Say {titles}.")
    if not loaded:
        if entries:
            raise _not_running(entries[0])
        raise FactError("No music stack is set up. Add StepheyBot Music first.")
    if len(loaded) > 1:
        raise FactError(
            f"You have {len(loaded)} music stacks: {titles}. "
            f"Say which one, for example: on the {loaded[0].title} stack."
        )
    return loaded[0]


def _not_running(entry: StepheyBotConfigEntry) -> FactError:
    return FactError(
        f"The music stack {entry.title} is not running: none of its backends answers. "
        "Check that they are up."
    )


def stack_titles(hass: HomeAssistant) -> list[str]:
    """The titles of the loaded stacks."""
    return [
        entry.title
        for entry in hass.config_entries.async_entries(DOMAIN)
        if entry.state is ConfigEntryState.LOADED
    ]


def _fresh(coordinator: StackCoordinator[Any]) -> bool:
    """Whether the last poll succeeded, produced data, and is recent (not a stale figure)."""
    return coordinator.fresh


def _refuses_credentials(title: str) -> str:
    return f"{title} refuses its credentials (reauthenticate it)"


def _not_answering(titles: Iterable[str]) -> str:
    names = sorted(set(titles))
    return f"{join_words(names)} {is_are(len(names))} not answering"


# --------------------------------------------------------------------------- library


@dataclass(frozen=True, slots=True, kw_only=True)
class LibraryCounts:
    """How many artists, albums and songs the library holds, and who counted them."""

    artists: int
    """Album artists: Navidrome's and the Music Brain's (which counts Subsonic ``getArtists``)
    count the artists credited as album artist; Lidarr's, the artists it manages (album
    artists too, with or without files on disk)."""
    albums: int
    songs: int
    source: str
    """The title of the backend the numbers come from."""

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "artists": self.artists,
            "albums": self.albums,
            "songs": self.songs,
            "source": self.source,
        }


def library_counts(entry: StepheyBotConfigEntry) -> LibraryCounts:
    """From Navidrome, else the Music Brain, else Lidarr: the first with real numbers."""
    runtime = entry.runtime_data
    down: list[str] = []
    reasons: list[str] = []
    for navidrome in runtime.of_type(NavidromeRuntime):
        if _fresh(navidrome.library):
            totals = navidrome.library.data
            return LibraryCounts(
                artists=totals.artists,
                albums=totals.albums,
                songs=totals.songs,
                source=navidrome.ref.title,
            )
        if navidrome.awaiting_reauth:
            reasons.append(_refuses_credentials(navidrome.ref.title))
        else:
            down.append(navidrome.ref.title)
    for brain in runtime.of_type(MusicBrainRuntime):
        if not _fresh(brain.library):
            down.append(brain.ref.title)
            continue
        stats = brain.library.data
        if stats.total_artists is None or stats.total_albums is None or stats.total_tracks is None:
            reasons.append(f"{brain.ref.title} cannot reach Navidrome")
            continue
        return LibraryCounts(
            artists=stats.total_artists,
            albums=stats.total_albums,
            songs=stats.total_tracks,
            source=brain.ref.title,
        )
    for lidarr in runtime.of_type(LidarrRuntime):
        if _fresh(lidarr.library):
            lidarr_stats = lidarr.library.data
            return LibraryCounts(
                artists=lidarr_stats.artists,
                albums=lidarr_stats.albums,
                songs=lidarr_stats.track_files,
                source=lidarr.ref.title,
            )
        if lidarr.awaiting_reauth:
            reasons.append(_refuses_credentials(lidarr.ref.title))
        else:
            down.append(lidarr.ref.title)
    if down:
        reasons.insert(0, _not_answering(down))
    if not reasons:
        raise FactError(
            f"{entry.title} has no library to count: add Navidrome, the Music Brain or Lidarr."
        )
    raise FactError(f"{join_words(reasons)}, so I can't count your library right now.")


# --------------------------------------------------------------------------- VPN


@dataclass(frozen=True, slots=True, kw_only=True)
class VpnState:
    """One VPN (gluetun backend) as last polled."""

    name: str
    reachable: bool
    connected: bool
    status: str | None
    """gluetun's status (``running``, ``stopped``, ...), None when unreachable."""
    country: str | None
    forwarded_port: int | None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (no public IP: the model does not need it)."""
        return {
            "name": self.name,
            "reachable": self.reachable,
            "connected": self.connected,
            "status": self.status,
            "country": self.country,
            "forwarded_port": self.forwarded_port,
        }


def vpn_states(entry: StepheyBotConfigEntry) -> list[VpnState]:
    """Every gluetun backend of the stack; raises when there is none."""
    states: list[VpnState] = []
    for gluetun in entry.runtime_data.of_type(GluetunRuntime):
        coordinator = gluetun.coordinator
        if not _fresh(coordinator):
            states.append(
                VpnState(
                    name=gluetun.ref.title,
                    reachable=False,
                    connected=False,
                    status=None,
                    country=None,
                    forwarded_port=None,
                )
            )
            continue
        data = coordinator.data
        states.append(
            VpnState(
                name=gluetun.ref.title,
                reachable=True,
                connected=data.connected,
                status=data.status.value,
                country=data.country if data.connected else None,
                forwarded_port=data.forwarded_port if data.connected else None,
            )
        )
    if not states:
        raise FactError(f"{entry.title} has no VPN configured: add gluetun to watch it.")
    return states


# --------------------------------------------------------------------------- downloads


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientDownloads:
    """What one download client or Lidarr's queue shows."""

    name: str
    reachable: bool
    active: int
    """Music torrents still downloading (download clients) or queue items (Lidarr)."""
    download_rate: int | None
    """Bytes/s of the whole client; None for Lidarr."""
    states: dict[TorrentBucket, int] = field(default_factory=dict)
    """Download clients: the unfinished music torrents by state (paused ones included)."""

    @property
    def unfinished(self) -> int:
        """Music torrents not complete (download clients), or queue items (Lidarr)."""
        return sum(self.states.values()) if self.download_rate is not None else self.active

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "name": self.name,
            "reachable": self.reachable,
            "active": self.active,
            "states": {state.value: count for state, count in self.states.items()},
            "download_rate": self.download_rate,
        }

    def spoken(self) -> str:
        """``qBittorrent has 2 music downloads, both stalled.``, ``Lidarr has 1 album ...``."""
        if self.download_rate is None:
            return f"{self.name} has {plural(self.active, 'album')} in its queue."
        count = self.unfinished
        said = f"{self.name} has {plural(count, 'music download')}"
        if set(self.states) == {TorrentBucket.DOWNLOADING}:
            return f"{said} running."
        if len(self.states) == 1:
            (state,) = self.states
            every = "" if count == 1 else "both " if count == 2 else "all "
            return f"{said}, {every}{DOWNLOAD_STATE_WORDS[state]}."
        parts = [
            f"{spoken_number(n)} {DOWNLOAD_STATE_WORDS[state]}"
            for state in TorrentBucket
            if (n := self.states.get(state, 0))
        ]
        return f"{said}: {join_words(parts)}."


def client_downloads(entry: StepheyBotConfigEntry) -> list[ClientDownloads]:
    """Each download client's active music torrents and each Lidarr's queue."""
    found: list[ClientDownloads] = []
    for client in entry.runtime_data.of_type(DownloadClientRuntime):
        data = client.coordinator.data if _fresh(client.coordinator) else None
        states: dict[TorrentBucket, int] = {}
        for state in data.music_states.values() if data is not None else ():
            if (bucket := BUCKETS.get(state)) is not None:
                states[bucket] = states.get(bucket, 0) + 1
        found.append(
            ClientDownloads(
                name=client.ref.title,
                reachable=data is not None,
                active=data.music_active if data is not None else 0,
                download_rate=data.download_rate if data is not None else None,
                states=states,
            )
        )
    for lidarr in entry.runtime_data.of_type(LidarrRuntime):
        queue = lidarr.queue.data if _fresh(lidarr.queue) else None
        found.append(
            ClientDownloads(
                name=lidarr.ref.title,
                reachable=queue is not None,
                active=queue.total_count if queue is not None else 0,
                download_rate=None,
            )
        )
    return found


# --------------------------------------------------------------------------- requests


def recent_requests(entry: StepheyBotConfigEntry) -> list[TrackedRequest]:
    """Every request of the stack, newest first."""
    return entry.runtime_data.requests.store.all()


def in_flight_requests(entry: StepheyBotConfigEntry) -> list[TrackedRequest]:
    """Requests not yet in the library nor failed, newest first."""
    return entry.runtime_data.requests.store.in_flight()


def request_summary(request: TrackedRequest) -> dict[str, Any]:
    """A request in a few JSON fields (no backend ids)."""
    return {
        "request_id": request.request_id,
        "artist": request.artist,
        "album": request.album,
        "kind": request.kind.value,
        "stage": request.stage.value,
        "progress": request.progress,
        "download_state": request.download_state.value if request.download_state else None,
        "failure": request.failure.value if request.failure else None,
        "message": request.message,
        "requested_at": request.created_at.isoformat(),
        "source": request.source,
    }
