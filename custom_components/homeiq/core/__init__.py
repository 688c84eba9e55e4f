"""HomeIQ's pure layer: the home model and everything computed from it.

Nothing in this package imports ``homeassistant``; the same code serves real homes,
synthetic homes, the tests and the scripts.
"""
