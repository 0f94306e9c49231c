"""Where the exporter's resident memory goes before it makes a request (issue 22).

    python -m bench.import_memory            # a Markdown table on stdout

Runs a fresh interpreter (the exporter's way: ``tune_malloc`` first) that imports what
``python -m stepheybot_music_exporter`` imports, one group at a time in dependency order, and
reads ``VmRSS`` (with its anonymous and file-backed parts) after each group, then builds the
collector of one qBittorrent and one Transmission backend. Each row is what that group added on
top of the ones above it; file-backed pages are mostly shared libraries (libpython, OpenSSL,
the C extensions), which RSS counts although other processes share them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

from . import procs

GROUPS: list[tuple[str, list[str]]] = [
    ("ssl (OpenSSL, with socket)", ["ssl"]),
    ("asyncio (with selectors, concurrent.futures)", ["asyncio"]),
    ("logging, json, zlib, argparse", ["logging", "json", "zlib", "argparse"]),
    ("yarl, multidict, propcache, frozenlist, aiosignal", ["yarl", "multidict", "aiosignal"]),
    (
        "aiodns, pycares (optional for aiohttp; installed here with Home Assistant)",
        ["aiodns"],
    ),
    ("aiohttp (client: connector, HTTP parser, helpers)", ["aiohttp"]),
    ("aiohttp.web (the /metrics server)", ["aiohttp.web"]),
    ("prometheus_client", ["prometheus_client", "prometheus_client.exposition"]),
    ("PyYAML, voluptuous (stack file)", ["yaml", "voluptuous"]),
    (
        "client library: transport, errors, stack file, factory",
        [
            "stepheybot_music_clients.transport",
            "stepheybot_music_clients.stackfile",
            "stepheybot_music_clients.factory",
        ],
    ),
    ("the exporter's own modules", ["stepheybot_music_exporter.__main__"]),
    (
        "qBittorrent and Transmission clients and collectors",
        [
            "stepheybot_music_exporter.collectors.qbittorrent",
            "stepheybot_music_exporter.collectors.transmission",
        ],
    ),
]

PROBE = textwrap.dedent(
    """
    import importlib, json, sys

    def rss():
        out = {}
        with open("/proc/self/status") as status:
            for line in status:
                key = line.split(":")[0]
                if key in ("VmRSS", "RssAnon", "RssFile"):
                    out[key] = int(line.split()[1])
        return out

    rows = [["the interpreter at start (site, encodings, importlib)", rss()]]
    from stepheybot_music_exporter.malloc import tune_malloc
    tune_malloc()
    for title, modules in json.loads(sys.argv[1]):
        for module in modules:
            importlib.import_module(module)
        rows.append([title, rss()])
    print(json.dumps(rows))
    """
)


def measure() -> list[tuple[str, dict[str, int]]]:
    """The RSS after each group, in KiB."""
    env = {**os.environ, "PYTHONPATH": str(procs.ROOT / "exporter" / "src")}
    result = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(GROUPS)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        timeout=120,
    )
    return [(title, values) for title, values in json.loads(result.stdout)]


def markdown(rows: list[tuple[str, dict[str, int]]]) -> str:
    """What each group added (MiB), and the total."""
    lines = [
        "| imported | RSS added | of it anonymous | of it file-backed | RSS so far |",
        "|---|---|---|---|---|",
    ]
    before = {"VmRSS": 0, "RssAnon": 0, "RssFile": 0}
    for title, now in rows:
        cells = [(now[k] - before[k]) / 1024 for k in ("VmRSS", "RssAnon", "RssFile")]
        lines.append(
            f"| {title} | {cells[0]:.1f} MiB | {cells[1]:.1f} | {cells[2]:.1f} | "
            f"{now['VmRSS'] / 1024:.1f} MiB |"
        )
        before = now
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown(measure()), end="")
