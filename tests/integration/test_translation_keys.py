"""Every translation key the code raises exists in en.json, with the placeholders it fills."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from string import Formatter

import pytest
from stepheybot_music_clients import errors
from stepheybot_music_clients.errors import FailureReason, IpBannedError, StackError
from stepheybot_music_clients.stackfile import StackFileError
from stepheybot_music_clients.transport import InvalidUrlError

from custom_components.stepheybot_music.client_errors import KEYS, error_text
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
    assert {"not_a_stack", "no_backend", "text_too_long", "stack_unreachable"} <= keys


@pytest.mark.parametrize("use", USES, ids=lambda use: f"{use.key}@{use.where}")
def test_every_raised_key_exists_with_its_placeholders(use: Use) -> None:
    exceptions = translations()["exceptions"]
    assert use.key in exceptions, f"{use.where}: exceptions.{use.key} is not in en.json"
    wanted = _fields(exceptions[use.key]["message"])
    if use.complete:
        assert set(use.placeholders) == wanted, use.where
    else:
        assert set(use.placeholders) <= wanted, use.where


def _client_errors() -> list[StackError]:
    """One error of every class the client library raises."""
    classes = [
        cls
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, StackError)
    ]
    made = [
        cls("Lidarr at http://nas:8686 says no.") for cls in classes if cls is not IpBannedError
    ]
    return [
        *made,
        IpBannedError("banned", retry_after=90),
        IpBannedError("banned"),
        InvalidUrlError("bad"),
        StackFileError("bad"),
    ]


CLIENT_ERRORS = _client_errors()


def test_every_client_error_class_is_covered() -> None:
    assert len(CLIENT_ERRORS) >= 13
    assert {error.reason for error in CLIENT_ERRORS} == set(KEYS)
    assert set(KEYS) == set(FailureReason) - {FailureReason.LOGIN_BACKOFF, FailureReason.INTERNAL}


@pytest.mark.parametrize("credentials", [True, False])
@pytest.mark.parametrize("error", CLIENT_ERRORS, ids=lambda e: type(e).__name__)
def test_a_client_error_reads_alike_in_exceptions_and_every_form(
    error: StackError, credentials: bool
) -> None:
    """One key and one set of placeholders, whether an action, a poll or a form shows it."""
    text = error_text(error, "Home Lidarr", credentials=credentials)
    strings = translations()
    assert _fields(strings["exceptions"][text.key]["message"]) == set(text.placeholders)
    forms = [strings["config"]["error"]] + [
        texts["error"] for texts in strings["config_subentries"].values()
    ]
    for form in forms:
        assert _fields(form[text.key]) <= set(text.placeholders), text.key
    assert text.placeholders["backend"] == "Home Lidarr"
    if "error" in text.placeholders:
        assert text.placeholders["error"] == error.message


def test_the_context_free_texts_are_the_same_in_forms_and_exceptions() -> None:
    strings = translations()
    for key in (
        "cannot_connect",
        "timeout",
        "tls_error",
        "access_denied",
        "wrong_application",
        "server_error",
        "unexpected_response",
        "backend_error",
    ):
        assert strings["config"]["error"][key] == strings["exceptions"][key]["message"], key


def test_every_form_has_the_same_error_texts() -> None:
    strings = translations()
    stack = strings["config"]["error"]
    for kind, texts in strings["config_subentries"].items():
        for key, message in texts["error"].items():
            assert stack.get(key, message) == message, f"{kind}: {key}"


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
