"""Memory a Home Assistant integration holds once set up (``tracemalloc``, in-process).

Home Assistant runs every integration in one process, so what matters to a user is what an
integration adds to it: the Python objects it still holds after its set-up and a poll (the
torrent list, entities, coordinators), and the peak while it set up (the first full listing).
Both are measured with ``tracemalloc`` (every thread: HA core's libraries run in the executor)
around :meth:`Subject.setup` plus one poll, after a ``gc.collect()``. The integrations' modules
are imported first (:func:`import_integrations`), so the figure is the data, not the code,
at every size alike. ``tracemalloc`` sees Python's allocations, not memory C libraries take
for themselves (small here: the JSON and HTTP parsers hand everything over as Python objects).
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import pkgutil
import tracemalloc
from dataclasses import dataclass

from .subjects import Subject

PACKAGES = (
    "custom_components.stepheybot_music",
    "homeassistant.components.qbittorrent",
    "homeassistant.components.transmission",
)


@dataclass(slots=True)
class HeldMemory:
    """What one Home Assistant subject holds after set-up and one poll, in KiB."""

    subject: str
    backend: str
    size: int
    held_kib: int
    """Traced memory still allocated after set-up and a poll (garbage collected)."""
    setup_peak_kib: int
    """The traced peak above the start while it set up and polled."""


def import_integrations() -> None:
    """Import every module of the measured integrations (once per process)."""
    for name in PACKAGES:
        with contextlib.suppress(ImportError):
            package = importlib.import_module(name)
            for info in pkgutil.walk_packages(package.__path__, name + "."):
                with contextlib.suppress(Exception):  # a module HA never loads here
                    importlib.import_module(info.name)


async def held_by(subject: Subject, size: int) -> HeldMemory:
    """Set ``subject`` up under ``tracemalloc`` and return what it holds afterwards."""
    backend = "transmission" if "transmission" in subject.name.lower() else "qbittorrent"
    if subject.ours:  # ours is named for the integration, not the backend
        backend = getattr(subject, "backend_kind", backend)
    gc.collect()
    tracemalloc.start()
    try:
        base, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        await subject.setup()
        await subject.poll()
        gc.collect()
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return HeldMemory(
        subject=subject.name,
        backend=backend,
        size=size,
        held_kib=max(current - base, 0) // 1024,
        setup_peak_kib=max(peak - base, 0) // 1024,
    )
