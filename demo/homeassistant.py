"""A real Home Assistant for the demo: a throwaway config directory, onboarded through its API.

Only the onboarding steps that would reach the internet are marked done in advance
(``core_config`` sets up weather and radio integrations, ``analytics``); the user step
creates the demo user through the onboarding API like the first-run page does.

Since 2026.10 Home Assistant keeps its HTTP settings in storage: the ``http:`` YAML
(loopback only, our port) is tried as a pending configuration that reverts unless
confirmed, so the demo confirms it through the API the way the dialog's button does.
``SETUP_PORT`` gives the same port to releases that ignore the YAML.

The config directory also gets what a user installs by hand from this repository: the
"Music request finished" blueprint (an automation is created from it through the
automation editor's API) and the Assist sentences.

Home Assistant logs once, to ``logs/home-assistant.log`` (its console output: what it prints
before its logging is up lands there too); ``HA_DISABLE_LOG_FILE`` keeps it from writing a
second copy into the config directory.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import yaml

from .children import HOST, Child, DemoError, free_port, wait_until
from .ha_client import JSON, HomeAssistantApi

DOMAIN = "stepheybot_music"
USERNAME = "demo"
LANGUAGE = "en"
BLUEPRINT = Path("blueprints/automation") / DOMAIN / "request_finished.yaml"
"""The shipped blueprint, relative to the repository and to ``<config>``."""
SENTENCES = Path("custom_sentences") / LANGUAGE / f"{DOMAIN}.yaml"
"""The Assist sentences, relative to the repository and to ``<config>``."""
PLAY_SENTENCES = Path("custom_sentences") / LANGUAGE / f"{DOMAIN}_play.yaml"
"""The "play ..." sentences, beside the others."""
SPEAKER_DIR = Path("demo") / "speaker"
"""The demo's speaker integration (``demo_speaker``), linked into ``<config>/custom_components``."""
SPEAKER_AREA = "Living room"
SPEAKER = "media_player.living_room_speaker"
"""The speaker the demo puts in the living room: "play ... in the living room" plays there."""
AUTOMATION_ID = "stepheybot_music_request_finished"
AUTOMATIONS = "automations.yaml"
LOG_FILE = "home-assistant.log"
"""Home Assistant's one log, in the demo's logs folder."""
QUIET_LOGGERS = {
    "haffmpeg": "critical",
    "homeassistant.components.camera.img_util": "critical",
}
"""Loggers of integrations Home Assistant loads whatever the configuration, whose start-up
errors concern a machine without ffmpeg and libturbojpeg, not the demo. ``camera`` is a base
platform, set up always (``DEFAULT_INTEGRATIONS`` in homeassistant/bootstrap.py), and loading
it tries libturbojpeg; ``ffmpeg`` is a dependency of ``tts``, which ``assist_pipeline`` needs,
and the dashboard's Assist dialog talks only through ``assist_pipeline/run``. Neither is used:
no camera, no speech."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Login:
    """The demo user and its tokens (from the onboarding or a login)."""

    username: str
    password: str = field(repr=False)
    client_id: str
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_in: int


def configuration(port: int) -> dict[str, object]:
    """``configuration.yaml``: the frontend, history and Assist, nothing that needs the internet.

    ``automation: !include automations.yaml`` (a YAML tag) is added by :func:`write_config_dir`.
    """
    return {
        "homeassistant": {
            "name": "StepheyBot Music demo",
            "latitude": 52.3676,
            "longitude": 4.9041,
            "elevation": 0,
            "unit_system": "metric",
            "currency": "EUR",
            "country": "NL",
            "time_zone": "UTC",
            "language": LANGUAGE,
            "internal_url": f"http://{HOST}:{port}",
        },
        "http": {"server_host": HOST, "server_port": port},
        "frontend": {},
        "recorder": {"purge_keep_days": 1, "commit_interval": 1},
        "history": {},
        "conversation": {},
        "assist_pipeline": {},
        "media_source": {},
        "media_player": [
            {"platform": "demo_speaker", "name": "Living room speaker", "area": SPEAKER_AREA}
        ],
        "logger": {
            "default": "warning",
            "logs": {f"custom_components.{DOMAIN}": "info", **QUIET_LOGGERS},
        },
    }


def write_config_dir(config_dir: Path, root: Path, port: int) -> None:
    """A fresh config directory with the integration linked in and onboarding half done."""
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "configuration.yaml").write_text(
        yaml.safe_dump(configuration(port), sort_keys=False)
        + f"automation: !include {AUTOMATIONS}\n",
        encoding="utf-8",
    )
    (config_dir / AUTOMATIONS).write_text("[]\n", encoding="utf-8")
    for shipped in (BLUEPRINT, SENTENCES, PLAY_SENTENCES):
        (config_dir / shipped).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / shipped, config_dir / shipped)
    components = config_dir / "custom_components"
    components.mkdir(exist_ok=True)
    (components / DOMAIN).symlink_to(root / "custom_components" / DOMAIN, target_is_directory=True)
    (components / "demo_speaker").symlink_to(root / SPEAKER_DIR, target_is_directory=True)
    storage = config_dir / ".storage"
    storage.mkdir(exist_ok=True)
    onboarding = {
        "version": 4,
        "minor_version": 1,
        "key": "onboarding",
        "data": {"done": ["core_config", "analytics"]},
    }
    (storage / "onboarding").write_text(json.dumps(onboarding), encoding="utf-8")


def home_assistant_child(
    bin_dir: Path, root: Path, config_dir: Path, logs: Path
) -> tuple[Child, str]:
    """``hass`` on a free port with a fresh config directory (not started yet), and its URL."""
    port = free_port()
    write_config_dir(config_dir, root, port)
    env = {**os.environ, "SETUP_PORT": str(port), "HA_DISABLE_LOG_FILE": "1"}
    child = Child(
        "home-assistant",
        [str(bin_dir / "hass"), "--config", str(config_dir), "--skip-pip", "--log-no-color"],
        log=logs / LOG_FILE,
        env=env,
    )
    return child, f"http://{HOST}:{port}"


async def wait_for_home_assistant(session: aiohttp.ClientSession, child: Child, url: str) -> None:
    """Wait until Home Assistant has started and its HTTP server answers."""

    async def answers() -> bool:
        async with session.get(f"{url}/api/onboarding") as resp:
            return resp.status == 200

    await wait_until("Home Assistant", answers, child=child, timeout=180, interval=1.0)


async def onboard(session: aiohttp.ClientSession, url: str) -> Login:
    """Create the demo user through the onboarding API and finish onboarding."""
    client_id = f"{url}/"
    password = secrets.token_urlsafe(9)
    async with session.post(
        f"{url}/api/onboarding/users",
        json={
            "client_id": client_id,
            "name": "Demo",
            "username": USERNAME,
            "password": password,
            "language": LANGUAGE,
        },
    ) as resp:
        if resp.status != 200:
            raise DemoError(f"onboarding refused the demo user: {await resp.text()}")
        auth_code = (await resp.json())["auth_code"]
    async with session.post(
        f"{url}/auth/token",
        data={"grant_type": "authorization_code", "code": auth_code, "client_id": client_id},
    ) as resp:
        if resp.status != 200:
            raise DemoError(f"Home Assistant gave no token for the demo user: {resp.status}")
        tokens = await resp.json()
    async with session.post(
        f"{url}/api/onboarding/integration",
        json={"client_id": client_id, "redirect_uri": f"{url}/?auth_callback=1"},
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    ) as resp:
        if resp.status != 200:
            raise DemoError(f"onboarding did not finish: {await resp.text()}")
    login = Login(
        username=USERNAME,
        password=password,
        client_id=client_id,
        access_token=tokens["access_token"],
        refresh_token=tokens["refresh_token"],
        expires_in=int(tokens["expires_in"]),
    )
    await _check_onboarded(session, url)
    return login


async def log_in(session: aiohttp.ClientSession, url: str, username: str, password: str) -> Login:
    """Log in through the login flow API, as the login page does; the user's tokens."""
    client_id = f"{url}/"
    async with session.post(
        f"{url}/auth/login_flow",
        json={
            "client_id": client_id,
            "handler": ["homeassistant", None],
            "redirect_uri": f"{url}/?auth_callback=1",
        },
    ) as resp:
        flow = await resp.json()
    async with session.post(
        f"{url}/auth/login_flow/{flow['flow_id']}",
        json={"client_id": client_id, "username": username, "password": password},
    ) as resp:
        result = await resp.json()
    if result.get("type") != "create_entry":
        raise DemoError(f"Home Assistant refused the login of {username!r}: {result.get('errors')}")
    async with session.post(
        f"{url}/auth/token",
        data={"grant_type": "authorization_code", "code": result["result"], "client_id": client_id},
    ) as resp:
        tokens = await resp.json()
    return Login(
        username=username,
        password=password,
        client_id=client_id,
        access_token=tokens["access_token"],
        refresh_token=tokens["refresh_token"],
        expires_in=int(tokens["expires_in"]),
    )


async def _check_onboarded(session: aiohttp.ClientSession, url: str) -> None:
    async with session.get(f"{url}/api/onboarding") as resp:
        steps = await resp.json()
    undone = [step["step"] for step in steps if not step["done"]]
    if undone:
        raise DemoError(f"onboarding steps still open: {', '.join(undone)}")


async def confirm_http_config(api: HomeAssistantApi) -> None:
    """Keep the HTTP settings this start uses (else Home Assistant reverts them in 5 minutes)."""
    try:
        config = await api.command("http/config")
    except DemoError:
        return  # a release without stored HTTP settings
    if config.get("pending") and config.get("active_config_type") == "pending":
        await api.command("http/config/promote")


async def create_token(api: HomeAssistantApi) -> str:
    """A long-lived access token of the demo user (30 days; the login's token lasts 30 min)."""
    token: str = await api.command(
        "auth/long_lived_access_token", client_name="StepheyBot Music demo", lifespan=30
    )
    return token


def request_finished_automation(entry_id: str) -> JSON:
    """The automation the demo creates from the shipped blueprint (default action)."""
    return {
        "alias": "Music request finished",
        "description": "Made by the demo from the StepheyBot Music blueprint.",
        "use_blueprint": {
            "path": str(BLUEPRINT.relative_to("blueprints/automation")),
            "input": {"stack": entry_id},
        },
    }


async def create_automation(api: HomeAssistantApi, entry_id: str) -> None:
    """Create the "Music request finished" automation, as the automation editor saves it."""
    await api.post(
        f"/api/config/automation/config/{AUTOMATION_ID}", request_finished_automation(entry_id)
    )

    async def loaded() -> bool:  # the editor's API reloads automations in the background
        states = await api.get("/api/states")
        return any(
            s["entity_id"].startswith("automation.")
            and s["attributes"].get("id") == AUTOMATION_ID
            and s["state"] == "on"
            for s in states
        )

    await wait_until("the blueprint's automation", loaded, timeout=30)


async def notifications(api: HomeAssistantApi) -> list[JSON]:
    """Home Assistant's persistent notifications (the bell in the sidebar)."""
    found: list[JSON] = await api.command("persistent_notification/get")
    return found


async def create_dashboard(api: HomeAssistantApi, url_path: str, title: str, config: JSON) -> None:
    """Create a dashboard in the sidebar and save its configuration."""
    await api.command(
        "lovelace/dashboards/create",
        url_path=url_path,
        title=title,
        icon="mdi:music",
        show_in_sidebar=True,
        require_admin=False,
        mode="storage",
    )
    await api.command("lovelace/config/save", url_path=url_path, config=config)


KNOWN_REPAIRS = (("http", "deprecated_yaml"), ("homeassistant", "deprecated_method"))
"""Repairs the demo's own set-up raises (HTTP settings in YAML, a Core installation)."""


async def ignore_known_repairs(api: HomeAssistantApi) -> None:
    """Ignore the repairs that concern the demo's set-up, not the integration."""
    issues = (await api.command("repairs/list_issues"))["issues"]
    for issue in issues:
        if (issue["domain"], issue["issue_id"]) in KNOWN_REPAIRS and not issue["ignored"]:
            await api.command(
                "repairs/ignore_issue",
                domain=issue["domain"],
                issue_id=issue["issue_id"],
                ignore=True,
            )
