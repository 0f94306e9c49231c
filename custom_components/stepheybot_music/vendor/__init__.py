"""Makes ``stepheybot_music_clients`` importable when it is not installed.

HACS copies only this integration's folder, so the client library travels inside it, as an
exact copy of ``clients/src/stepheybot_music_clients`` made by ``scripts/vendor`` (CI fails when
the copy is not current). An installed library, as in development and in the exporter's
environment, comes first: there is only ever one ``stepheybot_music_clients`` in a process.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

if importlib.util.find_spec("stepheybot_music_clients") is None:
    sys.path.append(str(Path(__file__).parent))
