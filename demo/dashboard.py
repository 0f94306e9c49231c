"""The demo's dashboard: the music card, requests, the stack, each backend and the containers.

Built from the device and entity registries, so it shows whatever entities the
integration creates: first the integration's music card, then the requests (Requests in
flight, the Request event, the latest request's stage and the Lidarr release calendar), then
one section per device, in the order a music stack flows (totals, library, downloads,
indexers, VPN, containers).
"""

from __future__ import annotations

from typing import Any

JSON = dict[str, Any]

STACK_MODEL = "Music stack"
CONTAINER_MODEL = "Container"
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


def _rank(device: JSON) -> tuple[int, str]:
    model = str(device.get("model") or "")
    return (ORDER.index(model) if model in ORDER else len(ORDER), str(device.get("name")))


def _heading(text: str, icon: str) -> JSON:
    return {"type": "heading", "heading": text, "icon": icon}


def _tile(entity: JSON) -> JSON:
    """A tile named by the entity alone (its section already names the device)."""
    tile: JSON = {"type": "tile", "entity": entity["entity_id"]}
    name = entity.get("name") or entity.get("original_name")
    if name:
        tile["name"] = name
    if str(entity["entity_id"]).startswith("button."):
        tile["hide_state"] = True  # a button's state is only when it was last pressed
    return tile


def _device_section(device: JSON, entities: list[JSON]) -> JSON:
    cards: list[JSON] = [_heading(str(device["name"]), _icon(device))]
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


def _containers_section(containers: list[tuple[JSON, list[JSON]]]) -> JSON:
    cards: list[JSON] = [_heading("Containers", "mdi:docker")]
    for key, title in (("container_state", "State"), ("container_health", "Health")):
        rows = [
            {"entity": entity["entity_id"], "name": str(device["name"])}
            for device, entities in containers
            for entity in entities
            if entity.get("translation_key") == key
        ]
        if rows:
            cards.append(
                {
                    "type": "glance",
                    "title": title,
                    "columns": 4,
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
    """Markdown (a template) with the latest request's stage and every request in flight."""
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
            "- {{ r.title }}: {{ r.stage | replace('_', ' ') }}"
            "{% if r.stage == 'downloading' and r.progress is not none %}, "
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


def build_dashboard(entry_id: str, devices: list[JSON], entities: list[JSON]) -> JSON:
    """The Lovelace configuration of the demo's dashboard."""
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
    for device in ours:
        of_device = [e for e in shown if e.get("device_id") == device["id"]]
        if not of_device:
            continue
        if device.get("model") == CONTAINER_MODEL:
            containers.append((device, of_device))
        else:
            sections.append(_device_section(device, of_device))
    if containers:
        sections.append(_containers_section(containers))
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
