"""Rep segmentation: movement angle → strokes (monotonic runs between stillness or reversals) → reps with phases.

A phase boundary is the instant the segment starts or stops moving. Thresholding the speed would mark it late in
the ramp, so each stroke's onset/offset is extrapolated: near a smooth start the speed grows about quadratically
with time, so √speed is close to linear; a line fitted to √speed over the rising edge (from just above the noise
floor to ~50 % of the stroke's peak) crosses zero at the onset. Offsets are fitted the same way, backwards.

Which way is "up" (concentric) is not known from a strapped-on sensor: both polarities are tried (reps start and
end at the same bottom level); a set begins and ends at rest in the start position, which decides between them.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

MERGE_GAP_S = 0.25  # a hesitation shorter than this inside one direction of travel is not a pause
MIN_STROKE_DEG = 3.0
LEVEL_TOL = 0.3  # reps start and end within this fraction of the set's range from the bottom level
PARTIAL_MIN = 0.18
# the smallest rep: a partial (40 %) glute bridge, the shortest range here (~20°), still turns the segment ~8°
MIN_REP_DEG = 8.0
EDGE_MIN_RANGE = 0.25  # the first and last rep reach this share of the range (a settle: 5–15 %; a partial rep more)
EDGE_FULL_RANGE = 0.85  # (the partial-rep threshold of sensors/rules.py)
EDGE_MIN_DURATION = 0.5  # ... or, when short of that range, take at least this share of the set's rep duration
EDGE_LEVEL_TOL = 0.15  # ... and start and end within this share of it from the next rep's bottom level
EDGE_HALF_RANGE = 0.5  # ... and, short of half the range in a set that pauses at the top, hold at least
EDGE_MIN_PAUSE = 0.3  # this share of its pause (a deliberate rep holds the top; a settle does not)
EDGE_PAUSED_SET_S = 0.3  # a set whose median top pause is at least this pauses at the top
ANGLE_FIT_LO, ANGLE_FIT_HI = 0.01, 0.06  # share of the stroke's range used for the angle fit
EDGE_FIT_FRACTION = 0.5  # fit √speed from 10 % up to this share of the stroke's peak: wide enough to average sway


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
    merge_gap_s: float = MERGE_GAP_S
    edge_fit_fraction: float = EDGE_FIT_FRACTION  # the speed fit ends at this share of the stroke's peak, ...
    fit_low_fraction: float = 0.1  # ... starts at this share (and above floor_factor × floor and fit_low_min_dps)
    fit_low_min_dps: float = 0.6
    walk_fraction: float = 0.5  # walking down a ramp from the threshold stops at this share of the fit's start
    max_speed_fit_shift_s: float = 0.15  # the speed fit may move a boundary this far beyond the quiet samples
    angle_fit_lo: float = ANGLE_FIT_LO  # the angle fit: from this share of the stroke's range ...
    angle_fit_hi: float = ANGLE_FIT_HI  # ... to this one ...
    angle_fit_lo_min_deg: float = 0.3  # ... but from at least this ...
    angle_fit_hi_min_deg: float = 1.0  # ... to at least this
    rest_min_s: float = 0.1  # a rest window shorter than this (or than rest_min_samples) is not trusted
    rest_min_samples: int = 4
    rest_gap_s: float = 0.35  # the first rest window ends this far before the threshold crossing, ...
    rest_window_s: float = 0.45  # ... and is this long
    refinements: int = 2  # the angle fit is repeated from the rest before its own estimate
    max_angle_fit_shift_s: float = 0.6  # an angle fit moves a boundary at most this far
    rest_clearance_s: float = 0.05  # a repeated fit's rest window ends this far before the previous estimate


@dataclass(frozen=True)
class _Run:
    """A merged run of movement in one direction: samples [a, b), sign, the neighbours' bounds, peak speed."""

    a: int
    b: int
    sign: int
    prev_end: int  # end of the previous run (0 for the first)
    next_start: int  # start of the next run (the signal's length for the last)
    peak: float


@dataclass(frozen=True)
class _SpeedEdges:
    """A run's boundaries from the √speed fits, with the samples the fits and the angle fits are bounded by."""

    onset_s: float
    offset_s: float
    on_fitted: bool
    off_fitted: bool
    rise_end: int  # first sample at the fit's upper level
    fall_start: int  # last sample at it


def _run_length(x: np.ndarray, floor: float) -> int:
    """How many steps from x[0] the values keep falling while staying above `floor` (walk down a ramp)."""
    ok = (x[1:] < x[:-1]) & (x[1:] > floor)
    return len(ok) if ok.all() else int(np.argmin(ok))


def _line_zero(x: np.ndarray, y: np.ndarray) -> float | None:
    """Where the least-squares line through (x, y) crosses y = 0 (closed form: this runs for every stroke edge).
    Sums as `ndarray.mean` does them (pairwise), without its overhead: this runs thousands of times per set."""
    xm, ym = np.add.reduce(x) / len(x), np.add.reduce(y) / len(y)
    dx = x - xm
    sxx = float(dx @ dx)
    if sxx == 0.0:
        return None
    slope = float(dx @ (y - ym)) / sxx
    if slope == 0.0 or not math.isfinite(slope):
        return None
    return float(xm - ym / slope)


def _edge_zero(t: np.ndarray, speed: np.ndarray, lo: float, hi: float) -> float | None:
    """Zero crossing of a line fitted to √speed for samples with lo ≤ speed ≤ hi (monotonic edge)."""
    m = (speed >= lo) & (speed <= hi)
    if np.count_nonzero(m) < 3:
        return None
    return _line_zero(t[m], np.sqrt(speed[m]))


def _edge_zero_angle(t: np.ndarray, disp: np.ndarray, lo: float, hi: float) -> float | None:
    """Zero crossing of a line fitted to ∛displacement for lo ≤ displacement ≤ hi: near a smooth start the
    displacement from rest grows with the cube of time, and the angle (an integral of the rate) carries far less
    noise than the speed. `t` may run backwards (offsets)."""
    m = (disp >= lo) & (disp <= hi)
    if np.count_nonzero(m) < 4:
        return None
    return _line_zero(t[m], np.cbrt(disp[m]))


def _rest_level(angle: np.ndarray, i0: int, i1: int, min_samples: int) -> float | None:
    """Median angle over a still window [i0, i1), or None when the window is too short to trust (the median as
    `np.median` gives it, from a sort: a tenth of its cost on these few samples)."""
    if i1 - i0 < min_samples:
        return None
    w = np.sort(angle[i0:i1])
    h = len(w) // 2
    if math.isnan(w[-1]):
        return math.nan
    return float(w[h]) if len(w) % 2 else float((w[h - 1] + w[h]) / 2)


def _clip(x: float, lo: float, hi: float) -> float:
    """`np.clip` of one number (hi wins when lo > hi), without an array's overhead."""
    return float(min(max(x, lo), hi))


@lru_cache(maxsize=8)
def _min_jerk_fit_bias(params: StrokeParams | None = None) -> tuple[float, float]:
    """Where the speed fit and the angle fit put the onset of an ideal minimum-jerk movement (Flash & Hogan's
    model of smooth human movement), as a signed fraction of its rise time to half the peak speed (− = early)."""
    params = params or StrokeParams()
    u = np.linspace(0.0, 0.5, 10001)  # the rising half
    pos = u**3 * (10 - 15 * u + 6 * u**2)
    vel = 30 * u**2 * (1 - u) ** 2
    peak = vel.max()
    speed_fit = _edge_zero(u, vel, params.fit_low_fraction * peak, params.edge_fit_fraction * peak)
    angle_fit = _edge_zero_angle(u, pos, params.angle_fit_lo, params.angle_fit_hi)
    rise = float(u[np.argmax(vel >= params.edge_fit_fraction * peak)])
    return float(speed_fit) / rise, float(angle_fit) / rise


def find_strokes(t_s: np.ndarray, angle_deg: np.ndarray, speed_dps: np.ndarray, rate_hz: float,
                 params: StrokeParams = StrokeParams()) -> list[Stroke]:
    """Monotonic runs of movement with motion onset/offset refined to the instant the speed left/reached zero."""
    absv = np.abs(speed_dps)
    floor = float(np.percentile(absv, params.floor_percentile))
    ref = float(np.percentile(absv, params.ref_percentile))
    thr = max(params.floor_factor * floor, params.ref_fraction * ref, params.min_threshold_dps)
    speed_bias, angle_bias = _min_jerk_fit_bias(params)
    strokes = []
    for run in _movement_runs(t_s, speed_dps, absv, absv > thr, params):
        edges = _speed_edges(t_s, absv, run, floor, params)
        onset, on_bias = _refine_onset(t_s, angle_deg, run, edges, rate_hz, params)
        offset, off_bias = _refine_offset(t_s, angle_deg, run, edges, rate_hz, params)
        on_bias = angle_bias if on_bias else speed_bias if edges.on_fitted else 0.0
        off_bias = angle_bias if off_bias else speed_bias if edges.off_fitted else 0.0
        # both fits extrapolate a curved ramp with a line: on a smooth (minimum-jerk) ramp that lands a known
        # fraction of the ramp's rise time (onset → half peak speed) too early / too late; take it back out
        rise_s = max(0.0, float(t_s[edges.rise_end]) - onset)
        fall_s = max(0.0, offset - float(t_s[edges.fall_start]))
        strokes.append((run.sign, onset - on_bias * rise_s, offset + off_bias * fall_s, run.peak))
    return _with_angles(t_s, angle_deg, _separate(strokes))


def _movement_runs(t_s: np.ndarray, speed_dps: np.ndarray, absv: np.ndarray, moving: np.ndarray,
                   params: StrokeParams) -> list[_Run]:
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
    a, b, sgn = starts[first], np.append(stops[first[1:] - 1], stops[-1:]) if len(first) else stops[:0], signs[first]
    peaks = np.maximum.reduceat(np.append(absv, 0.0), np.column_stack([a, b]).ravel())[::2] if len(a) else a
    prev_end = np.concatenate([[0], b[:-1]])
    next_start = np.append(a[1:], n)
    return [_Run(*v) for v in zip(a.tolist(), b.tolist(), sgn.tolist(), prev_end.tolist(), next_start.tolist(),
                                  peaks.tolist())]


def _speed_edges(t_s: np.ndarray, absv: np.ndarray, run: _Run, floor: float, params: StrokeParams) -> _SpeedEdges:
    """Onset and offset where lines fitted to √speed over the run's rising and falling edges reach zero."""
    a, b, n = run.a, run.b, len(t_s)
    hi = params.edge_fit_fraction * run.peak
    # the fit starts clear of postural sway/tremor (a few °/s at most) so it follows the movement's own ramp
    lo = max(params.floor_factor * floor, params.fit_low_fraction * run.peak, params.fit_low_min_dps)
    # rising edge: walk back from the threshold crossing down the ramp to just above the noise
    i0 = a - _run_length(absv[run.prev_end:a + 1][::-1], params.walk_fraction * lo)
    # the rising edge ends where the speed first reaches `hi`, the falling edge starts where it last leaves it:
    # a controlled lowering has a long plateau whose noise must not enter the fits
    above = np.flatnonzero(absv[a:b] >= hi)
    rise_end, fall_start = a + int(above[0]), a + int(above[-1])
    onset = _edge_zero(t_s[i0:rise_end + 1], absv[i0:rise_end + 1], lo, hi)
    i1 = b + _run_length(absv[b - 1:min(run.next_start, n)], params.walk_fraction * lo)
    offset = _edge_zero(t_s[fall_start:i1][::-1], absv[fall_start:i1][::-1], lo, hi)
    # the fit may not move the boundary outside the quiet samples around the run, nor into the plateau
    t_lo_on, t_lo_off = float(t_s[i0]), float(t_s[min(i1, n - 1)])
    shift = params.max_speed_fit_shift_s
    return _SpeedEdges(
        t_lo_on if onset is None else _clip(onset, t_lo_on - shift, t_s[rise_end]),
        t_lo_off if offset is None else _clip(offset, t_s[fall_start], t_lo_off + shift),
        onset is not None, offset is not None, rise_end, fall_start)


def _angle_fit_levels(angle_deg: np.ndarray, run: _Run, params: StrokeParams) -> tuple[float, float]:
    span = abs(float(angle_deg[run.b - 1] - angle_deg[run.a]))
    return (max(params.angle_fit_lo * span, params.angle_fit_lo_min_deg),
            max(params.angle_fit_hi * span, params.angle_fit_hi_min_deg))


def _refine_onset(t_s: np.ndarray, angle_deg: np.ndarray, run: _Run, edges: _SpeedEdges, rate_hz: float,
                  params: StrokeParams) -> tuple[float, bool]:
    """Where the segment rested before the stroke, the onset from the angle instead (it integrates sensor noise
    and sway away, so a slow movement's gentle start is found too); no rest (a reversal without a pause): the
    speed fit stands. The rest window sits just before the current estimate; a slow movement crosses the speed
    threshold long after it started, so the estimate is refined from where the previous one put the onset.
    Returns the onset and whether the angle fit gave it."""
    d_lo, d_hi = _angle_fit_levels(angle_deg, run, params)
    min_rest = max(params.rest_min_samples, int(params.rest_min_s * rate_hz))
    onset, fitted, end = edges.onset_s, False, edges.rise_end
    anchor = run.a - int(params.rest_gap_s * rate_hz)
    for _ in range(params.refinements):
        w1 = max(run.prev_end, min(anchor, run.a))
        w0 = max(run.prev_end, w1 - int(params.rest_window_s * rate_hz))
        rest = _rest_level(angle_deg, w0, w1, min_rest)
        if rest is None:
            break
        disp = run.sign * (angle_deg[w1:end + 1] - rest)
        fit = _edge_zero_angle(t_s[w1:end + 1], disp, d_lo, d_hi)
        if fit is None:
            break
        onset = _clip(fit, max(t_s[w1], onset - params.max_angle_fit_shift_s), t_s[end])
        fitted = True
        anchor = int(np.searchsorted(t_s, onset)) - int(params.rest_clearance_s * rate_hz)
    return onset, fitted


def _refine_offset(t_s: np.ndarray, angle_deg: np.ndarray, run: _Run, edges: _SpeedEdges, rate_hz: float,
                   params: StrokeParams) -> tuple[float, bool]:
    """`_refine_onset` for the offset, from the rest after the stroke, backwards."""
    d_lo, d_hi = _angle_fit_levels(angle_deg, run, params)
    min_rest = max(params.rest_min_samples, int(params.rest_min_s * rate_hz))
    offset, fitted, start = edges.offset_s, False, edges.fall_start
    anchor = run.b + int(params.rest_gap_s * rate_hz)
    for _ in range(params.refinements):
        w0 = min(run.next_start, max(anchor, run.b))
        w1 = min(run.next_start, w0 + int(params.rest_window_s * rate_hz))
        rest = _rest_level(angle_deg, w0, w1, min_rest)
        if rest is None:
            break
        disp = run.sign * (rest - angle_deg[start:w0])
        fit = _edge_zero_angle(t_s[start:w0][::-1], disp[::-1], d_lo, d_hi)
        if fit is None:
            break
        offset = _clip(fit, t_s[start], min(t_s[max(w0 - 1, start)], offset + params.max_angle_fit_shift_s))
        fitted = True
        anchor = int(np.searchsorted(t_s, offset)) + int(params.rest_clearance_s * rate_hz)
    return offset, fitted


def _separate(strokes: list[tuple[int, float, float, float]]) -> list[tuple[int, float, float, float]]:
    """Consecutive strokes must not overlap: a reversal without a pause meets in the middle."""
    fixed: list[list] = []
    for sign, on, off, peak in strokes:
        if fixed and on < fixed[-1][2]:
            mid = 0.5 * (on + fixed[-1][2])
            fixed[-1][2] = mid
            on = mid
        fixed.append([sign, on, off, peak])
    return [tuple(s) for s in fixed]


def _with_angles(t_s: np.ndarray, angle_deg: np.ndarray, strokes: list[tuple[int, float, float, float]]
                 ) -> list[Stroke]:
    """The strokes with the angle at their onset and offset."""
    if not strokes:
        return []
    on = np.interp([s[1] for s in strokes], t_s, angle_deg).tolist()
    off = np.interp([s[2] for s in strokes], t_s, angle_deg).tolist()
    return [Stroke(s[0], s[1], s[2], a_on, a_off, s[3]) for s, a_on, a_off in zip(strokes, on, off)]


def _pair_reps(strokes: list[Stroke], polarity: int) -> list[RepSpan]:
    big = [s for s in strokes if abs(s.delta_deg) >= MIN_STROKE_DEG]
    if len(big) < 2:
        return []
    deltas = np.array([polarity * s.delta_deg for s in big])
    candidates = []
    for i in range(len(big) - 1):
        up, down = deltas[i], deltas[i + 1]
        if up > 0 and down < 0 and 0.5 <= -down / up <= 2.0:
            candidates.append(i)
    if not candidates:
        return []
    ranges = np.array([deltas[i] for i in candidates])
    # the set's rep range: the median of the candidates near the median (not the 90th percentile, which one huge
    # stroke, standing up from the floor at the end of a short set, would own)
    mid = float(np.median(ranges))
    rom_ref = float(np.median(ranges[(ranges >= 0.5 * mid) & (ranges <= 2.5 * mid)]))
    tol = LEVEL_TOL * rom_ref
    starts = np.array([polarity * big[i].angle_on_deg for i in candidates])
    # only rep-sized candidates give the reference level: set-up and walking strokes start anywhere
    rep_sized = np.flatnonzero((ranges >= 0.5 * rom_ref) & (ranges <= 1.5 * rom_ref))
    reps = []
    for j, i in enumerate(candidates):
        up, down = big[i], big[i + 1]
        start_level = polarity * up.angle_on_deg
        end_level = polarity * down.angle_off_deg
        # The bottom level is compared locally (neighbouring reps): a heading-axis angle drifts slowly with the
        # residual gyro bias, so a set-wide level would not hold over a long set.
        # consistent with the rep-sized neighbours on either side: at a set's edge the other side is set-up
        before, after = rep_sized[rep_sized < j][-2:], rep_sized[rep_sized > j][:2]
        sides = [float(np.median(starts[n])) for n in (before, after) if len(n)]
        if abs(end_level - start_level) > tol or (sides and min(abs(start_level - b) for b in sides) > tol):
            continue
        if deltas[i] < max(PARTIAL_MIN * rom_ref, MIN_REP_DEG) or deltas[i] > 1.8 * rom_ref:
            continue
        reps.append((up, down))
    spans = []
    for k, (up, down) in enumerate(reps):
        nxt = reps[k + 1][0].onset_s if k + 1 < len(reps) else None
        spans.append(
            RepSpan(
                (up.onset_s, up.offset_s),
                (down.onset_s, down.offset_s),
                nxt,
                polarity * up.angle_on_deg,
                polarity * up.angle_off_deg,
                max(up.peak_speed_dps, down.peak_speed_dps),
                polarity * down.angle_off_deg,
            )
        )
    return spans


@dataclass(frozen=True)
class _Rhythm:
    """The set's typical rep (medians): range (deg), duration from lift onset to lowering end, top pause (s)."""

    rom_deg: float
    duration_s: float
    top_pause_s: float


def _top_pause_s(span: RepSpan) -> float:
    return span.eccentric[0] - span.concentric[1]


def _is_setup(span: RepSpan, neighbour: RepSpan, ref: _Rhythm) -> bool:
    """An excursion at a set's edge that is much smaller than a rep; short of the range and much quicker than the
    set's reps; short of half the range and without the top pause they hold; or not starting and ending at the next rep's bottom
    level: set-up or re-rack (legs onto the pads, a settle), not a rep. A partial rep keeps the set's tempo, and
    a rep cut to less than half its range still holds the top; it starts from the bottom like the others."""
    tol = EDGE_LEVEL_TOL * ref.rom_deg
    duration = span.eccentric[1] - span.concentric[0]
    quick = duration < EDGE_MIN_DURATION * ref.duration_s
    unpaused = ref.top_pause_s >= EDGE_PAUSED_SET_S and _top_pause_s(span) < EDGE_MIN_PAUSE * ref.top_pause_s
    small = span.range_deg < EDGE_MIN_RANGE * ref.rom_deg
    short = span.range_deg < EDGE_FULL_RANGE * ref.rom_deg
    half = span.range_deg < EDGE_HALF_RANGE * ref.rom_deg
    return (small or (short and quick) or (half and unpaused)
            or abs(span.bottom_deg - neighbour.bottom_deg) > tol or abs(span.end_deg - span.bottom_deg) > tol)


def _trim_edges(spans: list[RepSpan]) -> list[RepSpan]:
    """Drop set-up and re-rack excursions at either end of the set (`_is_setup`)."""
    if len(spans) < 3:
        return spans
    ref = _Rhythm(float(np.median([s.range_deg for s in spans])),
                  float(np.median([s.eccentric[1] - s.concentric[0] for s in spans])),
                  float(np.median([_top_pause_s(s) for s in spans])))
    while len(spans) >= 3 and _is_setup(spans[0], spans[1], ref):
        spans = spans[1:]
    while len(spans) >= 3 and _is_setup(spans[-1], spans[-2], ref):
        spans = spans[:-1]
        spans[-1] = replace(spans[-1], next_onset_s=None)
    return spans


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


def segment_reps(
    t_s: np.ndarray, angle_deg: np.ndarray, speed_dps: np.ndarray, rate_hz: float, keep: Callable | None = None
) -> tuple[list[RepSpan], int]:
    """Reps of one set and the polarity (+1/−1) that makes the concentric a positive rotation.

    `keep` filters candidate reps (e.g. to those starting from the set's common pose). Polarity: the reading with
    more complete reps wins (the wrong one pairs each lowering with the next lift: one fewer); on a tie, the
    reading in which the lowering is clearly slower than the lift, else the one whose reps are bracketed by the
    longer rests (before the first lift, after the last lowering).
    """
    strokes = find_strokes(t_s, angle_deg, speed_dps, rate_hz)
    readings = []
    for polarity in (1, -1):
        spans = _pair_reps(strokes, polarity)
        if keep is not None:
            spans = keep(spans)
        spans = _trim_edges(spans)
        rest = _bracket_rest_s(strokes, spans, float(t_s[-1])) if spans else -1.0
        readings.append((spans, polarity, rest))
    (a, pa, ra), (b, pb, rb) = readings
    if len(a) != len(b):
        return (a, pa) if len(a) >= len(b) else (b, pb)
    # Equal counts: prescribed tempos lower slower than they lift; when one reading clearly says so, trust it.
    ecc_over_con = _lowering_to_lifting(a)
    if ecc_over_con > 1.25:
        return a, pa
    if ecc_over_con < 0.8:
        return b, pb
    return (a, pa) if ra >= rb else (b, pb)

