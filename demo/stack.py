"""The whole demo as one async context manager: simulator, Home Assistant, exporter, Prometheus."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import TracebackType
from typing import Self

import aiohttp
from stepheybot_music_clients.errors import StackError
from stepheybot_music_clients.stackfile import StackConfig, load_stack_file

from .children import HOST, Child, DemoError, free_port, http_ok, wait_until
from .dashboard import build_dashboard
from .ha_client import HomeAssistantApi
from .homeassistant import (
    Login,
    confirm_http_config,
    create_automation,
    create_dashboard,
    create_token,
    home_assistant_child,
    ignore_known_repairs,
    onboard,
    wait_for_home_assistant,
)
from .integration import SetUpStack, our_entities, set_up_stack, wait_until_live
from .monitoring import (
    alert_rule_files,
    exporter_child,
    prometheus_child,
    prometheus_config,
    wait_for_exporter,
    wait_for_prometheus,
    web_ui,
)
from .story import Story, keep_living

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD_PATH = "music-stack"
DEFAULT_SPEED = 1.0
DEFAULT_DOWNLOAD_SPEED = 4.0
DEFAULT_STORY_AFTER = 20.0
MARKER = ".stepheybot-demo"
"""Marks a workdir the demo made, which it may wipe."""
INFO_FILE = "demo.json"
"""Written into the workdir once everything runs: URLs, credentials, PIDs (mode 0600)."""


def stack_title(stack: StackConfig) -> str:
    """The stack's name in Home Assistant (``simulated`` -> ``Simulated stack``)."""
    return f"{stack.name[:1].upper()}{stack.name[1:]} stack"


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoOptions:
    """How to run the demo."""

    workdir: Path
    """Wiped and recreated: config directory, stack file, tsdb, logs."""
    seed: int = 1
    speed: float = DEFAULT_SPEED
    """Simulated seconds per real second (above 1, the stack's clock runs ahead of yours)."""
    download_speed: float = DEFAULT_DOWNLOAD_SPEED
    """MiB/s of simulated time per torrent: an album downloads in one or two minutes."""
    story_after: float = DEFAULT_STORY_AFTER
    """Real seconds before the first request through Home Assistant (negative: never)."""
    story_every: float = 180.0
    """Real seconds between later requests (0: only one)."""
    story_limit: int = 20
    announce: bool = True
    """Print what the story does (the CLI); tests keep quiet."""


@dataclass(slots=True, kw_only=True)
class DemoInfo:
    """Where everything is once the demo runs."""

    home_assistant_url: str = ""
    login: Login | None = None
    api_token: str = field(default="", repr=False)
    """A long-lived access token of the demo user (the story's; the login's expires)."""
    exporter_url: str = ""
    prometheus_url: str = ""
    control_url: str = ""
    stack: StackConfig | None = None
    stack_file: Path = field(default_factory=Path)
    setup: SetUpStack | None = None
    dashboard_url: str = ""
    prometheus_ui: str = ""
    """Prometheus's web UI; "" where it has none (Debian's package serves only its API)."""
    logs: Path = field(default_factory=Path)
    pids: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        """Where everything is, for scripts and tests (holds the demo user's password).

        ``prometheus_ui`` only when Prometheus has a web UI (``prometheus`` is its API).
        """
        ui = {"prometheus_ui": self.prometheus_ui} if self.prometheus_ui else {}
        return {
            "home_assistant": self.home_assistant_url,
            "dashboard": self.dashboard_url,
            "username": self.login.username if self.login else "",
            "password": self.login.password if self.login else "",
            "exporter": self.exporter_url,
            "prometheus": self.prometheus_url,
            **ui,
            "control": self.control_url,
            "stack_file": str(self.stack_file),
            "stack": self.stack.name if self.stack else "",
            "logs": str(self.logs),
            "pids": self.pids,
        }


class Demo:
    """Start everything on ``async with``; stop everything (by PID) on exit."""

    def __init__(self, options: DemoOptions) -> None:
        self.options = replace(options, workdir=options.workdir.resolve())
        self.info = DemoInfo()
        self.children: list[Child] = []
        self._session: aiohttp.ClientSession | None = None
        self._story: asyncio.Task[None] | None = None
        self.story = Story()
        """What the story requested so far."""
        self._bin = Path(sys.executable).parent

    @property
    def session(self) -> aiohttp.ClientSession:
        """The HTTP session the demo talks to its parts with."""
        if self._session is None:
            raise DemoError("the demo is not running")
        return self._session

    async def __aenter__(self) -> Self:
        await self.up()
        return self

    async def up(self) -> None:
        """:meth:`start`, or stop whatever did start and re-raise."""
        try:
            await self.start()
        except BaseException:
            await self.stop()
            raise

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def _prepare_workdir(self) -> Path:
        """Empty the workdir (only one the demo made: it never wipes anything else)."""
        workdir = self.options.workdir
        if workdir.exists() and any(workdir.iterdir()):
            if not (workdir / MARKER).exists():
                raise DemoError(
                    f"{workdir} is not empty and the demo did not make it; "
                    "choose another --workdir (the demo wipes it at every start)"
                )
            shutil.rmtree(workdir)
        logs = workdir / "logs"
        logs.mkdir(parents=True)
        (workdir / MARKER).write_text("made by scripts/demo; wiped at its next start\n")
        self.info.logs = logs
        return logs

    async def start(self) -> None:
        """Bring every part up and wait until each is ready."""
        logs = self._prepare_workdir()
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        stack = await self._start_simulator(logs)
        home_assistant = asyncio.create_task(self._start_home_assistant(logs, stack))
        try:
            await self._start_monitoring(logs, stack)
        except BaseException:
            home_assistant.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await home_assistant
            raise
        await home_assistant
        self.info.pids = {c.name: c.pid for c in self.children if c.pid is not None}
        self._write_info()
        if self.options.story_after >= 0 and self.has_lidarr:
            assert self.info.setup is not None
            self._story = asyncio.create_task(
                keep_living(
                    self.home_assistant_api(),
                    self.info.setup.entry_id,
                    self.story,
                    first_after=self.options.story_after,
                    every=self.options.story_every,
                    limit=self.options.story_limit,
                    announce=self.options.announce,
                ),
                name="demo story",
            )

    @property
    def has_lidarr(self) -> bool:
        """Whether the stack has a Lidarr that Home Assistant set up (the story needs one)."""
        setup, stack = self.info.setup, self.info.stack
        return bool(
            setup
            and stack
            and any(b.kind == "lidarr" and b.name in setup.backends for b in stack.backends)
        )

    def home_assistant_api(self) -> HomeAssistantApi:
        """REST calls to Home Assistant as the demo user (long-lived token)."""
        return HomeAssistantApi(self.session, self.info.home_assistant_url, self.info.api_token)

    def _write_info(self) -> None:
        path = self.options.workdir / INFO_FILE
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(self.info.to_json(), handle, indent=2)

    def _launch(self, child: Child) -> Child:
        """Start a child, registered first so that :meth:`stop` always finds it."""
        self.children.append(child)
        child.start()
        return child

    async def _start_simulator(self, logs: Path) -> StackConfig:
        options = self.options
        stack_file = options.workdir / "stack.yaml"
        port = free_port()
        child = self._launch(
            Child(
                "simulator",
                [
                    str(self._bin / "python"),
                    "-m",
                    "simulator",
                    "--seed",
                    str(options.seed),
                    "--speed",
                    str(options.speed),
                    "--download-speed",
                    str(options.download_speed),
                    "--stack-file",
                    str(stack_file),
                    "--control-port",
                    str(port),
                ],
                log=logs / "simulator.log",
                cwd=ROOT,
            )
        )
        control = f"http://{HOST}:{port}/control/state"
        loaded: list[StackConfig] = []

        async def ready() -> bool:
            if not await http_ok(self.session, control):
                return False
            try:
                loaded[:] = load_stack_file(stack_file)
            except StackError:
                return False
            return True

        await wait_until("the simulator", ready, child=child, timeout=60)
        self.info.control_url = control
        self.info.stack_file = stack_file
        self.info.stack = loaded[0]
        return loaded[0]

    async def _start_home_assistant(self, logs: Path, stack: StackConfig) -> None:
        child, url = home_assistant_child(
            self._bin, ROOT, self.options.workdir / "homeassistant", logs
        )
        self._launch(child)
        self.info.home_assistant_url = url
        await wait_for_home_assistant(self.session, child, url)
        login = await onboard(self.session, url)
        self.info.login = login
        async with HomeAssistantApi(self.session, url, login.access_token) as api:
            await confirm_http_config(api)
            self.info.api_token = await create_token(api)
            setup = await set_up_stack(api, stack, title=stack_title(stack))
            self.info.setup = setup
            await create_automation(api, setup.entry_id)
            await wait_until_live(api, setup)
            entities = await our_entities(api, setup.entry_id)
            devices = await api.command("config/device_registry/list")
            everything = await api.get("/api/states")
            states = {s["entity_id"]: s["state"] for s in everything}
            # the registry's list leaves device classes out; the states carry them
            classes = {s["entity_id"]: s["attributes"].get("device_class") for s in everything}
            entities = [{**e, "device_class": classes.get(e["entity_id"])} for e in entities]
            dashboard = build_dashboard(setup.entry_id, devices, entities, states)
            await create_dashboard(api, DASHBOARD_PATH, "Music stack", dashboard)
            await ignore_known_repairs(api)
        self.info.dashboard_url = f"{url}/{DASHBOARD_PATH}/{dashboard['views'][0]['path']}"

    async def _start_monitoring(self, logs: Path, stack: StackConfig) -> None:
        exporter, exporter_url = exporter_child(self._bin, self.info.stack_file, logs)
        self._launch(exporter)
        self.info.exporter_url = exporter_url
        config = prometheus_config(exporter_url, stack.name, alert_rule_files(ROOT))
        prometheus, prometheus_url = prometheus_child(self.options.workdir, config, logs)
        self._launch(prometheus)
        self.info.prometheus_url = prometheus_url
        await wait_for_exporter(self.session, exporter, exporter_url)
        await wait_for_prometheus(self.session, prometheus, prometheus_url)
        self.info.prometheus_ui = await web_ui(self.session, prometheus_url)

    def check_children(self) -> None:
        """Raise :class:`DemoError` if any part has died."""
        for child in self.children:
            child.check_alive()

    async def stop(self) -> None:
        """Stop the story and every child, newest first, each by its PID."""
        if self._story is not None:
            self._story.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._story
            self._story = None
        for child in reversed(self.children):
            await asyncio.to_thread(child.stop)
        self.children.clear()
        if self._session is not None:
            await self._session.close()
            self._session = None
