"""The exporter's configuration: command line, environment and the stack file.

Every option has an environment variable (``STEPHEYBOT_MUSIC_EXPORTER_<OPTION>``); a
command-line flag wins over the environment, the environment over the default. The
backends come from the stack file (``--config``), whose fields the environment overrides
as :mod:`stepheybot_music_clients.stackfile` describes.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from stepheybot_music_clients.errors import StackError
from stepheybot_music_clients.models import LIBRARY_MAX_AGE, BackendKind
from stepheybot_music_clients.stackfile import StackConfig, load_stack_file

from . import __version__

ENV_PREFIX = "STEPHEYBOT_MUSIC_EXPORTER_"
DEFAULT_PORT = 10089
DEFAULT_LISTEN = f":{DEFAULT_PORT}"
MAX_SAFE_LOGIN_FAILURES = 4
"""qBittorrent bans an address after 5 failed logins, and never forgets the count."""

SINGLE_PER_STACK = frozenset(
    {
        BackendKind.NAVIDROME,
        BackendKind.LIDARR,
        BackendKind.GLUETUN,
        BackendKind.DOCKER,
        BackendKind.MUSIC_BRAIN,
    }
)
"""Kinds whose metrics carry no backend label, so a stack may have only one of each."""


class ConfigError(StackError):
    """The exporter's options or stack file are invalid; the message says how to fix it."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CollectorOptions:
    """What every backend collector is told."""

    per_torrent: bool = False
    """Export per-torrent series (off by default: cardinality)."""
    login_backoff: float = 300.0
    """Seconds to wait after a failed login before the next attempt (doubles each time)."""
    max_login_failures: int = 3
    """Failed logins in a row after which the exporter stops logging in until restarted."""
    artist_list_interval: float = LIBRARY_MAX_AGE
    """Seconds after which Lidarr's (possibly huge) artist list is downloaded again even
    when no change signal moved (:class:`~stepheybot_music_clients.lidarr.LibraryWatch`)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ExporterConfig:
    """Everything the exporter needs to run."""

    stacks: tuple[StackConfig, ...]
    """The first stack is the one ``/metrics`` serves; ``/probe?target=`` serves any."""
    listen_host: str | None = None
    """None listens on every interface."""
    listen_port: int = DEFAULT_PORT
    scrape_timeout: float = 10.0
    """Used when Prometheus sends no ``X-Prometheus-Scrape-Timeout-Seconds``."""
    options: CollectorOptions = field(default_factory=CollectorOptions)
    basic_auth_username: str = ""
    basic_auth_password: str = field(default="", repr=False)
    tls_cert_file: Path | None = None
    tls_key_file: Path | None = None
    log_level: str = "INFO"

    @property
    def default_stack(self) -> StackConfig:
        """The stack ``/metrics`` serves."""
        return self.stacks[0]


def _env(env: Mapping[str, str], option: str) -> str | None:
    value = env.get(ENV_PREFIX + option.upper().replace("-", "_"))
    return value if value not in (None, "") else None


def _help(text: str, option: str) -> str:
    return f"{text} [env {ENV_PREFIX}{option.upper().replace('-', '_')}]"


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser; ``--help`` documents every option and its variable."""
    parser = argparse.ArgumentParser(
        prog="stepheybot-music-exporter",
        description=(
            "Prometheus exporter for a self-hosted music stack: Navidrome/Subsonic, Lidarr, "
            "qBittorrent or Transmission, Jackett or Prowlarr, gluetun, Docker and the "
            "StepheyBot Music Brain. Collects on scrape, all backends concurrently."
        ),
        epilog=(
            "Endpoints: /metrics (the first stack of the stack file), /probe?target=STACK "
            "(any stack by name), /healthz (the exporter itself, no backend calls). "
            "Backend fields in the stack file can be overridden with STEPHEYBOT_<BACKEND>_<FIELD> "
            "(STEPHEYBOT_<STACK>_<BACKEND>_<FIELD> in a file with several stacks), e.g. "
            "STEPHEYBOT_QBITTORRENT_PASSWORD_FILE=/run/secrets/qbittorrent."
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--config",
        metavar="PATH",
        help=_help("The stack file (YAML; the format the simulator writes). Required.", "config"),
    )
    parser.add_argument(
        "--listen",
        metavar="ADDR:PORT",
        help=_help(
            "Where to serve metrics; ':PORT' listens on every interface "
            f"(default {DEFAULT_LISTEN}).",
            "listen",
        ),
    )
    parser.add_argument(
        "--scrape-timeout",
        metavar="SECONDS",
        type=float,
        help=_help(
            "Scrape timeout assumed when Prometheus sends no X-Prometheus-Scrape-Timeout-Seconds "
            "header (default 10). Every backend gets its own timeout below it.",
            "scrape-timeout",
        ),
    )
    parser.add_argument(
        "--per-torrent",
        action="store_true",
        default=None,
        help=_help(
            "Also export per-torrent series of the music category (off by default).", "per-torrent"
        ),
    )
    parser.add_argument(
        "--login-backoff",
        metavar="SECONDS",
        type=float,
        help=_help(
            "After a failed login (qBittorrent, Jackett), wait this long before trying again, "
            "doubling each time (default 300).",
            "login-backoff",
        ),
    )
    parser.add_argument(
        "--max-login-failures",
        metavar="N",
        type=int,
        help=_help(
            "Stop logging in after N failed logins in a row until the exporter restarts, so a "
            f"wrong password never gets its address banned (default 3, at most "
            f"{MAX_SAFE_LOGIN_FAILURES}).",
            "max-login-failures",
        ),
    )
    parser.add_argument(
        "--lidarr-artists-interval",
        metavar="SECONDS",
        type=float,
        help=_help(
            "Lidarr's artist list (no count endpoint exists; tens of MB on big libraries) is "
            "downloaded when its change signals move, and at least this often otherwise "
            "(default 21600, Home Assistant's rule; 0: every scrape).",
            "lidarr-artists-interval",
        ),
    )
    parser.add_argument(
        "--basic-auth-username",
        metavar="USER",
        help=_help(
            "Require HTTP basic auth with this user name on the endpoints.", "basic-auth-username"
        ),
    )
    parser.add_argument(
        "--basic-auth-password-file",
        metavar="PATH",
        help=_help(
            f"File holding the basic auth password (or set {ENV_PREFIX}BASIC_AUTH_PASSWORD).",
            "basic-auth-password-file",
        ),
    )
    parser.add_argument(
        "--tls-cert-file",
        metavar="PATH",
        help=_help("Serve HTTPS with this certificate chain (PEM).", "tls-cert-file"),
    )
    parser.add_argument(
        "--tls-key-file",
        metavar="PATH",
        help=_help("The private key (PEM) of --tls-cert-file.", "tls-key-file"),
    )
    parser.add_argument(
        "--log-level",
        metavar="LEVEL",
        type=str.upper,
        help=_help("DEBUG, INFO, WARNING or ERROR (default INFO).", "log-level"),
    )
    return parser


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def parse_listen(value: str) -> tuple[str | None, int]:
    """Split ``ADDR:PORT`` (``:PORT`` or ``[::1]:PORT`` too) into host and port."""
    host, sep, port_text = value.strip().rpartition(":")
    if not sep or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ConfigError(
            f"--listen {value!r} is not ADDR:PORT; use for example ':{DEFAULT_PORT}' or "
            f"'127.0.0.1:{DEFAULT_PORT}'."
        )
    host = host.removeprefix("[").removesuffix("]")
    return host or None, int(port_text)


def _read_secret(path: str, what: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8").strip()
    except OSError as err:
        raise ConfigError(f"Cannot read the {what} file {path}: {err.strerror}.") from err


def _bool(value: str, what: str) -> bool:
    text = value.strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{what} must be true or false, not {value!r}.")


def _number(value: object, what: str, *, low: float, high: float) -> float:
    try:
        number = float(str(value))
    except ValueError:
        raise ConfigError(f"{what} must be a number, not {value!r}.") from None
    if not low <= number <= high:
        raise ConfigError(f"{what} must be between {low:g} and {high:g}, not {number:g}.")
    return number


def check_stacks(stacks: Sequence[StackConfig]) -> None:
    """Refuse stacks the exporter cannot export without clashing series."""
    for stack in stacks:
        for kind in SINGLE_PER_STACK:
            names = [b.name for b in stack.backends if b.kind is kind]
            if len(names) > 1:
                raise ConfigError(
                    f"Stack {stack.name!r} has {len(names)} {kind} backends "
                    f"({', '.join(names)}); the exporter exports one {kind} per stack. "
                    "Put the others in stacks of their own and scrape them with /probe?target=."
                )


def load_config(
    argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None
) -> ExporterConfig:
    """Parse the command line and environment and load the stack file."""
    env = os.environ if env is None else env
    args = build_parser().parse_args(argv)

    def pick(name: str) -> str | None:
        value = getattr(args, name.replace("-", "_"))
        if value is not None:
            return str(value)
        return _env(env, name)

    config_path = pick("config")
    if config_path is None:
        raise ConfigError(
            f"No stack file given. Pass --config PATH or set {ENV_PREFIX}CONFIG "
            "(the simulator writes one with scripts/simulate)."
        )
    stacks = load_stack_file(Path(config_path), env)
    check_stacks(stacks)

    host, port = parse_listen(pick("listen") or DEFAULT_LISTEN)
    scrape_timeout = _number(pick("scrape-timeout") or 10, "--scrape-timeout", low=0.5, high=600)
    per_torrent = args.per_torrent or _bool(_env(env, "per-torrent") or "false", "PER_TORRENT")
    login_backoff = _number(pick("login-backoff") or 300, "--login-backoff", low=0, high=86400)
    max_failures = int(
        _number(
            pick("max-login-failures") or 3,
            "--max-login-failures",
            low=1,
            high=MAX_SAFE_LOGIN_FAILURES,
        )
    )
    artists_interval = _number(
        pick("lidarr-artists-interval") or LIBRARY_MAX_AGE,
        "--lidarr-artists-interval",
        low=0,
        high=86400,
    )

    username = pick("basic-auth-username") or ""
    password_file = pick("basic-auth-password-file")
    password = (
        _read_secret(password_file, "basic auth password")
        if password_file
        else (_env(env, "basic-auth-password") or "")
    )
    if bool(username) != bool(password):
        raise ConfigError(
            "Basic auth needs both a user name (--basic-auth-username) and a password "
            f"(--basic-auth-password-file or {ENV_PREFIX}BASIC_AUTH_PASSWORD)."
        )

    log_level = (pick("log-level") or "INFO").upper()
    if log_level not in LOG_LEVELS:
        raise ConfigError(f"--log-level must be one of {', '.join(LOG_LEVELS)}, not {log_level!r}.")

    cert, key = pick("tls-cert-file"), pick("tls-key-file")
    if bool(cert) != bool(key):
        raise ConfigError("TLS needs both --tls-cert-file and --tls-key-file.")
    for path, flag in ((cert, "--tls-cert-file"), (key, "--tls-key-file")):
        if path and not Path(path).is_file():
            raise ConfigError(f"{flag} {path} does not exist or is not a file.")

    return ExporterConfig(
        stacks=tuple(stacks),
        listen_host=host,
        listen_port=port,
        scrape_timeout=scrape_timeout,
        options=CollectorOptions(
            per_torrent=per_torrent,
            login_backoff=login_backoff,
            max_login_failures=max_failures,
            artist_list_interval=artists_interval,
        ),
        basic_auth_username=username,
        basic_auth_password=password,
        tls_cert_file=Path(cert) if cert else None,
        tls_key_file=Path(key) if key else None,
        log_level=log_level,
    )
