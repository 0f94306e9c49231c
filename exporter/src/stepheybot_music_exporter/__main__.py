"""Command-line entry point: ``stepheybot-music-exporter --config stack.yaml``."""

from __future__ import annotations

from .malloc import tune_malloc

tune_malloc()  # before aiohttp and the clients load (see malloc.py)

import logging  # noqa: E402
import sys  # noqa: E402
from collections.abc import Sequence  # noqa: E402

from stepheybot_music_clients.errors import StackError  # noqa: E402

from .config import load_config  # noqa: E402
from .server import run  # noqa: E402


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
