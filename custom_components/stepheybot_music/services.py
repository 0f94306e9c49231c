"""The integration's actions, each aimed at one stack by ``config_entry_id``.

Every action is one :class:`Action` in :data:`ACTIONS`: its name, its fields (beyond
``config_entry_id``), whether it answers, and its handler. Adding an action is adding a
handler and one line there (plus its ``services.yaml`` entry, texts and icon).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial
from typing import Any

import probatio
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import config_validation as cv
from stepheybot_music_clients.errors import StackError

from .action_errors import backend_failed, failed, invalid
from .const import DOMAIN
from .coordinators.download_client import DownloadClientRuntime
from .coordinators.lidarr import LidarrRuntime
from .coordinators.music_brain import MusicBrainRuntime
from .coordinators.navidrome import NavidromeRuntime
from .diagnosis import observe, request_dict
from .requesting import async_request_download
from .runtime import BackendRuntime, StepheyBotConfigEntry
from .search import MAX_LIMIT, SearchKind, SearchSource, async_search
from .tracking.models import Stage
from .upgrades import async_search_upgrades

ATTR_CONFIG_ENTRY_ID = "config_entry_id"

MAX_QUERY = 200
DEFAULT_SEARCH_LIMIT = 20
MAX_REQUESTS_LIMIT = 500
DEFAULT_REQUESTS_LIMIT = 50

type Handler = Callable[
    [HomeAssistant, StepheyBotConfigEntry, ServiceCall], Awaitable[ServiceResponse]
]


@dataclass(frozen=True, slots=True)
class Action:
    """One action: its fields (besides ``config_entry_id``), response support and handler."""

    name: str
    handler: Handler
    fields: dict[Any, Any] = field(default_factory=dict)
    response: SupportsResponse = SupportsResponse.NONE

    @property
    def schema(self) -> probatio.Schema:
        """The call's schema: the stack and the action's own fields."""
        return probatio.Schema({probatio.Required(ATTR_CONFIG_ENTRY_ID): cv.string, **self.fields})


# --------------------------------------------------------------------------- helpers


def stack_of(hass: HomeAssistant, entry_id: str) -> StepheyBotConfigEntry:
    """The loaded stack ``entry_id``; a translated error when it is not one."""
    entry = hass.config_entries.async_get_entry(entry_id)
    if entry is None or entry.domain != DOMAIN:
        raise invalid("not_a_stack", entry_id=entry_id[:60])
    if entry.state is not ConfigEntryState.LOADED:
        raise invalid("stack_not_loaded", stack=entry.title)
    stack: StepheyBotConfigEntry = entry
    return stack


def _limit(call: ServiceCall, default: int, maximum: int) -> int:
    value: int = call.data.get("limit", default)
    if not 1 <= value <= maximum:
        raise invalid("out_of_range", field="limit", min="1", max=str(maximum))
    return value


def _check_allowed(field: str, values: Iterable[str], allowed: type[StrEnum]) -> None:
    names = [str(member) for member in allowed]
    if any(value not in names for value in values):
        raise invalid("not_allowed", field=field, allowed=", ".join(names))


def _backends[RuntimeT: BackendRuntime](
    entry: StepheyBotConfigEntry, cls: type[RuntimeT], application: str
) -> list[RuntimeT]:
    """The stack's backends of a kind; a translated error when it has none."""
    found = entry.runtime_data.of_type(cls)
    if not found:
        raise invalid("no_backend", stack=entry.title, backend=application)
    return found


async def _guarded[T](backend: BackendRuntime, work: Awaitable[T]) -> T:
    try:
        return await work
    except StackError as err:
        raise backend_failed(backend.ref, err) from err


# --------------------------------------------------------------------------- search and requests


async def _search(
    hass: HomeAssistant, entry: StepheyBotConfigEntry, call: ServiceCall
) -> ServiceResponse:
    query = call.data["query"].strip()
    if not query or len(query) > MAX_QUERY:
        raise invalid("invalid_query", max=str(MAX_QUERY))
    kind = call.data.get("kind", SearchKind.ANY)
    _check_allowed("kind", [kind], SearchKind)
    sources: list[str] | None = call.data.get("sources") or None
    _check_allowed("sources", sources or (), SearchSource)
    limit = _limit(call, DEFAULT_SEARCH_LIMIT, MAX_LIMIT)
    response = await async_search(
        hass, entry, query, kind=SearchKind(kind), sources=sources, limit=limit
    )
    result: dict[str, Any] = response.as_dict()
    return result


async def _request_download(
    hass: HomeAssistant, entry: StepheyBotConfigEntry, call: ServiceCall
) -> ServiceResponse:
    result = await async_request_download(
        hass,
        entry,
        artist=call.data.get("artist"),
        album=call.data.get("album"),
        latest=call.data.get("latest", False),
        musicbrainz_id=call.data.get("musicbrainz_id"),
        result_id=call.data.get("result_id"),
        magnet=call.data.get("magnet"),
        source="action",
    )
    return result.as_dict() if call.return_response else None


async def _get_requests(
    hass: HomeAssistant, entry: StepheyBotConfigEntry, call: ServiceCall
) -> ServiceResponse:
    stages = set(call.data.get("stage") or ())
    _check_allowed("stage", stages, Stage)
    limit = _limit(call, DEFAULT_REQUESTS_LIMIT, MAX_REQUESTS_LIMIT)
    store = entry.runtime_data.requests.store
    in_flight: bool | None = call.data.get("in_flight")
    found = store.at(Stage(s) for s in stages) if stages else store.all()
    if in_flight is not None:
        found = [request for request in found if request.finished is not in_flight]
    runtime = entry.runtime_data
    observation = observe(runtime)  # one for every request listed
    return {"requests": [request_dict(runtime, r, observation) for r in found[:limit]]}


# --------------------------------------------------------------------------- downloads


def _download(
    client: str,
    *,
    name: str,
    info_hash: str,
    state: str,
    progress: float,
    size: int | None,
    download_speed: int,
    upload_speed: int,
    eta: float | None,
    request_ids: dict[str, str],
) -> dict[str, Any]:
    return {
        "name": name,
        "client": client,
        "state": state,
        "progress": round(progress, 4),
        "size": size,
        "download_speed": download_speed,
        "upload_speed": upload_speed,
        "eta": eta,
        "hash": info_hash,
        "request_id": request_ids.get(info_hash),
    }


async def _client_downloads(
    backend: DownloadClientRuntime, request_ids: dict[str, str]
) -> list[dict[str, Any]]:
    """The music torrents of one download client, from a fresh (incremental) poll."""
    coordinator = backend.coordinator
    await coordinator.async_refresh()
    if not coordinator.last_update_success or coordinator.data is None:
        raise _poll_failed(backend, coordinator.last_exception)
    return [
        _download(
            backend.ref.title,
            name=t.name,
            info_hash=t.hash,
            state=t.client_state,
            progress=t.progress,
            size=t.size,
            download_speed=t.download_rate,
            upload_speed=t.upload_rate,
            eta=t.eta,
            request_ids=request_ids,
        )
        for t in coordinator.music_torrents()
    ]


def _poll_failed(backend: BackendRuntime, err: BaseException | None) -> HomeAssistantError:
    """The error of a failed poll, as the action's error (same translated message)."""
    if isinstance(err, HomeAssistantError) and err.translation_key:
        return failed(err.translation_key, **(err.translation_placeholders or {}))
    return failed(  # pragma: no cover - the coordinators raise translated errors
        "cannot_connect", backend=backend.ref.title, error=str(err or "")
    )


async def _get_downloads(
    hass: HomeAssistant, entry: StepheyBotConfigEntry, call: ServiceCall
) -> ServiceResponse:
    runtime = entry.runtime_data
    if not runtime.of_type(DownloadClientRuntime) and not runtime.of_type(MusicBrainRuntime):
        raise invalid(
            "no_backend", stack=entry.title, backend="qBittorrent, Transmission or Music Brain"
        )
    request_ids = {
        request.torrent_hash: request.request_id
        for request in reversed(runtime.requests.store.all())
        if request.torrent_hash
    }
    downloads: list[dict[str, Any]] = []
    failures: list[HomeAssistantError] = []
    unanswered: list[dict[str, str]] = []

    async def collect(backend: BackendRuntime, work: Awaitable[list[dict[str, Any]]]) -> None:
        try:
            downloads.extend(await work)
        except HomeAssistantError as err:
            failures.append(err)
            unanswered.append({"backend": backend.ref.title, "error": str(err)})

    for backend in runtime.of_type(DownloadClientRuntime):
        await collect(backend, _client_downloads(backend, request_ids))
    for brain in runtime.of_type(MusicBrainRuntime):
        seen = {item["hash"] for item in downloads}
        await collect(brain, _brain_downloads(brain, request_ids, seen))
    asked = len(runtime.of_type(DownloadClientRuntime)) + len(runtime.of_type(MusicBrainRuntime))
    if failures and len(failures) == asked:
        raise failures[0]  # nothing to show: the action fails with the backend's message
    result: dict[str, Any] = {"downloads": downloads, "failed": unanswered}
    return result


async def _brain_downloads(
    brain: MusicBrainRuntime, request_ids: dict[str, str], seen: set[str]
) -> list[dict[str, Any]]:
    """The Music Brain's active downloads that no download client listed already."""
    active = await _guarded(brain, brain.requests.client.active_downloads())
    return [
        _download(
            brain.ref.title,
            name=item.name,
            info_hash=item.torrent_hash,
            state=str(item.state),
            progress=item.progress,
            size=item.size,
            download_speed=item.download_speed,
            upload_speed=item.upload_speed,
            eta=item.eta,
            request_ids=request_ids,
        )
        for item in active
        if item.torrent_hash not in seen
    ]


async def _set_running(entry: StepheyBotConfigEntry, call: ServiceCall, running: bool) -> None:
    clients = _backends(entry, DownloadClientRuntime, "qBittorrent or Transmission")
    request_id: str | None = call.data.get("request_id")
    failures: list[HomeAssistantError] = []
    if request_id is None:
        # every client that answers is paused or resumed, even when another one fails
        for backend in clients:
            try:
                await _guarded(backend, backend.coordinator.async_set_music_running(running))
            except HomeAssistantError as err:
                failures.append(err)
        if failures:
            raise failures[0]
        return
    request = entry.runtime_data.requests.store.get(request_id)
    if request is None:
        raise invalid("unknown_request", request_id=request_id[:60])
    info_hash = request.torrent_hash
    if info_hash is None:
        raise invalid("request_without_download", title=request.title)
    acted = False
    for backend in clients:
        try:
            acted = (
                await _guarded(
                    backend, backend.coordinator.async_set_torrent_running(info_hash, running)
                )
                or acted
            )
        except HomeAssistantError as err:
            failures.append(err)
    if not acted:
        if failures:
            raise failures[0]  # the download may be on the client that did not answer
        raise invalid("download_not_found", title=request.title)


async def _pause_downloads(
    hass: HomeAssistant, entry: StepheyBotConfigEntry, call: ServiceCall
) -> ServiceResponse:
    await _set_running(entry, call, running=False)
    return None


async def _resume_downloads(
    hass: HomeAssistant, entry: StepheyBotConfigEntry, call: ServiceCall
) -> ServiceResponse:
    await _set_running(entry, call, running=True)
    return None


# --------------------------------------------------------------------------- library


async def _search_upgrades(
    hass: HomeAssistant, entry: StepheyBotConfigEntry, call: ServiceCall
) -> ServiceResponse:
    results: list[Any] = []
    failures: list[HomeAssistantError] = []
    for backend in _backends(entry, LidarrRuntime, "Lidarr"):
        try:
            result = await _guarded(backend, async_search_upgrades(entry, backend, source="action"))
        except HomeAssistantError as err:  # the other Lidarrs search all the same
            failures.append(err)
            continue
        results.append({"backend": backend.ref.title, **result.as_dict()})
    if failures:
        raise failures[0]
    return {"results": results} if call.return_response else None


async def _start_scan(
    hass: HomeAssistant, entry: StepheyBotConfigEntry, call: ServiceCall
) -> ServiceResponse:
    full: bool = call.data.get("full", False)
    failures: list[HomeAssistantError] = []
    for backend in _backends(entry, NavidromeRuntime, "Navidrome"):
        try:
            await _guarded(backend, backend.status.client.start_scan(full=full))
        except HomeAssistantError as err:  # the other Navidromes scan all the same
            failures.append(err)
            continue
        await backend.status.async_request_refresh()
    if failures:
        raise failures[0]
    return None


async def _sync_forwarded_port(
    hass: HomeAssistant, entry: StepheyBotConfigEntry, call: ServiceCall
) -> ServiceResponse:
    """Set every download client's listen port to gluetun's forwarded port."""
    clients = [
        backend
        for backend in entry.runtime_data.of_type(DownloadClientRuntime)
        if backend.listen_port is not None
    ]
    if not clients:
        raise invalid("no_port_sync", stack=entry.title)
    synced: list[Any] = []
    failures: list[HomeAssistantError] = []
    for backend in clients:
        assert backend.listen_port is not None
        try:
            result = await _guarded(backend, backend.listen_port.async_sync())
        except HomeAssistantError as err:  # the other clients are synced all the same
            failures.append(err)
            continue
        synced.append(
            {
                "backend": backend.ref.title,
                "listen_port": result.after,
                "previous_port": result.before,
                "changed": result.changed,
            }
        )
    if failures:
        raise failures[0]
    return {"clients": synced} if call.return_response else None


# --------------------------------------------------------------------------- registration


def whole_number(value: Any) -> int:
    """A whole number (also written as text); the range is checked by the action."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise probatio.Invalid("expected a whole number")
    try:
        return int(value)
    except ValueError as err:
        raise probatio.Invalid("expected a whole number") from err


ACTIONS: tuple[Action, ...] = (
    Action(
        "search",
        _search,
        {
            probatio.Required("query"): cv.string,
            probatio.Optional("kind"): cv.string,
            probatio.Optional("sources"): probatio.All(cv.ensure_list, [cv.string]),
            probatio.Optional("limit"): whole_number,
        },
        SupportsResponse.ONLY,
    ),
    Action(
        "request_download",
        _request_download,
        {
            probatio.Optional("artist"): cv.string,
            probatio.Optional("album"): cv.string,
            probatio.Optional("latest"): cv.boolean,
            probatio.Optional("musicbrainz_id"): cv.string,
            probatio.Optional("result_id"): cv.string,
            probatio.Optional("magnet"): cv.string,
        },
        SupportsResponse.OPTIONAL,
    ),
    Action(
        "get_requests",
        _get_requests,
        {
            probatio.Optional("stage"): probatio.All(cv.ensure_list, [cv.string]),
            probatio.Optional("in_flight"): cv.boolean,
            probatio.Optional("limit"): whole_number,
        },
        SupportsResponse.ONLY,
    ),
    Action("get_downloads", _get_downloads, {}, SupportsResponse.ONLY),
    Action("pause_downloads", _pause_downloads, {probatio.Optional("request_id"): cv.string}),
    Action("resume_downloads", _resume_downloads, {probatio.Optional("request_id"): cv.string}),
    Action("start_scan", _start_scan, {probatio.Optional("full"): cv.boolean}),
    Action("search_upgrades", _search_upgrades, {}, SupportsResponse.OPTIONAL),
    Action("sync_forwarded_port", _sync_forwarded_port, {}, SupportsResponse.OPTIONAL),
)
"""Every action of the integration."""


async def _async_run(action: Action, call: ServiceCall) -> ServiceResponse:
    entry = stack_of(call.hass, call.data[ATTR_CONFIG_ENTRY_ID])
    return await action.handler(call.hass, entry, call)


@callback
def async_setup_services(hass: HomeAssistant, actions: Iterable[Action] = ACTIONS) -> None:
    """Register the actions (once, in ``async_setup``)."""
    for action in actions:
        hass.services.async_register(
            DOMAIN,
            action.name,
            partial(_async_run, action),
            schema=action.schema,
            supports_response=action.response,
        )
