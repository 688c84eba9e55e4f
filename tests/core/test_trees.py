"""The numpy tree-ensemble evaluator against scikit-learn itself, and its model files.

Parity tests need scikit-learn (the ``train`` dependency group) and are skipped without it;
the file-format tests and the reference-traversal property test use numpy only.
"""

from __future__ import annotations

from collections.abc import Callable
import contextlib
import hashlib
from importlib.util import find_spec
import io
import json
from pathlib import Path
import subprocess
import sys
from typing import Any

from hypothesis import given, settings, strategies as st
import numpy as np
import pytest

from custom_components.homeiq.core.ml.models import ensemble_of, write_bundled
from custom_components.homeiq.core.ml.registry import StoredModel, read_model
from custom_components.homeiq.core.ml.trees import (
    ARRAY_NAMES,
    LEAF,
    ModelFileError,
    TreeEnsemble,
    export_ensemble,
)

HAS_SKLEARN = find_spec("sklearn") is not None
if HAS_SKLEARN:
    from sklearn.datasets import make_classification, make_regression
    from sklearn.ensemble import (
        ExtraTreesClassifier,
        GradientBoostingClassifier,
        GradientBoostingRegressor,
        HistGradientBoostingClassifier,
        HistGradientBoostingRegressor,
        IsolationForest,
        RandomForestClassifier,
        RandomForestRegressor,
    )
    from sklearn.exceptions import NotFittedError
    from sklearn.linear_model import LogisticRegression
    from sklearn.tree import DecisionTreeClassifier

needs_sklearn = pytest.mark.skipif(not HAS_SKLEARN, reason="scikit-learn is not installed")

REPO_ROOT = Path(__file__).resolve().parents[2]
TOLERANCE = 1e-9
TRAIN_ROWS = 1500
INFERENCE_ROWS = 5000
LABELS = np.array(["apartment", "condo", "cottage", "single_family_house"])


def _with_nans(X: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    X = X.copy()
    X[rng.random(X.shape) < fraction] = np.nan
    return X


def _classification(
    seed: int, n_classes: int, *, string_labels: bool, train_nans: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Training rows, training labels and inference rows from one distribution."""
    X, y = make_classification(
        n_samples=TRAIN_ROWS + INFERENCE_ROWS,
        n_features=7,
        n_informative=5,
        n_classes=n_classes,
        random_state=seed,
    )
    labels = LABELS[y] if string_labels else y * 3 - 2
    X_train = _with_nans(X[:TRAIN_ROWS], 0.1, seed) if train_nans else X[:TRAIN_ROWS]
    return X_train, labels[:TRAIN_ROWS], X[TRAIN_ROWS:]


def _max_difference(ours: np.ndarray, theirs: np.ndarray) -> float:
    assert ours.shape == theirs.shape
    return float(np.max(np.abs(ours - theirs)))


MODEL = "model"  # the name of the model directory the file tests write


def _save_ensemble(ensemble: TreeEnsemble, root: Path) -> Path:
    """Store ``ensemble`` in the registry's format, as ``scripts/train`` does; its directory."""
    names = [f"x{i}" for i in range(ensemble.n_features)]
    write_bundled(root, MODEL, ensemble, names, n_samples=1, metrics={"m": 0.0}, primary_metric="m")
    return root / MODEL


def _load_ensemble(directory: Path) -> TreeEnsemble:
    """Read and check a stored ensemble the way the integration does."""
    info, blobs = read_model(directory)
    return ensemble_of(StoredModel(info, blobs, "bundled"), info.extra["feature_names"])


def _round_trip(ensemble: TreeEnsemble, tmp_path: Path) -> TreeEnsemble:
    return _load_ensemble(_save_ensemble(ensemble, tmp_path))


def _assert_parity(estimator: Any, X: np.ndarray, tmp_path: Path, methods: tuple[str, ...]) -> None:
    """Every method of the exported (and reloaded) ensemble matches scikit-learn's."""
    exported = export_ensemble(estimator)
    for ensemble in (exported, _round_trip(exported, tmp_path)):
        for method in methods:
            ours = getattr(ensemble, method)(X)
            theirs = getattr(estimator, method)(X)
            if np.asarray(theirs).dtype.kind in "fc":
                assert _max_difference(ours, theirs) <= TOLERANCE, method
            else:
                assert np.array_equal(ours, theirs), method


# --- parity with scikit-learn -----------------------------------------------------------------


@needs_sklearn
@pytest.mark.parametrize(
    ("estimator_type", "n_classes", "string_labels", "train_nans", "max_depth", "n_estimators"),
    [
        ("random_forest", 2, False, False, None, 25),
        ("random_forest", 3, True, True, 6, 40),
        ("random_forest", 4, True, False, 3, 10),
        ("extra_trees", 2, True, True, None, 30),
        ("extra_trees", 3, False, False, 8, 15),
    ],
)
def test_forest_classifier_matches_sklearn(
    tmp_path: Path,
    *,
    estimator_type: str,
    n_classes: int,
    string_labels: bool,
    train_nans: bool,
    max_depth: int | None,
    n_estimators: int,
) -> None:
    """Probabilities and labels of random / extra-trees forests, NaNs at inference too."""
    seed = n_classes * 10 + n_estimators
    X_train, y_train, X = _classification(
        seed, n_classes, string_labels=string_labels, train_nans=train_nans
    )
    forest_type = (
        RandomForestClassifier if estimator_type == "random_forest" else ExtraTreesClassifier
    )
    forest = forest_type(n_estimators=n_estimators, max_depth=max_depth, random_state=seed)
    forest.fit(X_train, y_train)
    _assert_parity(forest, X, tmp_path, ("predict_proba", "predict"))
    _assert_parity(forest, _with_nans(X, 0.2, seed + 1), tmp_path, ("predict_proba", "predict"))


@needs_sklearn
def test_forest_classifier_with_leaf_limit_and_feature_sampling(tmp_path: Path) -> None:
    """Best-first trees (max_leaf_nodes), class weights and max_features."""
    X_train, y_train, X = _classification(7, 3, string_labels=False, train_nans=True)
    forest = RandomForestClassifier(
        n_estimators=30,
        max_leaf_nodes=40,
        max_features=2,
        class_weight="balanced",
        bootstrap=False,
        random_state=7,
    ).fit(X_train, y_train)
    _assert_parity(forest, _with_nans(X, 0.1, 8), tmp_path, ("predict_proba", "predict"))


@needs_sklearn
@pytest.mark.parametrize(("train_nans", "max_depth"), [(False, None), (True, 5)])
def test_forest_regressor_matches_sklearn(
    tmp_path: Path, train_nans: bool, max_depth: int | None
) -> None:
    """Mean of the leaf values, with and without NaNs."""
    X, y = make_regression(
        n_samples=TRAIN_ROWS + INFERENCE_ROWS, n_features=6, noise=5.0, random_state=3
    )
    X_train = _with_nans(X[:TRAIN_ROWS], 0.1, 3) if train_nans else X[:TRAIN_ROWS]
    forest = RandomForestRegressor(n_estimators=30, max_depth=max_depth, random_state=3)
    forest.fit(X_train, y[:TRAIN_ROWS])
    _assert_parity(forest, X[TRAIN_ROWS:], tmp_path, ("predict",))
    _assert_parity(forest, _with_nans(X[TRAIN_ROWS:], 0.2, 4), tmp_path, ("predict",))


@needs_sklearn
@pytest.mark.parametrize(
    ("n_classes", "string_labels", "loss", "init", "max_depth", "n_estimators"),
    [
        (2, False, "log_loss", None, 3, 60),
        (2, True, "exponential", None, 5, 40),
        (2, True, "log_loss", "zero", 2, 30),
        (3, True, "log_loss", None, 3, 40),
        (4, False, "log_loss", None, 4, 25),
    ],
)
def test_gradient_boosting_matches_sklearn(
    tmp_path: Path,
    *,
    n_classes: int,
    string_labels: bool,
    loss: str,
    init: str | None,
    max_depth: int,
    n_estimators: int,
) -> None:
    """Raw scores, probabilities and labels of binary and multiclass boosting."""
    seed = 100 + n_classes + n_estimators
    X_train, y_train, X = _classification(
        seed, n_classes, string_labels=string_labels, train_nans=False
    )
    boosting = GradientBoostingClassifier(
        loss=loss,
        init=init,
        n_estimators=n_estimators,
        max_depth=max_depth,
        learning_rate=0.15,
        subsample=0.8,
        max_features=0.7,
        random_state=seed,
    ).fit(X_train, y_train)
    _assert_parity(boosting, X, tmp_path, ("decision_function", "predict_proba", "predict"))


@needs_sklearn
@pytest.mark.parametrize(
    ("string_labels", "train_nans", "max_leaf_nodes", "max_iter"),
    [(False, False, 31, 60), (True, True, 7, 40), (False, True, 63, 25)],
)
def test_hist_gradient_boosting_matches_sklearn(
    tmp_path: Path, *, string_labels: bool, train_nans: bool, max_leaf_nodes: int, max_iter: int
) -> None:
    """Raw scores, probabilities and labels of a binary histogram boosting, on float64 rows
    with NaNs and infinities (it compares float64, unlike the other estimators)."""
    seed = 300 + max_leaf_nodes
    X_train, y_train, X = _classification(
        seed, 2, string_labels=string_labels, train_nans=train_nans
    )
    boosting = HistGradientBoostingClassifier(
        max_iter=max_iter,
        max_leaf_nodes=max_leaf_nodes,
        learning_rate=0.1,
        l2_regularization=1.0,
        early_stopping=False,
        random_state=seed,
    ).fit(X_train, y_train)
    X = _with_nans(X, 0.05, seed)
    X[::97, 3] = np.inf
    X[::89, 2] = -np.inf
    methods = ("decision_function", "predict_proba", "predict")
    _assert_parity(boosting, X, tmp_path, methods)
    ensemble = export_ensemble(boosting)
    assert (ensemble.n_trees, ensemble.learning_rate, ensemble.float32_inputs) == (
        max_iter,
        1.0,
        False,
    )
    # Rows at and one float64 step around every threshold (float32 rounding would move
    # some of them to the other side).
    is_split = ensemble.left != LEAF
    thresholds, features = ensemble.threshold[is_split], ensemble.feature[is_split]
    rows = np.repeat(np.nanmedian(X_train, axis=0)[None, :], 3 * thresholds.size, axis=0)
    for step, direction in enumerate((-np.inf, 0.0, np.inf)):
        part = np.arange(step * thresholds.size, (step + 1) * thresholds.size)
        rows[part, features] = (
            thresholds if direction == 0.0 else np.nextafter(thresholds, direction)
        )
    _assert_parity(boosting, rows, tmp_path / "edges", methods)


@needs_sklearn
def test_hist_gradient_boosting_configurations_it_cannot_export() -> None:
    """Three classes, or categorical features: a clear error, nothing half-exported."""
    X, y = make_classification(
        n_samples=200, n_features=4, n_informative=3, n_redundant=0, n_classes=3, random_state=0
    )
    with pytest.raises(ValueError, match="binary"):
        export_ensemble(HistGradientBoostingClassifier(max_iter=3).fit(X, y))
    X[:, 0] = np.round(np.abs(X[:, 0]) * 2)
    categorical = HistGradientBoostingClassifier(max_iter=3, categorical_features=[0])
    with pytest.raises(ValueError, match="categorical"):
        export_ensemble(categorical.fit(X, y % 2))


def test_files_from_before_float64_inputs_round_to_float32(saved_model: Path) -> None:
    """A stored ensemble without ``float32_inputs`` (written before it existed) rounds
    inputs to float32, as every ensemble did then; a false flag compares float64."""
    document = json.loads((saved_model / "model.json").read_text())
    assert document["info"]["extra"]["ensemble"]["float32_inputs"] is True
    del document["info"]["extra"]["ensemble"]["float32_inputs"]
    (saved_model / "model.json").write_text(json.dumps(document))
    old = _load_ensemble(saved_model)
    assert old.float32_inputs is True
    _rewrite(saved_model, _saved_arrays(saved_model), float32_inputs=False)
    assert _load_ensemble(saved_model).float32_inputs is False
    _rewrite(saved_model, _saved_arrays(saved_model), float32_inputs="no")
    with pytest.raises(ModelFileError, match="float32_inputs"):
        _load_ensemble(saved_model)


@needs_sklearn
@pytest.mark.parametrize(
    ("settings_", "train_nans"),
    [
        ({}, False),
        ({}, True),
        ({"max_samples": 64, "max_features": 0.5, "contamination": 0.05}, False),
        ({"max_samples": 0.4, "bootstrap": True, "max_features": 3}, True),
        ({"max_samples": 2000, "contamination": 0.2}, False),  # more than the training rows
    ],
)
def test_isolation_forest_matches_sklearn(
    tmp_path: Path, settings_: dict[str, Any], train_nans: bool
) -> None:
    """score_samples (leaf and max_samples corrections), decision_function and predict."""
    rng = np.random.default_rng(11)
    X_all = np.vstack(
        [rng.normal(size=(TRAIN_ROWS + INFERENCE_ROWS - 200, 6)), rng.normal(6, 1, (200, 6))]
    )
    rng.shuffle(X_all)
    X_train = _with_nans(X_all[:TRAIN_ROWS], 0.05, 12) if train_nans else X_all[:TRAIN_ROWS]
    expect_warning = settings_.get("max_samples") == 2000
    with (
        pytest.warns(UserWarning, match="max_samples")
        if expect_warning
        else contextlib.nullcontext()
    ):
        forest = IsolationForest(n_estimators=80, random_state=11, **settings_).fit(X_train)
    X = _with_nans(X_all[TRAIN_ROWS:], 0.1, 13)
    X[:20, 0] = np.inf  # an isolation forest accepts infinite values
    X[20:40, 1] = -np.inf
    _assert_parity(forest, X, tmp_path, ("score_samples", "decision_function", "predict"))


@needs_sklearn
def test_isolation_forest_with_one_sample_per_tree(tmp_path: Path) -> None:
    """max_samples=1 gives a zero denominator; scikit-learn's convention applies."""
    X = np.random.default_rng(5).normal(size=(300, 3))
    forest = IsolationForest(n_estimators=10, max_samples=1, random_state=5).fit(X)
    _assert_parity(forest, X, tmp_path, ("score_samples", "predict"))


@needs_sklearn
def test_values_at_float32_rounding_boundaries(tmp_path: Path) -> None:
    """Rows exactly at, and one float64 step around, every threshold route like sklearn's."""
    X_train, y_train, _ = _classification(21, 2, string_labels=False, train_nans=False)
    forest = RandomForestClassifier(n_estimators=5, max_depth=4, random_state=21)
    forest.fit(X_train, y_train)
    ensemble = export_ensemble(forest)
    is_split = ensemble.left != LEAF
    thresholds = ensemble.threshold[is_split]
    features = ensemble.feature[is_split]
    base = np.repeat(np.median(X_train, axis=0)[None, :], 3 * thresholds.size, axis=0)
    for step, direction in enumerate((-np.inf, 0.0, np.inf)):
        rows = slice(step * thresholds.size, (step + 1) * thresholds.size)
        values = thresholds if direction == 0.0 else np.nextafter(thresholds, direction)
        base[np.arange(base.shape[0])[rows], features] = values
    _assert_parity(forest, base, tmp_path, ("predict_proba",))


@needs_sklearn
@settings(max_examples=12, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n_estimators=st.integers(1, 12),
    max_depth=st.one_of(st.none(), st.integers(1, 8)),
    nan_fraction=st.sampled_from([0.0, 0.15]),
)
def test_random_forests_match_sklearn(
    seed: int, n_estimators: int, max_depth: int | None, nan_fraction: float
) -> None:
    """Property: any small forest on any random dataset gives sklearn's probabilities."""
    rng = np.random.default_rng(seed)
    X = _with_nans(rng.normal(size=(300, 4)), nan_fraction, seed)
    y = rng.integers(0, 3, size=300)
    forest = RandomForestClassifier(
        n_estimators=n_estimators, max_depth=max_depth, random_state=seed
    ).fit(X, y)
    X_new = _with_nans(rng.normal(size=(500, 4)), 0.1, seed + 1)
    assert (
        _max_difference(export_ensemble(forest).predict_proba(X_new), forest.predict_proba(X_new))
        <= TOLERANCE
    )


@needs_sklearn
@pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")
def test_inputs_rejected_like_sklearn() -> None:
    """Infinity for forests, NaN for boosting and wrong column counts raise ValueError."""
    X_train, y_train, X = _classification(31, 2, string_labels=False, train_nans=False)
    forest = RandomForestClassifier(n_estimators=3, random_state=0).fit(X_train, y_train)
    boosting = GradientBoostingClassifier(n_estimators=3).fit(X_train, y_train)
    infinite, missing = X[:5].copy(), X[:5].copy()
    infinite[0, 0] = np.inf
    missing[0, 0] = np.nan
    too_large = X[:5].copy()
    too_large[0, 0] = 1e300  # becomes infinite as float32
    cases: list[tuple[Any, np.ndarray, Callable[[Any], Any]]] = [
        (forest, infinite, lambda model: model.predict_proba),
        (forest, too_large, lambda model: model.predict_proba),
        (boosting, missing, lambda model: model.predict_proba),
        (boosting, X[:5, :3], lambda model: model.decision_function),
        (forest, X[0], lambda model: model.predict),
    ]
    for estimator, rows, method in cases:
        with pytest.raises(ValueError):  # noqa: PT011 - the messages differ in wording
            method(estimator)(rows)
        with pytest.raises(ValueError):  # noqa: PT011
            method(export_ensemble(estimator))(rows)


# --- export errors -------------------------------------------------------------------------


def _unsupported_estimator(name: str) -> Any:
    """A fitted estimator of a type the exporter does not handle."""
    X, y = make_classification(n_samples=60, n_features=4, random_state=0)
    estimators: dict[str, Callable[[], Any]] = {
        "decision_tree": DecisionTreeClassifier,
        "boosting_regressor": GradientBoostingRegressor,
        "histogram_regressor": HistGradientBoostingRegressor,
        "logistic_regression": LogisticRegression,
        "forest_subclass": type("MyForest", (RandomForestClassifier,), {}),
    }
    if name == "plain_object":
        return object()
    return estimators[name]().fit(X, y)


@needs_sklearn
@pytest.mark.parametrize(
    "name",
    [
        "decision_tree",
        "boosting_regressor",
        "histogram_regressor",
        "logistic_regression",
        "forest_subclass",
        "plain_object",
    ],
)
def test_export_rejects_unsupported_estimators(name: str) -> None:
    """Only the six supported ensemble types (exactly) can be exported."""
    with pytest.raises(TypeError, match="cannot export"):
        export_ensemble(_unsupported_estimator(name))


@needs_sklearn
def test_export_rejects_unsupported_configurations() -> None:
    """Custom boosting init, multi-output forests, float labels and unfitted models."""
    X, y = make_classification(n_samples=120, n_features=4, random_state=0)
    custom_init = GradientBoostingClassifier(n_estimators=3, init=LogisticRegression()).fit(X, y)
    with pytest.raises(ValueError, match="prior init"):
        export_ensemble(custom_init)
    two_outputs = RandomForestClassifier(n_estimators=2).fit(X, np.column_stack([y, 1 - y]))
    with pytest.raises(ValueError, match="single-output"):
        export_ensemble(two_outputs)
    float_labels = RandomForestClassifier(n_estimators=2).fit(X, y.astype(float))
    with pytest.raises(ValueError, match="integers or strings"):
        export_ensemble(float_labels)
    with pytest.raises(NotFittedError):
        export_ensemble(RandomForestClassifier())


# --- numpy-only behaviour -------------------------------------------------------------------


def _small_ensemble() -> TreeEnsemble:
    """Two hand-built trees over three features: a forest regressor."""
    #  tree 0: x0 <= 0.5 ? (x2 <= -1 ? 1.0 : 2.0) : 3.0      nodes 0..4
    #  tree 1: x1 <= 2.0 ? 10.0 : 20.0                          nodes 5..7
    return TreeEnsemble(
        kind="forest_regressor",
        n_features=3,
        feature=np.array([0, 2, -2, -2, -2, 1, -2, -2], dtype=np.int32),
        threshold=np.array([0.5, -1.0, -2, -2, -2, 2.0, -2, -2], dtype=np.float64),
        left=np.array([1, 2, -1, -1, -1, 6, -1, -1], dtype=np.int32),
        right=np.array([4, 3, -1, -1, -1, 7, -1, -1], dtype=np.int32),
        missing_go_to_left=np.array([True, False, False, False, False, False, False, False]),
        value=np.array([[0], [0], [1.0], [2.0], [3.0], [0], [10.0], [20.0]], dtype=np.float64),
        tree_offsets=np.array([0, 5, 8], dtype=np.int64),
        accepts_nan=True,
    )


def _reference_predict(ensemble: TreeEnsemble, rows: np.ndarray) -> np.ndarray:
    """Row by row, node by node: the plain definition of a forest regressor's prediction."""
    predictions = []
    for row in rows.astype(np.float32).astype(np.float64):
        total = 0.0
        for root in ensemble.tree_offsets[:-1]:
            node = int(root)
            while ensemble.left[node] != LEAF:
                x = row[ensemble.feature[node]]
                if np.isnan(x):
                    go_left = bool(ensemble.missing_go_to_left[node])
                else:
                    go_left = bool(x <= ensemble.threshold[node])
                node = int(ensemble.left[node] if go_left else ensemble.right[node])
            total += float(ensemble.value[node, 0])
        predictions.append(total / ensemble.n_trees)
    return np.array(predictions)


def _random_ensemble(seed: int, n_trees: int, n_features: int) -> TreeEnsemble:
    """Random trees whose nodes are numbered in creation order, as scikit-learn does."""
    rng = np.random.default_rng(seed)
    feature: list[int] = []
    threshold: list[float] = []
    left: list[int] = []
    right: list[int] = []
    offsets = [0]
    for _ in range(n_trees):
        start = len(feature)
        pending = [start]
        feature.append(-2)
        threshold.append(-2.0)
        left.append(LEAF)
        right.append(LEAF)
        n_splits = int(rng.integers(0, 12))
        while pending and n_splits:
            node = pending.pop(int(rng.integers(len(pending))))
            feature[node] = int(rng.integers(n_features))
            threshold[node] = float(rng.normal())
            left[node], right[node] = len(feature), len(feature) + 1
            for child in (len(feature), len(feature) + 1):
                feature.append(-2)
                threshold.append(-2.0)
                left.append(LEAF)
                right.append(LEAF)
                pending.append(child)
            n_splits -= 1
        offsets.append(len(feature))
    n_nodes = len(feature)
    return TreeEnsemble(
        kind="forest_regressor",
        n_features=n_features,
        feature=np.array(feature, dtype=np.int32),
        threshold=np.array(threshold),
        left=np.array(left, dtype=np.int32),
        right=np.array(right, dtype=np.int32),
        missing_go_to_left=rng.random(n_nodes) < 0.5,
        value=rng.normal(size=(n_nodes, 1)),
        tree_offsets=np.array(offsets, dtype=np.int64),
        accepts_nan=True,
    )


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_trees=st.integers(1, 6),
    n_features=st.integers(1, 4),
    nan_fraction=st.sampled_from([0.0, 0.3]),
)
def test_vectorised_traversal_matches_reference(
    seed: int, n_trees: int, n_features: int, nan_fraction: float
) -> None:
    """Property: the depth-wise numpy traversal equals a row-by-row walk of the same trees."""
    ensemble = _random_ensemble(seed, n_trees, n_features)
    rows = _with_nans(np.random.default_rng(seed).normal(size=(50, n_features)), nan_fraction, 1)
    np.testing.assert_allclose(ensemble.predict(rows), _reference_predict(ensemble, rows))


def test_methods_that_do_not_apply_raise_type_error() -> None:
    """A regressor has no probabilities, decision function or isolation score."""
    ensemble = _small_ensemble()
    rows = np.zeros((2, 3))
    for method in (ensemble.predict_proba, ensemble.decision_function, ensemble.score_samples):
        with pytest.raises(TypeError, match="not defined"):
            method(rows)


def test_inconsistent_ensemble_is_rejected_on_construction() -> None:
    """The dataclass checks its own arrays, so a bad export fails early."""
    good = _small_ensemble()
    arrays = {name: getattr(good, name) for name in ARRAY_NAMES}
    with pytest.raises(ValueError, match="must be int32"):
        TreeEnsemble(
            kind="forest_regressor",
            n_features=3,
            **(arrays | {"left": good.left.astype(np.int64)}),
        )
    with pytest.raises(ValueError, match="unknown ensemble kind"):
        TreeEnsemble(kind="decision_tree", n_features=3, **arrays)  # type: ignore[arg-type]


def test_arrays_are_read_only() -> None:
    """An evaluated ensemble cannot be changed behind its checks."""
    ensemble = _small_ensemble()
    with pytest.raises(ValueError, match="read-only"):
        ensemble.left[0] = 7


# --- model files ---------------------------------------------------------------------------


def test_save_load_round_trip(tmp_path: Path) -> None:
    """Arrays and metadata survive; the files are one npz blob + model.json; no temp files."""
    ensemble = _small_ensemble()
    directory = _save_ensemble(ensemble, tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [MODEL]
    assert sorted(p.name for p in directory.iterdir()) == ["model.json", "model.npz"]
    loaded = _load_ensemble(directory)
    for name in ARRAY_NAMES:
        original, reloaded = getattr(ensemble, name), getattr(loaded, name)
        assert reloaded.dtype == original.dtype
        assert np.array_equal(reloaded, original), name
    assert (loaded.kind, loaded.n_features, loaded.accepts_nan) == ("forest_regressor", 3, True)
    rows = np.random.default_rng(0).normal(size=(100, 3))
    assert np.array_equal(loaded.predict(rows), ensemble.predict(rows))
    document = json.loads((directory / "model.json").read_text())
    npz_bytes = (directory / "model.npz").read_bytes()
    assert document["blobs"]["model"]["sha256"] == hashlib.sha256(npz_bytes).hexdigest()
    assert document["info"]["extra"]["ensemble"]["n_nodes"] == 8


def _rewrite(
    directory: Path,
    arrays: dict[str, Any] | None = None,
    npz_bytes: bytes | None = None,
    **metadata_changes: Any,
) -> None:
    """Replace the files with altered content and a matching checksum and array list."""
    document = json.loads((directory / "model.json").read_text())
    entry = document["blobs"]["model"]
    if npz_bytes is None:
        buffer = io.BytesIO()
        np.savez(buffer, **(arrays or {}))
        npz_bytes = buffer.getvalue()
        entry["arrays"] = {
            name: {"dtype": array.dtype.str, "shape": list(array.shape)}
            for name, array in (arrays or {}).items()
        }
    (directory / "model.npz").write_bytes(npz_bytes)
    entry["sha256"], entry["size"] = hashlib.sha256(npz_bytes).hexdigest(), len(npz_bytes)
    document["info"]["extra"]["ensemble"] |= metadata_changes
    (directory / "model.json").write_text(json.dumps(document))


@pytest.fixture
def saved_model(tmp_path: Path) -> Path:
    """A valid saved ensemble, ready to be damaged."""
    return _save_ensemble(_small_ensemble(), tmp_path)


def _saved_arrays(directory: Path) -> dict[str, np.ndarray]:
    with np.load(directory / "model.npz", allow_pickle=False) as archive:
        return {name: archive[name].copy() for name in archive.files}


def test_flipped_byte_fails_checksum(saved_model: Path) -> None:
    """Any change to the npz without a new checksum is caught."""
    npz_path = saved_model / "model.npz"
    data = bytearray(npz_path.read_bytes())
    data[len(data) // 2] ^= 0x01
    npz_path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="sha256"):
        _load_ensemble(saved_model)


def test_truncated_npz_is_rejected(saved_model: Path) -> None:
    """A truncated archive fails, with or without a matching checksum."""
    npz_path = saved_model / "model.npz"
    truncated = npz_path.read_bytes()[:200]
    npz_path.write_bytes(truncated)
    with pytest.raises(ModelFileError, match="sha256"):
        _load_ensemble(saved_model)
    _rewrite(saved_model, npz_bytes=truncated)
    with pytest.raises(ModelFileError, match="cannot be read without pickle"):
        _load_ensemble(saved_model)


@pytest.mark.parametrize(
    ("array_name", "index", "bad_value"),
    [
        ("left", 0, 99),  # beyond every tree
        ("right", 1, 6),  # into the next tree
        ("left", 1, 0),  # back to an ancestor: would loop forever
        ("right", 0, -1),  # one child only
    ],
)
def test_child_index_out_of_range_is_rejected(
    saved_model: Path, array_name: str, index: int, bad_value: int
) -> None:
    """Children must lie after their parent and inside its tree."""
    arrays = _saved_arrays(saved_model)
    arrays[array_name][index] = bad_value
    _rewrite(saved_model, arrays)
    with pytest.raises(ModelFileError, match="child"):
        _load_ensemble(saved_model)


def test_npy_instead_of_npz_is_rejected(saved_model: Path) -> None:
    """A single array (.npy content) where the archive belongs is a model file error."""
    buffer = io.BytesIO()
    np.save(buffer, np.arange(8))
    _rewrite(saved_model, npz_bytes=buffer.getvalue())
    with pytest.raises(ModelFileError, match="not an npz archive"):
        _load_ensemble(saved_model)


def test_wrong_feature_count_is_rejected(saved_model: Path) -> None:
    """A split on feature 2 needs n_features >= 3."""
    _rewrite(saved_model, _saved_arrays(saved_model), n_features=2)
    with pytest.raises(ModelFileError, match="feature"):
        _load_ensemble(saved_model)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda a: a.pop("missing_go_to_left"), "expected arrays"),
        (lambda a: a.update(value=a["value"][:-1]), "value must have shape"),
        (lambda a: a.update(threshold=a["threshold"].astype(np.float32)), "must be float64"),
        (lambda a: a.update(tree_offsets=np.array([0, 5, 5, 8])), "tree_offsets"),
        (lambda a: a.update(value=np.array([None] * 8, dtype=object)), "allow_pickle"),
    ],
)
def test_inconsistent_arrays_are_rejected(
    saved_model: Path, change: Callable[[dict[str, Any]], Any], message: str
) -> None:
    """Missing arrays, wrong shapes or dtypes, empty trees and object arrays all fail, even
    when the checksum and the array list agree with them."""
    arrays = _saved_arrays(saved_model)
    change(arrays)
    _rewrite(saved_model, arrays)
    with pytest.raises(ModelFileError, match=message):
        _load_ensemble(saved_model)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"n_features": "3"}, "wrong type"),
        ({"kind": "neural_net"}, "unknown ensemble kind"),
        ({"n_trees": 3}, "counts"),
        ({"format_version": 99}, "version"),
        ({"classes": ["a", "b"]}, "no classes"),
    ],
)
def test_inconsistent_metadata_is_rejected(
    saved_model: Path, changes: dict[str, Any], message: str
) -> None:
    """The ensemble's metadata is checked as strictly as the arrays."""
    _rewrite(saved_model, _saved_arrays(saved_model), **changes)
    with pytest.raises(ModelFileError, match=message):
        _load_ensemble(saved_model)


def test_missing_or_malformed_json_is_rejected(saved_model: Path) -> None:
    """No metadata, or metadata that is not JSON, is a model file error."""
    json_path = saved_model / "model.json"
    json_path.write_text("{not json")
    with pytest.raises(ModelFileError, match=r"model\.json cannot be read"):
        _load_ensemble(saved_model)
    json_path.unlink()
    with pytest.raises(ModelFileError, match=r"model\.json cannot be read"):
        _load_ensemble(saved_model)


def test_module_does_not_import_sklearn() -> None:
    """Home Assistant OS has no scikit-learn: importing the evaluator must not need it."""
    code = (
        "import sys; import custom_components.homeiq.core.ml.trees; "
        "assert 'sklearn' not in sys.modules, 'sklearn was imported'"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
