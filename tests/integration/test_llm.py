"""The StepheyBot Music LLM API: tools answer small JSON from the simulated stack, or an error."""

from __future__ import annotations

import json
from typing import Any

import probatio
import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import llm
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.stepheybot_music.const import DOMAIN
from custom_components.stepheybot_music.llm import API_ID
from simulator import Fault, Simulator

from .conftest import ALL_BACKENDS, setup_stack, subentry
from .helpers import poll, text
from .voice import latest_album, new_artist

CONTEXT = llm.LLMContext(
    platform="test", context=Context(), language="en", assistant="conversation", device_id=None
)


@pytest.fixture
async def api_ready(hass: HomeAssistant) -> None:
    """The integration is loaded, so its LLM API is registered."""
    assert await async_setup_component(hass, DOMAIN, {})


pytestmark = pytest.mark.usefixtures("api_ready")


async def _api(hass: HomeAssistant) -> llm.APIInstance:
    return await llm.async_get_api(hass, API_ID, CONTEXT)


async def call(hass: HomeAssistant, tool: str, **args: Any) -> llm.ToolResult:
    """Call ``tool`` as a conversation agent would (the result must be JSON)."""
    result = await (await _api(hass)).async_call_tool(llm.ToolInput(tool_name=tool, tool_args=args))
    json.dumps(result.data)
    return result


async def ok(hass: HomeAssistant, tool: str, **args: Any) -> Any:
    """The data of a successful call."""
    result = await call(hass, tool, **args)
    assert not result.error, result.data
    return result.data


async def error(hass: HomeAssistant, tool: str, **args: Any) -> str:
    """The error text of a failed call."""
    result = await call(hass, tool, **args)
    assert result.error, result.data
    assert set(result.data) == {"error"}
    message = result.data["error"]
    assert isinstance(message, str)
    return message


async def test_the_api_is_listed_with_its_tools(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["gluetun"])
    assert [api.id for api in llm.async_get_apis(hass)] == [API_ID]
    instance = await _api(hass)
    assert instance.api.name == "StepheyBot Music"
    assert "music stack" in instance.api_prompt
    assert "several stacks" not in instance.api_prompt
    tools = {tool.name: tool for tool in instance.tools}
    assert list(tools) == [
        "search_music",
        "request_download",
        "get_downloads",
        "get_library_counts",
        "get_vpn_status",
        "get_recent_requests",
        "play_music",
        "why_not_arrived",
    ]
    for tool in instance.tools:
        assert tool.integration == DOMAIN
        assert tool.description
        schema = probatio.to_openapi(tool.parameters, openapi_version="3.1.0")
        assert schema["properties"]["stack"]["enum"] == ["Home music"]
        assert not tool.annotations.destructive
        assert tool.annotations.read_only is (tool.name not in ("request_download", "play_music"))
    schema = probatio.to_openapi(tools["request_download"].parameters, openapi_version="3.1.0")
    assert set(schema["properties"]) == {"stack", "artist", "album", "latest", "result_id"}
    schema = probatio.to_openapi(tools["search_music"].parameters, openapi_version="3.1.0")
    assert schema["required"] == ["query"]


async def test_library_counts(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["navidrome"])
    world = sim.world
    assert await ok(hass, "get_library_counts") == {
        "artists": world.nav_artists,
        "albums": world.nav_albums,
        "songs": world.nav_songs,
        "source": "Navidrome",
    }


async def test_library_counts_backend_down(
    hass: HomeAssistant, sim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    await setup_stack(hass, sim, ["navidrome"])
    await sim.set_fault("navidrome", Fault.DOWN)
    await poll(hass, frozen, 11 * 60)
    assert await error(hass, "get_library_counts") == (
        "Navidrome is not answering, so I can't count your library right now."
    )


async def test_vpn_status(
    hass: HomeAssistant, sim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    await setup_stack(hass, sim, ["gluetun"])
    vpn = sim.world.vpn
    data = await ok(hass, "get_vpn_status")
    assert data == {
        "vpns": [
            {
                "name": "gluetun",
                "reachable": True,
                "connected": True,
                "status": "running",
                "country": vpn.country,
                "forwarded_port": vpn.forwarded_port,
            }
        ]
    }
    assert vpn.public_ip not in json.dumps(data)
    sim.world.set_vpn(up=False)
    await poll(hass, frozen, 20)
    (state,) = (await ok(hass, "get_vpn_status"))["vpns"]
    assert (state["connected"], state["status"], state["country"]) == (False, "stopped", None)
    await sim.set_fault("gluetun", Fault.DOWN)
    await poll(hass, frozen, 20)
    (state,) = (await ok(hass, "get_vpn_status"))["vpns"]
    assert (state["reachable"], state["status"]) == (False, None)


async def test_vpn_not_configured(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["navidrome"])
    assert await error(hass, "get_vpn_status") == (
        "Home music has no VPN configured: add gluetun to watch it."
    )


async def test_downloads(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["qbittorrent", "lidarr"])
    data = await ok(hass, "get_downloads")
    assert data["requests"] == []
    clients = {client["name"]: client for client in data["clients"]}
    assert set(clients) == {"qBittorrent", "Lidarr"}
    assert clients["Lidarr"]["active"] == len(sim.world.lidarr_queue())
    assert clients["Lidarr"]["download_rate"] is None
    assert clients["qBittorrent"]["reachable"] is True
    assert clients["qBittorrent"]["active"] > 0


async def test_downloads_without_clients(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["navidrome"])
    assert await error(hass, "get_downloads") == (
        "Home music has no download client or Lidarr to ask."
    )


async def test_invalid_input_is_an_error_text(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["gluetun"])
    message = await error(hass, "get_vpn_status", stack="Garage")
    assert message.startswith("Invalid input: ")
    assert "stack" in message
    message = await error(hass, "get_vpn_status", colour="red")
    assert message.startswith("Invalid input: ")


async def test_several_stacks(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["gluetun"])
    studio = MockConfigEntry(
        domain=DOMAIN,
        title="Studio",
        entry_id="01STUDIO00000000000000000A",
        unique_id="studio",
        data={},
        subentries_data=[subentry(sim, "navidrome")],
    )
    studio.add_to_hass(hass)
    await hass.config_entries.async_setup(studio.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)

    instance = await _api(hass)
    assert "several stacks (Home music, Studio)" in instance.api_prompt
    assert await error(hass, "get_vpn_status") == (
        "You have 2 music stacks: Home music or Studio. "
        "Say which one, for example: on the Home music stack."
    )
    assert (await ok(hass, "get_vpn_status", stack="Home music"))["vpns"][0]["connected"]
    assert (await ok(hass, "get_library_counts", stack="Studio"))["source"] == "Navidrome"


async def test_no_stack(hass: HomeAssistant) -> None:
    instance = await _api(hass)
    schema = probatio.to_openapi(instance.tools[0].parameters, openapi_version="3.1.0")
    assert schema["properties"]["stack"]["type"] == "string"
    assert await error(hass, "get_library_counts") == (
        "No music stack is set up. Add StepheyBot Music first."
    )


async def test_assist_gets_no_music_tools(
    hass: HomeAssistant, sim: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    # Home Assistant loads our llm.py as the integration's LLM tools platform too
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "llm", {})
    await setup_stack(hass, sim, ALL_BACKENDS)
    assist = await llm.async_get_api(hass, llm.LLM_API_ASSIST, CONTEXT)
    assert not [tool for tool in assist.tools if DOMAIN in tool.name]
    assert "Error getting tools" not in caplog.text


# --------------------------------------------------------------------------- search and requests


async def test_search(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["lidarr", "navidrome"])
    artist = new_artist(sim)
    data = await ok(hass, "search_music", query=f"  {artist.name} ", kind="artist")
    assert data["query"] == artist.name
    assert data["failed_sources"] == {}
    assert 1 <= len(data["results"]) <= 5
    first = data["results"][0]
    assert first == {
        "id": f"artist:{artist.mbid}",
        "kind": "artist",
        "title": artist.name,
        "artist": artist.name,
        "album": None,
        "year": None,
        "availability": "available",
    }
    assert len(json.dumps(data)) < 2000


async def test_search_releases(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["jackett"])
    album = next(iter(sim.world.albums.values()))
    data = await ok(hass, "search_music", query=album.title, kind="release", limit=3)
    assert data["results"]
    for release in data["results"]:
        assert release["kind"] == "release"
        assert release["id"].startswith("release:")
        assert release["availability"] == "downloadable"
        assert release["size"] > 0
        assert release["indexer"]
        assert isinstance(release["seeders"], int)
        assert "magnet" not in json.dumps(release)


async def test_search_reports_a_failed_source(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["lidarr", "navidrome"])
    await sim.set_fault("navidrome", Fault.DOWN)
    data = await ok(hass, "search_music", query="a", limit=2)
    assert len(data["results"]) <= 2
    assert set(data["failed_sources"]) == {"library"}
    assert "Navidrome" in data["failed_sources"]["library"]


@pytest.mark.parametrize(
    "args",
    [
        {},
        {"query": "   "},
        {"query": "x", "limit": 0},
        {"query": "x", "limit": 1000},
        {"query": "x", "kind": "podcast"},
    ],
)
async def test_search_input_is_checked(
    hass: HomeAssistant, sim: Simulator, args: dict[str, Any]
) -> None:
    await setup_stack(hass, sim, ["lidarr"])
    assert (await error(hass, "search_music", **args)).startswith("Invalid input: ")


async def test_request_download_and_recent_requests(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["lidarr", "qbittorrent"])
    assert await ok(hass, "get_recent_requests") == {"requests": [], "total": 0}
    artist = new_artist(sim)
    album = latest_album(sim.world, artist)
    data = await ok(hass, "request_download", artist=artist.name, latest=True)
    assert data["status"] == "requested"
    assert data["message"]
    request = data["request"]
    assert (request["artist"], request["album"], request["source"]) == (
        artist.name,
        album.title,
        "llm",
    )
    assert set(request) == {
        "request_id", "artist", "album", "kind", "stage", "progress", "download_state",
        "failure", "message",
        "requested_at", "source",
    }  # fmt: skip
    again = await ok(hass, "request_download", artist=artist.name, latest=True)
    assert again["status"] == "already_requested"
    assert again["request"]["request_id"] == request["request_id"]

    recent = await ok(hass, "get_recent_requests", limit=1)
    assert recent["total"] == 1
    assert [r["request_id"] for r in recent["requests"]] == [request["request_id"]]
    downloads = await ok(hass, "get_downloads")
    assert [r["request_id"] for r in downloads["requests"]] == [request["request_id"]]


async def test_request_a_search_result(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["lidarr", "qbittorrent"])
    artist = new_artist(sim)
    album = sim.world.albums[artist.album_ids[0]]
    found = await ok(hass, "search_music", query=album.title, kind="album")
    hit = next(r for r in found["results"] if r["id"] == f"album:{album.mbid}")
    data = await ok(hass, "request_download", result_id=hit["id"])
    assert data["status"] == "requested"
    assert (data["request"]["artist"], data["request"]["album"]) == (artist.name, album.title)


async def test_request_download_errors(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["lidarr"])
    assert await error(hass, "request_download") == text(
        "exceptions", "nothing_requested", "message"
    )
    assert await error(hass, "request_download", album="Only An Album") == text(
        "exceptions", "album_without_artist", "message"
    )
    assert (await error(hass, "request_download", artist="x" * 300)).startswith("Invalid input")
    assert (await error(hass, "request_download", artist="A", latest="maybe")).startswith(
        "Invalid input"
    )
    await sim.set_fault("lidarr", Fault.DOWN)
    message = await error(hass, "request_download", artist=new_artist(sim).name)
    assert message == "Lidarr is unreachable; check that it runs."
    assert await ok(hass, "get_recent_requests") == {"requests": [], "total": 0}


async def test_null_arguments_count_as_absent(hass: HomeAssistant, sim: Simulator) -> None:
    """Models that send ``null`` for optional arguments get the same answer as without them."""
    await setup_stack(hass, sim, ["lidarr", "qbittorrent"])
    artist = new_artist(sim)
    data = await ok(
        hass, "request_download", artist=artist.name, album=None, result_id=None, stack=None
    )
    assert data["status"] == "requested"
    assert data["request"]["album"] is None
    found = await ok(hass, "search_music", query=artist.name, kind=None, limit=None)
    assert found["results"]


async def test_a_model_cannot_request_an_indexer_release(
    hass: HomeAssistant, sim: Simulator
) -> None:
    """Release names are untrusted text: a model may find releases but not download them."""
    await setup_stack(hass, sim, ["jackett", "qbittorrent"])
    album = next(iter(sim.world.albums.values()))
    found = await ok(hass, "search_music", query=album.title, kind="release", limit=1)
    [release] = found["results"]
    hashes = {t.hash for t in sim.world.torrents.values()}

    message = await error(hass, "request_download", result_id=release["id"])

    assert message.startswith("Assistants may not download an indexer release directly")
    assert {t.hash for t in sim.world.torrents.values()} == hashes
    assert await ok(hass, "get_recent_requests") == {"requests": [], "total": 0}
