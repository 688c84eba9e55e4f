"""Home Assistant → home model adapter (the only layer that reads Home Assistant's data)."""
