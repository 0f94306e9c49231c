"""Navidrome's Subsonic errors and parameter reading, shared by the facade's call modules.

Error codes as server/subsonic/responses/errors.go @ v0.58.5 numbers them.
"""

from __future__ import annotations

from multidict import MultiDict

type Params = MultiDict[str]

MESSAGES = {
    0: "A generic error.",
    10: "Required parameter is missing.",
    40: "Wrong username or password.",
    50: "User is not authorized for the given operation.",
    70: "The requested data was not found.",
}


class SubsonicError(Exception):
    """A Subsonic error to send as a failed envelope (HTTP 200)."""

    def __init__(self, code: int, message: str | None = None) -> None:
        super().__init__(message or MESSAGES.get(code, MESSAGES[0]))
        self.code = code
        self.message = message or MESSAGES.get(code, MESSAGES[0])


def int_param(params: Params, name: str, default: int) -> int:
    """An integer parameter (``default`` when absent); not a number is error 0."""
    value = params.get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError as err:
        raise SubsonicError(0, f"invalid value for '{name}': {value!r}") from err


def required(params: Params, name: str) -> str:
    """A parameter that must be there and not empty (error 10)."""
    value = params.get(name)
    if not value:
        raise SubsonicError(10, f"required '{name}' parameter is missing")
    return value
