"""Developer tools behind scripts/generate and scripts/benchmark (not shipped)."""
