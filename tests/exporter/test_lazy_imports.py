"""The exporter loads the code of the backends it scrapes, not of all nine (issue 22: memory).

Every client module costs resident memory for the process's lifetime; a stack of one
qBittorrent must not carry Lidarr's, Docker's or Subsonic's clients. Checked in a fresh
interpreter, since this test process has imported everything already.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from stepheybot_music_clients.models import BackendKind

PROBE = textwrap.dedent(
    """
    import json, sys
    from stepheybot_music_clients.models import BackendKind
    from stepheybot_music_clients.stackfile import BackendConfig
    import stepheybot_music_exporter.__main__
    from stepheybot_music_exporter.collectors import make_collector
    from stepheybot_music_exporter.config import CollectorOptions

    loaded_at_start = sorted(m for m in sys.modules if m.startswith("stepheybot_music_clients."))
    make_collector(
        BackendConfig(name="q", kind=BackendKind(sys.argv[1]), url="http://127.0.0.1:9/"),
        CollectorOptions(),
    )
    loaded = sorted(m for m in sys.modules if m.startswith("stepheybot_music_clients."))
    print(json.dumps([loaded_at_start, loaded]))
    """
)
CLIENT_PACKAGES = {
    BackendKind.LIDARR: "lidarr",
    BackendKind.QBITTORRENT: "qbittorrent",
    BackendKind.TRANSMISSION: "transmission",
    BackendKind.NAVIDROME: "subsonic",
    BackendKind.DOCKER: "docker",
    BackendKind.GLUETUN: "gluetun",
    BackendKind.JACKETT: "indexers",
    BackendKind.MUSIC_BRAIN: "music_brain",
}


def _loaded(kind: BackendKind) -> tuple[set[str], set[str]]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(kind)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    start, after = json.loads(result.stdout)
    return {m.split(".")[1] for m in start}, {m.split(".")[1] for m in after}


def test_a_qbittorrent_stack_loads_only_the_download_clients() -> None:
    """The download domain (counts, views) reads both clients' models, so Transmission's
    small package comes along; no other client does."""
    start, after = _loaded(BackendKind.QBITTORRENT)
    assert not start & set(CLIENT_PACKAGES.values()), "no client is loaded before a collector"
    assert "qbittorrent" in after
    others = set(CLIENT_PACKAGES.values()) - {"qbittorrent", "transmission"}
    assert not after & others, f"loaded for a qBittorrent stack: {sorted(after & others)}"


def test_a_lidarr_stack_loads_the_lidarr_client() -> None:
    _, after = _loaded(BackendKind.LIDARR)
    assert "lidarr" in after
    assert "qbittorrent" not in after
