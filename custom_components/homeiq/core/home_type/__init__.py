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
from .model import (
    HomeTypePrediction,
    HomeTypeResult,
    classify_home,
    fit_home_type,
    predict_home_type,
)

__all__ = [
    "FEATURE_NAMES",
    "HOME_TYPES",
    "LANGUAGES",
    "VOCABULARY",
    "HomeTypePrediction",
    "HomeTypeResult",
    "classify_home",
    "drop_entities",
    "fit_home_type",
    "home_type_features",
    "name_groups",
    "predict_home_type",
]
