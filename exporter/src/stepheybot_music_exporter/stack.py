"""Collect one stack: every backend concurrently, each within its own time budget.

One :class:`StackCollector` per stack lives as long as the process. Concurrent scrapes
share one in-flight collection (single-flight), a failing backend only turns its own
``backend_up`` to 0, and collectors that log in go through their
:class:`~stepheybot_music_clients.login_policy.LoginGuard`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from stepheybot_music_clients.diagnosis import Diagnosis
from stepheybot_music_clients.errors import (
    FailureReason,
    InvalidAuthError,
    IpBannedError,
    StackError,
    failure_reason,
)
from stepheybot_music_clients.listen_port import port_matches
from stepheybot_music_clients.models import BackendKind
from stepheybot_music_clients.stackfile import StackConfig

from . import metrics as m
from .collectors import make_collector
from .collectors.base import Collector, Facts
from .config import CollectorOptions
from .diagnosis import diagnose_scrape

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BackendResult:
    """How one backend fared in one collection."""

    name: str
    up: bool
    duration: float
    reason: str = ""
    message: str = ""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The result of one collection of a stack."""

    samples: m.Samples
    backends: tuple[BackendResult, ...]


class _Backend:
    """A collector plus what the stack remembers about it between scrapes."""

    def __init__(self, collector: Collector[Any]) -> None:
        self.collector = collector
        self.last_reason = ""


class StackCollector:
    """Collects every backend of one stack."""

    def __init__(self, stack: StackConfig, options: CollectorOptions) -> None:
        """Create one long-lived collector per backend (nothing connects yet)."""
        self.stack = stack
        self._backends = [_Backend(make_collector(b, options)) for b in stack.backends]
        has_vpn = any(b.kind is BackendKind.GLUETUN for b in stack.backends)
        for backend in self._backends:
            backend.collector.reads_listen_port = has_vpn
        self._inflight: asyncio.Task[Snapshot] | None = None
        self._last_cause: str | None = None
        self.collections = 0
        """How many collections ran (concurrent scrapes that shared one count once)."""

    @property
    def collectors(self) -> Sequence[Collector[Any]]:
        """The backend collectors, in stack file order."""
        return [b.collector for b in self._backends]

    async def collect(self, budget: float) -> Snapshot:
        """Collect the stack, or join the collection already running."""
        task = self._inflight
        if task is None:
            task = asyncio.create_task(self._collect(budget), name=f"collect {self.stack.name}")
            self._inflight = task
            task.add_done_callback(self._finished)
        return await asyncio.shield(task)

    def _finished(self, task: asyncio.Task[Snapshot]) -> None:
        if self._inflight is task:
            self._inflight = None
        if not task.cancelled() and task.exception() is not None:
            _LOGGER.error("collecting stack %s failed", self.stack.name, exc_info=task.exception())

    async def close(self) -> None:
        """Wait for a running collection, then release every backend's session."""
        if self._inflight is not None:
            await asyncio.gather(self._inflight, return_exceptions=True)
        for backend in self._backends:
            await backend.collector.close()

    async def _collect(self, budget: float) -> Snapshot:
        self.collections += 1
        results = await asyncio.gather(*(self._collect_backend(b, budget) for b in self._backends))
        samples = m.Samples()
        facts = Facts()
        for result, backend_samples, backend_facts in results:
            samples.add(m.BACKEND_UP, 1 if result.up else 0, backend=result.name)
            samples.add(m.BACKEND_SCRAPE_DURATION, result.duration, backend=result.name)
            if result.up:
                samples.merge(backend_samples)
                facts.merge(backend_facts)
            else:
                samples.add(m.BACKEND_FAILURE, 1, backend=result.name, reason=result.reason)
        _add_derived(samples, facts)
        forwarded = samples.get(m.VPN_FORWARDED_PORT)
        for backend in self._backends:
            backend.collector.vpn_forwarded = int(forwarded) if forwarded is not None else None
        self._report_diagnosis(diagnose_scrape(self.stack, samples, facts))
        return Snapshot(samples=samples, backends=tuple(r for r, _, _ in results))

    async def _collect_backend(
        self, backend: _Backend, budget: float
    ) -> tuple[BackendResult, m.Samples, Facts]:
        """Collect one backend; its samples and facts count only if it succeeded."""
        collector = backend.collector
        out = m.Samples()
        facts = Facts()
        start = time.monotonic()
        guard = collector.login_guard
        if guard is not None and (wait := guard.blocked_for()) is not None:
            reason = FailureReason.LOGIN_BACKOFF.value
            if guard.given_up:
                message = (
                    f"not logging in to {collector.name} again until the exporter restarts: "
                    f"{guard.failures} logins failed; fix the credentials and restart"
                )
            elif guard.banned_now:
                reason = FailureReason.BANNED.value
                message = (
                    f"{collector.name} banned this address; waiting {wait:.0f} s for the ban "
                    "to expire before logging in again"
                )
            else:
                message = f"waiting {wait:.0f} s before logging in to {collector.name} again"
            result = BackendResult(collector.name, False, 0.0, reason, message)
            self._report(backend, result)
            return result, out, facts
        limit = max(0.05, min(collector.timeout, budget))
        try:
            async with asyncio.timeout(limit):
                await collector.collect(out, facts)
        except IpBannedError as err:
            if guard is not None:
                guard.banned(err)  # counted once, also when the client recorded it already
            result = self._failed(collector, start, err)
        except InvalidAuthError as err:
            if guard is not None:
                guard.rejected(err)
            result = self._failed(collector, start, err)
        except TimeoutError as err:
            result = self._failed(
                collector,
                start,
                err,
                f"{collector.name} did not answer within {limit:g} s (the scrape's time budget "
                "for it); raise the scrape timeout or the backend's timeout if it is just slow",
            )
        except StackError as err:
            result = self._failed(collector, start, err)
        except Exception as err:  # a bug or an unforeseen payload must not fail the scrape
            _LOGGER.exception("collecting %s failed unexpectedly", collector.name)
            result = self._failed(collector, start, err, f"{type(err).__name__}: {err}")
        else:
            if guard is not None:
                guard.succeeded()
            result = BackendResult(collector.name, True, time.monotonic() - start)
        self._report(backend, result)
        return result, out, facts

    @staticmethod
    def _failed(
        collector: Collector[Any], start: float, err: BaseException, message: str = ""
    ) -> BackendResult:
        text = message or (err.message if isinstance(err, StackError) else str(err))
        return BackendResult(
            collector.name, False, time.monotonic() - start, failure_reason(err).value, text
        )

    def _report_diagnosis(self, diagnosis: Diagnosis) -> None:
        """Log when the cause that blocks music changes (with its fix), not every scrape."""
        cause = diagnosis.cause.value if diagnosis.cause is not None else None
        if cause == self._last_cause:
            return
        if diagnosis.finding is not None:
            _LOGGER.warning(
                "%s: music is blocked (%s): %s", self.stack.name, cause, diagnosis.finding.speech
            )
        elif self._last_cause is not None:
            _LOGGER.info("%s: music is no longer blocked (%s)", self.stack.name, diagnosis.status)
        self._last_cause = cause

    def _report(self, backend: _Backend, result: BackendResult) -> None:
        """Log when a backend goes down, changes reason or comes back (not every scrape)."""
        if result.reason == backend.last_reason:
            return
        if result.up:
            _LOGGER.info("%s/%s is back up", self.stack.name, result.name)
        else:
            _LOGGER.warning(
                "%s/%s is down (%s): %s",
                self.stack.name,
                result.name,
                result.reason,
                result.message,
            )
        backend.last_reason = result.reason


def _add_derived(samples: m.Samples, facts: Facts) -> None:
    """Metrics that need two backends: the VPN leak check, the listen ports against the VPN's."""
    forwarded = samples.get(m.VPN_FORWARDED_PORT)
    for client, port in facts.listen_ports.items():
        matches = port_matches(int(forwarded) if forwarded is not None else None, port)
        if matches is not None:
            samples.add(m.LISTEN_PORT_MATCHES_VPN, 1 if matches else 0, client=client)
    if facts.vpn_public_ip is None or not facts.external_addresses:
        return
    leak = any(ip != facts.vpn_public_ip for ip in facts.external_addresses.values())
    samples.add(m.VPN_LEAK, 1 if leak else 0)
