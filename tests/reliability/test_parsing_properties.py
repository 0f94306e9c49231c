"""Property tests: every parser of backend payloads, fed anything, fails only as documented.

The clients call their parsers inside ``parsing(...)``, which turns shape errors into
:class:`UnexpectedResponseError`. So for any JSON-like input a parser, called that way, must
return or raise ``UnexpectedResponseError``: never let another exception escape (which the
exporter would report as ``internal`` and Home Assistant as a crash), and never hang.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stepheybot_music_clients import servarr, timestamps
from stepheybot_music_clients.docker import models as docker_models
from stepheybot_music_clients.errors import UnexpectedResponseError
from stepheybot_music_clients.gluetun import models as gluetun_models
from stepheybot_music_clients.indexers import jackett, prowlarr
from stepheybot_music_clients.lidarr import models as lidarr
from stepheybot_music_clients.music_brain import models as brain_models
from stepheybot_music_clients.qbittorrent import models as qb_models
from stepheybot_music_clients.qbittorrent import parse as qb_parse
from stepheybot_music_clients.qbittorrent import stream as qb_stream
from stepheybot_music_clients.qbittorrent.stream import NotStreamableError
from stepheybot_music_clients.qbittorrent.sync import MainDataStore
from stepheybot_music_clients.subsonic import client as subsonic
from stepheybot_music_clients.transmission import parse as tr_parse
from stepheybot_music_clients.transport import parsing

from .jsonish import json_values, keys_read_by, shaped

type Parser = Callable[[Any], object]


def _maindata(data: Any) -> object:
    """Two ``sync/maindata`` replies in a row (a full update, then a delta), as the client reads
    them: the streaming reader first, ``json.loads`` when the body is not streamable."""
    store = MainDataStore()
    body = json.dumps(data, allow_nan=True).encode()
    for _ in range(2):
        try:
            update = store.prepare_body(body)
        except NotStreamableError:
            update = store.prepare(json.loads(body))
        store.commit(update)
    return store


PARSERS: list[tuple[str, Parser, tuple[ModuleType, ...]]] = [
    ("qbittorrent.torrent_list", qb_parse.parse_torrent_list, (qb_parse,)),
    ("qbittorrent.torrent", lambda d: qb_parse.parse_torrent("a" * 40, d), (qb_parse,)),
    ("qbittorrent.categories", qb_parse.parse_categories, (qb_parse,)),
    ("qbittorrent.transfer_info", qb_parse.parse_transfer_info, (qb_parse,)),
    ("qbittorrent.server_state", qb_parse.parse_server_state, (qb_parse,)),
    ("qbittorrent.maindata", _maindata, (qb_parse, qb_stream)),
    ("qbittorrent.torrent_state", qb_models.TorrentState.from_api, (qb_models,)),
    ("qbittorrent.connection_status", qb_models.ConnectionStatus.from_api, (qb_models,)),
    ("transmission.torrents", tr_parse.parse_torrents, (tr_parse,)),
    ("transmission.torrent", tr_parse.parse_torrent, (tr_parse,)),
    ("transmission.ids", tr_parse.parse_ids, (tr_parse,)),
    ("lidarr.disk_space", lidarr.parse_disk_space, (lidarr,)),
    ("lidarr.root_folder", lidarr.parse_root_folder, (lidarr,)),
    ("lidarr.queue_status", lidarr.parse_queue_status, (lidarr,)),
    ("lidarr.queue_item", lidarr.parse_queue_item, (lidarr,)),
    ("lidarr.artist", lidarr.parse_artist, (lidarr,)),
    ("lidarr.album", lidarr.parse_album, (lidarr,)),
    ("lidarr.quality_profile", lidarr.parse_quality_profile, (lidarr,)),
    ("lidarr.metadata_profile", lidarr.parse_metadata_profile, (lidarr,)),
    ("lidarr.command", lidarr.parse_command, (lidarr,)),
    ("lidarr.history_record", lidarr.parse_history_record, (lidarr,)),
    ("lidarr.library_stats", lidarr.library_stats_of_payload, (lidarr,)),
    ("lidarr.queue_page", lambda d: servarr.parse_page(d, lidarr.parse_queue_item), (lidarr,)),
    ("servarr.health", servarr.parse_health, (servarr,)),
    ("servarr.system_status", servarr.parse_system_status, (servarr,)),
    ("servarr.time", servarr.parse_time, (servarr,)),
    ("servarr.timespan", servarr.parse_timespan, (servarr,)),
    ("jackett.indexer", jackett.parse_indexer, (jackett,)),
    ("jackett.result", jackett.parse_result, (jackett,)),
    ("jackett.search_status", jackett.parse_search_status, (jackett,)),
    ("prowlarr.release", prowlarr.parse_release, (prowlarr,)),
    ("subsonic.time", subsonic.parse_time, (subsonic,)),
    ("timestamps.timestamp", timestamps.parse_timestamp, (timestamps,)),
    ("docker.container_state", docker_models.ContainerState.from_api, (docker_models,)),
    ("docker.container_health", docker_models.ContainerHealth.from_api, (docker_models,)),
    ("gluetun.vpn_status", gluetun_models.VpnStatus.from_api, (gluetun_models,)),
    ("music_brain.download_state", brain_models.DownloadState.from_api, (brain_models,)),
]


@cache
def payloads(modules: tuple[ModuleType, ...]) -> st.SearchStrategy[Any]:
    """Objects with the keys these modules read, or any JSON value."""
    return shaped(keys_read_by(*modules)) | json_values()


@pytest.mark.parametrize(
    ("parser", "modules"), [(p, m) for _, p, m in PARSERS], ids=[name for name, _, _ in PARSERS]
)
@settings(
    max_examples=50,
    deadline=2000,  # a hang fails the example instead of stopping the test run
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_parser_fails_only_as_documented(
    parser: Parser, modules: tuple[ModuleType, ...], data: st.DataObject
) -> None:
    payload = data.draw(payloads(modules), label="payload")
    error: UnexpectedResponseError | None = None
    try:
        with parsing("Backend", "a payload"):
            parser(payload)
    except UnexpectedResponseError as err:
        error = err
    assert error is None or error.message.startswith("Backend sent a payload in a shape")
