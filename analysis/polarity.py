"""Which way is the lift: a strapped-on sensor does not say, so reps are read with both polarities and one reading
is picked: by gravity where the caller can tell which way the lifts moved the segment, else by the count of
complete reps, then the slower lowering, then the longer rests bracketing the set."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from analysis.rep_pairing import RepSpan
from analysis.segmentation_params import SegmentationParams
from analysis.strokes import Stroke


@dataclass(frozen=True)
class Reading:
    """A set's reps read with one polarity (+1/−1) and the rest (s) bracketing them (−1 without reps)."""

    spans: list[RepSpan]
    polarity: int
    rest_s: float

def bracket_rest_s(strokes: list[Stroke], spans: list[RepSpan], t_end: float) -> float:
    """Stillness before the first rep's lift and after the last rep's lowering (s). A set starts and ends at rest
    in the start position; read with the wrong polarity, the same span is bracketed by the top pauses."""
    first_on, last_off = spans[0].concentric[0], spans[-1].eccentric[1]
    before = max((s.offset_s for s in strokes if s.offset_s <= first_on + 1e-9), default=0.0)
    after = min((s.onset_s for s in strokes if s.onset_s >= last_off - 1e-9), default=t_end)
    return (first_on - before) + (after - last_off)


def _lowering_to_lifting(spans: list[RepSpan]) -> float:
    """Median eccentric duration over median concentric duration of a reading (1.0 when undefined)."""
    if not spans:
        return 1.0
    ecc = float(np.median([s.eccentric[1] - s.eccentric[0] for s in spans]))
    con = float(np.median([s.concentric[1] - s.concentric[0] for s in spans]))
    return ecc / con if con > 0 else 1.0


def by_gravity(a: list[RepSpan], b: list[RepSpan], lift_vote: Callable | None, vote_min: float) -> bool | None:
    """Whether gravity picks reading `a` over `b` (None: no say). `lift_vote` scores a reading's lifts −1..1 (+1:
    each raised the segment) or None; the two readings lift on opposite strokes, so their votes differ by up to 2.
    It decides when they differ by at least 2 × `vote_min` and the reading it picks has at most one rep fewer (the
    right reading of a set that starts and ends at the bottom has one more; a set-up move can give the other one)."""
    if lift_vote is None:
        return None
    va, vb = lift_vote(a), lift_vote(b)
    evidence = (0.0 if va is None else va) - (0.0 if vb is None else vb)
    if abs(evidence) < 2.0 * vote_min:
        return None
    picked, other = (a, b) if evidence > 0 else (b, a)
    if not picked or len(picked) < len(other) - 1:
        return None
    return evidence > 0


def pick_reading(a: Reading, b: Reading, lift_vote: Callable | None, vote_min: float, params: SegmentationParams
                 ) -> Reading:
    """The right one of the two readings: gravity first, where `lift_vote` has a say (`by_gravity`); else the one
    with more complete reps (the wrong one pairs each lowering with the next lift: one fewer); on a tie, the one in
    which the lowering is clearly slower than the lift, else the one bracketed by the longer rests."""
    gravity = by_gravity(a.spans, b.spans, lift_vote, vote_min)
    if gravity is not None:
        return a if gravity else b
    if len(a.spans) != len(b.spans):
        return a if len(a.spans) >= len(b.spans) else b
    lo, hi = params.lowering_to_lifting
    ecc_over_con = _lowering_to_lifting(a.spans)
    if ecc_over_con > hi:
        return a
    if ecc_over_con < lo:
        return b
    return a if a.rest_s >= b.rest_s else b
