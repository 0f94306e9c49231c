"""The exporter's fault matrix: every backend x every fault, and what must happen in each cell.

This module is the single source of the matrix: ``test_fault_matrix.py`` parametrises one test
per cell from :data:`CELLS` and asserts every step, and ``docs/fault-matrix.md`` is rendered
from the same data (``python -m tests.reliability.matrix --write``; a test fails when the
document differs, so it cannot drift). It imports nothing from the exporter or the simulator.

A cell is a sequence of steps. Each step does one thing to the simulated backend (inject the
fault, keep it, also expire the backend's sessions, clear everything) and then scrapes
``/metrics`` once; the step says what that scrape must show for the backend. In every step of
every cell the scrape answers HTTP 200, every other backend is up, only the faulted backend
may have a ``backend_failure`` series, and nothing is logged at ERROR (no unhandled exception).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "fault-matrix.md"
BACKOFF = 0.3
"""``--login-backoff`` of the matrix's exporter, in seconds (the default is 300)."""
BAN = 0.3
"""How long the matrix lets a ban last, in seconds (qBittorrent's real one: 3600)."""
SCRAPE_TIMEOUT = 2.0
"""``X-Prometheus-Scrape-Timeout-Seconds`` of every scrape (each backend gets 1.8 s)."""
SLOW_DELAY = 2.5
"""How long a ``slow`` backend takes to answer, in seconds (beyond the scrape's budget)."""


class Fault(StrEnum):
    """The faults of the matrix (the simulator's ``Fault`` values)."""

    DOWN = "down"
    SLOW = "slow"
    HTTP_500 = "http_500"
    MALFORMED_JSON = "malformed_json"
    TRUNCATED_JSON = "truncated_json"
    AUTH_REVOKED = "auth_revoked"
    BANNED = "banned"
    SESSION_EXPIRED = "session_expired"


FAULT_TEXT = {
    Fault.DOWN: "connection refused (container stopped; kept-alive connections dropped)",
    Fault.SLOW: f"answers after {SLOW_DELAY:g} s, beyond the scrape's budget",
    Fault.HTTP_500: "every request answers HTTP 500",
    Fault.MALFORMED_JSON: "every body is replaced by malformed JSON",
    Fault.TRUNCATED_JSON: "every body is cut in half",
    Fault.AUTH_REVOKED: "the password or API key is changed on the backend",
    Fault.BANNED: "the backend bans this address (where the application has a ban)",
    Fault.SESSION_EXPIRED: "every session, cookie or token issued so far becomes invalid",
}


class Action(StrEnum):
    """What a step does before its scrape."""

    FAULT = "fault"
    """Put the backend into the cell's fault."""
    AGAIN = "again"
    """Nothing: the fault stays (the scrape right after, well within any back-off)."""
    EXPIRE = "expire"
    """Also end every session of the backend (the fault stays)."""
    CLEAR = "clear"
    """Clear every fault, wait out a back-off or ban if the step says so."""


class Wait(StrEnum):
    """What a ``clear`` step waits for before scraping."""

    NOTHING = "nothing"
    BACKOFF = "backoff"
    BAN = "ban"


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    """One action and what the next scrape must show for the faulted backend."""

    action: Action
    up: bool
    reason: str = ""
    """The single ``backend_failure`` reason when down."""
    logins: int | None = None
    """Login requests the exporter sent to the backend during the scrape (None: not counted)."""
    sent: int | None = None
    """Every request the exporter sent to the backend during the scrape (None: not counted)."""
    wait: Wait = Wait.NOTHING

    def text(self) -> str:
        """A short description for the document."""
        parts = ["up" if self.up else f"up 0 `{self.reason}`"]
        if self.sent == 0:
            parts.append("no request")
        elif self.logins is not None:
            parts.append("no login" if self.logins == 0 else f"{self.logins} login")
        elif self.sent is not None:
            parts.append(f"{self.sent} request" + ("s" if self.sent != 1 else ""))
        return ", ".join(parts)


@dataclass(frozen=True, slots=True, kw_only=True)
class Backend:
    """A backend of the matrix: the simulator's backend and how it authenticates."""

    id: str
    name: str
    """The backend's name in the simulator and the stack file."""
    label: str
    flavor: str = ""
    login_paths: tuple[str, ...] = ()
    """Request paths that are login attempts (empty: the backend has no login step)."""
    auth: str
    """How the exporter authenticates, for the document."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Cell:
    """One backend in one fault."""

    backend: Backend
    fault: Fault
    steps: tuple[Step, ...]
    why: str
    applies: bool = True
    """False where the application has no such thing (no credentials, no ban, no session)."""

    @property
    def id(self) -> str:
        """The pytest id."""
        return f"{self.backend.id}-{self.fault}"


QB_LOGIN = ("/api/v2/auth/login",)
BACKENDS = (
    Backend(id="music_brain", name="music_brain", label="Music Brain", auth="no credentials"),
    Backend(
        id="navidrome",
        name="navidrome",
        label="Navidrome",
        login_paths=("/auth/login",),
        auth="Subsonic token on every call; a JWT from `/auth/login` for the native counts",
    ),
    Backend(id="lidarr", name="lidarr", label="Lidarr", auth="API key on every call"),
    Backend(
        id="qbittorrent-5.3",
        name="qbittorrent",
        label="qBittorrent 5.x (5.3)",
        flavor="5.3",
        login_paths=QB_LOGIN,
        auth="one WebUI session (cookie) for the process lifetime, login guard",
    ),
    Backend(
        id="qbittorrent-4.5",
        name="qbittorrent",
        label="qBittorrent 4.x (4.5)",
        flavor="4.5",
        login_paths=QB_LOGIN,
        auth="one WebUI session (cookie) for the process lifetime, login guard",
    ),
    Backend(
        id="transmission",
        name="transmission",
        label="Transmission",
        auth="Basic auth on every RPC plus the CSRF session id, login guard",
    ),
    Backend(
        id="jackett",
        name="jackett",
        label="Jackett (admin password)",
        login_paths=("/UI/Dashboard", "/UI/Login"),
        auth="admin cookie from `POST /UI/Dashboard`, login guard",
    ),
    Backend(id="prowlarr", name="prowlarr", label="Prowlarr", auth="API key on every call"),
    Backend(id="gluetun", name="gluetun", label="gluetun", auth="API key on every call"),
    Backend(id="docker", name="docker", label="Docker", auth="no credentials (socket or proxy)"),
)
BY_ID = {b.id: b for b in BACKENDS}

GENERIC_REASONS = {
    Fault.DOWN: "unreachable",
    Fault.SLOW: "timeout",
    Fault.HTTP_500: "server_error",
    Fault.MALFORMED_JSON: "bad_response",
    Fault.TRUNCATED_JSON: "bad_response",
}
GENERIC_WHY = {
    Fault.DOWN: "the connection is refused",
    Fault.SLOW: "the backend's share of the scrape budget runs out",
    Fault.HTTP_500: "a 5xx is the backend's own error (its log says why)",
    Fault.MALFORMED_JSON: "unparsable JSON is a bad response",
    Fault.TRUNCATED_JSON: "a cut body is a bad response",
}


def _logins(backend: Backend, count: int) -> int | None:
    return count if backend.login_paths else None


def _generic(backend: Backend, fault: Fault) -> Cell:
    reason = GENERIC_REASONS[fault]
    no_login = _logins(backend, 0)
    return Cell(
        backend=backend,
        fault=fault,
        steps=(
            Step(action=Action.FAULT, up=False, reason=reason, logins=no_login),
            Step(action=Action.AGAIN, up=False, reason=reason, logins=no_login),
            Step(action=Action.CLEAR, up=True, logins=no_login),
        ),
        why=(
            f"{GENERIC_WHY[fault]}; it is not a credential problem, so no login is sent, the "
            "login guard is not touched and the next scrape after the fault clears is up"
        ),
    )


def _unaffected(backend: Backend, fault: Fault, why: str, *, applies: bool = False) -> Cell:
    steps = tuple(
        Step(action=action, up=True, logins=_logins(backend, 0))
        for action in (Action.FAULT, Action.AGAIN, Action.CLEAR)
    )
    return Cell(backend=backend, fault=fault, steps=steps, why=why, applies=applies)


def _session_based_revoked(backend: Backend, fault: Fault, reason: str, why: str) -> Cell:
    """qBittorrent: the running session outlives a password change or a ban."""
    wait = Wait.BAN if fault is Fault.BANNED else Wait.BACKOFF
    waiting = "banned" if fault is Fault.BANNED else "login_backoff"
    return Cell(
        backend=backend,
        fault=fault,
        steps=(
            Step(action=Action.FAULT, up=True, logins=0),
            Step(action=Action.AGAIN, up=True, logins=0),
            Step(action=Action.EXPIRE, up=False, reason=reason, logins=1),
            Step(action=Action.AGAIN, up=False, reason=waiting, sent=0),
            Step(action=Action.CLEAR, up=True, logins=1, wait=wait),
        ),
        why=why,
    )


def _cell(backend: Backend, fault: Fault) -> Cell:
    if fault in GENERIC_REASONS:
        return _generic(backend, fault)
    name = backend.name
    if name in ("music_brain", "docker"):
        return _unaffected(
            backend, fault, f"{backend.label} takes no credentials and keeps no session"
        )
    if fault is Fault.SESSION_EXPIRED:
        if name in ("lidarr", "prowlarr", "gluetun"):
            return _unaffected(backend, fault, "the API key goes with every call: no session")
        if name == "transmission":
            return _unaffected(
                backend,
                fault,
                "the new CSRF session id comes with a 409, the client retries the call once "
                "with it: up in the same scrape",
                applies=True,
            )
        return Cell(
            backend=backend,
            fault=fault,
            steps=(
                Step(action=Action.FAULT, up=True, logins=1),
                Step(action=Action.AGAIN, up=True, logins=0),
                Step(action=Action.CLEAR, up=True, logins=0),
            ),
            why=(
                "the lost session is noticed (403, login redirect or rejected JWT), the client "
                "logs in once and retries the call: up in the same scrape, one login, then the "
                "new session is kept"
            ),
        )
    if fault is Fault.BANNED:
        if name == "qbittorrent":
            return _session_based_revoked(
                backend,
                fault,
                "banned",
                "qBittorrent checks the ban only at login, so the running session keeps "
                "working; once it is lost, one login gets the ban's 403 and no further login is "
                "sent until the ban should be over (3600 s in production; "
                f"{BAN:g} s here), reported as `banned` meanwhile",
            )
        if name == "transmission":
            return Cell(
                backend=backend,
                fault=fault,
                steps=(
                    Step(action=Action.FAULT, up=False, reason="whitelist_refused", sent=1),
                    Step(action=Action.AGAIN, up=False, reason="whitelist_refused", sent=1),
                    Step(action=Action.CLEAR, up=True),
                ),
                why=(
                    "Transmission 4.x answers its anti-brute-force lock with the same 403 as an "
                    "address outside rpc-whitelist, before it reads the credentials; the "
                    "exporter failed no login itself, so it cannot tell them apart and reports "
                    "`whitelist_refused`, whose message names both fixes (add the address, or "
                    "restart Transmission if another program's failed logins locked it); a "
                    "refused request costs nothing, so one request per scrape, and the first "
                    "scrape after the restart is up (3.00, and 4.x after the exporter's own "
                    "failed logins: `locked_out`)"
                ),
            )
        if name == "navidrome":
            return Cell(
                backend=backend,
                fault=fault,
                steps=(
                    Step(action=Action.FAULT, up=True, logins=0),
                    Step(action=Action.EXPIRE, up=False, reason="banned", logins=1),
                    Step(action=Action.AGAIN, up=False, reason="banned", logins=1),
                    Step(action=Action.CLEAR, up=True, logins=1),
                ),
                why=(
                    "Navidrome's rate limiter guards only `/auth/login` (HTTP 429), so the JWT in "
                    "hand keeps working; once it is lost each scrape tries one login (the limiter "
                    "only delays, it never locks anyone out) and reports `banned`"
                ),
            )
        return _unaffected(
            backend, fault, f"{backend.label} has no IP ban: the switch changes nothing"
        )
    # AUTH_REVOKED
    if name in ("lidarr", "prowlarr", "gluetun"):
        return Cell(
            backend=backend,
            fault=fault,
            steps=(
                Step(action=Action.FAULT, up=False, reason="auth"),
                Step(action=Action.AGAIN, up=False, reason="auth"),
                Step(action=Action.CLEAR, up=True),
            ),
            why=(
                "the key goes with every call and is refused (401); these applications never ban, "
                "so the key is tried again each scrape and the first scrape after the fix is up"
            ),
        )
    if name == "navidrome":
        return Cell(
            backend=backend,
            fault=fault,
            steps=(
                Step(action=Action.FAULT, up=False, reason="auth", logins=0),
                Step(action=Action.AGAIN, up=False, reason="auth", logins=0),
                Step(action=Action.CLEAR, up=True, logins=0),
            ),
            why=(
                "the first Subsonic call is refused (error 40) before the JWT is used, so no "
                "login is sent; the JWT survives, so recovery needs no login either"
            ),
        )
    if name == "qbittorrent":
        return _session_based_revoked(
            backend,
            fault,
            "auth",
            "a changed password does not end qBittorrent's sessions, so the exporter stays up; "
            "once the session is lost exactly one login is tried and rejected, and none is sent "
            f"during the back-off ({BACKOFF:g} s here, 300 s doubling by default; never more "
            "than `--max-login-failures` in a row, below qBittorrent's ban threshold of 5)",
        )
    if name == "transmission":
        return Cell(
            backend=backend,
            fault=fault,
            steps=(
                Step(action=Action.FAULT, up=False, reason="auth", sent=1),
                Step(action=Action.AGAIN, up=False, reason="login_backoff", sent=0),
                Step(action=Action.CLEAR, up=True, wait=Wait.BACKOFF),
            ),
            why=(
                "every RPC carries the credentials: one 401, then no request during the "
                "back-off (Transmission locks its RPC after many failures)"
            ),
        )
    return Cell(  # Jackett with an admin password
        backend=backend,
        fault=fault,
        steps=(
            Step(action=Action.FAULT, up=False, reason="auth", logins=1),
            Step(action=Action.AGAIN, up=False, reason="login_backoff", sent=0),
            Step(action=Action.CLEAR, up=True, logins=1, wait=Wait.BACKOFF),
        ),
        why=(
            "Jackett refuses the cookie (login redirect), one login with the admin password is "
            "refused, then nothing is sent during the back-off; after it, one login and up"
        ),
    )


CELLS = tuple(_cell(backend, fault) for backend in BACKENDS for fault in Fault)


# --------------------------------------------------------------------------- the document

ACTION_TEXT = {
    Action.FAULT: "fault",
    Action.AGAIN: "again",
    Action.EXPIRE: "session lost",
    Action.CLEAR: "cleared",
}
WAIT_TEXT = {Wait.NOTHING: "", Wait.BACKOFF: " after the back-off", Wait.BAN: " after the ban"}


def _steps_text(cell: Cell) -> str:
    return " → ".join(f"{ACTION_TEXT[s.action]}{WAIT_TEXT[s.wait]}: {s.text()}" for s in cell.steps)


def _short(cell: Cell) -> str:
    """A grid entry: the reasons the backend goes through, in order."""
    if not cell.applies:
        return "n/a: up"
    shown: list[str] = []
    for step in cell.steps:
        word = "up" if step.up else f"`{step.reason}`"
        if not shown or shown[-1] != word:
            shown.append(word)
    return " → ".join(shown)


def render() -> str:
    """The Markdown of ``docs/fault-matrix.md``."""
    lines = [
        "# Fault matrix of the exporter",
        "",
        "<!-- Generated by `python -m tests.reliability.matrix --write` from "
        "tests/reliability/matrix.py and ha_matrix.py; test_fault_matrix.py and "
        "test_integration_matrix.py run every cell, and a test fails when this file differs. "
        "Do not edit by hand. -->",
        "",
        "Every backend in every fault, one test per cell",
        "(`tests/reliability/test_fault_matrix.py`, against the simulator over loopback).",
        "Each step changes the backend, then scrapes",
        f"`/metrics` once with a {SCRAPE_TIMEOUT:g} s scrape timeout. In **every** step of every",
        "cell: the scrape answers HTTP 200, every other backend has `backend_up 1`, only the",
        "faulted backend may have a `stepheybot_music_backend_failure` series (exactly one, with",
        "the reason shown), and nothing is logged at ERROR (no unhandled exception). After the",
        "fault clears, the backend is up on the first scrape (after the back-off or ban where the",
        "cell says so) with the same metric families as before the fault.",
        "",
        f"The test runs the exporter with `--login-backoff {BACKOFF:g}` and lets a ban last "
        f"{BAN:g} s,",
        "so back-offs and bans can expire within the test; the behaviour is the same at the",
        "production values (300 s doubling, at most 3 failed logins in a row; 3600 s bans).",
        "",
        "## Faults",
        "",
        "| Fault | What the simulator does |",
        "| --- | --- |",
        *(f"| `{fault}` | {FAULT_TEXT[fault]} |" for fault in Fault),
        "",
        "## Overview",
        "",
        "The reasons `backend_failure` shows, in order (`up`: `backend_up 1`; n/a: the",
        "application has no such thing, and the exporter stays up).",
        "",
        "| Backend | " + " | ".join(f"`{f}`" for f in Fault) + " |",
        "| --- |" + " --- |" * len(Fault),
    ]
    for backend in BACKENDS:
        row = [c for c in CELLS if c.backend is backend]
        lines.append(f"| {backend.label} | " + " | ".join(_short(c) for c in row) + " |")
    lines += [
        "",
        "## Every cell",
        "",
        "Steps: **fault** puts the backend into the fault; **again** scrapes once more with the",
        "fault in force; **session lost** also ends every session the backend issued;",
        "**cleared** lifts every fault. A login count is the number of login requests the",
        "exporter sent during that scrape; for qBittorrent the simulator's own count of",
        "sessions and failed logins is checked too, and it never bans the exporter.",
        "",
    ]
    for backend in BACKENDS:
        lines += [
            f"### {backend.label}",
            "",
            f"Authentication: {backend.auth}.",
            "",
            "| Cell | Expected outcome | Why |",
            "| --- | --- | --- |",
        ]
        lines += [
            f"| `{c.id}` | {_steps_text(c)} | {c.why} |" for c in CELLS if c.backend is backend
        ]
        lines.append("")
    from . import ha_matrix

    lines += ha_matrix.render()
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print the document, write it (``--write``) or check it (``--check``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--write", action="store_true", help=f"write {DOC}")
    group.add_argument("--check", action="store_true", help=f"exit 1 when {DOC} differs")
    args = parser.parse_args(argv)
    text = render()
    if args.write:
        DOC.write_text(text, encoding="utf-8")
    elif args.check:
        current = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
        if current != text:
            sys.stderr.write(
                f"{DOC} is out of date: run python -m tests.reliability.matrix --write\n"
            )
            return 1
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
