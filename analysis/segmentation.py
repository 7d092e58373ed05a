"""Rep segmentation: movement angle → strokes (monotonic runs between stillness or reversals) → reps with phases.

A phase boundary is the instant the segment starts or stops moving. Thresholding the speed would mark it late in
the ramp, so each stroke's onset/offset is extrapolated. Near a smooth start the displacement from rest grows as a
power p of the time τ since onset: the cube where the jerk steps at onset (minimum-jerk movement, smoothstep ramps),
the square where the acceleration steps (half-cosine profiles, linear ramps, a push-off). The p-th root of the
displacement is then linear in time, and a line fitted to it over the first few per cent of the stroke crosses zero
at the onset. Which p a start has, the start tells: displacement over speed grows as τ/p whatever the scale, so the
slope of that ratio reads p, and the onset is taken between the square's and the cube's fit by where the reading falls
between the two model starts' readings. Offsets are fitted the same way, backwards; where a stroke has no rest
before it (a reversal), √speed is fitted instead (the cube's start: the speed alone reads the order poorly).

Which way is "up" (concentric) is not known from a strapped-on sensor: both polarities are tried (reps start and
end at the same bottom level). Gravity decides where the caller can tell which way each reading's lifts moved the
segment (`lift_vote`: a hip-extension lift raises the hips); else a set begins and ends at rest in the start
position, so the inverted reading pairs one rep fewer. A rep is out, hold, back of legs (`rep_pairing`), whatever
pose is held longest: an overshoot's settle and a set-up's small lift belong to the hold before the next leg.

The parts, in order: `strokes` (runs of movement; their onsets and offsets fitted in `stroke_edges` with the
grouped lines of `line_fit`), `rep_pairing` (reps from strokes), `set_edges` (set-up moves at the set's ends),
`polarity` (which reading is right); their tuning numbers are in `segmentation_params`. This module composes them
and keeps the names the rest of the analysis imports from here.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from analysis.polarity import Reading, bracket_rest_s, pick_reading
from analysis.rep_pairing import RepSpan, pair_reps
from analysis.segmentation_params import SEGMENTATION, SegmentationParams, StrokeParams
from analysis.set_edges import trim_edges
from analysis.strokes import Stroke, find_strokes

__all__ = ["SEGMENTATION", "RepSpan", "SegmentationParams", "Stroke", "StrokeParams", "find_strokes", "segment_reps"]


def _in_mask(t_s: np.ndarray, mask: np.ndarray, t0: float, t1: float) -> bool:
    i0, i1 = np.searchsorted(t_s, [t0, t1])
    return bool(mask[i0:max(i1, i0 + 1)].any())


def _reading(strokes: list[Stroke], polarity: int, keep: Callable | None, t_end: float,
             params: SegmentationParams) -> Reading:
    """The set's reps read with one polarity: paired, filtered by `keep`, set-up moves at the edges dropped."""
    spans = pair_reps(strokes, polarity, params)
    if keep is not None:
        spans = keep(spans)
    spans = trim_edges(spans, params)
    return Reading(spans, polarity, bracket_rest_s(strokes, spans, t_end) if spans else -1.0)


def segment_reps(
    t_s: np.ndarray, angle_deg: np.ndarray, speed_dps: np.ndarray, rate_hz: float, keep: Callable | None = None,
    excluded: np.ndarray | None = None, params: SegmentationParams = SEGMENTATION,
    lift_vote: Callable | None = None, vote_min: float = 0.5,
) -> tuple[list[RepSpan], int]:
    """Reps of one set and the polarity (+1/−1) that makes the concentric a positive rotation.

    `excluded` (bool per sample of `t_s`) marks time that holds no rep (walking): its strokes are dropped before
    the reps are paired, so that a walk's many strides do not set the set's range. `keep` filters candidate
    reps (e.g. to those starting from the set's common pose). Polarity: `polarity.pick_reading` (gravity where
    `lift_vote` has a say, else the count of complete reps, the slower lowering, the longer bracketing rests).
    """
    strokes = find_strokes(t_s, angle_deg, speed_dps, rate_hz, params.strokes)
    if excluded is not None:
        strokes = [st for st in strokes if not _in_mask(t_s, excluded, st.onset_s, st.offset_s)]
    a, b = (_reading(strokes, polarity, keep, float(t_s[-1]), params) for polarity in (1, -1))
    picked = pick_reading(a, b, lift_vote, vote_min, params)
    return picked.spans, picked.polarity
