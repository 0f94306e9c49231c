"""Shared test configuration.

``custom_components`` must be imported before Home Assistant's ``hass`` fixture runs,
or HA resolves its own test package of that name instead of ours.
"""

from __future__ import annotations

import pytest

import custom_components  # noqa: F401


@pytest.fixture(autouse=True)
def _loopback_sockets(socket_enabled: None) -> None:
    """Let tests open sockets: they talk real HTTP to servers on 127.0.0.1.

    Home Assistant's test plugin blocks every socket by default (pytest-socket) and
    only allows connections to 127.0.0.1; we keep that limit and lift the block.
    """
