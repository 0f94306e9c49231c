"""The stack file: which backends a music stack has and how to reach them.

The exporter reads it (``--config``), the simulator writes it. YAML, either one stack::

    name: home
    backends:
      - kind: qbittorrent
        url: http://192.168.1.10:8080
        username: admin
        password_file: /run/secrets/qbittorrent
      - kind: lidarr
        url: http://192.168.1.10:8686
        api_key: 0123456789abcdef

or several under ``stacks:`` (each with ``name`` and ``backends``). A backend's
``name`` defaults to its kind and must be unique in its stack. Secrets may be given
inline or as ``password_file`` / ``api_key_file``; the environment overrides any field
with ``STEPHEYBOT_<BACKEND NAME>_<FIELD>`` (upper case, ``-`` as ``_``), and for a
multi-stack file ``STEPHEYBOT_<STACK>_<BACKEND NAME>_<FIELD>``. A key left empty (null)
counts as not given. A voluptuous schema checks the file; every message names the file,
the stack, the backend and the field, and says what is allowed there.
"""

from __future__ import annotations

import difflib
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import voluptuous as vol
import yaml

from stepheybot_music_clients.errors import StackError
from stepheybot_music_clients.models import MUSIC_FOLDERS, BackendKind

_FIELDS = (
    "url",
    "username",
    "password",
    "api_key",
    "verify_ssl",
    "timeout",
    "category",
    "music_folders",
    "containers",
)
_SECRET_FILES = {"password_file": "password", "api_key_file": "api_key"}
_TEXT_FIELDS = frozenset({"name", "username", "password", "api_key", "category", *_SECRET_FILES})


class StackFileError(StackError):
    """The stack file cannot be read or is invalid; the message says where and why."""


@dataclass(frozen=True, slots=True, kw_only=True)
class BackendConfig:
    """How to reach one backend."""

    name: str
    kind: BackendKind
    url: str
    username: str = ""
    password: str = field(default="", repr=False)
    api_key: str = field(default="", repr=False)
    verify_ssl: bool = True
    timeout: float = 10.0
    category: str = "music"
    """Download clients: the category (qBittorrent) or label counted as music."""
    music_folders: tuple[str, ...] = MUSIC_FOLDERS
    """Download clients: folders whose torrents count as music whatever their label."""
    containers: tuple[str, ...] = ()
    """Docker: container names to watch (empty: all)."""

    def to_dict(self, *, include_secrets: bool = True) -> dict[str, Any]:
        """The YAML form of this backend."""
        out: dict[str, Any] = {"name": self.name, "kind": str(self.kind), "url": self.url}
        if self.username:
            out["username"] = self.username
        for key in ("password", "api_key"):
            value = getattr(self, key)
            if value:
                out[key] = value if include_secrets else "**REDACTED**"
        if not self.verify_ssl:
            out["verify_ssl"] = False
        if self.timeout != 10.0:
            out["timeout"] = self.timeout
        if self.category != "music":
            out["category"] = self.category
        if self.music_folders != MUSIC_FOLDERS:
            out["music_folders"] = list(self.music_folders)
        if self.containers:
            out["containers"] = list(self.containers)
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class StackConfig:
    """A named stack and its backends."""

    name: str
    backends: tuple[BackendConfig, ...]

    def backend(self, name: str) -> BackendConfig:
        """The backend called ``name``."""
        for backend in self.backends:
            if backend.name == name:
                return backend
        raise KeyError(name)

    def to_dict(self, *, include_secrets: bool = True) -> dict[str, Any]:
        """The YAML form of this stack."""
        return {
            "name": self.name,
            "backends": [b.to_dict(include_secrets=include_secrets) for b in self.backends],
        }


def dump_stack_file(stacks: list[StackConfig], path: Path) -> None:
    """Write a stack file (mode 0600: it holds secrets)."""
    data: dict[str, Any] = (
        stacks[0].to_dict() if len(stacks) == 1 else {"stacks": [s.to_dict() for s in stacks]}
    )
    text = "# StepheyBot Music stack file\n" + yaml.safe_dump(data, sort_keys=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def load_stack_file(path: Path, env: Mapping[str, str] | None = None) -> list[StackConfig]:
    """Read and validate a stack file; environment variables override its fields."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise StackFileError(f"Cannot read the stack file {path}: {err.strerror}.") from err
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise StackFileError(f"{path} is not valid YAML: {err}") from err
    env = os.environ if env is None else env
    return parse_stacks(data, env=env, base=path.parent, source=str(path))


def parse_stacks(
    data: object,
    *,
    env: Mapping[str, str] | None = None,
    base: Path | None = None,
    source: str = "The stack file",
) -> list[StackConfig]:
    """Validate the parsed YAML of a stack file (``source`` names it in messages).

    ``base`` is the folder relative secret file paths start from.
    """
    env = env or {}
    if not isinstance(data, dict):
        raise StackFileError(
            f"{source} must be a mapping with 'backends' (one stack) or 'stacks' (several)."
        )
    prefixed = "stacks" in data
    try:
        raw_stacks = _STACKS(data)["stacks"] if prefixed else [_STACK(data)]
    except vol.Invalid as err:
        raise StackFileError(_explain(err, data, source)) from None
    stacks: list[StackConfig] = []
    for raw in raw_stacks:
        name = raw.get("name") or "default"
        if any(s.name == name for s in stacks):
            raise StackFileError(
                f"{source}: Two stacks are called {name!r}; stack names must be unique."
            )
        env_prefix = f"STEPHEYBOT_{_env_name(name)}_" if prefixed else "STEPHEYBOT_"
        backends: list[BackendConfig] = []
        for position, item in enumerate(raw["backends"]):
            where = f"{source}: stack {name!r}, {_backend_label(item, position)}"
            backend = _apply_env(_backend(item, base, where), env, env_prefix)
            if any(b.name == backend.name for b in backends):
                raise StackFileError(
                    f"{source}: stack {name!r} has two backends called {backend.name!r}; "
                    "give one of them a different 'name'."
                )
            backends.append(backend)
        stacks.append(StackConfig(name=name, backends=tuple(backends)))
    return stacks


# --- the schema: each validator's message says what is allowed, _explain says where ---

_KINDS = ", ".join(k.value for k in BackendKind)
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")
_MAX_TIMEOUT = 300.0


def _boolean(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise vol.Invalid(f"must be true or false, not {value!r}")


def _seconds(value: object) -> float:
    """Seconds in (0, 300]; ``true`` is not a number here (``float(True)`` would be 1)."""
    try:
        seconds = float(str(value))
    except ValueError:
        seconds = math.nan
    if not 0 < seconds <= _MAX_TIMEOUT:
        raise vol.Invalid(
            f"must be a number of seconds between 0 and {_MAX_TIMEOUT:g} (0 excluded), "
            f"not {value!r}"
        )
    return seconds


def _mapping(what: str, keys: frozenset[str] | None = None) -> Callable[[object], dict[Any, Any]]:
    """A mapping with only ``keys`` (any, if None); a null value counts as not given."""

    def check(value: object) -> dict[Any, Any]:
        if not isinstance(value, dict):
            raise vol.Invalid(f"must be a mapping {what}")
        if unknown := sorted(map(str, set(value) - keys)) if keys is not None else []:
            hints = sorted(
                {c for u in unknown for c in difflib.get_close_matches(u, keys or (), 1)}
            )
            raise vol.Invalid(
                f"has unknown keys: {', '.join(unknown)}"
                + (f" (did you mean {', '.join(hints)}?)" if hints else "")
                + f"; allowed: {', '.join(sorted(keys or ()))}"
            )
        return {key: item for key, item in value.items() if item is not None}

    return check


def _non_empty_list(what: str) -> vol.All:
    return vol.All(list, vol.Length(min=1), msg=f"must be a non-empty list {what}")


_URL = "its address, e.g. http://10.0.0.2:8686"
_BACKEND_FIELDS: dict[vol.Marker, object] = {
    vol.Required("kind", msg=f"needs a 'kind': one of {_KINDS}"): vol.All(
        vol.Coerce(BackendKind), msg=f"must be one of {_KINDS}"
    ),
    vol.Required("url", msg=f"needs a 'url': {_URL}"): vol.All(
        str, vol.Length(min=1), msg=f"must be {_URL}"
    ),
    vol.Optional("verify_ssl"): _boolean,
    vol.Optional("timeout"): _seconds,
    vol.Optional("containers"): vol.All(
        [vol.Coerce(str)], vol.Coerce(tuple), msg="must be a list of container names"
    ),
    vol.Optional("music_folders"): vol.All(
        [vol.All(str, vol.Match(r"^/"))],
        vol.Coerce(tuple),
        msg="must be a list of absolute folders, e.g. [/hot_downloads] ([] for none)",
    ),
    **{vol.Optional(key): vol.Coerce(str) for key in _TEXT_FIELDS},
}
_BACKEND = vol.All(
    _mapping("with at least 'kind' and 'url'", frozenset(map(str, _BACKEND_FIELDS))),
    vol.Schema(_BACKEND_FIELDS),
)
_STACK = vol.Schema(
    vol.All(
        _mapping("with 'backends' and optionally 'name'"),
        vol.Schema(
            {
                vol.Optional("name"): vol.Coerce(str),
                vol.Required("backends", msg="needs a list of 'backends'"): vol.All(
                    _non_empty_list("of backends, each with 'kind' and 'url'"), [_BACKEND]
                ),
            },
            extra=vol.ALLOW_EXTRA,
        ),
    )
)
_STACKS = vol.Schema(
    {vol.Required("stacks"): vol.All(_non_empty_list("of stacks, each a mapping"), [_STACK])},
    extra=vol.ALLOW_EXTRA,
)


def _explain(err: vol.Invalid, data: dict[Any, Any], source: str) -> str:
    """One line per problem: the file, the stack, the backend, the field, what is allowed."""
    lines = []
    for error in err.errors if isinstance(err, vol.MultipleInvalid) else [err]:
        path: list[Any] = list(error.path)
        where: list[str] = []
        stack: Any = data
        if "stacks" in data and len(path) > 1:
            where.append(f"stack #{path[1] + 1}")
            stack, path = data["stacks"][path[1]], path[2:]
        if isinstance(stack, dict) and stack.get("name") not in (None, ""):
            where[:] = [f"stack {str(stack['name'])!r}"]
        elif "stacks" not in data:
            where.append("stack 'default'")
        if path[:1] == ["backends"] and len(path) > 1:
            where.append(_backend_label(stack["backends"][path[1]], path[1]))
            path = path[2:]
        if path and not isinstance(error, vol.RequiredFieldInvalid):
            where[-1:] = [f"{where[-1]}: {path[0]!r}"] if where else [repr(path[0])]
        lines.append(f"{source}: {' '.join([', '.join(where), error.msg]).strip()}.")
    return "\n".join(lines)


def _backend_label(item: object, position: int) -> str:
    """``backend #2 'seedbox' (qbittorrent)``: its position, name and kind as far as known."""
    label = f"backend #{position + 1}"
    if isinstance(item, dict):
        name, kind = item.get("name"), item.get("kind")
        label += f" {str(name)!r}" if name not in (None, "", kind) else ""
        label += f" ({kind})" if isinstance(kind, str) else ""
    return label


# --- what the schema cannot check: secret files and the environment ------------------


def _env_name(name: str) -> str:
    return name.upper().replace("-", "_").replace(" ", "_")


def _read_secret(path: Path, problem: str) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as err:
        raise StackFileError(f"{problem} {path}: {err.strerror}.") from err


def _backend(item: dict[str, Any], base: Path | None, where: str) -> BackendConfig:
    """The validated mapping as a config; a secret given inline wins over its file."""
    values: dict[str, Any] = {"name": item.get("name") or item["kind"].value}
    for key, target in _SECRET_FILES.items():
        if key in item:
            path = Path(item[key])
            path = base / path if base is not None and not path.is_absolute() else path
            values[target] = _read_secret(path, f"{where}: cannot read {key}")
    values.update((key, item[key]) for key in ("kind", *_FIELDS) if key in item)
    return BackendConfig(**values)


_ENV_VALUES: dict[str, Callable[[str], object]] = {
    "verify_ssl": _boolean,
    "timeout": _seconds,
    "containers": lambda text: tuple(c.strip() for c in text.split(",") if c.strip()),
    "music_folders": lambda text: tuple(f.strip() for f in text.split(",") if f.strip()),
}


def _apply_env(backend: BackendConfig, env: Mapping[str, str], prefix: str) -> BackendConfig:
    changes: dict[str, Any] = {}
    stem = f"{prefix}{_env_name(backend.name)}_"
    for key in _FIELDS:
        if (value := env.get(stem + key.upper())) is not None:
            try:
                changes[key] = _ENV_VALUES.get(key, str)(value)
            except vol.Invalid as err:
                raise StackFileError(
                    f"Environment variable {stem}{key.upper()} {err.msg}."
                ) from None
    for key, target in _SECRET_FILES.items():
        if (value := env.get(stem + key.upper())) is not None:
            problem = f"Environment variable {stem}{key.upper()}: cannot read"
            changes[target] = _read_secret(Path(value), problem)
    return replace(backend, **changes) if changes else backend
