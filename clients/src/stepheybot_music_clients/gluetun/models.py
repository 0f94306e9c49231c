"""Typed, frozen views of the gluetun HTTP control server's replies."""

from __future__ import annotations

from dataclasses import dataclass

from stepheybot_music_clients.models import ApiEnum


class VpnStatus(ApiEnum):
    """The VPN loop's status (``internal/constants/status.go``)."""

    STARTING = "starting"
    RUNNING = "running"
    STOPPING = "stopping"
    STOPPED = "stopped"
    CRASHED = "crashed"
    COMPLETED = "completed"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True, kw_only=True)
class GluetunBuild:
    """``/v1/version``: the build gluetun runs."""

    version: str
    """E.g. ``"v3.41.0"`` (``"latest"`` for development images)."""
    commit: str | None
    created: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class PublicIp:
    """``/v1/publicip/ip``: the VPN's public address; keys gluetun omits are None."""

    ip: str | None
    """None while the VPN is down (gluetun clears the data)."""
    country: str | None = None
    region: str | None = None
    city: str | None = None
    organization: str | None = None
    hostname: str | None = None
    timezone: str | None = None
    location: str | None = None
    """Latitude and longitude, ``"52.37,4.89"``."""
    postal_code: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PortForward:
    """The port(s) the VPN provider forwards to the download client."""

    port: int | None
    """The first forwarded port; None when nothing is forwarded."""
    ports: tuple[int, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class GluetunReading:
    """One poll of gluetun: the VPN's status, and what gluetun's role let the client read."""

    status: VpnStatus
    public_ip: PublicIp | None
    """None: the role does not grant ``GET /v1/publicip/ip``."""
    forwarded: PortForward | None
    """None: the role does not grant the forwarded-port route (``port`` None: none forwarded)."""
    build: GluetunBuild | None
    """None: the role does not grant ``GET /v1/version`` (asked once per connection)."""
    not_permitted: tuple[str, ...] = ()
    """Data routes that answered 401 while others answered: the role does not list them."""
    advice: str | None = None
    """What to add to gluetun's role, worded for the release detected; None: nothing."""
