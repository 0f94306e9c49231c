"""The demo's dashboard: the music card, requests, the stack, each backend and the containers.

Built from the device and entity registries, so it shows whatever entities the
integration creates: first the integration's music card, then the requests (Requests in
flight, the Request event, the latest request's stage and the Lidarr release calendar), then
one section per device, in the order a music stack flows (totals, library, downloads,
indexers, VPN, containers), and last the sections with nothing to say (every value zero).
Tiles have names short enough to fit at 1400 px and at 400 px (their section names the
device), and a dropped VPN shows as a red alert above the VPN tile.
"""

from __future__ import annotations

from typing import Any

JSON = dict[str, Any]

STACK_MODEL = "Music stack"
CONTAINER_MODEL = "Container"
CONTAINER_COLUMNS = 2
"""Containers per row: two leave room for a name such as "stepheybot-music-brain" at 400 px
(a phone) and in a section's width at 1400 px; four cut it off."""
CONTAINER_SUFFIX = " container"
"""How the integration's English names a container's device ("gluetun container")."""
ORDER = (
    STACK_MODEL,
    "StepheyBot Music Brain",
    "Navidrome",
    "Lidarr",
    "qBittorrent",
    "Transmission",
    "Jackett",
    "Prowlarr",
    "gluetun",
    "Docker",
)
SPEED_KEYS = ("total_download_speed", "total_upload_speed")
"""The stack's sensors the history graph shows."""
IN_FLIGHT = "sensor.requests_in_flight"
REQUEST_EVENT = "event.request"
RELEASES = "calendar.releases"
REQUEST_ROLES = frozenset({IN_FLIGHT, REQUEST_EVENT, RELEASES})
"""``domain.translation_key`` of the entities the Requests section shows (not their device's)."""
REQUESTS_HEADING = "Requests"
LATEST_TITLE = "Latest request"
CARD_HEADING = "Music"
CARD_TYPE = "custom:stepheybot-music-card"
"""The integration's own card: search, request, follow, and what needs attention."""
VPN_KEY = "vpn_connected"
VPN_DOWN_TITLE = "VPN down"
VPN_DOWN_TEXT = (
    "Downloads wait until gluetun's tunnel runs again: restart the gluetun container "
    "and read its log."
)
SHORT_NAMES = {
    "download_speed": "Download",
    "total_download_speed": "Download",
    "upload_speed": "Upload",
    "total_upload_speed": "Upload",
    "torrents_downloading": "Downloading",
    "torrents_seeding": "Seeding",
    "torrents_stalled": "Stalled",
    "torrents_paused": "Paused",
    "torrents_queued": "Queued",
    "torrents_checking": "Checking",
    "torrents_errored": "Errored",
    "connection_status": "Connection",
    "alltime_download": "Downloaded",
    "alltime_upload": "Uploaded",
    "missing_albums": "Missing",
    "monitored_artists": "Monitored",
    "root_folder_free_space": "Free space",
    "free_space": "Free space",
    "forwarded_port": "Port",
    "active_music_downloads": "Downloads",
    "library_artists": "Artists",
    "library_albums": "Albums",
    "library_tracks": "Tracks",
    "requests_queued": "Queued",
    "requests_active": "Active",
    "requests_completed": "Completed",
    "requests_failed": "Failed",
    "cutoff_unmet_albums": "Below cutoff",
    "requests_in_flight": "In flight",
    "music_blocked_by": "Blocked by",
    "failing_indexers": "Failing",
    "container_problem": "Problem",
    "port_matches_vpn": "Port match",
    "search_missing": "Find missing",
    "search_upgrades": "Upgrade",
    "sync_forwarded_port": "Sync port",
    "alternative_speed_limits": "Alt. speeds",
    "music_downloads": "Allowed",
}
"""``translation_key`` -> the tile's name where the entity's is too long for a tile."""


def _rank(device: JSON) -> tuple[int, str]:
    model = str(device.get("model") or "")
    return (ORDER.index(model) if model in ORDER else len(ORDER), str(device.get("name")))


def _heading(text: str, icon: str) -> JSON:
    return {"type": "heading", "heading": text, "icon": icon}


def _tile(entity: JSON) -> JSON:
    """A tile named by the entity alone (its section already names the device), shortly."""
    tile: JSON = {"type": "tile", "entity": entity["entity_id"]}
    short = SHORT_NAMES.get(str(entity.get("translation_key")))
    name = entity.get("name") or short or entity.get("original_name")
    if name:
        tile["name"] = name
    if str(entity["entity_id"]).startswith("button."):
        tile["hide_state"] = True  # a button's state is only when it was last pressed
    return tile


def _vpn_down(entity_id: str) -> JSON:
    """A red alert, full width, shown only while the VPN is not connected."""
    return {
        "type": "markdown",
        "content": (
            f'<ha-alert alert-type="error" title="{VPN_DOWN_TITLE}">{VPN_DOWN_TEXT}</ha-alert>'
        ),
        "text_only": True,
        "visibility": [{"condition": "state", "entity": entity_id, "state_not": "on"}],
        "grid_options": {"columns": "full"},
    }


def _device_section(device: JSON, entities: list[JSON]) -> JSON:
    cards: list[JSON] = [_heading(str(device["name"]), _icon(device))]
    cards += [
        _vpn_down(str(e["entity_id"])) for e in entities if e.get("translation_key") == VPN_KEY
    ]
    cards += [_tile(entity) for entity in entities]
    if device.get("model") == STACK_MODEL:
        speeds = [e["entity_id"] for e in entities if e.get("translation_key") in SPEED_KEYS]
        if speeds:
            cards.append(
                {
                    "type": "history-graph",
                    "title": "Music downloads",
                    "hours_to_show": 0.25,
                    "entities": speeds,
                    "grid_options": {"columns": "full"},
                }
            )
    return {"type": "grid", "cards": cards}


def _container_name(device: JSON) -> str:
    """The container's own name: its section's heading already says these are containers."""
    return str(device["name"]).removesuffix(CONTAINER_SUFFIX)


def _containers_section(containers: list[tuple[JSON, list[JSON]]]) -> JSON:
    cards: list[JSON] = [_heading("Containers", "mdi:docker")]
    for key, title in (("container_state", "State"), ("container_health", "Health")):
        rows = [
            {"entity": entity["entity_id"], "name": _container_name(device)}
            for device, entities in containers
            for entity in entities
            if entity.get("translation_key") == key
        ]
        if rows:
            cards.append(
                {
                    "type": "glance",
                    "title": title,
                    "columns": CONTAINER_COLUMNS,
                    "entities": rows,
                    "grid_options": {"columns": "full"},
                }
            )
    return {"type": "grid", "cards": cards}


_ICONS = {
    STACK_MODEL: "mdi:music-box-multiple",
    "StepheyBot Music Brain": "mdi:brain",
    "Navidrome": "mdi:music-circle",
    "Lidarr": "mdi:album",
    "qBittorrent": "mdi:download-network",
    "Transmission": "mdi:download-network-outline",
    "Jackett": "mdi:magnify",
    "Prowlarr": "mdi:magnify-scan",
    "gluetun": "mdi:vpn",
    "Docker": "mdi:docker",
}


def _icon(device: JSON) -> str:
    return _ICONS.get(str(device.get("model")), "mdi:server")


def _role(entity: JSON) -> str:
    """``domain.translation_key`` of an entity."""
    domain = str(entity["entity_id"]).partition(".")[0]
    return f"{domain}.{entity.get('translation_key') or ''}"


def latest_request_markdown(event_id: str | None, in_flight_id: str | None) -> str:
    """Markdown (a template) with the latest request's stage and every request in flight.

    A download says what its torrent does ("stalled", "paused", "queued"), as the card does.
    """
    lines: list[str] = []
    if event_id:
        lines += [
            f"{{% set last = '{event_id}' %}}",
            "{% if has_value(last) %}",
            "**{{ state_attr(last, 'title') }}**: "
            "{{ state_attr(last, 'event_type') | replace('_', ' ') }}"
            "{% if state_attr(last, 'message') %}. {{ state_attr(last, 'message') }}{% endif %}",
            "{% else %}",
            "No request yet: ask for music with the `stepheybot_music.request_download` action "
            "or with Assist.",
            "{% endif %}",
        ]
    if in_flight_id:
        lines += [
            "",
            f"{{% set flying = state_attr('{in_flight_id}', 'requests') or [] %}}",
            "{% if flying %}In flight:",
            "{% for r in flying %}",
            "{% set downloading = r.stage == 'downloading' %}"
            "- {{ r.title }}: "
            "{{ (r.download_state if downloading and r.download_state else r.stage)"
            " | replace('_', ' ') }}"
            "{% if downloading and r.progress is not none %}, "
            "{{ (r.progress * 100) | round }} %{% endif %}",
            "{% endfor %}{% endif %}",
        ]
    return "\n".join(lines)


def _requests_section(entities: list[JSON]) -> JSON | None:
    """Requests in flight, the Request event, the latest request and the release calendar."""
    by_role = {_role(e): e for e in entities if _role(e) in REQUEST_ROLES}
    in_flight, event = by_role.get(IN_FLIGHT), by_role.get(REQUEST_EVENT)
    if not in_flight and not event:
        return None
    cards: list[JSON] = [_heading(REQUESTS_HEADING, "mdi:playlist-music")]
    cards += [_tile(entity) for entity in (in_flight, event) if entity]
    cards.append(
        {
            "type": "markdown",
            "title": LATEST_TITLE,
            "content": latest_request_markdown(
                event["entity_id"] if event else None,
                in_flight["entity_id"] if in_flight else None,
            ),
            "grid_options": {"columns": "full"},
        }
    )
    if releases := by_role.get(RELEASES):
        cards.append(
            {
                "type": "calendar",
                "title": "Lidarr releases",
                "entities": [releases["entity_id"]],
                "initial_view": "listWeek",
                "grid_options": {"columns": "full"},
            }
        )
    return {"type": "grid", "cards": cards}


def _card_section(entry_id: str) -> JSON:
    """The music card, full width, above everything else."""
    card: JSON = {"type": CARD_TYPE, "entry_id": entry_id, "grid_options": {"columns": "full"}}
    return {
        "type": "grid",
        "column_span": 2,  # wide enough for search results and progress bars on a desktop
        "cards": [_heading(CARD_HEADING, "mdi:music"), card],
    }


QUIET_STATES = {"connectivity": "on", "problem": "off"}
"""A binary sensor's device class -> the state in which it has nothing to say (all is well)."""


def _says_nothing(entities: list[JSON], states: dict[str, str]) -> bool:
    """Whether a device only reads zeros (a Music Brain nobody has used yet).

    Its buttons say nothing either way, and neither does a connectivity sensor that is
    connected or a problem sensor without a problem; any other entity always says something.
    """
    said = [e for e in entities if not str(e["entity_id"]).startswith("button.")]
    sensors = [str(e["entity_id"]) for e in said if str(e["entity_id"]).startswith("sensor.")]
    if not sensors:
        return False
    for entity in said:
        entity_id = str(entity["entity_id"])
        if entity_id.startswith("sensor."):
            continue
        device_class = entity.get("device_class") or entity.get("original_device_class")
        quiet = QUIET_STATES.get(str(device_class))
        if not entity_id.startswith("binary_sensor.") or quiet is None:
            return False
        if states.get(entity_id) != quiet:
            return False
    try:
        return all(float(states.get(entity_id) or "nan") == 0 for entity_id in sensors)
    except ValueError:
        return False


def build_dashboard(
    entry_id: str,
    devices: list[JSON],
    entities: list[JSON],
    states: dict[str, str] | None = None,
) -> JSON:
    """The Lovelace configuration of the demo's dashboard (``states``: entity id -> state)."""
    ours = sorted((d for d in devices if entry_id in d.get("config_entries", [])), key=_rank)
    device_ids = {d["id"] for d in ours}
    shown = [
        e
        for e in entities
        if not e.get("disabled_by") and not e.get("hidden_by") and e.get("device_id") in device_ids
    ]
    requests = _requests_section(shown)
    sections: list[JSON] = [_card_section(entry_id)]
    if requests:
        sections.append(requests)
    if requests:
        shown = [e for e in shown if _role(e) not in REQUEST_ROLES]
    containers: list[tuple[JSON, list[JSON]]] = []
    quiet: list[JSON] = []
    for device in ours:
        of_device = [e for e in shown if e.get("device_id") == device["id"]]
        if not of_device:
            continue
        if device.get("model") == CONTAINER_MODEL:
            containers.append((device, of_device))
        elif _says_nothing(of_device, states or {}):
            quiet.append(_device_section(device, of_device))
        else:
            sections.append(_device_section(device, of_device))
    if containers:
        sections.append(_containers_section(containers))
    sections += quiet
    return {
        "title": "Music stack",
        "views": [
            {
                "title": "Music stack",
                "path": "stack",
                "icon": "mdi:music",
                "type": "sections",
                "max_columns": 4,
                "sections": sections,
            }
        ],
    }
