"""Repair issues: problems only the user can fix, raised per backend and lifted on recovery."""

from __future__ import annotations

from enum import StrEnum

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN


class IssueKind(StrEnum):
    """The repair issues this integration raises (also their translation keys)."""

    IP_BANNED = "ip_banned"
    """qBittorrent banned Home Assistant's IP address after failed logins."""
    NO_PASSWORD_SET = "no_password_set"  # noqa: S105 (an issue name, not a secret)
    """qBittorrent 4.6.1+ runs with a temporary password."""
    MOCK_DATA = "mock_data"
    """The Music Brain serves made-up library numbers because it cannot reach Navidrome."""
    GLUETUN_ROUTES = "gluetun_routes"
    """gluetun's role does not grant some routes (the credentials are fine)."""
    LOCKED_OUT = "locked_out"
    """Transmission locked every client out after failed logins, until it restarts."""
    WHITELIST_REFUSED = "whitelist_refused"
    """Transmission's rpc-whitelist does not hold Home Assistant's address."""
    PUSH_UNAVAILABLE = "push_unavailable"
    """Lidarr's webhook or Navidrome's event stream does not reach Home Assistant."""


def issue_id(kind: IssueKind, subentry_id: str) -> str:
    """The issue id of ``kind`` for one backend."""
    return f"{kind}_{subentry_id}"


@callback
def async_raise_issue(
    hass: HomeAssistant,
    kind: IssueKind,
    subentry_id: str,
    placeholders: dict[str, str],
    *,
    severity: ir.IssueSeverity = ir.IssueSeverity.ERROR,
) -> None:
    """Create (or refresh) the issue ``kind`` for one backend."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id(kind, subentry_id),
        is_fixable=False,
        severity=severity,
        translation_key=str(kind),
        translation_placeholders=placeholders,
        data={"subentry_id": subentry_id},
    )


@callback
def async_clear_issue(hass: HomeAssistant, kind: IssueKind, subentry_id: str) -> None:
    """Delete the issue ``kind`` of one backend, if raised."""
    ir.async_delete_issue(hass, DOMAIN, issue_id(kind, subentry_id))


@callback
def async_clear_backend_issues(hass: HomeAssistant, subentry_id: str) -> None:
    """Delete every issue of one backend."""
    for kind in IssueKind:
        async_clear_issue(hass, kind, subentry_id)


@callback
def async_clear_orphan_issues(hass: HomeAssistant, known_subentries: set[str]) -> None:
    """Delete issues of backends that were removed from every stack."""
    registry = ir.async_get(hass)
    for (domain, ident), issue in list(registry.issues.items()):
        if domain != DOMAIN or issue.data is None or "subentry_id" not in issue.data:
            continue  # a stack's own issue (diagnosis_watch) is lifted with its stack
        if issue.data.get("subentry_id") not in known_subentries:
            ir.async_delete_issue(hass, DOMAIN, ident)
