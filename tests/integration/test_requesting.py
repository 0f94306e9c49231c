"""``request_download`` end to end: every route, every duplicate, every refusal.

Each test sets up a stack on the simulator and calls the action over Home Assistant's
service bus; the simulated Lidarr, Music Brain, qBittorrent and Transmission really receive
(or do not receive) what the integration sends.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from custom_components.stepheybot_music import requesting
from custom_components.stepheybot_music.const import DOMAIN
from custom_components.stepheybot_music.requesting import magnet_parts
from custom_components.stepheybot_music.tracking.models import Route, Stage, TrackedRequest
from simulator import Fault, Simulator
from simulator.model import Album, Artist

from .conftest import ENTRY_ID, STACK_TITLE, setup_stack, subentry_id
from .service_helpers import error_text

HASH = "0123456789abcdef0123456789abcdef01234567"
TRACKER = "https%3A%2F%2Ftracker.example%2FPASSKEY123%2Fannounce"
MAGNET = f"magnet:?xt=urn:btih:{HASH}&dn=Some+Band+-+Some+Album&tr={TRACKER}"


async def request(hass: HomeAssistant, **data: Any) -> dict[str, Any]:
    """Call ``request_download`` on the test stack and return its response."""
    response = await hass.services.async_call(
        DOMAIN,
        "request_download",
        {"config_entry_id": ENTRY_ID, **data},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    return dict(response)


async def refused(hass: HomeAssistant, error: type[Exception], **data: Any) -> str:
    """Call ``request_download``, expecting ``error``; its message."""
    with pytest.raises(error) as caught:
        await request(hass, **data)
    return str(caught.value)


def stored(hass: HomeAssistant) -> list[dict[str, Any]]:
    entry = hass.config_entries.async_get_entry(ENTRY_ID)
    assert entry is not None
    return [r.as_dict() for r in entry.runtime_data.requests.store.all()]


def catalog_artist(sim: Simulator, *, index: int = 0) -> Artist:
    """An artist only on MusicBrainz whose name no other artist's name contains."""
    artists = sim.world.artists.values()
    unique = [
        a
        for a in artists
        if not a.in_lidarr
        and sum(a.name.lower() in b.name.lower() for b in artists) == 1
        and any(_findable(sim, album) for album in _albums(sim, a))
    ]
    return unique[index]


def lidarr_artist(sim: Simulator, *, complete: bool) -> Artist:
    """An artist in Lidarr with every released album on disk (``complete``) or not."""
    today = sim.world.clock.now().date()
    artists = sim.world.artists.values()
    for artist in sim.world.lidarr_artists():
        released = [a for a in _albums(sim, artist) if a.release_date <= today]
        whole = all(a.has_files for a in released)
        unique = sum(artist.name.lower() in b.name.lower() for b in artists) == 1
        if unique and released and whole == complete:
            return artist
    raise AssertionError("no such artist")


def _albums(sim: Simulator, artist: Artist) -> list[Album]:
    return [sim.world.albums[i] for i in artist.album_ids]


def _findable(sim: Simulator, album: Album) -> bool:
    """Whether an album search in the simulated Lidarr grabs a release."""
    return any(r.seeders > 0 for r in sim.world.releases_for(album))


# --------------------------------------------------------------------------- Lidarr


async def test_lidarr_album_of_a_new_artist(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["lidarr", "qbittorrent"])
    artist = catalog_artist(sim)
    album = next(a for a in _albums(sim, artist) if _findable(sim, a))
    commands = len(sim.world.commands)

    answer = await request(hass, artist=artist.name.upper(), album=album.title)

    assert answer["status"] == "requested"
    assert answer["message"] == f"Lidarr searches for {artist.name} \u2013 {album.title}."
    tracked = answer["request"]
    assert artist.in_lidarr
    assert tracked["route"] == "lidarr"
    assert tracked["artist"] == artist.name
    assert tracked["album"] == album.title
    assert tracked["artist_mbid"] == artist.mbid
    assert tracked["album_mbid"] == album.mbid
    assert tracked["lidarr_artist_id"] == artist.lidarr_id
    assert tracked["lidarr_album_ids"] == [album.id]
    assert tracked["lidarr_command_id"] == len(sim.world.commands) == commands + 1
    assert tracked["source"] == "action"
    # the artist was added unmonitored; only the one album is monitored and searched
    assert [a.id for a in _albums(sim, artist) if a.monitored] == [album.id]
    assert sim.world.torrent_for_album(album.id) is not None
    assert [r["request_id"] for r in stored(hass)] == [tracked["request_id"]]

    again = await request(hass, artist=artist.name, album=album.title.lower())
    assert again["status"] == "already_requested"
    assert again["request"]["request_id"] == tracked["request_id"]
    assert again["message"].startswith(f"{artist.name} \u2013 {album.title} was already requested")
    assert len(sim.world.commands) == commands + 1, "nothing is sent twice"
    assert len(stored(hass)) == 1


async def test_lidarr_album_of_an_artist_in_lidarr(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["lidarr"])
    artist = lidarr_artist(sim, complete=True)
    album = _albums(sim, artist)[0]
    album.track_files, album.monitored = 0, False

    answer = await request(hass, artist=artist.name, album=album.title)

    assert answer["status"] == "requested"
    assert answer["request"]["lidarr_album_ids"] == [album.id]
    assert answer["request"]["lidarr_artist_id"] == artist.lidarr_id
    assert album.monitored
    assert sim.world.commands[-1].name == "AlbumSearch"


async def test_lidarr_album_already_in_library(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["lidarr"])
    artist = lidarr_artist(sim, complete=True)
    album = _albums(sim, artist)[0]
    commands = len(sim.world.commands)

    answer = await request(hass, artist=artist.name, album=album.title)

    assert answer == {
        "status": "already_in_library",
        "message": f"{artist.name} \u2013 {album.title} is already in the library.",
        "request": None,
    }
    assert len(sim.world.commands) == commands
    assert stored(hass) == []


async def test_lidarr_latest_album_of_a_new_artist(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["lidarr"])
    artist = catalog_artist(sim, index=1)

    answer = await request(hass, artist=artist.name, latest=True)

    newest = max(_albums(sim, artist), key=lambda a: a.release_date)
    assert answer["status"] == "requested"
    assert answer["request"]["album"] == newest.title
    assert answer["request"]["lidarr_album_ids"] == [newest.id]
    assert answer["request"]["lidarr_command_id"] is None
    assert [a.id for a in _albums(sim, artist) if a.monitored] == [newest.id]
    assert answer["message"] == f"Lidarr added and searches {artist.name} \u2013 {newest.title}."


async def test_lidarr_latest_album_of_an_artist_in_lidarr(
    hass: HomeAssistant, sim: Simulator
) -> None:
    await setup_stack(hass, sim, ["lidarr"])
    artist = lidarr_artist(sim, complete=True)
    today = sim.world.clock.now().date()
    released = [a for a in _albums(sim, artist) if a.release_date <= today]
    studio = [a for a in released if a.album_type == "Album"] or released
    newest = max(studio, key=lambda a: a.release_date)

    assert (await request(hass, artist=artist.name, latest=True))["status"] == "already_in_library"
    newest.track_files = 0
    answer = await request(hass, artist=artist.name, latest=True)
    assert answer["status"] == "requested"
    assert answer["request"]["lidarr_album_ids"] == [newest.id]


async def test_lidarr_whole_new_artist(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["lidarr"])
    artist = catalog_artist(sim, index=2)

    answer = await request(hass, artist=artist.name)

    assert answer["status"] == "requested"
    assert answer["message"] == f"Lidarr added {artist.name} and searches for its albums."
    assert answer["request"]["album"] is None
    assert answer["request"]["lidarr_album_ids"] == sorted(artist.album_ids)
    assert all(a.monitored for a in _albums(sim, artist))
    again = await request(hass, artist=artist.name)
    assert again["status"] == "already_requested"
    covered = await request(hass, artist=artist.name, album=_albums(sim, artist)[0].title)
    assert covered["status"] == "already_requested", "the whole artist covers its albums"
    assert covered["request"]["request_id"] == answer["request"]["request_id"]


async def test_lidarr_whole_artist_after_one_album(
    hass: HomeAssistant, sim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    await setup_stack(hass, sim, ["lidarr"])
    artist = catalog_artist(sim, index=11)
    album = _albums(sim, artist)[0]
    first = await request(hass, artist=artist.name, album=album.title)
    frozen.tick(1)
    whole = await request(hass, artist=artist.name)
    assert whole["status"] == "requested", "one album does not cover the artist"
    assert whole["request"]["request_id"] != first["request"]["request_id"]
    assert whole["request"]["album"] is None
    # nothing is requested twice: the album on its way is left out of the request and search
    today = sim.world.clock.now().date()
    others = sorted(
        a.id for a in _albums(sim, artist) if a.id != album.id and a.release_date <= today
    )
    assert others
    assert whole["request"]["lidarr_album_ids"] == others
    search = sim.world.commands[-1]
    assert (search.name, search.id) == ("AlbumSearch", whole["request"]["lidarr_command_id"])
    assert sorted(search.body["albumIds"]) == others
    assert whole["message"] == (
        f"Lidarr searches for the {len(others)} missing albums of {artist.name}; "
        "1 more is already on its way."
    )


async def test_lidarr_whole_new_artist_with_an_album_on_its_way(
    hass: HomeAssistant, sim: Simulator
) -> None:
    """An album on its way through another route: Lidarr adds the artist and searches the rest."""
    await setup_stack(hass, sim, ["lidarr", "qbittorrent"])
    artist = catalog_artist(sim, index=11)
    albums = _albums(sim, artist)
    assert len(albums) >= 2
    carried = albums[0]
    entry = hass.config_entries.async_get_entry(ENTRY_ID)
    assert entry is not None
    entry.runtime_data.requests.store.put(
        TrackedRequest(
            request_id="01ONITSWAY0000000000000000",
            route=Route.DOWNLOAD_CLIENT,
            backend_id=subentry_id("qbittorrent"),
            artist=artist.name.upper(),
            album=carried.title,
            stage=Stage.DOWNLOADING,
            torrent_hash=HASH,
        )
    )
    answer = await request(hass, artist=artist.name)
    assert answer["status"] == "requested"
    assert answer["message"] == (
        f"Lidarr added {artist.name} and searches for its albums; 1 more is already on its way."
    )
    others = sorted(a.id for a in albums if a.id != carried.id)
    assert answer["request"]["lidarr_album_ids"] == others
    search = sim.world.commands[-1]
    assert (search.name, search.id) == ("AlbumSearch", answer["request"]["lidarr_command_id"])
    assert sorted(search.body["albumIds"]) == others
    assert sim.world.torrent_for_album(carried.id) is None, "not grabbed a second time"


async def test_lidarr_whole_artist_with_every_album_on_its_way(
    hass: HomeAssistant, sim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    await setup_stack(hass, sim, ["lidarr"])
    artist = next(
        a
        for a in sim.world.lidarr_artists()
        if sum(not album.has_files for album in _albums(sim, a)) == 1
        and sum(a.name.lower() in b.name.lower() for b in sim.world.artists.values()) == 1
    )
    today = sim.world.clock.now().date()
    [missing] = [a for a in _albums(sim, artist) if not a.has_files]
    assert missing.release_date <= today
    first = await request(hass, artist=artist.name, album=missing.title)
    assert first["status"] == "requested"
    commands = len(sim.world.commands)
    frozen.tick(1)
    whole = await request(hass, artist=artist.name)
    assert whole["status"] == "already_requested"
    assert whole["request"]["request_id"] == first["request"]["request_id"]
    assert len(sim.world.commands) == commands, "no second search"


async def test_lidarr_whole_artist_in_lidarr(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["lidarr"])
    complete = lidarr_artist(sim, complete=True)
    assert (await request(hass, artist=complete.name))["status"] == "already_in_library"

    missing = lidarr_artist(sim, complete=False)
    today = sim.world.clock.now().date()
    wanted = [a.id for a in _albums(sim, missing) if not a.has_files and a.release_date <= today]
    sim.world.albums[wanted[0]].monitored = False
    answer = await request(hass, artist=missing.name)
    assert answer["status"] == "requested"
    assert answer["request"]["lidarr_album_ids"] == wanted
    assert sim.world.commands[-1].name == "ArtistSearch"
    assert all(sim.world.albums[i].monitored for i in wanted)
    assert answer["request"]["lidarr_command_id"] == sim.world.commands[-1].id
    assert answer["message"] == (
        f"Lidarr searches for the {len(wanted)} missing albums of {missing.name}."
    )


async def test_lidarr_by_musicbrainz_ids(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["lidarr"])
    artist = catalog_artist(sim, index=3)
    answer = await request(hass, musicbrainz_id=artist.mbid.upper())
    assert answer["request"]["artist_mbid"] == artist.mbid
    assert answer["request"]["album"] is None
    again = await request(hass, musicbrainz_id=artist.mbid)
    assert again["status"] == "already_requested"
    assert again["request"]["request_id"] == answer["request"]["request_id"]

    other = catalog_artist(sim, index=4)
    album = _albums(sim, other)[0]
    answer = await request(hass, musicbrainz_id=album.mbid)
    assert answer["status"] == "requested"
    assert answer["request"]["album"] == album.title
    assert answer["request"]["artist"] == other.name
    assert [a.id for a in _albums(sim, other) if a.monitored] == [album.id]

    again = await request(hass, musicbrainz_id=album.mbid)
    assert again["status"] == "already_requested"

    unknown = "00000000-0000-4000-8000-000000000000"
    message = await refused(hass, ServiceValidationError, musicbrainz_id=unknown)
    assert message == error_text("musicbrainz_id_not_found", value=unknown)


async def test_lidarr_latest_by_musicbrainz_id(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["lidarr"])
    artist = catalog_artist(sim, index=5)
    answer = await request(hass, musicbrainz_id=artist.mbid, latest=True)
    newest = max(_albums(sim, artist), key=lambda a: a.release_date)
    assert answer["request"]["lidarr_album_ids"] == [newest.id]


async def test_lidarr_does_not_know_it(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["lidarr"])
    message = await refused(hass, ServiceValidationError, artist="Nobody Plays This Zzz")
    assert message == error_text("artist_not_found", artist="Nobody Plays This Zzz")
    artist = lidarr_artist(sim, complete=True)
    message = await refused(hass, ServiceValidationError, artist=artist.name, album="No Such LP")
    assert message == error_text("album_not_found", artist=artist.name, album="No Such LP")
    assert stored(hass) == []


async def test_lidarr_lists_the_albums_of_a_new_artist_late(
    hass: HomeAssistant, sim: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(requesting.lidarr, "ALBUM_WAIT", 0.0)
    await setup_stack(hass, sim, ["lidarr"])
    artist = catalog_artist(sim, index=10)
    title = _albums(sim, artist)[0].title
    artist.album_ids.clear()  # as a real Lidarr before its refresh of the new artist
    message = await refused(hass, HomeAssistantError, artist=artist.name, album=title)
    assert message == error_text("lidarr_albums_pending", backend="Lidarr", artist=artist.name)
    assert artist.in_lidarr
    assert stored(hass) == []


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        (Fault.AUTH_REVOKED, error_text("invalid_auth", backend="Lidarr", error="").rstrip()),
        (Fault.DOWN, "Lidarr is unreachable."),
    ],
)
async def test_lidarr_refuses_or_is_down(
    hass: HomeAssistant, sim: Simulator, fault: Fault, message: str
) -> None:
    await setup_stack(hass, sim, ["lidarr", "navidrome"])
    await sim.set_fault("lidarr", fault)
    refusal = await refused(hass, HomeAssistantError, artist="Anyone", album="Anything")
    assert refusal.startswith(message)
    assert stored(hass) == []


async def test_qbittorrent_ban(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["qbittorrent"])
    await sim.set_fault("qbittorrent", Fault.SESSION_EXPIRED)
    await sim.set_fault("qbittorrent", Fault.BANNED)
    message = await refused(hass, HomeAssistantError, magnet=MAGNET)
    assert message.startswith("qBittorrent has banned Home Assistant's IP address")
    assert stored(hass) == []


async def test_lidarr_refusal_names_lidarr(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["lidarr"])
    await sim.set_fault("lidarr", Fault.HTTP_500)
    message = await refused(hass, HomeAssistantError, artist="Anyone")
    assert message.startswith(error_text("server_error", backend="Lidarr", error="").rstrip())
    assert stored(hass) == []


# --------------------------------------------------------------------------- search results


async def _search(hass: HomeAssistant, query: str, **data: Any) -> list[dict[str, Any]]:
    response = await hass.services.async_call(
        DOMAIN,
        "search",
        {"config_entry_id": ENTRY_ID, "query": query, **data},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    results: list[dict[str, Any]] = response["results"]  # type: ignore[assignment]
    return results


async def test_search_results_through_lidarr(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["lidarr", "navidrome"])
    artist = catalog_artist(sim, index=6)
    album = _albums(sim, artist)[0]
    hits = await _search(hass, album.title, kind="album", sources=["lidarr"])
    hit = next(h for h in hits if h["id"] == f"album:{album.mbid}")

    answer = await request(hass, result_id=hit["id"])
    assert answer["status"] == "requested"
    assert answer["request"]["album_mbid"] == album.mbid
    assert [a.id for a in _albums(sim, artist) if a.monitored] == [album.id]

    in_library = next(a for a in sim.world.navidrome_albums())
    hits = await _search(hass, in_library.title, kind="album", sources=["library"])
    library_hit = next(h for h in hits if h["id"].startswith("library:"))
    answer = await request(hass, result_id=library_hit["id"])
    assert answer["status"] == "already_in_library"
    assert answer["request"] is None


async def test_result_ids_that_cannot_be_used(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["lidarr"])
    message = await refused(hass, ServiceValidationError, result_id="nonsense")
    assert message == error_text("invalid_result_id", result_id="nonsense")
    expired = "release:" + "ab" * 20
    message = await refused(hass, ServiceValidationError, result_id=expired)
    assert message == error_text("search_result_expired", result_id=expired)
    other = catalog_artist(sim, index=7)
    answer = await request(hass, result_id=f"artist:{other.mbid}")
    assert answer["request"]["artist"] == other.name
    unknown = "00000000-0000-4000-8000-00000000000a"
    message = await refused(hass, ServiceValidationError, result_id=f"album:{unknown}")
    assert message == error_text("musicbrainz_id_not_found", value=unknown)


async def test_release_result_to_the_download_client(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["jackett", "qbittorrent"])
    artist = catalog_artist(sim, index=8)
    album = next(a for a in _albums(sim, artist) if _findable(sim, a))
    hits = await _search(hass, f"{artist.name} {album.title}", kind="release")
    hit = next(h for h in hits if h["kind"] == "release")

    answer = await request(hass, result_id=hit["id"])

    assert answer["status"] == "requested"
    tracked = answer["request"]
    assert tracked["route"] == "download_client"
    torrent = sim.world.torrents[tracked["torrent_hash"]]
    assert torrent.category == sim.world.music_category
    assert torrent.album_id == album.id


# --------------------------------------------------------------------------- Music Brain


async def test_music_brain_by_name(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["music_brain", "navidrome"])
    artist = catalog_artist(sim, index=9)
    album = _albums(sim, artist)[0]

    answer = await request(hass, artist=artist.name, album=album.title)

    assert answer["status"] == "requested"
    assert answer["request"]["route"] == "music_brain"
    assert answer["request"]["album"] == album.title
    assert answer["message"] == (
        f"StepheyBot Music Brain asked Lidarr to monitor {artist.name} and search its missing "
        "albums."
    )
    assert artist.in_lidarr, "the Music Brain added the artist to its Lidarr"
    again = await request(hass, artist=artist.name, album=album.title)
    assert again["status"] == "already_requested"


async def test_music_brain_already_in_library(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["music_brain", "navidrome"])
    album = next(a for a in sim.world.navidrome_albums())
    artist = sim.world.artist_of(album)
    answer = await request(hass, artist=artist.name, album=album.title)
    assert answer["status"] == "already_in_library"
    answer = await request(hass, artist=artist.name)
    assert answer["status"] == "already_in_library"
    assert sim.world.brain_requests == {}


async def test_music_brain_that_cannot_monitor(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["music_brain"])
    artist = lidarr_artist(sim, complete=False)
    message = await refused(hass, HomeAssistantError, artist=artist.name, album="Anything")
    assert message == error_text(
        "brain_not_monitoring",
        backend="StepheyBot Music Brain",
        artist=artist.name,
        reason="Artist monitoring failed but download is queued",
    )
    assert stored(hass) == []


async def test_music_brain_magnet(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["music_brain", "qbittorrent"])
    answer = await request(hass, magnet=MAGNET)

    tracked = answer["request"]
    assert tracked["route"] == "music_brain"
    assert tracked["torrent_hash"] == HASH
    queued = sim.world.brain_requests[tracked["brain_request_id"]]
    assert queued.magnet == MAGNET
    assert tracked["artist"] == "Some Band - Some Album"
    assert "PASSKEY" not in json.dumps(stored(hass)) + json.dumps(answer)
    assert (await request(hass, magnet=MAGNET))["status"] == "already_requested"


async def test_music_brain_needs_lidarr_for_ids(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["music_brain"])
    mbid = "00000000-0000-4000-8000-000000000000"
    message = await refused(hass, ServiceValidationError, musicbrainz_id=mbid)
    assert message == error_text("needs_lidarr", field="musicbrainz_id", stack=STACK_TITLE)
    message = await refused(hass, ServiceValidationError, artist="Anyone", latest=True)
    assert message == error_text("needs_lidarr", field="latest", stack=STACK_TITLE)


async def test_music_brain_down(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["music_brain", "navidrome"])
    await sim.set_fault("music_brain", Fault.DOWN)
    message = await refused(hass, HomeAssistantError, magnet=MAGNET)
    assert message.startswith("StepheyBot Music Brain is unreachable.")
    await sim.set_fault("navidrome", Fault.DOWN)
    message = await refused(hass, HomeAssistantError, artist="Anyone")
    assert message.startswith("Navidrome is unreachable.")
    assert stored(hass) == []


# --------------------------------------------------------------------------- download clients


@pytest.mark.parametrize("client", ["qbittorrent", "transmission"])
async def test_download_client_magnet(hass: HomeAssistant, sim: Simulator, client: str) -> None:
    await setup_stack(hass, sim, [client])
    title = {"qbittorrent": "qBittorrent", "transmission": "Transmission"}[client]

    answer = await request(hass, magnet=MAGNET)

    assert answer["status"] == "requested"
    assert answer["message"] == f"{title} is downloading Some Band - Some Album."
    tracked = answer["request"]
    assert tracked["route"] == "download_client"
    assert tracked["torrent_hash"] == HASH
    torrent = sim.world.torrents[HASH]
    assert torrent.category == sim.world.music_category
    assert "PASSKEY" not in json.dumps(stored(hass)) + json.dumps(answer)

    again = await request(hass, magnet=MAGNET)
    assert again["status"] == "already_requested"
    assert again["request"]["request_id"] == tracked["request_id"]


@pytest.mark.parametrize("client", ["qbittorrent", "transmission"])
async def test_download_client_already_had_it(
    hass: HomeAssistant, sim: Simulator, client: str
) -> None:
    await setup_stack(hass, sim, [client])
    torrent = next(iter(sim.world.torrents.values()))
    answer = await request(hass, magnet=f"magnet:?xt=urn:btih:{torrent.hash.upper()}")
    assert answer["message"].split(" ", 1)[1].startswith("already had")
    assert answer["request"]["torrent_hash"] == torrent.hash


async def test_download_client_needs_a_release(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["transmission"])
    message = await refused(hass, ServiceValidationError, artist="Anyone", album="Anything")
    assert message == error_text("needs_release", field="artist", stack=STACK_TITLE)


async def test_download_client_down(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["qbittorrent"])
    await sim.set_fault("qbittorrent", Fault.DOWN)
    message = await refused(hass, HomeAssistantError, magnet=MAGNET)
    assert message.startswith("qBittorrent is unreachable.")
    assert stored(hass) == []
    assert HASH not in sim.world.torrents


async def test_without_any_backend_that_downloads(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["navidrome"])
    message = await refused(hass, ServiceValidationError, artist="Anyone")
    assert message == error_text("no_request_backend", stack=STACK_TITLE)
    message = await refused(hass, ServiceValidationError, magnet=MAGNET)
    assert message == error_text("needs_download_client", stack=STACK_TITLE)


# --------------------------------------------------------------------------- input


@pytest.mark.parametrize(
    ("data", "key", "placeholders"),
    [
        ({}, "nothing_requested", {}),
        ({"artist": "  "}, "nothing_requested", {}),
        ({"album": "Kid A"}, "album_without_artist", {}),
        ({"magnet": MAGNET, "album": "Kid A"}, "album_without_artist", {}),
        (
            {"artist": "A", "magnet": MAGNET, "result_id": "x"},
            "several_requested",
            {"fields": "artist, result_id, magnet"},
        ),
        ({"artist": "A", "album": "B", "latest": True}, "latest_with_album", {}),
        ({"magnet": MAGNET, "latest": True}, "latest_without_artist", {"field": "magnet"}),
        ({"musicbrainz_id": "not-an-id"}, "invalid_musicbrainz_id", {"value": "not-an-id"}),
        ({"magnet": "magnet:?dn=nothing"}, "invalid_magnet", {}),
        ({"magnet": "https://example.com/x.torrent"}, "invalid_magnet", {}),
        ({"artist": "x" * 201}, "text_too_long", {"field": "artist", "max": "200"}),
    ],
)
async def test_bad_input(
    hass: HomeAssistant,
    sim: Simulator,
    data: dict[str, Any],
    key: str,
    placeholders: dict[str, str],
) -> None:
    await setup_stack(hass, sim, ["lidarr", "qbittorrent"])
    message = await refused(hass, ServiceValidationError, **data)
    assert message == error_text(key, **placeholders)
    assert stored(hass) == []


def test_magnet_parts() -> None:
    assert magnet_parts(MAGNET) == (HASH, "Some Band - Some Album")
    base32 = "AEBAGBAFAYDQQCIKBMGA2DQPCAIREEYU"
    assert magnet_parts(f"magnet:?xt=urn:btih:{base32}") == (
        "0102030405060708090a0b0c0d0e0f1011121314",
        None,
    )
    assert magnet_parts("magnet:?xt=urn:btih:xyz") is None
    assert magnet_parts("MAGNET:?xt=urn:sha1:abc&xt=urn:btih:" + HASH.upper()) == (HASH, None)
