"""gluetun HTTP control server client."""

from __future__ import annotations

from stepheybot_music_clients.gluetun.client import GluetunClient
from stepheybot_music_clients.gluetun.models import (
    GluetunBuild,
    GluetunReading,
    PortForward,
    PublicIp,
    VpnStatus,
)
from stepheybot_music_clients.gluetun.roles import ControlServer, RouteNotPermittedError

__all__ = [
    "ControlServer",
    "GluetunBuild",
    "GluetunClient",
    "GluetunReading",
    "PortForward",
    "PublicIp",
    "RouteNotPermittedError",
    "VpnStatus",
]
