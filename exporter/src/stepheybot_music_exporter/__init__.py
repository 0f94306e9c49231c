"""Prometheus exporter for the StepheyBot music stack."""

__version__ = "0.1.0"
