"""The coordinator every backend builds on: client errors in, Home Assistant semantics out.

``DataUpdateCoordinator`` makes the entities of this coordinator (only) unavailable. On top
of it this base maps the client layer's errors, each through the one translation of
:mod:`..client_errors` (the same text an action or a form shows):

* :class:`InvalidAuthError` starts a reauthentication flow *for this backend* and raises
  ``ConfigEntryAuthFailed``, which stops polling until the credentials change (a backend
  without credentials, such as Docker behind a proxy, just reports access denied);
* :class:`NoPasswordSetError` (qBittorrent's temporary password) does the same and raises a
  repair issue explaining where the temporary password is and how to set one;
* :class:`IpBannedError` raises a repair issue (for how long and why) and waits for the ban
  to expire (``UpdateFailed(retry_after=...)``, the login policy's assumed length when the
  backend does not say) instead of knocking again;
* :class:`LockedOutError` (Transmission's anti-brute-force lock, until it restarts) and
  :class:`WhitelistRefusedError` (not in rpc-whitelist) each raise their repair issue and keep
  polling (a refused request is not a login attempt), with no reauthentication;
* every other :class:`StackError` becomes ``UpdateFailed`` with a translation key.

A backend polled by several coordinators (Lidarr's queue, status, library) logs one failure
line and one recovery line, not one per coordinator (:mod:`.health`).
"""

from __future__ import annotations

from abc import abstractmethod
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, HomeAssistantError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util
from stepheybot_music_clients.errors import (
    FailureReason,
    IpBannedError,
    NoPasswordSetError,
    StackError,
)

from ..backends import BACKEND_TYPES
from ..client_errors import ban_seconds, error_text
from ..const import CONF_SUBENTRY_ID, DOMAIN
from ..issues import IssueKind, async_clear_issue, async_raise_issue
from .health import QuietLogger, backend_health

REFUSALS = {
    FailureReason.LOCKED_OUT: IssueKind.LOCKED_OUT,
    FailureReason.WHITELIST_REFUSED: IssueKind.WHITELIST_REFUSED,
}
"""Refusals that have a repair issue of their own, lifted when the backend answers again."""

if TYPE_CHECKING:
    from ..runtime import BackendRef, StepheyBotConfigEntry


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
            QuietLogger(__name__),
            config_entry=entry,
            name=f"{backend.title} ({role})",
            update_interval=interval,
            always_update=False,
        )
        self._health = backend_health(hass, backend.subentry_id)
        self.backend = backend
        self.role = role
        self._reported_version: str | None = None
        self._banned = False
        self.succeeded_at: datetime | None = None
        """When a poll last succeeded (None: never since set-up)."""

    @abstractmethod
    async def _async_fetch(self) -> DataT:
        """Read the backend; raise the client layer's errors."""

    @property
    def max_age(self) -> timedelta:
        """How old the data may be before it is stale: two missed polls, and a minute."""
        return 2 * (self.update_interval or timedelta()) + timedelta(minutes=1)

    @property
    def fresh(self) -> bool:
        """Whether the data may be told as current: the last poll succeeded, not long ago.

        A coordinator that stopped polling (no listener, a reauthentication) keeps
        ``last_update_success`` and its old data: voice, the LLM API and actions read this
        instead, so they never give a figure older than :attr:`max_age`.
        """
        return (
            self.last_update_success
            and self.data is not None
            and self.succeeded_at is not None
            and dt_util.utcnow() - self.succeeded_at <= self.max_age
        )

    def version_of(self, data: DataT) -> str | None:
        """The backend's software version found in ``data``, if this coordinator reads it."""
        return None

    async def _async_update_data(self) -> DataT:
        """Fetch, mapping client errors to what Home Assistant expects."""
        try:
            data = await self._async_fetch()
        except StackError as err:
            raise self._failure(err) from err
        if self._banned:
            # only the coordinator that met the ban knows it is over (Navidrome's limiter
            # guards logins only: its other coordinator keeps succeeding meanwhile)
            self._banned = False
            async_clear_issue(self.hass, IssueKind.IP_BANNED, self.backend.subentry_id)
        async_clear_issue(self.hass, IssueKind.NO_PASSWORD_SET, self.backend.subentry_id)
        for kind in REFUSALS.values():
            async_clear_issue(self.hass, kind, self.backend.subentry_id)
        self._report_version(self.version_of(data))
        self.succeeded_at = dt_util.utcnow()
        return data

    def _failure(self, err: StackError) -> HomeAssistantError:
        """What Home Assistant is told of a client error (after its repair issue or flow)."""
        backend = self.backend
        credentials = bool(BACKEND_TYPES[backend.kind].credentials)
        text = error_text(err, backend.title, credentials=credentials)
        if isinstance(err, IpBannedError):
            self._banned = True
            placeholders = {**text.placeholders, "url": backend.url}
            async_raise_issue(self.hass, IssueKind.IP_BANNED, backend.subentry_id, placeholders)
            return UpdateFailed(
                translation_domain=DOMAIN,
                translation_key=text.key,
                translation_placeholders=text.placeholders,
                retry_after=ban_seconds(err),
            )
        if (refusal := REFUSALS.get(err.reason)) is not None:
            placeholders = {"backend": backend.title, "url": backend.url}
            async_raise_issue(self.hass, refusal, backend.subentry_id, placeholders)
        if isinstance(err, NoPasswordSetError):
            placeholders = {"backend": backend.title, "url": backend.url}
            async_raise_issue(
                self.hass, IssueKind.NO_PASSWORD_SET, backend.subentry_id, placeholders
            )
        if err.reason is FailureReason.AUTH and credentials:
            # nothing to reauthenticate without credentials (a docker-socket-proxy blocking
            # a section): that keeps polling, and recovers once the user fixes the backend
            self._start_reauth()
            return ConfigEntryAuthFailed(
                translation_domain=DOMAIN,
                translation_key=text.key,
                translation_placeholders=text.placeholders,
            )
        return UpdateFailed(
            translation_domain=DOMAIN,
            translation_key=text.key,
            translation_placeholders=text.placeholders,
        )

    @callback
    def _async_refresh_finished(self) -> None:
        """Tell the backend's health how this refresh ended (it logs once per backend)."""
        if self.last_update_success:
            self._health.succeeded(self.role, self.backend.title)
        else:
            self._health.failed(self.role, self.backend.title, str(self.last_exception))

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
