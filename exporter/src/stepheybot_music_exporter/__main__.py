"""Command-line entry point: ``stepheybot-music-exporter --config stack.yaml``."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

from stepheybot_music_clients.errors import StackError

from .config import load_config
from .server import run


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the options, load the stack file and serve until stopped."""
    try:
        config = load_config(argv)
    except StackError as err:
        sys.stderr.write(f"stepheybot-music-exporter: {err.message}\n")
        raise SystemExit(2) from None
    logging.basicConfig(
        level=config.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    run(config)


if __name__ == "__main__":
    main()
