"""gluetun's control-server authentication, per release: roles, their checks, start-up errors.

Everything here mirrors ``internal/server/middlewares/auth/*`` and ``internal/server/server.go``
of qdm12/gluetun at the tag each :class:`AuthRules` names. The simulated gluetun reads its
configuration from the backend spec: ``spec.extra["auth_config"]`` is the TOML of the auth
file (``HTTP_CONTROL_SERVER_AUTH_CONFIG_FILEPATH``; absent: no file) and
``spec.extra["default_role"]`` the JSON of ``HTTP_CONTROL_SERVER_AUTH_DEFAULT_ROLE`` (v3.41.0
and later). A configuration the release refuses raises :class:`GluetunStartupError` with the
message gluetun exits with.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import tomllib
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

GET, PUT = "GET", "PUT"

# validRoutes, middlewares/auth/settings.go @ v3.39.1 == @ v3.40.4 (byte-identical), 17 routes
VALID_ROUTES_340 = frozenset(
    {
        "GET /openvpn/actions/restart",
        "GET /unbound/actions/restart",
        "GET /updater/restart",
        "GET /v1/version",
        "GET /v1/vpn/status",
        "PUT /v1/vpn/status",
        "GET /v1/vpn/settings",
        "PUT /v1/vpn/settings",
        "GET /v1/openvpn/status",
        "PUT /v1/openvpn/status",
        "GET /v1/openvpn/portforwarded",
        "GET /v1/openvpn/settings",
        "GET /v1/dns/status",
        "PUT /v1/dns/status",
        "GET /v1/updater/status",
        "PUT /v1/updater/status",
        "GET /v1/publicip/ip",
    }
)
# validRoutes, middlewares/auth/settings.go @ v3.41.1 (== v3.41.0): 20 routes
VALID_ROUTES_341 = VALID_ROUTES_340 | {
    "GET /openvpn/portforwarded",
    "GET /openvpn/settings",
    "GET /v1/portforward",
}
# validRoutes (path -> methods), middlewares/auth/settings.go @ master b1193252: 21 routes
VALID_ROUTES_MASTER = VALID_ROUTES_341 | {"PUT /v1/portforward"}

# SetDefaults' public role, middlewares/auth/settings.go @ v3.40.4:18-40 (14 routes)
PUBLIC_ROUTES_340 = (
    "GET /openvpn/actions/restart",
    "GET /unbound/actions/restart",
    "GET /updater/restart",
    "GET /v1/version",
    "GET /v1/vpn/status",
    "PUT /v1/vpn/status",
    "GET /v1/openvpn/status",
    "PUT /v1/openvpn/status",
    "GET /v1/openvpn/portforwarded",
    "GET /v1/dns/status",
    "PUT /v1/dns/status",
    "GET /v1/updater/status",
    "PUT /v1/updater/status",
    "GET /v1/publicip/ip",
)
# ... @ v3.41.1:66-89 adds the legacy v0 route and the new one (16 routes)
PUBLIC_ROUTES_341 = (*PUBLIC_ROUTES_340, "GET /openvpn/portforwarded", "GET /v1/portforward")

WWW_AUTHENTICATE = 'Basic realm="restricted", charset="UTF-8"'
"""middlewares/auth/basic.go @ v3.41.1:31, set only when no Basic credentials came."""

_ROLE_FIELDS = ("name", "auth", "apikey", "username", "password", "routes")
_AUTH_METHODS = ("none", "apikey", "basic")


class GluetunStartupError(RuntimeError):
    """The configuration makes gluetun exit at start-up; the message is gluetun's."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthRules:
    """How one release reads and checks its auth configuration."""

    error_prefix: str
    """What ``main.go``/``server.go`` put before the error (``setting up control server: ...``)."""
    valid_routes: frozenset[str]
    public_routes: tuple[str, ...] | None
    """The role ``SetDefaults`` adds when no role is configured; None: master has none."""
    default_role_env: bool
    """Whether ``HTTP_CONTROL_SERVER_AUTH_DEFAULT_ROLE`` exists (v3.41.0+)."""
    route_errors_by_path: bool
    """master validates path, then method, with its own messages (and panics without a space)."""


RULES_340 = AuthRules(
    # cmd/gluetun/main.go @ v3.40.4:473 wraps server.New's "reading/validating auth settings"
    error_prefix="setting up control server: ",
    valid_routes=VALID_ROUTES_340,
    public_routes=PUBLIC_ROUTES_340,
    default_role_env=False,
    route_errors_by_path=False,
)
RULES_341 = AuthRules(
    # server.go @ v3.41.1:22-25 adds "building authentication middleware settings: "
    error_prefix="setting up control server: building authentication middleware settings: ",
    valid_routes=VALID_ROUTES_341,
    public_routes=PUBLIC_ROUTES_341,
    default_role_env=True,
    route_errors_by_path=False,
)
RULES_MASTER = AuthRules(
    # server.go @ master:48-70: no SetDefaults, so nothing is public (commit 0c3e5d94)
    error_prefix="setting up control server: building authentication middleware settings: ",
    valid_routes=VALID_ROUTES_MASTER,
    public_routes=None,
    default_role_env=True,
    route_errors_by_path=True,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Role:
    """One ``[[roles]]`` entry (``Role``, middlewares/auth/settings.go)."""

    name: str = ""
    auth: str = ""
    apikey: str = ""
    username: str = ""
    password: str = ""
    routes: tuple[str, ...] = ()


type Check = Callable[[web.Request, MutableMapping[str, str]], bool]


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


def _basic_credentials(request: web.Request) -> tuple[str, str] | None:
    """Go's ``Request.BasicAuth``: the scheme in any case, standard base64, a colon."""
    header = request.headers.get("Authorization", "")
    if len(header) < 6 or header[:6].lower() != "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:], validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, colon, password = decoded.partition(":")
    return (user, password) if colon else None


@dataclass(frozen=True, slots=True)
class Checker:
    """A role's check; equal checkers on one route are kept once (``lookup.go``)."""

    method: str
    digest: bytes
    revoked: Callable[[], bool]

    def __call__(self, request: web.Request, headers: MutableMapping[str, str]) -> bool:
        """Whether ``request`` passes; a Basic check without credentials asks for them."""
        if self.method == "none":  # none.go: always authorized
            return True
        if self.method == "apikey":
            # apikey.go @ v3.41.1:29-35: the header, else the api_key query parameter (which
            # then breaks routing: the router matches on the raw URI, query included)
            given = request.headers.get("X-API-Key", "") or request.query.get("api_key", "")
            return not self.revoked() and hmac.compare_digest(_digest(given), self.digest)
        credentials = _basic_credentials(request)
        if credentials is None:
            headers["WWW-Authenticate"] = WWW_AUTHENTICATE
            return False
        # basic.go: sha256(username + password), compared in constant time
        digest = _digest(credentials[0] + credentials[1])
        return not self.revoked() and hmac.compare_digest(digest, self.digest)

    def same_as(self, other: Checker) -> bool:
        """``authorizationChecker.equal``."""
        return self.method == other.method and self.digest == other.digest


def checker(role: Role, revoked: Callable[[], bool]) -> Checker:
    """The check of a validated role (``settingsToLookupMap``, lookup.go)."""
    secret = {"apikey": role.apikey, "basic": role.username + role.password}.get(role.auth, "")
    return Checker(role.auth, _digest(secret), revoked)


def lookup(roles: list[Role], revoked: Callable[[], bool]) -> dict[str, list[tuple[str, Checker]]]:
    """Route -> ``(role name, check)`` in file order, equal checks skipped (lookup.go)."""
    table: dict[str, list[tuple[str, Checker]]] = {}
    for role in roles:
        check = checker(role, revoked)
        for route in role.routes:
            entries = table.setdefault(route, [])
            if not any(check.same_as(other) for _, other in entries):
                entries.append((role.name, check))
    return table


# --------------------------------------------------------------------------- configuration


def _fields(
    raw: Mapping[str, Any], unknown_field: str, fields: tuple[str, ...] = _ROLE_FIELDS
) -> Role:
    """A role from decoded TOML or JSON; field names match in any case, as in Go's decoders.

    Unknown fields are refused (``DisallowUnknownFields`` in configfile.go and in
    ``SetDefaultRole``); ``unknown_field`` formats the decoder's message. Type errors are
    reported in our words, not the decoders'.
    """
    known = {key.casefold(): value for key, value in raw.items()}
    if unknown := [key for key in raw if key.casefold() not in fields]:
        raise ValueError(unknown_field.format(unknown[0]))
    routes = known.get("routes", [])
    if not isinstance(routes, list) or not all(isinstance(r, str) for r in routes):
        raise TypeError("routes must be a list of strings")
    values = {key: known.get(key, "") for key in _ROLE_FIELDS[:-1]}
    if not all(isinstance(v, str) for v in values.values()):
        raise TypeError("role fields must be strings")
    return Role(**values, routes=tuple(routes))


def read_auth_file(text: str) -> list[Role] | None:
    """``auth.Read`` (configfile.go): None when the file has no ``roles`` key at all.

    ``roles = []`` is an empty list, not None: gosettings' ``DefaultSlice`` then adds no
    public role (harness: ``file-roles-empty-array`` answers 401).
    """
    strict = (
        "toml decoding file: strict mode: fields in the document are missing in the target "
        "struct: {}"
    )
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise GluetunStartupError(f"reading auth settings: toml decoding file: {err}") from err
    if unknown := [key for key in document if key.casefold() != "roles"]:
        raise GluetunStartupError("reading auth settings: " + strict.format(unknown[0]))
    raw = next((value for key, value in document.items() if key.casefold() == "roles"), None)
    if raw is None:
        return None
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise GluetunStartupError(
            "reading auth settings: toml decoding file: roles is not an array"
        )
    try:
        return [_fields(item, strict) for item in raw]
    except (TypeError, ValueError) as err:
        raise GluetunStartupError(f"reading auth settings: {err}") from err


def _validate(role: Role, rules: AuthRules) -> None:
    """``Role.validate``; raises ValueError with gluetun's text."""
    # gosettings validate.IsOneOf is an exact comparison: "apiKey" is refused
    if role.auth not in _AUTH_METHODS:
        raise ValueError(f"authentication method not supported: {role.auth}")
    if role.auth == "apikey" and not role.apikey:
        raise ValueError(f"for role {role.name}: api key is empty")
    if role.auth == "basic" and not role.username:
        raise ValueError(f"for role {role.name}: username is empty")
    if role.auth == "basic" and not role.password:
        raise ValueError(f"for role {role.name}: password is empty")
    count = len(role.routes)
    for i, route in enumerate(role.routes, 1):
        if not rules.route_errors_by_path:
            if route not in rules.valid_routes:
                raise ValueError(
                    f"route {i} of {count}: route not supported by the control server: {route}"
                )
            continue
        # settings.go @ master:122-134: SplitN(route, " ", 2), then parts[1]
        if " " not in route:
            raise GluetunStartupError("panic: runtime error: index out of range [1] with length 1")
        method, path = route.split(" ", 1)
        methods = {r.split(" ", 1)[0] for r in rules.valid_routes if r.split(" ", 1)[1] == path}
        if not methods:
            raise ValueError(
                f"route {i} of {count}: route path not supported by the control server: {path}"
            )
        if method not in methods:
            raise ValueError(
                f"route {i} of {count}: route method not supported for the path: "
                f"{method} for path {path}"
            )


def _default_role(text: str, roles: list[Role], rules: AuthRules) -> Role | None:
    """``Settings.SetDefaultRole`` (settings.go @ v3.41.1:25-64): covers every unlisted route."""
    decoding = "setting default role: decoding default role: "
    try:
        raw = json.loads(text)
    except ValueError as err:
        raise GluetunStartupError(f"{decoding}{err}") from err
    if not isinstance(raw, dict):
        raise GluetunStartupError(f"{decoding}json: cannot unmarshal into Go value of type Role")
    try:
        # Role.Routes is `json:"-"`: a "routes" key is unknown to encoding/json
        role = _fields(raw, 'json: unknown field "{}"', _ROLE_FIELDS[:-1])
    except (TypeError, ValueError) as err:
        raise GluetunStartupError(f"{decoding}{err}") from err
    if not role.auth:
        return None  # "{}", the Dockerfile's default: no default role
    try:
        _validate(role, rules)
    except ValueError as err:
        raise GluetunStartupError(f"setting default role: validating default role: {err}") from err
    listed = {route for r in roles for route in r.routes}
    unlisted = tuple(sorted(rules.valid_routes - listed))
    if not unlisted:
        return None
    # settings/server.go @ v3.41.1:94-100 names it "default"; its own routes are ignored
    return Role(
        name="default",
        auth=role.auth,
        apikey=role.apikey,
        username=role.username,
        password=role.password,
        routes=unlisted,
    )


def configure(rules: AuthRules, auth_file: str | None, default_role: str | None) -> list[Role]:
    """The roles gluetun runs with; :class:`GluetunStartupError` when it would not start.

    ``server.New`` @ v3.40.4:18-27, ``setupAuthMiddleware`` @ v3.41.1:48-70 and @ master.
    """
    try:
        file_roles = read_auth_file(auth_file) if auth_file is not None else None
        roles = list(file_roles or [])
        if rules.default_role_env:
            extra = _default_role(default_role or "{}", roles, rules)
            if extra is not None:
                roles.append(extra)
                file_roles = roles
        # gosettings.DefaultSlice: the public role only when no role is configured at all
        if file_roles is None and rules.public_routes is not None:
            roles = [Role(name="public", auth="none", routes=rules.public_routes)]
        for i, role in enumerate(roles, 1):
            try:
                _validate(role, rules)
            except ValueError as err:
                raise GluetunStartupError(
                    f"validating auth settings: role {role.name} ({i} of {len(roles)}): {err}"
                ) from err
    except GluetunStartupError as err:
        message = str(err)
        if message.startswith("panic:"):
            raise
        raise GluetunStartupError(rules.error_prefix + message) from err
    return roles
