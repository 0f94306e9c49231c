"""One exception hierarchy for every backend of the music stack.

Every message says what went wrong *and* what the user can do about it, because
Home Assistant and the exporter show these messages to people, not programmers.
"""

from __future__ import annotations


class StackError(Exception):
    """Base class of every error raised by the client layer."""

    def __init__(self, message: str, *, backend: str | None = None) -> None:
        super().__init__(message)
        self.backend = backend

    @property
    def message(self) -> str:
        """The user-facing message."""
        return str(self.args[0]) if self.args else ""


class CannotConnectError(StackError):
    """The backend could not be reached (refused, DNS, reset, network down)."""


class BackendTimeoutError(CannotConnectError):
    """The backend accepted the connection but did not answer in time."""


class TlsError(CannotConnectError):
    """The TLS handshake failed (self-signed or expired certificate, wrong hostname)."""


class InvalidAuthError(StackError):
    """The backend rejected the credentials (wrong password, user, API key)."""


class NoPasswordSetError(InvalidAuthError):
    """qBittorrent 4.6.1+ has no WebUI password set and uses a temporary one."""


class IpBannedError(StackError):
    """The backend banned this client's IP address after failed logins.

    ``retry_after`` is the number of seconds until the ban is expected to expire.
    """

    def __init__(
        self, message: str, *, backend: str | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, backend=backend)
        self.retry_after = retry_after


class UnexpectedResponseError(StackError):
    """The backend answered with something we cannot understand (5xx, bad JSON, wrong shape)."""


class WrongApplicationError(UnexpectedResponseError):
    """Something answers at the URL, but it is not the expected application."""


class BackendRequestError(StackError):
    """The backend understood the request and refused it (validation error, not found, ...)."""

    def __init__(
        self, message: str, *, backend: str | None = None, code: int | None = None
    ) -> None:
        super().__init__(message, backend=backend)
        self.code = code


class AlreadyExistsError(BackendRequestError):
    """The thing to add is already there (e.g. Lidarr: "This artist has already been added.")."""
