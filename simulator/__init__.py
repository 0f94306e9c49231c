"""A faithful simulator of the whole music stack, for tests, the demo and benchmarks.

Not shipped with the integration (HACS downloads only custom_components/).
"""

from .faults import Fault
from .generate import Scale
from .server import Simulator

__all__ = ["Fault", "Scale", "Simulator"]
