"""The one translation of the client library's errors: the same error reads alike everywhere.

Coordinators (``UpdateFailed``), the config and subentry forms, the actions, the entity
actions (buttons, switches) and the release calendar all turn a
:class:`~stepheybot_music_clients.errors.StackError` into a translation key and its
placeholders here. Which kind of failure an error is comes from the client library
(``StackError.reason``, the table the exporter's ``reason`` label reads too); this module
only names Home Assistant's text for it. The key is the same in ``exceptions`` and in the
forms' ``error`` texts, with the same placeholders: ``backend`` (its name), ``error`` (the
client's message, which says what to do) and, for a ban, ``minutes``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from homeassistant.const import CONF_PASSWORD
from homeassistant.exceptions import HomeAssistantError
from stepheybot_music_clients.errors import (
    FailureReason,
    IpBannedError,
    NoPasswordSetError,
    StackError,
)
from stepheybot_music_clients.login_policy import LoginPolicy

from .const import DOMAIN

LOGIN_POLICY = LoginPolicy()
"""Home Assistant's logins: one rejection stops them until the user reauthenticates (the
coordinators stop polling and a reauthentication flow asks for new credentials); a ban is
waited out for as long as the backend says, else the client library's assumed length."""

KEYS: dict[FailureReason, str] = {
    FailureReason.UNREACHABLE: "cannot_connect",
    FailureReason.TIMEOUT: "timeout",
    FailureReason.TLS: "tls_error",
    FailureReason.AUTH: "invalid_auth",
    FailureReason.BANNED: "ip_banned",
    FailureReason.LOCKED_OUT: "locked_out",
    FailureReason.WHITELIST_REFUSED: "whitelist_refused",
    FailureReason.HOST_REFUSED: "host_refused",
    FailureReason.SERVER_ERROR: "server_error",
    FailureReason.BAD_RESPONSE: "unexpected_response",
    FailureReason.WRONG_APPLICATION: "wrong_application",
    FailureReason.ERROR: "backend_error",
}
"""The translation key of each kind of failure a client error can be."""


@dataclass(frozen=True, slots=True)
class ErrorText:
    """A client error as Home Assistant shows it."""

    key: str
    """``exceptions.<key>``, and the same key among a form's ``error`` texts."""
    placeholders: dict[str, str] = field(default_factory=dict)
    field: str = "base"
    """The form field the error belongs to."""

    def exception(self) -> HomeAssistantError:
        """The error as an action's (or a calendar's) translated error."""
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key=self.key,
            translation_placeholders=self.placeholders,
        )


def ban_seconds(err: IpBannedError) -> float:
    """Seconds until a ban is expected to be over."""
    return LOGIN_POLICY.ban_wait(err.retry_after)


def error_text(err: StackError, backend: str, *, credentials: bool = True) -> ErrorText:
    """How ``err`` of the backend called ``backend`` reads, wherever it is shown.

    ``credentials`` is False for a backend that takes none (Docker behind a proxy): a
    refusal then is "access denied", not a password to reauthenticate.
    """
    if isinstance(err, IpBannedError):
        minutes = max(1, round(ban_seconds(err) / 60))
        return ErrorText("ip_banned", {"backend": backend, "minutes": str(minutes)})
    if isinstance(err, NoPasswordSetError):
        return ErrorText("no_password_set", {"backend": backend}, field=CONF_PASSWORD)
    key = KEYS.get(err.reason, "backend_error")
    if err.reason is FailureReason.AUTH and not credentials:
        key = "access_denied"
    return ErrorText(key, {"backend": backend, "error": err.message})
