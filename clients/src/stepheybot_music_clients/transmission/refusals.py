"""Why a Transmission daemon refused a request before reading it: lock-out, whitelist, host name.

Transmission checks, in this order, before it looks at the credentials (``handle_request`` in
``libtransmission/rpc-server.cc`` at 4.0.6 and 4.1.3, ``rpc-server.c`` at 3.00):

1. the anti-brute-force lock: once ``login_attempts_`` reaches ``anti-brute-force-threshold``
   (3.00: exactly 100 failures, its threshold setting is not read) every request gets 403 until
   the daemon restarts. The counter is the server's, not per address: failed logins of *any*
   client lock everyone out;
2. ``rpc-whitelist``: an address not in it gets 403.

4.x sends both 403s with the same body (``send_simple_response(req, 403)``: the text is only
in its log), 3.00 writes "Too many unsuccessful login attempts" or "Unauthorized IP Address".
So on 4.x the only sign a client has is its own history: failed logins (401) at this daemon
before the 403 mean the lock; none mean the whitelist. The history is kept per daemon for the
whole process, so a client made afresh (a reauthentication form) still knows it.

After the credentials, a daemon whose authentication is off answers 421 to a ``Host`` header
that is neither an IP address, ``localhost`` nor in ``rpc-host-whitelist`` (``isHostnameAllowed``,
same files and tags): a guard against DNS rebinding.
"""

from __future__ import annotations

from stepheybot_music_clients.errors import (
    HostRefusedError,
    LockedOutError,
    StackError,
    WhitelistRefusedError,
)

LOCKED_TEXT_300 = "unsuccessful login attempts"
"""In 3.00's lock-out body (and in its 401s, which count the failures)."""
WHITELIST_TEXT_300 = "unauthorized ip address"
"""In 3.00's rpc-whitelist body."""


class LoginHistory:
    """Failed logins (HTTP 401) each daemon answered this process since its last success."""

    def __init__(self) -> None:
        self._failures: dict[str, int] = {}

    def failed(self, daemon: str) -> None:
        """``daemon`` rejected the credentials once more."""
        self._failures[daemon] = self._failures.get(daemon, 0) + 1

    def succeeded(self, daemon: str) -> None:
        """``daemon`` accepted a request: whatever lock there was is gone."""
        self._failures.pop(daemon, None)

    def failures(self, daemon: str) -> int:
        """Failed logins at ``daemon`` since its last accepted request."""
        return self._failures.get(daemon, 0)


FAILED_LOGINS = LoginHistory()
"""The process's history (Home Assistant's forms and coordinators, the exporter)."""


def forbidden(where: str, body: str, *, failed_logins: int, backend: str) -> StackError:
    """The error of a 403 from ``where`` (``Transmission at <url>``)."""
    text = body.lower()
    if LOCKED_TEXT_300 in text or (WHITELIST_TEXT_300 not in text and failed_logins > 0):
        seen = (
            "after too many failed logins"
            if LOCKED_TEXT_300 in text
            else f"after {failed_logins} failed login{'s' if failed_logins != 1 else ''} "
            "with the credentials StepheyBot Music was given"
        )
        return LockedOutError(
            f"{where} locked its RPC for every client {seen} (anti-brute-force protection, "
            "HTTP 403). The lock lasts until Transmission restarts: give StepheyBot Music the "
            "right RPC user name and password (rpc-username, rpc-password), then restart "
            "Transmission.",
            backend=backend,
        )
    return WhitelistRefusedError(
        f"{where} refused this address (HTTP 403): it is not in rpc-whitelist. Add the address "
        "StepheyBot Music connects from to rpc-whitelist in Transmission's settings.json (or "
        "set rpc-whitelist-enabled to false) and restart Transmission. If the address is "
        "already there, another program's failed logins have locked Transmission "
        "(anti-brute-force): restart Transmission.",
        backend=backend,
    )


def host_refused(where: str, host: str, *, backend: str) -> HostRefusedError:
    """The error of a 421: the host name ``host`` is not in rpc-host-whitelist."""
    return HostRefusedError(
        f"{where} refused the host name {host!r} (HTTP 421): with authentication off it "
        "accepts only IP addresses, localhost and the names in rpc-host-whitelist. Add "
        f"{host!r} to rpc-host-whitelist in Transmission's settings.json (or set "
        "rpc-host-whitelist-enabled to false, or turn on rpc-authentication-required), "
        "restart Transmission, or use its IP address in the URL.",
        backend=backend,
    )
