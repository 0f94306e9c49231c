"""Request tracking: every download request, stored, advanced stage by stage, announced.

``models`` (what a request is), ``store`` (persisted across restarts); the coordinator that
advances requests from what the backends show lives beside them.
"""
