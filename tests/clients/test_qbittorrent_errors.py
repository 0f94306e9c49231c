"""The qBittorrent client against misbehaving peers: garbage, wrong shapes, odd auth answers.

A tiny scripted aiohttp server on loopback plays each case; the merge of
``sync/maindata`` deltas is checked step by step, and its cost at 10,000 torrents.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from stepheybot_music_clients.errors import (
    AlreadyExistsError,
    BackendRequestError,
    InvalidAuthError,
    IpBannedError,
    UnexpectedResponseError,
    WrongApplicationError,
)
from stepheybot_music_clients.qbittorrent import (
    ConnectionStatus,
    QBittorrentClient,
    TorrentState,
)
from stepheybot_music_clients.qbittorrent.sync import MainDataStore

from tests.loopback import serve

PASSWORD = "pw-Very-Secret-1"
COOKIE = "QBT_SID_1=abc123"
LOGIN = "/api/v2/auth/login"
H1, H2, H3 = "a" * 40, "b" * 40, "c" * 40

type Reply = Callable[[web.Request], web.Response]


@dataclass
class Script:
    """Scripted answers by path (a list is served in order, the last one repeats)."""

    replies: dict[str, list[Reply]] = field(default_factory=dict)
    seen: list[tuple[str, dict[str, str], str | None]] = field(default_factory=list)

    def on(self, path: str, *replies: Reply) -> None:
        self.replies["/api/v2/" + path] = list(replies)

    def paths(self) -> list[str]:
        return [path for path, _, _ in self.seen]

    def rids(self) -> list[str]:
        return [q["rid"] for p, q, _ in self.seen if p.endswith("maindata")]

    async def handle(self, request: web.Request) -> web.Response:
        self.seen.append((request.path, dict(request.query), request.headers.get("Cookie")))
        queue = self.replies.get(request.path)
        if not queue:
            return web.Response(status=404, text="Not Found")
        reply = queue.pop(0) if len(queue) > 1 else queue[0]
        return reply(request)


def text(body: str, status: int = 200) -> Reply:
    return lambda _: web.Response(status=status, text=body)


def as_json(payload: object, status: int = 200) -> Reply:
    body = json.dumps(payload)
    return lambda _: web.Response(status=status, text=body, content_type="application/json")


def login_ok() -> Reply:
    def reply(_: web.Request) -> web.Response:
        response = web.Response(status=204)
        response.headers["Set-Cookie"] = f"{COOKIE}; HttpOnly; path=/"
        return response

    return reply


def torrent(name: str, **fields: Any) -> dict[str, Any]:
    base = {
        "name": name,
        "state": "stoppedDL",
        "category": "music",
        "tags": "",
        "size": 1000,
        "progress": 0.0,
        "dlspeed": 0,
        "upspeed": 0,
        "eta": 8640000,
        "added_on": 1700000000,
        "completion_on": -1,
        "save_path": "/downloads",
        "amount_left": 1000,
        "downloaded": 0,
        "uploaded": 0,
        "num_seeds": 0,
        "num_leechs": 0,
        "ratio": 0,
    }
    return {**base, **fields}


@pytest.fixture
async def script() -> AsyncIterator[tuple[Script, str]]:
    script = Script()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", script.handle)
    async with serve(app) as url:
        yield script, url


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def make(http: aiohttp.ClientSession, url: str, password: str = PASSWORD) -> QBittorrentClient:
    return QBittorrentClient(http, url, username="admin", password=password)


# --- not qBittorrent ------------------------------------------------------------------------


async def test_html_login_page_is_wrong_application(script, http) -> None:
    scr, url = script
    scr.on("auth/login", text("<html><body>Welcome to nginx</body></html>"))
    with pytest.raises(WrongApplicationError) as err:
        await make(http, url).probe()
    assert "is not a qBittorrent Web UI: /api/v2/auth/login answered HTTP 200" in err.value.message
    assert "Welcome to nginx" in err.value.message


async def test_missing_login_endpoint_is_wrong_application(script, http) -> None:
    _, url = script
    with pytest.raises(WrongApplicationError) as err:
        await make(http, url).probe()
    assert "answered HTTP 404" in err.value.message
    assert "Check the URL and port" in err.value.message


async def test_html_version_is_wrong_application(script, http) -> None:
    scr, url = script
    scr.on("auth/login", login_ok())
    scr.on("app/version", text("<!DOCTYPE html><html></html>"))
    scr.on("app/webapiVersion", text("2.16.2"))
    with pytest.raises(WrongApplicationError) as err:
        await make(http, url).probe()
    assert "/api/v2/app/version answered HTTP 200" in err.value.message


async def test_garbage_api_version_is_wrong_application(script, http) -> None:
    scr, url = script
    scr.on("auth/login", login_ok())
    scr.on("app/version", text("v5.3.0"))
    scr.on("app/webapiVersion", text("banana"))
    with pytest.raises(WrongApplicationError) as err:
        await make(http, url).probe()
    assert "/api/v2/app/webapiVersion" in err.value.message


async def test_unparsable_api_version_outside_probe(script, http) -> None:
    scr, url = script
    scr.on("auth/login", login_ok())
    scr.on("app/webapiVersion", text("2"))
    with pytest.raises(UnexpectedResponseError) as err:
        await make(http, url).stop(["x" * 40])
    assert "its WebAPI version in a shape we do not understand" in err.value.message


# --- authentication oddities ----------------------------------------------------------------


async def test_cookie_is_sent_back_by_header_and_secrets_stay_hidden(script, http) -> None:
    scr, url = script
    scr.on("auth/login", login_ok())
    scr.on("transfer/info", as_json({"connection_status": "connected", "dht_nodes": 7}))
    client = make(http, url)
    info = await client.transfer_info()
    assert info.connection_status is ConnectionStatus.CONNECTED
    assert info.dht_nodes == 7
    assert info.last_external_address_v4 is None
    assert scr.seen[0][2] is None  # the login carries no old cookie
    assert scr.seen[1][2] == COOKIE
    assert PASSWORD not in repr(client)
    assert "abc123" not in repr(client)


async def test_login_without_cookie_means_no_auth_needed(script, http) -> None:
    scr, url = script
    scr.on("auth/login", text("Ok."))
    scr.on("transfer/speedLimitsMode", text("0"))
    client = make(http, url)
    assert await client.alternative_speed_limits() is False
    assert scr.seen[1][2] is None
    assert client.logged_in


async def test_login_403_is_a_ban(script, http) -> None:
    scr, url = script
    scr.on("auth/login", text("Forbidden", 403))
    client = make(http, url)
    with pytest.raises(IpBannedError) as err:
        await client.probe()
    assert err.value.retry_after == 3600
    assert "about 60 minute(s)" in err.value.message
    with pytest.raises(IpBannedError):
        await client.sync()
    assert scr.paths() == [LOGIN]


async def test_ban_text_on_an_api_call(script, http) -> None:
    scr, url = script
    scr.on("auth/login", login_ok())
    scr.on(
        "sync/maindata",
        text("Your IP address has been banned after too many failed authentication attempts.", 403),
    )
    client = make(http, url)
    with pytest.raises(IpBannedError):
        await client.sync()
    with pytest.raises(IpBannedError):
        await client.sync()
    assert scr.paths() == [LOGIN, "/api/v2/sync/maindata"]


async def test_forbidden_even_after_relogin_does_not_loop(script, http) -> None:
    scr, url = script
    scr.on("auth/login", login_ok())
    scr.on("transfer/info", text("Forbidden", 403))
    client = make(http, url)
    with pytest.raises(UnexpectedResponseError) as err:
        await client.transfer_info()
    assert "refused /api/v2/transfer/info (HTTP 403) even right after a successful login" in (
        err.value.message
    )
    assert scr.paths() == [LOGIN, "/api/v2/transfer/info", LOGIN, "/api/v2/transfer/info"]


async def test_relogin_rejected_is_remembered(script, http) -> None:
    scr, url = script
    scr.on("auth/login", login_ok(), text("Fails."))
    scr.on("transfer/info", as_json({}), text("Forbidden", 403))
    client = make(http, url)
    await client.transfer_info()
    with pytest.raises(InvalidAuthError):
        await client.transfer_info()
    with pytest.raises(InvalidAuthError):
        await client.transfer_info()
    assert scr.paths().count(LOGIN) == 2


async def test_401_on_an_api_call_explains_host_validation(script, http) -> None:
    scr, url = script
    scr.on("auth/login", login_ok())
    scr.on("torrents/categories", text("Unauthorized", 401))
    with pytest.raises(UnexpectedResponseError) as err:
        await make(http, url).categories()
    assert "Host header validation or cross-site protection" in err.value.message


async def test_unknown_login_status_is_wrong_application(script, http) -> None:
    scr, url = script
    scr.on("auth/login", text("teapot", 418))
    with pytest.raises(WrongApplicationError):
        await make(http, url).sync()


# --- garbage payloads -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ("[1, 2, 3]", "the sync/maindata reply is a list, expected a JSON object"),
        ('{"full_update": true}', "the reply has no valid 'rid'"),
        ('{"rid": 1, "torrents": []}', "'torrents' is a list, expected a JSON object"),
        (
            json.dumps({"rid": 1, "full_update": True, "torrents": {H1: {"size": "big"}}}),
            "field 'size' is 'big', expected an integer",
        ),
        (
            json.dumps({"rid": 1, "full_update": True, "torrents": {H1: {"progress": None}}}),
            "field 'progress' is None, expected a number",
        ),
        (
            '{"rid": 1, "full_update": "yes"}',
            "field 'full_update' is 'yes', expected true or false",
        ),
        ('{"rid": 1, "torrents_removed": "abc"}', "'torrents_removed' is 'abc'"),
        ('{"rid": 1, "server_state": {"global_ratio": "lots"}}', "could not convert string"),
        ('{"rid": 1, "categories": {"x": 3}}', "category 'x' is a int"),
        ('{"rid": 1, "server_state": {"dht_nodes": 1.5}}', "field 'dht_nodes' is 1.5"),
        ('{"rid": 1, "server_state": {"connection_status": 4}}', "field 'connection_status' is 4"),
    ],
)
async def test_maindata_in_a_wrong_shape(script, http, payload: str, expected: str) -> None:
    scr, url = script
    scr.on("auth/login", login_ok())
    good = {"rid": 1, "full_update": True, "torrents": {H2: torrent("Good")}}
    scr.on("sync/maindata", as_json(good), text(payload), as_json(good))
    client = make(http, url)
    assert set((await client.sync()).torrents) == {H2}
    with pytest.raises(UnexpectedResponseError) as err:
        await client.sync()
    assert "sent sync/maindata in a shape we do not understand" in err.value.message
    assert expected in err.value.message
    # the merge was all-or-nothing and starts over with a full update
    assert set((await client.sync()).torrents) == {H2}
    assert scr.rids() == ["0", "1", "0"]


async def test_maindata_not_json(script, http) -> None:
    scr, url = script
    scr.on("auth/login", login_ok())
    scr.on("sync/maindata", text("<html>oops</html>"))
    with pytest.raises(UnexpectedResponseError) as err:
        await make(http, url).sync()
    assert "sent a response that is not valid JSON" in err.value.message
    assert "<html>oops</html>" in err.value.message


async def test_maindata_server_error(script, http) -> None:
    scr, url = script
    scr.on("auth/login", login_ok())
    scr.on("sync/maindata", text("boom", 500))
    with pytest.raises(UnexpectedResponseError) as err:
        await make(http, url).sync()
    assert "internal error (HTTP 500) answering /api/v2/sync/maindata" in err.value.message


@pytest.mark.parametrize(
    ("path", "payload", "call", "expected"),
    [
        ("transfer/info", "[]", "transfer_info", "the transfer info is a list"),
        ("torrents/categories", '{"a": []}', "categories", "category 'a' is a list"),
        ("torrents/info", "{}", "torrents", "the torrent list is a dict"),
        ("torrents/info", "[3]", "torrents", "a torrent is a int"),
        ("torrents/info", '[{"hash": 5}]', "torrents", "field 'hash' is 5"),
        ("transfer/speedLimitsMode", "maybe", "alternative_speed_limits", "'maybe' as the speed"),
    ],
)
async def test_other_payloads_in_a_wrong_shape(  # noqa: PLR0917
    script, http, path: str, payload: str, call: str, expected: str
) -> None:
    scr, url = script
    scr.on("auth/login", login_ok())
    scr.on(path, text(payload))
    with pytest.raises(UnexpectedResponseError) as err:
        await getattr(make(http, url), call)()
    assert expected in err.value.message


@pytest.mark.parametrize(
    "payload",
    ['{"success_count": "x", "failure_count": 0}', "[]", '{"added_torrent_ids": 3}', "{}"],
)
async def test_add_reply_in_a_wrong_shape(script, http, payload: str) -> None:
    scr, url = script
    scr.on("auth/login", login_ok())
    scr.on("torrents/add", text(payload))
    with pytest.raises(UnexpectedResponseError) as err:
        await make(http, url).add_torrent(["magnet:?xt=urn:btih:" + H1])
    assert "the torrents/add reply in a shape we do not understand" in err.value.message


async def test_add_needs_urls(script, http) -> None:
    _, url = script
    with pytest.raises(ValueError, match="at least one URL"):
        await make(http, url).add_torrent([])


async def test_add_duplicate_is_already_exists(script, http) -> None:
    scr, url = script
    scr.on("auth/login", login_ok())
    scr.on("torrents/add", text("Conflict", 409))
    scr.on("torrents/info", as_json([{"hash": H1, **torrent("Dup")}]))
    with pytest.raises(AlreadyExistsError) as err:
        await make(http, url).add_torrent(["magnet:?xt=urn:btih:" + H1.upper()])
    assert err.value.message == "qBittorrent already has this torrent."
    assert scr.seen[-1][1] == {"hashes": H1}


async def test_pending_add(script, http) -> None:
    scr, url = script
    scr.on("auth/login", login_ok())
    reply = {"added_torrent_ids": [], "failure_count": 0, "pending_count": 1, "success_count": 0}
    scr.on("torrents/add", as_json(reply, status=202))
    result = await make(http, url).add_torrent(["https://example.invalid/a.torrent"])
    assert result.pending_count == 1
    assert result.success_count == 0


async def test_bad_request_is_a_request_error(script, http) -> None:
    scr, url = script
    scr.on("auth/login", login_ok())
    scr.on("torrents/createCategory", text("Category cannot be empty", 400))
    with pytest.raises(BackendRequestError) as err:
        await make(http, url).create_category("")
    assert err.value.code == 400
    assert "Category cannot be empty" in err.value.message


async def test_invalid_category_name(script, http) -> None:
    scr, url = script
    scr.on("auth/login", login_ok())
    scr.on("torrents/createCategory", text("Incorrect category name", 409))
    scr.on("torrents/categories", as_json({}))
    with pytest.raises(BackendRequestError) as err:
        await make(http, url).create_category("a//b")
    assert not isinstance(err.value, AlreadyExistsError)
    assert "the name is not valid" in err.value.message


# --- the merge ------------------------------------------------------------------------------


def test_merge_field_by_field() -> None:
    store = MainDataStore()
    full = store.apply(
        {
            "rid": 1,
            "full_update": True,
            "torrents": {
                H1: torrent("One", tags="a, b", state="downloading", eta=60),
                H2: torrent("Two", state="pausedUP", progress=1.0, completion_on=1700000500),
            },
            "categories": {"music": {"name": "music", "savePath": "/m"}},
            "tags": ["a", "b"],
            "server_state": {"dl_info_speed": 5, "free_space_on_disk": -1, "global_ratio": "-"},
        }
    )
    one, two = full.torrents[H1], full.torrents[H2]
    assert full.full_update
    assert full.changed == {H1, H2}
    assert one.tags == ("a", "b")
    assert one.state is TorrentState.DOWNLOADING
    assert one.eta == 60
    assert two.state is TorrentState.STOPPED
    assert two.is_complete
    assert two.completion_on is not None
    assert two.completion_on.timestamp() == 1700000500
    assert full.server_state.free_space_on_disk is None
    assert full.server_state.global_ratio is None
    assert full.categories["music"].save_path == "/m"

    # only H1's progress changes; a torrent arrives; a tag and server fields change
    delta = store.apply(
        {
            "rid": 2,
            "torrents": {H1: {"progress": 0.5}, H3: torrent("Three", state="metaDL")},
            "tags": ["c"],
            "tags_removed": ["a"],
            "server_state": {"free_space_on_disk": 1234, "global_ratio": "1.50"},
        }
    )
    assert not delta.full_update
    assert delta.changed == {H1, H3}
    assert delta.torrents[H1].progress == 0.5
    assert delta.torrents[H1].name == "One"
    assert delta.torrents[H1].state is TorrentState.DOWNLOADING
    assert delta.torrents[H2] is two
    assert delta.torrents[H3].state is TorrentState.METADATA
    assert delta.tags == ("b", "c")
    assert delta.categories is full.categories
    assert delta.server_state.dl_info_speed == 5
    assert delta.server_state.free_space_on_disk == 1234
    assert delta.server_state.global_ratio == 1.5
    # the earlier snapshot did not change
    assert full.torrents[H1].progress == 0.0
    assert H3 not in full.torrents

    idle = store.apply({"rid": 3})
    assert idle.torrents is delta.torrents
    assert idle.server_state is delta.server_state
    assert not idle.changed

    gone = store.apply(
        {
            "rid": 4,
            "torrents_removed": [H2],
            "categories": {"jazz": {"name": "jazz", "savePath": ""}},
            "categories_removed": ["music"],
        }
    )
    assert gone.removed == {H2}
    assert set(gone.torrents) == {H1, H3}
    assert set(gone.categories) == {"jazz"}

    replaced = store.apply({"rid": 9, "full_update": True, "torrents": {H3: torrent("Three")}})
    assert set(replaced.torrents) == {H3}
    assert replaced.removed == {H1}
    assert replaced.categories == {}
    assert replaced.tags == ()
    assert store.rid == 9


@pytest.mark.parametrize(
    ("raw", "state"),
    [
        ("downloading", TorrentState.DOWNLOADING),
        ("forcedDL", TorrentState.DOWNLOADING),
        ("uploading", TorrentState.SEEDING),
        ("forcedUP", TorrentState.SEEDING),
        ("stalledDL", TorrentState.STALLED_DOWNLOADING),
        ("stalledUP", TorrentState.STALLED_UPLOADING),
        ("pausedDL", TorrentState.STOPPED),
        ("pausedUP", TorrentState.STOPPED),
        ("stoppedDL", TorrentState.STOPPED),
        ("stoppedUP", TorrentState.STOPPED),
        ("queuedDL", TorrentState.QUEUED),
        ("queuedUP", TorrentState.QUEUED),
        ("checkingDL", TorrentState.CHECKING),
        ("checkingUP", TorrentState.CHECKING),
        ("checkingResumeData", TorrentState.CHECKING),
        ("moving", TorrentState.MOVING),
        ("metaDL", TorrentState.METADATA),
        ("forcedMetaDL", TorrentState.METADATA),
        ("error", TorrentState.ERROR),
        ("missingFiles", TorrentState.ERROR),
        ("unknown", TorrentState.UNKNOWN),
        ("somethingNew", TorrentState.UNKNOWN),
    ],
)
def test_states_of_both_generations(raw: str, state: TorrentState) -> None:
    assert TorrentState.from_api(raw) is state


def test_unknown_connection_status() -> None:
    assert ConnectionStatus.from_api("sideways") is ConnectionStatus.UNKNOWN


def test_no_change_poll_at_10000_torrents_rebuilds_nothing() -> None:
    """Structure, not timing (timings live in bench/): an idle reply reuses everything."""
    store = MainDataStore()
    torrents = {f"{i:040x}": torrent(f"Album {i}") for i in range(10_000)}
    first = store.apply({"rid": 1, "full_update": True, "torrents": torrents, "server_state": {}})
    idle = store.apply({"rid": 2})
    assert idle.torrents is first.torrents
    assert not idle.changed
    changed_hash = f"{5:040x}"
    one = store.apply({"rid": 3, "torrents": {changed_hash: {"dlspeed": 7}}})
    assert one.changed == frozenset({changed_hash})
    assert one.torrents[changed_hash].dlspeed == 7
    unchanged = [h for h in one.torrents if h != changed_hash]
    assert all(one.torrents[h] is first.torrents[h] for h in unchanged)


async def test_missing_api_version_endpoint_is_wrong_application(script, http) -> None:
    scr, url = script
    scr.on("auth/login", login_ok())
    scr.on("app/version", text("v5.3.0"))
    with pytest.raises(WrongApplicationError) as err:
        await make(http, url).probe()
    assert "/api/v2/app/webapiVersion answered HTTP 404" in err.value.message


async def test_empty_selections_send_nothing(script, http) -> None:
    _, url = script
    client = make(http, url)
    assert client.username == "admin"
    await client.stop([])
    await client.start([])
    await client.delete([], delete_files=True)
    assert client.stats.requests == 0


async def test_failed_add_of_new_magnets_is_not_already_exists(script, http) -> None:
    scr, url = script
    scr.on("auth/login", login_ok())
    scr.on("torrents/add", text("Fails."))
    scr.on("torrents/info", as_json([]))
    with pytest.raises(BackendRequestError) as err:
        await make(http, url).add_torrent(["magnet:?xt=urn:btih:" + H1])
    assert not isinstance(err.value, AlreadyExistsError)
    assert "added none of the 1 torrent(s)" in err.value.message


def test_lenient_but_typed_values() -> None:
    data = MainDataStore().apply(
        {
            "rid": 1,
            "full_update": True,
            "torrents": {H1: torrent("Float size", size=1000.0, save_path=None)},
            "server_state": {"global_ratio": 2.5},
        }
    )
    assert data.torrents[H1].size == 1000
    assert data.torrents[H1].save_path == ""
    assert data.server_state.global_ratio == 2.5
