"""One numpy evaluator for every trained scikit-learn tree ensemble HomeIQ uses.

scikit-learn does not install on Home Assistant OS, so a trained ensemble is exported once
(where scikit-learn is importable) to a :class:`TreeEnsemble` of plain arrays and evaluated
here with numpy alone. Supported estimators: ``RandomForestClassifier``,
``ExtraTreesClassifier``, ``RandomForestRegressor``, ``GradientBoostingClassifier`` (binary
and multiclass, ``log_loss`` or ``exponential`` loss, prior or zero ``init``),
``HistGradientBoostingClassifier`` (binary, numeric features only) and ``IsolationForest``;
single-output only.

The nodes of all trees are concatenated; tree ``t`` holds nodes
``tree_offsets[t]:tree_offsets[t + 1]``, its root is ``tree_offsets[t]``, and child indices
are global. A node is a leaf when ``left == right == -1``. Rows go left when
``x[feature] <= threshold``; a NaN goes left when ``missing_go_to_left``. As in
scikit-learn, inputs are rounded to float32 before they are compared — except for a
histogram gradient boosting, which compares them as float64 (``float32_inputs`` false).

``value[node]`` is what a leaf contributes:

* forest classifier: the class fractions of the leaf (averaged over trees);
* forest regressor: the leaf's mean target (averaged over trees);
* gradient boosting: the leaf's raw score; tree ``t`` adds ``learning_rate * value`` to
  column ``t % K`` of the raw prediction, which starts at ``init_raw`` (a histogram
  gradient boosting's leaves hold the learning rate already: it is exported as 1);
* isolation forest: the expected path length of a row ending in that node, i.e. its depth
  (root = 1) plus the average path length of an unbuilt subtree over its training samples,
  minus 1 — the quantity scikit-learn adds up in ``score_samples``.

An ensemble is stored by the model registry (``core.registry``, the one model file format):
:func:`ensemble_arrays` as one npz blob, :func:`ensemble_metadata` in the model's metadata;
:func:`ensemble_from_arrays` rebuilds it and checks that the trees are valid.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
import math
from typing import Any, Final, Literal, cast

import numpy as np
import numpy.typing as npt

type EnsembleKind = Literal[
    "forest_classifier", "gradient_boosting_classifier", "isolation_forest", "forest_regressor"
]
type BoostingLoss = Literal["", "log_loss", "exponential"]
type ClassLabel = str | int
type FloatArray = npt.NDArray[np.float64]
type IndexArray = npt.NDArray[np.int64]

FORMAT: Final = "homeiq-tree-ensemble"
FORMAT_VERSION: Final = 1
LEAF: Final = -1
ARRAY_NAMES: Final = (
    "feature",
    "threshold",
    "left",
    "right",
    "missing_go_to_left",
    "value",
    "tree_offsets",
)
_ARRAY_DTYPES: Final[Mapping[str, np.dtype[Any]]] = {
    "feature": np.dtype(np.int32),
    "threshold": np.dtype(np.float64),
    "left": np.dtype(np.int32),
    "right": np.dtype(np.int32),
    "missing_go_to_left": np.dtype(np.bool_),
    "value": np.dtype(np.float64),
    "tree_offsets": np.dtype(np.int64),
}
# Rows times trees traversed at once; bounds the memory of the index arrays.
_PAIRS_PER_CHUNK: Final = 1 << 20
_KINDS: Final = frozenset(
    {"forest_classifier", "gradient_boosting_classifier", "isolation_forest", "forest_regressor"}
)
_CLASSIFIERS: Final = frozenset({"forest_classifier", "gradient_boosting_classifier"})


class ModelFileError(ValueError):
    """A model file is missing, corrupt, truncated or inconsistent."""


@dataclass(frozen=True, eq=False)
class TreeEnsemble:
    """A trained tree ensemble as plain arrays, evaluated with numpy alone.

    The arrays are copied and made read-only on construction, and the structure is
    checked (see the module docstring); an inconsistent ensemble raises ``ValueError``.
    """

    kind: EnsembleKind
    n_features: int
    feature: npt.NDArray[np.int32]
    threshold: FloatArray
    left: npt.NDArray[np.int32]
    right: npt.NDArray[np.int32]
    missing_go_to_left: npt.NDArray[np.bool_]
    value: FloatArray
    tree_offsets: IndexArray
    classes: tuple[ClassLabel, ...] = ()
    # Gradient boosting: raw prediction = init_raw + learning_rate * sum of leaf values.
    loss: BoostingLoss = ""
    learning_rate: float = 1.0
    init_raw: tuple[float, ...] = ()
    # Isolation forest: rows per tree at training time, and the outlier threshold.
    max_samples: int = 0
    offset: float = 0.0
    # Which non-finite inputs scikit-learn accepts for this estimator.
    accepts_nan: bool = False
    accepts_infinity: bool = False
    # Whether scikit-learn rounds the inputs to float32 before it compares them.
    float32_inputs: bool = True

    def __post_init__(self) -> None:
        """Freeze the arrays and check that they describe valid trees."""
        for name in ARRAY_NAMES:
            array = _checked_array(name, getattr(self, name))
            object.__setattr__(self, name, array)
        object.__setattr__(self, "classes", tuple(self.classes))
        object.__setattr__(self, "init_raw", tuple(float(v) for v in self.init_raw))
        tree_end = _check_tree_offsets(self.tree_offsets, self.n_nodes)
        _check_metadata(self)
        _check_nodes(self, tree_end)
        _check_values(self)

    @property
    def n_trees(self) -> int:
        """Number of trees."""
        return int(self.tree_offsets.size - 1)

    @property
    def n_nodes(self) -> int:
        """Number of nodes of all trees together."""
        return int(self.feature.size)

    @property
    def n_raw_columns(self) -> int:
        """Columns of the summed leaf values: classes, boosting columns, or 1."""
        if self.kind == "gradient_boosting_classifier":
            return 1 if len(self.classes) == 2 else len(self.classes)
        return int(self.value.shape[1])

    def apply(self, X: npt.ArrayLike) -> IndexArray:
        """Global index of the leaf each row reaches in each tree, shape ``(rows, trees)``."""
        rows = self._checked_input(X)
        if rows.shape[0] == 0:
            return np.empty((0, self.n_trees), dtype=np.int64)
        return np.concatenate([self._leaves(chunk) for chunk in self._chunks(rows)])

    def predict_proba(self, X: npt.ArrayLike) -> FloatArray:
        """Class probabilities, columns in the order of :attr:`classes`."""
        self._require(_CLASSIFIERS, "predict_proba")
        if self.kind == "forest_classifier":
            return self._summed_leaf_values(X) / self.n_trees
        return self._boosting_proba(self._summed_leaf_values(X))

    def predict(self, X: npt.ArrayLike) -> npt.NDArray[Any]:
        """Class labels (classifiers), values (regressor), or +1 / -1 inliers (isolation)."""
        match self.kind:
            case "forest_classifier":
                return self._labels(np.argmax(self.predict_proba(X), axis=1))
            case "gradient_boosting_classifier":
                raw = self._summed_leaf_values(X)
                if raw.shape[1] == 1:
                    return self._labels((raw[:, 0] >= 0).astype(np.int64))
                return self._labels(np.argmax(raw, axis=1))
            case "forest_regressor":
                return self._summed_leaf_values(X)[:, 0] / self.n_trees
            case "isolation_forest":
                return np.where(self.decision_function(X) < 0, -1, 1)

    def decision_function(self, X: npt.ArrayLike) -> FloatArray:
        """Raw boosting scores, or isolation score minus offset (negative = outlier).

        Gradient boosting returns shape ``(rows,)`` for two classes and ``(rows, classes)``
        otherwise, as scikit-learn does.
        """
        self._require({"gradient_boosting_classifier", "isolation_forest"}, "decision_function")
        if self.kind == "isolation_forest":
            return self.score_samples(X) - self.offset
        raw = self._summed_leaf_values(X)
        return raw[:, 0] if raw.shape[1] == 1 else raw

    def score_samples(self, X: npt.ArrayLike) -> FloatArray:
        """Isolation forest: the opposite of the anomaly score (lower = more abnormal)."""
        self._require({"isolation_forest"}, "score_samples")
        path_lengths = self._summed_leaf_values(X)[:, 0]
        denominator = self.n_trees * float(average_path_length(np.array([self.max_samples]))[0])
        # scikit-learn's convention: with max_samples == 1 the ratio is taken as 1.
        ratio = np.divide(
            path_lengths,
            denominator,
            out=np.ones_like(path_lengths),
            where=denominator != 0,
        )
        return -(2.0 ** (-ratio))

    def _require(self, kinds: frozenset[str] | set[str], method: str) -> None:
        if self.kind not in kinds:
            raise TypeError(f"{method} is not defined for a {self.kind}")

    def _labels(self, class_index: npt.NDArray[np.intp] | IndexArray) -> npt.NDArray[Any]:
        return np.asarray(self.classes)[class_index]

    def _boosting_proba(self, raw: FloatArray) -> FloatArray:
        if raw.shape[1] > 1:
            return _softmax(raw)
        positive = _expit(2.0 * raw[:, 0] if self.loss == "exponential" else raw[:, 0])
        return np.column_stack([1.0 - positive, positive])

    def _checked_input(self, X: npt.ArrayLike) -> FloatArray:
        """Rows as float64 (holding float32-rounded values where scikit-learn rounds them),
        checked like scikit-learn."""
        with np.errstate(over="ignore"):
            rows = np.asarray(X, dtype=np.float32 if self.float32_inputs else np.float64)
        if rows.ndim != 2:
            raise ValueError(f"expected a 2-D array of rows, got {rows.ndim} dimension(s)")
        if rows.shape[1] != self.n_features:
            raise ValueError(
                f"X has {rows.shape[1]} features, but this {self.kind} expects {self.n_features}"
            )
        if not self.accepts_nan and np.isnan(rows).any():
            raise ValueError(f"Input X contains NaN, which this {self.kind} does not accept")
        if not self.accepts_infinity and np.isinf(rows).any():
            raise ValueError("Input X contains infinity or a value too large for dtype('float32')")
        return rows.astype(np.float64)

    def _chunks(self, rows: FloatArray) -> list[FloatArray]:
        step = max(1, _PAIRS_PER_CHUNK // self.n_trees)
        return [rows[start : start + step] for start in range(0, rows.shape[0], step)]

    def _leaves(self, rows: FloatArray) -> IndexArray:
        """The one traversal routine: all rows through all trees, one depth level per step."""
        n_rows, n_columns = rows.shape
        flat = np.ascontiguousarray(rows).ravel()
        node = np.tile(self.tree_offsets[:-1], n_rows)
        # Where each (row, tree) path's row starts in ``flat`` (one flat gather per level is
        # faster than indexing rows and columns).
        start = np.repeat(np.arange(n_rows, dtype=np.int64) * n_columns, self.n_trees)
        active = np.flatnonzero(self.left[node] != LEAF)
        while active.size:
            current = node[active]
            x = flat[start[active] + self.feature[current]]
            go_left = x <= self.threshold[current]
            missing = np.isnan(x)
            if missing.any():
                go_left[missing] = self.missing_go_to_left[current[missing]]
            following = np.where(go_left, self.left[current], self.right[current])
            node[active] = following
            active = active[self.left[following] != LEAF]
        return node.reshape(n_rows, self.n_trees)

    def _summed_leaf_values(self, X: npt.ArrayLike) -> FloatArray:
        """Leaf values added tree by tree, in scikit-learn's order, shape ``(rows, columns)``."""
        rows = self._checked_input(X)
        if self.kind == "gradient_boosting_classifier":
            total = np.tile(np.asarray(self.init_raw, dtype=np.float64), (rows.shape[0], 1))
        else:
            total = np.zeros((rows.shape[0], self.n_raw_columns), dtype=np.float64)
        start = 0
        for chunk in self._chunks(rows):
            self._add_leaf_values(self._leaves(chunk), total[start : start + chunk.shape[0]])
            start += chunk.shape[0]
        return total

    def _add_leaf_values(self, leaves: IndexArray, total: FloatArray) -> None:
        if self.kind != "gradient_boosting_classifier":
            for tree in range(self.n_trees):
                total += self.value[leaves[:, tree]]
            return
        n_columns = total.shape[1]
        for tree in range(self.n_trees):
            total[:, tree % n_columns] += self.learning_rate * self.value[leaves[:, tree], 0]


def average_path_length(n_samples: npt.ArrayLike) -> FloatArray:
    """Average path length of an unsuccessful search in a binary tree of ``n`` samples.

    The isolation forest's correction for a leaf (or a subsample) that still holds ``n``
    samples; 0 for ``n <= 1`` and 1 for ``n == 2``, as in scikit-learn.
    """
    n = np.asarray(n_samples, dtype=np.float64)
    result = np.zeros_like(n)
    result[n == 2] = 1.0
    larger = n > 2
    m = n[larger]
    result[larger] = 2.0 * (np.log(m - 1.0) + np.euler_gamma) - 2.0 * (m - 1.0) / m
    return result


def export_ensemble(estimator: Any) -> TreeEnsemble:
    """Export a fitted scikit-learn ensemble to arrays (needs scikit-learn, imported here).

    Raises ``TypeError`` for an unsupported estimator type and ``ValueError`` for a
    supported type in an unsupported configuration (multi-output, a custom ``init``,
    class labels that are neither integers nor strings).
    """
    from sklearn.ensemble import (
        ExtraTreesClassifier,
        GradientBoostingClassifier,
        HistGradientBoostingClassifier,
        IsolationForest,
        RandomForestClassifier,
        RandomForestRegressor,
    )
    from sklearn.utils.validation import check_is_fitted

    # Exact types: a subclass may predict differently from what is exported here.
    exporters: dict[type, Callable[[Any], TreeEnsemble]] = {
        RandomForestClassifier: _export_forest_classifier,
        ExtraTreesClassifier: _export_forest_classifier,
        RandomForestRegressor: _export_forest_regressor,
        GradientBoostingClassifier: _export_gradient_boosting,
        HistGradientBoostingClassifier: _export_hist_gradient_boosting,
        IsolationForest: _export_isolation_forest,
    }
    exporter = exporters.get(type(estimator))
    if exporter is None:
        raise TypeError(f"cannot export a {type(estimator).__name__}")
    check_is_fitted(estimator)
    return exporter(estimator)


def ensemble_arrays(ensemble: TreeEnsemble) -> dict[str, npt.NDArray[Any]]:
    """The ensemble's arrays, for a model registry entry (see ``core.registry``)."""
    return {name: getattr(ensemble, name) for name in ARRAY_NAMES}


def ensemble_metadata(ensemble: TreeEnsemble) -> dict[str, Any]:
    """The ensemble's JSON-able metadata, for a model registry entry."""
    return _metadata(ensemble)


def ensemble_from_arrays(
    metadata: Mapping[str, Any], arrays: Mapping[str, npt.NDArray[Any]]
) -> TreeEnsemble:
    """Rebuild an ensemble from :func:`ensemble_metadata` and :func:`ensemble_arrays`.

    Raises :class:`ModelFileError` when the metadata or arrays do not describe valid trees.
    """
    if metadata.get("format") != FORMAT or metadata.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(f"not a {FORMAT} version {FORMAT_VERSION} description")
    try:
        if set(arrays) != set(ARRAY_NAMES):
            raise ValueError(f"expected arrays {sorted(ARRAY_NAMES)}, found {sorted(arrays)}")
        return _ensemble_from(dict(metadata), {name: arrays[name] for name in ARRAY_NAMES})
    except (ValueError, TypeError, KeyError) as err:
        raise ModelFileError(str(err)) from err


# --- export -------------------------------------------------------------------------------


def _export_forest_classifier(forest: Any) -> TreeEnsemble:
    _require_single_output(forest)
    arrays = _concatenate_trees(
        [tree.tree_ for tree in forest.estimators_],
        values=[tree.tree_.value[:, 0, :] for tree in forest.estimators_],
    )
    return TreeEnsemble(
        kind="forest_classifier",
        n_features=int(forest.n_features_in_),
        classes=_class_labels(forest.classes_),
        accepts_nan=_tree_accepts_nan(forest.estimators_[0]),
        **arrays,
    )


def _export_forest_regressor(forest: Any) -> TreeEnsemble:
    _require_single_output(forest)
    arrays = _concatenate_trees(
        [tree.tree_ for tree in forest.estimators_],
        values=[tree.tree_.value[:, 0, :] for tree in forest.estimators_],
    )
    return TreeEnsemble(
        kind="forest_regressor",
        n_features=int(forest.n_features_in_),
        accepts_nan=_tree_accepts_nan(forest.estimators_[0]),
        **arrays,
    )


def _export_gradient_boosting(boosting: Any) -> TreeEnsemble:
    # estimators_ is (stages, K); flattening row by row keeps scikit-learn's order.
    trees = [tree.tree_ for tree in np.asarray(boosting.estimators_).ravel()]
    arrays = _concatenate_trees(trees, values=[tree.value[:, 0, :] for tree in trees])
    return TreeEnsemble(
        kind="gradient_boosting_classifier",
        n_features=int(boosting.n_features_in_),
        classes=_class_labels(boosting.classes_),
        loss=boosting.loss,
        learning_rate=float(boosting.learning_rate),
        init_raw=_boosting_init_raw(boosting),
        **arrays,
    )


def _export_hist_gradient_boosting(boosting: Any) -> TreeEnsemble:
    """A binary histogram gradient boosting on numeric features: its predictors' nodes (the
    thresholds on raw values, the learning rate already in the leaves) and its baseline."""
    if int(boosting.n_trees_per_iteration_) != 1:
        raise ValueError("only a binary HistGradientBoostingClassifier can be exported")
    if boosting.is_categorical_ is not None and np.asarray(boosting.is_categorical_).any():
        raise ValueError(
            "a HistGradientBoostingClassifier with categorical features cannot be exported"
        )
    nodes = [predictor.nodes for (predictor,) in boosting._predictors]
    sizes = np.array([len(n) for n in nodes], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    leaf = np.concatenate([n["is_leaf"].astype(bool) for n in nodes])
    shift = np.repeat(offsets[:-1], sizes)
    left = np.concatenate([n["left"] for n in nodes]).astype(np.int64) + shift
    right = np.concatenate([n["right"] for n in nodes]).astype(np.int64) + shift
    return TreeEnsemble(
        kind="gradient_boosting_classifier",
        n_features=int(boosting.n_features_in_),
        feature=np.where(leaf, LEAF, np.concatenate([n["feature_idx"] for n in nodes])).astype(
            np.int32
        ),
        threshold=np.concatenate([n["num_threshold"] for n in nodes]).astype(np.float64),
        left=np.where(leaf, LEAF, left).astype(np.int32),
        right=np.where(leaf, LEAF, right).astype(np.int32),
        missing_go_to_left=np.concatenate([n["missing_go_to_left"] for n in nodes]).astype(bool),
        value=np.concatenate([n["value"] for n in nodes]).astype(np.float64)[:, None],
        tree_offsets=offsets,
        classes=_class_labels(boosting.classes_),
        loss="log_loss",
        learning_rate=1.0,
        init_raw=(float(np.asarray(boosting._baseline_prediction).ravel()[0]),),
        accepts_nan=True,
        accepts_infinity=True,
        float32_inputs=False,
    )


def _boosting_init_raw(boosting: Any) -> tuple[float, ...]:
    """The constant raw prediction of a prior (or zero) ``init``, as scikit-learn computes it."""
    from sklearn.dummy import DummyClassifier
    from sklearn.ensemble._gb import _init_raw_predictions

    n_columns = int(boosting.n_trees_per_iteration_)
    if isinstance(boosting.init_, str) and boosting.init_ == "zero":
        return (0.0,) * n_columns
    init = boosting.init_
    if not (isinstance(init, DummyClassifier) and init.strategy == "prior"):
        raise ValueError(
            "only a GradientBoostingClassifier with the default prior init (or init='zero') "
            f"can be exported, not init={init!r}"
        )
    one_row = np.zeros((1, int(boosting.n_features_in_)), dtype=np.float32)
    raw = _init_raw_predictions(one_row, init, boosting._loss, use_predict_proba=True)
    return tuple(float(v) for v in np.asarray(raw, dtype=np.float64)[0])


def _export_isolation_forest(forest: Any) -> TreeEnsemble:
    trees = [tree.tree_ for tree in forest.estimators_]
    values = [
        (tree.compute_node_depths() + average_path_length(tree.n_node_samples) - 1.0)[:, None]
        for tree in trees
    ]
    arrays = _concatenate_trees(trees, values=values, features=forest.estimators_features_)
    max_samples = getattr(forest, "_max_samples", forest.max_samples_)
    return TreeEnsemble(
        kind="isolation_forest",
        n_features=int(forest.n_features_in_),
        max_samples=int(max_samples),
        offset=float(forest.offset_),
        accepts_nan=True,
        accepts_infinity=True,
        **arrays,
    )


def _require_single_output(forest: Any) -> None:
    if int(forest.n_outputs_) != 1:
        raise ValueError(f"only single-output forests can be exported, got {forest.n_outputs_}")


def _tree_accepts_nan(tree: Any) -> bool:
    return bool(tree.__sklearn_tags__().input_tags.allow_nan)


def _class_labels(classes: Any) -> tuple[ClassLabel, ...]:
    labels = np.asarray(classes)
    if labels.dtype.kind in "iu":
        return tuple(int(label) for label in labels)
    if labels.dtype.kind in "UO" and all(isinstance(label, str) for label in labels):
        return tuple(str(label) for label in labels)
    raise ValueError(f"class labels must be integers or strings, got dtype {labels.dtype}")


def _concatenate_trees(
    trees: list[Any], values: list[FloatArray], features: Any = None
) -> dict[str, Any]:
    """Concatenate scikit-learn ``Tree`` objects, making child indices global.

    ``features[t]`` maps tree ``t``'s column numbers to the estimator's (bagging's
    feature subsampling); ``None`` means the columns are the estimator's own.
    """
    sizes = np.array([tree.node_count for tree in trees], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    parts: dict[str, list[Any]] = {name: [] for name in ARRAY_NAMES if name != "tree_offsets"}
    for index, tree in enumerate(trees):
        is_leaf = tree.children_left == LEAF
        tree_feature = np.asarray(tree.feature, dtype=np.int64)
        if features is not None:
            column_map = np.asarray(features[index], dtype=np.int64)
            tree_feature = np.where(is_leaf, tree_feature, column_map[np.maximum(tree_feature, 0)])
        parts["feature"].append(tree_feature)
        parts["threshold"].append(tree.threshold)
        parts["left"].append(np.where(is_leaf, LEAF, tree.children_left + offsets[index]))
        parts["right"].append(np.where(is_leaf, LEAF, tree.children_right + offsets[index]))
        parts["missing_go_to_left"].append(np.asarray(tree.missing_go_to_left, dtype=bool))
        parts["value"].append(np.asarray(values[index], dtype=np.float64))
    arrays = {
        name: np.concatenate(chunks).astype(_ARRAY_DTYPES[name]) for name, chunks in parts.items()
    }
    return arrays | {"tree_offsets": offsets}


# --- checks -------------------------------------------------------------------------------


def _checked_array(name: str, array: Any) -> Any:
    expected = _ARRAY_DTYPES[name]
    if not isinstance(array, np.ndarray) or array.dtype != expected:
        found = array.dtype if isinstance(array, np.ndarray) else type(array).__name__
        raise ValueError(f"array {name!r} must be {expected}, got {found}")
    ndim = 2 if name == "value" else 1
    if array.ndim != ndim:
        raise ValueError(f"array {name!r} must have {ndim} dimension(s), got {array.ndim}")
    frozen = np.array(array, copy=True, order="C")
    frozen.setflags(write=False)
    return frozen


def _check_metadata(ensemble: TreeEnsemble) -> None:
    if ensemble.kind not in _KINDS:
        raise ValueError(f"unknown ensemble kind {ensemble.kind!r}")
    if isinstance(ensemble.n_features, bool) or not isinstance(ensemble.n_features, int):
        raise ValueError("n_features must be an integer")
    if ensemble.n_features < 1:
        raise ValueError(f"n_features must be at least 1, got {ensemble.n_features}")
    is_classifier = ensemble.kind in _CLASSIFIERS
    classes = ensemble.classes
    if is_classifier:
        kinds = {type(label) for label in classes}
        if len(classes) < 2 or len(set(classes)) != len(classes) or len(kinds) != 1:
            raise ValueError("a classifier needs at least two distinct classes of one type")
        if not kinds <= {int, str}:
            raise ValueError("class labels must be integers or strings")
    elif classes:
        raise ValueError(f"a {ensemble.kind} has no classes")
    if ensemble.kind == "gradient_boosting_classifier":
        _check_boosting_metadata(ensemble)
    is_isolation = ensemble.kind == "isolation_forest"
    if is_isolation and (ensemble.max_samples < 1 or not math.isfinite(ensemble.offset)):
        raise ValueError("an isolation forest needs max_samples >= 1 and a finite offset")


def _check_boosting_metadata(ensemble: TreeEnsemble) -> None:
    if ensemble.loss not in {"log_loss", "exponential"}:
        raise ValueError(f"unknown boosting loss {ensemble.loss!r}")
    if ensemble.loss == "exponential" and len(ensemble.classes) != 2:
        raise ValueError("the exponential loss is for two classes only")
    if not (math.isfinite(ensemble.learning_rate) and ensemble.learning_rate > 0):
        raise ValueError("learning_rate must be finite and positive")
    if len(ensemble.init_raw) != ensemble.n_raw_columns:
        raise ValueError(f"init_raw must have {ensemble.n_raw_columns} values")
    if not all(math.isfinite(v) for v in ensemble.init_raw):
        raise ValueError("init_raw must be finite")
    if ensemble.n_trees % ensemble.n_raw_columns:
        raise ValueError(f"{ensemble.n_trees} trees are not whole stages")


def _check_tree_offsets(offsets: IndexArray, n_nodes: int) -> IndexArray:
    """Check the tree boundaries; return, for each node, the end of its tree."""
    if offsets.size < 2 or offsets[0] != 0 or offsets[-1] != n_nodes:
        raise ValueError(f"tree_offsets must run from 0 to the {n_nodes} nodes")
    sizes = np.diff(offsets)
    if (sizes < 1).any():
        raise ValueError("tree_offsets must be strictly increasing (no empty tree)")
    return np.repeat(offsets[1:], sizes)


def _check_nodes(ensemble: TreeEnsemble, tree_end: IndexArray) -> None:
    n_nodes = ensemble.n_nodes
    for name in ("threshold", "left", "right", "missing_go_to_left"):
        if getattr(ensemble, name).shape != (n_nodes,):
            raise ValueError(f"array {name!r} must have one entry per node ({n_nodes})")
    left = ensemble.left.astype(np.int64)
    right = ensemble.right.astype(np.int64)
    is_leaf = left == LEAF
    if (is_leaf != (right == LEAF)).any():
        raise ValueError("a node has exactly one child")
    node = np.arange(n_nodes, dtype=np.int64)[~is_leaf]
    end = tree_end[~is_leaf]
    for child in (left[~is_leaf], right[~is_leaf]):
        # Children come after their parent, so every path ends at a leaf.
        if ((child <= node) | (child >= end)).any():
            raise ValueError("a child index points outside its tree or back to an ancestor")
    split_feature = ensemble.feature[~is_leaf]
    if ((split_feature < 0) | (split_feature >= ensemble.n_features)).any():
        raise ValueError(
            f"a split uses a feature outside 0..{ensemble.n_features - 1} (n_features)"
        )
    if np.isnan(ensemble.threshold[~is_leaf]).any():
        raise ValueError("a split threshold is NaN")


def _check_values(ensemble: TreeEnsemble) -> None:
    value = ensemble.value
    expected_columns = 1 if ensemble.kind != "forest_classifier" else len(ensemble.classes)
    if value.shape != (ensemble.n_nodes, expected_columns):
        raise ValueError(
            f"value must have shape ({ensemble.n_nodes}, {expected_columns}), got {value.shape}"
        )
    if not np.isfinite(value).all():
        raise ValueError("value holds non-finite numbers")
    if ensemble.kind == "isolation_forest" and (value < 0).any():
        raise ValueError("isolation path lengths must not be negative")


# --- metadata -----------------------------------------------------------------------------


def _metadata(ensemble: TreeEnsemble) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "kind": ensemble.kind,
        "n_features": ensemble.n_features,
        "n_trees": ensemble.n_trees,
        "n_nodes": ensemble.n_nodes,
        "classes": list(ensemble.classes),
        "loss": ensemble.loss,
        "learning_rate": ensemble.learning_rate,
        "init_raw": list(ensemble.init_raw),
        "max_samples": ensemble.max_samples,
        "offset": ensemble.offset,
        "accepts_nan": ensemble.accepts_nan,
        "accepts_infinity": ensemble.accepts_infinity,
        "float32_inputs": ensemble.float32_inputs,
    }


def _ensemble_from(metadata: dict[str, Any], arrays: dict[str, Any]) -> TreeEnsemble:
    ensemble = TreeEnsemble(
        kind=_typed(metadata, "kind", str),
        n_features=_typed(metadata, "n_features", int),
        classes=tuple(_typed(metadata, "classes", list)),
        loss=_typed(metadata, "loss", str),
        learning_rate=float(_typed(metadata, "learning_rate", (int, float))),
        init_raw=tuple(float(v) for v in _typed(metadata, "init_raw", list)),
        max_samples=_typed(metadata, "max_samples", int),
        offset=float(_typed(metadata, "offset", (int, float))),
        accepts_nan=_typed(metadata, "accepts_nan", bool),
        accepts_infinity=_typed(metadata, "accepts_infinity", bool),
        # Files written before histogram boosting was exported all rounded to float32.
        float32_inputs=_typed({"float32_inputs": True, **metadata}, "float32_inputs", bool),
        **arrays,
    )
    if (ensemble.n_trees, ensemble.n_nodes) != (metadata.get("n_trees"), metadata.get("n_nodes")):
        raise ValueError("the arrays do not match the tree and node counts in the metadata")
    return ensemble


def _typed(metadata: dict[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    value = metadata[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise TypeError(f"metadata {key!r} has the wrong type: {value!r}")
    return value


# --- link functions -----------------------------------------------------------------------


def _expit(x: FloatArray) -> FloatArray:
    """The logistic function, without overflow for large negative inputs."""
    exp_neg_abs = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + exp_neg_abs), exp_neg_abs / (1.0 + exp_neg_abs))


def _softmax(raw: FloatArray) -> FloatArray:
    shifted = np.exp(raw - raw.max(axis=1, keepdims=True))
    return cast(FloatArray, shifted / shifted.sum(axis=1, keepdims=True))
