"""Fixtures of the reliability tests: the exporter's fixtures, and a simulator per backend set.

The exporter tests' helpers (in-process exporter, scrape parser) are reused, not copied.
"""

from __future__ import annotations

from tests.exporter.conftest import _allow_unix_sockets

__all__ = ["_allow_unix_sockets"]
