"""Request tracking through the Music Brain and the download clients (qBittorrent, Transmission)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import async_capture_events

from custom_components.stepheybot_music.coordinators.music_brain import MusicBrainRuntime
from custom_components.stepheybot_music.runtime import StepheyBotConfigEntry
from custom_components.stepheybot_music.tracking.models import (
    EVENT_REQUEST,
    Route,
    Stage,
    TrackedRequest,
)
from simulator import Fault, Simulator

from .conftest import setup_stack, subentry_id
from .helpers import poll
from .tracking import new_id, requests_of, stage_of, step, tsim

__all__ = ["tsim"]

HASH = "0123456789abcdef0123456789abcdef01234567"
MAGNET = f"magnet:?xt=urn:btih:{HASH}&dn=Night+Owls+-+Quiet+Hours"
CLIENTS = ("qbittorrent", "transmission")


def _stages(events: list[object]) -> list[str]:
    return [event.data["stage"] for event in events]  # type: ignore[attr-defined]


def _tracked(entry: StepheyBotConfigEntry, request_id: str) -> TrackedRequest:
    request = requests_of(entry).store.get(request_id)
    assert request is not None
    return request


# --------------------------------------------------------------------------- Music Brain


async def _brain_request(entry: StepheyBotConfigEntry, request_id: str | None) -> TrackedRequest:
    if request_id is None:
        backend = entry.runtime_data.backends[subentry_id("music_brain")]
        assert isinstance(backend, MusicBrainRuntime)
        answer = await backend.requests.client.request_download(
            "Night Owls", "Quiet Hours", album="Quiet Hours", magnet=MAGNET
        )
        request_id = answer.request_id
    return await requests_of(entry).async_submit(
        TrackedRequest(
            request_id=new_id(),
            route=Route.MUSIC_BRAIN,
            backend_id=subentry_id("music_brain"),
            artist="Night Owls",
            album="Quiet Hours",
            brain_request_id=request_id,
        )
    )


async def test_brain_request_downloads_and_reaches_the_library_after_a_scan(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    entry = await setup_stack(hass, tsim, ("music_brain", "transmission", "navidrome"))
    events = async_capture_events(hass, EVENT_REQUEST)
    request = await _brain_request(entry, None)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert stage_of(entry, request.request_id) == "requested"  # queued in the Music Brain

    await step(hass, tsim, frozen, 5)
    tracked = _tracked(entry, request.request_id)
    torrent = tsim.world.torrents[HASH]
    assert tracked.stage is Stage.DOWNLOADING
    assert tracked.torrent_hash == HASH
    assert tracked.size == torrent.size
    assert 0 < (tracked.progress or 0) < 1
    assert tracked.eta is not None
    assert tracked.eta > 0

    scans = tsim.world.navidrome_last_scan
    await step(hass, tsim, frozen, torrent.amount_left / tsim.world.download_speed + 1)
    assert stage_of(entry, request.request_id) == "importing"
    assert tsim.world.navidrome_scanning  # tracking started a library scan

    await step(hass, tsim, frozen, tsim.world.scan_duration + 1)
    assert tsim.world.navidrome_last_scan != scans
    assert stage_of(entry, request.request_id) == "in_library"
    assert _stages(events) == ["requested", "downloading", "importing", "in_library"]


async def test_brain_request_it_no_longer_knows_fails_as_removed(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    entry = await setup_stack(hass, tsim, ("music_brain",))
    request = await _brain_request(entry, "3f1c0e4e-0000-4000-8000-000000000000")
    await hass.async_block_till_done(wait_background_tasks=True)
    tracked = _tracked(entry, request.request_id)
    assert (tracked.stage, tracked.failure) == (Stage.FAILED, "removed")
    assert tracked.message == (
        "StepheyBot Music Brain no longer knows this request (restarted or dropped)."
    )


async def test_brain_request_never_handed_on_is_nothing_found_after_six_hours(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    entry = await setup_stack(hass, tsim, ("music_brain",))
    request = await _brain_request(entry, None)
    await poll(hass, frozen, timedelta(hours=5).total_seconds())
    assert stage_of(entry, request.request_id) == "requested"
    await poll(hass, frozen, timedelta(hours=1).total_seconds())
    tracked = _tracked(entry, request.request_id)
    assert (tracked.stage, tracked.failure) == (Stage.FAILED, "nothing_found")
    assert tracked.message == "Nothing started downloading within 6 hours."


async def test_brain_down_keeps_the_stage_and_tracking_resumes(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    entry = await setup_stack(hass, tsim, ("music_brain", "transmission"))
    events = async_capture_events(hass, EVENT_REQUEST)
    request = await _brain_request(entry, None)
    await step(hass, tsim, frozen, 5)
    assert stage_of(entry, request.request_id) == "downloading"

    await tsim.set_fault("music_brain", Fault.HTTP_500)
    await step(hass, tsim, frozen, 120)
    assert stage_of(entry, request.request_id) == "downloading"
    assert _stages(events) == ["requested", "downloading"]

    await tsim.clear_fault("music_brain")
    await step(hass, tsim, frozen, 1)
    # no Navidrome in this stack: a finished download is in the library at once
    assert stage_of(entry, request.request_id) == "in_library"
    assert _stages(events) == ["requested", "downloading", "in_library"]


# --------------------------------------------------------------------------- download clients


async def _client_request(
    entry: StepheyBotConfigEntry, sim: Simulator, client: str
) -> TrackedRequest:
    sim.world.add_magnet(MAGNET, category="music", client=client)
    return await requests_of(entry).async_submit(
        TrackedRequest(
            request_id=new_id(),
            route=Route.DOWNLOAD_CLIENT,
            backend_id=subentry_id(client),
            artist="Night Owls",
            album="Quiet Hours",
            torrent_hash=HASH,
        )
    )


@pytest.mark.parametrize("client", CLIENTS)
async def test_torrent_downloads_then_scans_into_the_library(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory, client: str
) -> None:
    entry = await setup_stack(
        hass,
        tsim,
        (
            client,
            "navidrome",
        ),
    )
    events = async_capture_events(hass, EVENT_REQUEST)
    request = await _client_request(entry, tsim, client)
    await step(hass, tsim, frozen, 5)
    tracked = _tracked(entry, request.request_id)
    torrent = tsim.world.torrents[HASH]
    assert tracked.stage is Stage.DOWNLOADING
    assert tracked.size == torrent.size
    assert 0 < (tracked.progress or 0) < 1

    await step(hass, tsim, frozen, torrent.amount_left / tsim.world.download_speed + 1)
    assert stage_of(entry, request.request_id) == "importing"
    assert tsim.world.navidrome_scanning
    # the finished torrent may go (removed after seeding): the files stay, the scan goes on
    tsim.world.remove_torrent(HASH)
    await step(hass, tsim, frozen, tsim.world.scan_duration + 1)
    assert stage_of(entry, request.request_id) == "in_library"
    assert _stages(events) == ["requested", "downloading", "importing", "in_library"]


@pytest.mark.parametrize(
    ("client", "message"),
    [
        ("qbittorrent", "qBittorrent reports an error for this torrent."),
        ("transmission", "No space left on device"),
    ],
)
async def test_torrent_error_is_download_failed_with_the_clients_message(
    hass: HomeAssistant,
    tsim: Simulator,
    frozen: FrozenDateTimeFactory,
    client: str,
    message: str,
) -> None:
    entry = await setup_stack(hass, tsim, (client,))
    request = await _client_request(entry, tsim, client)
    await step(hass, tsim, frozen, 5)
    tsim.world.fail_torrent(HASH, "No space left on device")
    await step(hass, tsim, frozen, 1)
    tracked = _tracked(entry, request.request_id)
    assert (tracked.stage, tracked.failure) == (Stage.FAILED, "download_failed")
    assert tracked.message == message


@pytest.mark.parametrize(
    ("client", "title"), [("qbittorrent", "qBittorrent"), ("transmission", "Transmission")]
)
async def test_torrent_gone_is_removed(
    hass: HomeAssistant,
    tsim: Simulator,
    frozen: FrozenDateTimeFactory,
    client: str,
    title: str,
) -> None:
    entry = await setup_stack(hass, tsim, (client,))
    request = await _client_request(entry, tsim, client)
    await step(hass, tsim, frozen, 5)
    assert stage_of(entry, request.request_id) == "downloading"
    tsim.world.remove_torrent(HASH)
    await step(hass, tsim, frozen, 1)
    tracked = _tracked(entry, request.request_id)
    assert (tracked.stage, tracked.failure) == (Stage.FAILED, "removed")
    assert tracked.message == f"The torrent was removed from {title}."


@pytest.mark.parametrize("client", CLIENTS)
async def test_client_down_keeps_the_stage_and_tracking_resumes(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory, client: str
) -> None:
    entry = await setup_stack(hass, tsim, (client,))
    events = async_capture_events(hass, EVENT_REQUEST)
    request = await _client_request(entry, tsim, client)
    await step(hass, tsim, frozen, 5)
    assert stage_of(entry, request.request_id) == "downloading"

    await tsim.set_fault(client, Fault.DOWN)
    await step(hass, tsim, frozen, 120)
    assert stage_of(entry, request.request_id) == "downloading"
    await tsim.clear_fault(client)
    await step(hass, tsim, frozen, 1)
    await step(hass, tsim, frozen, 1)
    assert stage_of(entry, request.request_id) == "in_library"
    assert _stages(events) == ["requested", "downloading", "in_library"]


async def test_navidrome_down_holds_the_request_at_importing(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    entry = await setup_stack(
        hass,
        tsim,
        (
            "qbittorrent",
            "navidrome",
        ),
    )
    request = await _client_request(entry, tsim, "qbittorrent")
    await tsim.set_fault("navidrome", Fault.DOWN)
    await step(hass, tsim, frozen, 60)
    assert stage_of(entry, request.request_id) == "importing"
    await step(hass, tsim, frozen, 60)
    assert stage_of(entry, request.request_id) == "importing"

    await tsim.clear_fault("navidrome")
    await step(hass, tsim, frozen, 1)  # Navidrome answers again: the scan starts
    assert tsim.world.navidrome_scanning
    await step(hass, tsim, frozen, tsim.world.scan_duration + 1)
    assert stage_of(entry, request.request_id) == "in_library"
