"""Spoken answers name the backend, never its URL, whatever fails (issue 17 item 8).

A stack of every simulated backend; each backend is put into each fault in turn, polled, and
then every intent and every LLM tool is asked: whatever they answer (speech, an error, a
tool result) must not read a URL or a host and port aloud. A request for an artist nobody
knows makes the request path reach the faulted backend too.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import intent, llm
from stepheybot_music_clients import login_policy

from custom_components.stepheybot_music import backends as backend_types
from custom_components.stepheybot_music.client_errors import KEYS
from custom_components.stepheybot_music.control_intents import (
    INTENT_DOWNLOAD_ARTIST,
    INTENT_PAUSE_DOWNLOADS,
    INTENT_RESUME_DOWNLOADS,
)
from custom_components.stepheybot_music.diagnosis_answers import INTENT_WHY_NOT_ARRIVED
from custom_components.stepheybot_music.intents import (
    INTENT_DOWNLOAD_ALBUM,
    INTENT_DOWNLOAD_LATEST_ALBUM,
    INTENT_LIBRARY_COUNT,
    INTENT_PREFIX,
    INTENT_RECENT_REQUESTS,
    INTENT_VPN_STATUS,
    INTENT_WHAT_IS_DOWNLOADING,
)
from custom_components.stepheybot_music.llm import API_ID
from custom_components.stepheybot_music.play_intents import INTENT_PLAY
from custom_components.stepheybot_music.spoken import SPOKEN, spoken_error, without_urls
from simulator import Fault, Simulator
from tests.reliability.ha_stack import poll

from .conftest import ALL_BACKENDS, simulator_specs, stack_entry
from .voice import answer, intents_ready

__all__ = ["intents_ready"]
pytestmark = pytest.mark.usefixtures("intents_ready")
FAULTS = tuple(f for f in Fault if f is not Fault.SLOW)
"""Every fault but ``slow`` (a timeout's text is tested with the other client errors)."""
NOBODY = {"artist": "Nobody Knows This Artist", "album": "Nor This Album"}
INTENTS: tuple[tuple[str, dict[str, str]], ...] = (
    (INTENT_DOWNLOAD_ALBUM, NOBODY),
    (INTENT_DOWNLOAD_LATEST_ALBUM, {"artist": NOBODY["artist"]}),
    (INTENT_WHAT_IS_DOWNLOADING, {}),
    (INTENT_LIBRARY_COUNT, {}),
    (INTENT_VPN_STATUS, {}),
    (INTENT_RECENT_REQUESTS, {}),
    (INTENT_PLAY, {"artist": NOBODY["artist"]}),
    (INTENT_WHY_NOT_ARRIVED, {}),
    (INTENT_WHY_NOT_ARRIVED, {"music": NOBODY["album"]}),
    (INTENT_DOWNLOAD_ARTIST, {"artist": NOBODY["artist"]}),
    (INTENT_PAUSE_DOWNLOADS, {}),
    (INTENT_RESUME_DOWNLOADS, {}),
)
TOOLS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("get_library_counts", {}),
    ("get_vpn_status", {}),
    ("get_downloads", {}),
    ("get_recent_requests", {}),
    ("search_music", {"query": "the"}),
    ("request_download", NOBODY),
    ("play_music", {"artist": NOBODY["artist"]}),
    ("why_not_arrived", {}),
)
CONTEXT = llm.LLMContext(
    platform="test", context=Context(), language="en", assistant="conversation", device_id=None
)
ADDRESS = re.compile(r"://|\b\d{1,3}(?:\.\d{1,3}){3}\b|\blocalhost\b|:\d{2,5}\b")
"""What a spoken answer may not hold: a scheme, an IP address, a host name, a port."""
UNSPOKEN = re.compile(
    r"\bHTTPS?\b|\b\d+(?:\.\d+)?\s*(?:[KMGT]i?B|bytes?|B/s)\b"
    r"|\b\d (?:artist|album|song|request|music download|other)s?\b"
)
"""What a voice would not say either: an HTTP status, a byte unit, a count under ten in digits."""


def unfit(said: str) -> bool:
    """An address anywhere; in an intent's speech also what a voice would not say."""
    spoken = said.startswith("StepheyBotMusic")
    return bool(ADDRESS.search(said) or (spoken and UNSPOKEN.search(said)))


async def everything_said(hass: HomeAssistant) -> list[str]:
    """Every intent's speech and every tool's result, as text."""
    registered = {h.intent_type for h in intent.async_get(hass) if h.intent_type}
    assert {i for i in registered if i.startswith(INTENT_PREFIX)} == {i for i, _ in INTENTS}
    api = await llm.async_get_api(hass, API_ID, CONTEXT)
    assert {tool.name for tool in api.tools} == {tool for tool, _ in TOOLS}
    said: list[str] = []
    for intent_type, slots in INTENTS:
        response = await answer(hass, intent_type, **slots)
        said.append(f"{intent_type}: {response.speech['plain']['speech']}")
    for tool, args in TOOLS:
        result = await api.async_call_tool(llm.ToolInput(tool_name=tool, tool_args=args))
        said.append(f"{tool}: {json.dumps(result.data)}")
    return said


async def test_no_spoken_answer_reads_a_url(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backend_types, "REQUEST_TIMEOUT", 2.0)
    monkeypatch.setattr(login_policy, "DEFAULT_BAN_SECONDS", 0.001)
    leaks: list[str] = []
    async with Simulator(seed=7, specs=simulator_specs(), speed=0) as sim:
        entry = stack_entry(sim, ALL_BACKENDS)
        entry.add_to_hass(hass)
        await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done(wait_background_tasks=True)
        await poll(hass, entry)
        leaks.extend(f"no fault: {said}" for said in await everything_said(hass) if unfit(said))
        for name in ALL_BACKENDS:
            for fault in FAULTS:
                await sim.set_fault(name, fault)
                await poll(hass, entry)
                leaks.extend(
                    f"{name} {fault}: {said}" for said in await everything_said(hass) if unfit(said)
                )
                await sim.clear_fault(name)
                if entry.async_get_active_flows(hass, {"reauth"}) or fault is Fault.BANNED:
                    for flow in entry.async_get_active_flows(hass, {"reauth"}):
                        hass.config_entries.flow.async_abort(flow["flow_id"])
                    assert await hass.config_entries.async_reload(entry.entry_id)
                    await hass.async_block_till_done(wait_background_tasks=True)
                await poll(hass, entry, beyond=3601)
        assert await hass.config_entries.async_unload(entry.entry_id)
    assert not leaks, "\n".join(leaks)


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("Lidarr at http://127.0.0.1:8686 answered HTTP 500", "Lidarr answered HTTP 500."),
        ("Cannot reach http://nas.local:4533/rest.", "Cannot reach its address."),
        ("Docker at unix:///run/docker.sock failed", "Docker failed."),
        ("10.0.0.2:8080 refused", "its address refused."),
    ],
)
def test_any_other_text_loses_its_urls(text: str, spoken: str) -> None:
    assert spoken_error(Exception(text)) == spoken
    assert not ADDRESS.search(without_urls(text))


def test_every_client_failure_has_a_spoken_sentence() -> None:
    """Else it is said as "X refused the request.", which names no cause and no fix."""
    assert set(KEYS.values()) <= set(SPOKEN)
