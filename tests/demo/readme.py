"""What the README's demo walkthrough ("Try it yourself") promises, read from the README."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from demo.stack import ROOT


@dataclass(frozen=True, slots=True)
class Walkthrough:
    """The steps of "Try it yourself", as the README words them."""

    state_key: str
    """The control state's list of artists to request."""
    artist: str
    """The example artist of the default seed."""
    sentence: str
    """What to type in Assist."""
    answer: str
    """What Assist answers."""
    ready: str
    """The notification once the album is in the library."""
    posts: list[tuple[str, dict[str, Any]]]
    """The control requests of the last step: (path, JSON body), in order."""


def walkthrough() -> Walkthrough:
    """The README's walkthrough; fails naming what it no longer says."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Try it yourself") : readme.index("## Home Assistant")]
    text = " ".join(section.split())
    found = {
        "state_key": re.search(r'/control/state .*?\["(\w+)"\]', text),
        "artist": re.search(r"With the default seed, \*(.+?)\* is one of them", text),
        "sentence": re.search(r'type "(download the latest album by .+?)"', text),
        "answer": re.search(r'It answers "(OK, I asked Lidarr for .+?\.)"', text),
        "ready": re.search(r'the notification "(.+? is ready to play\.)"', text),
    }
    missing = [key for key, match in found.items() if match is None]
    assert not missing, f"the walkthrough lost its {missing}"
    posts = [
        (path, json.loads(body))
        for path, body in re.findall(
            r"-X POST http://127\.0\.0\.1:\d+(/control/\w+) -d '(.+?)'", text
        )
    ]
    assert posts, "the walkthrough lost its control requests"
    values = {key: match[1] for key, match in found.items() if match}
    return Walkthrough(posts=posts, **values)
