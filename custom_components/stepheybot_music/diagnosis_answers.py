"""Spoken answers to "why hasn't <album> arrived?" and "why is my music not downloading?".

Both come from the stack's current diagnosis (:class:`DiagnosisWatch`, refreshed at every
poll) and the requests' ``waiting_for``: what holds the music back and what to do, fit to be
spoken (no URL, no HTTP status). A request that nothing holds back is told by its stage; a
name no request matches is said to be unknown. The Assist intent and the LLM tool say the
same words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar

import probatio
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import intent
from homeassistant.util.json import JsonObjectType
from stepheybot_music_clients.diagnosis import spoken

from .diagnosis import waiting_for
from .facts import spoken_stage, spoken_title
from .intents import INTENT_PREFIX, Slots, StackIntentHandler
from .runtime import StepheyBotConfigEntry
from .tracking.models import Stage, TrackedRequest

INTENT_WHY_NOT_ARRIVED = f"{INTENT_PREFIX}WhyNotArrived"

_HTTP = re.compile(r"\s*\(?\b(?:HTTP(?:/[\d.]+)?|status(?: code)?)\s*[1-5]\d\d\b\)?", re.IGNORECASE)
"""An HTTP status (``HTTP 500``, ``(status code 503)``): not for a spoken answer."""


def _said(text: str) -> str:
    """``text`` fit to be spoken: no URL, no HTTP status."""
    return re.sub(r"\s{2,}", " ", _HTTP.sub("", spoken(text))).strip()


def _key(text: str) -> str:
    """A name as said aloud: case, punctuation and a leading ``the`` ignored."""
    words = re.sub(r"[^\w\s]", " ", text.casefold()).split()
    if words and words[0] == "the":
        words = words[1:]
    return " ".join(words)


def find_request(entry: StepheyBotConfigEntry, name: str) -> TrackedRequest | None:
    """The newest request whose album, artist or "album by artist" is ``name``.

    Requests in flight first (the one the person most likely means), then finished ones.
    """
    wanted = _key(name)
    store = entry.runtime_data.requests.store
    finished = [r for r in store.all() if r.finished]
    for request in [*store.in_flight(), *finished]:
        keys = {_key(request.artist), _key(request.title)}
        if request.album:
            keys |= {_key(request.album), _key(f"{request.album} by {request.artist}")}
        if wanted in keys:
            return request
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class WhyAnswer:
    """One answer: the words, and what they rest on (for the LLM tool's result)."""

    speech: str
    cause: str | None = None
    """The cause that holds the music back, ``unknown``, or None when nothing does."""
    stage: str | None = None
    """The request's stage, when the question named one."""

    def as_dict(self) -> JsonObjectType:
        """The LLM tool's result."""
        return {"answer": self.speech, "cause": self.cause, "stage": self.stage}


def why_request(entry: StepheyBotConfigEntry, name: str) -> WhyAnswer:
    """Why the music called ``name`` has not arrived."""
    request = find_request(entry, name)
    if request is None:
        return WhyAnswer(speech=f"I have no request for {name}, so I cannot tell why.")
    title = spoken_title(request.artist, request.album)
    stage = request.stage.value
    if request.stage is Stage.IN_LIBRARY:
        return WhyAnswer(speech=f"{title} has arrived: it is in your library.", stage=stage)
    if request.stage is Stage.FAILED:
        said = _said(request.message or "")
        reason = f" {said.rstrip('.')}." if said else ""
        return WhyAnswer(
            speech=f"{title} did not arrive: the request {spoken_stage(request)}.{reason}",
            stage=stage,
        )
    runtime = entry.runtime_data
    waiting = waiting_for(runtime, request, observation=runtime.diagnosis.observation)
    if waiting is None:
        return WhyAnswer(
            speech=f"Nothing is blocking {title}: it is {spoken_stage(request)}.", stage=stage
        )
    return WhyAnswer(
        speech=f"{title} is stuck: {_said(waiting.speech)}", cause=waiting.cause, stage=stage
    )


def why_stack(entry: StepheyBotConfigEntry) -> WhyAnswer:
    """Why music is not arriving at all (the stack's diagnosis)."""
    diagnosis = entry.runtime_data.diagnosis.diagnosis
    cause = diagnosis.cause.value if diagnosis.cause else None
    return WhyAnswer(speech=_said(diagnosis.speech), cause=cause)


_THE_STACK = frozenset({"music", "my music", "downloads", "my downloads", "albums", "my albums"})
"""What "why is my music not downloading" may leave in the name: the stack is meant."""


def why(entry: StepheyBotConfigEntry, name: str | None) -> WhyAnswer:
    """The answer about ``name``, or about the stack when no name (or "my music") is given."""
    if not name or _key(name) in _THE_STACK:
        return why_stack(entry)
    return why_request(entry, name)


class WhyNotArrivedIntent(StackIntentHandler):
    """Why hasn't <album or artist> arrived; why is my music not downloading."""

    intent_type = INTENT_WHY_NOT_ARRIVED
    description = "Tells why requested music has not arrived, and what to do about it"
    slots: ClassVar[dict[Any, Any]] = {probatio.Optional("music"): intent.non_empty_string}
    """``music``: the album or artist asked about (Home Assistant's own ``name`` slot means
    an entity, so it is not used)."""

    async def async_speech(
        self, intent_obj: intent.Intent, entry: StepheyBotConfigEntry, slots: Slots
    ) -> str:
        """For example: ``Static Paper Radio by The Iron Atlas is stuck: the VPN is down...``."""
        name = slots.get("music", {}).get("value")
        return why(entry, str(name).strip() if name else None).speech


@callback
def async_setup_diagnosis_intents(hass: HomeAssistant) -> None:
    """Register the intent (called once, from ``async_setup``)."""
    intent.async_register(hass, WhyNotArrivedIntent())
