"""Jackett facade: Jackett 0.24.2440 over the world's indexers and releases.

Admin endpoints (``/api/v2.0/server/config``, ``/api/v2.0/indexers``) need the ``Jackett``
cookie and otherwise redirect (302) to ``/UI/Login?ReturnUrl=...``. The cookie comes from
``GET /UI/Login?cookiesChecked=1`` when no admin password is set (``spec.password`` empty)
or ``POST /UI/Dashboard`` with the right ``password``. Results endpoints need the API key
as ``apikey`` (or ``passkey``): the JSON one answers 401 without it, Torznab answers an
``<error code="100">`` document. ``SESSION_EXPIRED`` invalidates issued cookies;
``AUTH_REVOKED`` refuses cookies, logins and the API key.

Routes: ``/health``, ``/UI/Login``, ``/UI/Dashboard``, ``/api/v2.0/server/config``,
``/api/v2.0/indexers``, ``POST /api/v2.0/indexers/{id}/test``,
``/api/v2.0/indexers/{id|all|filter}/results`` (JSON) and
``/api/v2.0/indexers/{id|all|filter}/results/torznab/api`` (``t=caps``, ``search``,
``music``, and ``indexers`` on ``all`` and filters). Filters: :mod:`.jackett_filters`.

As in Jackett v0.24.2440: the indexer DTO's ``last_error`` is the last Test button result
only (IndexerApiController.cs ``Test`` sets or clears it; searches never touch it), while a
failing indexer answers searches with an error entry. An indexer asked in categories it
does not have answers empty at once, without a query, error or not
(BaseIndexer.cs ``ResultsForQuery``: ``CanHandleCategories``). ``t=indexers`` on a meta
indexer lists every indexer (``BaseMetaIndexer.Indexers``), whatever its filter.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Sequence
from datetime import UTC
from typing import Any
from urllib.parse import quote
from xml.etree import ElementTree as ET

from aiohttp import web

from ..faults import Fault
from ..model import Indexer, Release
from ..world import World
from . import BackendContext
from .jackett_filters import parse_filter

VERSION = "0.24.2440"
COOKIE = "Jackett"
TORZNAB_NS = "http://torznab.com/schemas/2015/feed"
CATEGORIES = {3000: "Audio", 3010: "Audio/MP3", 3040: "Audio/Lossless"}
STATUS_ERROR, STATUS_OK = 1, 2
LOGIN_HTML = (
    "<!DOCTYPE html><html><body><form method='post' action='Dashboard'></form></body></html>"
)
DASHBOARD_HTML = "<!DOCTYPE html><html><body>Jackett dashboard</body></html>"


def release_categories(release: Release) -> list[int]:
    """Torznab categories of a release (Audio plus MP3 or Lossless)."""
    return [3000, 3010 if release.quality.startswith("MP3") else 3040]


def matches_categories(release: Release, wanted: Sequence[int]) -> bool:
    """Whether a release is in one of ``wanted`` (a parent category matches its children)."""
    if not wanted:
        return True
    mine = release_categories(release)
    return any(c in mine for c in wanted)


def parse_categories(values: Sequence[str]) -> list[int]:
    """Category ids from repeated and comma-separated query values."""
    return [int(p) for v in values for p in v.split(",") if p.strip().isdigit()]


class JackettState:
    """Sessions and renderers of the Jackett facade."""

    def __init__(self, ctx: BackendContext) -> None:
        """Play Jackett over ``ctx.world``."""
        self.ctx = ctx
        self.sessions: dict[str, int] = {}
        """Cookie value -> the fault state's session generation when it was issued."""
        self.test_errors: dict[str, str] = {}
        """Indexer slug -> the error of its last failed Test (``configData.LastError``)."""

    @property
    def world(self) -> World:
        """The shared world."""
        return self.ctx.world

    def base(self) -> str:
        """This facade's own base URL (for proxied links)."""
        return f"http://127.0.0.1:{self.ctx.port}"

    def new_session(self) -> str:
        """Issue a session cookie value."""
        token = secrets.token_urlsafe(24)
        self.sessions[token] = self.ctx.faults.session_generation
        return token

    def signed_in(self, request: web.Request) -> bool:
        """Whether the request carries a live session cookie."""
        if self.ctx.faults.active(Fault.AUTH_REVOKED):
            return False
        token = request.cookies.get(COOKIE, "")
        issued = self.sessions.get(token)
        return issued is not None and issued == self.ctx.faults.session_generation

    def key_ok(self, request: web.Request) -> bool:
        """Whether the request carries the API key."""
        key = request.query.get("apikey") or request.query.get("passkey") or ""
        if not key or self.ctx.faults.active(Fault.AUTH_REVOKED):
            return False
        return hmac.compare_digest(key.encode(), self.ctx.spec.api_key.encode())

    def configured(self) -> list[Indexer]:
        """The configured (enabled) indexers."""
        return [i for i in self.world.indexers if i.enabled]

    def indexer_dto(self, indexer: Indexer) -> dict[str, Any]:
        """An indexer DTO of ``/api/v2.0/indexers``."""
        return {
            "id": indexer.slug,
            "name": indexer.name,
            "description": f"{indexer.name} is a simulated {indexer.privacy} tracker",
            "type": indexer.privacy,
            "configured": indexer.enabled,
            "site_link": f"https://{indexer.slug}.example/",
            "alternativesitelinks": [f"https://{indexer.slug}.example/"],
            "language": "en-US",
            "tags": [],
            "last_error": self.test_errors.get(indexer.slug, ""),
            "potatoenabled": False,
            "caps": [{"ID": str(cid), "Name": name} for cid, name in CATEGORIES.items()],
        }

    def search(
        self, query: str, categories: Sequence[int], asked: Sequence[Indexer]
    ) -> list[Release]:
        """Matching releases of the indexers asked."""
        ids = {i.id for i in asked}
        releases = [
            r
            for r in self.world.search_releases(query, limit=500)
            if r.indexer_id in ids and matches_categories(r, categories)
        ]
        releases.sort(key=lambda r: r.publish_date, reverse=True)
        return releases

    def indexer_of(self, release: Release) -> Indexer:
        """The indexer a release came from."""
        return next(i for i in self.world.indexers if i.id == release.indexer_id)

    def link(self, release: Release, indexer: Indexer) -> str:
        """Jackett's download proxy link (it carries the API key, as the real one does)."""
        return (
            f"{self.base()}/dl/{indexer.slug}/?jackett_apikey={self.ctx.spec.api_key}"
            f"&path={quote(release.guid)}&file={quote(release.title)}"
        )

    def result(self, release: Release) -> dict[str, Any]:
        """One ``Results`` entry (PascalCase, as Newtonsoft writes it)."""
        indexer = self.indexer_of(release)
        categories = release_categories(release)
        details = f"https://{indexer.slug}.example/torrent/{release.guid}"
        return {
            "FirstSeen": "0001-01-01T00:00:00",
            "Tracker": indexer.name,
            "TrackerId": indexer.slug,
            "TrackerType": indexer.privacy,
            "CategoryDesc": CATEGORIES[categories[-1]],
            "BlackholeLink": None,
            "Title": release.title,
            "Guid": details,
            "Link": self.link(release, indexer),
            "Details": details,
            "PublishDate": release.publish_date.isoformat(),
            "Category": categories,
            "Size": release.size,
            "Files": 12,
            "Grabs": release.seeders * 3,
            "Description": None,
            "RageID": None,
            "TVDBId": None,
            "Imdb": None,
            "TMDb": None,
            "TVMazeId": None,
            "TraktId": None,
            "DoubanId": None,
            "Genres": None,
            "Languages": [],
            "Subs": [],
            "Year": release.publish_date.year,
            "Author": None,
            "BookTitle": None,
            "Publisher": None,
            "Artist": None,
            "Album": None,
            "Label": None,
            "Track": None,
            "Seeders": release.seeders,
            "Peers": release.seeders + release.leechers,
            "Poster": None,
            "InfoHash": release.info_hash.upper(),
            "MagnetUri": release.magnet,
            "MinimumRatio": 1.0,
            "MinimumSeedTime": 172800,
            "DownloadVolumeFactor": 1.0,
            "UploadVolumeFactor": 1.0,
            "Gain": round(release.size / 1024**3 * release.seeders, 2),
        }

    def status_block(
        self, asked: Sequence[Indexer], releases: Sequence[Release], categories: Sequence[int]
    ) -> list[Any]:
        """The ``Indexers`` block: per indexer, OK with a count or Error with the message.

        An indexer without any of ``categories`` is not queried: OK, 0 results, no error.
        """
        out = []
        for indexer in asked:
            if categories and not any(c in CATEGORIES for c in categories):
                out.append(
                    {
                        "ID": indexer.slug,
                        "Name": indexer.name,
                        "Status": STATUS_OK,
                        "Results": 0,
                        "Error": None,
                        "ElapsedTime": 0,
                    }
                )
                continue
            count = sum(1 for r in releases if r.indexer_id == indexer.id)
            out.append(
                {
                    "ID": indexer.slug,
                    "Name": indexer.name,
                    "Status": STATUS_ERROR if indexer.failing else STATUS_OK,
                    "Results": 0 if indexer.failing else count,
                    "Error": (indexer.last_error or "Request failed") if indexer.failing else None,
                    "ElapsedTime": 420 + 37 * indexer.id,
                }
            )
        return out

    def server_config(self) -> dict[str, Any]:
        """``/api/v2.0/server/config``."""
        return {
            "notices": [],
            "port": 9117,
            "external": True,
            "local_bind_address": "127.0.0.1",
            "cors": False,
            "api_key": self.ctx.spec.api_key,
            "blackholedir": "",
            "updatedisabled": True,
            "prerelease": False,
            "password": "0123456789" if self.ctx.spec.password else "",
            "logging": False,
            "basepathoverride": "",
            "baseurloverride": "",
            "cache_enabled": True,
            "cache_ttl": 2100,
            "cache_max_results_per_indexer": 1000,
            "flaresolverrurl": "",
            "flaresolverr_maxtimeout": 55000,
            "omdbkey": "",
            "omdburl": "",
            "app_version": VERSION,
            "can_run_netcore": True,
            "proxy_type": -1,
            "proxy_url": "",
            "proxy_port": None,
            "proxy_username": "",
            "proxy_password": "",
        }


def _xml(root: ET.Element) -> web.Response:
    body = b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8")
    return web.Response(body=body, content_type="application/rss+xml", charset="utf-8")


def _error_xml(code: int, description: str) -> web.Response:
    return _xml(ET.Element("error", code=str(code), description=description))


def caps_xml() -> ET.Element:
    """Torznab capabilities of a music indexer."""
    caps = ET.Element("caps")
    ET.SubElement(caps, "server", title="Jackett")
    ET.SubElement(caps, "limits", default="100", max="100")
    searching = ET.SubElement(caps, "searching")
    ET.SubElement(searching, "search", available="yes", supportedParams="q")
    ET.SubElement(searching, "tv-search", available="no", supportedParams="q")
    ET.SubElement(searching, "movie-search", available="no", supportedParams="q")
    ET.SubElement(searching, "music-search", available="yes", supportedParams="q,artist,album")
    ET.SubElement(searching, "audio-search", available="yes", supportedParams="q,artist,album")
    ET.SubElement(searching, "book-search", available="no", supportedParams="q")
    categories = ET.SubElement(caps, "categories")
    parent = ET.SubElement(categories, "category", id="3000", name="Audio")
    for cid, name in CATEGORIES.items():
        if cid != 3000:
            ET.SubElement(parent, "subcat", id=str(cid), name=name)
    return caps


def build_app(ctx: BackendContext) -> web.Application:
    """The Jackett server over ``ctx.world``."""
    state = JackettState(ctx)
    app = web.Application()
    ET.register_namespace("torznab", TORZNAB_NS)

    def login_redirect(request: web.Request) -> web.Response:
        target = "/UI/Login?ReturnUrl=" + quote(request.path_qs, safe="")
        return web.Response(status=302, headers={"Location": target})

    def signed_in_redirect() -> web.Response:
        resp = web.Response(status=302, headers={"Location": "Dashboard"})
        resp.set_cookie(COOKIE, state.new_session(), httponly=True, path="/", samesite="Strict")
        return resp

    async def health(_: web.Request) -> web.Response:
        return web.json_response({"status": "OK"})

    async def root(_: web.Request) -> web.Response:
        return web.Response(status=302, headers={"Location": "/UI/Dashboard"})

    async def login(request: web.Request) -> web.Response:
        if not ctx.spec.password and not ctx.faults.active(Fault.AUTH_REVOKED):
            return signed_in_redirect()
        if state.signed_in(request):
            return web.Response(status=302, headers={"Location": "Dashboard"})
        return web.Response(text=LOGIN_HTML, content_type="text/html")

    async def dashboard(request: web.Request) -> web.Response:
        if state.signed_in(request):
            return web.Response(text=DASHBOARD_HTML, content_type="text/html")
        return login_redirect(request)

    async def dashboard_login(request: web.Request) -> web.Response:
        form = await request.post()
        given = str(form.get("password", ""))
        ok = bool(ctx.spec.password) and hmac.compare_digest(
            given.encode(), ctx.spec.password.encode()
        )
        if ok and not ctx.faults.active(Fault.AUTH_REVOKED):
            return signed_in_redirect()
        return web.Response(status=302, headers={"Location": "Dashboard"})

    async def server_config(request: web.Request) -> web.Response:
        if not state.signed_in(request):
            return login_redirect(request)
        return web.json_response(state.server_config())

    async def indexers(request: web.Request) -> web.Response:
        if not state.signed_in(request):
            return login_redirect(request)
        configured = request.query.get("configured", "").lower() == "true"
        found = state.configured() if configured else state.world.indexers
        return web.json_response([state.indexer_dto(i) for i in found])

    def resolve(request: web.Request) -> list[Indexer] | web.Response:
        """The configured indexers a results URL names (an id, ``all`` or a filter).

        An unknown name is Jackett's unhandled "Unknown indexer" exception: HTTP 500 with
        its JSON error (Middleware/CustomExceptionHandler.cs).
        """
        target = request.match_info["indexer"]
        configured = state.configured()
        if target == "all":
            return configured
        one = next((i for i in state.world.indexers if i.slug == target), None)
        if one is not None:
            if not one.enabled:
                return web.Response(status=404, text="Indexer is not configured")
            return [one]
        keep = parse_filter(target, state.test_errors)
        if keep is None:
            return web.json_response(
                {"result": "error", "error": f"Unknown indexer: {target}"}, status=500
            )
        return [i for i in configured if keep(i)]

    async def results(request: web.Request) -> web.Response:
        if not state.key_ok(request):
            return web.Response(status=401)
        valid = resolve(request)
        if isinstance(valid, web.Response):
            return valid
        trackers = [
            slug for value in request.query.getall("Tracker[]", []) for slug in value.split(",")
        ]
        asked = [i for i in valid if not trackers or i.slug in trackers]
        query = next((v for k, v in request.query.items() if k.lower() == "query"), "")
        categories = parse_categories(
            [v for k, v in request.query.items() if k.lower() in ("category[]", "category")]
        )
        releases = state.search(query, categories, asked)
        return web.json_response(
            {
                "Results": [state.result(r) for r in releases],
                "Indexers": state.status_block(asked, releases, categories),
            }
        )

    async def torznab(request: web.Request) -> web.Response:
        if not state.key_ok(request):
            return _error_xml(100, "Invalid API Key")
        valid = resolve(request)
        if isinstance(valid, web.Response):
            return valid
        target = request.match_info["indexer"]
        meta = not any(i.slug == target for i in state.world.indexers)
        kind = request.query.get("t", "search")
        if kind == "caps":
            return _xml(caps_xml())
        if kind == "indexers" and meta:
            # every indexer, not only the filter's (ResultsController.cs Torznab, "indexers")
            return _xml(indexers_xml(state.world.indexers, request.query.get("configured", "")))
        if kind not in ("search", "music"):
            return _error_xml(201, f"Function {kind} is not supported by this indexer")
        words = [request.query.get(k, "") for k in ("q", "artist", "album")]
        query = " ".join(w for w in words if w)
        categories = parse_categories(request.query.getall("cat", []))
        releases = state.search(query, categories, valid)
        limit = int(request.query.get("limit", "100") or 100)
        return _xml(rss(state, releases[:limit]))

    async def test_indexer(request: web.Request) -> web.Response:
        if not state.signed_in(request):
            return login_redirect(request)
        slug = request.match_info["indexer"]
        indexer = next((i for i in state.world.indexers if i.slug == slug and i.enabled), None)
        if indexer is None:
            return web.Response(status=404, text="Indexer is not configured")
        if not indexer.failing:
            state.test_errors.pop(slug, None)  # LastError = null
            return web.Response(status=204)
        error = indexer.last_error or "Request failed"
        state.test_errors[slug] = error  # LastError = msg, then rethrown: HTTP 500
        return web.json_response({"result": "error", "error": error}, status=500)

    app.router.add_get("/", root)
    app.router.add_get("/health", health)
    app.router.add_get("/UI/Login", login)
    app.router.add_get("/UI/Dashboard", dashboard)
    app.router.add_post("/UI/Dashboard", dashboard_login)
    app.router.add_get("/api/v2.0/server/config", server_config)
    app.router.add_get("/api/v2.0/indexers", indexers)
    app.router.add_post("/api/v2.0/indexers/{indexer}/test", test_indexer)
    app.router.add_get("/api/v2.0/indexers/{indexer}/results", results)
    app.router.add_get("/api/v2.0/indexers/{indexer}/results/torznab/api", torznab)
    app.router.add_get("/api/v2.0/indexers/{indexer}/results/torznab/", torznab)
    return app


def indexers_xml(indexers: Sequence[Indexer], configured: str) -> ET.Element:
    """``t=indexers``: every indexer, or the (un)configured ones (``configured=true|false``)."""
    if configured.lower() == "true":
        indexers = [i for i in indexers if i.enabled]
    elif configured.lower() == "false":
        indexers = [i for i in indexers if not i.enabled]
    root = ET.Element("indexers")
    for indexer in indexers:
        item = ET.SubElement(
            root, "indexer", id=indexer.slug, configured="true" if indexer.enabled else "false"
        )
        ET.SubElement(item, "title").text = indexer.name
        ET.SubElement(item, "type").text = indexer.privacy
        item.append(caps_xml())
    return root


def rss(state: JackettState, releases: Sequence[Release]) -> ET.Element:
    """A Torznab RSS feed of releases."""
    root = ET.Element("rss", version="2.0")
    channel = ET.SubElement(root, "channel")
    ET.SubElement(channel, "title").text = "Jackett"
    ET.SubElement(channel, "description").text = "Simulated Jackett results"
    attr = f"{{{TORZNAB_NS}}}attr"
    for release in releases:
        indexer = state.indexer_of(release)
        item = ET.SubElement(channel, "item")
        ET.SubElement(item, "title").text = release.title
        ET.SubElement(item, "guid").text = f"https://{indexer.slug}.example/torrent/{release.guid}"
        ET.SubElement(item, "jackettindexer", id=indexer.slug).text = indexer.name
        ET.SubElement(item, "type").text = indexer.privacy
        ET.SubElement(item, "pubDate").text = release.publish_date.astimezone(UTC).strftime(
            "%a, %d %b %Y %H:%M:%S +0000"
        )
        ET.SubElement(item, "size").text = str(release.size)
        link = state.link(release, indexer)
        ET.SubElement(item, "link").text = link
        for cid in release_categories(release):
            ET.SubElement(item, "category").text = str(cid)
        ET.SubElement(
            item, "enclosure", url=link, length=str(release.size), type="application/x-bittorrent"
        )
        for name, value in (
            ("category", str(release_categories(release)[-1])),
            ("seeders", str(release.seeders)),
            ("peers", str(release.seeders + release.leechers)),
            ("infohash", release.info_hash),
            ("magneturl", release.magnet),
            ("downloadvolumefactor", "1"),
            ("uploadvolumefactor", "1"),
        ):
            ET.SubElement(item, attr, name=name, value=value)
    return root
