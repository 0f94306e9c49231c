"""A small client of Home Assistant's REST and websocket APIs (what the frontend uses)."""

from __future__ import annotations

import itertools
from types import TracebackType
from typing import Any, Self

import aiohttp

from .children import DemoError

JSON = dict[str, Any]


class HomeAssistantApi:
    """Authenticated calls to one Home Assistant; ``async with`` opens its websocket."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, access_token: str) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")
        self._token = access_token
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._ids = itertools.count(1)

    @property
    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}"}

    async def __aenter__(self) -> Self:
        ws = await self.session.ws_connect(f"{self.base_url}/api/websocket")
        hello = await ws.receive_json()
        if hello.get("type") != "auth_required":
            raise DemoError(f"Home Assistant's websocket greeted with {hello!r}")
        await ws.send_json({"type": "auth", "access_token": self._token})
        answer = await ws.receive_json()
        if answer.get("type") != "auth_ok":
            raise DemoError("Home Assistant refused the demo user's access token")
        self._ws = ws
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._ws is not None:
            await self._ws.close()
            self._ws = None

    async def get(self, path: str) -> Any:
        """GET a REST path; the parsed JSON answer."""
        async with self.session.get(f"{self.base_url}{path}", headers=self._headers) as resp:
            if resp.status != 200:
                raise DemoError(f"GET {path} answered {resp.status}: {await resp.text()}")
            return await resp.json()

    async def post(self, path: str, body: JSON | None = None) -> Any:
        """POST JSON to a REST path; the parsed JSON answer."""
        async with self.session.post(
            f"{self.base_url}{path}", json=body or {}, headers=self._headers
        ) as resp:
            if resp.status not in (200, 201):
                raise DemoError(f"POST {path} answered {resp.status}: {await resp.text()}")
            return await resp.json()

    async def command(self, message_type: str, **fields: Any) -> Any:
        """Send one websocket command and return its result."""
        if self._ws is None:
            raise DemoError("the websocket is not open (use 'async with')")
        message_id = next(self._ids)
        await self._ws.send_json({"id": message_id, "type": message_type, **fields})
        while True:
            answer = await self._ws.receive_json()
            if answer.get("id") != message_id or answer.get("type") != "result":
                continue
            if not answer.get("success"):
                raise DemoError(f"{message_type} failed: {answer.get('error')}")
            return answer.get("result")

    async def flow(self, path: str, start: JSON, steps: list[JSON]) -> JSON:
        """Run a data entry flow through its REST API: start it, then answer each form."""
        result: JSON = await self.post(path, start)
        for step in steps:
            if result.get("type") != "form":
                break
            if result.get("errors"):
                raise DemoError(f"{path} step {result.get('step_id')}: {result['errors']}")
            result = await self.post(f"{path}/{result['flow_id']}", step)
        if result.get("type") == "form" and result.get("errors"):
            raise DemoError(
                f"{path} step {result.get('step_id')} refused the input: {result['errors']} "
                f"{result.get('description_placeholders') or ''}"
            )
        return result
