"""Typed asyncio clients for every backend of a self-hosted music stack.

Nothing here imports Home Assistant: the integration and the Prometheus exporter both
depend on this package, and the simulator, the demo and the benchmarks use it on their own.
"""

__version__ = "0.2.0"
"""Kept equal to ``version`` in pyproject.toml (a test checks it)."""
