"""Write the dashboards, or with ``--check`` only report which ones are out of date."""

from __future__ import annotations

import argparse
import sys

from . import DASHBOARD_DIR, render_all


def main(argv: list[str] | None = None) -> int:
    """Generate (or check) every dashboard; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m grafana.generator", description=__doc__)
    parser.add_argument(
        "--check", action="store_true", help="fail if a committed dashboard differs"
    )
    args = parser.parse_args(argv)
    stale = []
    DASHBOARD_DIR.mkdir(parents=True, exist_ok=True)
    for name, text in render_all().items():
        path = DASHBOARD_DIR / name
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(name)
        if not args.check:
            path.write_text(text, encoding="utf-8")
    verb = "out of date" if args.check else "written"
    for name in stale:
        sys.stdout.write(f"{DASHBOARD_DIR / name}: {verb}\n")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
