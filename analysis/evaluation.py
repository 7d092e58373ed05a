"""How an analysis is scored against ground truth: one matching rule for reps, sets and faults, used by the
accuracy and session benchmarks and the tests (beside the stages it scores, as mobgap keeps `evaluation.py`).

A rep is the span from its lift's onset to its lowering's end; a found rep matches a true one one-to-one when
their spans overlap with intersection-over-union ≥ 0.3 (a rep off by half a phase still matches; its neighbour
does not). Sets match on their spans at IoU ≥ 0.5. The pairing maximises the total IoU (Hungarian).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment


@dataclass(frozen=True)
class EvaluationParams:
    rep_iou_min: float = 0.3
    set_iou_min: float = 0.5


EVALUATION = EvaluationParams()

Span = tuple[float, float]


def iou(a: Span, b: Span) -> float:
    """Intersection over union of two time spans (s)."""
    inter = max(0.0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union > 0 else 0.0


def match(truth: Sequence[Span], found: Sequence[Span], iou_min: float) -> list[tuple[int, int]]:
    """One-to-one pairs (truth index, found index) with IoU ≥ `iou_min`, maximising the total IoU."""
    if not truth or not found:
        return []
    score = np.array([[iou(t, f) for f in found] for t in truth])
    rows, cols = linear_sum_assignment(-score)
    return sorted((int(r), int(c)) for r, c in zip(rows, cols) if score[r, c] >= iou_min)


def match_reps(truth: Sequence[Span], found: Sequence[Span], params: EvaluationParams = EVALUATION):
    return match(truth, found, params.rep_iou_min)


def match_sets(truth: Sequence[Span], found: Sequence[Span], params: EvaluationParams = EVALUATION):
    return match(truth, found, params.set_iou_min)


@dataclass
class Confusion:
    """Counts of one binary label (a fault) over matched and unmatched reps."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def add_faults(confusion: dict[str, Confusion], truth: Sequence[Sequence[str]], found: Sequence[Sequence[str]],
               pairs: list[tuple[int, int]], names: Sequence[str]) -> None:
    """Count each fault of `names` over one set: a flag on a matched rep is a hit or a false alarm; a true
    fault on an unmatched rep is a miss, a flag on an unmatched found rep a false alarm."""
    paired_t = {i for i, _ in pairs}
    paired_f = {j for _, j in pairs}
    for name in names:
        c = confusion.setdefault(name, Confusion())
        for i, j in pairs:
            has_t, has_f = name in truth[i], name in found[j]
            c.tp += has_t and has_f
            c.fp += has_f and not has_t
            c.fn += has_t and not has_f
        c.fn += sum(name in truth[i] for i in range(len(truth)) if i not in paired_t)
        c.fp += sum(name in found[j] for j in range(len(found)) if j not in paired_f)
