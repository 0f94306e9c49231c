"""Command-line entry point."""


def main() -> None:
    """Run the exporter."""
    raise SystemExit("the exporter is not built yet")
