"""Sections of ``scripts/evaluate``: one module per model, shared helpers in ``common``."""
