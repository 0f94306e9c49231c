"""The demo: the whole product running against the simulated stack, with one command.

``scripts/demo`` (``python -m demo``) starts the simulator, a real Home Assistant with
the integration set up through its own config flow, the Prometheus exporter and a real
Prometheus with the alert rules, prints where they are, and stops them all on Ctrl-C.
:class:`demo.stack.Demo` does the same for tests.
"""
