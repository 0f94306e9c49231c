"""The form of a backend and its validation: the client's ``probe()`` before anything is saved.

Shared by the subentry flows (add, reconfigure) and the stack's reauthentication flow, so
every path validates the same way and reports the same precise, translated errors: a client
error reads as it does everywhere else (:mod:`.client_errors`), under the same key.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import probatio
from homeassistant.const import CONF_URL, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant
from homeassistant.helpers.selector import (
    BooleanSelector,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
from stepheybot_music_clients.docker import DockerClient, socket_path
from stepheybot_music_clients.errors import StackError, WrongApplicationError
from stepheybot_music_clients.models import BackendInfo, BackendKind
from stepheybot_music_clients.qbittorrent import QBittorrentClient
from stepheybot_music_clients.transport import InvalidUrlError, normalize_url

from .backends import BACKEND_TYPES, BackendType, CredentialField, SessionKind
from .client_errors import ErrorText, error_text
from .const import CONF_NAME, UNIX_SCHEME
from .sessions import flow_session

_LOGGER = logging.getLogger(__name__)

MAX_URL_LENGTH = 2048
MAX_NAME_LENGTH = 100
MAX_CREDENTIAL_LENGTH = 1024
_INVISIBLE = frozenset({"Cc", "Cf", "Zl", "Zp"})
"""Unicode categories no name, URL or credential may hold (controls, line breaks, bidi)."""


class UrlCredentialsError(InvalidUrlError):
    """A URL with a user name or password in it (they have fields of their own)."""


def has_invisible(text: str) -> bool:
    """Whether ``text`` holds a control, format or line-separator character."""
    return any(unicodedata.category(char) in _INVISIBLE for char in text)


def name_error(name: str) -> str | None:
    """The translation key of what is wrong with a (stripped) name, if anything."""
    if not name:
        return "empty_name"
    if len(name) > MAX_NAME_LENGTH or has_invisible(name):
        return "invalid_name"
    return None


def credential_errors(backend: BackendType, data: Mapping[str, Any]) -> dict[str, str]:
    """Credentials no backend can accept (too long, control characters), by field.

    Checked before anything is sent: such a value cannot go into an HTTP header, and a
    backend's error page could echo it back into the message shown.
    """
    errors: dict[str, str] = {}
    for credential in backend.credentials:
        value = data.get(credential.key)
        if isinstance(value, str) and (len(value) > MAX_CREDENTIAL_LENGTH or has_invisible(value)):
            errors[credential.key] = "invalid_credential"
    return errors


_URL = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))
_TEXT = TextSelector(TextSelectorConfig(type=TextSelectorType.TEXT))
_SECRET = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))


def _credential(
    credential: CredentialField, *, stored: bool = False
) -> tuple[probatio.Marker, TextSelector]:
    """The marker and field of a credential; ``stored``: a secret left empty keeps the stored one.

    A form never carries a stored secret to the browser (no default, no suggested value), so
    a form that changes a backend offers its secrets as empty, optional fields.
    """
    key: Any = probatio.Secret(credential.key) if credential.secret else credential.key
    marker: probatio.Marker
    if credential.secret and stored:
        marker = probatio.Optional(key)
    elif credential.required:
        marker = probatio.Required(key, default=credential.default or probatio.UNDEFINED)
    else:
        marker = probatio.Optional(key, default=credential.default or "")
    return marker, _SECRET if credential.secret else _TEXT


def backend_schema(backend: BackendType, *, stored: bool = False) -> probatio.Schema:
    """The add (or, ``stored``, reconfigure) form of a backend: name, URL, credentials, TLS."""
    fields: dict[probatio.Marker, Any] = {
        probatio.Required(CONF_NAME, default=backend.application): _TEXT,
        probatio.Required(CONF_URL, default=backend.default_url): (
            _TEXT if backend.session is SessionKind.DOCKER else _URL
        ),
    }
    for credential in backend.credentials:
        marker, selector = _credential(credential, stored=stored)
        fields[marker] = selector
    fields[probatio.Optional(CONF_VERIFY_SSL, default=True)] = BooleanSelector()
    return probatio.Schema(fields)


def credentials_schema(backend: BackendType) -> probatio.Schema:
    """The reauthentication form of a backend: its credentials only (secrets start empty)."""
    return probatio.Schema(
        dict(_credential(credential, stored=True) for credential in backend.credentials)
    )


def secret_keys(backend: BackendType) -> frozenset[str]:
    """The keys of the backend's secret credentials (passwords, API keys)."""
    return frozenset(c.key for c in backend.credentials if c.secret)


def shown_values(backend: BackendType, values: Mapping[str, Any]) -> dict[str, Any]:
    """What a form may suggest of ``values``: everything but the secrets.

    Neither a stored secret nor one just typed goes back to the browser (a form shown again
    after an error asks for the secret anew, or keeps the stored one when left empty).
    """
    secrets = secret_keys(backend)
    return {key: value for key, value in values.items() if key not in secrets}


def with_stored_secrets(
    backend: BackendType, entered: Mapping[str, Any], stored: Mapping[str, Any]
) -> dict[str, Any]:
    """``entered`` with each secret left empty (or out) taken from ``stored``."""
    data = dict(entered)
    for key in secret_keys(backend):
        if not data.get(key) and key in stored:
            data[key] = stored[key]
    return data


def normalized_url(backend: BackendType, url: str) -> str:
    """The URL to store and compare (no trailing slash); raises :class:`InvalidUrlError`.

    :class:`UrlCredentialsError` when it holds a user name or password.
    """
    text = url.strip()
    if len(text) > MAX_URL_LENGTH or has_invisible(text) or " " in text:
        raise InvalidUrlError(
            f"A URL of {len(text)} characters with spaces or control characters.",
            backend=backend.application,
        )
    if backend.session is SessionKind.DOCKER and (path := socket_path(text)) is not None:
        return f"{UNIX_SCHEME}://{path.rstrip('/')}"
    parsed = normalize_url(text, backend=backend.application)
    if parsed.user is not None or parsed.password is not None:
        raise UrlCredentialsError("A URL with credentials.", backend=backend.application)
    return str(parsed).rstrip("/")


def backend_unique_id(kind: BackendKind, url: str) -> str:
    """The unique id of a backend: one per kind and URL, across every stack."""
    return f"{kind}_{url}"


@dataclass(slots=True)
class FormErrors:
    """What a failed validation shows: field errors and the placeholders of their texts."""

    errors: dict[str, str] = field(default_factory=dict)
    placeholders: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        """True when there is an error to show."""
        return bool(self.errors)


def _placeholders(title: str, error: ErrorText | None = None) -> dict[str, str]:
    """Every placeholder a form's error texts use (the error's own, else empty ones)."""
    return {"backend": title, "error": "", "minutes": "0", **(error.placeholders if error else {})}


async def async_validate(
    hass: HomeAssistant, backend: BackendType, data: Mapping[str, Any], title: str = ""
) -> tuple[BackendInfo | None, FormErrors]:
    """Probe the backend with ``data``; return what answered, or the errors to show.

    ``title`` names the backend in the error texts (its application name by default).
    """
    title = title or backend.application
    result = FormErrors(placeholders=_placeholders(title))
    if errors := credential_errors(backend, data):
        result.errors.update(errors)
        return None, result
    try:
        async with flow_session(hass, backend, data) as session:
            client = backend.create_client(session, data)
            info = await client.probe()
            if isinstance(client, DockerClient):
                # a docker-socket-proxy answers the probe but may block the containers
                await client.containers()
            if isinstance(client, QBittorrentClient):
                await client.logout()
    except StackError as err:
        text = error_text(err, title, credentials=bool(backend.credentials))
        result.errors[text.field] = text.key
        result.placeholders = _placeholders(title, text)
        return None, result
    except Exception:
        _LOGGER.exception("Unexpected error validating %s", backend.application)
        result.errors["base"] = "unknown"
        return None, result
    if info.kind is not backend.kind:
        wrong = WrongApplicationError(
            f"{info.application} answers at this URL, not {backend.application}."
        )
        text = error_text(wrong, title)
        result.errors[text.field] = text.key
        result.placeholders = _placeholders(title, text)
        return None, result
    return info, result


def empty_placeholders(kind: BackendKind, title: str = "") -> dict[str, str]:
    """The placeholders a form of ``kind`` shows before any validation."""
    return _placeholders(title or BACKEND_TYPES[kind].application)
