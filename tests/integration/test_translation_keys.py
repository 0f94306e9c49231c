"""Every translation key the code raises exists in en.json, with the placeholders it fills."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from string import Formatter

import pytest

from custom_components.stepheybot_music.issues import IssueKind
from custom_components.stepheybot_music.search import SearchError

from .helpers import translations

PACKAGE = Path(__file__).parents[2] / "custom_components/stepheybot_music"
EXCEPTION_CLASSES = ("Error", "Failed", "NotReady")
"""Endings of the Home Assistant exceptions that take a ``translation_key``."""


@dataclass(frozen=True, slots=True)
class Use:
    """One place the code names ``exceptions.<key>`` with some placeholders."""

    where: str
    key: str
    placeholders: frozenset[str]
    complete: bool
    """False when some placeholders come from a ``**mapping`` the test cannot read."""


def _fields(message: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(message) if name}


def _from_action_errors(tree: ast.Module) -> set[str]:
    """The helpers (``invalid``, ``failed``) a module imports from ``action_errors``."""
    return {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").endswith("action_errors")
        for alias in node.names
        if alias.name in ("invalid", "failed")
    }


def _dict_keys(node: ast.expr | None) -> tuple[frozenset[str], bool]:
    if node is None:
        return frozenset(), True
    if not isinstance(node, ast.Dict):
        return frozenset(), False
    keys = [key.value for key in node.keys if isinstance(key, ast.Constant)]
    return frozenset(str(key) for key in keys), all(key is not None for key in node.keys)


def _uses() -> list[Use]:
    found: list[Use] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        helpers = _from_action_errors(tree) | ({"invalid", "failed"} & _defined(tree, path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            where = f"{path.relative_to(PACKAGE)}:{node.lineno}"
            name = node.func.id if isinstance(node.func, ast.Name) else None
            if name in helpers and node.args and isinstance(node.args[0], ast.Constant):
                given = frozenset(k.arg for k in node.keywords if k.arg is not None)
                complete = all(k.arg is not None for k in node.keywords)
                found.append(Use(where, str(node.args[0].value), given, complete))
                continue
            keywords = {k.arg: k.value for k in node.keywords if k.arg is not None}
            key = keywords.get("translation_key")
            if (
                name is not None
                and name.endswith(EXCEPTION_CLASSES)
                and isinstance(key, ast.Constant)
            ):
                given, complete = _dict_keys(keywords.get("translation_placeholders"))
                found.append(Use(where, str(key.value), given, complete))
    return found


def _defined(tree: ast.Module, path: Path) -> set[str]:
    """``invalid``/``failed`` when ``path`` is action_errors.py itself."""
    return {"invalid", "failed"} if path.name == "action_errors.py" else set()


USES = _uses()


def test_the_scan_finds_the_raised_keys() -> None:
    keys = {use.key for use in USES}
    assert {"not_a_stack", "invalid_auth", "text_too_long", "stack_unreachable"} <= keys


@pytest.mark.parametrize("use", USES, ids=lambda use: f"{use.key}@{use.where}")
def test_every_raised_key_exists_with_its_placeholders(use: Use) -> None:
    exceptions = translations()["exceptions"]
    assert use.key in exceptions, f"{use.where}: exceptions.{use.key} is not in en.json"
    wanted = _fields(exceptions[use.key]["message"])
    if use.complete:
        assert set(use.placeholders) == wanted, use.where
    else:
        assert set(use.placeholders) <= wanted, use.where


def test_coordinator_error_keys_take_backend_and_error() -> None:
    tree = ast.parse((PACKAGE / "coordinators/base.py").read_text(encoding="utf-8"))
    function = next(
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and node.name == "error_key"
    )
    keys = {
        node.value.value
        for node in ast.walk(function)
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Constant)
    }
    assert len(keys) == 6
    exceptions = translations()["exceptions"]
    for key in keys:
        assert _fields(exceptions[key]["message"]) == {"backend", "error"}, key


def test_search_errors_are_translated() -> None:
    exceptions = translations()["exceptions"]
    raised = SearchError.__subclasses__()
    assert raised
    for error in raised:
        instance = error("release:abc")  # type: ignore[call-arg]
        assert _fields(exceptions[error.translation_key]["message"]) == set(instance.placeholders)


def test_issue_kinds_are_translated() -> None:
    issues = translations()["issues"]
    for kind in IssueKind:
        assert str(kind) in issues
