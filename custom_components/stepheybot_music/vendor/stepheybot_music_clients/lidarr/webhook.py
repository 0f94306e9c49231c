"""Lidarr's *Connect → Webhook* notification: made, tested and removed through the API.

Lidarr 2.14.5.4824 (src/Lidarr.Api.V1/ProviderControllerBase.cs,
src/NzbDrone.Core/Notifications/Webhook/*):

- ``GET /api/v1/notification/schema`` gives one template per implementation; the
  ``Webhook`` one has the fields ``url``, ``method`` (1 POST, 2 PUT), ``username``,
  ``password`` and ``headers``.
- ``POST /api/v1/notification`` (201) and ``PUT /api/v1/notification/{id}`` (202, tested only
  when something changed) send a ``Test`` call to the URL first, unless ``forceSave``; when
  that call fails the answer is 400 with a validation failure on ``Url`` ("Unable to post to
  webhook: ..."), and nothing is saved.
- ``POST /api/v1/notification/test`` sends a ``Test`` call to a saved notification (400 as
  above when it cannot be delivered).
- ``GET`` answers a password field as ``********``; sent back unchanged, Lidarr keeps the
  stored one (src/Lidarr.Http/ClientSchema/SchemaBuilder.cs).

A webhook call's body is JSON with ``eventType`` (``Test``, ``Grab``, ``Download``,
``DownloadFailure``, ``ImportFailure``, ``Rename``, ``ArtistAdd``, ``ArtistDelete``,
``AlbumDelete``, ``Health``, ``Retag``, ``ApplicationUpdate``, ``HealthRestored``:
WebhookEventType.cs) and, depending on the event, ``artist``, ``album`` or ``albums``
(WebhookBase.cs). :func:`parse_event` reads only what names the changed things: a receiver
should refresh those from the API, never take the body as state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from stepheybot_music_clients.lidarr.client import LidarrClient
from stepheybot_music_clients.servarr import optional_int, optional_str
from stepheybot_music_clients.transport import parsing

NOTIFICATION_NAME = "Home Assistant (StepheyBot Music)"
"""The name of the notification in Lidarr (Settings → Connect); one per Lidarr."""
IMPLEMENTATION = "Webhook"
EVENTS = (
    "onGrab",
    "onReleaseImport",
    "onUpgrade",
    "onDownloadFailure",
    "onImportFailure",
    "onAlbumDelete",
    "onArtistAdd",
    "onArtistDelete",
    "onHealthIssue",
    "onHealthRestored",
)
"""The triggers turned on: everything that changes the queue, the library or health."""
METHOD_POST = 1
"""``WebhookMethod.POST`` (WebhookMethod.cs)."""


class WebhookEventType(StrEnum):
    """``eventType`` of a webhook call (WebhookEventType.cs, written as the enum's name)."""

    TEST = "Test"
    GRAB = "Grab"
    DOWNLOAD = "Download"
    DOWNLOAD_FAILURE = "DownloadFailure"
    IMPORT_FAILURE = "ImportFailure"
    RENAME = "Rename"
    ARTIST_ADD = "ArtistAdd"
    ARTIST_DELETE = "ArtistDelete"
    ALBUM_DELETE = "AlbumDelete"
    HEALTH = "Health"
    RETAG = "Retag"
    APPLICATION_UPDATE = "ApplicationUpdate"
    HEALTH_RESTORED = "HealthRestored"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookTarget:
    """Where Lidarr should call, and the basic-auth credentials it should send."""

    url: str = field(repr=False)
    """Holds the webhook id, a secret: never logged."""
    username: str
    password: str = field(repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookEvent:
    """What a webhook call names: its type and the ids of the artist and albums."""

    type: WebhookEventType
    artist_id: int | None = None
    album_ids: tuple[int, ...] = ()
    download_id: str | None = None


def parse_event(body: Any) -> WebhookEvent:
    """The event of a webhook call body; raises ``UnexpectedResponseError`` on a bad shape."""
    with parsing("Lidarr", "a webhook call"):
        if not isinstance(body, Mapping):
            raise TypeError("the body is not a JSON object")
        raw = str(body["eventType"])
        try:
            kind = WebhookEventType(raw)
        except ValueError:
            kind = WebhookEventType.UNKNOWN
        artist = body.get("artist")
        albums = list(body.get("albums") or ())
        if isinstance(body.get("album"), Mapping):
            albums.append(body["album"])
        return WebhookEvent(
            type=kind,
            artist_id=optional_int(artist.get("id")) if isinstance(artist, Mapping) else None,
            album_ids=tuple(
                i
                for album in albums
                if isinstance(album, Mapping) and (i := optional_int(album.get("id"))) is not None
            ),
            download_id=optional_str(body.get("downloadId")),
        )


def _with_values(template: Mapping[str, Any], target: WebhookTarget) -> dict[str, Any]:
    """A notification resource from the schema's template, pointed at ``target``."""
    values = {
        "url": target.url,
        "method": METHOD_POST,
        "username": target.username,
        "password": target.password,
    }
    resource = dict(template)
    resource.pop("presets", None)
    resource["fields"] = [
        {**field, "value": values[field["name"]]} if field.get("name") in values else dict(field)
        for field in template.get("fields", ())
    ]
    resource |= {
        "name": NOTIFICATION_NAME,
        "tags": [],
        "includeHealthWarnings": True,
        **dict.fromkeys(EVENTS, True),
    }
    return resource


async def find_webhook(client: LidarrClient) -> dict[str, Any] | None:
    """The notification this module made in Lidarr (by name), if any."""
    notifications = await client.get_json_api("notification")
    with parsing(client.kind, "the notification list"):
        for item in notifications:
            if item["name"] == NOTIFICATION_NAME and item["implementation"] == IMPLEMENTATION:
                return dict(item)
    return None


async def ensure_webhook(client: LidarrClient, target: WebhookTarget) -> int:
    """Create or update the notification so Lidarr calls ``target``; returns its id.

    Lidarr tests the URL before it saves (a ``Test`` call): ``BackendRequestError`` (400)
    when it cannot deliver it, with Lidarr's reason.
    """
    schema = await client.get_json_api("notification/schema")
    with parsing(client.kind, "the notification templates"):
        template = next(t for t in schema if t["implementation"] == IMPLEMENTATION)
    resource = _with_values(template, target)
    existing = await find_webhook(client)
    if existing is None:
        created = await client.send_json_api("POST", "notification", resource)
    else:
        resource["id"] = existing["id"]
        created = await client.send_json_api("PUT", f"notification/{existing['id']}", resource)
    with parsing(client.kind, "the saved notification"):
        return int(created["id"])


async def send_test(client: LidarrClient, notification_id: int) -> None:
    """Ask Lidarr to send a ``Test`` call now (``BackendRequestError`` when it cannot)."""
    resource = await client.get_json_api(f"notification/{notification_id}")
    await client.send_json_api("POST", "notification/test", resource)


async def remove_webhook(client: LidarrClient) -> bool:
    """Delete the notification, if it exists; whether there was one."""
    existing = await find_webhook(client)
    if existing is None:
        return False
    await client.send_json_api("DELETE", f"notification/{existing['id']}", None)
    return True
