"""The actions other than ``request_download`` (see test_requesting.py), against the simulator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigSubentry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from custom_components.stepheybot_music.const import DOMAIN
from custom_components.stepheybot_music.play_actions import PLAY_ACTIONS
from custom_components.stepheybot_music.services import ACTIONS
from simulator import Fault, Simulator
from simulator.model import TorrentStatus

from .conftest import ENTRY_ID, STACK_TITLE, setup_stack, stack_entry, subentry
from .helpers import translations
from .service_helpers import act, error_text, refused

MAGNET = (
    "magnet:?xt=urn:btih:" + "c0" * 20 + "&dn=A+Band+-+An+Album&tr=udp%3A%2F%2Ft.example%3A1337"
)
CLIENT_TITLES = {"qbittorrent": "qBittorrent", "transmission": "Transmission"}


def _music_in_each_client(sim: Simulator) -> None:
    """Give Transmission a music torrent too: each simulated client holds its own torrents,
    and Lidarr's grabs are in qBittorrent."""
    world = sim.world
    added = world.add_magnet(
        "magnet:?xt=urn:btih:" + "7e" * 20, category=world.music_category, client="transmission"
    )
    assert added is not None


def _music_by_client(sim: Simulator) -> dict[str, set[str]]:
    """The hashes of each simulated client's music torrents, by the client's title."""
    world = sim.world
    return {
        title: {
            t.hash
            for t in world.client_torrents(client).values()
            if t.category == world.music_category
        }
        for client, title in CLIENT_TITLES.items()
    }


async def test_every_action_is_registered(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["navidrome"])
    assert (
        set(hass.services.async_services_for_domain(DOMAIN))
        == {a.name for a in (*ACTIONS, *PLAY_ACTIONS)}
        == {
            "play",
            "search",
            "request_download",
            "get_requests",
            "get_downloads",
            "pause_downloads",
            "resume_downloads",
            "start_scan",
            "search_upgrades",
            "sync_forwarded_port",
        }
    )


async def test_the_stack_must_be_a_loaded_stack(hass: HomeAssistant, sim: Simulator) -> None:
    entry = await setup_stack(hass, sim, ["navidrome"])
    with pytest.raises(ServiceValidationError) as caught:
        await hass.services.async_call(
            DOMAIN, "start_scan", {"config_entry_id": "nope"}, blocking=True
        )
    assert str(caught.value) == error_text("not_a_stack", entry_id="nope")

    await hass.config_entries.async_unload(entry.entry_id)
    message = await refused(hass, ServiceValidationError, "start_scan")
    assert message == error_text("stack_not_loaded", stack=STACK_TITLE)


# --------------------------------------------------------------------------- search


async def test_search(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["navidrome", "lidarr"])
    album = next(iter(sim.world.navidrome_albums()))
    response = await act(hass, "search", query=album.title, kind="album", limit=5)
    assert response["query"] == album.title
    assert 1 <= len(response["results"]) <= 5
    assert any(hit["title"] == album.title for hit in response["results"])
    assert response["sources"]["library"]["status"] == "ok"
    assert response["sources"]["indexers"]["status"] == "not_configured"


@pytest.mark.parametrize(
    ("data", "key", "placeholders"),
    [
        ({"query": "  "}, "invalid_query", {"max": "200"}),
        ({"query": "x" * 201}, "invalid_query", {"max": "200"}),
        (
            {"query": "a", "kind": "song"},
            "not_allowed",
            {"field": "kind", "allowed": "any, artist, album, track, release"},
        ),
        (
            {"query": "a", "sources": ["library", "spotify"]},
            "not_allowed",
            {"field": "sources", "allowed": "library, lidarr, indexers, music_brain"},
        ),
        ({"query": "a", "limit": 0}, "out_of_range", {"field": "limit", "min": "1", "max": "100"}),
        (
            {"query": "a", "limit": "101"},
            "out_of_range",
            {"field": "limit", "min": "1", "max": "100"},
        ),
    ],
)
async def test_search_bad_input(
    hass: HomeAssistant,
    sim: Simulator,
    data: dict[str, Any],
    key: str,
    placeholders: dict[str, str],
) -> None:
    await setup_stack(hass, sim, ["navidrome"])
    message = await refused(hass, ServiceValidationError, "search", True, **data)
    assert message == error_text(key, **placeholders)


# --------------------------------------------------------------------------- requests


async def test_get_requests(
    hass: HomeAssistant, sim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    await setup_stack(hass, sim, ["qbittorrent"])
    assert await act(hass, "get_requests") == {"requests": []}
    first = await act(hass, "request_download", magnet=MAGNET)
    frozen.tick(1)
    second = await act(hass, "request_download", magnet="magnet:?xt=urn:btih:" + "d1" * 20)
    frozen.tick(1)
    assert (
        await act(hass, "request_download", False, magnet="magnet:?xt=urn:btih:" + "e2" * 20)
        is None
    )

    everything = (await act(hass, "get_requests"))["requests"]
    assert len(everything) == 3
    assert everything[2]["request_id"] == first["request"]["request_id"]
    assert "tr=" not in json.dumps(everything)

    limited = (await act(hass, "get_requests", limit=1))["requests"]
    assert limited == everything[:1]
    stages = {r["stage"] for r in everything}
    by_stage = (await act(hass, "get_requests", stage=sorted(stages)))["requests"]
    assert by_stage == everything
    flying = (await act(hass, "get_requests", in_flight=True))["requests"]
    done = (await act(hass, "get_requests", in_flight=False))["requests"]
    assert sorted(r["request_id"] for r in flying + done) == sorted(
        r["request_id"] for r in everything
    )
    assert all(r["stage"] not in ("in_library", "failed") for r in flying)
    assert second["request"]["request_id"] in {r["request_id"] for r in everything}


async def test_get_requests_bad_input(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["qbittorrent"])
    message = await refused(hass, ServiceValidationError, "get_requests", True, stage=["lost"])
    assert message == error_text(
        "not_allowed",
        field="stage",
        allowed="requested, searching, downloading, importing, in_library, failed",
    )
    message = await refused(hass, ServiceValidationError, "get_requests", True, limit=501)
    assert message == error_text("out_of_range", field="limit", min="1", max="500")


# --------------------------------------------------------------------------- downloads


async def test_get_downloads(hass: HomeAssistant, sim: Simulator) -> None:
    _music_in_each_client(sim)
    await setup_stack(hass, sim, ["qbittorrent", "transmission"])
    world = sim.world
    requested = await act(hass, "request_download", magnet=MAGNET)

    downloads = (await act(hass, "get_downloads"))["downloads"]

    music = _music_by_client(sim)
    by_client: dict[str, set[str]] = {}
    for item in downloads:
        by_client.setdefault(item["client"], set()).add(item["hash"])
    assert by_client == music
    assert "c0" * 20 in music["qBittorrent"]
    item = next(d for d in downloads if d["client"] == "qBittorrent" and d["hash"] == "c0" * 20)
    assert item["request_id"] == requested["request"]["request_id"]
    assert item["name"] == world.torrents["c0" * 20].name
    assert set(item) == {
        "name",
        "client",
        "state",
        "progress",
        "size",
        "download_speed",
        "upload_speed",
        "eta",
        "hash",
        "request_id",
    }
    assert "magnet:" not in json.dumps(downloads)
    assert "t.example" not in json.dumps(downloads)


async def test_get_downloads_of_the_music_brain(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["music_brain"])
    await act(hass, "request_download", magnet=MAGNET)
    await sim.advance(10)
    downloads = (await act(hass, "get_downloads"))["downloads"]
    assert [d["hash"] for d in downloads] == ["c0" * 20]
    assert downloads[0]["client"] == "StepheyBot Music Brain"


async def test_get_downloads_with_a_client_down(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["qbittorrent"])
    await sim.set_fault("qbittorrent", Fault.DOWN)
    message = await refused(hass, HomeAssistantError, "get_downloads", True)
    assert message.startswith("qBittorrent is unreachable.")


async def test_get_downloads_with_one_of_two_clients_down(
    hass: HomeAssistant, sim: Simulator
) -> None:
    """The client that answers still lists its downloads; the other is named with its error."""
    _music_in_each_client(sim)
    await setup_stack(hass, sim, ["qbittorrent", "transmission"])
    music = _music_by_client(sim)
    await sim.set_fault("qbittorrent", Fault.DOWN)

    response = await act(hass, "get_downloads")

    assert {d["hash"] for d in response["downloads"]} == music["Transmission"]
    assert {d["client"] for d in response["downloads"]} == {"Transmission"}
    [failure] = response["failed"]
    assert failure["backend"] == "qBittorrent"
    assert failure["error"].startswith("qBittorrent is unreachable.")


async def test_get_downloads_of_a_stack_that_cannot_download(
    hass: HomeAssistant, sim: Simulator
) -> None:
    """Not an empty list (which reads "nothing is downloading"): the stack has nothing to ask."""
    await setup_stack(hass, sim, ["navidrome", "lidarr"])
    message = await refused(hass, ServiceValidationError, "get_downloads", True)
    assert message == error_text(
        "no_backend", stack=STACK_TITLE, backend="qBittorrent, Transmission or Music Brain"
    )


@pytest.mark.parametrize("client", ["qbittorrent", "transmission"])
async def test_pause_and_resume_every_music_download(
    hass: HomeAssistant, sim: Simulator, client: str
) -> None:
    _music_in_each_client(sim)
    await setup_stack(hass, sim, [client])
    world = sim.world
    hashes = _music_by_client(sim)[CLIENT_TITLES[client]]
    music = [world.torrents[h] for h in hashes]
    assert music
    others = {t.hash: t.status for t in world.torrents.values() if t not in music}
    await act(hass, "pause_downloads", False)
    assert all(t.status.startswith("stopped") for t in music)
    await act(hass, "resume_downloads", False)
    assert not any(t.status.startswith("stopped") for t in music)
    assert {t.hash: t.status for t in world.torrents.values() if t not in music} == others


async def test_pause_with_one_of_two_clients_down(hass: HomeAssistant, sim: Simulator) -> None:
    """The client that answers is paused all the same (a VPN-leak automation relies on it)."""
    _music_in_each_client(sim)
    await setup_stack(hass, sim, ["qbittorrent", "transmission"])
    world = sim.world
    music = _music_by_client(sim)
    await sim.set_fault("qbittorrent", Fault.DOWN)

    message = await refused(hass, HomeAssistantError, "pause_downloads")

    assert message.startswith("qBittorrent is unreachable.")
    assert all(world.torrents[h].status.startswith("stopped") for h in music["Transmission"])
    assert not any(world.torrents[h].status.startswith("stopped") for h in music["qBittorrent"])


async def test_pause_one_request_with_one_of_two_clients_down(
    hass: HomeAssistant, sim: Simulator
) -> None:
    """Paused where it is found; when no client that answers has it, the one down is named."""
    await setup_stack(hass, sim, ["qbittorrent", "transmission"])
    world = sim.world
    request_id = (await act(hass, "request_download", magnet=MAGNET))["request"]["request_id"]
    # moved to Transmission by hand: the simulated clients each hold their own torrents
    world.remove_torrent("c0" * 20)
    assert world.add_magnet(MAGNET, category=world.music_category, client="transmission")
    await sim.set_fault("qbittorrent", Fault.DOWN)

    await act(hass, "pause_downloads", False, request_id=request_id)
    assert world.torrents["c0" * 20].status.startswith("stopped")

    world.remove_torrent("c0" * 20)
    message = await refused(hass, HomeAssistantError, "resume_downloads", request_id=request_id)
    assert message.startswith("qBittorrent is unreachable.")


@pytest.mark.parametrize("client", ["qbittorrent", "transmission"])
async def test_pause_and_resume_one_request(
    hass: HomeAssistant, sim: Simulator, client: str
) -> None:
    await setup_stack(hass, sim, [client])
    world = sim.world
    answer = await act(hass, "request_download", magnet=MAGNET)
    request_id = answer["request"]["request_id"]
    torrent = world.torrents["c0" * 20]
    others = {t.hash: t.status for t in world.torrents.values() if t is not torrent}

    await act(hass, "pause_downloads", False, request_id=request_id)
    assert torrent.status == TorrentStatus.STOPPED_DOWNLOADING
    await act(hass, "resume_downloads", False, request_id=request_id)
    assert torrent.status == TorrentStatus.DOWNLOADING
    assert {t.hash: t.status for t in world.torrents.values() if t is not torrent} == others

    world.remove_torrent(torrent.hash)
    message = await refused(hass, ServiceValidationError, "pause_downloads", request_id=request_id)
    assert message == error_text("download_not_found", title="A Band - An Album")


async def test_pause_errors(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["music_brain", "navidrome"])
    message = await refused(hass, ServiceValidationError, "pause_downloads")
    assert message == error_text(
        "no_backend", stack=STACK_TITLE, backend="qBittorrent or Transmission"
    )


async def test_pause_a_request_without_download(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["music_brain", "qbittorrent", "navidrome"])
    artist = next(a for a in sim.world.artists.values() if not a.in_lidarr)
    answer = await act(hass, "request_download", artist=artist.name)
    message = await refused(
        hass, ServiceValidationError, "resume_downloads", request_id=answer["request"]["request_id"]
    )
    assert message == error_text("request_without_download", title=artist.name)
    message = await refused(hass, ServiceValidationError, "resume_downloads", request_id="nope")
    assert message == error_text("unknown_request", request_id="nope")


async def test_pause_with_the_client_down(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["transmission"])
    answer = await act(hass, "request_download", magnet=MAGNET)
    await sim.set_fault("transmission", Fault.DOWN)
    message = await refused(
        hass, HomeAssistantError, "pause_downloads", request_id=answer["request"]["request_id"]
    )
    assert message.startswith("Transmission is unreachable.")
    message = await refused(hass, HomeAssistantError, "pause_downloads")
    assert message.startswith("Transmission is unreachable.")


# --------------------------------------------------------------------------- library


@pytest.mark.parametrize("full", [False, True])
async def test_start_scan(hass: HomeAssistant, sim: Simulator, full: bool) -> None:
    await setup_stack(hass, sim, ["navidrome"])
    assert not sim.world.navidrome_scanning
    await act(hass, "start_scan", False, full=full)
    assert sim.world.navidrome_scanning
    assert hass.states.get("binary_sensor.navidrome_scanning").state == "on"  # type: ignore[union-attr]


async def test_start_scan_errors(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["navidrome"])
    await sim.set_fault("navidrome", Fault.DOWN)
    message = await refused(hass, HomeAssistantError, "start_scan")
    assert message.startswith("Navidrome is unreachable.")
    await hass.config_entries.async_unload(ENTRY_ID)
    await setup_stack_again(hass, sim)
    message = await refused(hass, ServiceValidationError, "start_scan")
    assert message == error_text("no_backend", stack=STACK_TITLE, backend="Navidrome")


async def _stack_with_a_dead_one_first(hass: HomeAssistant, sim: Simulator, name: str) -> None:
    """A stack of two ``name`` backends: "Old ..." (nothing listens) first, then the real one."""
    entry = stack_entry(sim, [])
    dead = subentry(sim, name)
    dead["data"] = {**dead["data"], "url": "http://127.0.0.1:9/"}
    dead["subentry_id"] = f"01SUBDEAD{name.upper():0<17}"[:26]
    dead["title"] = f"Old {dead['title']}"
    dead["unique_id"] = f"{name}_dead"
    entry.add_to_hass(hass)
    for data in (dead, subentry(sim, name)):
        hass.config_entries.async_add_subentry(entry, ConfigSubentry(**data))
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_start_scan_with_one_of_two_navidromes_down(
    hass: HomeAssistant, sim: Simulator
) -> None:
    """The Navidrome that answers scans even when the one before it is down."""
    await _stack_with_a_dead_one_first(hass, sim, "navidrome")
    message = await refused(hass, HomeAssistantError, "start_scan")
    assert message.startswith("Old Navidrome is unreachable.")
    assert sim.world.navidrome_scanning


async def test_search_upgrades_with_one_of_two_lidarrs_down(
    hass: HomeAssistant, sim: Simulator
) -> None:
    """The Lidarr that answers searches for upgrades even when the one before it is down."""
    await _stack_with_a_dead_one_first(hass, sim, "lidarr")
    commands = len(sim.world.commands)
    message = await refused(hass, HomeAssistantError, "search_upgrades")
    assert message.startswith("Old Lidarr is unreachable.")
    assert len(sim.world.commands) == commands + 1
    assert sim.world.commands[-1].name == "CutoffUnmetAlbumSearch"


async def setup_stack_again(hass: HomeAssistant, sim: Simulator) -> None:
    """Replace the stack by one with Lidarr only."""
    await hass.config_entries.async_remove(ENTRY_ID)
    await setup_stack(hass, sim, ["lidarr"])


def test_actions_yaml_texts_and_icons_match() -> None:
    """hassfest's checks: every action and field is described, named and has an icon."""
    package = Path(__file__).parents[2] / "custom_components/stepheybot_music"
    described = yaml.safe_load((package / "services.yaml").read_text(encoding="utf-8"))
    texts = translations()["services"]
    icons = json.loads((package / "icons.json").read_text(encoding="utf-8"))["services"]
    actions = (*ACTIONS, *PLAY_ACTIONS)
    assert set(described) == set(texts) == set(icons) == {a.name for a in actions}
    for action in actions:
        fields = {"config_entry_id", *(str(marker) for marker in action.fields)}
        assert set(described[action.name]["fields"]) == fields, action.name
        assert set(texts[action.name]["fields"]) == fields, action.name
        assert texts[action.name]["name"]
        assert texts[action.name]["description"]
        for field_name, field in described[action.name]["fields"].items():
            assert texts[action.name]["fields"][field_name]["description"], field_name
            ((_, config),) = field["selector"].items()
            if config and "translation_key" in config:
                options = translations()["selector"][config["translation_key"]]["options"]
                assert set(options) == set(config["options"]), field_name
