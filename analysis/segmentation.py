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
position, so the inverted reading pairs one rep fewer. A rep is out, hold, back of legs (`_legs`), whatever pose
is held longest: an overshoot's settle and a set-up's small lift belong to the hold before the next leg.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np



@dataclass(frozen=True)
class Stroke:
    sign: int
    onset_s: float
    offset_s: float
    angle_on_deg: float
    angle_off_deg: float
    peak_speed_dps: float

    @property
    def delta_deg(self) -> float:
        return self.angle_off_deg - self.angle_on_deg


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
class StrokeParams:
    """Named defaults of the stroke finder (`find_strokes`); speeds in °/s, times in s."""

    floor_percentile: float = 20.0  # the noise floor: this percentile of |speed| (a set rests most of the time)
    ref_percentile: float = 99.0  # the set's movement speed
    floor_factor: float = 3.0  # moving: above this × the floor, ...
    ref_fraction: float = 0.04  # ... this share of the movement speed ...
    min_threshold_dps: float = 1.5  # ... and this
    merge_gap_s: float = 0.25  # a hesitation shorter than this inside one direction of travel is not a pause
    # the speed fit ends at this share of the stroke's peak (wide enough to average sway), ...
    edge_fit_fraction: float = 0.5
    fit_low_fraction: float = 0.1  # ... starts at this share (and above floor_factor × floor and fit_low_min_dps)
    fit_low_min_dps: float = 0.6
    walk_fraction: float = 0.5  # walking down a ramp from the threshold stops at this share of the fit's start
    max_speed_fit_shift_s: float = 0.15  # the speed fit may move a boundary this far beyond the quiet samples
    angle_fit_lo: float = 0.01  # the angle fit: from this share of the stroke's range ...
    angle_fit_hi: float = 0.06  # ... to this one ...
    angle_fit_lo_min_deg: float = 0.3  # ... but from at least this ...
    angle_fit_hi_min_deg: float = 1.0  # ... to at least this
    rest_min_s: float = 0.1  # a rest window shorter than this (or than rest_min_samples) is not trusted
    rest_min_samples: int = 4
    # the first rest window ends this far before the threshold crossing, or closer: this share of the ramp's rise
    # time (onset → half peak speed) before where the speed fit put the onset (a held pose may creep on slowly
    # right up to a fast stroke, and a window further out reads another level; a slow start is less sure), ...
    rest_gap_s: float = 0.35
    rest_gap_share: float = 0.1
    rest_window_s: float = 0.25  # ... and is this long
    refinements: int = 2  # the angle fit is repeated from the rest before its own estimate
    # a run of movement that turns the segment less than this (°), or than this share of the set's big strokes
    # (their 90th percentile), is tremor, sway or soft-tissue wobble: it belongs to the rest around it, which an
    # angle fit may read through it
    rest_travel_min_deg: float = 0.5
    rest_travel_fraction: float = 0.05
    rest_wander_factor: float = 1.0  # the angle fit's band starts at least this × the rest window's peak-to-peak
    # a held pose drifts (a squeeze at the top, settling at the bottom, postural sway): the rest is a line fitted
    # over its window and carried on through the stroke's edge, its slope weighted by how much of the window's
    # wandering the line explains (R²) to this power: a tremor or a noisy rest is not a drift
    rest_drift: float = 8.0
    max_angle_fit_shift_s: float = 0.6  # an angle fit moves a boundary at most this far
    # a turn back by this much (°) bounds a stroke (a stop's ringing, a rocking hold: 0.5–3°; tremor and sensor
    # noise stay under ~0.15°), looked for this far (s) on either side
    reversal_min_deg: float = 0.25
    reversal_window_s: float = 1.0
    rest_clearance_s: float = 0.05  # a repeated fit's rest window ends this far before the previous estimate
    # the powers a start may grow with (displacement ∝ time since onset ** p): 2 where the acceleration steps at
    # onset, 3 where the jerk does
    start_orders: tuple[float, float] = (2.0, 3.0)
    order_evidence: float = 2.0  # standard errors by which a start's read must differ from the cube's to count


@dataclass(frozen=True)
class SegmentationParams:
    """Named defaults of pairing strokes into reps and trimming the set's edges (shares of the set's rep range
    unless the name gives a unit)."""

    strokes: StrokeParams = StrokeParams()
    min_stroke_deg: float = 3.0
    # a stroke under this share of both strokes beside it is not a phase: the settle out of an overshoot (3–12 %
    # of the range) and a set-up's small lift (5–15 %) belong to the hold before the next stroke of their direction
    leg_part_min: float = 0.25
    # two strokes of one direction closer than this (s) are one leg (a hesitation: a held pause is longer, a clean
    # top pause at least 0.35 s)
    leg_join_gap_s: float = 0.35
    return_ratio: tuple[float, float] = (0.5, 2.0)  # a lowering returns between these multiples of its lift
    reference_band: tuple[float, float] = (0.5, 2.5)  # candidates within these × their median set the rep range
    rep_sized: tuple[float, float] = (0.5, 1.5)  # rep-sized candidates give the bottom level
    level_tol: float = 0.3  # reps start and end within this of the bottom level
    partial_min: float = 0.18
    max_range: float = 1.8  # a rep stays within this of the set's range
    # the smallest rep: a partial (40 %) glute bridge, the shortest range here (~20°), still turns the segment ~8°;
    # a set small throughout (a person's small reps, 5–25°) is still a set: at least `small_set_reps` excursions of
    # one size (a set-up move is one) may be as small as `small_rep_deg`, clearly more than a rocking hold or a
    # stop's ringing (0.5–3°, `StrokeParams`)
    min_rep_deg: float = 8.0
    small_rep_deg: float = 5.0
    small_set_reps: int = 3
    edge_min_range: float = 0.25  # the first and last rep reach this share (a settle: 5–15 %; a partial rep more)
    edge_full_range: float = 0.85  # (the partial-rep threshold of sensors/rules.py)
    edge_min_duration: float = 0.5  # ... or, short of that range, take at least this share of the rep duration
    edge_level_tol: float = 0.15  # ... and start and end within this share of it from the next reps' bottom level
    edge_half_range: float = 0.5  # ... and, short of half the range in a set that pauses at the top, hold at least
    edge_min_pause: float = 0.3  # this share of its pause (a deliberate rep holds the top; a settle does not)
    edge_paused_set_s: float = 0.3  # a set whose median top pause is at least this pauses at the top
    edge_neighbours: int = 3  # an edge rep starts at the bottom level of one of this many next reps


SEGMENTATION = SegmentationParams()


@dataclass(frozen=True)
class _Runs:
    """Merged runs of movement in one direction, one entry per run (arrays of equal length): samples [a, b),
    sign, the neighbours' bounds (previous run's end, 0 for the first; next run's start, n for the last), peak
    speed (°/s)."""

    a: np.ndarray
    b: np.ndarray
    sign: np.ndarray
    prev_end: np.ndarray
    next_start: np.ndarray
    peak: np.ndarray
    rest_from: np.ndarray | None = None  # where the rest before each run may begin: the previous real run's end
    rest_until: np.ndarray | None = None  # where the rest after it must end: the next real run's start


@dataclass(frozen=True)
class _SpeedEdges:
    """The runs' boundaries (s) from the √speed fits, whether each fit held, and the first and last sample at the
    fits' upper level (the rising edge ends, the falling edge starts there)."""

    onset_s: np.ndarray
    offset_s: np.ndarray
    on_fitted: np.ndarray
    off_fitted: np.ndarray
    rise_end: np.ndarray
    fall_start: np.ndarray


def _windows(start: np.ndarray, stop: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sample indices of the windows [start, stop) laid end to end, and the window each belongs to."""
    n = np.maximum(stop - start, 0)
    group = np.repeat(np.arange(len(n)), n)
    offsets = np.cumsum(n) - n
    return np.arange(int(n.sum())) - np.repeat(offsets - start, n), group


@dataclass(frozen=True)
class _Lines:
    """Least-squares lines, one per group: where each crosses y = 0, whether it exists, its slope and the slope's
    standard error."""

    zero: np.ndarray
    ok: np.ndarray
    slope: np.ndarray
    slope_se: np.ndarray


_FLAT_CORRELATION = 1e-9  # a line's |r| below this is rounding, not a slope (numerical, not a tuning number)


def _line_zeros(x: np.ndarray, y: np.ndarray, group: np.ndarray, k: int, min_points: int) -> _Lines:
    """Per group (0..k-1) of points, the least-squares line through (x, y); it exists with at least `min_points`,
    not flat, not vertical. Centred sums: times are thousands of s. Flat: every y equal, or a correlation at the
    sums' rounding (`_FLAT_CORRELATION`; equal ends, 2.1 2.5 2.1, leave a slope of ~1e-17 whose zero lies anywhere
    and whose sign is the summation order's)."""
    count = np.bincount(group, minlength=k)
    first = np.minimum(np.searchsorted(group, np.arange(k)), max(len(y) - 1, 0))
    varies = np.bincount(group, y != y[first[group]], minlength=k) > 0 if len(y) else np.zeros(k, dtype=bool)
    with np.errstate(invalid="ignore", divide="ignore"):
        xm = np.bincount(group, x, minlength=k) / count
        ym = np.bincount(group, y, minlength=k) / count
        dx, dy = x - xm[group], y - ym[group]
        sxx = np.bincount(group, dx * dx, minlength=k)
        sxy = np.bincount(group, dx * dy, minlength=k)
        slope = sxy / sxx
        syy = np.bincount(group, dy * dy, minlength=k)
        sloped = np.abs(sxy) > _FLAT_CORRELATION * np.sqrt(sxx * syy)
        ok = (count >= min_points) & varies & sloped & (sxx != 0.0) & (slope != 0.0) & np.isfinite(slope)
        residual = np.maximum(syy - slope * sxy, 0.0)
        slope_se = np.sqrt(residual / np.maximum(count - 2, 1) / sxx)
        return _Lines(np.where(ok, xm - ym / slope, np.nan), ok, slope, slope_se)


def _root_lines(t: np.ndarray, value: np.ndarray, group: np.ndarray, k: int, powers: tuple[float, ...],
                min_points: int) -> list[_Lines]:
    """Per power p, the lines of value ** (1 / p) against t (a start growing as τ^p is linear under the p-th root)."""
    return [_line_zeros(t, value ** (1.0 / p), group, k, min_points) for p in powers]


def _band(value: np.ndarray, group: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    return (value >= lo[group]) & (value <= hi[group])


def _shape_weight(t: np.ndarray, disp: np.ndarray, speed: np.ndarray, group: np.ndarray, k: int,
                  model_orders: np.ndarray, params: StrokeParams) -> np.ndarray:
    """Per group, how far the start's order reads from the square's model start (0) to the cube's (1): for
    displacement ∝ τ^p, displacement / speed = τ / p, so the ratio's slope against t reads 1/p. The cube (the
    minimum-jerk start of smooth human movement) stands unless the read differs from it by more than
    `order_evidence` standard errors: sway and tremor on a slow start's speed make the read noisy."""
    m = speed > 0.0  # noise can turn a slow start's speed back for a sample
    with np.errstate(invalid="ignore", divide="ignore"):
        shape = _line_zeros(t[m], disp[m] / speed[m], group[m], k, 3)
        slope, margin = np.abs(shape.slope), params.order_evidence * shape.slope_se
        order = 1.0 / np.clip(1.0 / model_orders[1], slope - margin, slope + margin)
        w = (order - model_orders[0]) / (model_orders[1] - model_orders[0])
    return np.where(shape.ok & np.isfinite(w), np.clip(w, 0.0, 1.0), 1.0)


def _angle_edges(t: np.ndarray, disp: np.ndarray, speed: np.ndarray, group: np.ndarray, k: int, lo: np.ndarray,
                 hi: np.ndarray, t_plateau: np.ndarray, params: StrokeParams) -> tuple[np.ndarray, np.ndarray]:
    """Per group, the onset (s) from the displacement over its band: each start order's line zero, moved by that
    order's model bias (a share of the time to `t_plateau`, where the ramp reaches half its peak speed), weighted
    by the order the start reads; and whether the fits held. Offsets: t reversed in sign by the caller."""
    m = _band(disp, group, lo, hi)
    t, disp, speed, group = t[m], disp[m], speed[m], group[m]
    fits = _root_lines(t, disp, group, k, params.start_orders, 4)
    _, angle_bias, model_orders = _fit_bias(params)
    moved = [f.zero - b * np.maximum(0.0, t_plateau - f.zero) for f, b in zip(fits, angle_bias)]
    w = _shape_weight(t, disp, speed, group, k, model_orders, params)
    return (1.0 - w) * moved[0] + w * moved[1], fits[0].ok & fits[1].ok


def _walk_down(absv: np.ndarray, start: np.ndarray, step: int, max_steps: np.ndarray, floor: np.ndarray
               ) -> np.ndarray:
    """Steps from `start` (direction `step`, ±1) while the speed keeps falling and stays above `floor`, at most
    `max_steps`: walking down a ramp. A falling stretch is monotonic, so the floor cuts it at a bisected point."""
    n = len(absv)
    # falls[q]: the step between samples q and q + 1 is downhill in the walking direction
    falls = absv[:-1] < absv[1:] if step < 0 else absv[1:] < absv[:-1]
    breaks = np.flatnonzero(~falls)  # the steps that end a walk
    first = start - 1 if step < 0 else start  # the walk's first step
    if step < 0:  # the nearest break at or before the first step, walking back
        at = np.searchsorted(breaks, first, side="right") - 1
        length = first - np.where(at >= 0, breaks[np.maximum(at, 0)] if len(breaks) else 0, -1)
    else:  # the nearest break at or after it, walking on
        at = np.searchsorted(breaks, first, side="left")
        length = np.where(at < len(breaks), breaks[np.minimum(at, len(breaks) - 1)] if len(breaks) else 0,
                          n - 1) - first
    length = np.clip(length, 0, np.maximum(max_steps, 0))
    lo, hi = np.zeros_like(length), length  # bisect the count of steps above the floor within the stretch
    while np.any(lo < hi):
        mid = (lo + hi + 1) // 2
        above = absv[np.clip(start + step * mid, 0, n - 1)] > floor
        lo, hi = np.where(above, mid, lo), np.where(above, hi, mid - 1)
    return lo


@lru_cache(maxsize=8)
def _fit_bias(params: StrokeParams) -> tuple[float, np.ndarray, np.ndarray]:
    """On the smoothest movement that starts with order p (velocity ∝ u^(p−1)·(1−u)^(p−1); p = 3 is Flash &
    Hogan's minimum-jerk model): where a fit puts its onset, as a signed fraction of its rise time to half the peak
    speed (− = early; the fits extrapolate a curved ramp with a line). Returns the √speed fit's bias on the cube's
    model, and per start order the angle fit's bias and the order its displacement/speed ratio reads over the
    angle fit's band."""
    u = np.linspace(0.0, 0.5, 10001)  # the rising half
    one = np.zeros(len(u), dtype=np.intp)
    speed_bias, angle_bias, reads = 0.0, [], []
    for p in params.start_orders:
        vel = (u * (1 - u)) ** (p - 1)
        vel /= 2 * np.trapezoid(vel, u)  # the whole movement (twice the rising half) covers 1
        pos = np.concatenate([[0.0], np.cumsum(0.5 * (vel[1:] + vel[:-1]) * np.diff(u))])
        peak = vel.max()
        rise = float(u[np.argmax(vel >= params.edge_fit_fraction * peak)])
        if p == params.start_orders[1]:
            at = _band(vel, one, np.array([params.fit_low_fraction * peak]),
                       np.array([params.edge_fit_fraction * peak]))
            speed_bias = float(_root_lines(u[at], vel[at], one[at], 1, (p - 1,), 3)[0].zero[0]) / rise
        at = _band(pos, one, np.array([params.angle_fit_lo]), np.array([params.angle_fit_hi]))
        angle_fit = _root_lines(u[at], pos[at], one[at], 1, (p,), 4)[0]
        shape = _line_zeros(u[at], pos[at] / vel[at], one[at], 1, 3)
        angle_bias.append(float(angle_fit.zero[0]) / rise)
        reads.append(1.0 / float(shape.slope[0]))
    return speed_bias, np.array(angle_bias), np.array(reads)


def find_strokes(t_s: np.ndarray, angle_deg: np.ndarray, speed_dps: np.ndarray, rate_hz: float,
                 params: StrokeParams = StrokeParams()) -> list[Stroke]:
    """Monotonic runs of movement with motion onset/offset refined to the instant the speed left/reached zero.
    Every step works on all runs at once (thousands in an hour-long recording)."""
    absv = np.abs(speed_dps)
    floor = float(np.percentile(absv, params.floor_percentile))
    ref = float(np.percentile(absv, params.ref_percentile))
    thr = max(params.floor_factor * floor, params.ref_fraction * ref, params.min_threshold_dps)
    runs = _movement_runs(t_s, speed_dps, absv, absv > thr, params)
    if len(runs.a) == 0:
        return []
    edges = _speed_edges(t_s, absv, runs, floor, params)
    runs = _with_rest_bounds(runs, angle_deg, params)
    # the shape of a start is read on the angle's own rate of change: central differences of the integrated raw
    # rate, unfiltered (the smoothed speed spreads a ramp's start to both sides, which reads as another order)
    turn_dps = np.gradient(angle_deg) * rate_hz if len(angle_deg) > 1 else np.zeros_like(angle_deg)
    onset, on_angle = _refine_onsets(t_s, angle_deg, turn_dps, runs, edges, rate_hz, params)
    offset, off_angle = _refine_offsets(t_s, angle_deg, turn_dps, runs, edges, rate_hz, params)
    # the speed fit extrapolates a curved ramp with a line: on the smoothest ramp of the order read that lands a
    # known fraction of the ramp's rise time (onset → half peak speed) too early / too late; take it back out
    # (the angle fits did so themselves)
    speed_bias = _fit_bias(params)[0]
    on_bias = np.where(on_angle | ~edges.on_fitted, 0.0, speed_bias)
    off_bias = np.where(off_angle | ~edges.off_fitted, 0.0, speed_bias)
    rise_s = np.maximum(0.0, t_s[edges.rise_end] - onset)
    fall_s = np.maximum(0.0, offset - t_s[edges.fall_start])
    onset, offset = _within_reversals(t_s, angle_deg, runs, onset - on_bias * rise_s, offset + off_bias * fall_s,
                                      rate_hz, params)
    onset, offset = _separate(onset, offset)
    a_on, a_off = np.interp(onset, t_s, angle_deg).tolist(), np.interp(offset, t_s, angle_deg).tolist()
    return [Stroke(*s) for s in zip(runs.sign.tolist(), onset.tolist(), offset.tolist(), a_on, a_off,
                                    runs.peak.tolist())]


def _movement_runs(t_s: np.ndarray, speed_dps: np.ndarray, absv: np.ndarray, moving: np.ndarray,
                   params: StrokeParams) -> _Runs:
    """Runs of `moving` split where the rotation reverses (no pause between lift and lowering), at least two
    samples long, with runs of one sign closer than `merge_gap_s` merged (a hesitation is not a pause)."""
    n = len(t_s)
    sign = np.sign(speed_dps)
    edge = np.diff(np.concatenate([[0], moving.astype(np.int8), [0]]))
    cut = np.zeros(n + 1, dtype=bool)
    cut[edge != 0] = True
    cut[1:n][moving[1:] & moving[:-1] & (sign[1:] != sign[:-1])] = True  # a reversal inside a moving run
    bounds = np.flatnonzero(cut)
    starts, stops = bounds[:-1], bounds[1:]
    keep = moving[starts] & (stops - starts >= 2)
    starts, stops = starts[keep], stops[keep]
    signs = sign[starts].astype(int)  # one sign per run, the sign of its sum
    joins = np.zeros(len(starts), dtype=bool)
    joins[1:] = (signs[1:] == signs[:-1]) & ((t_s[starts[1:]] - t_s[stops[:-1] - 1]) < params.merge_gap_s)
    first = np.flatnonzero(~joins)
    a, sgn = starts[first], signs[first]
    b = np.append(stops[first[1:] - 1], stops[-1:]) if len(first) else stops[:0]
    peaks = np.maximum.reduceat(np.append(absv, 0.0), np.column_stack([a, b]).ravel())[::2] if len(a) else absv[:0]
    return _Runs(a, b, sgn, np.concatenate([[0], b[:-1]]).astype(a.dtype), np.append(a[1:], n), peaks)


def _with_rest_bounds(runs: _Runs, angle_deg: np.ndarray, params: StrokeParams) -> _Runs:
    """`runs` with the bounds of the rests around each: the neighbouring runs that really move (`rest_travel_*`);
    the runs between are part of the rest."""
    travel = np.abs(angle_deg[runs.b - 1] - angle_deg[runs.a])
    moves = travel >= max(params.rest_travel_min_deg, params.rest_travel_fraction * float(np.percentile(travel, 90)))
    k = np.arange(len(runs.a))
    prev = np.maximum.accumulate(np.where(moves, k, -1))  # the last moving run at or before each
    prev = np.concatenate([[-1], prev[:-1]])  # ... strictly before
    nxt = np.minimum.accumulate(np.where(moves, k, len(k))[::-1])[::-1]
    nxt = np.concatenate([nxt[1:], [len(k)]])
    rest_from = np.where(prev >= 0, runs.b[np.maximum(prev, 0)], 0)
    rest_until = np.where(nxt < len(k), runs.a[np.minimum(nxt, len(k) - 1)], runs.next_start[-1])
    return replace(runs, rest_from=rest_from, rest_until=rest_until)


def _speed_edges(t_s: np.ndarray, absv: np.ndarray, runs: _Runs, floor: float, params: StrokeParams
                 ) -> _SpeedEdges:
    """Onsets and offsets where lines fitted to √speed over the runs' rising and falling edges reach zero."""
    n, k = len(t_s), len(runs.a)
    hi = params.edge_fit_fraction * runs.peak
    # the fit starts clear of postural sway/tremor (a few °/s at most) so it follows the movement's own ramp
    lo = np.maximum(np.maximum(params.floor_factor * floor, params.fit_low_fraction * runs.peak),
                    params.fit_low_min_dps)
    # rising edge: walk back from the threshold crossing down the ramp to just above the noise
    i0 = runs.a - _walk_down(absv, runs.a, -1, runs.a - runs.prev_end, params.walk_fraction * lo)
    i1 = runs.b + _walk_down(absv, runs.b - 1, 1, np.minimum(runs.next_start, n) - runs.b, params.walk_fraction * lo)
    # the rising edge ends where the speed first reaches `hi`, the falling edge starts where it last leaves it:
    # a controlled lowering has a long plateau whose noise must not enter the fits
    idx, group = _windows(runs.a, runs.b)
    at_hi = absv[idx] >= hi[group]
    hit_idx, hit_group = idx[at_hi], group[at_hi]
    rise_end = hit_idx[np.searchsorted(hit_group, np.arange(k), side="left")]
    fall_start = hit_idx[np.searchsorted(hit_group, np.arange(k), side="right") - 1]
    # the speed alone reads a start's order poorly (which root fits best flips with sway on the ramp): the speed
    # fit keeps the cube's, the minimum-jerk start (the second of start_orders)
    power = (params.start_orders[1] - 1.0,)
    idx, group = _windows(i0, rise_end + 1)
    m = _band(absv[idx], group, lo, hi)
    on = _root_lines(t_s[idx][m], absv[idx][m], group[m], k, power, 3)[0]
    idx, group = _windows(fall_start, i1)
    m = _band(absv[idx], group, lo, hi)
    off = _root_lines(t_s[idx][m], absv[idx][m], group[m], k, power, 3)[0]
    onset, on_ok, offset, off_ok = on.zero, on.ok, off.zero, off.ok
    # the fit may not move the boundary outside the quiet samples around the run, nor into the plateau
    t_lo_on, t_lo_off = t_s[i0], t_s[np.minimum(i1, n - 1)]
    shift = params.max_speed_fit_shift_s
    onset = np.where(on_ok, np.minimum(np.maximum(onset, t_lo_on - shift), t_s[rise_end]), t_lo_on)
    offset = np.where(off_ok, np.minimum(np.maximum(offset, t_s[fall_start]), t_lo_off + shift), t_lo_off)
    return _SpeedEdges(onset, offset, on_ok, off_ok, rise_end, fall_start)


@dataclass(frozen=True)
class _RestLines:
    """Per rest window, the line through its angles: mean time (s), mean angle (°), slope (°/s), and the
    peak-to-peak (°) of what is left about the line."""

    t_mid: np.ndarray
    level: np.ndarray
    slope: np.ndarray
    wander: np.ndarray

    def at(self, t_s: np.ndarray, group: np.ndarray) -> np.ndarray:
        """Each window's rest angle (°) carried to times `t_s` of its group."""
        return self.level[group] + self.slope[group] * (t_s - self.t_mid[group])


def _rest_lines(t_s: np.ndarray, angle_deg: np.ndarray, w0: np.ndarray, w1: np.ndarray,
                params: StrokeParams) -> _RestLines:
    """The rest before (or after) each stroke as a drifting level over its window [w0, w1) (see `rest_drift`)."""
    idx, group = _windows(w0, w1)
    k = len(w0)
    count = np.maximum(np.bincount(group, minlength=k), 1)
    t_mid = np.bincount(group, t_s[idx], minlength=k) / count
    level = np.bincount(group, angle_deg[idx], minlength=k) / count
    dt, dy = t_s[idx] - t_mid[group], angle_deg[idx] - level[group]
    sxx, total = np.bincount(group, dt * dt, minlength=k), np.bincount(group, dy * dy, minlength=k)
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = np.where(sxx > 0, np.bincount(group, dt * dy, minlength=k) / sxx, 0.0)
        r2 = np.where(total > 0, np.clip(slope ** 2 * sxx / total, 0.0, 1.0), 0.0)
    slope = slope * r2 ** params.rest_drift
    resid = dy - slope[group] * dt
    hi = np.full(k, -np.inf)
    lo = np.full(k, np.inf)
    np.maximum.at(hi, group, resid)
    np.minimum.at(lo, group, resid)
    return _RestLines(t_mid, level, slope, np.where(np.isfinite(hi - lo), hi - lo, 0.0))


def _above_wander(wander: np.ndarray, lo: np.ndarray, hi: np.ndarray, params: StrokeParams
                  ) -> tuple[np.ndarray, np.ndarray]:
    """The angle fit's band (°) lifted above what each rest window itself wanders about its line (peak-to-peak):
    a held pose that wavers by more than the band's start would put the start inside the wavering. The band
    keeps its ratio."""
    new_lo = np.maximum(lo, params.rest_wander_factor * wander)
    return new_lo, hi * new_lo / lo


def _angle_fit_levels(angle_deg: np.ndarray, runs: _Runs, params: StrokeParams) -> tuple[np.ndarray, np.ndarray]:
    """Per run, the displacement band (°) of the angle fit: shares of the run's range, with floors."""
    span = np.abs(angle_deg[runs.b - 1] - angle_deg[runs.a])
    return (np.maximum(params.angle_fit_lo * span, params.angle_fit_lo_min_deg),
            np.maximum(params.angle_fit_hi * span, params.angle_fit_hi_min_deg))


def _refine_onsets(t_s: np.ndarray, angle_deg: np.ndarray, turn_dps: np.ndarray, runs: _Runs, edges: _SpeedEdges,
                   rate_hz: float, params: StrokeParams) -> tuple[np.ndarray, np.ndarray]:
    """Where the segment rested before a stroke, its onset from the angle instead (it integrates sensor noise
    and sway away, so a slow movement's gentle start is found too); no rest (a reversal without a pause): the
    speed fit stands. The rest window sits just before the current estimate; a slow movement crosses the speed
    threshold long after it started, so the estimate is refined from where the previous one put the onset.
    Returns the onsets and whether the angle fit gave each."""
    d_lo, d_hi = _angle_fit_levels(angle_deg, runs, params)
    min_rest = max(params.rest_min_samples, int(params.rest_min_s * rate_hz))
    onset, fitted, end = edges.onset_s.copy(), np.zeros(len(runs.a), dtype=bool), edges.rise_end
    active = np.ones(len(runs.a), dtype=bool)
    clear = int(params.rest_clearance_s * rate_hz)
    rise_s = np.maximum(t_s[edges.rise_end] - edges.onset_s, 0.0)
    at_fit = np.searchsorted(t_s, edges.onset_s - params.rest_gap_share * rise_s) - clear
    anchor = np.minimum(runs.a - clear, np.maximum(runs.a - int(params.rest_gap_s * rate_hz), at_fit))
    for _ in range(params.refinements):
        # a window pushed back past the previous stroke keeps the shortest rest it can: a slow reversal's turn
        w1 = np.minimum(runs.a, np.maximum(anchor, runs.rest_from + min_rest))
        w0 = np.maximum(runs.rest_from, w1 - int(params.rest_window_s * rate_hz))
        active &= w1 - w0 >= min_rest
        sel = np.flatnonzero(active)
        if len(sel) == 0:
            break
        rest = _rest_lines(t_s, angle_deg, w0[sel], w1[sel], params)
        idx, group = _windows(w1[sel], end[sel] + 1)
        disp = runs.sign[sel][group] * (angle_deg[idx] - rest.at(t_s[idx], group))
        lo, hi = _above_wander(rest.wander, d_lo[sel], d_hi[sel], params)
        speed = runs.sign[sel][group] * (turn_dps[idx] - rest.slope[group])  # about the drifting rest, as disp
        fit, ok = _angle_edges(t_s[idx], disp, speed, group, len(sel), lo, hi, t_s[end[sel]], params)
        active[sel[~ok]] = False
        sel, fit = sel[ok], fit[ok]
        reach = np.maximum(fit, onset[sel] - params.max_angle_fit_shift_s)
        onset[sel] = np.minimum(np.maximum(reach, t_s[w1[sel]]), t_s[end[sel]])
        fitted[sel] = True
        # a fit inside its own rest window says the window already moved: the next one ends clear of the fit
        anchor[sel] = np.searchsorted(t_s, np.minimum(reach, onset[sel])) - int(params.rest_clearance_s * rate_hz)
    return onset, fitted


def _refine_offsets(t_s: np.ndarray, angle_deg: np.ndarray, turn_dps: np.ndarray, runs: _Runs, edges: _SpeedEdges,
                    rate_hz: float, params: StrokeParams) -> tuple[np.ndarray, np.ndarray]:
    """`_refine_onsets` for the offsets, from the rest after each stroke, backwards."""
    d_lo, d_hi = _angle_fit_levels(angle_deg, runs, params)
    min_rest = max(params.rest_min_samples, int(params.rest_min_s * rate_hz))
    offset, fitted, start = edges.offset_s.copy(), np.zeros(len(runs.a), dtype=bool), edges.fall_start
    active = np.ones(len(runs.a), dtype=bool)
    clear = int(params.rest_clearance_s * rate_hz)
    fall_s = np.maximum(edges.offset_s - t_s[edges.fall_start], 0.0)
    at_fit = np.searchsorted(t_s, edges.offset_s + params.rest_gap_share * fall_s) + clear
    anchor = np.maximum(runs.b + clear, np.minimum(runs.b + int(params.rest_gap_s * rate_hz), at_fit))
    for _ in range(params.refinements):
        w0 = np.maximum(runs.b, np.minimum(anchor, runs.rest_until - min_rest))
        w1 = np.minimum(runs.rest_until, w0 + int(params.rest_window_s * rate_hz))
        active &= w1 - w0 >= min_rest
        sel = np.flatnonzero(active)
        if len(sel) == 0:
            break
        rest = _rest_lines(t_s, angle_deg, w0[sel], w1[sel], params)
        idx, group = _windows(start[sel], w0[sel])
        disp = runs.sign[sel][group] * (rest.at(t_s[idx], group) - angle_deg[idx])
        # backwards in time: the offset is an onset of the reversed stroke
        lo, hi = _above_wander(rest.wander, d_lo[sel], d_hi[sel], params)
        speed = runs.sign[sel][group] * (turn_dps[idx] - rest.slope[group])
        fit, ok = _angle_edges(-t_s[idx], disp, speed, group, len(sel), lo, hi, -t_s[start[sel]], params)
        active[sel[~ok]] = False
        sel, fit = sel[ok], -fit[ok]
        reach = np.minimum(fit, offset[sel] + params.max_angle_fit_shift_s)
        offset[sel] = np.minimum(np.maximum(reach, t_s[start[sel]]), t_s[np.maximum(w0[sel] - 1, start[sel])])
        fitted[sel] = True
        anchor[sel] = np.searchsorted(t_s, np.maximum(reach, offset[sel])) + int(params.rest_clearance_s * rate_hz)
    return offset, fitted


def _within_reversals(t_s: np.ndarray, angle_deg: np.ndarray, runs: _Runs, onset: np.ndarray, offset: np.ndarray,
                      rate_hz: float, params: StrokeParams) -> tuple[np.ndarray, np.ndarray]:
    """A stroke ends no later than where the segment first turns back by `reversal_min_deg` after it (the peak
    before that turn: a hard stop rings, soft tissue and the bench, and a held pose rocks, and neither swing back
    is part of the stroke, wherever the fits put its end), and starts no earlier than the last such turn before
    it. Tremor and sensor noise turn the angle back by less; looked for within `reversal_window_s`."""
    w = max(2, int(params.reversal_window_s * rate_hz))
    late = _turned_back(t_s, angle_deg, runs.b - 1, runs.sign, w, params.reversal_min_deg, np.inf)
    # before a stroke, walking back in time: the stroke's direction reversed, so its last low is a peak
    early = _turned_back(t_s, angle_deg, runs.a, -runs.sign, -w, params.reversal_min_deg, -np.inf)
    return np.maximum(onset, early), np.minimum(offset, late)


def _turned_back(t_s: np.ndarray, angle_deg: np.ndarray, start: np.ndarray, sign: np.ndarray, w: int,
                 min_deg: float, none: float, block: int = 4096) -> np.ndarray:
    """Per start sample, walking |w| samples on (w < 0: back) with the angle signed by `sign`: the time of the
    running peak from which it first falls by `min_deg` (`none` where it does not). Blocks of starts bound the
    (starts × |w|) tables."""
    n, out = len(angle_deg), np.full(len(start), none)
    cols = np.arange(abs(w)) * (1 if w > 0 else -1)
    for i in range(0, len(start), block):
        at = np.clip(start[i:i + block, None] + cols, 0, n - 1)
        x = sign[i:i + block, None] * angle_deg[at]
        peak = np.maximum.accumulate(x, axis=1)
        back = peak - x >= min_deg
        rows = np.arange(len(x))
        first = np.argmax(back, axis=1)
        peak_at = np.argmax(x == peak[rows, first][:, None], axis=1)  # where that running peak was reached
        out[i:i + block] = np.where(back.any(axis=1), t_s[at[rows, peak_at]], none)
    return out


def _separate(onset: np.ndarray, offset: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Consecutive strokes must not overlap: a reversal without a pause meets in the middle (in order: a moved
    offset is what the next stroke is checked against)."""
    on, off = onset.tolist(), offset.tolist()
    for k in range(1, len(on)):
        if on[k] < off[k - 1]:
            on[k] = off[k - 1] = 0.5 * (on[k] + off[k - 1])
    return np.array(on), np.array(off)


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


def _pair_reps(strokes: list[Stroke], polarity: int, params: SegmentationParams) -> list[RepSpan]:
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
    # The bottom level is compared locally (neighbouring reps) and about the set's drift line (`_without_drift`): a
    # heading-axis angle drifts slowly with the residual gyro bias, so a set-wide level would not hold over a long
    # set. Only rep-sized candidates give it
    # (set-up and walking strokes start anywhere), consistent on either side: at a set's edge the other side is
    # set-up.
    rep_sized = np.flatnonzero((ranges >= params.rep_sized[0] * rom_ref) & (ranges <= params.rep_sized[1] * rom_ref))
    t_on = np.array([g.onset_s for g in legs])[candidates]
    slope = _drift_slope(t_on[rep_sized], starts[rep_sized])
    starts = starts - slope * t_on
    ends = ends - slope * np.array([g.offset_s for g in legs])[candidates + 1]
    levels = np.fmin(np.abs(starts - _side_levels(starts, rep_sized, before=True)),
                     np.abs(starts - _side_levels(starts, rep_sized, before=False)))
    level_ok = ~(np.abs(ends - starts) > tol) & ~(levels > tol)  # NaN: no rep-sized neighbour, nothing to match
    smallest = params.min_rep_deg
    if rom_ref < params.min_rep_deg and len(rep_sized) >= params.small_set_reps:  # a set small throughout
        smallest = params.small_rep_deg
    size_ok = ~(ranges < max(params.partial_min * rom_ref, smallest)) & ~(ranges > params.max_range * rom_ref)
    chosen = candidates[level_ok & size_ok]
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


@dataclass(frozen=True)
class _Rhythm:
    """The set's typical rep (medians): range (deg), duration from lift onset to lowering end, top pause (s)."""

    rom_deg: float
    duration_s: float
    top_pause_s: float


def _top_pause_s(span: RepSpan) -> float:
    return span.eccentric[0] - span.concentric[1]


def _is_setup(span: RepSpan, neighbours: list[RepSpan], ref: _Rhythm, p: SegmentationParams) -> bool:
    """An excursion at a set's edge that is much smaller than a rep; short of the range and much quicker than the
    set's reps; short of half the range and without the top pause they hold; or not starting at the bottom level
    of any of the next reps, or not ending there: set-up or re-rack (legs onto the pads, a settle), not a rep. A
    partial rep keeps the set's tempo, and a rep cut to less than half its range still holds the top; it starts
    from the bottom like the others. (A bounce starts the next rep before the lowering is down: that rep's bottom
    is higher, and the edge rep's lowering ends where it begins.)"""
    tol = p.edge_level_tol * ref.rom_deg
    duration = span.eccentric[1] - span.concentric[0]
    quick = duration < p.edge_min_duration * ref.duration_s
    unpaused = ref.top_pause_s >= p.edge_paused_set_s and _top_pause_s(span) < p.edge_min_pause * ref.top_pause_s
    small = span.range_deg < p.edge_min_range * ref.rom_deg
    short = span.range_deg < p.edge_full_range * ref.rom_deg
    half = span.range_deg < p.edge_half_range * ref.rom_deg
    starts_low = min(abs(span.bottom_deg - n.bottom_deg) for n in neighbours) <= tol
    ends_low = min(abs(span.end_deg - level) for level in (span.bottom_deg, neighbours[0].bottom_deg)) <= tol
    return small or (short and quick) or (half and unpaused) or not starts_low or not ends_low


def _trim_edges(spans: list[RepSpan], params: SegmentationParams) -> list[RepSpan]:
    """Drop set-up and re-rack excursions at either end of the set (`_is_setup`)."""
    if len(spans) < 3:
        return spans
    ref = _Rhythm(float(np.median([s.range_deg for s in spans])),
                  float(np.median([s.eccentric[1] - s.concentric[0] for s in spans])),
                  float(np.median([_top_pause_s(s) for s in spans])))
    n = params.edge_neighbours
    level = _without_drift(spans)
    first, last = 0, len(spans)  # the reps kept: [first, last)
    while last - first >= 3 and _is_setup(level[first], level[first + 1:first + 1 + n], ref, params):
        first += 1
    while last - first >= 3 and _is_setup(level[last - 1], level[max(first, last - 1 - n):last - 1][::-1], ref,
                                          params):
        last -= 1
    if last < len(spans):
        spans = spans[:last - 1] + [replace(spans[last - 1], next_onset_s=None)]
    return spans[first:]


def _drift_slope(t_s: np.ndarray, level_deg: np.ndarray) -> float:
    """The drift (°/s) of levels over time (sorted): the median slope between neighbours, so a set-up move's level
    is one outlier (0 with fewer than three levels)."""
    if len(t_s) < 3:
        return 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        slopes = np.diff(level_deg) / np.diff(t_s)
    slopes = slopes[np.isfinite(slopes)]
    return float(np.median(slopes)) if len(slopes) else 0.0


def _without_drift(spans: list[RepSpan]) -> list[RepSpan]:
    """The reps' levels about the set's drift line (`_drift_slope` of the bottom levels: the angle
    about a fixed axis drifts with the residual gyro bias and with turns off the axis that do not close; a real
    person's drifts by ~0.3 °/s), for comparing levels across the set; a set-up move keeps its own level."""
    slope = _drift_slope(np.array([s.concentric[0] for s in spans]), np.array([s.bottom_deg for s in spans]))
    return [replace(s, bottom_deg=s.bottom_deg - slope * s.concentric[0], top_deg=s.top_deg - slope * s.concentric[0],
                    end_deg=s.end_deg - slope * s.eccentric[1]) for s in spans]


def _bracket_rest_s(strokes: list[Stroke], spans: list[RepSpan], t_end: float) -> float:
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


def _in_mask(t_s: np.ndarray, mask: np.ndarray, t0: float, t1: float) -> bool:
    i0, i1 = np.searchsorted(t_s, [t0, t1])
    return bool(mask[i0:max(i1, i0 + 1)].any())


def _by_gravity(a: list[RepSpan], b: list[RepSpan], lift_vote: Callable | None, vote_min: float) -> bool | None:
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


def segment_reps(
    t_s: np.ndarray, angle_deg: np.ndarray, speed_dps: np.ndarray, rate_hz: float, keep: Callable | None = None,
    excluded: np.ndarray | None = None, params: SegmentationParams = SEGMENTATION,
    lift_vote: Callable | None = None, vote_min: float = 0.5,
) -> tuple[list[RepSpan], int]:
    """Reps of one set and the polarity (+1/−1) that makes the concentric a positive rotation.

    `excluded` (bool per sample of `t_s`) marks time that holds no rep (walking): its strokes are dropped before
    the reps are paired, so that a walk's many strides do not set the set's range. `keep` filters candidate
    reps (e.g. to those starting from the set's common pose). Polarity: gravity first, where `lift_vote` has a
    say (`_by_gravity`: the lift raises the segment); else the reading with
    more complete reps wins (the wrong one pairs each lowering with the next lift: one fewer); on a tie, the
    reading in which the lowering is clearly slower than the lift, else the one whose reps are bracketed by the
    longer rests (before the first lift, after the last lowering).
    """
    strokes = find_strokes(t_s, angle_deg, speed_dps, rate_hz, params.strokes)
    if excluded is not None:
        strokes = [st for st in strokes if not _in_mask(t_s, excluded, st.onset_s, st.offset_s)]
    readings = []
    for polarity in (1, -1):
        spans = _pair_reps(strokes, polarity, params)
        if keep is not None:
            spans = keep(spans)
        spans = _trim_edges(spans, params)
        rest = _bracket_rest_s(strokes, spans, float(t_s[-1])) if spans else -1.0
        readings.append((spans, polarity, rest))
    (a, pa, ra), (b, pb, rb) = readings
    by_gravity = _by_gravity(a, b, lift_vote, vote_min)
    if by_gravity is not None:
        return (a, pa) if by_gravity else (b, pb)
    if len(a) != len(b):
        return (a, pa) if len(a) >= len(b) else (b, pb)
    # Equal counts: prescribed tempos lower slower than they lift; when one reading clearly says so, trust it.
    ecc_over_con = _lowering_to_lifting(a)
    if ecc_over_con > 1.25:
        return a, pa
    if ecc_over_con < 0.8:
        return b, pb
    return (a, pa) if ra >= rb else (b, pb)

