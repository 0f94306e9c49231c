"""Backend facades: one aiohttp application per API, all over the same :class:`World`.

A facade module defines ``build_app(ctx: BackendContext) -> web.Application`` and is
listed in :data:`BUILDERS` by its kind. The server adds the fault middleware and the
listener; the facade only plays the API.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web

from ..clock import SimClock
from ..faults import FaultState
from ..world import World


@dataclass(slots=True, kw_only=True)
class BackendSpec:
    """One simulated backend: its kind, API flavor and credentials."""

    name: str
    kind: str
    flavor: str = ""
    username: str = ""
    password: str = ""
    api_key: str = ""
    port: int = 0
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True, kw_only=True)
class BackendContext:
    """What a facade gets: the shared world, its spec and its fault switches."""

    world: World
    spec: BackendSpec
    faults: FaultState

    @property
    def clock(self) -> SimClock:
        """The world's clock."""
        return self.world.clock

    @property
    def port(self) -> int:
        """The TCP port the facade listens on (known once the server has bound it)."""
        return self.spec.port


type Builder = Callable[[BackendContext], web.Application]

KINDS = (
    "music_brain",
    "navidrome",
    "lidarr",
    "qbittorrent",
    "transmission",
    "jackett",
    "prowlarr",
    "gluetun",
    "docker",
)


def builder(kind: str) -> Builder:
    """The ``build_app`` of a kind's facade module (``simulator.backends.<kind>``)."""
    if kind not in KINDS:
        raise KeyError(f"unknown backend kind {kind!r}")
    module = importlib.import_module(f"{__name__}.{kind}")
    build: Builder = module.build_app
    return build
