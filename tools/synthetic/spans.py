"""Sets of time intervals as sorted arrays, combined without Python loops."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

type FloatArray = npt.NDArray[np.float64]
type BoolArray = npt.NDArray[np.bool_]


def as_floats(values: npt.ArrayLike) -> FloatArray:
    """The values as a one-dimensional float64 array."""
    return np.asarray(values, dtype=np.float64).reshape(-1)


@dataclass(frozen=True, slots=True)
class Spans:
    """Half-open intervals ``[starts[i], ends[i])``; not necessarily sorted or disjoint."""

    starts: FloatArray
    ends: FloatArray

    @classmethod
    def of(cls, starts: npt.ArrayLike, ends: npt.ArrayLike) -> Spans:
        """Intervals from two aligned sequences; empty intervals are dropped."""
        s, e = as_floats(starts), as_floats(ends)
        keep = e > s
        return cls(s[keep], e[keep])

    @classmethod
    def empty(cls) -> Spans:
        """No intervals."""
        return cls(np.empty(0), np.empty(0))

    def __len__(self) -> int:
        """Number of intervals."""
        return int(self.starts.shape[0])

    def __or__(self, other: Spans) -> Spans:
        """Both sets of intervals, not yet merged."""
        return Spans(
            np.concatenate([self.starts, other.starts]), np.concatenate([self.ends, other.ends])
        )

    def merged(self, gap: float = 0.0) -> Spans:
        """Sorted, disjoint intervals; intervals closer than ``gap`` are joined."""
        if not len(self):
            return self
        order = np.argsort(self.starts, kind="stable")
        starts, ends = self.starts[order], self.ends[order]
        reach = np.maximum.accumulate(ends)
        first = np.empty(starts.shape[0], dtype=np.bool_)
        first[0] = True
        first[1:] = starts[1:] > reach[:-1] + gap
        heads = np.flatnonzero(first)
        return Spans(starts[heads], np.maximum.reduceat(ends, heads))

    def minus(self, other: Spans) -> Spans:
        """The parts of these intervals not covered by ``other`` (sorted, disjoint)."""
        return _combine(self.merged(), other.merged(), keep_other=False)

    def intersect(self, other: Spans) -> Spans:
        """The parts covered by both (sorted, disjoint)."""
        return _combine(self.merged(), other.merged(), keep_other=True)

    def contains(self, times: FloatArray) -> BoolArray:
        """Whether each time lies in an interval (``self`` must be merged)."""
        if not len(self):
            return np.zeros(times.shape[0], dtype=np.bool_)
        index = np.searchsorted(self.starts, times, side="right") - 1
        inside = (index >= 0) & (times < self.ends[np.maximum(index, 0)])
        return np.asarray(inside, dtype=np.bool_)

    def total(self) -> float:
        """Summed length (of merged intervals)."""
        return float(np.sum(self.ends - self.starts))


def _combine(a: Spans, b: Spans, *, keep_other: bool) -> Spans:
    if not len(a):
        return a
    points = np.unique(np.concatenate([a.starts, a.ends, b.starts, b.ends]))
    in_a = _covered(a, points)
    in_b = _covered(b, points)
    inside = in_a & (in_b if keep_other else ~in_b)
    before = np.concatenate([[False], inside[:-1]])
    return Spans(points[inside & ~before], points[~inside & before])


def _covered(spans: Spans, points: FloatArray) -> BoolArray:
    opened = np.searchsorted(spans.starts, points, side="right")
    closed = np.searchsorted(spans.ends, points, side="right")
    return (opened - closed) > 0


def sample_within(rng: np.random.Generator, spans: Spans, count: int) -> FloatArray:
    """``count`` times drawn uniformly over merged ``spans`` (sorted)."""
    if count <= 0 or not len(spans):
        return np.empty(0)
    lengths = spans.ends - spans.starts
    cumulative = np.cumsum(lengths)
    offsets = np.sort(rng.uniform(0.0, float(cumulative[-1]), count))
    index = np.searchsorted(cumulative, offsets, side="right")
    index = np.minimum(index, len(spans) - 1)
    before = cumulative[index] - lengths[index]
    return np.asarray(spans.starts[index] + (offsets - before), dtype=np.float64)
