"""What Lidarr and Prowlarr share: the Servarr API v1 conventions, auth, errors and models.

Both authenticate with an API key, which this client sends only in the ``X-Api-Key`` header
(never in the query string, so it cannot land in a log line, a proxy log or an exception).
Both answer ``GET /api/v1/system/status`` and ``/api/v1/health``; both report validation
failures as ``400`` with a JSON array of ``{propertyName, errorMessage, ...}`` and other
failures as ``{message, description}``; both page lists as ``{page, pageSize, totalRecords,
records}``. Times are ISO 8601 (UTC, up to 7 fractional digits) and durations .NET TimeSpan
strings (``"1.02:03:04.5000000"``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

import aiohttp

from stepheybot_music_clients.errors import (
    AlreadyExistsError,
    BackendRequestError,
    InvalidAuthError,
    UnexpectedResponseError,
    WrongApplicationError,
)
from stepheybot_music_clients.models import ApiEnum, BackendInfo, BackendKind
from stepheybot_music_clients.transport import (
    DEFAULT_TIMEOUT,
    HttpClient,
    Params,
    Response,
    parsing,
    snippet,
)

API = "api/v1/"
_MAX_MESSAGE = 300
_TIMESPAN = re.compile(r"^(-)?(?:(\d+)\.)?(\d+):(\d+):(\d+)(?:\.(\d+))?$")
_ALREADY_ADDED = "already been added"


# --- parsing helpers --------------------------------------------------------------------


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 timestamp as an aware datetime; None for null, "" and .NET's year 1."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise TypeError(f"expected a timestamp, got {value!r}")
    parsed = datetime.fromisoformat(value)
    if parsed.year <= 1:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def parse_timespan(value: Any) -> float | None:
    """A .NET TimeSpan (``"00:12:34"``, ``"1.02:03:04.5"``) in seconds; None for null."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise TypeError(f"expected a TimeSpan string, got {value!r}")
    match = _TIMESPAN.match(value.strip())
    if match is None:
        raise ValueError(f"{value!r} is not a TimeSpan")
    sign, days, hours, minutes, seconds, fraction = match.groups()
    total = int(days or 0) * 86400 + int(hours) * 3600 + int(minutes) * 60 + int(seconds)
    result = total + (float("0." + fraction) if fraction else 0.0)
    return -result if sign else result


def optional_str(value: Any) -> str | None:
    """A string field that may be null or absent; "" becomes None."""
    if value is None or value == "":
        return None
    return str(value)


def optional_int(value: Any) -> int | None:
    """An integer field that may be null or absent."""
    return None if value is None else int(value)


def as_bool(value: Any) -> bool:
    """A JSON boolean (absent counts as false)."""
    if value is None:
        return False
    if not isinstance(value, bool):
        raise TypeError(f"expected a boolean, got {value!r}")
    return value


# --- shared models ------------------------------------------------------------------------


class HealthType(ApiEnum):
    """Severity of a health check result."""

    OK = "ok"
    NOTICE = "notice"
    WARNING = "warning"
    ERROR = "error"
    UNKNOWN = "unknown"
    """A severity this client does not know yet."""


@dataclass(frozen=True, slots=True, kw_only=True)
class HealthItem:
    """One entry of ``/api/v1/health``: a problem the application reports about itself."""

    source: str
    """The check that raised it, e.g. ``IndexerStatusCheck``."""
    type: HealthType
    message: str
    wiki_url: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SystemStatus:
    """``/api/v1/system/status`` of a Servarr application."""

    app_name: str
    version: str
    instance_name: str | None = None
    branch: str | None = None
    os_name: str | None = None
    os_version: str | None = None
    is_docker: bool = False
    runtime_version: str | None = None
    database_type: str | None = None
    authentication: str | None = None
    url_base: str | None = None
    start_time: datetime | None = None
    build_time: datetime | None = None
    package_version: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Page[T]:
    """One page of a paged Servarr list."""

    page: int
    page_size: int
    total_records: int
    """Records in the whole list, not just this page."""
    records: tuple[T, ...]


def parse_health(data: Any) -> list[HealthItem]:
    """Parse ``/api/v1/health``."""
    return [
        HealthItem(
            source=str(item.get("source") or ""),
            type=HealthType.from_api(item.get("type")),
            message=str(item.get("message") or ""),
            wiki_url=optional_str(item.get("wikiUrl")),
        )
        for item in data
    ]


def parse_system_status(data: Any) -> SystemStatus:
    """Parse ``/api/v1/system/status``."""
    return SystemStatus(
        app_name=str(data["appName"]),
        version=str(data["version"]),
        instance_name=optional_str(data.get("instanceName")),
        branch=optional_str(data.get("branch")),
        os_name=optional_str(data.get("osName")),
        os_version=optional_str(data.get("osVersion")),
        is_docker=as_bool(data.get("isDocker")),
        runtime_version=optional_str(data.get("runtimeVersion")),
        database_type=optional_str(data.get("databaseType")),
        authentication=optional_str(data.get("authentication")),
        url_base=optional_str(data.get("urlBase")),
        start_time=parse_time(data.get("startTime")),
        build_time=parse_time(data.get("buildTime")),
        package_version=optional_str(data.get("packageVersion")),
    )


def parse_page[T](data: Any, parse: Callable[[Any], T]) -> Page[T]:
    """Parse a paging envelope, each record with ``parse``."""
    return Page(
        page=int(data.get("page") or 1),
        page_size=int(data.get("pageSize") or 0),
        total_records=int(data["totalRecords"]),
        records=tuple(parse(record) for record in data.get("records") or ()),
    )


def _trim(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"


# --- the client base ----------------------------------------------------------------------


class ServarrClient(HttpClient):
    """Base of the Lidarr and Prowlarr clients: API key auth and Servarr error mapping."""

    app_name: ClassVar[str] = "Servarr"
    """The ``appName`` that ``system/status`` must report."""
    backend_kind: ClassVar[BackendKind]

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        *,
        api_key: str,
        timeout: float = DEFAULT_TIMEOUT,
        verify_ssl: bool = True,
    ) -> None:
        """Remember where and the API key; nothing is sent before the first call."""
        super().__init__(session, url, timeout=timeout, verify_ssl=verify_ssl)
        self._api_key = api_key

    def set_api_key(self, api_key: str) -> None:
        """Use another API key from now on."""
        self._api_key = api_key

    def _headers(self) -> dict[str, str]:
        return {"X-Api-Key": self._api_key, "Accept": "application/json"}

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json_body: Any = None,
        timeout: float | None = None,
    ) -> Response:
        """Send one authenticated API request and map error statuses.

        Redirects are not followed: the API never redirects, so one means a wrong URL or a
        login page in front of the application, and the error says so.
        """
        resp = await self.request(
            method,
            API + path,
            params=params,
            json_body=json_body,
            headers=self._headers(),
            allow_redirects=False,
            timeout=timeout,
        )
        self._check(resp)
        return resp

    async def _get(self, path: str, *, params: Params | None = None) -> Any:
        """GET an API resource as JSON."""
        return (await self._call("GET", path, params=params)).json()

    def _auth_error(self, resp: Response) -> InvalidAuthError:
        return InvalidAuthError(
            f"{self.kind} at {self.url} rejected the API key (HTTP {resp.status}). "
            f"Check the API key in {self.kind} → Settings → General.",
            backend=self.kind,
        )

    def _check(self, resp: Response) -> None:
        """Raise the matching error for a non-2xx answer."""
        if resp.status < 300:
            return
        if resp.status == 401:
            raise self._auth_error(resp)
        if resp.status in (400, 404, 409, 422):
            text = self._error_text(resp)
            cls = AlreadyExistsError if _ALREADY_ADDED in text.lower() else BackendRequestError
            what = "not found" if resp.status == 404 else "refused the request"
            raise cls(
                f"{self.kind} {what} ({resp.url.path}): {text}",
                backend=self.kind,
                code=resp.status,
            )
        if resp.status < 400:
            raise UnexpectedResponseError(
                f"{self.kind} at {self.url} redirected {resp.url.path} (HTTP {resp.status}). "
                "Check the URL (including any URL base) and that no login page is in front "
                f"of {self.kind}.",
                backend=self.kind,
            )
        self.raise_for_status(resp)

    def _error_text(self, resp: Response) -> str:
        """The messages of a Servarr error body (validation array or ``{message}``)."""
        try:
            data = resp.json()
        except UnexpectedResponseError:
            return _trim(snippet(resp.body)) or f"HTTP {resp.status}"
        messages: list[str] = []
        if isinstance(data, list):
            messages.extend(
                str(item["errorMessage"])
                for item in data
                if isinstance(item, Mapping) and item.get("errorMessage")
            )
        elif isinstance(data, Mapping):
            messages.extend(str(data[key]) for key in ("message", "description") if data.get(key))
        return _trim(" ".join(messages)) if messages else f"HTTP {resp.status}"

    async def system_status(self) -> SystemStatus:
        """``/api/v1/system/status``: name, version, OS, start time."""
        data = await self._get("system/status")
        with parsing(self.kind, "its system status"):
            return parse_system_status(data)

    async def health(self) -> list[HealthItem]:
        """``/api/v1/health``: the problems the application reports (empty when healthy)."""
        data = await self._get("health")
        with parsing(self.kind, "its health checks"):
            return parse_health(data)

    async def probe(self) -> BackendInfo:
        """Check that the URL serves this application and that the API key works."""
        resp = await self.request(
            "GET",
            API + "system/status",
            headers=self._headers(),
            allow_redirects=False,
        )
        if resp.status == 401:
            raise self._auth_error(resp)
        if resp.status >= 500:
            self.raise_for_status(resp)
        data: Any = None
        if resp.status == 200 and "json" in resp.headers.get("Content-Type", ""):
            data = resp.json()  # invalid JSON from a JSON endpoint is a broken reply
        app = data.get("appName") if isinstance(data, dict) else None
        if app != self.app_name:
            found = f"it is {app}, not" if isinstance(app, str) and app else "it is not"
            raise WrongApplicationError(
                f"Something answers at {self.url}, but {found} {self.app_name} "
                f"(HTTP {resp.status} from {resp.url.path}). Check the URL and port "
                f"(and the URL base if {self.app_name} runs behind a reverse proxy).",
                backend=self.kind,
            )
        with parsing(self.kind, "its system status"):
            status = parse_system_status(data)
        return BackendInfo(
            kind=self.backend_kind,
            application=status.app_name,
            version=status.version,
            api_version="v1",
            instance_name=status.instance_name,
        )
