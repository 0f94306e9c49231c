"""The exporter fixes glibc's mmap threshold, so big transient buffers go back to the system.

Checked in child processes: after a 20 MiB block is freed, glibc's default (dynamic) threshold
keeps the next 1 MiB buffers on the heap, where they stay after being freed; with the exporter's
tuning they are mmapped and returned.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from stepheybot_music_exporter import malloc

SRC = Path(__file__).resolve().parents[2] / "exporter" / "src"
CHILD = """
import sys
from stepheybot_music_exporter.malloc import tune_malloc

def anon_kib():
    for line in open("/proc/self/status"):
        if line.startswith("RssAnon:"):
            return int(line.split()[1])

applied = tune_malloc() if sys.argv[1] == "tune" else False
big = b"x" * (20 << 20)  # mmapped, then freed: glibc's default raises its threshold to 20 MiB
del big
before = anon_kib()
buffers = [b"x" * (1 << 20) for _ in range(16)]
del buffers
print(applied, anon_kib() - before)
"""

pytestmark = pytest.mark.skipif(not malloc._is_glibc(), reason="glibc only")


def _child(mode: str, **env: str) -> tuple[bool, int]:
    environ = {k: v for k, v in os.environ.items() if k != malloc.ENV}
    out = subprocess.run(
        [sys.executable, "-c", CHILD, mode],
        env={**environ, "PYTHONPATH": str(SRC), **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.split()
    return out[0] == "True", int(out[1])


def test_freed_big_buffers_go_back_to_the_system() -> None:
    applied, kept_kib = _child("tune")
    assert applied
    assert kept_kib < 2048, f"{kept_kib} KiB of freed 1 MiB buffers kept"
    # the control: without the tuning glibc keeps them (so the check above can fail)
    applied, kept_kib = _child("plain")
    assert not applied
    assert kept_kib > 8192


def test_a_threshold_from_the_environment_is_left_alone() -> None:
    applied, kept_kib = _child("tune", MALLOC_MMAP_THRESHOLD_="262144")
    assert not applied  # glibc applied the variable at start-up
    assert kept_kib < 2048


def test_dockerfile_sets_the_same_threshold() -> None:
    dockerfile = (SRC.parent / "Dockerfile").read_text()
    assert f"{malloc.ENV}={malloc.MMAP_THRESHOLD}" in dockerfile
