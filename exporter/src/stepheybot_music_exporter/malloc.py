"""glibc malloc tuning for a long-lived process that now and then reads a 15 MB reply.

glibc serves blocks above its mmap threshold (128 KiB) with ``mmap`` and gives them back to the
system when freed, but every such free raises the threshold to the freed block's size (up to
32 MiB). After the first full qBittorrent sync at 10,000 torrents (a 15 MB body), every later
buffer below that size comes from the heap, where freed memory mostly stays with the process,
and each full re-sync (a lost session) stacks on what the last one left: the exporter's peak
RSS grew from 84 to 103 MiB over three qBittorrent restarts. A fixed threshold (which also turns
the dynamic adjustment off) keeps big transient buffers in ``mmap``: 72-75 MiB per re-sync.

The Docker image sets ``MALLOC_MMAP_THRESHOLD_`` (read by glibc at start-up); other installs get
the same threshold from :func:`tune_malloc`, called before aiohttp and the clients load.
"""

from __future__ import annotations

import ctypes
import os

MMAP_THRESHOLD = 256 * 1024
"""Bytes; blocks this big or bigger are mmapped and returned to the system when freed."""
_M_MMAP_THRESHOLD = -3  # from glibc's malloc.h
ENV = "MALLOC_MMAP_THRESHOLD_"


def _is_glibc() -> bool:
    try:
        return (os.confstr("CS_GNU_LIBC_VERSION") or "").startswith("glibc")
    except (ValueError, OSError, AttributeError):  # not a glibc system
        return False


def tune_malloc() -> bool:
    """Fix glibc's mmap threshold at :data:`MMAP_THRESHOLD`; True when this call set it.

    Does nothing when ``MALLOC_MMAP_THRESHOLD_`` is set (glibc already applied the user's
    choice) or the C library is not glibc (musl, macOS).
    """
    if ENV in os.environ or not _is_glibc():
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD))
