"""Tests of the Grafana dashboards, provisioning files and Prometheus alert rules."""
