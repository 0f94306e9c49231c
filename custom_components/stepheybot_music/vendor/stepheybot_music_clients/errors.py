"""One exception hierarchy for every backend of the music stack.

Every message says what went wrong *and* what the user can do about it, because
Home Assistant and the exporter show these messages to people, not programmers. Messages
name the backend and the fix, never the program that shows them: the same text reaches a
Home Assistant form and the exporter's log.

Every class also says which kind of failure it is (:class:`FailureReason`): the exporter's
``reason`` label and Home Assistant's translation key both come from that one table.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar


class FailureReason(StrEnum):
    """Why a backend failed, in the words of the exporter's ``reason`` label."""

    UNREACHABLE = "unreachable"
    """No connection (refused, DNS, reset, network down)."""
    TIMEOUT = "timeout"
    """Connected, but no answer in time."""
    TLS = "tls"
    """The TLS handshake failed."""
    AUTH = "auth"
    """The credentials were rejected (or the address is not allowed)."""
    BANNED = "banned"
    """The backend banned this address after failed logins."""
    LOCKED_OUT = "locked_out"
    """The backend stopped answering anyone after failed logins, until it restarts."""
    WHITELIST_REFUSED = "whitelist_refused"
    """The backend's address allow-list (e.g. Transmission's rpc-whitelist) refused this address."""
    HOST_REFUSED = "host_refused"
    """The backend refused the host name in the URL (e.g. Transmission's rpc-host-whitelist)."""
    LOGIN_BACKOFF = "login_backoff"
    """No login was tried: the login policy holds it back after rejections."""
    SERVER_ERROR = "server_error"
    """The backend failed on its side: an HTTP 5xx (its own log says why)."""
    BAD_RESPONSE = "bad_response"
    """An answer that cannot be understood (bad JSON, wrong shape, broken HTTP)."""
    WRONG_APPLICATION = "wrong_application"
    """Something else answers at the URL."""
    ERROR = "error"
    """The backend understood and refused a request, or another client-layer error."""
    INTERNAL = "internal"
    """Not a client-layer error at all: a bug or an unforeseen payload."""


class StackError(Exception):
    """Base class of every error raised by the client layer."""

    reason: ClassVar[FailureReason] = FailureReason.ERROR
    """What kind of failure this is (each subclass says its own)."""

    def __init__(self, message: str, *, backend: str | None = None) -> None:
        super().__init__(message)
        self.backend = backend

    @property
    def message(self) -> str:
        """The user-facing message."""
        return str(self.args[0]) if self.args else ""


class CannotConnectError(StackError):
    """The backend could not be reached (refused, DNS, reset, network down)."""

    reason = FailureReason.UNREACHABLE


class BackendTimeoutError(CannotConnectError):
    """The backend accepted the connection but did not answer in time."""

    reason = FailureReason.TIMEOUT


class TlsError(CannotConnectError):
    """The TLS handshake failed (self-signed or expired certificate, wrong hostname)."""

    reason = FailureReason.TLS


class InvalidAuthError(StackError):
    """The backend rejected the credentials (wrong password, user, API key)."""

    reason = FailureReason.AUTH


class NoPasswordSetError(InvalidAuthError):
    """qBittorrent 4.6.1+ has no WebUI password set and uses a temporary one."""


class IpBannedError(StackError):
    """The backend banned this client's IP address after failed logins.

    ``retry_after`` is the number of seconds until the ban is expected to expire.
    """

    reason = FailureReason.BANNED

    def __init__(
        self, message: str, *, backend: str | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, backend=backend)
        self.retry_after = retry_after


class LockedOutError(StackError):
    """The backend locked its API for every client after failed logins.

    Transmission's anti-brute-force lock: it answers nothing until it restarts, so waiting
    does not help.
    """

    reason = FailureReason.LOCKED_OUT


class WhitelistRefusedError(StackError):
    """The backend refuses connections from this address (not in its allow-list).

    The credentials may well be right, so this asks for no new ones.
    """

    reason = FailureReason.WHITELIST_REFUSED


class HostRefusedError(StackError):
    """The backend refuses the host name the URL uses.

    A DNS-rebinding guard such as Transmission's rpc-host-whitelist; the IP address or an
    allowed name works.
    """

    reason = FailureReason.HOST_REFUSED


class UnexpectedResponseError(StackError):
    """The backend answered with something we cannot understand (bad JSON, wrong shape)."""

    reason = FailureReason.BAD_RESPONSE


class ServerError(UnexpectedResponseError):
    """The backend answered HTTP 5xx: an error on its side, not an answer misunderstood.

    A subclass of :class:`UnexpectedResponseError` so that code treating any unusable answer
    alike keeps doing so; its own ``reason`` tells the user to read the backend's log.
    """

    reason = FailureReason.SERVER_ERROR

    def __init__(self, message: str, *, backend: str | None = None, status: int = 500) -> None:
        super().__init__(message, backend=backend)
        self.status = status


class WrongApplicationError(UnexpectedResponseError):
    """Something answers at the URL, but it is not the expected application."""

    reason = FailureReason.WRONG_APPLICATION


class BackendRequestError(StackError):
    """The backend understood the request and refused it (validation error, not found, ...)."""

    def __init__(
        self, message: str, *, backend: str | None = None, code: int | None = None
    ) -> None:
        super().__init__(message, backend=backend)
        self.code = code


class AlreadyExistsError(BackendRequestError):
    """The thing to add is already there (e.g. Lidarr: "This artist has already been added.")."""


def failure_reason(err: BaseException) -> FailureReason:
    """Why a collection or call failed: the error's own reason, a timeout, else a bug."""
    if isinstance(err, StackError):
        return err.reason
    if isinstance(err, TimeoutError):
        return FailureReason.TIMEOUT
    return FailureReason.INTERNAL
