"""Shared test configuration.

``custom_components`` must be imported before Home Assistant's ``hass`` fixture runs,
or HA resolves its own test package of that name instead of ours.
"""

from __future__ import annotations

import custom_components  # noqa: F401
