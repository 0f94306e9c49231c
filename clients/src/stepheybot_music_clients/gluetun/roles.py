"""What gluetun's control server lets a client read, per release, and what to tell the user.

The control server grew three access models (qdm12/gluetun ``internal/server``):

- up to v3.39.0: no authentication (``handler.go @ v3.39.0``);
- v3.39.1 to v3.40.x: roles from a TOML file; without one, a built-in public role opens the
  routes this client reads, the forwarded port at ``/v1/openvpn/portforwarded``
  (``middlewares/auth/settings.go @ v3.40.4:18-40``). A role listing ``GET /v1/portforward``
  makes gluetun refuse to start (``Role.validate``, ``settings.go @ v3.40.4:86-131``);
- v3.41.x: ``GET /v1/portforward`` (the old route answers 301 to it), the
  ``HTTP_CONTROL_SERVER_AUTH_DEFAULT_ROLE`` variable, the same public defaults
  (``settings.go @ v3.41.1:25-89``);
- master (the Docker tag ``latest``, unreleased): nothing is public by default
  (``server.go @ master:48-70``).

A route a role does not grant answers 401, exactly like a wrong key (``middleware.go @
v3.41.1:53-89``): only the set of answers tells them apart, which is the client's job. This
module names the routes and words the advice for the release detected.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import StrEnum

from stepheybot_music_clients.errors import BackendRequestError

VERSION_ROUTE = "GET /v1/version"
STATUS_ROUTE = "GET /v1/vpn/status"
PUBLIC_IP_ROUTE = "GET /v1/publicip/ip"
PORT_ROUTE = "GET /v1/portforward"
"""The forwarded port from v3.41.0 on (``portforward.go @ v3.41.1``)."""
LEGACY_PORT_ROUTE = "GET /v1/openvpn/portforwarded"
"""The forwarded port up to v3.40.x; 301 to :data:`PORT_ROUTE` from v3.41.0."""
SET_STATUS_ROUTE = "PUT /v1/vpn/status"

AUTH_FILE = (
    "gluetun's auth file (HTTP_CONTROL_SERVER_AUTH_CONFIG_FILEPATH, "
    "default /gluetun/auth/config.toml)"
)
DEFAULT_ROLE = 'HTTP_CONTROL_SERVER_AUTH_DEFAULT_ROLE=\'{"auth":"apikey","apikey":"<key>"}\''
_NEW_KEY = "Create a key (docker run --rm qmcgaw/gluetun genkey, or any long random string)"
_OTHER_TOOLS = (
    "Once that file has a role, gluetun's public defaults are off for every other tool too: "
    "list their routes as well."
)


class ControlServer(StrEnum):
    """The access model of a gluetun release."""

    OPEN = "open"
    """v3.39.0 and older: no authentication."""
    PUBLIC_ROLE = "public_role"
    """v3.39.1 to v3.40.x: roles, public defaults, the port at the legacy route."""
    PORTFORWARD = "portforward"
    """v3.41.x: ``/v1/portforward``, the default-role variable, public defaults."""
    PRIVATE = "private"
    """``latest`` (master) and later: no route is open by default."""

    @property
    def port_route(self) -> str:
        """The route that serves the forwarded port."""
        if self in (ControlServer.OPEN, ControlServer.PUBLIC_ROLE):
            return LEGACY_PORT_ROUTE
        return PORT_ROUTE

    @property
    def routes(self) -> tuple[str, ...]:
        """Every route StepheyBot Music reads on this release, for a role to list."""
        return (VERSION_ROUTE, STATUS_ROUTE, PUBLIC_IP_ROUTE, self.port_route)

    @property
    def label(self) -> str:
        """The releases, for messages."""
        return {
            ControlServer.OPEN: "gluetun v3.39.0 or older",
            ControlServer.PUBLIC_ROLE: "gluetun v3.39.1 to v3.40.x",
            ControlServer.PORTFORWARD: "gluetun v3.41.x",
            ControlServer.PRIVATE: "gluetun latest",
        }[self]


_RELEASE = re.compile(r"v?(\d+)\.(\d+)\.(\d+)")


def control_server_of(version: str) -> ControlServer | None:
    """The access model of a ``/v1/version`` string; None when it names no release.

    ``latest`` is master (``.github/workflows/ci.yml @ master``); ``pr-N`` builds say nothing.
    """
    if version == "latest":
        return ControlServer.PRIVATE
    match = _RELEASE.fullmatch(version.strip())
    if match is None:
        return None
    release = tuple(int(part) for part in match.groups())
    if release <= (3, 39, 0):
        return ControlServer.OPEN
    if release < (3, 41, 0):
        return ControlServer.PUBLIC_ROLE
    if release < (3, 42, 0):
        return ControlServer.PORTFORWARD
    return ControlServer.PRIVATE  # the next release carries master's private default


def _quoted(routes: Sequence[str]) -> str:
    return ", ".join(f'"{route}"' for route in routes)


def _role(routes: Sequence[str]) -> str:
    """A role for the auth file, on one line (the file takes one key per line)."""
    return (
        '[[roles]] name = "stepheybot-music", auth = "apikey", apikey = "<key>", '
        f"routes = [{_quoted(routes)}]"
    )


def _who(release: ControlServer | None, version: str | None) -> str:
    if version:
        return f"gluetun {version}" if version != "latest" else "gluetun latest (unreleased)"
    return release.label if release is not None else "gluetun"


def needs_credentials(release: ControlServer | None, version: str | None = None) -> str:
    """Advice when every route answered 401 and no credentials are configured."""
    who = _who(release, version)
    if release is ControlServer.OPEN:
        return _proxy(who)
    if release is ControlServer.PUBLIC_ROLE:
        return (
            f"{who} has roles in {AUTH_FILE}, so its public defaults are off. {_NEW_KEY}, add "
            f"this role to that file: {_role(release.routes)}; restart gluetun and give "
            "StepheyBot Music the key. (This version has no HTTP_CONTROL_SERVER_AUTH_DEFAULT_ROLE, "
            f'and refuses to start when a role lists "{PORT_ROUTE}".) {_OTHER_TOOLS}'
        )
    if release is not None:
        why = (
            "makes every control-server route private"
            if release is ControlServer.PRIVATE
            else f"has roles in {AUTH_FILE} or HTTP_CONTROL_SERVER_AUTH_DEFAULT_ROLE set"
        )
        return (
            f"{who} {why}. {_NEW_KEY}, then set {DEFAULT_ROLE} on the gluetun container, or "
            f"add this role to {AUTH_FILE}: {_role(release.routes)}; restart gluetun and give "
            f"StepheyBot Music the key. {_OTHER_TOOLS}"
        )
    modern, legacy = ControlServer.PORTFORWARD, ControlServer.PUBLIC_ROLE
    return (
        "gluetun's control server requires credentials (gluetun's next release makes that the "
        "default; v3.39.1 to v3.41.x do it once their auth file has roles, or "
        f"HTTP_CONTROL_SERVER_AUTH_DEFAULT_ROLE is set). {_NEW_KEY} and grant it to StepheyBot "
        f"Music. On v3.41.0 and later: set {DEFAULT_ROLE} on the gluetun container, or add this "
        f"role to {AUTH_FILE}: {_role(modern.routes)}. On v3.39.1 to v3.40.x only the file "
        f'works, with "{LEGACY_PORT_ROUTE}" in place of "{PORT_ROUTE}" (those versions refuse to '
        f"start with it): {_role(legacy.routes)}. Restart gluetun and give StepheyBot Music "
        f"the key. {_OTHER_TOOLS}"
    )


def rejected(release: ControlServer | None, version: str | None = None) -> str:
    """Advice when every route answered 401 to the credentials configured."""
    who = _who(release, version)
    if release is ControlServer.OPEN:
        return _proxy(who)
    if release is not None:
        where = AUTH_FILE
        if release is not ControlServer.PUBLIC_ROLE:
            where += " or HTTP_CONTROL_SERVER_AUTH_DEFAULT_ROLE"
        return (
            f"{who} rejects the API key (or user name and password), or no role grants them "
            f"these routes. Check the key, and the role in {where}: it must list "
            f"{_quoted(release.routes)}."
        )
    return (
        f"{who} rejects the API key (or user name and password), or no role grants them these "
        f"routes. Check the key, and the role in {AUTH_FILE} (or "
        "HTTP_CONTROL_SERVER_AUTH_DEFAULT_ROLE, v3.41.0 and later): it must list "
        f'{_quoted(ControlServer.PORTFORWARD.routes)} ("{LEGACY_PORT_ROUTE}" in place of '
        f'"{PORT_ROUTE}" on v3.39.1 to v3.40.x, which refuse to start with it).'
    )


def grant(
    routes: Sequence[str],
    release: ControlServer | None,
    version: str | None = None,
    *,
    credentials: bool = True,
) -> str:
    """Advice when some routes answer and ``routes`` answer 401: the role lacks them."""
    who = _who(release, version)
    if release is ControlServer.OPEN:
        return _proxy(who)
    port = any(route in (PORT_ROUTE, LEGACY_PORT_ROUTE) for route in routes)
    others = [route for route in routes if route not in (PORT_ROUTE, LEGACY_PORT_ROUTE)]
    if release is not None:
        what = _quoted(others + ([release.port_route] if port else []))
    else:
        parts = [_quoted(others)] if others else []
        if port:
            parts.append(
                f'the forwarded port ("{PORT_ROUTE}" on v3.41.0 and later, '
                f'"{LEGACY_PORT_ROUTE}" on v3.39.1 to v3.40.x)'
            )
        what = " and ".join(parts)
    it = "them" if len(others) + port > 1 else "it"
    role = (
        "the role with StepheyBot Music's API key (or user name and password)"
        if credentials
        else 'a role with auth = "none" (StepheyBot Music sends no credentials)'
    )
    text = (
        f"{who} does not let StepheyBot Music read {what}: {AUTH_FILE} has roles, and none "
        f"grants {it} to StepheyBot Music. Add {it} to the routes of {role} there and restart "
        "gluetun."
    )
    if port and release is ControlServer.PUBLIC_ROLE:
        text += f' (Not "{PORT_ROUTE}": this version refuses to start with it.)'
    elif port and release is None:
        text += f' v3.39.1 to v3.40.x refuse to start when a role lists "{PORT_ROUTE}".'
    elif port:
        text += (
            f' A role that lists "{LEGACY_PORT_ROUTE}" needs "{PORT_ROUTE}" too: since v3.41.0 '
            "the old route redirects there."
        )
    return text


def _proxy(who: str) -> str:
    return (
        f"{who} has no authentication, so the HTTP 401 comes from something in front of it "
        "(a reverse proxy): let StepheyBot Music through, or use gluetun's own address."
    )


class RouteNotPermittedError(BackendRequestError):
    """gluetun answered 401 to a route while the same credentials read another one.

    Not a credential problem, so no reauthentication: gluetun's role for these credentials
    does not list the route. ``routes`` are the routes refused, ``advice`` what to add where.
    """

    def __init__(
        self, message: str, *, routes: Sequence[str], advice: str, backend: str = "gluetun"
    ) -> None:
        super().__init__(message, backend=backend, code=401)
        self.routes = tuple(routes)
        self.advice = advice
