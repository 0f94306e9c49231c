"""``scripts/demo`` (``python -m demo``): the whole product on a simulated stack, until Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from pathlib import Path

from .check import run_checks
from .children import DemoError
from .stack import (
    DEFAULT_DOWNLOAD_SPEED,
    DEFAULT_SPEED,
    DEFAULT_STORY_AFTER,
    ROOT,
    Demo,
    DemoOptions,
)
from .summary import summary


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="scripts/demo",
        description=(
            "Start the simulated music stack, a real Home Assistant with the StepheyBot Music "
            "integration set up against it (onboarded, with a dashboard), the Prometheus "
            "exporter and a real Prometheus with the alert rules; print where they are; "
            "stop everything on Ctrl-C."
        ),
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the simulated stack")
    parser.add_argument(
        "--speed",
        type=float,
        default=DEFAULT_SPEED,
        help=(
            "simulated seconds per real second (default 1; faster makes imports and scans "
            "quicker, and the stack's timestamps run ahead of the real clock)"
        ),
    )
    parser.add_argument(
        "--download-speed",
        type=float,
        default=DEFAULT_DOWNLOAD_SPEED,
        help="download speed per torrent in MiB/s of simulated time (default 4)",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=ROOT / ".demo",
        help="where the throwaway config, data and logs go; wiped at start (default .demo/)",
    )
    parser.add_argument(
        "--no-story",
        action="store_true",
        help="do not request new music through Home Assistant while running",
    )
    parser.add_argument(
        "--story-after",
        type=float,
        default=None,
        metavar="SECONDS",
        help=(
            f"seconds before the first request (default {DEFAULT_STORY_AFTER:g}; with --check, 0)"
        ),
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help=(
            "start everything, verify that every part works together (and that the story's "
            "request reaches the library), stop, exit 0 if so"
        ),
    )
    parser.add_argument("--verbose", action="store_true", help="log what the demo does")
    return parser.parse_args(argv)


def _write(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def story_after(args: argparse.Namespace) -> float:
    """Seconds before the story's first request; negative: no story."""
    if args.no_story:
        return -1.0
    if args.story_after is not None:
        return max(0.0, float(args.story_after))
    return 0.0 if args.check else DEFAULT_STORY_AFTER


async def run(args: argparse.Namespace) -> int:
    """Run the demo until a signal (or, with ``--check``, until verified)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    options = DemoOptions(
        workdir=args.workdir.resolve(),
        seed=args.seed,
        speed=args.speed,
        download_speed=args.download_speed,
        story_after=story_after(args),
    )
    _write("starting the demo (Home Assistant takes about half a minute)...")
    demo = Demo(options)
    starting = asyncio.create_task(demo.up())
    stopped = asyncio.create_task(stop.wait())
    await asyncio.wait({starting, stopped}, return_when=asyncio.FIRST_COMPLETED)
    if not starting.done():
        _write("stopping...")
        starting.cancel()
        with contextlib.suppress(asyncio.CancelledError, DemoError):
            await starting
        _write("everything stopped")
        return 130
    stopped.cancel()
    try:
        starting.result()
    except DemoError as err:
        _write(f"the demo failed to start: {err}")
        logs = demo.info.logs
        _write(
            f"everything stopped; the logs are in {logs}" if logs.parts else "everything stopped"
        )
        return 1
    try:
        if args.check:
            problems = await run_checks(demo)
            for line in problems:
                _write(f"FAILED: {line}")
            if problems:
                return 1
            if options.story_after < 0 or not demo.has_lidarr:
                _write("no request was followed to the library (no story, or no Lidarr)")
            _write("check passed: every part is up and works with the others")
            return 0
        _write(summary(demo.info, story=not args.no_story and demo.has_lidarr))
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 2.0)
            demo.check_children()
        _write("stopping...")
        return 0
    except DemoError as err:
        _write(f"the demo stopped: {err}")
        return 1
    finally:
        await demo.stop()
        _write("everything stopped")


def main(argv: list[str] | None = None) -> None:
    """Entry point."""
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(name)s %(message)s",
    )
    sys.exit(asyncio.run(run(args)))


if __name__ == "__main__":
    main()
