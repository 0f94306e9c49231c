"""Helpers shared by the reliability tests: simulator specs, collectors, request counts."""

from __future__ import annotations

from stepheybot_music_clients.transport import TransportStats
from stepheybot_music_exporter.collectors.base import Collector
from stepheybot_music_exporter.server import Exporter

from simulator import Simulator
from simulator.backends import BackendSpec
from simulator.backends.qbittorrent import FACADE, QBittorrent
from simulator.server import default_specs

TOKEN = "c0ffee"
"""Makes the simulator's credentials distinctive and stable."""
JACKETT_ADMIN_PASSWORD = "jk-admin-Zq81-c0ffee"


def matrix_specs(*, qbittorrent_flavor: str = "5.3") -> list[BackendSpec]:
    """Every backend once; qBittorrent of the given generation, Jackett with an admin password."""
    specs = default_specs(TOKEN)
    for spec in specs:
        if spec.name == "qbittorrent":
            spec.flavor = qbittorrent_flavor
        if spec.name == "jackett":
            spec.password = JACKETT_ADMIN_PASSWORD
    return specs


def collector(exporter: Exporter, name: str) -> Collector:
    """The collector of backend ``name`` in the exporter's default stack."""
    stack = exporter.stacks[exporter.config.default_stack.name]
    return next(c for c in stack.collectors if c.name == name)


def client_stats(exporter: Exporter, name: str) -> TransportStats:
    """The request counters of one backend's long-lived client."""
    found = collector(exporter, name)
    stats = getattr(found.client(), "stats")  # noqa: B009 (every collector has a client())
    assert isinstance(stats, TransportStats)
    return stats


def qbittorrent_facade(sim: Simulator, name: str = "qbittorrent") -> QBittorrent:
    """The simulator's qBittorrent, to read its sessions, failed logins and bans."""
    app = sim._running[name].runner.app  # the simulator keeps no public handle
    return app[FACADE]
