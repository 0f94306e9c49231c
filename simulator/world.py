"""One shared, seeded, living state of the whole simulated stack.

Every backend facade in :mod:`simulator.backends` reads and changes this one object, so
a story plays out end to end: Lidarr adds an artist and searches, an indexer release is
grabbed into the download client (music category), it downloads at ``download_speed``
while the VPN is up, completes, is imported by Lidarr after ``import_delay`` and shows
in Navidrome's counts after the next scan. Time is :class:`SimClock` time; call
:meth:`World.tick` (the server does it periodically) to let it pass.

Each download client of the stack (:attr:`World.download_clients`) holds its own torrents,
so totals summed over the clients are the truth. Lidarr has every one configured and sends
its grabs to the first (the highest priority); it follows and imports the music category of
all of them. The Music Brain hands its magnets to the first Transmission (its only kind of
client; the first client when the stack has none). A magnet added through a client's API
goes to that client. An info-hash lives in one client at a time.
"""

from __future__ import annotations

import bisect
import random
import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from .clock import SimClock
from .generate import INDEXERS, Names, Scale, spread
from .model import (
    ACTIVE_STATUSES,
    Album,
    Artist,
    BrainRequest,
    Container,
    DownloadClient,
    Health,
    HistoryEvent,
    Indexer,
    LidarrCommand,
    NowPlaying,
    Release,
    Torrent,
    TorrentStatus,
    Track,
    Vpn,
)

MIB = 1024 * 1024
GIB = 1024 * MIB
BRAIN_DOWNLOAD_DIR = "/hot_downloads"
"""Where the Music Brain adds its torrents (``download_path``), with no label."""

STACK_CONTAINERS = (
    ("gluetun", "qmcgaw/gluetun:v3.41", Health.HEALTHY),
    ("qbittorrent", "lscr.io/linuxserver/qbittorrent:5.3.0", Health.NONE),
    ("transmission", "lscr.io/linuxserver/transmission:4.0.6", Health.NONE),
    ("lidarr", "lscr.io/linuxserver/lidarr:2.14.5", Health.NONE),
    ("navidrome", "deluan/navidrome:0.58.0", Health.HEALTHY),
    ("jackett", "lscr.io/linuxserver/jackett:0.24", Health.NONE),
    ("prowlarr", "lscr.io/linuxserver/prowlarr:2.3.5", Health.NONE),
    ("stepheybot-music", "stepheybot/music-brain:0.1.0", Health.HEALTHY),
)

QUALITY_RANK = {"MP3-320": 0, "FLAC": 1, "FLAC 24bit": 2}
"""Release qualities from worst to best; both Lidarr quality profiles' cutoff is FLAC."""
CUTOFF_RANK = QUALITY_RANK["FLAC"]

REV_TIMES_HORIZON = 3600.0
"""Simulated seconds for which :meth:`World.rev_at` is exact."""
REV_TIMES_KEPT = 4096
"""Past this many remembered moments, those older than the horizon are dropped."""

SEARCH_SECONDS = 5.0
"""How long Lidarr's searches run in ``python -m simulator`` (and the demo) unless told."""
DEFAULT_DOWNLOAD_CLIENTS = {"qbittorrent": "qbittorrent", "transmission": "transmission"}
"""The download clients of :func:`simulator.server.default_specs`, name -> kind, in order."""
ALLTIME_START = ((1_234 * GIB, 2_345 * GIB), (321 * GIB, 456 * GIB))
"""All-time bytes (downloaded, uploaded) each client starts with (later ones: the last)."""

_BTIH = re.compile(r"urn:btih:([0-9a-fA-F]{40}|[A-Z2-7]{32})")


class World:
    """The state of the simulated stack and the rules that move it forward."""

    def __init__(
        self,
        *,
        seed: int = 1,
        scale: Scale | None = None,
        clock: SimClock | None = None,
        download_speed: int = 8 * MIB,
        music_category: str = "music",
        import_delay: float = 15.0,
        scan_delay: float = 10.0,
        scan_duration: float = 10.0,
        command_duration: float = 0.0,
        download_clients: Mapping[str, str] | None = None,
    ) -> None:
        self.seed = seed
        self.scale = scale or Scale()
        self.clock = clock or SimClock(speed=0)
        self.rng = random.Random(seed)
        self.names = Names(self.rng)
        self.download_speed = download_speed
        self.music_category = music_category
        self.import_delay = import_delay
        self.scan_delay = scan_delay
        self.scan_duration = scan_duration
        self.command_duration = command_duration
        """Simulated seconds a Lidarr command (a search) runs before it acts and completes (0:
        at once, what tests that need no ``searching`` stage use; the command line's default is
        :data:`SEARCH_SECONDS`)."""

        self.artists: dict[str, Artist] = {}
        self.artists_by_lidarr_id: dict[int, Artist] = {}
        self.albums: dict[int, Album] = {}
        self.torrents: dict[str, Torrent] = {}
        self.removed_torrents: list[tuple[int, str]] = []
        self.indexers = [
            Indexer(id=i + 1, slug=slug, name=name, privacy=privacy)
            for i, (slug, name, privacy) in enumerate(INDEXERS)
        ]
        self.containers: dict[str, Container] = {}
        self.vpn = Vpn()
        self.commands: list[LidarrCommand] = []
        self.history: list[HistoryEvent] = []
        self.brain_requests: dict[str, BrainRequest] = {}
        self.brain_unreachable: set[str] = set()
        self.now_playing: list[NowPlaying] = []
        self.categories: dict[str, str] = {music_category: "/downloads/music"}
        self.alt_speed_limits = False
        clients = DEFAULT_DOWNLOAD_CLIENTS if download_clients is None else download_clients
        self.download_clients: dict[str, DownloadClient] = {
            name: DownloadClient(name=name, kind=kind, listen_port=self.vpn.forwarded_port)
            for name, kind in clients.items()
        }
        """The stack's download clients by backend name, in Lidarr's order (module doc)."""
        self.disk_total = 4000 * GIB
        self.download_disk_free = 750 * GIB
        self.peers = True
        """False: no peer sends anything (every unfinished download stalls, as with no seeds)."""
        self.import_refusal = ""
        """Lidarr refuses every finished music download with this message (``importFailed``)."""
        self.metadata_down = False
        """Lidarr's health relays the Lidarr team's notice that the metadata server is down."""
        self.navidrome_scanning = False
        self.navidrome_scans_off = False
        """Navidrome scans nothing by itself (no watcher) and refuses ``startScan``."""
        self.navidrome_scan_started: datetime | None = None
        self.navidrome_last_scan: datetime | None = None
        self.navidrome_scan_due: datetime | None = None
        self.nav_albums = 0
        self.nav_songs = 0
        self._nav_artist_albums: dict[str, int] = {}
        self.events: list[tuple[datetime, str]] = []
        self.lidarr_artist_profiles: dict[str, tuple[int, int, str]] = {}
        self.push_cut: set[str] = set()
        """Backend kinds whose push is cut: ``lidarr`` cannot deliver its webhook calls,
        ``navidrome``'s event stream stays silent (as behind a buffering proxy)."""
        """Lidarr settings of added artists: mbid -> (quality profile, metadata profile, root)."""

        self._rev = 0
        self._rev_times: list[tuple[datetime, int]] = []
        """(moment, latest revision handed out at that moment), oldest first: see rev_at."""
        self._next_lidarr_id = 1
        self._next_id = 1
        self._active: set[str] = set()
        self._import_due: dict[str, datetime] = {}
        self._last_tick = self.clock.now()
        self._releases: dict[int, list[Release]] = {}
        self._generate()

    # ----------------------------------------------------------------- generation
    def _generate(self) -> None:
        scale, rng, now = self.scale, self.rng, self.clock.now()
        lidarr_artists = [self._new_artist() for _ in range(scale.artists)]
        for _ in range(scale.catalog_artists):
            self._new_artist()
        album_counts = spread(scale.albums, max(1, len(lidarr_artists)), rng)
        track_counts = spread(scale.tracks, max(1, scale.albums), rng)
        album_index = 0
        for artist, count in zip(lidarr_artists, album_counts, strict=False):
            self._add_to_lidarr(artist, monitored=True, when=now - timedelta(days=400))
            for _ in range(count):
                tracks = track_counts[album_index] if album_index < len(track_counts) else 10
                album_index += 1
                album = self._new_album(artist, tracks, monitored=True)
                if rng.random() >= scale.missing_ratio:
                    self._import_album(album, announce=False)
                    self._add_to_navidrome(album)
        # upcoming releases of monitored artists (not yet out, so not missing)
        for i in range(min(scale.upcoming_albums, len(lidarr_artists))):
            artist = lidarr_artists[(i * 7) % len(lidarr_artists)]
            album = self._new_album(artist, 10, monitored=True)
            album.release_date = (now + timedelta(days=1 + i * 3)).date()
        # catalog artists get albums too, so lookups and requests have something to add
        for artist in self.artists.values():
            if not artist.in_lidarr:
                for _ in range(rng.randint(1, 4)):
                    self._new_album(artist, rng.randint(6, 14), monitored=False)
        for name, image, health in STACK_CONTAINERS:
            started = now - timedelta(hours=rng.randint(2, 300))
            self.containers[name] = Container(
                name=name,
                id=self.names.container_id(),
                image=image,
                created=started - timedelta(days=rng.randint(1, 60)),
                started_at=started,
                health=health,
            )
        self.navidrome_last_scan = now - timedelta(minutes=42)
        for index, client in enumerate(self.download_clients.values()):
            start = ALLTIME_START[min(index, len(ALLTIME_START) - 1)]
            client.downloaded, client.uploaded = start
        # a little life: two downloads in progress and a finished, seeding one
        missing = [a for a in self.albums.values() if self._is_missing(a, now)]
        for album, progress in zip(missing[:2], (0.25, 0.6), strict=False):
            torrent = self.search_album(album.id, origin="lidarr")
            if torrent is not None:
                torrent.progress = progress
        for index, name in enumerate(self.download_clients):
            # the first client's from the world's RNG (as when there was one), the others' from
            # their own, so adding a client changes nothing else in the world
            names = self.names if index == 0 else Names(random.Random(f"{self.seed}:{name}"))
            self._extra_torrents(scale.torrents, now, name, names)

    def _new_artist(self) -> Artist:
        name = self.names.artist()
        artist = Artist(
            mbid=self.names.mbid(),
            name=name,
            sort_name=name.removeprefix("The ") + ", The",
            genres=[self.names.genre()],
            artist_type=self.rng.choice(("Group", "Person")),
            overview=f"{name} is a simulated band.",
        )
        self.artists[artist.mbid] = artist
        return artist

    def _new_album(self, artist: Artist, tracks: int, *, monitored: bool) -> Album:
        album_id = self._next_id
        self._next_id += 1
        released = date(1995, 1, 1) + timedelta(days=self.rng.randint(0, 11000))
        album = Album(
            id=album_id,
            mbid=self.names.mbid(),
            artist_mbid=artist.mbid,
            title=self.names.title(),
            release_date=released,
            album_type=self.names.album_type(),
            track_count=tracks,
            size=tracks * self.rng.randint(18, 42) * MIB,
            genre=artist.genres[0],
            monitored=monitored,
            quality=self.names.quality(),
        )
        album.cutoff_met = meets_cutoff(album.quality)
        self.albums[album_id] = album
        artist.album_ids.append(album_id)
        return album

    def _extra_torrents(self, count: int, now: datetime, client: str, names: Names) -> None:
        for i in range(count):
            info_hash = names.info_hash()
            music = i % 2 == 0
            torrent = Torrent(
                hash=info_hash,
                name=f"Synthetic torrent {i:05d}",
                size=(50 + (i % 700)) * MIB,
                category=self.music_category if music else "other",
                save_path="/downloads/music" if music else "/downloads",
                added_on=now - timedelta(hours=i % 5000),
                magnet=f"magnet:?xt=urn:btih:{info_hash}",
                status=TorrentStatus.STOPPED_DOWNLOADING,
                transmission_id=self._new_transmission_id(),
                client=client,
            )
            self._store(torrent)

    # ----------------------------------------------------------------- revisions
    def next_rev(self) -> int:
        """A new revision number (monotonic across the world), remembered with its moment."""
        self._rev += 1
        now = self.clock.now()
        times = self._rev_times
        if times and times[-1][0] == now:
            times[-1] = (now, self._rev)
        else:
            times.append((now, self._rev))
            if len(times) > REV_TIMES_KEPT:
                # keep the newest moment before the horizon, so later ones stay exact
                horizon = now - timedelta(seconds=REV_TIMES_HORIZON)
                del times[: max(0, bisect.bisect_right(times, horizon, key=_moment) - 1)]
        return self._rev

    def rev_at(self, moment: datetime, *, inclusive: bool = True) -> int:
        """The latest revision handed out at (``inclusive``) or before ``moment``; 0 if none.

        Exact for the last ``REV_TIMES_HORIZON`` simulated seconds; older moments may get a
        lower revision (never a higher one), so "changed since" answers err on the safe side.
        """
        times = self._rev_times
        find = bisect.bisect_right if inclusive else bisect.bisect_left
        index = find(times, moment, key=_moment)
        return times[index - 1][1] if index else 0

    @property
    def rev(self) -> int:
        """The latest revision handed out."""
        return self._rev

    def touch(self, torrent: Torrent) -> None:
        """Mark a torrent as changed."""
        torrent.rev = self.next_rev()

    def _store(self, torrent: Torrent) -> None:
        self.touch(torrent)
        self.torrents[torrent.hash] = torrent
        client = self.download_clients.get(torrent.client)
        if client is not None:
            client.torrents[torrent.hash] = torrent
        if torrent.status in ACTIVE_STATUSES:
            self._active.add(torrent.hash)

    def _new_transmission_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def log(self, text: str) -> None:
        """Record a story event (shown by the control endpoint)."""
        self.events.append((self.clock.now(), text))
        del self.events[:-200]

    # ----------------------------------------------------------------- library
    def artist_of(self, album: Album) -> Artist:
        """The artist of an album."""
        return self.artists[album.artist_mbid]

    def tracks_of(self, album: Album) -> Iterator[Track]:
        """The album's tracks, generated deterministically."""
        rng = random.Random(album.id * 7919 + self.seed)
        for n in range(1, album.track_count + 1):
            duration = rng.randint(120, 420)
            yield Track(
                id=f"tr-{album.id}-{n}",
                album_id=album.id,
                number=n,
                title=f"{album.title} ({n})" if n > 1 else album.title,
                duration=duration,
                size=album.size // max(1, album.track_count),
            )

    def navidrome_albums(self) -> Iterator[Album]:
        """Albums Navidrome has scanned."""
        return (a for a in self.albums.values() if a.in_navidrome)

    @property
    def nav_artists(self) -> int:
        """Artists with at least one album in Navidrome."""
        return len(self._nav_artist_albums)

    def _add_to_navidrome(self, album: Album) -> None:
        if album.in_navidrome:
            return
        album.in_navidrome = True
        self.nav_albums += 1
        self.nav_songs += album.track_count
        self._nav_artist_albums[album.artist_mbid] = (
            self._nav_artist_albums.get(album.artist_mbid, 0) + 1
        )

    def _add_to_lidarr(self, artist: Artist, *, monitored: bool, when: datetime) -> None:
        artist.lidarr_id = self._next_lidarr_id
        self._next_lidarr_id += 1
        artist.monitored = monitored
        artist.added = when
        self.artists_by_lidarr_id[artist.lidarr_id] = artist

    def _import_album(self, album: Album, *, announce: bool = True) -> None:
        album.track_files = album.track_count
        if announce:
            self.log(f"Lidarr imported {self.artist_of(album).name} - {album.title}")

    def _is_missing(self, album: Album, now: datetime) -> bool:
        artist = self.artists[album.artist_mbid]
        return (
            artist.in_lidarr
            and album.monitored
            and not album.has_files
            and album.release_date <= now.date()
        )

    def lidarr_artists(self) -> list[Artist]:
        """Artists in Lidarr, by id."""
        return [self.artists_by_lidarr_id[k] for k in sorted(self.artists_by_lidarr_id)]

    def lidarr_albums(self) -> Iterator[Album]:
        """Albums of artists in Lidarr."""
        for artist in self.lidarr_artists():
            for album_id in artist.album_ids:
                yield self.albums[album_id]

    def missing_albums(self) -> list[Album]:
        """Monitored, released albums without files (Lidarr's wanted/missing)."""
        now = self.clock.now()
        return [a for a in self.lidarr_albums() if self._is_missing(a, now)]

    def cutoff_unmet_albums(self) -> list[Album]:
        """Albums on disk below their quality profile's cutoff."""
        return [a for a in self.lidarr_albums() if a.has_files and not a.cutoff_met]

    def search_artists(self, term: str) -> list[Artist]:
        """Artists (in Lidarr or only on MusicBrainz) matching a name or ``mbid:`` term."""
        term = term.strip()
        for prefix in ("lidarr:", "lidarrid:", "mbid:"):
            if term.lower().startswith(prefix):
                artist = self.artists.get(term[len(prefix) :].strip())
                return [artist] if artist else []
        needle = term.lower()
        return [a for a in self.artists.values() if needle and needle in a.name.lower()]

    def search_albums(self, term: str) -> list[Album]:
        """Albums whose title or artist matches, or the one of a ``lidarr:``/``mbid:`` term."""
        needle = term.strip().lower()
        if not needle:
            return []
        for prefix in ("lidarr:", "lidarrid:", "mbid:"):
            if needle.startswith(prefix):
                mbid = needle[len(prefix) :].strip()
                return [a for a in self.albums.values() if a.mbid == mbid]
        out = []
        for album in self.albums.values():
            artist = self.artists[album.artist_mbid]
            if needle in album.title.lower() or needle in artist.name.lower():
                out.append(album)
        return out

    # ----------------------------------------------------------------- Lidarr actions
    def add_artist(
        self, mbid: str, *, monitored: bool = True, monitor: str = "all", search: bool = False
    ) -> Artist:
        """Add a MusicBrainz artist to Lidarr, monitor its albums, optionally search.

        The search is what Lidarr queues once the artist is added (``ArtistScannedHandler``,
        Lidarr v2.14.5.4824): a ``MissingAlbumSearch`` of the artist, which takes
        ``command_duration`` like every command.
        """
        artist = self.artists[mbid]
        if artist.in_lidarr:
            raise ValueError("This artist has already been added.")
        now = self.clock.now()
        self._add_to_lidarr(artist, monitored=monitored, when=now)
        albums = sorted((self.albums[i] for i in artist.album_ids), key=lambda a: a.release_date)
        for album in albums:
            album.monitored = (
                monitor in ("all", "missing", "future")
                or (monitor == "latest" and album is albums[-1])
                or (monitor == "first" and album is albums[0])
            )
        self.log(f"Lidarr added {artist.name}")
        if search:
            self.run_command("MissingAlbumSearch", {"artistId": artist.lidarr_id})
        return artist

    def releases_for(self, album: Album) -> list[Release]:
        """Indexer releases of an album (about one album in 12 has none)."""
        cached = self._releases.get(album.id)
        if cached is not None:
            return cached
        rng = random.Random(album.id * 104729 + self.seed)
        artist = self.artists[album.artist_mbid]
        releases: list[Release] = []
        if rng.random() > 1 / 12:
            for n in range(rng.randint(1, 3)):
                quality = ("FLAC", "MP3-320", "FLAC 24bit")[n % 3]
                indexer = self.indexers[rng.randrange(len(self.indexers))]
                releases.append(
                    Release(
                        guid=f"{indexer.slug}-{album.id}-{n}",
                        title=(
                            f"{artist.name} - {album.title} ({album.release_date.year}) [{quality}]"
                        ),
                        album_id=album.id,
                        indexer_id=indexer.id,
                        size=album.size * (2 if quality == "FLAC 24bit" else 1),
                        seeders=rng.randint(0, 120),
                        leechers=rng.randint(0, 20),
                        info_hash=f"{rng.getrandbits(160):040x}",
                        quality=quality,
                        publish_date=datetime.combine(
                            album.release_date, datetime.min.time(), tzinfo=self.clock.now().tzinfo
                        )
                        + timedelta(days=rng.randint(0, 30)),
                    )
                )
        self._releases[album.id] = releases
        return releases

    def search_releases(self, query: str, *, limit: int = 100) -> list[Release]:
        """Releases from working indexers whose title matches every word of ``query``."""
        words = [w for w in query.lower().split() if w]
        working = {i.id for i in self.indexers if i.enabled and not i.failing}
        out: list[Release] = []
        for album in self.search_albums(words[0] if words else ""):
            for release in self.releases_for(album):
                title = release.title.lower()
                if release.indexer_id in working and all(w in title for w in words):
                    out.append(release)
            if len(out) >= limit:
                break
        return out[:limit]

    def release_by_hash(self, info_hash: str) -> Release | None:
        """A known release with this info-hash (only releases already generated)."""
        info_hash = info_hash.lower()
        for releases in self._releases.values():
            for release in releases:
                if release.info_hash == info_hash:
                    return release
        return None

    def torrent_for_album(self, album_id: int) -> Torrent | None:
        """The torrent downloading or seeding an album, if any."""
        for torrent in self.torrents.values():
            if torrent.album_id == album_id:
                return torrent
        return None

    def search_album(self, album_id: int, *, origin: str = "lidarr") -> Torrent | None:
        """Lidarr's AlbumSearch: grab the best release, or None when nothing is found.

        An album not released yet (release date after today) has no release to find.
        """
        album = self.albums[album_id]
        now = self.clock.now()
        album.last_search = now
        existing = self.torrent_for_album(album_id)
        if existing is not None or album.has_files:
            return existing
        if album.release_date > now.date():
            self.log(
                f"Lidarr found no release yet for {self.artist_of(album).name} - {album.title}"
            )
            return None
        working = {i.id for i in self.indexers if i.enabled and not i.failing}
        candidates = [
            r for r in self.releases_for(album) if r.indexer_id in working and r.seeders > 0
        ]
        if not candidates:
            self.log(f"Lidarr found no release for {self.artist_of(album).name} - {album.title}")
            return None
        best = max(candidates, key=lambda r: (r.quality.startswith("FLAC"), r.seeders))
        return self.grab(best, origin=origin)

    def upgrade_album(self, album_id: int, *, origin: str = "lidarr") -> Torrent | None:
        """Lidarr's search of an album below cutoff: grab a better release, None if none.

        The grabbed release replaces the album's files once imported (quality and cutoff).
        """
        album = self.albums[album_id]
        album.last_search = self.clock.now()
        existing = self.torrent_for_album(album_id)
        if existing is not None and not existing.imported:
            return existing
        working = {i.id for i in self.indexers if i.enabled and not i.failing}
        rank = QUALITY_RANK.get(album.quality, 0)
        candidates = [
            r
            for r in self.releases_for(album)
            if r.indexer_id in working and r.seeders > 0 and QUALITY_RANK.get(r.quality, 0) > rank
        ]
        if not candidates:
            self.log(f"Lidarr found no upgrade for {self.artist_of(album).name} - {album.title}")
            return None
        best = max(candidates, key=lambda r: (QUALITY_RANK.get(r.quality, 0), r.seeders))
        return self.grab(best, origin=origin)

    def grab(self, release: Release, *, origin: str) -> Torrent:
        """Send a release to Lidarr's download client, in the music category."""
        existing = self.torrents.get(release.info_hash)
        if existing is not None:
            return existing
        torrent = Torrent(
            hash=release.info_hash,
            name=release.title,
            size=release.size,
            category=self.music_category,
            save_path=self.categories.get(self.music_category, "/downloads/music"),
            added_on=self.clock.now(),
            magnet=release.magnet,
            album_id=release.album_id,
            origin=origin,
            seeds=release.seeders,
            peers=release.leechers,
            transmission_id=self._new_transmission_id(),
            client=self.lidarr_client,
        )
        self._store(torrent)
        self.log(f"grabbed {release.title}")
        self.history.append(
            HistoryEvent(
                id=len(self.history) + 1,
                album_id=release.album_id,
                artist_mbid=self.albums[release.album_id].artist_mbid,
                event_type="grabbed",
                source_title=release.title,
                date=self.clock.now(),
                download_id=release.info_hash.upper(),
                quality=release.quality,
            )
        )
        return torrent

    def run_command(self, name: str, body: dict[str, object]) -> LidarrCommand:
        """Run a Lidarr command (AlbumSearch, ArtistSearch, MissingAlbumSearch, ...).

        With ``command_duration`` the command is ``started`` until that much time passed, then
        it takes effect and completes (see :meth:`tick`).
        """
        now = self.clock.now()
        command = LidarrCommand(
            id=len(self.commands) + 1,
            name=name,
            body=body,
            queued=now,
            started=now,
            ended=now,
        )
        self.commands.append(command)
        if self.command_duration > 0:
            command.status, command.ended, command.message = "started", None, "Running"
        else:
            self._execute(command)
        return command

    def _execute(self, command: LidarrCommand) -> None:
        """Apply a command's effects."""
        now = self.clock.now()
        body = command.body
        key = command.name.lower()
        if key == "albumsearch":
            for album_id in _ints(body.get("albumIds")):
                if album_id in self.albums:
                    self.search_album(album_id)
        elif key == "artistsearch":
            artist = self.artists_by_lidarr_id.get(_int(body.get("artistId")))
            if artist is not None:
                for album_id in artist.album_ids:
                    if self._is_missing(self.albums[album_id], now):
                        self.search_album(album_id)
        elif key == "missingalbumsearch":  # every artist's, or one artist's (``artistId``)
            artist = self.artists_by_lidarr_id.get(_int(body.get("artistId")))
            if artist is None:
                missing = self.missing_albums()
            else:
                albums = (self.albums[i] for i in artist.album_ids)
                missing = sorted(
                    (a for a in albums if self._is_missing(a, now)), key=lambda a: a.release_date
                )
            for album in missing:
                self.search_album(album.id)
        elif key == "cutoffunmetalbumsearch":
            for album in self.cutoff_unmet_albums():
                if album.monitored:
                    self.upgrade_album(album.id)

    def set_albums_monitored(self, album_ids: Iterable[int], monitored: bool) -> list[Album]:
        """Monitor or unmonitor albums of artists in Lidarr; returns the albums changed."""
        albums = [self.albums[i] for i in album_ids if i in self.albums]
        albums = [a for a in albums if self.artists[a.artist_mbid].in_lidarr]
        for album in albums:
            album.monitored = monitored
        return albums

    # ----------------------------------------------------------------- download clients
    @property
    def lidarr_client(self) -> str:
        """The download client Lidarr sends its grabs to: the first ("" without any)."""
        return next(iter(self.download_clients), "")

    @property
    def brain_client(self) -> str:
        """The download client the Music Brain adds its magnets to (module doc)."""
        kinds = (c.name for c in self.download_clients.values() if c.kind == "transmission")
        return next(kinds, self.lidarr_client)

    def download_client(self, name: str, kind: str) -> DownloadClient:
        """The download client called ``name``; added (last, empty) if the world has none."""
        client = self.download_clients.get(name)
        if client is None:
            client = self.download_clients[name] = DownloadClient(
                name=name, kind=kind, listen_port=self.vpn.forwarded_port
            )
        return client

    def client_torrents(self, name: str) -> dict[str, Torrent]:
        """The torrents of the download client called ``name`` (none for another name)."""
        client = self.download_clients.get(name)
        return client.torrents if client is not None else {}

    @property
    def alltime_downloaded(self) -> int:
        """All-time bytes downloaded by every download client together."""
        return sum(c.downloaded for c in self.download_clients.values())

    @property
    def alltime_uploaded(self) -> int:
        """All-time bytes uploaded by every download client together."""
        return sum(c.uploaded for c in self.download_clients.values())

    def download_client_reachable(self) -> bool:
        """Whether Lidarr can reach a download client (both run behind gluetun)."""
        running = {n for n, c in self.containers.items() if c.state == "running"}
        return "gluetun" in running and bool(running & {"qbittorrent", "transmission"})

    # ----------------------------------------------------------------- download client
    def add_magnet(
        self,
        magnet: str,
        *,
        category: str = "",
        save_path: str | None = None,
        stopped: bool = False,
        origin: str = "manual",
        tags: Iterable[str] = (),
        client: str | None = None,
    ) -> Torrent | None:
        """Add a magnet link to ``client`` (default: the first); None when it is not a magnet.

        A magnet whose info-hash a client already holds gives that torrent back unchanged.
        """
        match = _BTIH.search(magnet)
        if not magnet.startswith("magnet:") or match is None:
            return None
        info_hash = match.group(1).lower()
        if info_hash in self.torrents:
            return self.torrents[info_hash]
        release = self.release_by_hash(info_hash)
        name = parse_qs(urlsplit(magnet).query).get("dn", [info_hash])[0]
        torrent = Torrent(
            hash=info_hash,
            name=release.title if release else name,
            size=release.size if release else 300 * MIB,
            category=category,
            save_path=save_path or self.categories.get(category, "/downloads"),
            added_on=self.clock.now(),
            magnet=magnet,
            album_id=release.album_id if release else None,
            origin=origin,
            tags=list(tags),
            status=TorrentStatus.STOPPED_DOWNLOADING if stopped else TorrentStatus.DOWNLOADING,
            seeds=release.seeders if release else 5,
            transmission_id=self._new_transmission_id(),
            client=self.lidarr_client if client is None else client,
        )
        if category and category not in self.categories:
            self.categories[category] = torrent.save_path
        self._store(torrent)
        self.log(f"download client added {torrent.name}")
        return torrent

    def set_torrent_labels(self, info_hash: str, category: str, tags: Iterable[str]) -> None:
        """Give a torrent another category and tags (a download client's labels)."""
        torrent = self.torrents[info_hash]
        torrent.category = category
        torrent.tags = list(tags)
        self.touch(torrent)

    def stop_torrent(self, info_hash: str) -> None:
        """Stop (pause) a torrent."""
        torrent = self.torrents[info_hash]
        done = torrent.progress >= 1
        torrent.status = (
            TorrentStatus.STOPPED_SEEDING if done else TorrentStatus.STOPPED_DOWNLOADING
        )
        torrent.dl_speed = torrent.up_speed = 0
        self._active.discard(info_hash)
        self.touch(torrent)

    def fail_torrent(self, info_hash: str, error: str) -> None:
        """Put a torrent in the client's error state (disk full, files missing): it stops."""
        torrent = self.torrents[info_hash]
        torrent.status = TorrentStatus.ERROR
        torrent.error = error
        torrent.dl_speed = torrent.up_speed = 0
        self._active.discard(info_hash)
        self.touch(torrent)

    def start_torrent(self, info_hash: str) -> None:
        """Start (resume) a torrent."""
        torrent = self.torrents[info_hash]
        if torrent.progress >= 1:
            torrent.status = TorrentStatus.SEEDING
        else:
            torrent.status = TorrentStatus.DOWNLOADING
            self._active.add(info_hash)
        self.touch(torrent)

    def remove_torrent(self, info_hash: str) -> None:
        """Delete a torrent from the download client."""
        torrent = self.torrents.pop(info_hash, None)
        if torrent is not None:
            self.client_torrents(torrent.client).pop(info_hash, None)
            self._active.discard(info_hash)
            self._import_due.pop(info_hash, None)
            self.removed_torrents.append((self.next_rev(), info_hash))

    @property
    def external_address(self) -> str | None:
        """The public address the download client's peers see."""
        if self.vpn.leak:
            return self.vpn.home_ip
        return self.vpn.public_ip if self.vpn.up else None

    # ----------------------------------------------------------------- containers, VPN
    def recreate_container(self, name: str) -> Container:
        """Recreate a container: same name, new id, fresh start."""
        container = self.containers[name]
        now = self.clock.now()
        container.id = self.names.container_id()
        container.created = container.started_at = now
        container.state = "running"
        if container.health is not Health.NONE:
            container.health = Health.STARTING
        self.log(f"container {name} recreated")
        return container

    def set_container_health(self, name: str, health: Health) -> None:
        """Change a container's healthcheck result."""
        container = self.containers[name]
        container.health = health
        container.failing_streak = 3 if health is Health.UNHEALTHY else 0

    def set_container_state(self, name: str, state: str, exit_code: int = 0) -> None:
        """Stop, start or kill a container (``running``, ``exited``, ``restarting``...)."""
        container = self.containers[name]
        container.state = state
        container.exit_code = exit_code
        if state == "running":
            container.started_at = self.clock.now()

    def set_vpn(self, *, up: bool | None = None, leak: bool | None = None) -> None:
        """Drop or restore the VPN tunnel, or make the download client leak."""
        if up is not None:
            self.vpn.status = "running" if up else "stopped"
            self.log("VPN up" if up else "VPN down")
        if leak is not None:
            self.vpn.leak = leak

    def refuse_imports(self, message: str) -> None:
        """Make Lidarr refuse every finished music download (``""``: import them again)."""
        self.import_refusal = message
        now = self.clock.now()
        for torrent in self.lidarr_queue():
            if torrent.progress < 1:
                continue
            if message:
                if torrent.hash not in self._import_due:
                    torrent.import_error = message
                    self.touch(torrent)
            elif torrent.import_error:
                torrent.import_error = ""
                self._import_due[torrent.hash] = now
                self.touch(torrent)

    def set_indexers_failing(self, failing: bool) -> None:
        """Make every indexer fail (or work again), as Jackett and Prowlarr report it."""
        for indexer in self.indexers:
            indexer.failing = failing
        self.log("every indexer failing" if failing else "indexers working")

    def change_vpn_ip(self) -> str:
        """Reconnect to another VPN server with a new public IP."""
        self.vpn.public_ip = f"185.65.{self.rng.randint(128, 140)}.{self.rng.randint(2, 250)}"
        self.vpn.forwarded_port = self.rng.randint(20000, 60000)
        return self.vpn.public_ip

    # ----------------------------------------------------------------- Navidrome
    def start_scan(self) -> None:
        """Start a Navidrome library scan (takes ``scan_duration`` simulated seconds)."""
        if not self.navidrome_scanning:
            self.navidrome_scanning = True
            self.navidrome_scan_started = self.clock.now()

    def scan_progress(self) -> int:
        """Files processed so far in the running scan."""
        if not self.navidrome_scanning or self.navidrome_scan_started is None:
            return 0
        elapsed = (self.clock.now() - self.navidrome_scan_started).total_seconds()
        share = min(1.0, elapsed / max(self.scan_duration, 0.001))
        return int(self.nav_songs * share)

    # ----------------------------------------------------------------- Music Brain
    def brain_request(
        self, *, artist: str, title: str, album: str | None, magnet: str | None, source: str
    ) -> BrainRequest:
        """Queue a Music Brain download request (its magnet path)."""
        request = BrainRequest(
            id=self.names.mbid(),
            artist=artist,
            title=title,
            album=album,
            magnet=magnet,
            source=source,
            requested_at=self.clock.now(),
        )
        self.brain_requests[request.id] = request
        return request

    def brain_reaches(self, backend: str) -> bool:
        """Whether the Music Brain can reach ``backend`` (``navidrome``, ``lidarr``)."""
        return backend not in self.brain_unreachable

    def set_brain_reachable(self, backend: str, reachable: bool) -> None:
        """Cut or restore the Music Brain's line to ``backend`` (its view only)."""
        if reachable:
            self.brain_unreachable.discard(backend)
        else:
            self.brain_unreachable.add(backend)
            self.log(f"Music Brain lost {backend}")

    # ----------------------------------------------------------------- time
    def tick(self) -> None:
        """Let simulated time pass up to the clock's now."""
        now = self.clock.now()
        dt = (now - self._last_tick).total_seconds()
        if dt <= 0:
            return
        self._last_tick = now
        self._progress_commands(now)
        self._progress_brain(now)
        self._progress_downloads(now, dt)
        self._progress_imports(now)
        self._progress_scan(now)

    def _progress_commands(self, now: datetime) -> None:
        due = now - timedelta(seconds=self.command_duration)
        for command in self.commands[-50:]:
            if command.status == "started" and command.queued <= due:
                self._execute(command)
                command.status, command.ended, command.message = "completed", now, "Completed"

    def _progress_brain(self, now: datetime) -> None:
        for request in self.brain_requests.values():
            if request.status == "queued" and request.magnet:
                # as the Brain does: download-dir /hot_downloads, no label (DownloadService's
                # torrent-add; ../shared/reference/music-brain-api.md, "the processor")
                torrent = self.add_magnet(
                    request.magnet,
                    save_path=BRAIN_DOWNLOAD_DIR,
                    origin="brain",
                    client=self.brain_client,
                )
                if torrent is None:
                    request.status = "failed"
                    continue
                request.torrent_hash = torrent.hash
                request.status = "downloading"
                request.started_at = now
            elif request.torrent_hash and request.status == "downloading":
                torrent = self.torrents.get(request.torrent_hash)
                if torrent is not None and torrent.progress >= 1:
                    request.status = "completed"
                    request.completed_at = now

    def _progress_downloads(self, now: datetime, dt: float) -> None:
        speed = self.download_speed // (4 if self.alt_speed_limits else 1)
        for info_hash in list(self._active):
            torrent = self.torrents[info_hash]
            if not self.vpn.up or not self.peers or torrent.seeds == 0:
                if torrent.status is not TorrentStatus.STALLED_DOWNLOADING or torrent.dl_speed:
                    torrent.status = TorrentStatus.STALLED_DOWNLOADING
                    torrent.dl_speed = 0
                    self.touch(torrent)
                continue
            torrent.status = TorrentStatus.DOWNLOADING
            torrent.dl_speed = speed
            got = min(torrent.amount_left, int(speed * dt))
            torrent.downloaded += got
            if (client := self.download_clients.get(torrent.client)) is not None:
                client.downloaded += got
            self.download_disk_free -= got
            torrent.progress = min(1.0, torrent.progress + got / max(1, torrent.size))
            if torrent.progress >= 1:
                torrent.progress = 1.0
                torrent.status = TorrentStatus.SEEDING
                torrent.dl_speed = 0
                torrent.up_speed = 64 * 1024
                torrent.completion_on = now
                self._active.discard(info_hash)
                self.log(f"download complete: {torrent.name}")
                if torrent.album_id is not None and torrent.category == self.music_category:
                    self._import_due[info_hash] = now + timedelta(seconds=self.import_delay)
            self.touch(torrent)

    def _progress_imports(self, now: datetime) -> None:
        for info_hash, due in list(self._import_due.items()):
            if due > now:
                continue
            del self._import_due[info_hash]
            torrent = self.torrents.get(info_hash)
            if torrent is None or torrent.album_id is None:
                continue
            if self.import_refusal and not torrent.import_error:
                torrent.import_error = self.import_refusal
                self.touch(torrent)
            if torrent.import_error:
                self.log(f"Lidarr could not import {torrent.name}: {torrent.import_error}")
                continue
            album = self.albums[torrent.album_id]
            release = self.release_by_hash(info_hash)
            if release is not None:
                album.quality = release.quality
                album.cutoff_met = meets_cutoff(release.quality)
            self._import_album(album)
            torrent.imported = True
            self.touch(torrent)
            self.history.append(
                HistoryEvent(
                    id=len(self.history) + 1,
                    album_id=album.id,
                    artist_mbid=album.artist_mbid,
                    event_type="downloadImported",
                    source_title=torrent.name,
                    date=now,
                    download_id=info_hash.upper(),
                    quality=album.quality,
                )
            )
            self.navidrome_scan_due = now + timedelta(seconds=self.scan_delay)

    def _progress_scan(self, now: datetime) -> None:
        if self.navidrome_scan_due is not None and now >= self.navidrome_scan_due:
            self.navidrome_scan_due = None
            if not self.navidrome_scans_off:
                self.start_scan()
        if not self.navidrome_scanning or self.navidrome_scan_started is None:
            return
        if (now - self.navidrome_scan_started).total_seconds() < self.scan_duration:
            return
        self.navidrome_scanning = False
        self.navidrome_last_scan = now
        for album in self.albums.values():
            if album.has_files and not album.in_navidrome:
                self._add_to_navidrome(album)
                self.log(f"Navidrome scanned {self.artist_of(album).name} - {album.title}")

    def lidarr_queue(self) -> list[Torrent]:
        """Torrents Lidarr tracks: music category, linked to an album, not yet imported."""
        return [
            t
            for t in self.torrents.values()
            if t.album_id is not None and t.category == self.music_category and not t.imported
        ]


def meets_cutoff(quality: str) -> bool:
    """Whether files of this quality meet the quality profiles' cutoff (FLAC)."""
    return QUALITY_RANK.get(quality, CUTOFF_RANK) >= CUTOFF_RANK


def _moment(entry: tuple[datetime, int]) -> datetime:
    return entry[0]


def _int(value: object) -> int:
    return value if isinstance(value, int) else 0


def _ints(value: object) -> list[int]:
    return [v for v in value if isinstance(v, int)] if isinstance(value, list) else []
