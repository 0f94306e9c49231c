"""Lidarr pushes through a webhook: a Connect notification that calls Home Assistant.

Set-up (as Home Assistant core's overseerr integration does for Overseerr): register a Home
Assistant webhook, then create or update Lidarr's notification (named
:data:`NOTIFICATION_NAME`) with the first URL Lidarr can deliver to: Home Assistant's
internal URL, then its external URL, then a Home Assistant Cloud cloudhook when a
subscription is active. Lidarr tests each URL before it saves it (a ``Test`` call,
ProviderControllerBase.cs @ v2.14.5.4824), so a saved notification is a delivered one.

Every call must carry the basic-auth secret made at this set-up; any other is refused (401).
A call's content is only a hint: it says *that* something changed and names the albums,
and the coordinators that show those things refresh from Lidarr's API.

Every :data:`CHECK_INTERVAL` Lidarr is asked to send a ``Test`` call; one that does not
arrive makes push broken (polling at once, a repair issue), one that arrives again heals it.
Push is on by default: when Lidarr reaches no URL of Home Assistant at set-up, Lidarr is
simply polled (no repair) unless the user turned push on or it worked before.
The notification is deleted when the backend or the stack is removed, or push turned off.
"""

from __future__ import annotations

import base64
import hmac
import logging
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from aiohttp import web
from aiohttp.hdrs import AUTHORIZATION, METH_POST, METH_PUT
from homeassistant.components import webhook
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.network import NoURLAvailableError
from homeassistant.helpers.storage import Store
from stepheybot_music_clients.errors import (
    BackendRequestError,
    StackError,
    UnexpectedResponseError,
)
from stepheybot_music_clients.lidarr import LidarrClient
from stepheybot_music_clients.lidarr.webhook import (
    WebhookEvent,
    WebhookEventType,
    WebhookTarget,
    ensure_webhook,
    parse_event,
    remove_webhook,
    send_test,
)

from ..const import CONF_PUSH, DOMAIN
from .state import PushMode, PushState

if TYPE_CHECKING:
    from ..coordinators.base import StackCoordinator
    from ..coordinators.lidarr import LidarrRuntime
    from ..runtime import StepheyBotConfigEntry

_LOGGER = logging.getLogger(__package__)

CHECK_INTERVAL = timedelta(minutes=15)
"""How often Lidarr is asked for a ``Test`` call while the stack runs."""
USERNAME = "lidarr"
STORE_KEY = f"{DOMAIN}.push"
FIX_URL = (
    "give Home Assistant a URL Lidarr can reach (Settings → System → Network → Home "
    "Assistant URL; with Docker, the host's LAN address rather than localhost), make sure "
    "no firewall or reverse proxy blocks Lidarr's calls to /api/webhook/, then reload the "
    "stack."
)
FIX_ELSEWHERE = (
    "Home Assistant's URL leads to another server: set the URL under Settings → System → "
    "Network to the address of this Home Assistant, then reload the stack."
)

_QUEUE = frozenset(
    {
        WebhookEventType.GRAB,
        WebhookEventType.DOWNLOAD,
        WebhookEventType.DOWNLOAD_FAILURE,
        WebhookEventType.IMPORT_FAILURE,
    }
)
_LIBRARY = frozenset(
    {
        WebhookEventType.DOWNLOAD,
        WebhookEventType.ALBUM_DELETE,
        WebhookEventType.ARTIST_ADD,
        WebhookEventType.ARTIST_DELETE,
        WebhookEventType.RENAME,
        WebhookEventType.RETAG,
    }
)


class WebhookIds:
    """The webhook id (and cloudhook URL) of each Lidarr backend, kept across restarts.

    A stable id keeps one cloudhook per backend; the secret, in contrast, is new at every
    set-up (so Lidarr's notification changes and is tested at every start).
    """

    def __init__(self, hass: HomeAssistant) -> None:
        """The store of ``hass``."""
        self._store: Store[dict[str, dict[str, str]]] = Store(hass, 1, STORE_KEY)

    async def async_get(self, subentry_id: str) -> dict[str, str]:
        """The ids of one backend, made on first use."""
        data = await self._store.async_load() or {}
        ids = data.setdefault(subentry_id, {"webhook_id": secrets.token_hex(16)})
        await self._store.async_save(data)
        return ids

    async def async_set(self, subentry_id: str, key: str, value: str) -> None:
        """Remember one more value of a backend (its cloudhook URL)."""
        data = await self._store.async_load() or {}
        data.setdefault(subentry_id, {})[key] = value
        await self._store.async_save(data)

    async def async_forget(self, subentry_id: str) -> dict[str, str] | None:
        """Drop a removed backend's ids; what they were."""
        data = await self._store.async_load() or {}
        gone = data.pop(subentry_id, None)
        await self._store.async_save(data)
        return gone


def candidate_urls(hass: HomeAssistant, webhook_id: str) -> list[str]:
    """Home Assistant's webhook URLs Lidarr might reach: internal, then external."""
    urls: list[str] = []
    for external in (False, True):
        try:
            url = webhook.async_generate_url(
                hass,
                webhook_id,
                allow_internal=not external,
                allow_external=external,
                allow_ip=True,
                prefer_external=external,
            )
        except NoURLAvailableError:
            continue
        if url not in urls:
            urls.append(url)
    return urls


def _cloud(hass: HomeAssistant) -> Any | None:
    """Home Assistant Cloud, when loaded with an active subscription."""
    if "cloud" not in hass.config.components:
        return None
    from homeassistant.components import cloud  # noqa: PLC0415 (an optional component)

    return cloud if cloud.async_active_subscription(hass) else None


def _shown(text: str, webhook_id: str) -> str:
    """A URL or message fit to show: the webhook id (the URL's secret) hidden."""
    return text.replace(webhook_id, "…") if webhook_id else text


class LidarrPush:
    """The webhook of one Lidarr backend."""

    def __init__(
        self, hass: HomeAssistant, entry: StepheyBotConfigEntry, backend: LidarrRuntime
    ) -> None:
        """Push for ``backend``; nothing happens before :meth:`async_start`."""
        self.hass = hass
        self.entry = entry
        self.backend = backend
        self.client: LidarrClient = backend.queue.client
        self.data = dict(entry.subentries[backend.ref.subentry_id].data)
        """How to reach this Lidarr, to delete the notification once the backend is gone."""
        slowed: tuple[StackCoordinator[Any], ...] = backend.coordinators
        self.state = PushState(
            hass=hass, entry=entry, ref=backend.ref, slowed=slowed, channel="webhook"
        )
        self._ids = WebhookIds(hass)
        self._webhook_id = ""
        self._secret = secrets.token_urlsafe(24)
        pair = f"{USERNAME}:{self._secret}".encode()
        self._auth = "Basic " + base64.b64encode(pair).decode()
        self._notification_id: int | None = None
        self._tests = 0
        self._worked = False
        """Whether a test call arrived since set-up (a later failure is then a repair)."""
        self._explicit = CONF_PUSH in entry.options
        """Push turned on by the user, not by default: failing to set it up is a repair."""
        self._unsubscribe: list[Callable[[], None]] = []

    async def async_start(self) -> None:
        """Register the webhook, make Lidarr's notification, start the periodic check."""
        ids = await self._ids.async_get(self.backend.ref.subentry_id)
        self._webhook_id = ids["webhook_id"]
        # a reload that stopped the previous set-up of this backend before it had registered
        webhook.async_unregister(self.hass, self._webhook_id)
        webhook.async_register(
            self.hass,
            DOMAIN,
            f"{self.backend.ref.title} (StepheyBot Music)",
            self._webhook_id,
            self._async_handle,
            allowed_methods=(METH_POST, METH_PUT),
        )
        self._unsubscribe.append(
            async_track_time_interval(
                self.hass, self._async_check, CHECK_INTERVAL, name=f"{self.state.ref.title} push"
            )
        )
        await self._async_connect()

    async def async_stop(self) -> None:
        """Unregister the webhook (the notification stays: the stack may come back)."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        if self._webhook_id:
            webhook.async_unregister(self.hass, self._webhook_id)

    # ---------------------------------------------------------------- Lidarr's notification

    async def _async_connect(self) -> None:
        """Save the notification with the first URL Lidarr delivers a test to."""
        urls = candidate_urls(self.hass, self._webhook_id)
        cloud = _cloud(self.hass)
        if not urls and cloud is None:
            self._unreachable(
                "Home Assistant has no internal or external URL, so Lidarr cannot be given "
                "an address to call.",
            )
            return
        refused: list[str] = []
        for url in [*urls, None] if cloud is not None else urls:
            target_url = url or await self._async_cloudhook(cloud)
            before = self._tests
            try:
                self._notification_id = await ensure_webhook(
                    self.client,
                    WebhookTarget(url=target_url, username=USERNAME, password=self._secret),
                )
            except BackendRequestError as err:
                # Lidarr's reason may quote the URL (its HttpException does): hide the id
                reason = _shown(str(err), self._webhook_id)
                refused.append(f"{_shown(target_url, self._webhook_id)}: {reason}")
                continue
            except StackError as err:
                # Lidarr itself does not answer: its coordinators say so; try again later
                _LOGGER.debug("%s: webhook not set up yet: %s", self.state.ref.title, err)
                return
            if self._tests > before:
                self._worked = True
                self.state.healthy()
            else:
                self.state.broken(
                    f"Lidarr accepted the webhook address {_shown(target_url, self._webhook_id)}"
                    " but its test call never reached this Home Assistant.",
                    FIX_ELSEWHERE,
                )
            return
        self._notification_id = None
        self._unreachable(
            "Lidarr cannot deliver its calls to Home Assistant: " + "; ".join(refused)
        )

    def _unreachable(self, problem: str) -> None:
        """No way for Lidarr to call: a repair when push was asked for or worked before."""
        if self._explicit or self._worked:
            self.state.broken(problem, FIX_URL)
        else:
            self.state.unreachable(problem)

    async def _async_cloudhook(self, cloud: Any) -> str:
        ids = await self._ids.async_get(self.backend.ref.subentry_id)
        if "cloudhook_url" not in ids:
            url = str(await cloud.async_create_cloudhook(self.hass, self._webhook_id))
            await self._ids.async_set(self.backend.ref.subentry_id, "cloudhook_url", url)
            return url
        return ids["cloudhook_url"]

    async def _async_check(self, _: datetime | None = None) -> None:
        """Ask Lidarr for a test call; set the state from whether it arrived."""
        if self._notification_id is None:
            await self._async_connect()
            return
        before = self._tests
        try:
            await send_test(self.client, self._notification_id)
        except BackendRequestError as err:
            if err.code == 404:  # someone deleted it in Lidarr: make it again
                self._notification_id = None
                await self._async_connect()
                return
            reason = _shown(str(err), self._webhook_id)
            self.state.broken(
                f"Lidarr cannot deliver its calls to Home Assistant: {reason}", FIX_URL
            )
            return
        except StackError as err:
            _LOGGER.debug("%s: webhook check skipped: %s", self.state.ref.title, err)
            return
        if self._tests > before:
            self._worked = True
            self.state.healthy()
        else:
            self.state.broken(
                "Lidarr sent its test call, but it never reached this Home Assistant.",
                FIX_ELSEWHERE,
            )

    # ---------------------------------------------------------------- calls

    async def _async_handle(
        self, hass: HomeAssistant, webhook_id: str, request: web.Request
    ) -> web.Response:
        """One call from Lidarr: check the secret, then refresh what it names."""
        if not hmac.compare_digest(request.headers.get(AUTHORIZATION, ""), self._auth):
            return web.Response(status=401)
        try:
            event = parse_event(await request.json())
        except (ValueError, UnexpectedResponseError):
            return web.Response(status=400)
        self.state.received()
        if event.type is WebhookEventType.TEST:
            self._tests += 1
        else:
            if self.state.mode is PushMode.BROKEN and self._notification_id is not None:
                self.state.healthy()  # a real call proves delivery as well as a test
            self._refresh(event)
        return web.Response(status=200)

    @callback
    def _refresh(self, event: WebhookEvent) -> None:
        """Refresh the coordinators that show what ``event`` changed."""
        backend = self.backend
        wanted: list[StackCoordinator[Any]] = [backend.status]
        if event.type in _QUEUE:
            wanted.append(backend.queue)
        if event.type in _LIBRARY:
            wanted.append(backend.library)
        for coordinator in wanted:
            self.entry.async_create_background_task(
                self.hass, coordinator.async_request_refresh(), f"{coordinator.name} pushed"
            )
        requests = self.entry.runtime_data.requests
        if event.type in _QUEUE and self._names_a_request(event):
            # at once, not debounced: this is the moment a request changes stage
            self.entry.async_create_background_task(
                self.hass, requests.async_refresh(), f"{requests.name} pushed"
            )

    def _names_a_request(self, event: WebhookEvent) -> bool:
        """Whether a request in flight on this Lidarr has an album (or artist) it names."""
        albums = set(event.album_ids)
        for request in self.entry.runtime_data.requests.store.in_flight():
            if request.backend_id != self.backend.ref.subentry_id:
                continue
            if not albums or albums & set(request.lidarr_album_ids):
                return True
            if event.artist_id is not None and request.lidarr_artist_id == event.artist_id:
                return True
        return False


async def async_remove_webhook(
    hass: HomeAssistant, client: LidarrClient, subentry_id: str, title: str
) -> None:
    """Delete the notification of a removed backend (or push turned off), and its ids."""
    try:
        await remove_webhook(client)
    except StackError as err:
        _LOGGER.warning(
            "%s: could not delete the Home Assistant notification in Lidarr (Settings → "
            "Connect), delete it there: %s",
            title,
            err,
        )
    gone = await WebhookIds(hass).async_forget(subentry_id)
    cloud = _cloud(hass)
    if gone and "cloudhook_url" in gone and cloud is not None:
        await cloud.async_delete_cloudhook(hass, gone["webhook_id"])
