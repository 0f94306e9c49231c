"""One failure line and one recovery line per backend, however many coordinators poll it.

``DataUpdateCoordinator`` logs the first failure and the recovery of *each* coordinator, so
a backend polled by several (Lidarr's queue, status, library and calendar) would log several
of each, and a stack reloaded after a reauthentication starts with new coordinators that
never failed, so nobody would say that the backend is back. Here every coordinator reports
how each refresh ended (:meth:`StackCoordinator._async_refresh_finished`) to its backend's
:class:`BackendHealth`, which logs a failure when the first of its coordinators fails and a
recovery when the last failing one succeeds again. The coordinators' own lines go to DEBUG
(:class:`QuietLogger`).

The health of a backend lives in ``hass.data`` by config subentry id, so it outlives a
reload of the stack (a reauthentication, new options): the recovery after a reload is still
logged. It does not outlive Home Assistant.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.util.hass_dict import HassKey

from ..const import DOMAIN

_LOGGER = logging.getLogger(__package__)
HEALTH: HassKey[dict[str, BackendHealth]] = HassKey(f"{DOMAIN}_backend_health")


class BackendHealth:
    """Whether one backend is failing, and which of its coordinators (by role) fail."""

    def __init__(self) -> None:
        """A backend that has not failed yet."""
        self.failing: set[str] = set()
        """The roles of the coordinators whose last refresh failed."""
        self.down = False
        """A failure line was logged and no recovery line since."""

    def failed(self, role: str, title: str, message: str) -> None:
        """A coordinator of the backend failed; the first one logs it."""
        self.failing.add(role)
        if not self.down:
            self.down = True
            _LOGGER.error("%s (%s) failed: %s", title, role, message)

    def succeeded(self, role: str, title: str) -> None:
        """A coordinator of the backend succeeded; the last failing one logs the recovery."""
        self.failing.discard(role)
        if self.down and not self.failing:
            self.down = False
            _LOGGER.info("%s recovered", title)

    def keep(self, roles: Iterable[str]) -> None:
        """After a reload: only these coordinators exist now (one that went cannot recover)."""
        self.failing &= set(roles)


def backend_health(hass: HomeAssistant, subentry_id: str) -> BackendHealth:
    """The health of the backend of a config subentry (created on first use)."""
    return hass.data.setdefault(HEALTH, {}).setdefault(subentry_id, BackendHealth())


def forget_removed(hass: HomeAssistant, subentry_ids: set[str]) -> None:
    """Drop the health of backends that no stack has any more."""
    known = hass.data.get(HEALTH, {})
    for subentry_id in set(known) - subentry_ids:
        del known[subentry_id]


class QuietLogger(logging.Logger):
    """A coordinator's logger: its own failure and recovery lines go to DEBUG.

    ``DataUpdateCoordinator`` says that one coordinator failed with ``error()`` and that it
    recovered with ``info()``; :class:`BackendHealth` says it once for the backend instead.
    ``exception()`` (an unexpected error: a bug) and warnings keep their level.
    """

    def __init__(self, name: str) -> None:
        """A logger named ``name``, handing its records to the package's logger."""
        super().__init__(name)
        self.parent = _LOGGER

    def isEnabledFor(self, level: int) -> bool:  # noqa: N802 (logging's name)
        """As enabled as the package's logger (this one is not in the logging tree)."""
        return _LOGGER.isEnabledFor(level)

    def error(self, msg: object, *args: object, **kwargs: Any) -> None:
        """One coordinator's failure: DEBUG (the backend's health logs it once)."""
        kwargs.setdefault("stacklevel", 2)
        super().debug(msg, *args, **kwargs)

    def info(self, msg: object, *args: object, **kwargs: Any) -> None:
        """One coordinator's recovery: DEBUG (the backend's health logs it once)."""
        kwargs.setdefault("stacklevel", 2)
        super().debug(msg, *args, **kwargs)

    def exception(self, msg: object, *args: object, exc_info: Any = True, **kwargs: Any) -> None:
        """An unexpected error: ERROR, with its traceback."""
        kwargs.setdefault("stacklevel", 2)
        self.log(logging.ERROR, msg, *args, exc_info=exc_info, **kwargs)
