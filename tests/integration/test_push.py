"""Push from Lidarr (webhook) and Navidrome (event stream) against the simulator.

Home Assistant's HTTP app is served on a loopback port (``hass_client_no_auth``) and given
as its internal URL, so the simulated Lidarr really calls the webhook over HTTP, and the
integration really reads the simulated Navidrome's ``/api/events``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import aiohttp
import pytest
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import async_fire_time_changed
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from stepheybot_music_clients.lidarr.webhook import NOTIFICATION_NAME

from custom_components.stepheybot_music.const import CONF_PUSH, DOMAIN
from custom_components.stepheybot_music.diagnostics import async_get_config_entry_diagnostics
from custom_components.stepheybot_music.push.lidarr import LidarrPush
from custom_components.stepheybot_music.push.navidrome import MISSED_KEEP_ALIVES, NavidromePush
from custom_components.stepheybot_music.push.state import SAFETY_INTERVAL, PushMode
from custom_components.stepheybot_music.runtime import StepheyBotConfigEntry
from simulator import Simulator
from simulator.backends.lidarr import NOTIFICATIONS
from simulator.backends.lidarr_notify import Notifications

from .conftest import setup_stack, simulator_specs, stack_entry, subentry_id
from .helpers import text
from .test_tracking_clients import HASH, _client_request
from .tracking import SEARCH_SECONDS, catalog_album, request_album, stage_of

PUSH = {CONF_PUSH: True}
TARGET = 2.0
"""Seconds from a backend's event to Home Assistant's (the issue's target)."""


@pytest.fixture
async def psim() -> AsyncIterator[Simulator]:
    """The simulated stack; time is not frozen (push really travels over loopback)."""
    async with Simulator(
        seed=7,
        specs=simulator_specs(),
        speed=0,
        tick_interval=3600,
        command_duration=SEARCH_SECONDS,
    ) as running:
        yield running


async def fire(hass: HomeAssistant, seconds: float) -> None:
    """Let ``seconds`` pass for Home Assistant's timers (polls, checks) and wait for them."""
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=seconds))
    await hass.async_block_till_done(wait_background_tasks=True)


async def step(hass: HomeAssistant, psim: Simulator, seconds: float) -> None:
    """``seconds`` in the simulated stack, then two fast polls in Home Assistant."""
    await psim.advance(seconds, step=min(5.0, max(seconds, 0.001)))
    await fire(hass, 15)
    await fire(hass, 15)


@pytest.fixture
async def reachable(hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator) -> str:
    """Home Assistant's HTTP app on a loopback port, set as its internal URL."""
    for component in ("webhook", "calendar"):
        assert await async_setup_component(hass, component, {})
    # as Home Assistant's own server does when it starts (components/http/server.py, start()):
    # the router never freezes, so the integration registers its views (card, media) later
    hass.http.app._router.freeze = lambda: None  # type: ignore[method-assign]
    client = await hass_client_no_auth()
    url = str(client.make_url("")).rstrip("/")
    hass.config.internal_url = url
    return url


def notifications(psim: Simulator) -> Notifications:
    """The simulated Lidarr's Connect notifications."""
    return psim._running["lidarr"].runner.app[NOTIFICATIONS]


def lidarr_push(entry: StepheyBotConfigEntry) -> LidarrPush:
    pusher = entry.runtime_data.push[subentry_id("lidarr")]
    assert isinstance(pusher, LidarrPush)
    return pusher


def navidrome_push(entry: StepheyBotConfigEntry) -> NavidromePush:
    pusher = entry.runtime_data.push[subentry_id("navidrome")]
    assert isinstance(pusher, NavidromePush)
    return pusher


def _wall() -> float:
    """Real seconds (freezegun freezes ``time.monotonic``, not the raw clock)."""
    return time.clock_gettime(time.CLOCK_MONOTONIC)


async def within(seconds: float, done: Callable[[], bool]) -> float:
    """Wait (real time) until ``done()``; the seconds it took, failing after ``seconds``."""
    start = _wall()
    while not done():
        if _wall() - start > seconds:
            raise AssertionError(f"not done within {seconds} s")
        await asyncio.sleep(0.01)
    return _wall() - start


def issue(hass: HomeAssistant, name: str) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, f"push_unavailable_{subentry_id(name)}")


# --------------------------------------------------------------------------- Lidarr


async def test_webhook_made_on_set_up_and_removed_with_the_backend(
    hass: HomeAssistant, psim: Simulator, reachable: str
) -> None:
    entry = await setup_stack(hass, psim, ["lidarr", "qbittorrent"], PUSH)
    saved = list(notifications(psim).saved.values())
    assert [n["name"] for n in saved] == [NOTIFICATION_NAME]
    url = next(f["value"] for f in saved[0]["fields"] if f["name"] == "url")
    assert url.startswith(f"{reachable}/api/webhook/")
    assert saved[0]["onReleaseImport"]
    assert saved[0]["onGrab"]
    assert saved[0]["onHealthIssue"]
    pusher = lidarr_push(entry)
    assert pusher.state.mode is PushMode.HEALTHY
    sensor = hass.states.get("sensor.lidarr_push")
    assert sensor.state == "healthy"
    assert sensor.attributes["channel"] == "webhook"
    assert url.rsplit("/", 1)[1] not in str(sensor.attributes)
    backend = entry.runtime_data.backends[subentry_id("lidarr")]
    assert {c.update_interval for c in backend.coordinators} == {SAFETY_INTERVAL}
    # the test call Lidarr sent before saving is the only one so far
    assert notifications(psim).sent == [("Test", 200)]

    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    push = diagnostics["backends"][subentry_id("lidarr")]["push"]
    assert (push["channel"], push["mode"], push["events"]) == ("webhook", "healthy", 1)
    assert url.rsplit("/", 1)[1] not in str(diagnostics)  # the webhook id is a secret

    # removing the backend deletes its notification in Lidarr
    hass.config_entries.async_remove_subentry(entry, subentry_id("lidarr"))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert notifications(psim).saved == {}


async def test_webhook_removed_with_the_stack_and_kept_across_a_reload(
    hass: HomeAssistant, psim: Simulator, reachable: str
) -> None:
    entry = await setup_stack(hass, psim, ["lidarr"], PUSH)
    [first] = notifications(psim).saved
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert list(notifications(psim).saved) == [first]  # updated (new secret), not duplicated
    assert lidarr_push(entry).state.mode is PushMode.HEALTHY
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert notifications(psim).saved == {}


async def test_a_reload_during_the_set_up_leaves_one_working_webhook(
    hass: HomeAssistant, psim: Simulator, reachable: str
) -> None:
    """Reloads while push starts (the demo adds backends one by one) leave one webhook.

    The race the demo met (a start still reading its stored id when the stack unloaded, which
    then registered a handler nobody removed) needs a slow storage read to show; ``scripts/demo
    --check`` (tests/demo/test_cli.py) covers it, this test the outcome."""
    entry = stack_entry(psim, ["lidarr"], PUSH)
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)  # push starts in the background
    await hass.config_entries.async_reload(entry.entry_id)  # as adding a backend does
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert lidarr_push(entry).state.mode is PushMode.HEALTHY
    assert len(notifications(psim).saved) == 1


async def test_turning_push_off_removes_the_webhook_and_polls(
    hass: HomeAssistant, psim: Simulator, reachable: str
) -> None:
    entry = await setup_stack(hass, psim, ["lidarr"], PUSH)
    assert notifications(psim).saved
    hass.config_entries.async_update_entry(entry, options={**entry.options, CONF_PUSH: False})
    await hass.async_block_till_done(wait_background_tasks=True)
    assert notifications(psim).saved == {}
    assert entry.runtime_data.push == {}
    backend = entry.runtime_data.backends[subentry_id("lidarr")]
    assert backend.fast[0].update_interval == timedelta(seconds=15)


async def test_an_import_reaches_in_library_within_the_target(
    hass: HomeAssistant, psim: Simulator, reachable: str
) -> None:
    entry = await setup_stack(hass, psim, ["lidarr", "qbittorrent"], PUSH)
    artist, album = catalog_album(psim.world)
    request = await request_album(entry, artist, album)
    await step(hass, psim, 35)
    assert stage_of(entry, request.request_id) == "downloading"
    torrent = psim.world.torrent_for_album(album.id)
    assert torrent is not None
    # the download finishes and Lidarr imports it; Home Assistant does not poll meanwhile
    await psim.advance(torrent.amount_left / psim.world.download_speed + 30, step=5)
    assert album.has_files
    took = await within(TARGET, lambda: stage_of(entry, request.request_id) == "in_library")
    assert took < TARGET
    assert ("Download", 200) in notifications(psim).sent


async def test_a_call_with_a_wrong_secret_is_refused(
    hass: HomeAssistant, psim: Simulator, reachable: str
) -> None:
    entry = await setup_stack(hass, psim, ["lidarr"], PUSH)
    [saved] = notifications(psim).saved.values()
    url = next(f["value"] for f in saved["fields"] if f["name"] == "url")
    pusher = lidarr_push(entry)
    before = pusher.state.events
    body = {"eventType": "Grab", "albums": [{"id": 1}]}
    async with aiohttp.ClientSession() as session:
        for auth in ({}, {"Authorization": "Basic bGlkYXJyOmd1ZXNz"}):  # none, lidarr:guess
            async with session.post(url, json=body, headers=auth) as resp:
                assert resp.status == 401
        async with session.post(url.rsplit("/", 1)[0] + "/not-the-id", json=body) as resp:
            assert resp.status == 200  # Home Assistant answers unknown webhooks alike
    assert pusher.state.events == before


async def test_polling_takes_over_when_lidarr_cannot_deliver(
    hass: HomeAssistant, psim: Simulator, reachable: str
) -> None:
    entry = await setup_stack(hass, psim, ["lidarr"], PUSH)
    backend = entry.runtime_data.backends[subentry_id("lidarr")]
    pusher = lidarr_push(entry)
    assert pusher.state.mode is PushMode.HEALTHY
    psim.world.push_cut.add("lidarr")
    await fire(hass, 15 * 60)  # the periodic test call
    assert pusher.state.mode is PushMode.BROKEN
    assert hass.states.get("sensor.lidarr_push").state == "broken"
    assert backend.fast[0].update_interval == timedelta(seconds=15)
    found = issue(hass, "lidarr")
    assert found is not None
    assert found.translation_key == "push_unavailable"
    assert found.severity is ir.IssueSeverity.WARNING
    shown = text("issues", "push_unavailable", "description", **found.translation_placeholders)
    assert "Lidarr cannot deliver its calls to Home Assistant" in shown
    assert "Connection refused" in shown
    assert "Settings → System → Network" in shown
    assert saved_url_id(psim) not in shown
    psim.world.push_cut.discard("lidarr")
    await fire(hass, 15 * 60)
    assert pusher.state.mode is PushMode.HEALTHY
    assert issue(hass, "lidarr") is None
    assert backend.fast[0].update_interval == SAFETY_INTERVAL


async def test_a_refusal_quoting_the_url_never_shows_the_webhook_id(
    hass: HomeAssistant, psim: Simulator, reachable: str
) -> None:
    entry = await setup_stack(hass, psim, ["lidarr"], PUSH)
    webhook_id = saved_url_id(psim)
    # Lidarr's stored password no longer matches: Home Assistant answers 401, and Lidarr's
    # error quotes the whole URL (HttpException.cs)
    [saved] = notifications(psim).saved.values()
    for field in saved["fields"]:
        if field["name"] == "password":
            field["value"] = "stale"
    await fire(hass, 15 * 60)
    pusher = lidarr_push(entry)
    assert pusher.state.mode is PushMode.BROKEN
    assert "[401:Unauthorized] [POST] at [" in str(pusher.state.problem)
    found = issue(hass, "lidarr")
    assert found is not None
    assert webhook_id not in str(found.translation_placeholders)
    assert webhook_id not in str(pusher.state.as_dict())


def saved_url_id(psim: Simulator) -> str:
    [saved] = notifications(psim).saved.values()
    return str(next(f["value"] for f in saved["fields"] if f["name"] == "url")).rsplit("/", 1)[1]


async def test_an_unreachable_home_assistant_is_a_repair_at_set_up(
    hass: HomeAssistant, psim: Simulator, reachable: str
) -> None:
    psim.world.push_cut.add("lidarr")
    entry = await setup_stack(hass, psim, ["lidarr"], PUSH)
    assert lidarr_push(entry).state.mode is PushMode.BROKEN
    assert notifications(psim).saved == {}  # Lidarr saves nothing it could not deliver to
    assert issue(hass, "lidarr") is not None
    # turning push off leaves nothing to repair
    hass.config_entries.async_update_entry(entry, options={**entry.options, CONF_PUSH: False})
    await hass.async_block_till_done(wait_background_tasks=True)
    assert issue(hass, "lidarr") is None


async def test_by_default_a_lidarr_that_cannot_call_is_polled_without_a_repair(
    hass: HomeAssistant, psim: Simulator
) -> None:
    hass.config.internal_url = "http://127.0.0.1:9"  # nothing listens there
    entry = stack_entry(psim, ["lidarr"])
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, options={})  # push on by default
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    pusher = lidarr_push(entry)
    assert pusher.state.mode is PushMode.UNREACHABLE
    assert "Unable to post to webhook" in str(pusher.state.problem)
    assert notifications(psim).saved == {}
    assert issue(hass, "lidarr") is None
    backend = entry.runtime_data.backends[subentry_id("lidarr")]
    assert backend.fast[0].update_interval == timedelta(seconds=15)


# --------------------------------------------------------------------------- Navidrome


async def _until(check: Callable[[], bool], hass: HomeAssistant) -> None:
    await within(5, check)
    await hass.async_block_till_done()


async def test_a_scan_end_puts_the_request_in_the_library_within_the_target(
    hass: HomeAssistant, psim: Simulator
) -> None:
    entry = await setup_stack(hass, psim, ["qbittorrent", "navidrome"], PUSH)
    pusher = navidrome_push(entry)
    await _until(lambda: pusher.state.mode is PushMode.HEALTHY, hass)
    request = await _client_request(entry, psim, "qbittorrent")
    await step(hass, psim, 5)
    torrent = psim.world.torrents[HASH]
    await step(hass, psim, torrent.amount_left / psim.world.download_speed + 1)
    assert stage_of(entry, request.request_id) == "importing"
    assert psim.world.navidrome_scanning
    await within(5, lambda: pusher.state.events >= 3)  # serverStart and the scan's start
    # the scan ends; Home Assistant does not poll meanwhile
    await psim.advance(psim.world.scan_duration + 1)
    took = await within(TARGET, lambda: stage_of(entry, request.request_id) == "in_library")
    assert took < TARGET


async def test_polling_takes_over_when_the_keep_alives_stop(
    hass: HomeAssistant, psim: Simulator
) -> None:
    entry = await setup_stack(hass, psim, ["navidrome"], PUSH)
    pusher = navidrome_push(entry)
    await _until(lambda: pusher.state.mode is PushMode.HEALTHY, hass)
    library = entry.runtime_data.backends[subentry_id("navidrome")].slow[0]
    assert library.update_interval == SAFETY_INTERVAL
    psim.world.push_cut.add("navidrome")
    # a fired timer comes back one period after the time it was fired for
    for periods in range(1, MISSED_KEEP_ALIVES + 2):  # the first check sees serverStart
        await fire(hass, 15 * periods)
    assert pusher.state.mode is PushMode.BROKEN
    assert library.update_interval == timedelta(minutes=10)
    found = issue(hass, "navidrome")
    assert found is not None
    shown = text("issues", "push_unavailable", "description", **found.translation_placeholders)
    assert "sent nothing, not even its keep-alive, for 45 s" in shown
    assert "/api/events unbuffered" in shown
    psim.world.push_cut.discard("navidrome")
    await psim.advance(15)  # a keep-alive
    await _until(lambda: pusher.state.mode is PushMode.HEALTHY, hass)
    assert issue(hass, "navidrome") is None
