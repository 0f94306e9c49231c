"""The demo runner's parts, without starting the demo: children, waits, parsing, the dashboard.

Children are real processes (``sh``), started and stopped by PID as the demo does it.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
import yaml
from homeassistant.core import HomeAssistant
from homeassistant.helpers.template import Template

from demo.__main__ import parse_args, story_after
from demo.browser import chromium_path
from demo.check import parse_metrics, rule_names
from demo.children import Child, DemoError, wait_until
from demo.dashboard import (
    CARD_HEADING,
    CARD_TYPE,
    LATEST_TITLE,
    REQUESTS_HEADING,
    build_dashboard,
    latest_request_markdown,
)
from demo.homeassistant import (
    BLUEPRINT,
    PLAY_SENTENCES,
    QUIET_LOGGERS,
    SENTENCES,
    home_assistant_child,
    request_finished_automation,
    write_config_dir,
)
from demo.monitoring import alert_rule_files, prometheus_config
from demo.stack import DEFAULT_STORY_AFTER, ROOT, DemoInfo, DemoOptions
from simulator.control import artists_to_request
from simulator.world import World

from .readme import walkthrough


def test_a_child_that_exits_is_reported_with_the_end_of_its_log(tmp_path: Path) -> None:
    child = Child(
        "crasher", ["sh", "-c", "echo 'bind: address in use'; exit 3"], log=tmp_path / "c.log"
    )
    child.start()
    assert child.process is not None
    child.process.wait(10)
    with pytest.raises(DemoError) as failed:
        child.check_alive()
    message = str(failed.value)
    assert message.startswith(f"crasher exited with code 3; its log is {tmp_path / 'c.log'}")
    assert message.endswith("bind: address in use")


async def test_waiting_stops_as_soon_as_the_child_dies(tmp_path: Path) -> None:
    child = Child("quitter", ["sh", "-c", "exit 7"], log=tmp_path / "q.log")
    child.start()

    async def never() -> bool:
        return False

    started = time.monotonic()
    with pytest.raises(DemoError, match="quitter exited with code 7"):
        await wait_until("the quitter", never, child=child, timeout=30, interval=0.1)
    assert time.monotonic() - started < 10


async def test_waiting_too_long_says_what_and_the_last_error() -> None:
    async def refuses() -> bool:
        raise ConnectionRefusedError(111, "Connection refused")

    with pytest.raises(DemoError) as late:
        await wait_until("the exporter", refuses, timeout=0.3, interval=0.1)
    assert str(late.value) == (
        "the exporter was not ready after 0 s "
        "(last error: ConnectionRefusedError: [Errno 111] Connection refused)"
    )


def test_stop_ends_the_whole_process_group(tmp_path: Path) -> None:
    # the leader ignores SIGTERM and has a grandchild: both must be gone
    script = "trap '' TERM; sleep 300 & echo $! > grandchild; wait"
    child = Child("stubborn", ["sh", "-c", script], log=tmp_path / "s.log", cwd=tmp_path)
    child.start()
    pid_file = tmp_path / "grandchild"
    deadline = time.monotonic() + 10
    # the shell creates the file before it writes the pid: wait for a whole line
    while not (pid_file.exists() and pid_file.read_text().endswith("\n")):
        assert time.monotonic() < deadline, "the child never wrote its grandchild's pid"
        time.sleep(0.05)
    grandchild = int(pid_file.read_text())
    assert child.stop(timeout=1) == -signal.SIGKILL
    assert not child.running()
    assert _gone(grandchild), "the grandchild outlived its process group"


def _gone(pid: int, within: float = 10.0) -> bool:
    """Whether ``pid`` ends (and is reaped by init) within ``within`` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def test_a_missing_chromium_says_how_to_get_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(DemoError) as missing:
        chromium_path()
    assert str(missing.value) == (
        "Chromium is not installed: run scripts/setup, which adds Debian's chromium to the "
        "toolbox (without the toolbox: apt-get install chromium)"
    )


def test_metrics_are_parsed_by_name_and_labels() -> None:
    text = (
        "# HELP stepheybot_music_backend_up 1 if collected\n"
        "# TYPE stepheybot_music_backend_up gauge\n"
        'stepheybot_music_backend_up{backend="lidarr"} 1.0\n'
        "stepheybot_music_library_tracks 843.0\n"
    )
    assert parse_metrics(text) == {
        'stepheybot_music_backend_up{backend="lidarr"}': 1.0,
        "stepheybot_music_library_tracks": 843.0,
    }


def test_prometheus_gets_every_alert_rule_file_and_the_stack_label() -> None:
    files = alert_rule_files(ROOT)
    assert files, "grafana/alerts has no *.rules.yml"
    assert not any(f.name.endswith(".test.yml") for f in files)
    assert "StepheyBotMusicExporterDown" in rule_names(files)
    config = prometheus_config("http://127.0.0.1:10089", "home", files)
    job = config["scrape_configs"][0]
    assert job["job_name"].startswith("stepheybot-music")  # what the exporter-down rule matches
    assert job["static_configs"] == [{"targets": ["127.0.0.1:10089"], "labels": {"stack": "home"}}]
    assert config["rule_files"] == [str(f) for f in files]


def test_the_dashboard_has_a_section_per_device_in_stack_order() -> None:
    entry = "E1"
    devices = [
        {"id": "d-docker", "name": "Docker", "model": "Docker", "config_entries": [entry]},
        {"id": "d-nav", "name": "Navidrome", "model": "Navidrome", "config_entries": [entry]},
        {"id": "d-stack", "name": "Home", "model": "Music stack", "config_entries": [entry]},
        {"id": "d-web", "name": "web", "model": "Container", "config_entries": [entry]},
        {"id": "d-other", "name": "Kitchen", "model": "Lamp", "config_entries": ["E2"]},
    ]
    entities = [
        {"entity_id": "sensor.navidrome_tracks", "device_id": "d-nav", "original_name": "Tracks"},
        {
            "entity_id": "button.navidrome_start_scan",
            "device_id": "d-nav",
            "original_name": "Start scan",
        },
        {
            "entity_id": "sensor.navidrome_hidden",
            "device_id": "d-nav",
            "disabled_by": "integration",
        },
        {
            "entity_id": "sensor.home_download_speed",
            "device_id": "d-stack",
            "original_name": "Download speed",
            "translation_key": "total_download_speed",
        },
        {
            "entity_id": "binary_sensor.docker_problem",
            "device_id": "d-docker",
            "original_name": "Problem",
        },
        {
            "entity_id": "sensor.web_state",
            "device_id": "d-web",
            "original_name": "State",
            "translation_key": "container_state",
        },
        {"entity_id": "light.kitchen", "device_id": "d-other", "original_name": "Light"},
    ]
    view = build_dashboard(entry, devices, entities)["views"][0]
    assert view["type"] == "sections"
    headings = [s["cards"][0]["heading"] for s in view["sections"]]
    assert headings == [CARD_HEADING, "Home", "Navidrome", "Docker", "Containers"]
    assert view["sections"][0]["cards"][1] == {
        "type": CARD_TYPE,
        "entry_id": entry,
        "grid_options": {"columns": "full"},
    }
    navidrome = view["sections"][2]["cards"][1:]
    assert navidrome == [
        {"type": "tile", "entity": "sensor.navidrome_tracks", "name": "Tracks"},
        {
            "type": "tile",
            "entity": "button.navidrome_start_scan",
            "name": "Start scan",
            "hide_state": True,
        },
    ]
    graph = view["sections"][1]["cards"][-1]
    assert graph["type"] == "history-graph"
    assert graph["entities"] == ["sensor.home_download_speed"]
    containers = view["sections"][4]["cards"][1]
    assert containers["entities"] == [{"entity": "sensor.web_state", "name": "web"}]


def test_the_requests_section_comes_first_with_the_request_entities() -> None:
    entry = "E1"
    devices = [
        {"id": "d-stack", "name": "Home", "model": "Music stack", "config_entries": [entry]},
        {"id": "d-lidarr", "name": "Lidarr", "model": "Lidarr", "config_entries": [entry]},
    ]
    entities = [
        {
            "entity_id": "sensor.home_requests_in_flight",
            "device_id": "d-stack",
            "original_name": "Requests in flight",
            "translation_key": "requests_in_flight",
        },
        {
            "entity_id": "event.home_request",
            "device_id": "d-stack",
            "original_name": "Request",
            "translation_key": "request",
        },
        {
            "entity_id": "sensor.home_download_speed",
            "device_id": "d-stack",
            "original_name": "Download speed",
            "translation_key": "total_download_speed",
        },
        {
            "entity_id": "calendar.lidarr_releases",
            "device_id": "d-lidarr",
            "original_name": "Releases",
            "translation_key": "releases",
        },
        {
            "entity_id": "sensor.lidarr_queue",
            "device_id": "d-lidarr",
            "original_name": "Queue",
            "translation_key": "queue",
        },
    ]
    sections = build_dashboard(entry, devices, entities)["views"][0]["sections"]
    headings = [s["cards"][0]["heading"] for s in sections]
    assert headings == [CARD_HEADING, REQUESTS_HEADING, "Home", "Lidarr"]
    requests = sections[1]["cards"][1:]
    assert [c["type"] for c in requests] == ["tile", "tile", "markdown", "calendar"]
    assert [c["entity"] for c in requests[:2]] == [
        "sensor.home_requests_in_flight",
        "event.home_request",
    ]
    assert requests[2]["title"] == LATEST_TITLE
    assert "state_attr(last, 'event_type')" in requests[2]["content"]
    assert "event.home_request" in requests[2]["content"]
    assert "state_attr('sensor.home_requests_in_flight', 'requests')" in requests[2]["content"]
    assert requests[3]["entities"] == ["calendar.lidarr_releases"]
    # shown once: not again in their devices' sections
    home = [c.get("entity") for c in sections[2]["cards"]]
    lidarr = [c.get("entity") for c in sections[3]["cards"]]
    assert "sensor.home_requests_in_flight" not in home
    assert "event.home_request" not in home
    assert lidarr == [None, "sensor.lidarr_queue"]


async def test_the_latest_request_says_what_a_download_does(hass: HomeAssistant) -> None:
    """Rendered by Home Assistant: a stalled download reads "stalled", as on the card."""
    hass.states.async_set(
        "event.home_request",
        "2026-12-05T10:00:00+00:00",
        {"title": "Wolves - Blue Silence", "event_type": "downloading", "message": None},
    )
    flying = [
        {"title": "Wolves - Blue Silence", "stage": "downloading", "progress": 0.06},
        {"title": "Paper - Bloom", "stage": "importing", "progress": 1.0},
    ]
    template = latest_request_markdown("event.home_request", "sensor.home_requests_in_flight")

    def render(download_states: tuple[str | None, str | None]) -> list[str]:
        pairs = zip(flying, download_states, strict=True)
        requests = [{**r, "download_state": d} for r, d in pairs]
        hass.states.async_set("sensor.home_requests_in_flight", "2", {"requests": requests})
        text = Template(template, hass).async_render(parse_result=False)
        return [line.strip() for line in text.splitlines() if line.strip()]

    assert render(("stalled", "seeding")) == [
        "**Wolves - Blue Silence**: downloading",
        "In flight:",
        "- Wolves - Blue Silence: stalled, 6 %",
        "- Paper - Bloom: importing",  # a finished torrent's seeding is not the request's stage
    ]
    assert render((None, None))[2] == "- Wolves - Blue Silence: downloading, 6 %"
    assert render(("paused", None))[2] == "- Wolves - Blue Silence: paused, 6 %"


def test_a_stack_without_request_entities_has_no_requests_section() -> None:
    devices = [{"id": "d-nav", "name": "Navidrome", "model": "Navidrome", "config_entries": ["E"]}]
    entities = [{"entity_id": "sensor.navidrome_tracks", "device_id": "d-nav", "name": "Tracks"}]
    sections = build_dashboard("E", devices, entities)["views"][0]["sections"]
    assert [s["cards"][0]["heading"] for s in sections] == [CARD_HEADING, "Navidrome"]


def test_tiles_are_named_shortly_a_dropped_vpn_is_red_and_quiet_sections_come_last() -> None:
    devices = [
        {
            "id": "d-brain",
            "name": "Brain",
            "model": "StepheyBot Music Brain",
            "config_entries": ["E"],
        },
        {"id": "d-vpn", "name": "gluetun", "model": "gluetun", "config_entries": ["E"]},
        {"id": "d-box", "name": "gluetun container", "model": "Container", "config_entries": ["E"]},
    ]
    entities = [
        {
            "entity_id": "sensor.brain_failed_requests",
            "device_id": "d-brain",
            "original_name": "Failed requests",
            "translation_key": "requests_failed",
        },
        {
            "entity_id": "binary_sensor.brain_reachable",
            "device_id": "d-brain",
            "original_name": "Reachable",
            "original_device_class": "connectivity",
            "translation_key": "reachable",
        },
        {
            "entity_id": "binary_sensor.gluetun_vpn",
            "device_id": "d-vpn",
            "original_name": "VPN",
            "translation_key": "vpn_connected",
        },
        {
            "entity_id": "sensor.gluetun_forwarded_port",
            "device_id": "d-vpn",
            "original_name": "Forwarded port",
            "name": "My port",  # the user's own name wins
            "translation_key": "forwarded_port",
        },
        {
            "entity_id": "sensor.gluetun_container_state",
            "device_id": "d-box",
            "original_name": "State",
            "translation_key": "container_state",
        },
    ]
    states = {
        "sensor.brain_failed_requests": "0",
        "binary_sensor.brain_reachable": "on",  # connected: nothing to say
        "sensor.gluetun_forwarded_port": "0",
    }
    sections = build_dashboard("E", devices, entities, states)["views"][0]["sections"]
    headings = [s["cards"][0]["heading"] for s in sections]
    assert headings == [CARD_HEADING, "gluetun", "Containers", "Brain"]
    alert, vpn, port = sections[1]["cards"][1:]
    assert alert["type"] == "markdown"
    assert 'alert-type="error"' in alert["content"]
    assert alert["visibility"] == [
        {"condition": "state", "entity": "binary_sensor.gluetun_vpn", "state_not": "on"}
    ]
    assert (vpn["name"], port["name"]) == ("VPN", "My port")
    assert sections[3]["cards"][1]["name"] == "Failed"
    assert sections[2]["cards"][1]["entities"] == [
        {"entity": "sensor.gluetun_container_state", "name": "gluetun"}
    ]
    # without states (or with a value), the Music Brain keeps its place
    sections = build_dashboard("E", devices, entities)["views"][0]["sections"]
    assert [s["cards"][0]["heading"] for s in sections][1] == "Brain"
    # an unreachable Music Brain has something to say, zeros or not
    states["binary_sensor.brain_reachable"] = "off"
    sections = build_dashboard("E", devices, entities, states)["views"][0]["sections"]
    assert [s["cards"][0]["heading"] for s in sections][1] == "Brain"


def test_the_config_dir_has_the_blueprint_the_sentences_and_automations(tmp_path: Path) -> None:
    write_config_dir(tmp_path, ROOT, 8123)
    for shipped in (BLUEPRINT, SENTENCES, PLAY_SENTENCES):
        assert (tmp_path / shipped).read_bytes() == (ROOT / shipped).read_bytes()
        assert not (tmp_path / shipped).is_symlink()  # a copy, as a user installs it
    configuration = (tmp_path / "configuration.yaml").read_text()
    assert configuration.endswith("automation: !include automations.yaml\n")
    assert yaml.safe_load((tmp_path / "automations.yaml").read_text()) == []
    loaded = yaml.safe_load(configuration.replace("!include ", ""))
    assert "conversation" in loaded
    assert "assist_pipeline" in loaded
    # the living room speaker, from the demo's own integration linked in
    assert loaded["media_player"] == [
        {"platform": "demo_speaker", "name": "Living room speaker", "area": "Living room"}
    ]
    speaker = tmp_path / "custom_components/demo_speaker"
    assert (speaker / "manifest.json").exists()
    assert (speaker / "media_player.py").exists()
    automation = request_finished_automation("ENTRY")
    assert automation["use_blueprint"] == {
        "path": "stepheybot_music/request_finished.yaml",
        "input": {"stack": "ENTRY"},
    }
    assert (tmp_path / "blueprints/automation" / automation["use_blueprint"]["path"]).exists()


@pytest.mark.parametrize(
    ("argv", "seconds"),
    [
        ([], DEFAULT_STORY_AFTER),
        (["--check"], 0.0),
        (["--story-after", "5"], 5.0),
        (["--check", "--story-after", "5"], 5.0),
        (["--no-story", "--story-after", "5"], -1.0),
        (["--story-after", "-3"], 0.0),
    ],
)
def test_when_the_story_makes_its_first_request(argv: list[str], seconds: float) -> None:
    assert story_after(parse_args(argv)) == seconds


def test_home_assistant_logs_once_into_the_demos_logs(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    child, url = home_assistant_child(Path("/venv/bin"), ROOT, tmp_path / "config", logs)
    assert child.log == logs / "home-assistant.log"
    assert "--log-file" not in child.argv, "its console output is the one log"
    assert child.env is not None
    assert child.env["HA_DISABLE_LOG_FILE"] == "1", "no second copy in the config directory"
    assert url.startswith("http://127.0.0.1:")


def test_only_the_start_up_noise_of_unused_integrations_is_quieted(tmp_path: Path) -> None:
    write_config_dir(tmp_path, ROOT, 8123)
    loaded = yaml.safe_load((tmp_path / "configuration.yaml").read_text().replace("!include ", ""))
    assert loaded["logger"] == {
        "default": "warning",
        "logs": {
            "custom_components.stepheybot_music": "info",
            "haffmpeg": "critical",
            "homeassistant.components.camera.img_util": "critical",
        },
    }
    assert set(QUIET_LOGGERS) == {"haffmpeg", "homeassistant.components.camera.img_util"}
    # what the demo needs, nothing more: no default_config (it would set up dozens more)
    assert set(loaded) == {
        "homeassistant",
        "http",
        "frontend",
        "recorder",
        "history",
        "conversation",
        "assist_pipeline",
        "media_source",
        "media_player",
        "logger",
        "automation",
    }


def test_demo_json_names_only_what_the_demo_has() -> None:
    info = DemoInfo(
        home_assistant_url="http://127.0.0.1:1",
        prometheus_url="http://127.0.0.1:2",
        exporter_url="http://127.0.0.1:3",
        control_url="http://127.0.0.1:4/control/state",
    )
    without_ui = info.to_json()
    assert "prometheus_ui" not in without_ui, "Debian's Prometheus serves only its API"
    assert without_ui["prometheus"] == "http://127.0.0.1:2"
    info.prometheus_ui = "http://127.0.0.1:2"
    assert info.to_json()["prometheus_ui"] == "http://127.0.0.1:2"


def test_the_walkthroughs_artist_is_one_the_default_demo_offers() -> None:
    steps = walkthrough()
    world = World(seed=DemoOptions(workdir=ROOT).seed)
    assert steps.state_key == "artists_to_request"
    assert steps.artist in artists_to_request(world)
    artist = next(a for a in world.artists.values() if a.name == steps.artist)
    latest = max((world.albums[i] for i in artist.album_ids), key=lambda a: a.release_date)
    assert steps.sentence == f"download the latest album by {artist.name}"
    assert (
        steps.answer == f"OK, I asked Lidarr for {latest.title} by {artist.name}, the latest album."
    )
    assert steps.ready == f"{artist.name} \u2013 {latest.title} is ready to play."
    assert steps.posts == [("/control/vpn", {"up": False}), ("/control/vpn", {"up": True})]
