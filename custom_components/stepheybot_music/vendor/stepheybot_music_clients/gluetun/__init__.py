"""gluetun HTTP control server client."""

from __future__ import annotations

from stepheybot_music_clients.gluetun.client import GluetunClient
from stepheybot_music_clients.gluetun.models import GluetunBuild, PortForward, PublicIp, VpnStatus

__all__ = ["GluetunBuild", "GluetunClient", "PortForward", "PublicIp", "VpnStatus"]
