"""The coordinator every backend builds on: client errors in, Home Assistant semantics out.

``DataUpdateCoordinator`` already logs a failure once and the recovery once, and makes
the entities of this coordinator (only) unavailable. On top of it this base maps the
client layer's errors:

* :class:`InvalidAuthError` starts a reauthentication flow *for this backend* and raises
  ``ConfigEntryAuthFailed``, which stops polling until the credentials change (a backend
  without credentials, such as Docker behind a proxy, just reports access denied);
* :class:`NoPasswordSetError` (qBittorrent's temporary password) does the same and raises a
  repair issue explaining where the temporary password is and how to set one;
* :class:`IpBannedError` raises a repair issue (for how long and why) and waits for the ban
  to expire (``UpdateFailed(retry_after=...)``, an hour when the backend does not say)
  instead of knocking again;
* every other :class:`StackError` becomes ``UpdateFailed`` with a translation key.

A backend polled by several coordinators (Lidarr's queue, status, library) logs one failure
line and one recovery line, not one per coordinator (:class:`BackendLogger`).
"""

from __future__ import annotations

import logging
from abc import abstractmethod
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from stepheybot_music_clients.errors import (
    BackendTimeoutError,
    CannotConnectError,
    InvalidAuthError,
    IpBannedError,
    NoPasswordSetError,
    StackError,
    TlsError,
    UnexpectedResponseError,
    WrongApplicationError,
)

from ..backends import BACKEND_TYPES
from ..const import CONF_SUBENTRY_ID, DOMAIN
from ..issues import IssueKind, async_clear_issue, async_raise_issue

if TYPE_CHECKING:
    from ..runtime import BackendRef, StepheyBotConfigEntry

_LOGGER = logging.getLogger(__package__)
DEFAULT_BAN_SECONDS = 3600.0
"""How long a ban is assumed to last when the backend does not say (qBittorrent's default)."""
RECOVERED = "Fetching %s data recovered"
"""The message ``DataUpdateCoordinator`` logs when a coordinator succeeds again."""


def error_key(err: StackError) -> str:
    """The translation key of an error that is not about credentials."""
    if isinstance(err, BackendTimeoutError):
        return "timeout"
    if isinstance(err, TlsError):
        return "tls_error"
    if isinstance(err, CannotConnectError):
        return "cannot_connect"
    if isinstance(err, WrongApplicationError):
        return "wrong_application"
    if isinstance(err, UnexpectedResponseError):
        return "unexpected_response"
    return "backend_error"


def ban_minutes(err: IpBannedError) -> int:
    """Whole minutes (at least 1) until a ban is expected to expire."""
    return max(1, round(ban_seconds(err) / 60))


def ban_seconds(err: IpBannedError) -> float:
    """Seconds until a ban is expected to expire (an hour when the backend does not say)."""
    return err.retry_after if err.retry_after is not None else DEFAULT_BAN_SECONDS


class BackendLogger(logging.Logger):
    """The coordinators' logger, saying once per backend that it fails and that it recovered.

    ``DataUpdateCoordinator`` logs the first failure and the recovery of each coordinator; a
    backend with four coordinators would log four of each. Through this logger a coordinator
    logs a failure only while every other coordinator of its backend succeeds, and a recovery
    only once all of them succeed again; the lines it holds back go to DEBUG.
    """

    def __init__(self) -> None:
        """A logger of the same name as the package's, handing records to it."""
        super().__init__(_LOGGER.name)
        self.parent = _LOGGER
        self.coordinator: StackCoordinator[Any] | None = None

    def isEnabledFor(self, level: int) -> bool:  # noqa: N802 (logging's name)
        """As enabled as the package's logger (this one is not in the logging tree)."""
        return _LOGGER.isEnabledFor(level)

    def error(self, msg: object, *args: object, **kwargs: Any) -> None:
        """Log a failure unless another coordinator of the backend already did."""
        kwargs.setdefault("stacklevel", 2)
        if self._others_failing():
            super().debug(msg, *args, **kwargs)
        else:
            super().error(msg, *args, **kwargs)

    def info(self, msg: object, *args: object, **kwargs: Any) -> None:
        """Log a recovery only once every coordinator of the backend succeeds again."""
        kwargs.setdefault("stacklevel", 2)
        if msg == RECOVERED and self._others_failing():
            super().debug(msg, *args, **kwargs)
        else:
            super().info(msg, *args, **kwargs)

    def _others_failing(self) -> bool:
        coordinator = self.coordinator
        if coordinator is None:
            return False
        runtime = getattr(coordinator.config_entry, "runtime_data", None)
        backend = runtime.backends.get(coordinator.backend.subentry_id) if runtime else None
        if backend is None:
            return False
        return any(
            not other.last_update_success
            for other in backend.coordinators
            if other is not coordinator
        )


class StackCoordinator[DataT](DataUpdateCoordinator[DataT]):
    """Polls one aspect of one backend (its downloads, its library, ...)."""

    config_entry: StepheyBotConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: StepheyBotConfigEntry,
        backend: BackendRef,
        *,
        role: str,
        interval: timedelta,
    ) -> None:
        """Poll ``backend`` every ``interval``; ``role`` names what is polled in logs."""
        logger = BackendLogger()
        super().__init__(
            hass,
            logger,
            config_entry=entry,
            name=f"{backend.title} ({role})",
            update_interval=interval,
            always_update=False,
        )
        logger.coordinator = self
        self.backend = backend
        self.role = role
        self._reported_version: str | None = None
        self._banned = False

    @abstractmethod
    async def _async_fetch(self) -> DataT:
        """Read the backend; raise the client layer's errors."""

    def version_of(self, data: DataT) -> str | None:
        """The backend's software version found in ``data``, if this coordinator reads it."""
        return None

    async def _async_update_data(self) -> DataT:
        """Fetch, mapping client errors to what Home Assistant expects."""
        placeholders = {"backend": self.backend.title}
        try:
            data = await self._async_fetch()
        except IpBannedError as err:
            self._banned = True
            minutes = str(ban_minutes(err))
            async_raise_issue(
                self.hass,
                IssueKind.IP_BANNED,
                self.backend.subentry_id,
                {**placeholders, "minutes": minutes, "url": self.backend.url},
            )
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="ip_banned",
                translation_placeholders={**placeholders, "minutes": minutes},
                retry_after=ban_seconds(err),
            ) from err
        except NoPasswordSetError as err:
            async_raise_issue(
                self.hass,
                IssueKind.NO_PASSWORD_SET,
                self.backend.subentry_id,
                {**placeholders, "url": self.backend.url},
            )
            self._start_reauth()
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN,
                translation_key="no_password_set",
                translation_placeholders=placeholders,
            ) from err
        except InvalidAuthError as err:
            if not BACKEND_TYPES[self.backend.kind].credentials:
                # nothing to reauthenticate (a docker-socket-proxy blocking a section):
                # keep polling, it recovers once the user fixes the backend
                raise UpdateFailed(
                    translation_domain=DOMAIN,
                    translation_key="access_denied",
                    translation_placeholders={**placeholders, "error": err.message},
                ) from err
            self._start_reauth()
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN,
                translation_key="invalid_auth",
                translation_placeholders=placeholders,
            ) from err
        except StackError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key=error_key(err),
                translation_placeholders={**placeholders, "error": err.message},
            ) from err
        if self._banned:
            # only the coordinator that met the ban knows it is over (Navidrome's limiter
            # guards logins only: its other coordinator keeps succeeding meanwhile)
            self._banned = False
            async_clear_issue(self.hass, IssueKind.IP_BANNED, self.backend.subentry_id)
        async_clear_issue(self.hass, IssueKind.NO_PASSWORD_SET, self.backend.subentry_id)
        self._report_version(self.version_of(data))
        return data

    def _start_reauth(self) -> None:
        """Ask the user for new credentials of this backend (one flow at a time)."""
        self.config_entry.async_start_reauth(
            self.hass, data={CONF_SUBENTRY_ID: self.backend.subentry_id}
        )

    def _report_version(self, version: str | None) -> None:
        """Keep the backend device's software version current."""
        if version is None or version == self._reported_version:
            return
        device_id = dr.async_get_device_id_by_identifier(
            self.hass, (DOMAIN, self.backend.subentry_id), config_entry_id=self.backend.entry_id
        )
        dr.async_get(self.hass).async_update_device(device_id, sw_version=version)
        self._reported_version = version
