"""The simulator part (placeholder until the simulator has every backend)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


async def run(
    runs: int, *, smoke: bool, notes: list[str], log: Callable[[str], None]
) -> list[dict[str, Any]]:
    notes.append("simulator part not run yet")
    return []
