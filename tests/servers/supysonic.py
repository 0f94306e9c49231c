"""Start a real Subsonic server (supysonic 0.7.9 from the venv) over a generated music library.

:func:`generate_library` writes MP3 files (silent MPEG frames plus ID3 tags via mutagen),
:func:`start_supysonic` writes ``supysonic.conf`` in a throw-away directory, creates an admin
and a normal user and scans the folder with ``supysonic-cli``, then starts ``supysonic-daemon``
(scan status) and ``supysonic-server -S waitress`` on a free loopback port, each in its own
process group. :func:`stop_supysonic` stops both by PID (SIGTERM, then SIGKILL) and removes the
directory. Nothing is installed or downloaded: the executables come from ``sys.executable``'s
directory. Readiness is checked with the standard library, never with the client under test.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from mutagen import id3 as _mutagen_id3

BIN = Path(sys.executable).parent
ADMIN = "admin"
ADMIN_PASSWORD = "Sup-admin-pw-7"
LISTENER = "listener"
LISTENER_PASSWORD = "Sup-listener-pw-3"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
# MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, no padding: 417 bytes per frame (26 ms)
_FRAME = b"\xff\xfb\x90\x64" + bytes(413)
_FRAMES_PER_FILE = 80
id3: Any = _mutagen_id3  # mutagen ships no type hints for its frame classes


@dataclass(frozen=True, slots=True)
class Song:
    """One generated track, as its tags say."""

    artist: str
    album: str
    title: str
    track: int


@dataclass(frozen=True, slots=True)
class Library:
    """What :func:`generate_library` wrote: the truth the tests compare against."""

    songs: tuple[Song, ...]

    @property
    def artists(self) -> frozenset[str]:
        """Artist names."""
        return frozenset(s.artist for s in self.songs)

    @property
    def albums(self) -> frozenset[str]:
        """Album names (unique in the generated library)."""
        return frozenset(s.album for s in self.songs)

    @property
    def titles(self) -> frozenset[str]:
        """Song titles (unique in the generated library)."""
        return frozenset(s.title for s in self.songs)


ARTISTS = ("Amber Lanterns", "Quiet Orchard", "Ünïcode Ørchestra")
ALBUMS = (
    ("Amber Lanterns", "Paper Tides"),
    ("Amber Lanterns", "Northern Signal"),
    ("Quiet Orchard", "Glass Weather"),
    ("Quiet Orchard", "Runaway Hours"),
    ("Ünïcode Ørchestra", "Café Motion"),
)


COVERED_ALBUM = ALBUMS[0][1]
"""The one album with a ``cover.jpg`` in its folder (supysonic's ``getCoverArt`` serves it)."""


def _cover_jpeg(path: Path) -> None:
    from PIL import Image

    Image.new("RGB", (8, 8), (200, 120, 40)).save(path, "JPEG")


def generate_library(root: Path, *, tracks_per_album: int = 4) -> Library:
    """Write 3 artists, 5 albums and ``5 * tracks_per_album`` tagged MP3 files under ``root``.

    The folder of :data:`COVERED_ALBUM` also gets a ``cover.jpg``.
    """
    songs = []
    for album_number, (artist, album) in enumerate(ALBUMS, start=1):
        folder = root / artist / album
        folder.mkdir(parents=True, exist_ok=True)
        if album == COVERED_ALBUM:
            _cover_jpeg(folder / "cover.jpg")
        for track in range(1, tracks_per_album + 1):
            title = f"{album} Song {album_number}.{track}"
            path = folder / f"{track:02d} {title}.mp3"
            path.write_bytes(_FRAME * _FRAMES_PER_FILE)
            tags = id3.ID3()
            tags.add(id3.TPE1(encoding=3, text=artist))
            tags.add(id3.TPE2(encoding=3, text=artist))
            tags.add(id3.TALB(encoding=3, text=album))
            tags.add(id3.TIT2(encoding=3, text=title))
            tags.add(id3.TRCK(encoding=3, text=f"{track}/{tracks_per_album}"))
            tags.save(path)
            songs.append(Song(artist=artist, album=album, title=title, track=track))
    return Library(songs=tuple(songs))


@dataclass(slots=True)
class SupysonicServer:
    """A running supysonic: where it listens, who may log in, what it holds."""

    url: str
    username: str
    password: str = field(repr=False)
    listener: str
    listener_password: str = field(repr=False)
    library: Library = field(repr=False)
    directory: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list, repr=False)

    def log(self, name: str) -> str:
        """The output of ``server`` or ``daemon`` so far."""
        path = self.directory / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _environment(directory: Path) -> dict[str, str]:
    # HOME points into the temp dir so no ~/.supysonic of the host is read
    return {**os.environ, "HOME": str(directory), "TMPDIR": str(directory)}


def _cli(directory: Path, *args: str) -> None:
    result = subprocess.run(
        [str(BIN / "supysonic-cli"), *args],
        cwd=directory,
        env=_environment(directory),
        capture_output=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"supysonic-cli {args[0]} {args[1]} failed ({result.returncode}): "
            + (result.stdout + result.stderr).decode(errors="replace")[-2000:]
        )


def _spawn(server: SupysonicServer, name: str, *args: str) -> subprocess.Popen[bytes]:
    with (server.directory / f"{name}.log").open("wb") as log:
        process = subprocess.Popen(
            [str(BIN / f"supysonic-{name}"), *args],
            cwd=server.directory,
            env=_environment(server.directory),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server.processes.append(process)
    return process


def _ping(url: str, user: str, password: str) -> bool:
    query = urllib.parse.urlencode(
        {"u": user, "p": password, "v": "1.12.0", "c": "fixture", "f": "json"}
    )
    try:
        with urllib.request.urlopen(f"{url}/rest/ping?{query}", timeout=2) as resp:  # noqa: S310
            return bool(json.load(resp)["subsonic-response"]["status"] == "ok")
    except (OSError, ValueError, KeyError):
        return False


def _wait(
    server: SupysonicServer, process: subprocess.Popen[bytes], name: str, ready: Callable[[], bool]
) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while not ready():
        if process.poll() is not None:
            raise RuntimeError(
                f"supysonic-{name} exited with {process.returncode}:\n{server.log(name)[-2000:]}"
            )
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"supysonic-{name} not ready in {START_TIMEOUT:g} s:\n{server.log(name)[-2000:]}"
            )
        time.sleep(0.05)


def start_supysonic(*, tracks_per_album: int = 4, daemon: bool = True) -> SupysonicServer:
    """Generate a library, configure, scan and start supysonic; return once it answers."""
    directory = Path(tempfile.mkdtemp(prefix="supysonic-"))
    music = directory / "music"
    library = generate_library(music, tracks_per_album=tracks_per_album)
    port = free_port()
    (directory / "cache").mkdir()
    (directory / "supysonic.conf").write_text(
        "[base]\n"
        f"database_uri = sqlite:///{directory}/supysonic.db\n"
        "[webapp]\n"
        "mount_webui = false\n"
        f"cache_dir = {directory}/cache\n"
        "log_level = WARNING\n"
        "[daemon]\n"
        f"socket = {directory}/daemon.sock\n"
        "run_watcher = false\n"
        "wait_delay = 1\n"
    )
    server = SupysonicServer(
        url=f"http://127.0.0.1:{port}",
        username=ADMIN,
        password=ADMIN_PASSWORD,
        listener=LISTENER,
        listener_password=LISTENER_PASSWORD,
        library=library,
        directory=directory,
    )
    try:
        _cli(directory, "user", "add", ADMIN, "-p", ADMIN_PASSWORD)
        _cli(directory, "user", "setroles", "-A", ADMIN)
        _cli(directory, "user", "add", LISTENER, "-p", LISTENER_PASSWORD)
        _cli(directory, "folder", "add", "Music", str(music))
        _cli(directory, "folder", "scan", "--foreground", "-f", "Music")
        if daemon:
            process = _spawn(server, "daemon")
            _wait(server, process, "daemon", (directory / "daemon.sock").exists)
        process = _spawn(server, "server", "-S", "waitress", "-h", "127.0.0.1", "-p", str(port))
        _wait(server, process, "server", lambda: _ping(server.url, ADMIN, ADMIN_PASSWORD))
    except BaseException:
        stop_supysonic(server)
        raise
    return server


def stop_supysonic(server: SupysonicServer, *, timeout: float = STOP_TIMEOUT) -> None:
    """Stop every process by PID (SIGTERM, then SIGKILL) and remove the directory."""
    try:
        for process in reversed(server.processes):
            if process.poll() is not None:
                continue
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(process.pid, signal.SIGKILL)
                process.wait(timeout)
    finally:
        shutil.rmtree(server.directory, ignore_errors=True)


@contextlib.contextmanager
def running_supysonic(
    *, tracks_per_album: int = 4, daemon: bool = True
) -> Iterator[SupysonicServer]:
    """Context manager form of :func:`start_supysonic` / :func:`stop_supysonic`."""
    server = start_supysonic(tracks_per_album=tracks_per_album, daemon=daemon)
    try:
        yield server
    finally:
        stop_supysonic(server)


@pytest.fixture(scope="module")
def supysonic() -> Iterator[SupysonicServer]:
    """A running supysonic with daemon, shared by a test module."""
    with running_supysonic() as server:
        yield server
