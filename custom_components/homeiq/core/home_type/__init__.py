"""Home type: what kind of home this is, from its structure and behaviour."""

from .features import (
    FEATURE_NAMES,
    HOME_TYPES,
    LANGUAGES,
    VOCABULARY,
    drop_entities,
    home_type_features,
    name_groups,
)

__all__ = [
    "FEATURE_NAMES",
    "HOME_TYPES",
    "LANGUAGES",
    "VOCABULARY",
    "drop_entities",
    "home_type_features",
    "name_groups",
]
