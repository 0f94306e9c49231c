"""gluetun HTTP control server client."""

from __future__ import annotations

from .client import GluetunClient
from .models import GluetunBuild, PortForward, PublicIp, VpnStatus

__all__ = ["GluetunBuild", "GluetunClient", "PortForward", "PublicIp", "VpnStatus"]
