"""The answer to a request: its status, the tracked request and one short sentence."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ..tracking.models import TrackedRequest


class RequestStatus(StrEnum):
    """What became of a request."""

    REQUESTED = "requested"
    ALREADY_REQUESTED = "already_requested"
    ALREADY_IN_LIBRARY = "already_in_library"


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestResult:
    """The answer to a request: its status, the tracked request and one short sentence."""

    status: RequestStatus
    request: TrackedRequest | None
    """The new request, or the one already in flight; None when already in the library."""
    message: str

    def as_dict(self) -> dict[str, Any]:
        """Response data of the ``request_download`` action."""
        return {
            "status": self.status.value,
            "message": self.message,
            "request": self.request.as_dict() if self.request else None,
        }


def in_library(what: str) -> RequestResult:
    """Nothing to do: ``what`` is already in the library."""
    return RequestResult(
        status=RequestStatus.ALREADY_IN_LIBRARY,
        request=None,
        message=f"{what} is already in the library.",
    )


def already_requested(request: TrackedRequest) -> RequestResult:
    """Nothing to do: ``request`` is already in flight."""
    return RequestResult(
        status=RequestStatus.ALREADY_REQUESTED,
        request=request,
        message=f"{request.title} was already requested ({request.stage.value}).",
    )
