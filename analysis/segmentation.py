"""Rep segmentation: movement angle → strokes (monotonic runs between stillness or reversals) → reps with phases.

A phase boundary is the instant the segment starts or stops moving. Thresholding the speed would mark it late in
the ramp, so each stroke's onset/offset is extrapolated: near a smooth start the speed grows about quadratically
with time, so √speed is close to linear; a line fitted to √speed over the rising edge (from just above the noise
floor to ~50 % of the stroke's peak) crosses zero at the onset. Offsets are fitted the same way, backwards.

Which way is "up" (concentric) is not known from a strapped-on sensor: both polarities are tried (reps start and
end at the same bottom level); a set begins and ends at rest in the start position, which decides between them.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

import numpy as np

from analysis.bodyframe import true_runs

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


def _run_length(x: np.ndarray, floor: float) -> int:
    """How many steps from x[0] the values keep falling while staying above `floor` (walk down a ramp)."""
    ok = (x[1:] < x[:-1]) & (x[1:] > floor)
    return len(ok) if ok.all() else int(np.argmin(ok))


def _line_zero(x: np.ndarray, y: np.ndarray) -> float | None:
    """Where the least-squares line through (x, y) crosses y = 0 (closed form: this runs for every stroke edge)."""
    xm, ym = x.mean(), y.mean()
    dx = x - xm
    sxx = float(dx @ dx)
    if sxx == 0.0:
        return None
    slope = float(dx @ (y - ym)) / sxx
    if slope == 0.0 or not np.isfinite(slope):
        return None
    return float(xm - ym / slope)


def _edge_zero(t: np.ndarray, speed: np.ndarray, lo: float, hi: float) -> float | None:
    """Zero crossing of a line fitted to √speed for samples with lo ≤ speed ≤ hi (monotonic edge)."""
    m = (speed >= lo) & (speed <= hi)
    if m.sum() < 3:
        return None
    return _line_zero(t[m], np.sqrt(speed[m]))


def _edge_zero_angle(t: np.ndarray, disp: np.ndarray, lo: float, hi: float) -> float | None:
    """Zero crossing of a line fitted to ∛displacement for lo ≤ displacement ≤ hi: near a smooth start the
    displacement from rest grows with the cube of time, and the angle (an integral of the rate) carries far less
    noise than the speed. `t` may run backwards (offsets)."""
    m = (disp >= lo) & (disp <= hi)
    if m.sum() < 4:
        return None
    return _line_zero(t[m], np.cbrt(disp[m]))


def _rest_level(angle: np.ndarray, i0: int, i1: int, min_samples: int) -> float | None:
    """Median angle over a still window [i0, i1), or None when the window is too short to trust."""
    if i1 - i0 < min_samples:
        return None
    return float(np.median(angle[i0:i1]))


def _min_jerk_fit_bias() -> tuple[float, float]:
    """Where the speed fit and the angle fit put the onset of an ideal minimum-jerk movement (Flash & Hogan's
    model of smooth human movement), as a signed fraction of its rise time to half the peak speed (− = early)."""
    u = np.linspace(0.0, 0.5, 10001)  # the rising half
    pos = u**3 * (10 - 15 * u + 6 * u**2)
    vel = 30 * u**2 * (1 - u) ** 2
    peak = vel.max()
    speed_fit = _edge_zero(u, vel, 0.1 * peak, EDGE_FIT_FRACTION * peak)
    angle_fit = _edge_zero_angle(u, pos, ANGLE_FIT_LO, ANGLE_FIT_HI)
    rise = float(u[np.argmax(vel >= EDGE_FIT_FRACTION * peak)])
    return float(speed_fit) / rise, float(angle_fit) / rise


def find_strokes(t_s: np.ndarray, angle_deg: np.ndarray, speed_dps: np.ndarray, rate_hz: float) -> list[Stroke]:
    """Monotonic runs of movement with motion onset/offset refined to the instant the speed left/reached zero."""
    absv = np.abs(speed_dps)
    floor = float(np.percentile(absv, 20))
    ref = float(np.percentile(absv, 99))
    thr = max(3.0 * floor, 0.04 * ref, 1.5)
    moving = absv > thr
    runs = []
    for a, b in true_runs(moving):
        # split at reversals inside a moving run (no pause between lift and lowering)
        sgn = np.sign(speed_dps[a:b])
        cuts = np.flatnonzero(np.diff(sgn) != 0) + 1
        bounds = [a, *(a + cuts), b]
        for s0, s1 in zip(bounds[:-1], bounds[1:]):
            if s1 - s0 >= 2:
                runs.append([s0, s1, int(np.sign(np.sum(speed_dps[s0:s1])))])
    merged: list[list[int]] = []
    for run in runs:
        if merged and merged[-1][2] == run[2] and (t_s[run[0]] - t_s[merged[-1][1] - 1]) < MERGE_GAP_S:
            merged[-1][1] = run[1]
        else:
            merged.append(run)
    strokes = []
    n = len(t_s)
    for k, (a, b, sgn) in enumerate(merged):
        peak = float(absv[a:b].max())
        hi = EDGE_FIT_FRACTION * peak
        # the fit starts clear of postural sway/tremor (a few °/s at most) so it follows the movement's own ramp
        lo = max(3.0 * floor, 0.1 * peak, 0.6)
        # rising edge: walk back from the threshold crossing down the ramp to just above the noise
        prev_end = merged[k - 1][1] if k > 0 else 0
        i0 = a - _run_length(absv[prev_end:a + 1][::-1], 0.5 * lo)
        # the rising edge ends where the speed first reaches `hi`, the falling edge starts where it last leaves it:
        # a controlled lowering has a long plateau whose noise must not enter the fits
        above = np.flatnonzero(absv[a:b] >= hi)
        rise_end, fall_start = a + int(above[0]), a + int(above[-1])
        onset = _edge_zero(t_s[i0:rise_end + 1], absv[i0:rise_end + 1], lo, hi)
        next_start = merged[k + 1][0] if k + 1 < len(merged) else n
        i1 = b + _run_length(absv[b - 1:min(next_start, n)], 0.5 * lo)
        offset = _edge_zero(t_s[fall_start:i1][::-1], absv[fall_start:i1][::-1], lo, hi)
        t_lo_on = float(t_s[i0])
        t_lo_off = float(t_s[min(i1, n - 1)])
        # the fit may not move the boundary outside the quiet samples around the run, nor into the plateau
        on_bias = off_bias = SPEED_FIT_BIAS if onset is not None else 0.0
        off_bias = SPEED_FIT_BIAS if offset is not None else 0.0
        onset = t_lo_on if onset is None else float(np.clip(onset, t_lo_on - 0.15, t_s[rise_end]))
        offset = t_lo_off if offset is None else float(np.clip(offset, t_s[fall_start], t_lo_off + 0.15))
        # Where the segment rested before/after the stroke, refine with the angle instead: it integrates sensor
        # noise and sway away, so a slow lowering's gentle start and finish are found too. (No rest, e.g. a
        # reversal without a pause: the speed fit stands.)
        prev_end = merged[k - 1][1] if k > 0 else 0
        span = abs(float(angle_deg[b - 1] - angle_deg[a]))
        d_lo, d_hi = max(ANGLE_FIT_LO * span, 0.3), max(ANGLE_FIT_HI * span, 1.0)
        min_rest = max(4, int(0.1 * rate_hz))
        # The rest window sits just before the current onset estimate; a slow movement crosses the speed threshold
        # long after it started, so the estimate is refined twice from where the previous one put the onset.
        anchor = a - int(0.35 * rate_hz)
        for _ in range(2):
            w1 = max(prev_end, min(anchor, a))
            w0 = max(prev_end, w1 - int(0.45 * rate_hz))
            rest = _rest_level(angle_deg, w0, w1, min_rest)
            if rest is None:
                break
            disp = sgn * (angle_deg[w1:rise_end + 1] - rest)
            fit = _edge_zero_angle(t_s[w1:rise_end + 1], disp, d_lo, d_hi)
            if fit is None:
                break
            onset = float(np.clip(fit, max(t_s[w1], onset - 0.6), t_s[rise_end]))
            on_bias = ANGLE_FIT_BIAS
            anchor = int(np.searchsorted(t_s, onset)) - int(0.05 * rate_hz)
        anchor = b + int(0.35 * rate_hz)
        for _ in range(2):
            w0 = min(next_start, max(anchor, b))
            w1 = min(next_start, w0 + int(0.45 * rate_hz))
            rest = _rest_level(angle_deg, w0, w1, min_rest)
            if rest is None:
                break
            disp = sgn * (rest - angle_deg[fall_start:w0])
            fit = _edge_zero_angle(t_s[fall_start:w0][::-1], disp[::-1], d_lo, d_hi)
            if fit is None:
                break
            offset = float(np.clip(fit, t_s[fall_start], min(t_s[max(w0 - 1, fall_start)], offset + 0.6)))
            off_bias = ANGLE_FIT_BIAS
            anchor = int(np.searchsorted(t_s, offset)) + int(0.05 * rate_hz)
        # both fits extrapolate a curved ramp with a line: on a smooth (minimum-jerk) ramp that lands a known
        # fraction of the ramp's rise time (onset → half peak speed) too early / too late; take it back out
        rise_s = max(0.0, float(t_s[rise_end]) - onset)
        fall_s = max(0.0, offset - float(t_s[fall_start]))
        onset, offset = onset - on_bias * rise_s, offset + off_bias * fall_s
        strokes.append(Stroke(sgn, onset, offset, 0.0, 0.0, peak))
    # consecutive strokes must not overlap: a reversal without pause meets in the middle
    fixed = []
    for s in strokes:
        on, off = s.onset_s, s.offset_s
        if fixed and on < fixed[-1].offset_s:
            mid = 0.5 * (on + fixed[-1].offset_s)
            fixed[-1] = Stroke(fixed[-1].sign, fixed[-1].onset_s, mid, 0, 0, fixed[-1].peak_speed_dps)
            on = mid
        fixed.append(Stroke(s.sign, on, off, 0, 0, s.peak_speed_dps))
    out = []
    for s in fixed:
        a_on = float(np.interp(s.onset_s, t_s, angle_deg))
        a_off = float(np.interp(s.offset_s, t_s, angle_deg))
        out.append(Stroke(s.sign, s.onset_s, s.offset_s, a_on, a_off, s.peak_speed_dps))
    return out


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


SPEED_FIT_BIAS, ANGLE_FIT_BIAS = _min_jerk_fit_bias()
