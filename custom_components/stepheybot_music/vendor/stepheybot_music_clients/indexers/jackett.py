"""Async client of Jackett (0.2x): its admin API and its JSON search endpoint.

Two credentials: the admin endpoints (``/api/v2.0/indexers``, ``/api/v2.0/server/*``) need
the ``Jackett`` session cookie, got from ``GET /UI/Login?cookiesChecked=1`` when no admin
password is set or ``POST /UI/Dashboard`` with it; searches need the API key as the
``apikey`` query parameter (Jackett accepts it nowhere else). Without a valid cookie the
admin endpoints redirect (302) to ``/UI/Login``; the client asks with redirects off, logs in
again once and retries. The cookie is kept here and sent as a ``Cookie`` header, so any
session (even one whose jar drops IP-address cookies) works.

The API key is in search URLs, so nothing here logs or reports a URL's query; download
links in results have it removed (:func:`.models.strip_secrets`).

Which indexers fail: Jackett keeps that in memory only, per indexer (``BaseIndexer``
@ v0.24.2440: a failed query makes it failing for 10 minutes, doubling with each further
failure up to a day; a good one makes it healthy; a restart forgets it). It shows through
its ``status:failing`` filter meta-indexer. The indexer DTO's ``last_error`` does not: only
the dashboard's Test button sets or clears it (IndexerApiController.cs ``Test``), so it
can be months old. :meth:`JackettClient.indexers` asks the filter with one API-key request
that makes no tracker traffic (:data:`NO_SUCH_CATEGORY`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

import aiohttp

from stepheybot_music_clients.errors import (
    InvalidAuthError,
    UnexpectedResponseError,
    WrongApplicationError,
)
from stepheybot_music_clients.indexers.models import (
    MUSIC_CATEGORY,
    Indexer,
    IndexerSearchStatus,
    SearchResponse,
    SearchResult,
    best_magnet,
    strip_secrets,
)
from stepheybot_music_clients.models import BackendInfo, BackendKind
from stepheybot_music_clients.servarr import optional_int, optional_str, parse_time
from stepheybot_music_clients.transport import (
    DEFAULT_TIMEOUT,
    HttpClient,
    Params,
    Response,
    parsing,
)

COOKIE = "Jackett"
_STATUS_OK = 2
FAILING = "status:failing"
"""Jackett's filter meta-indexer of the configured indexers failing now (StatusFilterFunc.cs,
since Jackett 0.18.379)."""
NO_SUCH_CATEGORY = 1
"""A Torznab category no indexer has (standard ones are 1000-8999, custom ones 100000 and up).

A manual search through the ``status:failing`` filter lists every failing indexer in its
``Indexers`` block; in this category each one answers empty at once, without asking its
tracker (``BaseIndexer.ResultsForQuery``: ``CanHandleCategories`` is false, ResultsController
``Results`` @ v0.24.2440). The filter's Torznab ``t=indexers`` cannot be used instead: it
lists every configured indexer, failing or not (ResultsController ``Torznab`` reads
``Indexers``, not ``ValidIndexers``)."""


def _joined(values: Iterable[int | str]) -> str:
    return ",".join(str(v) for v in values)


def parse_indexer(data: Any, failing: frozenset[str] = frozenset()) -> Indexer:
    """Parse an indexer DTO of ``/api/v2.0/indexers``; ``failing``: the ids failing now."""
    configured = bool(data.get("configured", True))
    indexer_id = str(data["id"])
    error: str | None = None
    if indexer_id in failing and configured:
        error = (
            "Jackett's last query to it failed; Jackett counts it as failing for 10 minutes, "
            "longer after each further failure."
        )
        if tested := optional_str(data.get("last_error")):
            error += f" Its last test failed: {tested}"
    return Indexer(
        id=indexer_id,
        name=str(data["name"]),
        enabled=configured,
        configured=configured,
        failing=error is not None,
        last_error=error,
        privacy=optional_str(data.get("type")),
    )


def parse_result(data: Any) -> SearchResult:
    """Parse one ``Results`` entry of the JSON search endpoint (PascalCase)."""
    seeders = optional_int(data.get("Seeders"))
    peers = optional_int(data.get("Peers"))
    raw_hash = optional_str(data.get("InfoHash"))
    info_hash = raw_hash.lower() if raw_hash else None
    title = str(data["Title"])
    return SearchResult(
        title=title,
        size=int(data.get("Size") or 0),
        seeders=seeders,
        leechers=None if peers is None else max(0, peers - (seeders or 0)),
        magnet=best_magnet(optional_str(data.get("MagnetUri")), info_hash, title),
        link=strip_secrets(optional_str(data.get("Link"))),
        info_hash=info_hash,
        indexer=str(data.get("Tracker") or ""),
        indexer_id=str(data.get("TrackerId") or ""),
        publish_date=parse_time(data.get("PublishDate")),
        categories=tuple(int(c) for c in data.get("Category") or ()),
        guid=optional_str(data.get("Guid")),
        info_url=strip_secrets(optional_str(data.get("Details"))),
    )


def parse_search_status(data: Any) -> IndexerSearchStatus:
    """Parse one ``Indexers`` entry of the JSON search endpoint."""
    elapsed = data.get("ElapsedTime")
    return IndexerSearchStatus(
        indexer_id=str(data["ID"]),
        name=str(data.get("Name") or data["ID"]),
        ok=int(data.get("Status") or 0) == _STATUS_OK,
        results=int(data.get("Results") or 0),
        error=optional_str(data.get("Error")),
        elapsed=None if elapsed is None else float(elapsed) / 1000,
    )


class JackettClient(HttpClient):
    """One Jackett server."""

    kind: ClassVar[str] = "Jackett"

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        *,
        api_key: str,
        admin_password: str = "",
        timeout: float = DEFAULT_TIMEOUT,
        verify_ssl: bool = True,
    ) -> None:
        """Remember where and the credentials; nothing is sent before the first call."""
        super().__init__(session, url, timeout=timeout, verify_ssl=verify_ssl)
        self._api_key = api_key
        self._admin_password = admin_password
        self._cookie: str | None = None
        self._login_lock = asyncio.Lock()

    def set_credentials(self, *, api_key: str, admin_password: str = "") -> None:
        """Use other credentials from now on (forgets the session)."""
        self._api_key = api_key
        self._admin_password = admin_password
        self._cookie = None

    # --- admin session ------------------------------------------------------------------------

    async def _login(self) -> str:
        if self._admin_password:
            resp = await self.request(
                "POST",
                "UI/Dashboard",
                data={"password": self._admin_password},
                allow_redirects=False,
            )
        else:
            resp = await self.request(
                "GET", "UI/Login", params={"cookiesChecked": 1}, allow_redirects=False
            )
        if resp.status >= 500:
            self.raise_for_status(resp)
        morsel = resp.cookies.get(COOKIE)
        if morsel is not None and morsel.value:
            return f"{COOKIE}={morsel.value}"
        if resp.status == 404:
            raise WrongApplicationError(
                f"Something answers at {self.url}, but it has no Jackett login page "
                f"(HTTP 404 from {resp.url.path}). Check the URL and port.",
                backend=self.kind,
            )
        if self._admin_password:
            raise InvalidAuthError(
                f"Jackett at {self.url} rejected the admin password. Enter the password set "
                "under 'Admin password' on the Jackett dashboard.",
                backend=self.kind,
            )
        raise InvalidAuthError(
            f"Jackett at {self.url} has an admin password. Enter it (the 'Admin password' "
            "on the Jackett dashboard) so the indexer list can be read.",
            backend=self.kind,
        )

    async def _ensure_cookie(self) -> str:
        async with self._login_lock:
            if self._cookie is None:
                self._cookie = await self._login()
            return self._cookie

    @staticmethod
    def _is_login_redirect(resp: Response) -> bool:
        return resp.status in (301, 302, 303, 307) and "/UI/Login" in resp.headers.get(
            "Location", ""
        )

    async def _admin_get(self, path: str, params: Params | None = None) -> Any:
        """GET an admin endpoint with the session cookie, logging in again once if needed."""
        for attempt in range(2):
            cookie = await self._ensure_cookie()
            resp = await self.request(
                "GET", path, params=params, headers={"Cookie": cookie}, allow_redirects=False
            )
            if not self._is_login_redirect(resp):
                break
            self._cookie = None
            if attempt == 1:
                raise InvalidAuthError(
                    f"Jackett at {self.url} keeps asking for a login although it accepted "
                    "the admin password. Check the password and that cookies are not "
                    "stripped by a reverse proxy.",
                    backend=self.kind,
                )
        if 300 <= resp.status < 400:
            raise UnexpectedResponseError(
                f"Jackett at {self.url} redirected {resp.url.path} (HTTP {resp.status}). "
                "Check the URL (and any base path).",
                backend=self.kind,
            )
        self.raise_for_status(resp)
        return resp.json()

    # --- API ---------------------------------------------------------------------------------

    async def probe(self) -> BackendInfo:
        """Check that Jackett answers, the admin login works and the API key is Jackett's."""
        resp = await self.request("GET", "health", allow_redirects=False)
        if resp.status >= 500:
            self.raise_for_status(resp)
        data: Any = None
        if resp.status == 200 and "json" in resp.headers.get("Content-Type", ""):
            data = resp.json()  # invalid JSON from a JSON endpoint is a broken reply
        if not isinstance(data, dict) or data.get("status") != "OK":
            raise WrongApplicationError(
                f"Something answers at {self.url}, but it is not Jackett (HTTP {resp.status} "
                f"from {resp.url.path}). Check the URL and port (Jackett's default is 9117).",
                backend=self.kind,
            )
        config = await self._admin_get("api/v2.0/server/config")
        with parsing(self.kind, "its server configuration"):
            version = str(config["app_version"])
            key_matches = str(config.get("api_key") or "") == self._api_key
        if not key_matches:
            raise InvalidAuthError(
                f"The API key does not match the one of Jackett at {self.url}. Copy the "
                "API key shown at the top right of the Jackett dashboard.",
                backend=self.kind,
            )
        return BackendInfo(kind=BackendKind.JACKETT, application="Jackett", version=version)

    async def indexers(self) -> list[Indexer]:
        """The configured indexers; ``failing`` when Jackett counts them failing now.

        Two requests: the indexer list (admin session) and :meth:`failing_now` (API key).
        """
        data = await self._admin_get("api/v2.0/indexers", params={"configured": "true"})
        failing = await self.failing_now()
        with parsing(self.kind, "its indexer list"):
            return [parse_indexer(item, failing) for item in data]

    async def failing_now(self) -> frozenset[str]:
        """The ids of the configured indexers Jackett counts as failing now (one request)."""
        resp = await self.request(
            "GET",
            f"api/v2.0/indexers/{FAILING}/results",
            params=[("apikey", self._api_key), ("Category[]", NO_SUCH_CATEGORY)],
        )
        self._check_results(resp)
        if resp.status == 500 and b"Unknown indexer" in resp.body:
            raise UnexpectedResponseError(
                f"Jackett at {self.url} does not know its '{FAILING}' filter, which tells the "
                "failing indexers. Update Jackett (0.18.379 or newer).",
                backend=self.kind,
            )
        self.raise_for_status(resp)
        data = resp.json()
        with parsing(self.kind, "its failing indexers"):
            return frozenset(str(item["ID"]) for item in data.get("Indexers") or ())

    def _check_results(self, resp: Response) -> None:
        """The results endpoints answer a wrong API key with 401."""
        if resp.status == 401:
            raise InvalidAuthError(
                f"Jackett at {self.url} rejected the API key (HTTP 401). Copy the API key "
                "shown at the top right of the Jackett dashboard.",
                backend=self.kind,
            )

    async def search(
        self,
        query: str,
        *,
        categories: Sequence[int] = (MUSIC_CATEGORY,),
        indexers: Sequence[str] = (),
        timeout: float | None = None,
    ) -> SearchResponse:
        """Search every configured indexer (or ``indexers``) for releases in ``categories``.

        Jackett answers only when every tracker has; pass a longer ``timeout`` (seconds)
        than the client's default for interactive searches.
        """
        params: list[tuple[str, str | int | float]] = [
            ("apikey", self._api_key),
            ("Query", query),
        ]
        if categories:
            params.append(("Category[]", _joined(categories)))
        if indexers:
            params.append(("Tracker[]", _joined(indexers)))
        resp = await self.request(
            "GET", "api/v2.0/indexers/all/results", params=params, timeout=timeout
        )
        self._check_results(resp)
        self.raise_for_status(resp)
        data = resp.json()
        with parsing(self.kind, "search results"):
            return SearchResponse(
                results=tuple(parse_result(item) for item in data["Results"]),
                indexers=tuple(parse_search_status(item) for item in data.get("Indexers") or ()),
            )
