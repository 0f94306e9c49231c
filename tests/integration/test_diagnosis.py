"""Why music is not arriving, on the simulated stack (issue 21).

Each cause is injected through the simulator's control endpoint (``/control/vpn``,
``/control/blockers``), over HTTP as a person driving the demo would; within one poll the
request's ``waiting_for`` (``get_requests``, the in-flight sensor, diagnostics) names it, and
it clears once the cause is lifted.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers import llm
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import async_capture_events

from custom_components.stepheybot_music.backend_reload import async_reload_backend
from custom_components.stepheybot_music.blocked_sensor import MUSIC_BLOCKED_BY
from custom_components.stepheybot_music.const import DOMAIN
from custom_components.stepheybot_music.coordinators.gluetun import GluetunRuntime
from custom_components.stepheybot_music.diagnosis import SEARCH_SLOW, stack_diagnosis
from custom_components.stepheybot_music.diagnosis_answers import INTENT_WHY_NOT_ARRIVED
from custom_components.stepheybot_music.diagnosis_watch import NEEDS_PERSON
from custom_components.stepheybot_music.diagnostics import async_get_config_entry_diagnostics
from custom_components.stepheybot_music.llm import API_ID
from custom_components.stepheybot_music.runtime import StepheyBotConfigEntry
from custom_components.stepheybot_music.tracking.models import EVENT_REQUEST
from simulator import Simulator

from .conftest import ENTRY_ID, setup_stack, subentry_id
from .helpers import poll, translations
from .service_helpers import act
from .tracking import catalog_album, request_album, step, tsim
from .voice import SENTENCES, ask, converse, intents_ready

__all__ = ["intents_ready", "tsim"]

SLOW = 60
"""The stack's slow poll interval in these tests (seconds): indexers, Lidarr's disks."""
OPTIONS = {"slow_scan_interval": 1}


async def control(sim: Simulator, route: str, **body: Any) -> dict[str, Any]:
    """POST ``body`` to the simulator's control ``route``, as the demo's user would."""
    url = f"http://127.0.0.1:{sim.control_port}/control/{route}"
    async with aiohttp.ClientSession() as session, session.post(url, json=body) as resp:
        assert resp.status == 200, await resp.text()
        answer: dict[str, Any] = await resp.json()
        return answer


async def waiting(hass: HomeAssistant, request_id: str) -> dict[str, Any] | None:
    """The request's ``waiting_for`` as ``get_requests`` answers it."""
    listed = (await act(hass, "get_requests"))["requests"]
    [found] = [r for r in listed if r["request_id"] == request_id]
    value: dict[str, Any] | None = found["waiting_for"]
    return value


def in_flight_waiting(hass: HomeAssistant) -> list[Any]:
    """``waiting_for`` of each request the in-flight sensor lists."""
    state = hass.states.get("sensor.home_music_requests_in_flight")
    assert state is not None
    return [r["waiting_for"] for r in state.attributes["requests"]]


async def downloading(
    hass: HomeAssistant, sim: Simulator, frozen: FrozenDateTimeFactory
) -> tuple[StepheyBotConfigEntry, str]:
    """A stack with one request whose album is downloading, slowly enough to stay there."""
    entry = await setup_stack(hass, sim, options=OPTIONS)
    sim.world.download_speed = 1024  # bytes/s: the album stays downloading
    artist, album = catalog_album(sim.world)
    request = await request_album(entry, artist, album)
    for _ in range(6):
        await step(hass, sim, frozen, 15)
        if (stored := entry.runtime_data.requests.store.get(request.request_id)) and (
            stored.stage.value == "downloading"
        ):
            break
    else:
        raise AssertionError("the request never reached downloading")
    return entry, request.request_id


async def test_a_stalled_download_waits_for_the_vpn_then_for_peers(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    entry, request_id = await downloading(hass, tsim, frozen)
    assert await waiting(hass, request_id) is None
    assert in_flight_waiting(hass) == [None]

    await control(tsim, "vpn", up=False)
    await step(hass, tsim, frozen, 5)
    found = await waiting(hass, request_id)
    assert found is not None
    assert found["cause"] == "vpn_down"
    assert "The VPN is down" in found["text"]
    assert "gluetun" in found["fix"]
    assert in_flight_waiting(hass) == [found]
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    assert diagnostics["diagnosis"]["state"] == "vpn_down"
    assert diagnostics["diagnosis"]["waiting_for"] == {request_id: found}

    await control(tsim, "vpn", up=True)
    await control(tsim, "blockers", peers=False)
    await step(hass, tsim, frozen, 5)
    found = await waiting(hass, request_id)
    assert found is not None
    assert found["cause"] == "no_peers"
    assert found["text"] == "qBittorrent has 1 download that no peer sends anything for."

    await control(tsim, "blockers", peers=True)
    await step(hass, tsim, frozen, 5)
    assert await waiting(hass, request_id) is None
    assert stack_diagnosis(entry.runtime_data).cause is None


async def test_a_full_disk_holds_the_download_back(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    _, request_id = await downloading(hass, tsim, frozen)
    await control(tsim, "blockers", disk_free_gib=0.25)
    await poll(hass, frozen, 15)
    found = await waiting(hass, request_id)
    assert found is not None
    assert found["cause"] == "disk_full"
    assert "download folder has 256 MB free" in found["text"]

    await control(tsim, "blockers", disk_free_gib=500)
    await poll(hass, frozen, 15)
    assert await waiting(hass, request_id) is None


async def test_a_search_waits_for_the_indexers_at_once(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    entry = await setup_stack(hass, tsim, options=OPTIONS)
    artist, album = catalog_album(tsim.world)
    await control(tsim, "blockers", indexers_failing=True)
    await poll(hass, frozen, SLOW)
    request = await request_album(entry, artist, album)
    found = await waiting(hass, request.request_id)
    assert found is not None
    assert found["cause"] == "indexers_failing"
    assert found["text"].startswith("Every indexer is failing")

    await control(tsim, "blockers", indexers_failing=False)
    await poll(hass, frozen, SLOW)
    assert await waiting(hass, request.request_id) is None


async def test_a_search_waits_for_lidarrs_metadata_server_at_once(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    """Told from the ServerSideNotificationService item of Lidarr's health (v2.14.5.4824)."""
    entry = await setup_stack(hass, tsim, options=OPTIONS)
    artist, album = catalog_album(tsim.world)
    await control(tsim, "blockers", metadata_down=True)
    await poll(hass, frozen, SLOW)
    request = await request_album(entry, artist, album)
    found = await waiting(hass, request.request_id)
    assert found is not None
    assert found["cause"] == "metadata_down"
    assert found["text"].startswith("Lidarr's metadata server is down")
    assert "Lidarr team" in found["fix"]

    await control(tsim, "blockers", metadata_down=False)
    await poll(hass, frozen, SLOW)
    assert await waiting(hass, request.request_id) is None


async def test_an_import_lidarr_refuses_blocks_the_stack(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    entry = await setup_stack(hass, tsim, options=OPTIONS)
    await control(tsim, "blockers", import_error="Artist name mismatch")
    artist, album = catalog_album(tsim.world)
    await request_album(entry, artist, album)
    for _ in range(40):
        await step(hass, tsim, frozen, 60)
        if stack_diagnosis(entry.runtime_data).cause is not None:
            break
    diagnosis = stack_diagnosis(entry.runtime_data)
    assert diagnosis.finding is not None
    assert diagnosis.finding.cause.value == "import_blocked"
    assert "It says: Artist name mismatch." in diagnosis.finding.text

    await control(tsim, "blockers", import_error="")
    await step(hass, tsim, frozen, 60)
    assert stack_diagnosis(entry.runtime_data).cause is None


# ------------------------------------------------------- every cause: sensor, repair, Assist

BLOCKED_BY = "sensor.home_music_music_blocked_by"

INJECT: dict[str, tuple[tuple[str, dict[str, Any]], tuple[str, dict[str, Any]]]] = {
    "vpn_down": (("vpn", {"up": False}), ("vpn", {"up": True})),
    "vpn_leak": (("vpn", {"leak": True}), ("vpn", {"leak": False})),
    "no_peers": (("blockers", {"peers": False}), ("blockers", {"peers": True})),
    "indexers_failing": (
        ("blockers", {"indexers_failing": True}),
        ("blockers", {"indexers_failing": False}),
    ),
    "metadata_down": (
        ("blockers", {"metadata_down": True}),
        ("blockers", {"metadata_down": False}),
    ),
    "disk_full": (("blockers", {"disk_free_gib": 0.25}), ("blockers", {"disk_free_gib": 500})),
}
"""How each cause is caused and lifted through the control endpoint (route, body)."""

SPOKEN: dict[str, str] = {
    "vpn_down": "The VPN is down, so the download clients get nothing.",
    "vpn_leak": "A download client's traffic does not go through the VPN.",
    "no_peers": "qBittorrent has ",
    "indexers_failing": "Every indexer is failing",
    "metadata_down": "Lidarr's metadata server is down",
    "disk_full": "The disk is full: ",
}


def blocked_by(hass: HomeAssistant) -> str:
    """The "Music blocked by" sensor's state."""
    state = hass.states.get(BLOCKED_BY)
    assert state is not None
    return state.state


def issue(hass: HomeAssistant, cause: str) -> ir.IssueEntry | None:
    """The repair issue of ``cause`` in the test stack."""
    return ir.async_get(hass).async_get_issue(DOMAIN, f"blocked_{cause}_{ENTRY_ID}")


@pytest.mark.parametrize("cause", list(INJECT))
async def test_each_cause_is_named_within_one_poll_and_cleared(
    hass: HomeAssistant,
    tsim: Simulator,
    frozen: FrozenDateTimeFactory,
    intents_ready: None,
    cause: str,
) -> None:
    entry, request_id = await downloading(hass, tsim, frozen)
    request = entry.runtime_data.requests.store.get(request_id)
    assert request is not None
    assert request.album is not None
    assert blocked_by(hass) == "none"
    (route, body), (lift_route, lift_body) = INJECT[cause]
    searching = {"indexers_failing", "metadata_down"}  # causes that hold back a search only
    interval = SLOW if cause in searching else 15

    await control(tsim, route, **body)
    await tsim.advance(5)  # the world lives on (downloads stall)
    await poll(hass, frozen, interval)

    assert blocked_by(hass) == cause
    attributes = hass.states.get(BLOCKED_BY).attributes  # type: ignore[union-attr]
    assert attributes["text"].startswith(SPOKEN[cause])
    stack_answer = await ask(hass, INTENT_WHY_NOT_ARRIVED)
    assert stack_answer.startswith(SPOKEN[cause])
    assert "http" not in stack_answer.casefold()
    raised = issue(hass, cause)
    if cause == "no_peers":
        assert raised is None  # waiting for seeders needs no repair
    else:
        assert raised is not None
        assert raised.translation_key == f"blocked_{cause}"
        assert raised.translation_placeholders == {
            "stack": "Home music",
            "details": attributes["text"],
        }
    if cause not in searching:  # a download waits neither for the indexers nor for metadata
        answer = await ask(hass, INTENT_WHY_NOT_ARRIVED, music=request.album)
        assert answer.startswith(f"{request.album} by {request.artist} is stuck: ")
        assert SPOKEN[cause] in answer

    await control(tsim, lift_route, **lift_body)
    await tsim.advance(5)
    await poll(hass, frozen, interval)

    assert blocked_by(hass) == "none"
    assert issue(hass, cause) is None
    answer = await ask(hass, INTENT_WHY_NOT_ARRIVED, music=request.album)
    assert (
        answer
        == f"Nothing is blocking {request.album} by {request.artist}: it is downloading, 0 percent."
    )


async def test_a_blocked_import_raises_its_repair_and_is_told(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory, intents_ready: None
) -> None:
    entry = await setup_stack(hass, tsim, options=OPTIONS)
    await control(tsim, "blockers", import_error="No files found are eligible for import")
    artist, album = catalog_album(tsim.world)
    request = await request_album(entry, artist, album)
    for _ in range(60):
        await step(hass, tsim, frozen, 60)
        stored = entry.runtime_data.requests.store.get(request.request_id)
        if stored is not None and stored.finished:
            break
    assert blocked_by(hass) == "import_blocked"
    raised = issue(hass, "import_blocked")
    assert raised is not None
    assert "It says: No files found are eligible for import." in str(
        raised.translation_placeholders
    )
    answer = await ask(hass, INTENT_WHY_NOT_ARRIVED)
    assert re.match(r"Lidarr cannot import \d finished downloads?\. It says: No files", answer)
    told = await ask(hass, INTENT_WHY_NOT_ARRIVED, music=album.title)
    assert told.startswith(f"{album.title} by {artist.name} did not arrive: the request failed")

    await control(tsim, "blockers", import_error="")
    await step(hass, tsim, frozen, 60)
    assert blocked_by(hass) != "import_blocked"
    assert issue(hass, "import_blocked") is None


async def test_an_unknown_request_is_said_to_be_unknown(
    hass: HomeAssistant, tsim: Simulator, intents_ready: None
) -> None:
    await setup_stack(hass, tsim, options=OPTIONS)
    answer = await ask(hass, INTENT_WHY_NOT_ARRIVED, music="Northern Weather")
    assert answer == "I have no request for Northern Weather, so I cannot tell why."


async def setup_sentences(hass: HomeAssistant) -> None:
    """The default conversation agent, given every shipped sentences file."""
    target = Path(hass.config.config_dir) / "custom_sentences" / "en"
    target.mkdir(parents=True, exist_ok=True)
    for shipped in SENTENCES.parent.glob("*.yaml"):
        shutil.copy(shipped, target / shipped.name)
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "conversation", {})
    assert await async_setup_component(hass, "intent", {})


async def test_the_sentences_reach_the_intent(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory, intents_ready: None
) -> None:
    await setup_stack(hass, tsim, options=OPTIONS)
    await setup_sentences(hass)
    await control(tsim, "vpn", up=False)
    await poll(hass, frozen, 15)
    for said in ("why is my music not downloading", "why hasn't Northern Weather arrived"):
        result = await converse(hass, said)
        speech = result.response.speech["plain"]["speech"]
        assert result.response.intent is not None, said
        assert result.response.intent.intent_type == INTENT_WHY_NOT_ARRIVED, said
        assert speech.startswith(("The VPN is down", "I have no request for Northern Weather"))


async def test_the_llm_tool_gives_the_same_answer(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory, intents_ready: None
) -> None:
    entry, request_id = await downloading(hass, tsim, frozen)
    request = entry.runtime_data.requests.store.get(request_id)
    assert request is not None
    assert request.album is not None
    await control(tsim, "vpn", up=False)
    await tsim.advance(5)
    await poll(hass, frozen, 15)
    context = llm.LLMContext(
        platform="test", context=Context(), language="en", assistant="conversation", device_id=None
    )
    api = await llm.async_get_api(hass, API_ID, context)
    for name in (None, request.album, "Northern Weather"):
        args = {"name": name} if name else {}
        result = await api.async_call_tool(
            llm.ToolInput(tool_name="why_not_arrived", tool_args=args)
        )
        said = await ask(hass, INTENT_WHY_NOT_ARRIVED, **({"music": name} if name else {}))
        assert result.data["answer"] == said
        assert result.data["cause"] == (None if name == "Northern Weather" else "vpn_down")


async def test_events_carry_waiting_for(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    entry = await setup_stack(hass, tsim, options=OPTIONS)
    events = async_capture_events(hass, EVENT_REQUEST)
    artist, album = catalog_album(tsim.world)
    await control(tsim, "blockers", indexers_failing=True)
    await poll(hass, frozen, SLOW)
    await request_album(entry, artist, album)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert events[0].data["stage"] == "requested"
    assert events[0].data["waiting_for"]["cause"] == "indexers_failing"
    state = hass.states.get("event.home_music_request")
    assert state is not None
    assert state.attributes["waiting_for"]["cause"] == "indexers_failing"


async def test_a_search_that_finds_nothing_waits_for_nothing_known(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    entry = await setup_stack(hass, tsim, options=OPTIONS)
    artist, album = catalog_album(tsim.world, grabbable=False)
    request = await request_album(entry, artist, album)
    await step(hass, tsim, frozen, 60)
    assert await waiting(hass, request.request_id) is None  # searching, not for long

    await poll(hass, frozen, SEARCH_SLOW.total_seconds())
    await poll(hass, frozen, 15)
    stored = entry.runtime_data.requests.store.get(request.request_id)
    assert stored is not None
    assert stored.stage.value == "searching"
    assert await waiting(hass, request.request_id) == {
        "cause": "unknown",
        "text": "Lidarr is still searching: the indexers answer, but no release was grabbed yet.",
        "fix": None,
    }


async def test_a_link_does_not_wait_for_the_indexers(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    await setup_stack(hass, tsim, options=OPTIONS)
    await control(tsim, "blockers", indexers_failing=True)
    await poll(hass, frozen, SLOW)
    assert blocked_by(hass) == "indexers_failing"
    made = await act(hass, "request_download", magnet="magnet:?xt=urn:btih:" + "c3" * 20)
    assert await waiting(hass, made["request"]["request_id"]) is None


def test_every_repair_and_sensor_state_is_translated() -> None:
    english = translations()
    for cause in NEEDS_PERSON:
        issue_text = english["issues"][f"blocked_{cause.value}"]
        assert "{stack}" in issue_text["title"]
        assert "{details}" in issue_text["description"]
        assert "What to do:" in issue_text["description"]
    states = english["entity"]["sensor"]["music_blocked_by"]["state"]
    assert set(states) == set(MUSIC_BLOCKED_BY.options or ())


async def test_a_failed_request_is_told_without_urls_or_http_codes(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory, intents_ready: None
) -> None:
    entry, request_id = await downloading(hass, tsim, frozen)
    request = entry.runtime_data.requests.store.get(request_id)
    assert request is not None
    assert request.torrent_hash is not None
    assert request.album is not None
    tsim.world.fail_torrent(
        request.torrent_hash,
        "Tracker https://tracker.example/announce?passkey=abc answered HTTP 503, giving up",
    )
    for _ in range(3):
        await step(hass, tsim, frozen, 15)
    answer = await ask(hass, INTENT_WHY_NOT_ARRIVED, music=request.album)
    assert answer.startswith(f"{request.album} by {request.artist} did not arrive: ")
    assert "giving up" in answer
    assert "http" not in answer.casefold()
    assert "503" not in answer
    assert "passkey" not in answer


async def test_a_port_mismatch_is_named_and_fixed_by_the_action(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory, intents_ready: None
) -> None:
    entry, request_id = await downloading(hass, tsim, frozen)
    request = entry.runtime_data.requests.store.get(request_id)
    assert request is not None
    assert request.album is not None
    assert blocked_by(hass) == "none"

    await control(tsim, "vpn", change_ip=True)
    await poll(hass, frozen, 15)
    forwarded = tsim.world.vpn.forwarded_port
    assert blocked_by(hass) == "port_mismatch"
    raised = issue(hass, "port_mismatch")
    assert raised is not None
    assert f"not on {forwarded}, the port the VPN forwarded" in str(raised.translation_placeholders)
    answer = await ask(hass, INTENT_WHY_NOT_ARRIVED, music=request.album)
    assert answer.startswith(f"{request.album} by {request.artist} is stuck: qBittorrent listens")
    assert "Sync the forwarded port, or set" in answer
    found = await waiting(hass, request_id)
    assert found is not None
    assert found["cause"] == "port_mismatch"

    await act(hass, "sync_forwarded_port", False)
    await poll(hass, frozen, 15)
    assert blocked_by(hass) == "none"
    assert issue(hass, "port_mismatch") is None
    assert await waiting(hass, request_id) is None


async def test_the_diagnosis_follows_a_backend_reloaded_alone(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    entry = await setup_stack(hass, tsim, options=OPTIONS)
    await async_reload_backend(hass, entry, subentry_id("gluetun"))
    await hass.async_block_till_done(wait_background_tasks=True)
    vpn = entry.runtime_data.backends[subentry_id("gluetun")]
    assert isinstance(vpn, GluetunRuntime)

    await control(tsim, "vpn", up=False)
    await vpn.coordinator.async_refresh()  # only the new coordinator polls
    assert blocked_by(hass) == "vpn_down"
    assert issue(hass, "vpn_down") is not None


async def test_an_import_navidrome_does_not_scan_is_not_scanned_until_a_scan_starts(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory, intents_ready: None
) -> None:
    """Lidarr imported the album; Navidrome neither lists it nor scans: start a scan."""
    entry = await setup_stack(hass, tsim, options=OPTIONS)
    await control(tsim, "blockers", scans_off=True)
    artist, album = catalog_album(tsim.world)
    request = await request_album(entry, artist, album)
    for _ in range(60):
        await step(hass, tsim, frozen, 60)
        if blocked_by(hass) == "not_scanned":
            break
    stored = entry.runtime_data.requests.store.get(request.request_id)
    assert stored is not None
    assert stored.stage.value == "importing"
    assert hass.states.get(BLOCKED_BY).attributes["text"] == (  # type: ignore[union-attr]
        "Navidrome has not listed 1 imported album, and it is not scanning the library."
    )
    found = await waiting(hass, request.request_id)
    assert found is not None
    assert found["cause"] == "not_scanned"
    assert "Start a library scan of Navidrome" in found["fix"]
    raised = issue(hass, "not_scanned")
    assert raised is not None
    answer = await ask(hass, INTENT_WHY_NOT_ARRIVED, music=album.title)
    assert "is stuck: Navidrome has not listed 1 imported album" in answer

    await control(tsim, "blockers", scans_off=False)
    await act(hass, "start_scan", response=False)
    await step(hass, tsim, frozen, 5)
    assert blocked_by(hass) == "none"
    assert issue(hass, "not_scanned") is None
    for _ in range(10):
        await step(hass, tsim, frozen, 30)
        stored = entry.runtime_data.requests.store.get(request.request_id)
        if stored is not None and stored.finished:
            break
    assert stored is not None
    assert stored.stage.value == "in_library"
