"""Navidrome in Home Assistant's media browser, and playing from it.

``ids`` (what a media source id names), ``library`` (finding the Navidrome backends and
their clients), ``browse`` (pages of artists, albums, songs, playlists), ``views`` (the
Home Assistant views that stream audio and cover art and list albums as M3U, so no player
or browser ever sees Navidrome's address or credentials). The platform is ``media_source.py``.
"""
