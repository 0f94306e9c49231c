"""HA-free async clients for every backend of the music stack.

Nothing in this package imports Home Assistant: the Prometheus exporter ships the
same code (as ``stepheybot_music_clients``). Only relative imports are used inside.
"""
