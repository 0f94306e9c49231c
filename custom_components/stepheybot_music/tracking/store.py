"""The stack's requests, kept in Home Assistant's storage so they survive a restart."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from ..const import DOMAIN
from .models import Stage, TrackedRequest

_LOGGER = logging.getLogger(__package__)

STORAGE_VERSION = 1
SAVE_DELAY = 5.0
"""Seconds a change may wait before it is written (several changes make one write)."""
KEEP_FINISHED = timedelta(days=30)
MAX_FINISHED = 200
"""Finished requests are kept this long, at most this many (newest first)."""


class RequestStore:
    """Every request of one stack, by id, newest last; in memory and on disk."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """The store of stack ``entry_id`` (load it before use)."""
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.requests", private=True
        )
        self._requests: dict[str, TrackedRequest] = {}

    async def async_load(self) -> None:
        """Read the stored requests; unreadable ones are logged and skipped."""
        data = await self._store.async_load() or {}
        for item in data.get("requests", []):
            try:
                request = TrackedRequest.from_dict(item)
            except (KeyError, TypeError, ValueError) as err:
                _LOGGER.warning("Skipping a stored request that cannot be read: %s", err)
                continue
            self._requests[request.request_id] = request

    def get(self, request_id: str) -> TrackedRequest | None:
        """One request by id."""
        return self._requests.get(request_id)

    def put(self, request: TrackedRequest) -> None:
        """Add or replace a request and schedule a write."""
        self._requests.pop(request.request_id, None)
        self._requests[request.request_id] = request
        self._prune()
        self._store.async_delay_save(self._data, SAVE_DELAY)

    def all(self) -> list[TrackedRequest]:
        """Every request, newest first."""
        return sorted(self._requests.values(), key=lambda r: r.created_at, reverse=True)

    def in_flight(self) -> list[TrackedRequest]:
        """Requests not yet in the library nor failed, newest first."""
        return [request for request in self.all() if not request.finished]

    def at(self, stages: Iterable[Stage]) -> list[TrackedRequest]:
        """Requests at any of ``stages``, newest first."""
        wanted = frozenset(stages)
        return [request for request in self.all() if request.stage in wanted]

    async def async_flush(self) -> None:
        """Write now (on unload)."""
        await self._store.async_save(self._data())

    def _prune(self) -> None:
        cutoff = dt_util.utcnow() - KEEP_FINISHED
        finished = [r for r in self.all() if r.finished]
        for index, request in enumerate(finished):
            if index >= MAX_FINISHED or request.stage_changed_at < cutoff:
                del self._requests[request.request_id]

    def _data(self) -> dict[str, Any]:
        return {"requests": [request.as_dict() for request in self._requests.values()]}
