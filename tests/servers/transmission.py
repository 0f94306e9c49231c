"""Start real transmission-daemon servers (4.x and 3.00) and give them real torrents.

- ``"4"``: the toolbox's own transmission-daemon (Debian sid, 4.1.x; ``TOOLBOX_EXTRA`` includes
  ``transmission-daemon``), run inside the toolbox like qbittorrent-nox.
- ``"3.00"``: Debian 12's transmission-daemon, installed on the host by ``scripts/setup`` and run
  in the host's mount namespace (see :mod:`tests.servers.hostside`): run inside the chroot
  through the host's loader it crashed once a tracker announce happened.

Plain functions (:func:`start_transmission`, :func:`stop_transmission`,
:func:`running_transmission`, :func:`make_torrent`, :func:`add_torrent`,
:func:`add_synthetic_torrents`, :func:`running_tracker`) plus pytest fixtures
(``transmission_server`` factory, shared ``transmission4``/``transmission3``). Everything talks
to Transmission with the standard library only, so it never depends on the client under test.

A server runs in its own process group from a throw-away config folder (``settings.json``
written first), RPC and peer port on 127.0.0.1 (free ports), DHT/LPD/PeX/uTP/port forwarding off,
and is stopped by PID (SIGTERM, then SIGKILL) in teardown. Synthetic torrents are bencoded by
hand over local files written into the download folder, so they verify and seed.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import http.client
import http.server
import itertools
import json
import random
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.servers import hostside

VERSIONS = ("4", "3.00")
"""The generations this module starts: ``"4"`` (toolbox, sid's 4.x) and ``"3.00"`` (host)."""
_ALIASES = {"4": "4", "4.x": "4", "3": "3.00", "3.00": "3.00"}
USERNAME = "admin"
DEFAULT_PASSWORD = "tr-Real-pw-42"
RPC_PATH = "/transmission/rpc"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0
STATUS_STOPPED, STATUS_CHECK_WAIT, STATUS_CHECK = 0, 1, 2
STATUS_DOWNLOAD_WAIT, STATUS_DOWNLOAD, STATUS_SEED_WAIT, STATUS_SEED = 3, 4, 5, 6
_VERSION = re.compile(r"transmission-daemon (\d+\.\d+(?:\.\d+)?)")
_NUMBERS = itertools.count(1)
"""Numbers synthetic torrent names, so every torrent (and its info-hash) is unique."""


@dataclass(slots=True)
class TransmissionServer:
    """A running transmission-daemon: where it listens, how to log in, where its files are."""

    url: str
    """The RPC URL, ``http://127.0.0.1:<port>/transmission/rpc``."""
    generation: str
    """``"4"`` or ``"3.00"``."""
    version: str
    """What the binary reports, e.g. ``"4.1.4"`` or ``"3.00"``."""
    username: str
    password: str
    auth: bool
    pid: int
    home: Path
    """The throw-away folder: ``config/`` (settings.json), ``downloads/``, ``daemon.log``."""
    rpc_port: int
    peer_port: int
    host_side: bool
    """True when it runs in the host's mount namespace (3.00)."""
    process: subprocess.Popen[bytes] = field(repr=False)
    session_id: str = field(default="", repr=False)

    @property
    def download_dir(self) -> Path:
        """Where torrents' data lives (the daemon's ``download-dir``)."""
        return self.home / "downloads"

    @property
    def config_dir(self) -> Path:
        """The daemon's config folder (``-g``)."""
        return self.home / "config"

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>`` (what a user types into the config flow)."""
        return f"http://127.0.0.1:{self.rpc_port}"

    def log(self) -> str:
        """The daemon's log so far (its ``-e`` log file and stdout)."""
        text = ""
        for name in ("daemon.log", "stdout.log"):
            path = self.home / name
            if path.exists():
                text += path.read_text(errors="replace")
        return text

    def rpc(self, method: str, arguments: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Call ``method`` with the right credentials; return ``arguments`` of a success reply."""
        status, body, _ = raw_rpc(self, method, arguments)
        if status != 200:
            raise RuntimeError(f"{method}: HTTP {status} {body[:200]!r}")
        reply: dict[str, Any] = json.loads(body)
        if reply.get("result") != "success":
            raise RuntimeError(f"{method}: {reply.get('result')!r}")
        result: dict[str, Any] = reply.get("arguments", {})
        return result


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def normalize_version(version: str) -> str:
    """``"4"``/``"4.x"`` -> ``"4"``, ``"3"``/``"3.00"`` -> ``"3.00"``."""
    try:
        return _ALIASES[version]
    except KeyError:
        raise ValueError(
            f"unknown transmission version {version!r}; use one of {VERSIONS}"
        ) from None


# --- raw HTTP ----------------------------------------------------------------------------


def http_post(
    port: int,
    body: bytes,
    *,
    headers: Mapping[str, str] | None = None,
    path: str = RPC_PATH,
    timeout: float = 30.0,
) -> tuple[int, bytes, dict[str, str]]:
    """One raw POST to 127.0.0.1:``port``; return (status, body, headers)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("POST", path, body=body, headers=dict(headers or {}))
        resp = conn.getresponse()
        return resp.status, resp.read(), {k.lower(): v for k, v in resp.getheaders()}
    finally:
        conn.close()


def basic_auth(username: str, password: str) -> str:
    """An ``Authorization: Basic`` header value."""
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def raw_rpc(
    server: TransmissionServer,
    method: str,
    arguments: Mapping[str, Any] | None = None,
    *,
    username: str | None = None,
    password: str | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 30.0,
) -> tuple[int, bytes, dict[str, str]]:
    """POST one RPC request, doing the 409 session-id dance; return (status, body, headers).

    Credentials default to the server's (sent only when it requires auth); pass ``username``/
    ``password`` to try others (a wrong password counts towards the anti-brute-force lock).
    """
    payload = json.dumps({"method": method, "arguments": dict(arguments or {})}).encode()
    send: dict[str, str] = {"Content-Type": "application/json"}
    if server.auth or username is not None or password is not None:
        send["Authorization"] = basic_auth(
            server.username if username is None else username,
            server.password if password is None else password,
        )
    send.update(headers or {})
    for _ in range(3):
        if server.session_id:
            send["X-Transmission-Session-Id"] = server.session_id
        status, body, got = http_post(server.rpc_port, payload, headers=send, timeout=timeout)
        if status == 409 and "x-transmission-session-id" in got:
            server.session_id = got["x-transmission-session-id"]
            continue
        return status, body, got
    return status, body, got


# --- start / stop -------------------------------------------------------------------------


def settings(
    server_home: Path,
    *,
    generation: str,
    rpc_port: int,
    peer_port: int,
    auth: bool,
    username: str,
    password: str,
    whitelist: str | None,
    host_whitelist: str | None,
    anti_brute_force_threshold: int | None,
    extra_settings: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The ``settings.json`` this module writes (see :func:`start_transmission`)."""
    values: dict[str, Any] = {
        "rpc-enabled": True,
        "rpc-bind-address": "127.0.0.1",
        "rpc-port": rpc_port,
        "rpc-url": "/transmission/",
        "rpc-authentication-required": auth,
        "rpc-username": username,
        "rpc-password": password,
        "rpc-whitelist-enabled": whitelist is not None,
        "rpc-whitelist": whitelist if whitelist is not None else "127.0.0.1",
        "rpc-host-whitelist-enabled": host_whitelist is not None,
        "rpc-host-whitelist": host_whitelist or "",
        "anti-brute-force-enabled": anti_brute_force_threshold is not None,
        "anti-brute-force-threshold": anti_brute_force_threshold or 100,
        "bind-address-ipv4": "127.0.0.1",
        "bind-address-ipv6": "::1",
        "peer-port": peer_port,
        "peer-port-random-on-start": False,
        "dht-enabled": False,
        "lpd-enabled": False,
        "pex-enabled": False,
        "utp-enabled": False,
        "port-forwarding-enabled": False,
        "download-dir": str(server_home / "downloads"),
        "incomplete-dir-enabled": False,
        "watch-dir-enabled": False,
        "start-added-torrents": True,
        "ratio-limit-enabled": False,
        "idle-seeding-limit-enabled": False,
        "download-queue-enabled": False,
        "seed-queue-enabled": False,
        "cache-size-mb": 4,
        "message-level": 3 if generation == "3.00" else 5,
    }
    values.update(extra_settings or {})
    return values


def _binary_version(argv: list[str], *, home: Path, host: bool, generation: str) -> str:
    """What ``argv`` (``transmission-daemon --version``) reports; it must be ``generation``."""
    command = hostside.host_command(argv) if host else argv
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        cwd=home,
        env=hostside.host_environment(home),
    )
    match = _VERSION.search(result.stdout + result.stderr)
    if not match:
        raise hostside.ServerUnavailableError(
            f"{' '.join(argv)} printed no version "
            f"({(result.stdout + result.stderr).strip()[:200]!r}): {hostside.SETUP_HINT}"
        )
    found = match.group(1)
    if found.partition(".")[0] != generation.partition(".")[0]:
        raise hostside.ServerUnavailableError(
            f"{argv[0]} is {found}, not {generation}: {hostside.SETUP_HINT}"
        )
    return found


def start_transmission(
    version: str = "4",
    *,
    auth: bool = True,
    username: str = USERNAME,
    password: str = DEFAULT_PASSWORD,
    whitelist: str | None = "127.0.0.1",
    host_whitelist: str | None = None,
    anti_brute_force_threshold: int | None = None,
    peer_port: int | None = None,
    extra_settings: Mapping[str, Any] | None = None,
    timeout: float = START_TIMEOUT,
) -> TransmissionServer:
    """Start transmission-daemon ``version`` (``"4"`` or ``"3.00"``) and wait until RPC answers.

    ``whitelist=None`` turns ``rpc-whitelist`` off, ``host_whitelist`` turns
    ``rpc-host-whitelist`` on with that value (4.x answers 421 for other Host headers), an
    ``anti_brute_force_threshold`` turns the lock-out on (3.00 ignores the number and locks
    after 100 failures). ``extra_settings`` override anything in ``settings.json``.
    """
    generation = normalize_version(version)
    host = generation == "3.00"
    if host:
        binary = str(hostside.require_host_binary("transmission-daemon", "transmission-daemon"))
        home = hostside.make_run_dir("tr300-")
    else:
        if shutil.which("transmission-daemon") is None:
            raise hostside.ServerUnavailableError(
                "transmission-daemon 4.x is not in the toolbox: "
                f"{hostside.SETUP_HINT} (TOOLBOX_EXTRA must include transmission-daemon)"
            )
        binary = "transmission-daemon"
        home = Path(tempfile.mkdtemp(prefix="tr4-"))
    try:
        found = _binary_version([binary, "--version"], home=home, host=host, generation=generation)
        rpc_port = free_port()
        peer_port = peer_port or free_port()
        (home / "config").mkdir()
        (home / "downloads").mkdir()
        values = settings(
            home,
            generation=generation,
            rpc_port=rpc_port,
            peer_port=peer_port,
            auth=auth,
            username=username,
            password=password,
            whitelist=whitelist,
            host_whitelist=host_whitelist,
            anti_brute_force_threshold=anti_brute_force_threshold,
            extra_settings=extra_settings,
        )
        (home / "config" / "settings.json").write_text(json.dumps(values, indent=1))
        argv = [binary, "-f", "-g", str(home / "config"), "-e", str(home / "daemon.log")]
        env = hostside.host_environment(home)
        if host:
            process = hostside.host_popen(argv, home=home, log=home / "stdout.log", env=env)
        else:
            with (home / "stdout.log").open("wb") as out:
                process = subprocess.Popen(
                    argv,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                    cwd=home,
                    env=env,
                )
            hostside.register(process.pid, home)
    except BaseException:
        shutil.rmtree(home, ignore_errors=True)
        raise
    server = TransmissionServer(
        url=f"http://127.0.0.1:{rpc_port}{RPC_PATH}",
        generation=generation,
        version=found,
        username=username,
        password=password,
        auth=auth,
        pid=process.pid,
        home=home,
        rpc_port=rpc_port,
        peer_port=peer_port,
        host_side=host,
        process=process,
    )
    try:
        _wait_until_up(server, timeout)
    except BaseException:
        stop_transmission(server)
        raise
    return server


def _wait_until_up(server: TransmissionServer, timeout: float) -> None:
    """Wait for the RPC port to answer (any HTTP status: a whitelist test may expect 403)."""
    deadline = time.monotonic() + timeout
    while True:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"transmission-daemon {server.generation} exited with "
                f"{server.process.returncode}:\n{server.log()[-2000:]}"
            )
        try:
            status, _, got = http_post(server.rpc_port, b"{}", timeout=2)
        except OSError:
            status = 0
        else:
            server.session_id = got.get("x-transmission-session-id", server.session_id)
        if status:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"transmission-daemon at {server.url} did not answer in {timeout:g} s"
            )
        time.sleep(0.05)


def stop_transmission(server: TransmissionServer, *, timeout: float = STOP_TIMEOUT) -> None:
    """Stop the daemon by PID (SIGTERM, then SIGKILL) and remove its folder."""
    try:
        hostside.stop_process(server.process, timeout=timeout)
    finally:
        shutil.rmtree(server.home, ignore_errors=True)


@contextlib.contextmanager
def running_transmission(version: str = "4", **options: Any) -> Iterator[TransmissionServer]:
    """Context manager form of :func:`start_transmission` / :func:`stop_transmission`."""
    server = start_transmission(version, **options)
    try:
        yield server
    finally:
        stop_transmission(server)


# --- torrents -----------------------------------------------------------------------------


def bencode(value: object) -> bytes:
    """Bencode ints, str/bytes, lists and dicts (keys sorted as raw bytes)."""
    if isinstance(value, bool):
        raise TypeError("bencode has no booleans")
    if isinstance(value, int):
        return b"i%de" % value
    if isinstance(value, str):
        value = value.encode()
    if isinstance(value, bytes):
        return b"%d:%s" % (len(value), value)
    if isinstance(value, list | tuple):
        return b"l" + b"".join(bencode(item) for item in value) + b"e"
    if isinstance(value, dict):
        items = sorted((k.encode() if isinstance(k, str) else k, v) for k, v in value.items())
        return b"d" + b"".join(bencode(k) + bencode(v) for k, v in items) + b"e"
    raise TypeError(f"cannot bencode {type(value).__name__}")


@dataclass(frozen=True, slots=True)
class SyntheticTorrent:
    """A .torrent made by :func:`make_torrent`, and the truth to compare the daemon against."""

    name: str
    info_hash: str
    """v1 info-hash, 40 lowercase hex digits."""
    metainfo: bytes
    """The bencoded .torrent file."""
    files: tuple[tuple[str, int], ...]
    """(path inside the torrent, size in bytes)."""
    piece_length: int
    announce: str | None

    @property
    def total_size(self) -> int:
        """Bytes over all files."""
        return sum(size for _, size in self.files)


def make_torrent(
    download_dir: Path,
    name: str,
    *,
    size: int = 48 * 1024,
    files: Mapping[str, int] | None = None,
    piece_length: int = 16 * 1024,
    announce: str | None = None,
    private: bool = False,
    comment: str | None = None,
    write_data: bool = True,
    seed: int | None = None,
) -> SyntheticTorrent:
    """Make a torrent over pseudo-random local data in ``download_dir``.

    Without ``files`` it is a single-file torrent ``name`` of ``size`` bytes; with ``files``
    (relative path -> bytes) a folder ``name`` holding them. The data is written into
    ``download_dir`` (so the daemon verifies and seeds it) unless ``write_data`` is false, which
    leaves a torrent that stays at 0 % with nobody to download from.
    """
    rng = random.Random(name if seed is None else seed)
    layout = [(name, size)] if files is None else sorted(files.items())
    blob = bytearray()
    for relative, length in layout:
        data = rng.randbytes(length)
        blob += data
        if write_data:
            target = download_dir / relative if files is None else download_dir / name / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    pieces = b"".join(
        hashlib.sha1(bytes(blob[i : i + piece_length])).digest()  # noqa: S324 (BitTorrent v1)
        for i in range(0, len(blob), piece_length)
    )
    info: dict[str, Any] = {"name": name, "piece length": piece_length, "pieces": pieces}
    if files is None:
        info["length"] = size
    else:
        info["files"] = [
            {"length": length, "path": relative.split("/")} for relative, length in layout
        ]
    if private:
        info["private"] = 1
    meta: dict[str, Any] = {"info": info, "created by": "stepheybot tests"}
    if announce:
        meta["announce"] = announce
    if comment:
        meta["comment"] = comment
    return SyntheticTorrent(
        name=name,
        info_hash=hashlib.sha1(bencode(info)).hexdigest(),  # noqa: S324
        metainfo=bencode(meta),
        files=tuple((relative, length) for relative, length in layout),
        piece_length=piece_length,
        announce=announce,
    )


def add_torrent(
    server: TransmissionServer,
    torrent: SyntheticTorrent,
    *,
    labels: Sequence[str] | None = None,
    paused: bool = False,
    download_dir: Path | None = None,
) -> int:
    """Add ``torrent`` (metainfo) and return its id; ``labels`` go in ``torrent-add`` on 4.x and
    through ``torrent-set`` on 3.00 (which has no labels in ``torrent-add``)."""
    args: dict[str, Any] = {
        "metainfo": base64.b64encode(torrent.metainfo).decode(),
        "download-dir": str(download_dir or server.download_dir),
        "paused": paused,
    }
    if labels and server.generation != "3.00":
        args["labels"] = list(labels)
    reply = server.rpc("torrent-add", args)
    added = reply.get("torrent-added") or reply.get("torrent-duplicate")
    if not added:
        raise RuntimeError(f"torrent-add returned {reply!r}")
    torrent_id: int = added["id"]
    if labels and server.generation == "3.00":
        server.rpc("torrent-set", {"ids": [torrent_id], "labels": list(labels)})
    return torrent_id


def torrents(server: TransmissionServer, *fields: str) -> list[dict[str, Any]]:
    """``torrent-get`` of every torrent with ``fields`` (``id``, ``hashString``, ``status``
    are always included)."""
    wanted = sorted({"id", "hashString", "status", *fields})
    result: list[dict[str, Any]] = server.rpc("torrent-get", {"fields": wanted})["torrents"]
    return result


def wait_for_status(
    server: TransmissionServer,
    hashes: Sequence[str],
    status: int | Sequence[int],
    *,
    timeout: float = 60.0,
) -> None:
    """Wait until every torrent in ``hashes`` has ``status`` (one of them, for a sequence)."""
    wanted = {status} if isinstance(status, int) else set(status)
    pending = set(hashes)

    def done() -> bool:
        states = {t["hashString"]: t["status"] for t in torrents(server)}
        return all(states.get(h) in wanted for h in pending)

    hostside.wait_for(done, timeout=timeout, what=f"{len(pending)} torrents in status {wanted}")


def add_synthetic_torrents(
    server: TransmissionServer,
    count: int,
    *,
    seeded: bool = True,
    labels: Sequence[str] | None = None,
    size: int = 48 * 1024,
    name_prefix: str = "Synthetic Album",
    announce: str | None = None,
    paused: bool = False,
    wait: bool = True,
    timeout: float = 120.0,
) -> list[SyntheticTorrent]:
    """Add ``count`` torrents; with ``seeded`` their data is there, so they verify and seed.

    With ``wait`` the call returns once every torrent seeds (``seeded``, not ``paused``), is
    stopped (``paused``) or is listed at all (otherwise).
    """
    made: list[SyntheticTorrent] = []
    for _ in range(count):
        torrent = make_torrent(
            server.download_dir,
            f"{name_prefix} {next(_NUMBERS):04d}",
            size=size,
            announce=announce,
            write_data=seeded,
        )
        add_torrent(server, torrent, labels=labels, paused=paused)
        made.append(torrent)
    if wait:
        hashes = [t.info_hash for t in made]
        if paused:
            wait_for_status(server, hashes, STATUS_STOPPED, timeout=timeout)
        elif seeded:
            wait_for_status(server, hashes, STATUS_SEED, timeout=timeout)
        else:
            wait_for_status(server, hashes, range(7), timeout=timeout)
    return made


# --- a tiny HTTP tracker -------------------------------------------------------------------


@dataclass(slots=True)
class Tracker:
    """A loopback HTTP tracker that answers every announce with no peers."""

    announce_url: str
    announces: list[dict[str, str]] = field(default_factory=list)
    """The query of each announce received (``info_hash`` percent-decoded to hex)."""


@contextlib.contextmanager
def running_tracker(
    *, interval: int = 60, seeders: int = 3, leechers: int = 1
) -> Iterator[Tracker]:
    """Run a tracker on 127.0.0.1 in a thread; it reports ``seeders``/``leechers``."""
    tracker = Tracker(announce_url="")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            query = urllib.parse.parse_qs(
                urllib.parse.urlsplit(self.path).query, encoding="latin-1"
            )
            record = {k: v[0] for k, v in query.items()}
            if "info_hash" in record:
                record["info_hash"] = record["info_hash"].encode("latin-1").hex()
            tracker.announces.append(record)
            body = bencode(
                {"interval": interval, "complete": seeders, "incomplete": leechers, "peers": b""}
            )
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    tracker.announce_url = f"http://127.0.0.1:{httpd.server_address[1]}/announce"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield tracker
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


# --- pytest fixtures --------------------------------------------------------------------


@pytest.fixture
def transmission_server() -> Iterator[Callable[..., TransmissionServer]]:
    """Start private daemons (``transmission_server(version="3.00", auth=False)``); all are
    stopped by PID afterwards."""
    started: list[TransmissionServer] = []

    def factory(version: str = "4", **options: Any) -> TransmissionServer:
        server = start_transmission(version, **options)
        started.append(server)
        return server

    yield factory
    for server in started:
        stop_transmission(server)


@pytest.fixture(scope="session")
def transmission4() -> Iterator[TransmissionServer]:
    """A shared transmission-daemon 4.x (auth on). Do not lock it out."""
    with running_transmission("4") as server:
        yield server


@pytest.fixture(scope="session")
def transmission3() -> Iterator[TransmissionServer]:
    """A shared transmission-daemon 3.00 (host side, auth on). Do not lock it out."""
    with running_transmission("3.00") as server:
        yield server
