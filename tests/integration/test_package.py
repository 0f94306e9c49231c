"""What hassfest and HACS check in the package: manifest, hacs.json, quality scale, texts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from PIL import Image
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.stepheybot_music.backends import BACKEND_TYPES
from custom_components.stepheybot_music.config_flow import StepheyBotConfigFlow
from custom_components.stepheybot_music.const import DOMAIN

ROOT = Path(__file__).parents[2]
PACKAGE = ROOT / "custom_components/stepheybot_music"

RULES = {
    "bronze": (
        "action-setup appropriate-polling brands common-modules config-flow "
        "config-flow-test-coverage dependency-transparency docs-actions docs-conditions "
        "docs-high-level-description docs-installation-instructions docs-removal-instructions "
        "docs-triggers entity-event-setup entity-unique-id has-entity-name runtime-data "
        "test-before-configure test-before-setup unique-config-entry"
    ),
    "silver": (
        "action-exceptions config-entry-unloading docs-configuration-parameters "
        "docs-installation-parameters entity-unavailable integration-owner "
        "log-when-unavailable parallel-updates reauthentication-flow test-coverage"
    ),
    "gold": (
        "devices diagnostics discovery discovery-update-info docs-data-update docs-examples "
        "docs-known-limitations docs-supported-devices docs-supported-functions "
        "docs-troubleshooting docs-use-cases dynamic-devices entity-category "
        "entity-device-class entity-disabled-by-default entity-translations "
        "exception-translations icon-translations reconfiguration-flow repair-issues "
        "stale-devices"
    ),
    "platinum": "async-dependency inject-websession strict-typing",
}


def _json(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def test_manifest_is_valid_for_hassfest_and_hacs() -> None:
    manifest = _json(PACKAGE / "manifest.json")
    keys = list(manifest)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:]), "hassfest wants domain, name, then alphabetical"
    assert manifest["domain"] == PACKAGE.name
    for key in ("documentation", "issue_tracker"):
        assert manifest[key].startswith("https://")
    assert not manifest["documentation"].startswith("https://www.home-assistant.io/integrations")
    assert manifest["codeowners"] == ["@stepheybot"]
    assert manifest["iot_class"] == "local_polling"
    assert manifest["integration_type"] == "hub"
    assert manifest["config_flow"] is True
    assert manifest["requirements"] == []
    # http: the card's static path and the media views; webhook: Lidarr's push (push/lidarr.py)
    assert manifest["dependencies"] == ["http", "webhook"]
    # cloud: a cloudhook, when subscribed; frontend: the card's module
    assert manifest["after_dependencies"] == ["cloud", "frontend"]
    assert all(part.isdigit() for part in manifest["version"].split("."))
    allowed = {
        "domain", "name", "after_dependencies", "codeowners", "config_flow", "dependencies",
        "documentation", "integration_type", "iot_class", "issue_tracker", "quality_scale",
        "requirements", "version",
    }  # fmt: skip
    assert set(manifest) <= allowed


def test_hacs_json_has_only_known_keys() -> None:
    hacs = _json(ROOT / "hacs.json")
    known = {
        "name", "homeassistant", "hacs", "content_in_root", "zip_release", "filename",
        "hide_default_branch", "country", "persistent_directory", "render_readme",
    }  # fmt: skip
    assert set(hacs) <= known
    assert hacs["name"] == "StepheyBot Music"


def test_every_quality_scale_rule_is_done_or_exempt_with_a_reason() -> None:
    rules = yaml.safe_load((PACKAGE / "quality_scale.yaml").read_text(encoding="utf-8"))["rules"]
    expected = {rule for tier in RULES.values() for rule in tier.split()}
    assert len(expected) == 54
    assert set(rules) == expected
    for rule, value in rules.items():
        assert value["status"] in ("done", "exempt"), rule
        if value["status"] == "exempt":
            assert value.get("comment"), f"{rule} is exempt without a reason"


def test_brand_icon() -> None:
    with Image.open(PACKAGE / "brand/icon.png") as icon:
        assert icon.format == "PNG"
        assert icon.size == (256, 256)


def test_texts_and_icons_match() -> None:
    strings = _json(PACKAGE / "translations/en.json")
    icons = _json(PACKAGE / "icons.json")
    for platform, entities in icons["entity"].items():
        assert set(entities) == set(strings["entity"][platform]), platform
    flows = StepheyBotConfigFlow.async_get_supported_subentry_types(
        MockConfigEntry(domain=DOMAIN, data={})
    )
    assert set(strings["config_subentries"]) == set(flows)
    assert {str(kind) for kind in BACKEND_TYPES} == set(strings["config_subentries"])
    for kind, texts in strings["config_subentries"].items():
        fields = set(texts["step"]["user"]["data"])
        credentials = {credential.key for credential in BACKEND_TYPES[kind].credentials}
        assert fields == {"name", "url", "verify_ssl"} | credentials, kind
        assert set(texts["step"]["user"]["data_description"]) == fields, kind
