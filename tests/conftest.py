"""Settings shared by every test."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

# The machines are shared and noisy: time limits on example generation would make property
# tests fail for reasons unrelated to the code. What they check stays the same.
settings.register_profile(
    "homeiq", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.load_profile("homeiq")
