"""Lidarr's Connect notifications (``/api/v1/notification``) and the webhook calls they make.

As in Lidarr 2.14.5.4824:

- src/Lidarr.Api.V1/ProviderControllerBase.cs: ``GET`` (list), ``GET {id}``, ``POST`` (201,
  the provider tested first unless ``forceSave``), ``PUT {id}`` (202, tested only when the
  definition changed), ``DELETE {id}`` (``{}``), ``GET schema`` (one template per
  implementation, here ``Webhook`` only), ``POST test`` (400 when the test fails).
- src/Lidarr.Http/ClientSchema/SchemaBuilder.cs: a password field is answered as
  ``********`` and that value sent back keeps the stored one.
- src/NzbDrone.Core/Notifications/Webhook/WebhookSettings.cs: fields ``url``, ``method``
  (1 POST, 2 PUT), ``username``, ``password``, ``headers``; WebhookProxy.cs: JSON body, basic
  auth when a user name or password is set, a failure is "Unable to post to webhook: ..."
  (an HTTP error quotes the URL: src/NzbDrone.Common/Http/HttpException.cs);
  Webhook.cs Test() turns it into a validation failure on ``Url``.
- WebhookBase.cs, Webhook*Payload.cs, WebhookEventType.cs: the bodies (camelCase, as Lidarr's
  STJson writes them): ``Test``, ``Grab`` (from the world's ``grabbed`` history),
  ``Download`` (``downloadImported``), ``ArtistAdd``, ``Health`` and ``HealthRestored``
  (a health check that appears or goes).

A background task looks at the world every :data:`POLL` wall-clock seconds and sends the
calls, each notification's triggers permitting. ``World.push_cut`` holding ``"lidarr"``
plays a Lidarr that cannot reach the receiver: every call fails (connection refused).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web

from ..model import Album, Artist, HistoryEvent
from ._servarr import iso, json, not_found, validation_failure

if TYPE_CHECKING:
    from .lidarr import LidarrState

_LOGGER = logging.getLogger(__name__)
POLL = 0.05
"""Wall-clock seconds between two looks at the world."""
PRIVATE = "********"
INSTANCE = "Lidarr"
TRIGGERS = (
    "onGrab",
    "onReleaseImport",
    "onUpgrade",
    "onRename",
    "onArtistAdd",
    "onArtistDelete",
    "onAlbumDelete",
    "onHealthIssue",
    "onHealthRestored",
    "onDownloadFailure",
    "onImportFailure",
    "onTrackRetag",
    "onApplicationUpdate",
)
EVENT_TRIGGER = {
    "Grab": "onGrab",
    "Download": "onReleaseImport",
    "ArtistAdd": "onArtistAdd",
    "Health": "onHealthIssue",
    "HealthRestored": "onHealthRestored",
}


def webhook_template() -> dict[str, Any]:
    """The ``Webhook`` entry of ``notification/schema`` (fields from WebhookSettings.cs)."""
    fields = [
        {"order": 0, "name": "url", "label": "URL", "type": "url", "advanced": False},
        {
            "order": 1,
            "name": "method",
            "label": "Method",
            "value": 1,
            "type": "select",
            "advanced": False,
            "selectOptions": [
                {"value": 1, "name": "POST", "order": 1},
                {"value": 2, "name": "PUT", "order": 2},
            ],
            "helpText": "Which HTTP method to use submit to the Webservice",
        },
        {
            "order": 2,
            "name": "username",
            "label": "Username",
            "type": "textbox",
            "advanced": False,
            "privacy": "userName",
        },
        {
            "order": 3,
            "name": "password",
            "label": "Password",
            "type": "password",
            "advanced": False,
            "privacy": "password",
        },
        {
            "order": 4,
            "name": "headers",
            "label": "Headers",
            "value": [],
            "type": "keyValueList",
            "advanced": True,
        },
    ]
    return {
        "id": 0,
        "name": "",
        "fields": fields,
        "implementationName": "Webhook",
        "implementation": "Webhook",
        "configContract": "WebhookSettings",
        "infoLink": "https://wiki.servarr.com/lidarr/supported#webhook",
        "tags": [],
        "presets": [],
        "link": "https://wiki.servarr.com/lidarr/settings#connections",
        **dict.fromkeys(TRIGGERS, False),
        **{"supportsO" + t[1:]: True for t in TRIGGERS},
        "includeHealthWarnings": False,
        "testCommand": "",
    }


class Notifications:
    """The notifications of one simulated Lidarr and the webhook calls they make."""

    def __init__(self, state: LidarrState) -> None:
        """Nothing configured yet; the world's history and health seen so far are old news."""
        self.state = state
        self.world = state.world
        self.saved: dict[int, dict[str, Any]] = {}
        self._next_id = 1
        self._history_seen = len(self.world.history)
        self._health_seen = {h["source"]: h for h in state.health()}
        self._artists_seen = {a.mbid for a in self.world.artists.values() if a.in_lidarr}
        self._session: aiohttp.ClientSession | None = None
        self.sent: list[tuple[str, int]] = []
        """(event type, HTTP status or 0 on failure) of every call made, oldest first."""

    # --- resources ----------------------------------------------------------------------------

    def resource(self, saved: dict[str, Any]) -> dict[str, Any]:
        """A saved notification as the API answers it (the password hidden)."""
        out = {**webhook_template(), **saved}
        out.pop("presets", None)
        out["fields"] = [
            {**f, "value": PRIVATE} if f["name"] == "password" and f.get("value") else f
            for f in saved["fields"]
        ]
        return out

    def definition(
        self, body: Any, existing: dict[str, Any] | None
    ) -> dict[str, Any] | list[dict[str, Any]]:
        """The definition a body makes (a hidden password keeps the stored one), or failures."""
        if not isinstance(body, dict) or body.get("implementation") != "Webhook":
            return [validation_failure("Implementation", "Unknown implementation", None, "")]
        template = {f["name"]: f for f in webhook_template()["fields"]}
        sent = {f.get("name"): f.get("value") for f in body.get("fields") or () if "name" in f}
        stored = (
            {f["name"]: f.get("value") for f in existing["fields"]} if existing is not None else {}
        )
        fields = []
        for name, template_field in template.items():
            value = sent.get(name, template_field.get("value"))
            if name == "password" and value == PRIVATE:
                value = stored.get("password")
            fields.append({**template_field, "value": value})
        url = str(sent.get("url") or "")
        if not url.startswith(("http://", "https://")):
            return [validation_failure("Url", "Invalid Url: '" + url + "'", url, "")]
        return {
            "name": str(body.get("name") or ""),
            "implementation": "Webhook",
            "fields": fields,
            "tags": list(body.get("tags") or []),
            "includeHealthWarnings": bool(body.get("includeHealthWarnings")),
            **{t: bool(body.get(t)) for t in TRIGGERS},
        }

    # --- webhook calls ------------------------------------------------------------------------

    async def start(self, _: web.Application) -> AsyncIterator[None]:
        """Run the watcher while the application runs (an aiohttp cleanup context)."""
        self._session = aiohttp.ClientSession()
        task = asyncio.create_task(self._watch(), name="lidarr-webhooks")
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await self._session.close()

    async def send(self, saved: dict[str, Any], body: dict[str, Any]) -> str | None:
        """Call one webhook; the error text when it failed (WebhookProxy.cs)."""
        values = {f["name"]: f.get("value") for f in saved["fields"]}
        event = str(body["eventType"])
        if "lidarr" in self.world.push_cut or self._session is None:
            self.sent.append((event, 0))
            return "Unable to post to webhook: Connection refused (home-assistant:8123)"
        headers = {"Accept": "application/json"}
        if values.get("username") or values.get("password"):
            pair = f"{values.get('username') or ''}:{values.get('password') or ''}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        method = "PUT" if values.get("method") == 2 else "POST"
        headers |= {str(h["key"]): str(h["value"]) for h in values.get("headers") or ()}
        try:
            async with self._session.request(
                method,
                str(values["url"]),
                json=body,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=10),
            ) as resp:
                await resp.read()
                self.sent.append((event, resp.status))
                if resp.status >= 400:  # HttpException.cs quotes the URL
                    return (
                        "Unable to post to webhook: HTTP request failed: "
                        f"[{resp.status}:{(resp.reason or '').replace(' ', '')}] [{method}] "
                        f"at [{values['url']}]"
                    )
        except Exception as err:
            self.sent.append((event, 0))
            return f"Unable to post to webhook: {type(err).__name__}: {err}"
        return None

    async def broadcast(self, body: dict[str, Any]) -> None:
        """Send an event to every notification whose trigger is on."""
        trigger = EVENT_TRIGGER[str(body["eventType"])]
        for saved in list(self.saved.values()):
            if saved.get(trigger):
                await self.send(saved, body)

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(POLL)
            try:
                for body in self._new_events():
                    await self.broadcast(body)
            except Exception:
                _LOGGER.exception("simulated Lidarr webhooks failed")

    def _new_events(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        history = self.world.history
        for event in history[self._history_seen :]:
            body = self._history_payload(event)
            if body is not None:
                out.append(body)
        self._history_seen = len(history)
        in_lidarr = {a.mbid for a in self.world.artists.values() if a.in_lidarr}
        out.extend(
            self._payload("ArtistAdd", artist=self.artist(self.world.artists[mbid]))
            for mbid in sorted(in_lidarr - self._artists_seen)
        )
        self._artists_seen = in_lidarr
        health = {h["source"]: h for h in self.state.health()}
        for source, item in health.items():
            if source not in self._health_seen:
                out.append(self._health_payload("Health", item))
        for source, item in self._health_seen.items():
            if source not in health:
                out.append(self._health_payload("HealthRestored", item))
        self._health_seen = health
        return out

    def _payload(self, event: str, **body: Any) -> dict[str, Any]:
        return {"eventType": event, "instanceName": INSTANCE, "applicationUrl": "", **body}

    def _health_payload(self, event: str, item: dict[str, Any]) -> dict[str, Any]:
        body = self._payload(
            event,
            level=item["type"],
            message=item["message"],
            type=item["source"],
            wikiUrl=item.get("wikiUrl"),
        )
        if event == "HealthRestored":
            body.pop("applicationUrl")  # BuildHealthRestoredPayload sets no ApplicationUrl
        return body

    def artist(self, artist: Artist) -> dict[str, Any]:
        """A WebhookArtist (WebhookArtist.cs)."""
        _, _, root = self.state.profiles(artist)
        return {
            "id": artist.lidarr_id,
            "name": artist.name,
            "disambiguation": "",
            "path": f"{root}/{artist.name}",
            "mbId": artist.mbid,
            "type": artist.artist_type,
            "overview": artist.overview,
            "genres": list(artist.genres),
            "images": [],
            "tags": [],
        }

    @staticmethod
    def album(album: Album) -> dict[str, Any]:
        """A WebhookAlbum (WebhookAlbum.cs)."""
        return {
            "id": album.id,
            "mbId": album.mbid,
            "title": album.title,
            "disambiguation": "",
            "overview": "",
            "albumType": album.album_type,
            "secondaryAlbumTypes": [],
            "releaseDate": f"{album.release_date.isoformat()}T00:00:00Z",
            "genres": [album.genre],
            "images": [],
        }

    def _history_payload(self, event: HistoryEvent) -> dict[str, Any] | None:
        album = self.world.albums.get(event.album_id)
        if album is None:
            return None
        artist = self.world.artist_of(album)
        torrent = self.world.torrents.get(event.download_id.lower())
        from .lidarr import client_title  # noqa: PLC0415 (lidarr imports this module)

        client = torrent.client if torrent is not None else self.world.lidarr_client
        title = client_title(self.world, client)
        common = {
            "artist": self.artist(artist),
            "downloadClient": title,
            "downloadClientType": "QBittorrent" if title == "qBittorrent" else "Transmission",
            "downloadId": event.download_id,
        }
        if event.event_type == "grabbed":
            return self._payload(
                "Grab",
                albums=[self.album(album)],
                release={
                    "quality": event.quality,
                    "qualityVersion": 1,
                    "releaseGroup": "",
                    "releaseTitle": event.source_title,
                    "indexer": self.state.indexer_name(event.download_id.lower()) or "",
                    "size": album.size,
                    "customFormatScore": 0,
                    "customFormats": [],
                },
                **common,
            )
        if event.event_type == "downloadImported":
            root = f"{self.state.profiles(artist)[2]}/{artist.name}/{album.title}"
            tracks = list(self.world.tracks_of(album))
            return self._payload(
                "Download",
                album=self.album(album),
                tracks=[
                    {
                        "id": n,
                        "title": t.title,
                        "trackNumber": str(t.number),
                        "quality": event.quality,
                        "qualityVersion": 1,
                        "releaseGroup": "",
                    }
                    for n, t in enumerate(tracks, 1)
                ],
                trackFiles=[
                    {
                        "id": n,
                        "path": f"{root}/{t.number:02d} - {t.title}.flac",
                        "quality": event.quality,
                        "qualityVersion": 1,
                        "releaseGroup": "",
                        "sceneName": event.source_title,
                        "size": t.size,
                        "dateAdded": iso(event.date),
                    }
                    for n, t in enumerate(tracks, 1)
                ],
                isUpgrade=False,
                **common,
            )
        return None

    def test_payload(self) -> dict[str, Any]:
        """The ``Test`` call (WebhookBase.BuildTestPayload)."""
        return self._payload(
            "Test",
            artist={
                "id": 1,
                "name": "Test Name",
                "path": "C:\\testpath",
                "mbId": "aaaaa-aaa-aaaa-aaaaaa",
                "tags": ["test-tag"],
            },
            albums=[{"id": 123, "title": "Test title"}],
        )

    async def test(self, saved: dict[str, Any]) -> list[dict[str, Any]] | None:
        """Send the ``Test`` call; the validation failures when it could not be delivered."""
        error = await self.send(saved, self.test_payload())
        if error is None:
            return None
        url = next((f.get("value") for f in saved["fields"] if f["name"] == "url"), "")
        return [validation_failure("Url", error, url, "")]


def add_routes(app: web.Application, state: LidarrState, api: str) -> Notifications:
    """Mount ``notification`` on a simulated Lidarr; returns its notifications."""
    notes = Notifications(state)
    app.cleanup_ctx.append(notes.start)

    def bad(failures: list[dict[str, Any]]) -> web.Response:
        return json(failures, status=400)

    async def listing(_: web.Request) -> web.Response:
        return json([notes.resource(s) for s in notes.saved.values()])

    async def schema(_: web.Request) -> web.Response:
        return json([webhook_template()])

    async def one(request: web.Request) -> web.Response:
        saved = notes.saved.get(_id(request))
        return json(notes.resource(saved)) if saved is not None else not_found()

    async def create(request: web.Request) -> web.Response:
        made = notes.definition(await _body(request), None)
        if isinstance(made, list):
            return bad(made)
        if request.query.get("forceSave", "").lower() != "true":
            failures = await notes.test(made)
            if failures is not None:
                return bad(failures)
        made["id"] = notes._next_id
        notes._next_id += 1
        notes.saved[made["id"]] = made
        return json(notes.resource(made), status=201)

    async def update(request: web.Request) -> web.Response:
        existing = notes.saved.get(_id(request))
        if existing is None:
            return not_found()
        made = notes.definition(await _body(request), existing)
        if isinstance(made, list):
            return bad(made)
        made["id"] = existing["id"]
        if made != existing and request.query.get("forceSave", "").lower() != "true":
            failures = await notes.test(made)
            if failures is not None:
                return bad(failures)
        notes.saved[made["id"]] = made
        return json(notes.resource(made), status=202)

    async def delete(request: web.Request) -> web.Response:
        notes.saved.pop(_id(request), None)  # Lidarr answers {} for any id
        return json({})

    async def test(request: web.Request) -> web.Response:
        body = await _body(request)
        existing = notes.saved.get(int(body.get("id") or 0)) if isinstance(body, dict) else None
        made = notes.definition(body, existing)
        if isinstance(made, list):
            return bad(made)
        failures = await notes.test(made)
        return bad(failures) if failures is not None else json("{}")

    app.add_routes(
        [
            web.get(api + "notification", listing),
            web.post(api + "notification", create),
            web.get(api + "notification/schema", schema),
            web.post(api + "notification/test", test),
            web.get(api + "notification/{id}", one),
            web.put(api + "notification/{id}", update),
            web.delete(api + "notification/{id}", delete),
        ]
    )
    return notes


async def _body(request: web.Request) -> Any:
    """The JSON body, or None (refused as a validation failure) when it is not JSON."""
    try:
        return await request.json()
    except ValueError:
        return None


def _id(request: web.Request) -> int:
    raw = request.match_info.get("id", "")
    return int(raw) if raw.isdigit() else 0
