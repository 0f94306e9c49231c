"""The translated errors of the actions: bad input, missing backends, backends that refuse."""

from __future__ import annotations

from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from stepheybot_music_clients.errors import InvalidAuthError, IpBannedError, StackError

from .const import DOMAIN
from .coordinators.base import ban_minutes, error_key
from .runtime import BackendRef


def invalid(key: str, **placeholders: str) -> ServiceValidationError:
    """Bad input: the message (``exceptions.<key>``) names the field and what is allowed."""
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


def failed(key: str, **placeholders: str) -> HomeAssistantError:
    """A backend did not do what was asked (``exceptions.<key>`` says what to do)."""
    return HomeAssistantError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


def backend_failed(backend: BackendRef, err: StackError) -> HomeAssistantError:
    """A client error of ``backend`` as a translated error naming it and what to do."""
    if isinstance(err, IpBannedError):
        return failed("ip_banned", backend=backend.title, minutes=str(ban_minutes(err)))
    if isinstance(err, InvalidAuthError):
        return failed("invalid_auth", backend=backend.title)
    return failed(error_key(err), backend=backend.title, error=err.message)
