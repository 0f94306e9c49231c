"""Fault injection: per backend, at runtime, from tests or the control endpoint.

Generic faults (slow, HTTP 500, malformed or truncated JSON) are applied by
:func:`fault_middleware` to every backend. ``DOWN`` closes the listening socket (the
server handles it: connection refused). Credential faults (``AUTH_REVOKED``,
``BANNED``) and ``SESSION_EXPIRED`` mean something different per API, so each
backend facade checks :meth:`FaultState.active` where it authenticates.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from enum import StrEnum

from aiohttp import web
from aiohttp.typedefs import Middleware


class Fault(StrEnum):
    """The faults a backend can be put into."""

    DOWN = "down"
    SLOW = "slow"
    HTTP_500 = "http_500"
    MALFORMED_JSON = "malformed_json"
    TRUNCATED_JSON = "truncated_json"
    AUTH_REVOKED = "auth_revoked"
    BANNED = "banned"
    SESSION_EXPIRED = "session_expired"


class FaultState:
    """The faults active on one backend."""

    def __init__(self, slow_delay: float = 30.0) -> None:
        self._active: set[Fault] = set()
        self.slow_delay = slow_delay
        self.session_generation = 0
        """Bumped by SESSION_EXPIRED: facades drop sessions created before it."""

    def active(self, fault: Fault) -> bool:
        """Whether ``fault`` is in force."""
        return fault in self._active

    @property
    def faults(self) -> frozenset[Fault]:
        """Every active fault."""
        return frozenset(self._active)

    def set(self, fault: Fault) -> None:
        """Put a fault in force (SESSION_EXPIRED acts once and does not stay)."""
        if fault is Fault.SESSION_EXPIRED:
            self.session_generation += 1
            return
        self._active.add(fault)

    def clear(self, fault: Fault | None = None) -> None:
        """Lift one fault, or all of them."""
        if fault is None:
            self._active.clear()
        else:
            self._active.discard(fault)


type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def fault_middleware(state: FaultState) -> Middleware:
    """An aiohttp middleware that applies the generic faults of ``state``."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if state.active(Fault.DOWN):
            # a kept-alive connection that outlived the listener: drop it like a dead host
            if request.transport is not None:
                request.transport.close()
            raise web.HTTPServiceUnavailable
        if state.active(Fault.SLOW):
            await asyncio.sleep(state.slow_delay)
        if state.active(Fault.HTTP_500):
            return web.Response(status=500, text="Internal Server Error")
        response = await handler(request)
        if state.active(Fault.MALFORMED_JSON) and isinstance(response, web.Response):
            return web.Response(
                status=response.status,
                body=b'{"oops": [1, 2,, <html>not json',
                headers=_kept_headers(response),
                content_type="application/json",
            )
        if state.active(Fault.TRUNCATED_JSON) and isinstance(response, web.Response):
            body = response.body if isinstance(response.body, bytes) else b"{}"
            return web.Response(
                status=response.status,
                body=body[: max(1, len(body) // 2)],
                headers=_kept_headers(response),
                content_type=response.content_type,
            )
        return response

    return middleware


def _kept_headers(response: web.Response) -> dict[str, str]:
    """The headers of a rebuilt response, minus those describing the old body."""
    dropped = {"content-length", "content-type", "content-encoding", "transfer-encoding"}
    return {k: v for k, v in response.headers.items() if k.lower() not in dropped}
