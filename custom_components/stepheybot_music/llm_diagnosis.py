"""The ``why_not_arrived`` LLM tool: the Assist answer about music that has not arrived."""

from __future__ import annotations

from typing import Any, ClassVar

import probatio
from homeassistant.core import HomeAssistant
from homeassistant.helpers import llm
from homeassistant.util.json import JsonObjectType

from .diagnosis_answers import why
from .llm import StackTool
from .runtime import StepheyBotConfigEntry


class WhyNotArrivedTool(StackTool):
    """Why requested music has not arrived, or why music is not downloading at all."""

    name = "why_not_arrived"
    title = "Why music has not arrived"
    description = (
        "Tell why requested music (an album or an artist) has not arrived yet, or, without a "
        "name, why music is not downloading at all: what blocks it (the VPN, peers, indexers, "
        "Lidarr's import, a full disk) and what to do. Repeat the answer to the user."
    )
    fields: ClassVar[dict[Any, Any]] = {
        probatio.Optional(
            "name", description="The album or artist asked about; leave out for the stack."
        ): probatio.All(str, probatio.Strip, probatio.Length(min=1, max=200)),
    }

    async def async_run(
        self,
        hass: HomeAssistant,
        entry: StepheyBotConfigEntry,
        args: dict[str, Any],
        llm_context: llm.LLMContext,
    ) -> JsonObjectType:
        """``{"answer": ..., "cause": ..., "stage": ...}``."""
        return why(entry, args.get("name")).as_dict()
