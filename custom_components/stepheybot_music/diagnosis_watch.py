"""The stack's diagnosis kept current: recomputed at every poll, with its repair issues.

One :class:`DiagnosisWatch` per loaded stack (``runtime.diagnosis``) listens to every
coordinator of the stack. Each update diagnoses the coordinators' data again (no request:
see :mod:`.diagnosis`), tells its listeners (the "Music blocked by" sensor, the requests in
flight sensor), and raises the repair issue of the cause that blocks music when the person
must act (one issue id per cause and stack), deleted as soon as the cause is known to be
clear. A cause that could not be read (its backend does not answer) keeps its issue: it is
not known to be fixed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from stepheybot_music_clients.diagnosis import Cause, Diagnosis, StackObservation, diagnose

from .const import DOMAIN
from .diagnosis import observe
from .runtime import StepheyBotConfigEntry, signal_replaced

NEEDS_PERSON: frozenset[Cause] = frozenset(
    {
        Cause.VPN_DOWN,
        Cause.VPN_LEAK,
        Cause.PORT_MISMATCH,
        Cause.INDEXERS_FAILING,
        Cause.IMPORT_BLOCKED,
        Cause.METADATA_DOWN,
        Cause.DISK_FULL,
        Cause.NOT_SCANNED,
    }
)
"""Causes with a repair issue. ``no_peers`` has none: waiting for seeders is the remedy."""


def blocked_issue_id(cause: Cause, entry_id: str) -> str:
    """The repair issue id of ``cause`` in one stack."""
    return f"blocked_{cause.value}_{entry_id}"


class DiagnosisWatch:
    """The current diagnosis of one stack, and who wants to hear when it may have changed."""

    def __init__(self, hass: HomeAssistant, entry: StepheyBotConfigEntry) -> None:
        """Nothing diagnosed until :meth:`async_start`."""
        self.hass = hass
        self.entry = entry
        self.observation = StackObservation()
        self.diagnosis: Diagnosis = diagnose(self.observation)
        self._listeners: list[Callable[[], None]] = []
        self._removers: list[CALLBACK_TYPE] = []

    @callback
    def async_start(self) -> CALLBACK_TYPE:
        """Diagnose now and after every poll of the stack; returns what stops it.

        A backend reloaded alone (:mod:`.backend_reload`) brings new coordinators: the watch
        follows them (:func:`signal_replaced`).
        """
        self._follow()
        stop_following = async_dispatcher_connect(
            self.hass, signal_replaced(self.entry.entry_id), self._replaced
        )
        self.async_update()

        @callback
        def stop() -> None:
            stop_following()
            self._unfollow()
            for cause in NEEDS_PERSON:
                ir.async_delete_issue(
                    self.hass, DOMAIN, blocked_issue_id(cause, self.entry.entry_id)
                )

        return stop

    def _follow(self) -> None:
        runtime = self.entry.runtime_data
        self._removers = [
            coordinator.async_add_listener(self.async_update)
            for backend in runtime.backends.values()
            for coordinator in backend.coordinators
        ]
        self._removers.append(runtime.requests.async_add_listener(self.async_update))

    def _unfollow(self) -> None:
        for remove in self._removers:
            remove()
        self._removers = []

    @callback
    def _replaced(self, _: Mapping[Any, Any]) -> None:
        self._unfollow()
        self._follow()
        self.async_update()

    @callback
    def async_add_listener(self, listener: Callable[[], None]) -> CALLBACK_TYPE:
        """Call ``listener()`` after every new diagnosis; returns the remover."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    @callback
    def async_update(self) -> None:
        """Diagnose the stack from the coordinators' data, then update issues and listeners."""
        self.observation = observe(self.entry.runtime_data)
        self.diagnosis = diagnose(self.observation)
        self._update_issues()
        for listener in list(self._listeners):
            listener()

    def _update_issues(self) -> None:
        finding = self.diagnosis.finding
        for cause in NEEDS_PERSON:
            issue_id = blocked_issue_id(cause, self.entry.entry_id)
            if finding is not None and finding.cause is cause:
                ir.async_create_issue(
                    self.hass,
                    DOMAIN,
                    issue_id,
                    is_fixable=False,
                    severity=ir.IssueSeverity.ERROR,
                    translation_key=f"blocked_{cause.value}",
                    translation_placeholders={"stack": self.entry.title, "details": finding.text},
                    data={"entry_id": self.entry.entry_id},
                )
            elif self.diagnosis.state_of(cause) is False:
                ir.async_delete_issue(self.hass, DOMAIN, issue_id)
