"""Failures as spoken answers: one sentence that names the backend and never reads a URL.

Assist reads an intent's error aloud and an LLM repeats a tool's error to the user, so
neither may carry what a form or a log shows: the client's message names the backend's URL
("Lidarr at http://127.0.0.1:8686 answered ..."). Here a client error, or the translated
Home Assistant error made of one (:mod:`.client_errors`), becomes a short sentence chosen by
its translation key, with the backend's name only. Any other error keeps its own text, with
whatever URL it holds replaced by "its address" (a safety net: none of ours holds one).
"""

from __future__ import annotations

import re

from homeassistant.exceptions import HomeAssistantError
from stepheybot_music_clients.errors import StackError

from .client_errors import error_text
from .const import DOMAIN

SPOKEN: dict[str, str] = {
    "cannot_connect": "{backend} is unreachable; check that it runs.",
    "timeout": "{backend} did not answer in time; it may be overloaded or still starting.",
    "tls_error": "The secure connection to {backend} failed; check its certificate.",
    "invalid_auth": (
        "{backend} rejected its credentials; reauthenticate it from the integration page."
    ),
    "access_denied": "{backend} refused access; check what its proxy allows.",
    "ip_banned": (
        "{backend} has banned Home Assistant's IP address after failed logins, for {wait}."
    ),
    "locked_out": (
        "{backend} has locked out every login after too many failed ones; "
        "check its user name and password, then restart it."
    ),
    "whitelist_refused": (
        "{backend} refuses Home Assistant's address; add it to the whitelist in its settings, "
        "or restart it if other programs' failed logins locked it."
    ),
    "host_refused": (
        "{backend} refuses the host name Home Assistant uses for it; "
        "use its IP address, or add the name to its host whitelist."
    ),
    "no_password_set": "{backend} has no password set; set one, then reauthenticate it.",
    "server_error": "{backend} had an internal error; see its logs.",
    "unexpected_response": "{backend} sent an answer the integration does not understand.",
    "wrong_application": "Something other than {backend} answers at its address; check its URL.",
    "backend_error": "{backend} refused the request.",
}
"""The spoken sentence of each client-error translation key (placeholders: backend, wait)."""

_URL = re.compile(r"\b(?:https?|unix|tcp)://[^\s,;)'\"]+|\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b")
_AT_URL = re.compile(r" at (?:its address)(?=[\s.,;:)]|$)")


def without_urls(text: str) -> str:
    """``text`` with every URL or address:port replaced by "its address"."""
    text = _URL.sub("its address", text)
    return _AT_URL.sub("", text)


def spoken_error(err: BaseException, backend: str | None = None) -> str:
    """How ``err`` is said aloud: one sentence naming the backend, no URL.

    ``backend`` names the backend of a client error (else the error's own backend name).
    """
    if isinstance(err, StackError):
        text = error_text(err, backend or err.backend or "A backend")
        return _sentence(SPOKEN.get(text.key, SPOKEN["backend_error"]), text.placeholders)
    if (
        isinstance(err, HomeAssistantError)
        and err.translation_domain == DOMAIN
        and err.translation_key in SPOKEN
    ):
        return _sentence(SPOKEN[err.translation_key], err.translation_placeholders or {})
    return _ending(without_urls(str(err)))


def _sentence(template: str, placeholders: dict[str, str]) -> str:
    minutes = placeholders.get("minutes", "")
    wait = "about a minute" if minutes == "1" else f"about {minutes} minutes"
    return template.format(
        backend=placeholders.get("backend", "A backend"), wait=wait if minutes else "a while"
    )


def _ending(text: str) -> str:
    """``text`` ending as a sentence (Home Assistant drops a translated error's full stop)."""
    return text if text.endswith((".", "!", "?")) else f"{text}."
