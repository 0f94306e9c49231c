"""Run the simulated stack: one loopback listener per backend plus a control endpoint."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import socket
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from aiohttp import web
from stepheybot_music_clients.models import BackendKind
from stepheybot_music_clients.stackfile import (
    BackendConfig,
    StackConfig,
    dump_stack_file,
)

from .backends import BackendContext, BackendSpec, builder
from .clock import SimClock
from .control import add_control_routes
from .faults import Fault, FaultState, fault_middleware
from .generate import Scale
from .world import World

_LOGGER = logging.getLogger(__name__)
HOST = "127.0.0.1"
DOWNLOAD_CLIENT_KINDS = frozenset({"qbittorrent", "transmission"})
"""Backend kinds that are download clients: each holds its own torrents in the world."""
BRAIN_PEERS = frozenset({"navidrome", "lidarr", "transmission"})
"""Backend kinds the Music Brain calls: while one is ``DOWN`` the Brain cannot reach it."""


def default_specs(rng_token: str = "") -> list[BackendSpec]:
    """One backend of every kind, with distinctive credentials."""
    token = rng_token or secrets.token_hex(4)
    return [
        BackendSpec(name="music_brain", kind="music_brain"),
        BackendSpec(
            name="navidrome", kind="navidrome", username="admin", password=f"nd-pass-{token}"
        ),
        BackendSpec(name="lidarr", kind="lidarr", api_key=f"lidarrkey{token}" + "0" * 16),
        BackendSpec(
            name="qbittorrent",
            kind="qbittorrent",
            flavor="5.3",
            username="admin",
            password=f"qb-pass-{token}",
        ),
        BackendSpec(
            name="transmission",
            kind="transmission",
            username="transmission",
            password=f"tr-pass-{token}",
        ),
        BackendSpec(name="jackett", kind="jackett", api_key=f"jackettkey{token}" + "1" * 14),
        BackendSpec(name="prowlarr", kind="prowlarr", api_key=f"prowlarrkey{token}" + "2" * 13),
        BackendSpec(name="gluetun", kind="gluetun", api_key=f"gluetun-key-{token}"),
        BackendSpec(name="docker", kind="docker"),
    ]


@dataclass(slots=True)
class _Running:
    spec: BackendSpec
    faults: FaultState
    runner: web.AppRunner
    site: web.BaseSite | None
    unix_path: str | None = None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


class Simulator:
    """The whole simulated stack, as an async context manager.

    ``speed`` is simulated seconds per real second (0: time only moves with
    :meth:`advance`). ``tick_interval`` is how often (real seconds) the world moves.
    """

    def __init__(
        self,
        *,
        seed: int = 1,
        scale: Scale | None = None,
        specs: list[BackendSpec] | None = None,
        speed: float = 0.0,
        tick_interval: float = 0.5,
        stack_name: str = "simulated",
        slow_delay: float = 30.0,
        docker_socket: bool = True,
        control_port: int = 0,
        **world_options: Any,
    ) -> None:
        self.clock = SimClock(speed=speed)
        self.specs = specs if specs is not None else default_specs(f"{seed:04x}")
        clients = {s.name: s.kind for s in self.specs if s.kind in DOWNLOAD_CLIENT_KINDS}
        self.world = World(
            seed=seed, scale=scale, clock=self.clock, download_clients=clients, **world_options
        )
        self.stack_name = stack_name
        self.tick_interval = tick_interval
        self.slow_delay = slow_delay
        self.docker_socket = docker_socket
        self.control_port = control_port
        self._running: dict[str, _Running] = {}
        self._control: web.AppRunner | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._brain_cut: set[str] = set()
        """Kinds whose ``DOWN`` cut the Music Brain's line (restored when it clears)."""

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # ----------------------------------------------------------------- lifecycle
    async def start(self) -> None:
        """Bind every backend and the control endpoint, start the clock ticking."""
        self._tmp = tempfile.TemporaryDirectory(prefix="stepheybot-sim-")
        try:
            for spec in self.specs:
                await self._start_backend(spec)
        except BaseException:
            # a backend that refuses its configuration (gluetun's auth file) stops them all
            await self.stop()
            raise
        control = web.Application()
        add_control_routes(control, self)
        self._control = web.AppRunner(control, access_log=None)
        await self._control.setup()
        port = self.control_port or _free_port()
        await web.TCPSite(self._control, HOST, port).start()
        self.control_port = port
        self._ticker = asyncio.create_task(self._tick_forever(), name="simulator-ticker")

    async def stop(self) -> None:
        """Stop everything and remove temporary files."""
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None
        for running in self._running.values():
            await running.runner.cleanup()
        self._running.clear()
        if self._control is not None:
            await self._control.cleanup()
            self._control = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    async def _start_backend(self, spec: BackendSpec) -> None:
        faults = FaultState(slow_delay=self.slow_delay)
        if not spec.port:
            spec.port = _free_port()
        app = builder(spec.kind)(BackendContext(world=self.world, spec=spec, faults=faults))
        app.middlewares.append(fault_middleware(faults))
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        running = _Running(spec=spec, faults=faults, runner=runner, site=None)
        if spec.kind == "docker" and self.docker_socket and self._tmp is not None:
            running.unix_path = str(Path(self._tmp.name) / "docker.sock")
            await web.UnixSite(runner, running.unix_path).start()
        self._running[spec.name] = running
        await self._bind(running)

    async def _bind(self, running: _Running) -> None:
        site = web.TCPSite(running.runner, HOST, running.spec.port, reuse_address=True)
        await site.start()
        running.site = site

    async def _tick_forever(self) -> None:
        while True:
            await asyncio.sleep(self.tick_interval)
            try:
                self.world.tick()
            except Exception:
                _LOGGER.exception("simulator tick failed")

    # ----------------------------------------------------------------- control
    def backend_names(self) -> list[str]:
        """The names of the simulated backends, in the order they started."""
        return list(self._running)

    def listening(self, name: str) -> bool:
        """Whether the backend's TCP listener is open (not ``DOWN``)."""
        return self._running[name].site is not None

    def spec(self, name: str) -> BackendSpec:
        """The spec of the backend called ``name``."""
        return self._running[name].spec

    def url(self, name: str) -> str:
        """The base URL of a backend."""
        return f"http://{HOST}:{self._running[name].spec.port}"

    def docker_socket_path(self, name: str = "docker") -> str | None:
        """The unix socket the Docker facade also listens on."""
        return self._running[name].unix_path

    def faults(self, name: str) -> FaultState:
        """The fault switches of a backend."""
        return self._running[name].faults

    async def set_fault(self, name: str, fault: Fault) -> None:
        """Put a backend into a fault (``DOWN`` closes its TCP listener)."""
        running = self._running[name]
        running.faults.set(fault)
        if fault is Fault.DOWN:
            self._brain_line(running.spec.kind, down=True)
            if running.site is not None:
                await running.site.stop()
                running.site = None
            server = running.runner.server
            for connection in server.connections if server is not None else ():
                connection.force_close()

    async def clear_fault(self, name: str, fault: Fault | None = None) -> None:
        """Lift one fault, or every fault, of a backend."""
        running = self._running[name]
        if (fault is None or fault is Fault.DOWN) and running.site is None:
            await self._bind(running)
        if fault is None or fault is Fault.DOWN:
            self._brain_line(running.spec.kind, down=False)
        running.faults.clear(fault)

    def _brain_line(self, kind: str, *, down: bool) -> None:
        """A ``DOWN`` backend the Music Brain calls is unreachable for it too, until it clears.

        A line cut on purpose with :meth:`World.set_brain_reachable` stays cut.
        """
        world = self.world
        if kind not in BRAIN_PEERS:
            return
        if down and world.brain_reaches(kind):
            world.set_brain_reachable(kind, False)
            self._brain_cut.add(kind)
        elif not down and kind in self._brain_cut:
            world.set_brain_reachable(kind, True)
            self._brain_cut.discard(kind)

    async def advance(self, seconds: float, *, step: float = 1.0) -> None:
        """Move simulated time forward in steps, letting the story play out."""
        remaining = seconds
        while remaining > 0:
            chunk = min(step, remaining)
            self.clock.advance(chunk)
            self.world.tick()
            remaining -= chunk
        await asyncio.sleep(0)

    # ----------------------------------------------------------------- stack file
    def backend_config(self, name: str) -> BackendConfig:
        """How a client reaches one simulated backend."""
        spec = self.spec(name)
        return BackendConfig(
            name=spec.name,
            kind=BackendKind(spec.kind),
            url=self.url(name),
            username=spec.username,
            password=spec.password,
            api_key=spec.api_key,
            category=self.world.music_category,
        )

    def stack_config(self) -> StackConfig:
        """The stack file contents for this simulator."""
        return StackConfig(
            name=self.stack_name,
            backends=tuple(self.backend_config(name) for name in self._running),
        )

    def write_stack_file(self, path: Path) -> None:
        """Write the stack file (the exporter's configuration format)."""
        dump_stack_file([self.stack_config()], path)
