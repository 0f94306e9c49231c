"""The translated errors of the actions: bad input, missing backends, backends that refuse."""

from __future__ import annotations

from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from stepheybot_music_clients.errors import StackError

from .backends import BACKEND_TYPES
from .client_errors import error_text
from .const import DOMAIN
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
    """A client error of ``backend`` as a translated error naming it and what to do.

    The same text its coordinators and its forms show (:mod:`.client_errors`), whether an
    action, a button, a switch or the calendar met the error.
    """
    credentials = bool(BACKEND_TYPES[backend.kind].credentials)
    return error_text(err, backend.title, credentials=credentials).exception()
