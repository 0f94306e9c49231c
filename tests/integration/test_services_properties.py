"""Property tests of every action's input (issue 11): only the documented errors, never a hang.

Hypothesis draws each action's fields (every field the action declares, so a new action is
covered as soon as it is in ``ACTIONS``) from plausible values (names of the simulated
library, MusicBrainz ids, magnets, result ids, stages) and from anything JSON can hold. A
call either answers (a JSON-ready dict when it answers at all) or raises a schema error
(``probatio.Invalid``), a translated ``ServiceValidationError`` or a translated
``HomeAssistantError``; it never leaks a magnet and never takes long.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import probatio
import pytest
from homeassistant.core import HomeAssistant, SupportsResponse
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from custom_components.stepheybot_music.const import DOMAIN
from custom_components.stepheybot_music.play_actions import PLAY_ACTIONS
from custom_components.stepheybot_music.services import ACTIONS, Action
from custom_components.stepheybot_music.tracking.models import Stage
from simulator import Simulator

from .conftest import ENTRY_ID, setup_stack

CALL_LIMIT = 20.0
"""Seconds one call may take (the simulator answers in milliseconds)."""

ANYTHING = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=250),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=6,
)
HEX40 = st.text("0123456789abcdefABCDEF", min_size=38, max_size=42)
MAGNETS = st.builds(
    lambda digest, tail: f"magnet:?xt=urn:btih:{digest}{tail}",
    HEX40 | st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", min_size=32, max_size=32),
    st.sampled_from(["", "&dn=Some+Album", "&tr=https%3A%2F%2Ft.example%2Fpasskey%2Fannounce"]),
)
RESULT_IDS = st.builds(
    lambda prefix, body: f"{prefix}:{body}",
    st.sampled_from(["artist", "album", "release", "library", "track", ""]),
    st.uuids().map(str) | HEX40 | st.text(max_size=20),
)


def plausible(field: str, names: list[str]) -> st.SearchStrategy[Any]:
    """Values a user might really give ``field`` (and near misses)."""
    texts = st.sampled_from(names) | st.text(max_size=40)
    by_field: dict[str, st.SearchStrategy[Any]] = {
        "artist": texts,
        "album": texts,
        "query": texts,
        "latest": st.booleans() | st.sampled_from(["on", "off", "maybe"]),
        "full": st.booleans(),
        "in_flight": st.booleans(),
        "musicbrainz_id": st.uuids().map(str) | st.text(max_size=40),
        "magnet": MAGNETS | st.text(max_size=60),
        "result_id": RESULT_IDS,
        "kind": st.sampled_from(["any", "artist", "album", "track", "release", "song"]),
        "sources": st.lists(
            st.sampled_from(["library", "lidarr", "indexers", "music_brain", "spotify"]),
            max_size=5,
        ),
        "stage": st.lists(st.sampled_from([*Stage, "lost"]), max_size=3),
        "limit": st.integers(-3, 600) | st.sampled_from(["5", "x", "1e3"]),
        "request_id": st.text(max_size=30),
        "media_player": st.lists(
            st.sampled_from(["media_player.nowhere", "light.kitchen", "not an id"]), max_size=2
        ),
        "area": st.sampled_from(["living_room", "Kitchen", ""]) | st.text(max_size=20),
        "when_ready": st.sampled_from(["nothing", "announce", "play", "later"]),
    }
    likely = by_field.get(field, texts)
    return st.one_of(likely, likely, likely, ANYTHING)


def call_data(action: Action, names: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """A call's data: some of the action's fields, rarely a wrong stack or an unknown field."""
    required = {
        str(marker): plausible(str(marker), names)
        for marker in action.fields
        if isinstance(marker, probatio.Required)
    }
    optional = {
        str(marker): plausible(str(marker), names)
        for marker in action.fields
        if not isinstance(marker, probatio.Required)
    }
    required["config_entry_id"] = st.sampled_from([ENTRY_ID] * 8 + ["", "nope", 42])
    rarely = st.sampled_from([{}] * 9 + [{"unknown_field": 1}])
    return st.builds(
        lambda fields, extra: {**fields, **extra},
        st.fixed_dictionaries(required, optional=optional),
        rarely,
    )


@pytest.fixture
async def stack(hass: HomeAssistant, sim: Simulator) -> list[str]:
    """A stack with every kind of backend an action uses; yields names found in it."""
    await setup_stack(
        hass, sim, ["lidarr", "navidrome", "music_brain", "qbittorrent", "transmission", "jackett"]
    )
    world = sim.world
    names = [a.name for a in list(world.artists.values())[::7]]
    names += [a.title for a in list(world.albums.values())[::9]]
    return names


EVERY_ACTION = (*ACTIONS, *PLAY_ACTIONS)


@pytest.mark.parametrize("action", EVERY_ACTION, ids=[a.name for a in EVERY_ACTION])
@settings(
    max_examples=40,
    deadline=None,  # CALL_LIMIT bounds each call instead
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_actions_fail_only_as_documented(
    hass: HomeAssistant, stack: list[str], action: Action, data: st.DataObject
) -> None:
    service_data = data.draw(call_data(action, stack), label="data")
    response = action.response is not SupportsResponse.NONE
    refusal: HomeAssistantError | None = None
    try:
        async with asyncio.timeout(CALL_LIMIT):
            answer = await hass.services.async_call(
                DOMAIN, action.name, service_data, blocking=True, return_response=response
            )
    except probatio.Invalid:
        event("schema error")
        return
    except HomeAssistantError as err:  # ServiceValidationError included
        refusal = err
    if refusal is not None:
        event(f"refused: {refusal.translation_key}")
        check_refusal(refusal)
        return
    event("answered")
    if action.response is SupportsResponse.ONLY:
        assert isinstance(answer, dict)
    if answer is not None:
        text = json.dumps(answer)
        assert "magnet:" not in text
        assert "passkey" not in text


async def test_a_malformed_magnet_is_refused_as_documented(
    hass: HomeAssistant, stack: list[str]
) -> None:
    """The example hypothesis found: the refusal names the form, not the magnet given."""
    given = "magnet:?xt=urn:btih:not-a-hash&tr=udp%3A%2F%2Fsecret.example"
    with pytest.raises(ServiceValidationError) as caught:
        await hass.services.async_call(
            DOMAIN,
            "request_download",
            {"config_entry_id": ENTRY_ID, "magnet": given},
            blocking=True,
        )
    assert caught.value.translation_key == "invalid_magnet"
    check_refusal(caught.value)
    assert "secret.example" not in str(caught.value)


MAGNET_FORM = "(magnet:?xt=urn:btih: followed by"
"""How the invalid_magnet message describes a magnet link (not a magnet it was given)."""


def check_refusal(err: HomeAssistantError) -> None:
    """A documented refusal: translated, explained, naming the backend when one refused."""
    message = str(err)
    assert message, "every refusal explains itself"
    assert err.translation_domain in (DOMAIN, "homeassistant"), repr(err)
    # invalid_magnet describes the form ("magnet:?xt=urn:btih: followed by ..."): no other
    # magnet may be shown
    assert "magnet:" not in message.replace(MAGNET_FORM, "")
    if not isinstance(err, ServiceValidationError):
        assert (err.translation_placeholders or {}).get("backend"), "names the backend"
