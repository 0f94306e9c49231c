"""What the Lidarr and Prowlarr facades share: Servarr auth, JSON conventions and paging.

Servarr (``ApiKeyAuthenticationHandler``) takes the API key from the ``apikey`` query
parameter, the ``X-Api-Key`` header or ``Authorization: Bearer``; every ``/api/v1`` call
needs it and a missing or wrong key gets 401 with an empty body. ``/ping``, ``/api`` and
the web UI are anonymous. JSON is camelCase, enums are camelCase strings and null fields
are left out (``JsonIgnoreCondition.WhenWritingNull``).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from aiohttp import web

from ..faults import Fault, Handler
from ..world import World
from . import BackendContext

NEVER = "0001-01-01T00:00:00Z"
""".NET's ``DateTime.MinValue``, which Servarr sends for "never"."""
UI_HTML = (
    "<!DOCTYPE html><html><head><title>{app}</title></head>"
    '<body><div id="root"></div><script src="/initialize.json"></script></body></html>'
)


def iso(value: datetime | None) -> str:
    """A timestamp as Servarr sends it (UTC, ``Z``); :data:`NEVER` for None."""
    if value is None:
        return NEVER
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def iso_date(value: date) -> str:
    """A date as a Servarr midnight-UTC timestamp."""
    return f"{value.isoformat()}T00:00:00Z"


def timespan(seconds: float) -> str:
    """Seconds as a .NET TimeSpan string (``"1.02:03:04"``)."""
    whole = int(seconds)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours:02d}:{minutes:02d}:{secs:02d}"
    return f"{days}.{text}" if days else text


def parse_when(text: str) -> datetime:
    """A ``start``/``end`` query value (date or ISO timestamp) as an aware datetime."""
    parsed = datetime.fromisoformat(text.strip().replace(" ", "+"))
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def flag(request: web.Request, name: str, default: bool = False) -> bool:
    """A boolean query parameter (``true``/``false``, any case)."""
    value = request.query.get(name)
    return default if value is None else value.strip().lower() == "true"


def ints(request: web.Request, name: str) -> list[int]:
    """Every integer of a repeated or comma-separated query parameter."""
    out: list[int] = []
    for raw in request.query.getall(name, []) + request.query.getall(name + "[]", []):
        out.extend(int(part) for part in raw.split(",") if part.strip().lstrip("-").isdigit())
    return out


def json(data: Any, status: int = 200) -> web.Response:
    """A JSON reply."""
    return web.json_response(data, status=status)


def not_found(message: str = "NotFound") -> web.Response:
    """Servarr's 404 for a missing resource."""
    return json({"message": message}, status=404)


def bad_request(message: str) -> web.Response:
    """Servarr's 400 for a request it cannot use (not a validation failure)."""
    return json({"message": message}, status=400)


def validation_failure(
    property_name: str, message: str, attempted: Any, code: str
) -> dict[str, Any]:
    """One element of a 400 validation array (FluentValidation's shape)."""
    return {
        "isWarning": False,
        "propertyName": property_name,
        "errorMessage": message,
        "attemptedValue": attempted,
        "severity": "error",
        "errorCode": code,
        "formattedMessagePlaceholderValues": {"PropertyName": property_name},
    }


def page_of[T](
    request: web.Request,
    items: Sequence[T],
    render: Callable[[T], dict[str, Any]],
    *,
    sort_key: str,
    default_size: int = 10,
) -> dict[str, Any]:
    """The paging envelope over ``items`` (already sorted) for the request's page."""
    try:
        page = max(1, int(request.query.get("page", "1")))
        size = max(0, int(request.query.get("pageSize", str(default_size))))
    except ValueError as err:
        raise web.HTTPBadRequest(text="page and pageSize must be integers") from err
    start = (page - 1) * size
    return {
        "page": page,
        "pageSize": size,
        "sortKey": request.query.get("sortKey", sort_key),
        "sortDirection": request.query.get("sortDirection", "descending"),
        "totalRecords": len(items),
        "records": [render(item) for item in items[start : start + size]],
    }


def descending(request: web.Request) -> bool:
    """Whether the request sorts descending (Servarr's default for these lists)."""
    return request.query.get("sortDirection", "descending").lower() != "ascending"


def given_key(request: web.Request) -> str:
    """The API key of a request, as Servarr looks for it."""
    key = request.query.get("apikey") or request.headers.get("X-Api-Key", "")
    if not key:
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        key = value.strip() if scheme.lower() == "bearer" else ""
    return key


def auth_middleware(ctx: BackendContext) -> Any:
    """Require the API key on ``/api/v1``; 401 with an empty body otherwise."""

    @web.middleware
    async def auth(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.lower().startswith("/api/v1"):
            key = given_key(request)
            ok = bool(key) and hmac.compare_digest(key.encode(), ctx.spec.api_key.encode())
            if not ok or ctx.faults.active(Fault.AUTH_REVOKED):
                return web.Response(status=401)
        return await handler(request)

    return auth


def common_routes(app: web.Application, app_name: str) -> None:
    """``/ping``, ``/api`` and the web UI at ``/``."""

    async def ping(_: web.Request) -> web.Response:
        return json({"status": "OK"})

    async def api_info(_: web.Request) -> web.Response:
        return json({"current": "v1", "deprecated": []})

    async def ui(_: web.Request) -> web.Response:
        return web.Response(text=UI_HTML.format(app=app_name), content_type="text/html")

    app.router.add_get("/ping", ping)
    app.router.add_get("/api", api_info)
    app.router.add_get("/", ui)


def indexer_health(world: World, wiki: str) -> list[dict[str, Any]]:
    """The IndexerStatusCheck item for failing indexers (none when all work)."""
    enabled = [i for i in world.indexers if i.enabled]
    failing = [i for i in enabled if i.failing]
    if not failing:
        return []
    if len(failing) == len(enabled):
        kind, message = "error", "All indexers are unavailable due to failures"
    else:
        names = ", ".join(i.name for i in failing)
        kind, message = "warning", f"Indexers unavailable due to failures: {names}"
    return [
        {
            "source": "IndexerStatusCheck",
            "type": kind,
            "message": message,
            "wikiUrl": f"{wiki}#indexers-are-unavailable-due-to-failures",
        }
    ]
