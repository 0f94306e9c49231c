"""The demo's speaker: a media player that plays what Home Assistant sends it, like a real one.

Linked into the demo's ``custom_components`` as ``demo_speaker`` and set up from YAML
(``media_player: [{platform: demo_speaker, name: ..., area: ...}]``). It has no sound: it
resolves a media source id, fetches the URL a real player would be given (the signed path,
and for an M3U its first track) and shows what plays. The tests load the same code.
"""
