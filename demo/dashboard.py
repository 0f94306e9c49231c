"""The demo's dashboard: the stack, each backend and the containers, as a Lovelace sections view.

Built from the device and entity registries, so it shows whatever entities the
integration creates: one section per device, in the order a music stack flows
(totals, library, downloads, indexers, VPN, containers).
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


def build_dashboard(entry_id: str, devices: list[JSON], entities: list[JSON]) -> JSON:
    """The Lovelace configuration of the demo's dashboard."""
    ours = sorted((d for d in devices if entry_id in d.get("config_entries", [])), key=_rank)
    shown = [e for e in entities if not e.get("disabled_by") and not e.get("hidden_by")]
    sections: list[JSON] = []
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
