"""Run the simulated stack in the foreground: ``python -m simulator`` (or ``scripts/simulate``)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from pathlib import Path

from .backends.transmission_flavors import DEFAULT_FLAVOR as DEFAULT_TRANSMISSION_FLAVOR
from .backends.transmission_flavors import FLAVORS as TRANSMISSION_FLAVORS
from .generate import Scale
from .server import Simulator, default_specs
from .world import SEARCH_SECONDS

_LOGGER = logging.getLogger("simulator")
_DEFAULT = Scale()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="scripts/simulate",
        description=(
            "Simulate a whole music stack (Music Brain, Navidrome, Lidarr, qBittorrent, "
            "Transmission, Jackett, Prowlarr, gluetun, Docker) on 127.0.0.1 until stopped. "
            "Once every backend listens, writes a stack file for the exporter and the demo."
        ),
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated stack")
    parser.add_argument(
        "--stack-file",
        type=Path,
        default=Path("stack.yaml"),
        help="where to write the stack file (default: ./stack.yaml, mode 0600)",
    )
    parser.add_argument(
        "--speed",
        type=float,
        default=10.0,
        help="simulated seconds per real second (default 10; 0 freezes time)",
    )
    parser.add_argument("--artists", type=int, default=_DEFAULT.artists, help="artists in Lidarr")
    parser.add_argument(
        "--albums", type=int, default=_DEFAULT.albums, help="albums of those artists"
    )
    parser.add_argument(
        "--tracks", type=int, default=_DEFAULT.tracks, help="tracks of those albums"
    )
    parser.add_argument(
        "--torrents",
        type=int,
        default=0,
        help="extra stopped torrents per download client (half in music)",
    )
    parser.add_argument(
        "--download-speed",
        type=float,
        default=8.0,
        help="download speed per torrent in MiB/s of simulated time (default 8)",
    )
    parser.add_argument(
        "--search-seconds",
        type=float,
        default=SEARCH_SECONDS,
        help=(
            "how long a Lidarr search runs before it grabs, in simulated seconds "
            f"(default {SEARCH_SECONDS:g}; 0: at once)"
        ),
    )
    parser.add_argument(
        "--qbittorrent-flavor",
        choices=("5.3", "4.5"),
        default="5.3",
        help="qBittorrent WebUI API generation to play",
    )
    parser.add_argument(
        "--transmission-flavor",
        choices=tuple(TRANSMISSION_FLAVORS),
        default=DEFAULT_TRANSMISSION_FLAVOR,
        help=(
            "Transmission release to play: 2.94 (no labels), 3.00 (labels only through "
            "torrent-set, 403 texts), 4.0 (labels in torrent-add; the lock's 403 is the "
            "whitelist's) or 4.1 (a relabelled torrent is recently active)"
        ),
    )
    parser.add_argument(
        "--gluetun-flavor",
        choices=("3.39", "3.40", "3.41", "current"),
        default="3.41",
        help=(
            "gluetun release to play: 3.39 (no auth), 3.40 (roles, public defaults, the port at "
            "/v1/openvpn/portforwarded), 3.41 (/v1/portforward) or current (latest: nothing "
            "public); the API key becomes the role a user of that release would set"
        ),
    )
    parser.add_argument(
        "--docker-flavor",
        choices=("1.52", "1.51", "1.47", "1.41", "podman-5.8", "podman-4.3"),
        default="1.52",
        help=(
            "container engine to play: a Docker API version (1.52: Engine 29, health in the "
            "list; older: in the Status text) or podman's Docker API (no health in the list)"
        ),
    )
    parser.add_argument(
        "--control-port", type=int, default=0, help="port of the control endpoint (0: any)"
    )
    parser.add_argument("--verbose", action="store_true", help="log every story event")
    return parser.parse_args(argv)


async def run(args: argparse.Namespace) -> None:
    """Start the simulator, write the stack file, and wait for a signal."""
    specs = default_specs(f"{args.seed:04x}")
    for spec in specs:
        if spec.kind == "qbittorrent":
            spec.flavor = args.qbittorrent_flavor
        if spec.kind == "transmission":
            spec.flavor = args.transmission_flavor
        if spec.kind == "gluetun":
            spec.flavor = args.gluetun_flavor
        if spec.kind == "docker":
            spec.flavor = args.docker_flavor
    scale = Scale(
        artists=args.artists,
        albums=max(args.albums, args.artists),
        tracks=max(args.tracks, args.albums),
        torrents=args.torrents,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    async with Simulator(
        seed=args.seed,
        scale=scale,
        specs=specs,
        speed=args.speed,
        control_port=args.control_port,
        download_speed=int(args.download_speed * 1024 * 1024),
        command_duration=max(0.0, args.search_seconds),
    ) as sim:
        sim.write_stack_file(args.stack_file)
        print(f"simulated stack {sim.stack_name!r} is up (seed {args.seed}):")
        for backend in sim.stack_config().backends:
            print(f"  {backend.name:<13} {backend.kind:<13} {backend.url}")
        socket_path = sim.docker_socket_path()
        if socket_path:
            print(f"  docker (unix)               unix://{socket_path}")
        print(f"  control                     http://127.0.0.1:{sim.control_port}/control/state")
        print(f"stack file: {args.stack_file.resolve()}  (Ctrl-C stops)")
        sys.stdout.flush()
        seen = 0
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0)
            if args.verbose:
                for when, text in sim.world.events[seen:]:
                    print(f"{when:%H:%M:%S} {text}")
                seen = len(sim.world.events)
    print("simulator stopped")


def main(argv: list[str] | None = None) -> None:
    """Entry point."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    asyncio.run(run(parse_args(argv)))


if __name__ == "__main__":
    main()
