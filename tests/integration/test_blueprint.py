"""The shipped blueprint: notifies on "in library" and "failed", for its stack only."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from homeassistant.components import persistent_notification
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_mock_service

from custom_components.stepheybot_music.const import DOMAIN
from custom_components.stepheybot_music.tracking.models import (
    EVENT_REQUEST,
    FailureReason,
    Route,
    Stage,
    TrackedRequest,
)

BLUEPRINT = (
    Path(__file__).parents[2] / "blueprints/automation/stepheybot_music/request_finished.yaml"
)


@pytest.fixture
def stack(hass: HomeAssistant, tmp_path: Path) -> MockConfigEntry:
    """A stack entry, and the blueprint where Home Assistant finds imported blueprints."""
    hass.config.config_dir = str(tmp_path)
    target = tmp_path / "blueprints/automation/stepheybot_music"
    target.mkdir(parents=True)
    shutil.copy(BLUEPRINT, target / BLUEPRINT.name)
    entry = MockConfigEntry(domain=DOMAIN, title="Music")
    entry.add_to_hass(hass)
    return entry


async def _automation(hass: HomeAssistant, inputs: dict[str, Any]) -> None:
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "use_blueprint": {
                    "path": f"stepheybot_music/{BLUEPRINT.name}",
                    "input": inputs,
                }
            }
        },
    )
    await hass.async_block_till_done()


def _fire(hass: HomeAssistant, entry_id: str, request: TrackedRequest, previous: Stage) -> None:
    hass.bus.async_fire(EVENT_REQUEST, {"entry_id": entry_id, **request.event_data(previous)})


def _request(stage: Stage, **changes: Any) -> TrackedRequest:
    request = TrackedRequest(
        request_id="r1", route=Route.LIDARR, backend_id="b", artist="Nina Simone", album="Pastel"
    )
    return request.moved_to(stage, **changes)


async def test_default_action_is_a_persistent_notification(
    hass: HomeAssistant, stack: MockConfigEntry
) -> None:
    """With no action chosen, "in library" becomes a notification in Home Assistant."""
    assert await async_setup_component(hass, "persistent_notification", {})
    await _automation(hass, {"stack": stack.entry_id})

    _fire(hass, stack.entry_id, _request(Stage.IN_LIBRARY), Stage.IMPORTING)
    await hass.async_block_till_done()

    notifications = persistent_notification._async_get_or_create_notifications(hass)
    assert notifications["stepheybot_music_r1"]["title"] == "Now in your library"
    assert notifications["stepheybot_music_r1"]["message"] == (
        "Nina Simone \u2013 Pastel is ready to play."
    )


async def test_a_whole_artist_says_how_many_albums_arrived(
    hass: HomeAssistant, stack: MockConfigEntry
) -> None:
    assert await async_setup_component(hass, "persistent_notification", {})
    await _automation(hass, {"stack": stack.entry_id})
    whole = TrackedRequest(
        request_id="r2", route=Route.LIDARR, backend_id="b", artist="Nina Simone"
    ).moved_to(Stage.IN_LIBRARY, message="3 albums by Nina Simone are in your library.")
    _fire(hass, stack.entry_id, whole, Stage.IMPORTING)
    await hass.async_block_till_done()
    notifications = persistent_notification._async_get_or_create_notifications(hass)
    assert notifications["stepheybot_music_r2"]["message"] == (
        "3 albums by Nina Simone are ready to play."
    )


async def test_chosen_action_gets_title_and_message(
    hass: HomeAssistant, stack: MockConfigEntry
) -> None:
    """Failures notify with the reason; other stages and other stacks do not."""
    calls = async_mock_service(hass, "notify", "phone")
    await _automation(
        hass,
        {
            "stack": stack.entry_id,
            "notify": [
                {
                    "action": "notify.phone",
                    "data": {"title": "{{ title }}", "message": "{{ message }}"},
                }
            ],
        },
    )

    _fire(hass, stack.entry_id, _request(Stage.DOWNLOADING), Stage.SEARCHING)
    _fire(hass, "another-stack", _request(Stage.IN_LIBRARY), Stage.IMPORTING)
    failed = _request(
        Stage.FAILED, failure=FailureReason.NOTHING_FOUND, message="No release was found."
    )
    _fire(hass, stack.entry_id, failed, Stage.SEARCHING)
    stalled = _request(Stage.FAILED, failure=FailureReason.STALLED)
    _fire(hass, stack.entry_id, stalled, Stage.DOWNLOADING)
    await hass.async_block_till_done()

    assert [_title_message(call) for call in calls] == [
        ("Music request failed", "Nina Simone \u2013 Pastel: No release was found."),
        ("Music request failed", "Nina Simone \u2013 Pastel: stalled."),
    ]


async def test_switches_silence_a_stage(hass: HomeAssistant, stack: MockConfigEntry) -> None:
    """Turning "when failed" off keeps failures quiet and "in library" loud."""
    calls = async_mock_service(hass, "notify", "phone")
    await _automation(
        hass,
        {
            "stack": stack.entry_id,
            "on_failed": False,
            "notify": [{"action": "notify.phone", "data": {"message": "{{ message }}"}}],
        },
    )

    _fire(hass, stack.entry_id, _request(Stage.FAILED), Stage.SEARCHING)
    _fire(hass, stack.entry_id, _request(Stage.IN_LIBRARY), Stage.IMPORTING)
    await hass.async_block_till_done()

    assert [call.data["message"] for call in calls] == [
        "Nina Simone \u2013 Pastel is ready to play."
    ]


def _title_message(call: ServiceCall) -> tuple[str, str]:
    return call.data["title"], call.data["message"]
