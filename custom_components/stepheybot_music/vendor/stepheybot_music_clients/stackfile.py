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
multi-stack file ``STEPHEYBOT_<STACK>_<BACKEND NAME>_<FIELD>``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from stepheybot_music_clients.errors import StackError
from stepheybot_music_clients.models import BackendKind

_FIELDS = (
    "url",
    "username",
    "password",
    "api_key",
    "verify_ssl",
    "timeout",
    "category",
    "containers",
)
_SECRET_FILES = {"password_file": "password", "api_key_file": "api_key"}


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
    return parse_stacks(data, env=os.environ if env is None else env, base=path.parent)


def parse_stacks(
    data: object, *, env: Mapping[str, str] | None = None, base: Path | None = None
) -> list[StackConfig]:
    """Validate the parsed YAML of a stack file."""
    env = env or {}
    if not isinstance(data, dict):
        raise StackFileError("The stack file must be a mapping with 'backends' or 'stacks'.")
    if "stacks" in data:
        raw_stacks = data["stacks"]
        if not isinstance(raw_stacks, list) or not raw_stacks:
            raise StackFileError("'stacks' must be a non-empty list.")
        prefixed = True
    else:
        raw_stacks = [data]
        prefixed = False
    stacks: list[StackConfig] = []
    for index, raw in enumerate(raw_stacks):
        if not isinstance(raw, dict):
            raise StackFileError(f"stack #{index + 1} must be a mapping.")
        name = str(raw.get("name") or "default")
        if any(s.name == name for s in stacks):
            raise StackFileError(f"Two stacks are called {name!r}; stack names must be unique.")
        backends = raw.get("backends")
        if not isinstance(backends, list) or not backends:
            raise StackFileError(f"stack {name!r} needs a non-empty 'backends' list.")
        env_prefix = f"STEPHEYBOT_{_env_name(name)}_" if prefixed else "STEPHEYBOT_"
        parsed: list[BackendConfig] = []
        for position, item in enumerate(backends):
            backend = _parse_backend(item, f"stack {name!r} backend #{position + 1}", base)
            backend = _apply_env(backend, env, env_prefix)
            if any(b.name == backend.name for b in parsed):
                raise StackFileError(
                    f"stack {name!r} has two backends called {backend.name!r}; "
                    "give one of them a different 'name'."
                )
            parsed.append(backend)
        stacks.append(StackConfig(name=name, backends=tuple(parsed)))
    return stacks


def _env_name(name: str) -> str:
    return name.upper().replace("-", "_").replace(" ", "_")


def _parse_backend(item: object, where: str, base: Path | None) -> BackendConfig:
    if not isinstance(item, dict):
        raise StackFileError(f"{where} must be a mapping with at least 'kind' and 'url'.")
    unknown = set(item) - {"name", "kind", *_FIELDS, *_SECRET_FILES}
    if unknown:
        raise StackFileError(f"{where} has unknown keys: {', '.join(sorted(map(str, unknown)))}.")
    try:
        kind = BackendKind(str(item.get("kind", "")))
    except ValueError:
        kinds = ", ".join(k.value for k in BackendKind)
        raise StackFileError(f"{where}: 'kind' must be one of {kinds}.") from None
    url = item.get("url")
    if not isinstance(url, str) or not url:
        raise StackFileError(f"{where} ({kind}) needs a 'url'.")
    values: dict[str, Any] = {}
    for key, target in _SECRET_FILES.items():
        if key in item:
            secret_path = Path(str(item[key]))
            if base is not None and not secret_path.is_absolute():
                secret_path = base / secret_path
            try:
                values[target] = secret_path.read_text(encoding="utf-8").strip()
            except OSError as err:
                raise StackFileError(
                    f"{where} ({kind}): cannot read {key} {secret_path}: {err.strerror}."
                ) from err
    for key in ("username", "password", "api_key", "category"):
        if key in item:
            values[key] = str(item[key])
    if "verify_ssl" in item:
        values["verify_ssl"] = _bool(item["verify_ssl"], f"{where} verify_ssl")
    if "timeout" in item:
        values["timeout"] = _timeout(item["timeout"], f"{where} timeout")
    if "containers" in item:
        containers = item["containers"]
        if not isinstance(containers, list):
            raise StackFileError(f"{where}: 'containers' must be a list of container names.")
        values["containers"] = tuple(str(c) for c in containers)
    return BackendConfig(name=str(item.get("name") or kind.value), kind=kind, url=url, **values)


def _apply_env(backend: BackendConfig, env: Mapping[str, str], prefix: str) -> BackendConfig:
    changes: dict[str, Any] = {}
    stem = f"{prefix}{_env_name(backend.name)}_"
    for key in _FIELDS:
        value = env.get(stem + key.upper())
        if value is None:
            continue
        where = f"environment variable {stem + key.upper()}"
        if key == "verify_ssl":
            changes[key] = _bool(value, where)
        elif key == "timeout":
            changes[key] = _timeout(value, where)
        elif key == "containers":
            changes[key] = tuple(c.strip() for c in value.split(",") if c.strip())
        else:
            changes[key] = value
    for key, target in _SECRET_FILES.items():
        value = env.get(stem + key.upper())
        if value is not None:
            try:
                changes[target] = Path(value).read_text(encoding="utf-8").strip()
            except OSError as err:
                raise StackFileError(
                    f"environment variable {stem + key.upper()}: cannot read {value}: "
                    f"{err.strerror}."
                ) from err
    return replace(backend, **changes) if changes else backend


def _bool(value: object, where: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise StackFileError(f"{where} must be true or false, not {value!r}.")


def _timeout(value: object, where: str) -> float:
    try:
        seconds = float(str(value))
    except ValueError:
        raise StackFileError(f"{where} must be a number of seconds, not {value!r}.") from None
    if not 0 < seconds <= 300:
        raise StackFileError(f"{where} must be between 0 and 300 seconds.")
    return seconds
