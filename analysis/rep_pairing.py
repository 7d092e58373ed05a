"""Reps from strokes: a lift followed by a lowering that returns to the level it started from, of a size near
the set's rep range. Lift and lowering are legs: a main stroke with the small strokes of its direction before it
(an overshoot's settle, a set-up's small lift), whatever pose is held longest."""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from analysis.segmentation_params import SegmentationParams
from analysis.strokes import Stroke


@dataclass(frozen=True)
class RepSpan:
    """One rep's motion boundaries (s) on the primary segment and its range."""

    concentric: tuple[float, float]
    eccentric: tuple[float, float]
    next_onset_s: float | None  # next rep's concentric onset (end of this rep's bottom pause)
    bottom_deg: float
    top_deg: float
    peak_speed_dps: float
    end_deg: float = float("nan")  # angle where the lowering ended

    @property
    def range_deg(self) -> float:
        return self.top_deg - self.bottom_deg


@dataclass(frozen=True)
class _Leg:
    """One lift or lowering: a main stroke with the small strokes of its direction before it (`_legs`: the
    settle out of an overshoot into the hold, a set-up's small lift), which belong to the hold before it. The
    phase is the main stroke; `from_deg` is where the leg's first stroke starts, `to_deg` where the main one ends
    (polarity applied)."""

    onset_s: float
    offset_s: float
    from_deg: float
    start_deg: float  # where the main stroke starts
    to_deg: float
    peak_speed_dps: float

    @property
    def delta_deg(self) -> float:
        return self.to_deg - self.from_deg


def _legs(strokes: list[Stroke], polarity: int, params: SegmentationParams) -> list[_Leg]:
    """The strokes of at least `min_stroke_deg` as legs (`_Leg`). A stroke is small when it is under
    `leg_part_min` of both strokes next to it (the settle between a lift and the lowering; a set-up's small lift
    between another move and rep 1); each run of one direction is cut at its other strokes, a small stroke joining
    the next one in the run (small strokes after a run's last main one, legs off the pads or a creep on into a
    hold, belong to no leg); two legs of one direction with a hesitation between may be one (`_join_hesitations`)."""
    big = [s for s in strokes if abs(s.delta_deg) >= params.min_stroke_deg]
    size = np.abs([s.delta_deg for s in big])
    beside = np.fmin(np.append(np.nan, size[:-1]), np.append(size[1:], np.nan))  # the smaller neighbour
    main = ~(size < params.leg_part_min * beside)
    legs, first = [], 0
    for k, st in enumerate(big):
        if k > 0 and st.sign != big[k - 1].sign:
            first = k  # a new run of one direction
        if main[k]:
            legs.append(_Leg(st.onset_s, st.offset_s, polarity * big[first].angle_on_deg, polarity * st.angle_on_deg,
                             polarity * st.angle_off_deg, st.peak_speed_dps))
            first = k + 1
    return _join_hesitations(legs, params.leg_join_gap_s)


def _join_hesitations(legs: list[_Leg], gap_s: float) -> list[_Leg]:
    """Two legs of one direction less than `gap_s` apart are one (a hesitation, not a hold) where together they
    match the leg that answers them (a lift's lowering, a lowering's lift) better than either alone, by size or
    by the levels (the angle may drift during a long hold, which moves one or the other): a re-rack or sit-up
    right after the last lowering goes on past the set's bottom, and stays a move of its own."""
    out: list[_Leg] = []
    k = 0
    while k < len(legs):
        leg = legs[k]
        nxt = legs[k + 1] if k + 1 < len(legs) else None
        if nxt is not None and leg.delta_deg * nxt.delta_deg > 0 and nxt.onset_s - leg.offset_s < gap_s:
            joined = replace(leg, offset_s=nxt.offset_s, to_deg=nxt.to_deg,
                             peak_speed_dps=max(leg.peak_speed_dps, nxt.peak_speed_dps))
            answer = (legs[k + 2] if k + 2 < len(legs) else None) if leg.delta_deg > 0 else (out[-1] if out else None)
            if (answer is not None and answer.delta_deg * leg.delta_deg < 0
                    and any(m(joined, answer) < min(m(leg, answer), m(nxt, answer)) for m in (_mismatch, _misfit))):
                out.append(joined)
                k += 2
                continue
        out.append(leg)
        k += 1
    return out


def _misfit(leg: _Leg, answer: _Leg) -> float:
    """How far the sizes of `leg` and `answer` are apart, as a factor (|log| of their ratio)."""
    return abs(float(np.log(abs(leg.delta_deg) / abs(answer.delta_deg))))


def _mismatch(leg: _Leg, answer: _Leg) -> float:
    """How far (°) `answer` is from retracing `leg`: from where the leg ended back to where it started."""
    return abs(leg.from_deg - answer.to_deg) + abs(leg.to_deg - answer.from_deg)


def pair_reps(strokes: list[Stroke], polarity: int, params: SegmentationParams) -> list[RepSpan]:
    """Reps as a lift followed by a lowering that returns (`return_ratio`) to the level it started from and to
    that of the rep-sized neighbours, of a size near the set's rep range; all candidates at once. Lift and
    lowering are legs (`_legs`): out, hold, back, whatever moves of the same direction the hold holds."""
    legs = _legs(strokes, polarity, params)
    if len(legs) < 2:
        return []
    deltas = np.array([g.delta_deg for g in legs])
    up, down = deltas[:-1], deltas[1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = -down / up
    candidates = np.flatnonzero((up > 0) & (down < 0) & (params.return_ratio[0] <= ratio)
                                & (ratio <= params.return_ratio[1]))
    if not candidates.size:
        return []
    tops = np.array([g.to_deg for g in legs])[candidates]
    starts = np.array([g.start_deg for g in legs])[candidates]
    ends = np.array([g.to_deg for g in legs])[candidates + 1]
    ranges = tops - starts
    # the set's rep range: the median of the candidates near the median (not the 90th percentile, which one huge
    # stroke, standing up from the floor at the end of a short set, would own)
    mid = float(np.median(ranges))
    lo, hi = params.reference_band
    rom_ref = float(np.median(ranges[(ranges >= lo * mid) & (ranges <= hi * mid)]))
    tol = params.level_tol * rom_ref
    # The bottom level is compared locally (neighbouring reps) and about the set's drift line (`drift_slope`): a
    # heading-axis angle drifts slowly with the residual gyro bias, so a set-wide level would not hold over a long
    # set. Only rep-sized candidates give it (set-up and walking strokes start anywhere), consistent on either
    # side: at a set's edge the other side is set-up.
    rep_sized = np.flatnonzero((ranges >= params.rep_sized[0] * rom_ref) & (ranges <= params.rep_sized[1] * rom_ref))
    t_on = np.array([g.onset_s for g in legs])[candidates]
    slope = drift_slope(t_on[rep_sized], starts[rep_sized])
    starts = starts - slope * t_on
    ends = ends - slope * np.array([g.offset_s for g in legs])[candidates + 1]
    levels = np.fmin(np.abs(starts - _side_levels(starts, rep_sized, before=True)),
                     np.abs(starts - _side_levels(starts, rep_sized, before=False)))
    level_ok = ~(np.abs(ends - starts) > tol) & ~(levels > tol)  # NaN: no rep-sized neighbour, nothing to match
    smallest = params.min_rep_deg
    if rom_ref < params.min_rep_deg and len(rep_sized) >= params.small_set_reps:  # a set small throughout
        smallest = params.small_rep_deg
    size_ok = ~(ranges < max(params.partial_min * rom_ref, smallest)) & ~(ranges > params.max_range * rom_ref)
    return _spans(legs, candidates[level_ok & size_ok])


def _spans(legs: list[_Leg], chosen: np.ndarray) -> list[RepSpan]:
    """The reps of the chosen candidates (lift leg i, lowering leg i + 1); a rep's bottom pause ends at the next
    chosen rep's lift."""
    spans = []
    for k, i in enumerate(chosen):
        up_leg, down_leg = legs[i], legs[i + 1]
        nxt = legs[chosen[k + 1]].onset_s if k + 1 < len(chosen) else None
        spans.append(RepSpan((up_leg.onset_s, up_leg.offset_s), (down_leg.onset_s, down_leg.offset_s), nxt,
                             up_leg.start_deg, up_leg.to_deg, max(up_leg.peak_speed_dps, down_leg.peak_speed_dps),
                             down_leg.to_deg))
    return spans


def _side_levels(starts: np.ndarray, rep_sized: np.ndarray, before: bool) -> np.ndarray:
    """Per candidate j, the median start level of the (up to) two rep-sized candidates just before j (or just
    after it); NaN where there is none. `rep_sized` are sorted indices into `starts`."""
    j = np.arange(len(starts))
    if before:
        stop = np.searchsorted(rep_sized, j, side="left")
        first = np.maximum(stop - 2, 0)
    else:
        first = np.searchsorted(rep_sized, j, side="right")
        stop = np.minimum(first + 2, len(rep_sized))
    if not rep_sized.size:
        return np.full(len(starts), np.nan)
    last = len(rep_sized) - 1
    a = starts[rep_sized[np.minimum(first, last)]]
    b = starts[rep_sized[np.minimum(first + 1, last)]]
    count = stop - first
    return np.where(count >= 2, (a + b) / 2, np.where(count == 1, a, np.nan))  # the median of one or two


def drift_slope(t_s: np.ndarray, level_deg: np.ndarray) -> float:
    """The drift (°/s) of levels over time (sorted): the median slope between neighbours, so a set-up move's level
    is one outlier (0 with fewer than three levels)."""
    if len(t_s) < 3:
        return 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        slopes = np.diff(level_deg) / np.diff(t_s)
    slopes = slopes[np.isfinite(slopes)]
    return float(np.median(slopes)) if len(slopes) else 0.0
