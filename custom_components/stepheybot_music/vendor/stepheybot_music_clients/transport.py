"""HTTP transport shared by every backend client: one request path, one error mapping.

Backends subclass :class:`HttpClient` and call :meth:`HttpClient.request`, which turns
every aiohttp failure into the hierarchy in :mod:`.errors`, reads the body once and
counts requests and bytes (the benchmarks and the "only deltas travel" tests read
:attr:`HttpClient.stats`). Nothing here logs a URL query string or a header, because
those carry passwords, Subsonic tokens and API keys.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any, ClassVar

import aiohttp
from multidict import CIMultiDictProxy
from yarl import URL

from stepheybot_music_clients.errors import (
    BackendTimeoutError,
    CannotConnectError,
    InvalidAuthError,
    ServerError,
    StackError,
    TlsError,
    UnexpectedResponseError,
)

_LOGGER = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0
_SNIPPET = 120

type Params = Mapping[str, str | int | float] | list[tuple[str, str | int | float]]


class InvalidUrlError(StackError):
    """The configured URL is not an http(s) URL with a host."""


def normalize_url(url: str, *, backend: str | None = None) -> URL:
    """Validate a base URL and return it without a trailing slash, query or fragment."""
    text = url.strip()
    try:
        parsed = URL(text)
    except (ValueError, TypeError) as err:
        raise InvalidUrlError(
            f"{text!r} is not a valid URL. Use a URL like http://192.168.1.10:8080.",
            backend=backend,
        ) from err
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise InvalidUrlError(
            f"{text!r} is not an http:// or https:// URL with a host name. "
            "Use a URL like http://192.168.1.10:8080.",
            backend=backend,
        )
    return parsed.with_query(None).with_fragment(None).with_path(parsed.path.rstrip("/") or "/")


def snippet(body: bytes) -> str:
    """Return the start of a body for an error message (never the whole thing)."""
    text = body[:_SNIPPET].decode("utf-8", "replace").strip()
    return text + ("…" if len(body) > _SNIPPET else "")


async def read_body(content: aiohttp.StreamReader) -> bytes:
    """Read a whole response body into one buffer, holding a single copy of it.

    ``ClientResponse.read()`` keeps every received piece in a list and joins them at the end,
    so two copies of the body are alive at once (a qBittorrent full sync at 10,000 torrents
    is 15 MB decoded: 30 MB at the peak, and the pieces fragment the heap). Here each piece is
    appended to one growing buffer and dropped at once, and :meth:`io.BytesIO.getvalue`
    hands that buffer over as ``bytes`` without copying it. Decoding keeps aiohttp's
    per-piece limit (``read()`` lifts it). A body that arrives in one piece is returned as is.
    """
    first = await content.readany()
    if content.at_eof():
        return first
    buffer = io.BytesIO()
    buffer.write(first)
    del first
    while piece := await content.readany():
        buffer.write(piece)
    return buffer.getvalue()


KEPT_ENCODINGS = {"gzip": 31, "deflate": 15}
"""Content codings a body may be kept in (``request(decode=False)``), with their zlib ``wbits``."""
INFLATE_BYTES = 1 << 20
"""How much of a kept-compressed body :func:`inflate` decodes at a time."""


def corrupt_body_error(kind: str, url: URL, detail: object) -> UnexpectedResponseError:
    """The error for a truncated or corrupt response body, however it was decoded."""
    return UnexpectedResponseError(
        f"{kind} at {url} sent a truncated or corrupt response ({detail}). "
        "Check its logs; it may be restarting.",
        backend=kind,
    )


def inflate(resp: Response, url: URL, piece_bytes: int = INFLATE_BYTES) -> Iterator[bytes]:
    """The decoded body of ``resp``, at most ``piece_bytes`` at a time.

    A body kept compressed is decompressed as it is consumed, so only one piece of it is
    ever alive decoded; a decoded body is yielded as one piece. A truncated or corrupt
    compressed body raises the same error as when aiohttp decodes it.
    """
    if resp.encoding is None:
        yield resp.body
        return
    inflater = zlib.decompressobj(KEPT_ENCODINGS[resp.encoding])
    data = resp.body
    try:
        while not inflater.eof:
            piece = inflater.decompress(data, piece_bytes)
            data = inflater.unconsumed_tail
            if not piece and not data:
                break
            yield piece
        if not inflater.eof:
            raise corrupt_body_error(resp.backend, url, "the compressed body ends early")
    except zlib.error as err:
        raise corrupt_body_error(resp.backend, url, f"cannot decompress it: {err}") from err


_ID_SEGMENT = re.compile(
    r"\d+"  # Lidarr's album/artist/command ids
    r"|[0-9a-fA-F]{12,}"  # torrent info hashes, Docker container ids
    r"|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"  # UUIDs
)
MAX_ROUTES = 64
"""Distinct routes :attr:`TransportStats.by_path` keeps; the rest count under OTHER_ROUTES."""
OTHER_ROUTES = "(other routes)"


def route_of(path: str) -> str:
    """The route of a URL path: segments that are ids become ``{id}`` (``/api/v1/album/{id}``)."""
    return "/".join("{id}" if _ID_SEGMENT.fullmatch(part) else part for part in path.split("/"))


@dataclass(slots=True)
class TransportStats:
    """What a client sent and received; cheap to keep, read by tests and benchmarks."""

    requests: int = 0
    body_bytes: int = 0
    wire_bytes: int = 0
    by_path: dict[str, int] = field(default_factory=dict)
    """Requests per route (:func:`route_of`), so a long-lived client keeps a bounded map:
    ids become ``{id}``, and routes beyond :data:`MAX_ROUTES` (free text in a path, such
    as a search query) count under :data:`OTHER_ROUTES`."""

    def count(self, path: str) -> None:
        """Count one request to ``path``."""
        self.requests += 1
        route = route_of(path)
        if route not in self.by_path and len(self.by_path) >= MAX_ROUTES:
            route = OTHER_ROUTES
        self.by_path[route] = self.by_path.get(route, 0) + 1

    def reset(self) -> None:
        """Start counting from zero."""
        self.requests = self.body_bytes = self.wire_bytes = 0
        self.by_path.clear()


@dataclass(frozen=True, slots=True)
class Response:
    """A fully read HTTP response."""

    status: int
    headers: CIMultiDictProxy[str]
    body: bytes
    cookies: SimpleCookie
    url: URL
    backend: str
    encoding: str | None = None
    """The content coding ``body`` is still in (``request(decode=False)``); None: decoded."""

    @property
    def text(self) -> str:
        """The body decoded as UTF-8 (lenient)."""
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        """Parse the body as JSON, or raise :class:`UnexpectedResponseError`."""
        try:
            return json.loads(self.body)
        except ValueError as err:
            raise UnexpectedResponseError(
                f"{self.backend} sent a response that is not valid JSON "
                f"({len(self.body)} bytes, starting {snippet(self.body)!r}). "
                "Check that the URL points at the right application and look at its logs.",
                backend=self.backend,
            ) from err


@contextmanager
def parsing(backend: str, what: str) -> Iterator[None]:
    """Turn shape errors while reading a payload into :class:`UnexpectedResponseError`."""
    try:
        yield
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as err:
        raise UnexpectedResponseError(
            f"{backend} sent {what} in a shape we do not understand ({type(err).__name__}: {err}). "
            "The application may be a version StepheyBot Music does not support yet.",
            backend=backend,
        ) from err


class HttpClient:
    """Base class of the HTTP backend clients.

    The caller owns the :class:`aiohttp.ClientSession`; the client never closes it.
    """

    kind: ClassVar[str] = "backend"
    """Human name of the application, used in every message (e.g. ``"qBittorrent"``)."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        verify_ssl: bool = True,
    ) -> None:
        self._session = session
        self.url = normalize_url(url, backend=self.kind)
        self.timeout = timeout
        self.verify_ssl = verify_ssl
        self.stats = TransportStats()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.url}>"

    def _url(self, path: str) -> URL:
        base = self.url.path.rstrip("/")
        return self.url.with_path(base + "/" + path.lstrip("/"), encoded=False)

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        data: Any = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        allow_redirects: bool = True,
        timeout: float | None = None,
    ) -> Response:
        """Send one request and read the whole body, mapping every transport failure."""
        return await self.exchange(
            method,
            path,
            params=params,
            data=data,
            json_body=json_body,
            headers=headers,
            allow_redirects=allow_redirects,
            timeout=timeout,
        )

    async def exchange(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        data: Any = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        allow_redirects: bool = True,
        timeout: float | None = None,
        decode: bool = True,
    ) -> Response:
        """:meth:`request`, optionally keeping a compressed body compressed.

        With ``decode=False`` a successful body sent gzip- or deflate-compressed is kept as it
        came (``Response.encoding`` names the coding; :func:`inflate` decodes it piece by
        piece), so a big reply never sits in memory decoded as a whole. Such a body is not
        counted in ``stats.body_bytes``: the caller adds what it decoded.
        """
        url = self._url(path)
        limit = timeout if timeout is not None else self.timeout
        _LOGGER.debug("%s %s %s", self.kind, method, url.path)
        self.stats.count(url.path)
        try:
            async with self._session.request(
                method,
                url,
                params=params,
                data=data,
                json=json_body,
                headers=headers if decode else {**(headers or {}), "Accept-Encoding": "gzip"},
                allow_redirects=allow_redirects,
                timeout=aiohttp.ClientTimeout(total=limit),
                ssl=self.verify_ssl,
                auto_decompress=decode,
            ) as resp:
                body = await read_body(resp.content)
                wire = resp.content_length if decode else len(body)
                encoding = None
                if not decode:
                    body, encoding = self._kept(resp, body)
                result = Response(
                    status=resp.status,
                    headers=resp.headers,
                    body=body,
                    cookies=resp.cookies,
                    url=resp.url,
                    backend=self.kind,
                    encoding=encoding,
                )
        except TimeoutError as err:
            raise BackendTimeoutError(
                f"{self.kind} at {self.url} did not answer within {limit:g} s. "
                "It may be overloaded, starting up or stuck; check its container.",
                backend=self.kind,
            ) from err
        except (aiohttp.ClientConnectorCertificateError, aiohttp.ClientSSLError) as err:
            raise TlsError(
                f"The TLS connection to {self.kind} at {self.url} failed ({err}). "
                "If it uses a self-signed certificate, turn off certificate verification; "
                "otherwise check the host name and the certificate.",
                backend=self.kind,
            ) from err
        except aiohttp.ClientPayloadError as err:
            raise corrupt_body_error(self.kind, self.url, err) from err
        except aiohttp.ClientResponseError as err:
            raise UnexpectedResponseError(
                f"{self.kind} at {self.url} sent a malformed HTTP response ({err.message}).",
                backend=self.kind,
            ) from err
        except (aiohttp.ClientError, OSError) as err:
            raise CannotConnectError(
                f"Cannot connect to {self.kind} at {self.url} ({type(err).__name__}: {err}). "
                "Check the URL and port, and that the container is running.",
                backend=self.kind,
            ) from err
        except asyncio.CancelledError:
            raise
        if encoding is None:
            self.stats.body_bytes += len(body)
        self.stats.wire_bytes += wire if wire is not None else len(body)
        return result

    def _kept(self, resp: aiohttp.ClientResponse, raw: bytes) -> tuple[bytes, str | None]:
        """A body read with ``decode=False``: kept compressed when it is a 2xx answer.

        Any other status has a small body: it is decoded at once for the error messages.
        """
        coding = resp.headers.get("Content-Encoding", "").strip().lower()
        if coding in ("", "identity"):
            return raw, None
        if coding not in KEPT_ENCODINGS:
            raise UnexpectedResponseError(
                f"{self.kind} at {self.url} sent a body in the content coding {coding!r}, "
                "which was not asked for.",
                backend=self.kind,
            )
        if 200 <= resp.status < 300:
            return raw, coding
        kept = Response(resp.status, resp.headers, raw, resp.cookies, resp.url, self.kind, coding)
        return b"".join(inflate(kept, self.url)), None

    def raise_for_status(self, resp: Response, *, auth_statuses: tuple[int, ...] = (401,)) -> None:
        """Raise the matching error for a non-2xx status; 3xx is left to the caller."""
        if resp.status < 400:
            return
        if resp.status in auth_statuses:
            raise InvalidAuthError(
                f"{self.kind} at {self.url} rejected the credentials (HTTP {resp.status}). "
                "Check the user name, password or API key.",
                backend=self.kind,
            )
        if resp.status >= 500:
            raise self.server_error(resp)
        raise UnexpectedResponseError(
            f"{self.kind} at {self.url} answered HTTP {resp.status} to {resp.url.path}"
            f" ({snippet(resp.body)!r}). Check its logs.",
            backend=self.kind,
        )

    def server_error(self, resp: Response) -> ServerError:
        """The error of an HTTP 5xx answer: the backend failed on its side (its log says why)."""
        return ServerError(
            f"{self.kind} at {self.url} had an internal error (HTTP {resp.status}) answering "
            f"{resp.url.path} ({snippet(resp.body)!r}): see {self.kind}'s logs.",
            backend=self.kind,
            status=resp.status,
        )

    async def get_json(
        self,
        path: str,
        *,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> Any:
        """GET a JSON document, raising on any non-2xx status."""
        resp = await self.request("GET", path, params=params, headers=headers, timeout=timeout)
        self.raise_for_status(resp)
        return resp.json()
