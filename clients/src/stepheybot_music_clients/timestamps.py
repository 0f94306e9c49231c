"""Tolerant parsing of the ISO 8601 / RFC 3339 timestamps backends send."""

from __future__ import annotations

from datetime import UTC, datetime


def parse_timestamp(value: object) -> datetime | None:
    """Parse ``2025-06-28T03:59:04.512345678Z`` or ``...+00:00`` into an aware datetime.

    Nanoseconds are cut to microseconds (``datetime.fromisoformat`` does it since Python
    3.11: CPython ``Modules/_datetimemodule.c`` ``parse_hh_mm_ss_ff`` skips digits past the
    sixth); a missing zone means UTC. Empty values, the Unix epoch and Go's zero time
    (``0001-01-01T00:00:00Z``) mean "never" and give None. Raises ``ValueError`` for text
    that is not a timestamp (``TypeError`` for non-text).
    """
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise TypeError(f"expected a timestamp string, got {value!r}")
    text = value.strip()
    if text.endswith("z"):  # RFC 3339 allows a lower-case Z; fromisoformat takes only "Z"
        text = text[:-1] + "Z"
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if moment.year <= 1970 and moment.timestamp() <= 0:
        return None
    return moment
