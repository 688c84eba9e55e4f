"""Home type: what kind of home this is, from its structure and behaviour."""

from __future__ import annotations

from typing import Any, Final

from ..capability import NotEnoughData, Unavailable
from ..home import Home
from ..ml.models import HOME_TYPE_MODEL, Models, tree_model
from ..ml.registry import ModelRegistry
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


class HomeTypeCapability:
    """The home type: judged on the whole home every night; trained by ``scripts/train`` on
    synthetic homes only (a home is one sample of its own type)."""

    name: Final = "home_type"
    model_name: Final = HOME_TYPE_MODEL
    feature_names: Final = FEATURE_NAMES
    trains_on_home: Final = False
    assesses_home: Final = True
    assesses_devices: Final = False

    def train_on_home(
        self, home: Home, registry: ModelRegistry, now: float, *, min_days: float
    ) -> dict[str, Any]:
        """The home type model is not trained on this home."""
        raise NotEnoughData("the home type model is trained on synthetic homes only")

    def assess(self, home: Home, now: float, models: Models) -> HomeTypeResult:
        """Classify the home with the deployed home type model."""
        model = tree_model(models, HOME_TYPE_MODEL)
        if model is None:
            raise Unavailable("no home type model could be loaded")
        return classify_home(model, home)


HOME_TYPE: Final = HomeTypeCapability()


__all__ = [
    "FEATURE_NAMES",
    "HOME_TYPE",
    "HOME_TYPES",
    "LANGUAGES",
    "VOCABULARY",
    "HomeTypeCapability",
    "HomeTypePrediction",
    "HomeTypeResult",
    "classify_home",
    "drop_entities",
    "fit_home_type",
    "home_type_features",
    "name_groups",
    "predict_home_type",
]
