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
  to expire (``UpdateFailed(retry_after=...)``) instead of knocking again;
* every other :class:`StackError` becomes ``UpdateFailed`` with a translation key.
"""

from __future__ import annotations

import logging
from abc import abstractmethod
from datetime import timedelta
from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from ..backends import BACKEND_TYPES
from ..clients.errors import (
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
from ..const import CONF_SUBENTRY_ID, DOMAIN
from ..issues import IssueKind, async_clear_issue, async_raise_issue

if TYPE_CHECKING:
    from ..runtime import BackendRef, StepheyBotConfigEntry

_LOGGER = logging.getLogger(__package__)


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
    return max(1, round((err.retry_after or 3600.0) / 60))


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
        super().__init__(
            hass,
            _LOGGER,
            config_entry=entry,
            name=f"{backend.title} ({role})",
            update_interval=interval,
            always_update=False,
        )
        self.backend = backend
        self.role = role
        self._reported_version: str | None = None

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
                retry_after=err.retry_after,
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
