"""The HTTP side: ``/metrics``, ``/probe?target=``, ``/healthz``, basic auth and TLS."""

from __future__ import annotations

import base64
import binascii
import hmac
import html
import logging
import platform
import ssl
from collections.abc import Awaitable, Callable, Iterable, Mapping
from urllib.parse import quote

from aiohttp import hdrs, web
from aiohttp.typedefs import Middleware
from prometheus_client.core import Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector as PromCollector

from . import __version__
from . import metrics as m
from .config import ExporterConfig
from .stack import StackCollector

_LOGGER = logging.getLogger(__name__)

SCRAPE_TIMEOUT_HEADER = "X-Prometheus-Scrape-Timeout-Seconds"
PUBLIC_PATHS = frozenset({"/healthz"})
"""Paths served without basic auth (liveness probes carry no credentials)."""

_LANDING = """<!DOCTYPE html>
<html><head><title>StepheyBot Music exporter</title></head>
<body><h1>StepheyBot Music exporter {version}</h1>
<ul>
<li><a href="metrics">/metrics</a>: the stack {default}</li>
{probes}
<li><a href="healthz">/healthz</a>: the exporter itself</li>
</ul></body></html>
"""


def scrape_budget(headers: Mapping[str, str] | None, default_timeout: float) -> float:
    """Seconds the collection may take: the scrape timeout minus a margin for the reply.

    Pass the request's (case-insensitive) headers: proxies may lower-case header names.
    """
    timeout = default_timeout
    raw = (headers or {}).get(SCRAPE_TIMEOUT_HEADER)
    if raw:
        try:
            value = float(raw)
        except ValueError:
            value = 0.0
        if value > 0:
            timeout = value
    return max(0.05, timeout - min(1.0, timeout * 0.1))


class _Families(PromCollector):
    """Hands prepared metric families to prometheus_client's encoders."""

    def __init__(self, families: Iterable[Metric]) -> None:
        self._families = list(families)

    def collect(self) -> Iterable[Metric]:
        return self._families


def render(samples: m.Samples, accept: str) -> tuple[bytes, str]:
    """Encode samples as the Accept header asks (OpenMetrics or text format 0.0.4)."""
    encoder, content_type = choose_encoder(accept)
    return encoder(_Families(samples.families())), content_type


def build_info() -> m.Samples:
    """The exporter's own metrics (only on ``/metrics``, never on ``/probe``)."""
    samples = m.Samples()
    samples.add(
        m.EXPORTER_BUILD_INFO, 1, version=__version__, python_version=platform.python_version()
    )
    return samples


class Exporter:
    """One exporter process: a long-lived collector per stack and the web application."""

    def __init__(self, config: ExporterConfig) -> None:
        """Create the stack collectors (nothing connects before the first scrape)."""
        self.config = config
        self.stacks = {s.name: StackCollector(s, config.options) for s in config.stacks}

    async def close(self) -> None:
        """Release every backend session."""
        for stack in self.stacks.values():
            await stack.close()

    def app(self) -> web.Application:
        """The aiohttp application serving every endpoint."""
        middlewares = []
        if self.config.basic_auth_username:
            middlewares.append(
                basic_auth_middleware(
                    self.config.basic_auth_username, self.config.basic_auth_password
                )
            )
        app = web.Application(middlewares=middlewares)
        app.router.add_get("/", self._landing)
        app.router.add_get("/metrics", self._metrics)
        app.router.add_get("/probe", self._probe)
        app.router.add_get("/healthz", self._healthz)

        async def _close(_: web.Application) -> None:
            await self.close()

        app.on_cleanup.append(_close)
        return app

    async def _scrape(
        self, request: web.Request, stack: StackCollector, extra: m.Samples | None
    ) -> web.Response:
        budget = scrape_budget(request.headers, self.config.scrape_timeout)
        snapshot = await stack.collect(budget)
        samples = m.Samples()
        samples.merge(snapshot.samples)
        if extra is not None:
            samples.merge(extra)
        body, content_type = render(samples, request.headers.get(hdrs.ACCEPT, ""))
        response = web.Response(body=body, headers={hdrs.CONTENT_TYPE: content_type})
        response.enable_compression()
        return response

    async def _metrics(self, request: web.Request) -> web.Response:
        stack = self.stacks[self.config.default_stack.name]
        return await self._scrape(request, stack, build_info())

    async def _probe(self, request: web.Request) -> web.Response:
        target = request.query.get("target", "")
        if not target:
            raise web.HTTPBadRequest(
                text="The target parameter is missing: use /probe?target=<stack name>.\n"
            )
        stack = self.stacks.get(target)
        if stack is None:
            known = ", ".join(sorted(self.stacks))
            raise web.HTTPNotFound(
                text=f"No stack is called {target!r}. The stack file has: {known}.\n"
            )
        return await self._scrape(request, stack, None)

    async def _healthz(self, _: web.Request) -> web.Response:
        return web.Response(text="OK\n")

    async def _landing(self, _: web.Request) -> web.Response:
        probes = "\n".join(
            f'<li><a href="probe?target={html.escape(quote(name))}">'
            f"/probe?target={html.escape(name)}</a></li>"
            for name in self.stacks
        )
        page = _LANDING.format(
            version=__version__,
            default=html.escape(self.config.default_stack.name),
            probes=probes,
        )
        return web.Response(text=page, content_type="text/html")


type _Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def basic_auth_middleware(username: str, password: str) -> Middleware:
    """Require HTTP basic auth on every path except :data:`PUBLIC_PATHS`."""
    expected = f"{username}:{password}".encode()

    @web.middleware
    async def middleware(request: web.Request, handler: _Handler) -> web.StreamResponse:
        if request.path in PUBLIC_PATHS or _credentials_ok(request, expected):
            return await handler(request)
        raise web.HTTPUnauthorized(
            text="Authentication required.\n",
            headers={hdrs.WWW_AUTHENTICATE: 'Basic realm="stepheybot-music-exporter"'},
        )

    return middleware


def _credentials_ok(request: web.Request, expected: bytes) -> bool:
    scheme, _, value = request.headers.get(hdrs.AUTHORIZATION, "").partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        given = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    return hmac.compare_digest(given, expected)


def tls_context(config: ExporterConfig) -> ssl.SSLContext | None:
    """The server TLS context, or None to serve plain HTTP."""
    if config.tls_cert_file is None or config.tls_key_file is None:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(config.tls_cert_file, config.tls_key_file)
    return context


def run(config: ExporterConfig) -> None:
    """Serve until SIGINT/SIGTERM."""
    exporter = Exporter(config)
    context = tls_context(config)
    scheme = "https" if context else "http"
    host = config.listen_host
    _LOGGER.info(
        "stepheybot-music-exporter %s serving %s://%s:%d (stacks: %s)",
        __version__,
        scheme,
        host or "*",
        config.listen_port,
        ", ".join(exporter.stacks),
    )
    web.run_app(
        exporter.app(),
        host=host,
        port=config.listen_port,
        ssl_context=context,
        access_log=None,
        print=None,
        handle_signals=True,
    )
