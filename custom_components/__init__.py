"""Custom integrations (this repository ships stepheybot_music)."""
