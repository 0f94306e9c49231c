"""Keep near-identical songs and one talkative source from crowding the others out of a search.

* **Near-duplicate songs fold into one row.** Songs are the same when their artists and their
  titles are, once normalized (:func:`.rank.normalize`) and a trailing number in brackets is
  dropped: "Light", "Light (2)" … "Light (10)" by one artist are one row (the best ranked,
  listing every source that found any of them). Libraries hold such copies (a file imported
  twice, the same song on several releases) and the Music Brain returns up to 50 songs.
* **Each source gets at most half the rows** (:func:`source_cap`: ``ceil(limit / 2)``) while
  rows of other sources wait: a row counts for every source that found it and waits only when
  all of them have had their share. Rows no other source can use go back to the waiting ones,
  best first, so a search that only one source answers still fills ``limit``.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable

from .models import HitKind, SearchHit, SearchSource
from .rank import combine, normalize

SOURCE_SHARE = 0.5
"""The share of a search's rows one source may fill while others have rows to show."""
_COPY_NUMBER = re.compile(r"\s*[(\[]\s*\d{1,3}\s*[)\]]\s*$")
"""A trailing ``(2)`` or ``[2]``: the mark of a copy."""


def song_key(hit: SearchHit) -> tuple[str, str] | None:
    """What makes two songs the same row: normalized title (without a copy number) and artist."""
    if hit.kind is not HitKind.TRACK:
        return None
    title = _COPY_NUMBER.sub("", hit.title) or hit.title
    return normalize(title), normalize(hit.artist)


def collapse(hits: Iterable[SearchHit]) -> tuple[list[SearchHit], int]:
    """The hits with near-identical songs folded into the first of them; how many were folded.

    Give the hits ranked (best first): the row kept is the best ranked one.
    """
    out: list[SearchHit] = []
    kept: dict[tuple[str, str], int] = {}
    folded = 0
    for hit in hits:
        key = song_key(hit)
        if key is None:
            out.append(hit)
        elif (index := kept.get(key)) is None:
            kept[key] = len(out)
            out.append(hit)
        else:
            out[index] = combine(out[index], hit)
            folded += 1
    return out, folded


def source_cap(limit: int) -> int:
    """Rows one source may fill while other sources have rows waiting."""
    return max(1, math.ceil(limit * SOURCE_SHARE))


def share(ranked: list[SearchHit], limit: int) -> list[SearchHit]:
    """The rows to return, best first, at most ``limit``.

    Each source fills at most its cap (:func:`source_cap`) while other rows wait; then the
    waiting rows take what room is left.
    """
    cap = source_cap(limit)
    taken: Counter[SearchSource] = Counter()
    chosen: list[int] = []
    waiting: list[int] = []
    for index, hit in enumerate(ranked):
        if len(chosen) == limit:
            break
        if hit.sources and all(taken[source] >= cap for source in hit.sources):
            waiting.append(index)
            continue
        chosen.append(index)
        taken.update(hit.sources)
    chosen += waiting[: limit - len(chosen)]
    return [ranked[index] for index in sorted(chosen)]


def omitted_by_source(ranked: list[SearchHit], shown: list[SearchHit]) -> Counter[SearchSource]:
    """Rows left out, counted for every source that found them."""
    kept = {id(hit) for hit in shown}
    return Counter(source for hit in ranked if id(hit) not in kept for source in hit.sources)
