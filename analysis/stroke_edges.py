"""A stroke's onset and offset: the instant the segment started or stopped moving, extrapolated from the ramp.

First from the speed (lines fitted to √speed over each run's rising and falling edges); then, where the segment
rested before (after) the stroke, from the angle's displacement from that rest, under the p-th root of each start
order p (2: the acceleration steps at onset; 3: the jerk does), weighted by the order the start reads. Each fit's
known bias on the smoothest movement of its order (`fit_bias`) is taken back out. All runs are fitted at once.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from analysis.line_fit import in_band, line_zeros, root_lines, windows
from analysis.segmentation_params import StrokeParams


@dataclass(frozen=True)
class Runs:
    """Merged runs of movement in one direction, one entry per run (arrays of equal length): samples [a, b),
    sign, the neighbours' bounds (previous run's end, 0 for the first; next run's start, n for the last), peak
    speed (°/s)."""

    a: np.ndarray
    b: np.ndarray
    sign: np.ndarray
    prev_end: np.ndarray
    next_start: np.ndarray
    peak: np.ndarray
    # where the rest before each run may begin and where the rest after it must end: the neighbouring runs that
    # really move (`strokes.with_rest_bounds`; the neighbours' bounds until then)
    rest_from: np.ndarray
    rest_until: np.ndarray


@dataclass(frozen=True)
class SpeedEdges:
    """The runs' boundaries (s) from the √speed fits, whether each fit held, and the first and last sample at the
    fits' upper level (the rising edge ends, the falling edge starts there)."""

    onset_s: np.ndarray
    offset_s: np.ndarray
    on_fitted: np.ndarray
    off_fitted: np.ndarray
    rise_end: np.ndarray
    fall_start: np.ndarray


def _shape_weight(t: np.ndarray, disp: np.ndarray, speed: np.ndarray, group: np.ndarray, k: int,
                  model_orders: np.ndarray, params: StrokeParams) -> np.ndarray:
    """Per group, how far the start's order reads from the square's model start (0) to the cube's (1): for
    displacement ∝ τ^p, displacement / speed = τ / p, so the ratio's slope against t reads 1/p. The cube (the
    minimum-jerk start of smooth human movement) stands unless the read differs from it by more than
    `order_evidence` standard errors: sway and tremor on a slow start's speed make the read noisy."""
    m = speed > 0.0  # noise can turn a slow start's speed back for a sample
    with np.errstate(invalid="ignore", divide="ignore"):
        shape = line_zeros(t[m], disp[m] / speed[m], group[m], k, 3)
        slope, margin = np.abs(shape.slope), params.order_evidence * shape.slope_se
        order = 1.0 / np.clip(1.0 / model_orders[1], slope - margin, slope + margin)
        w = (order - model_orders[0]) / (model_orders[1] - model_orders[0])
    return np.where(shape.ok & np.isfinite(w), np.clip(w, 0.0, 1.0), 1.0)


def _angle_edges(t: np.ndarray, disp: np.ndarray, speed: np.ndarray, group: np.ndarray, k: int, lo: np.ndarray,
                 hi: np.ndarray, t_plateau: np.ndarray, params: StrokeParams) -> tuple[np.ndarray, np.ndarray]:
    """Per group, the onset (s) from the displacement over its band: each start order's line zero, moved by that
    order's model bias (a share of the time to `t_plateau`, where the ramp reaches half its peak speed), weighted
    by the order the start reads; and whether the fits held. Offsets: t reversed in sign by the caller."""
    m = in_band(disp, group, lo, hi)
    t, disp, speed, group = t[m], disp[m], speed[m], group[m]
    fits = root_lines(t, disp, group, k, params.start_orders, 4)
    _, angle_bias, model_orders = fit_bias(params)
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
def fit_bias(params: StrokeParams) -> tuple[float, np.ndarray, np.ndarray]:
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
            at = in_band(vel, one, np.array([params.fit_low_fraction * peak]),
                       np.array([params.edge_fit_fraction * peak]))
            speed_bias = float(root_lines(u[at], vel[at], one[at], 1, (p - 1,), 3)[0].zero[0]) / rise
        at = in_band(pos, one, np.array([params.angle_fit_lo]), np.array([params.angle_fit_hi]))
        angle_fit = root_lines(u[at], pos[at], one[at], 1, (p,), 4)[0]
        shape = line_zeros(u[at], pos[at] / vel[at], one[at], 1, 3)
        angle_bias.append(float(angle_fit.zero[0]) / rise)
        reads.append(1.0 / float(shape.slope[0]))
    return speed_bias, np.array(angle_bias), np.array(reads)


def speed_edges(t_s: np.ndarray, absv: np.ndarray, runs: Runs, floor: float, params: StrokeParams
                 ) -> SpeedEdges:
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
    idx, group = windows(runs.a, runs.b)
    at_hi = absv[idx] >= hi[group]
    hit_idx, hit_group = idx[at_hi], group[at_hi]
    rise_end = hit_idx[np.searchsorted(hit_group, np.arange(k), side="left")]
    fall_start = hit_idx[np.searchsorted(hit_group, np.arange(k), side="right") - 1]
    # the speed alone reads a start's order poorly (which root fits best flips with sway on the ramp): the speed
    # fit keeps the cube's, the minimum-jerk start (the second of start_orders)
    power = (params.start_orders[1] - 1.0,)
    idx, group = windows(i0, rise_end + 1)
    m = in_band(absv[idx], group, lo, hi)
    on = root_lines(t_s[idx][m], absv[idx][m], group[m], k, power, 3)[0]
    idx, group = windows(fall_start, i1)
    m = in_band(absv[idx], group, lo, hi)
    off = root_lines(t_s[idx][m], absv[idx][m], group[m], k, power, 3)[0]
    onset, on_ok, offset, off_ok = on.zero, on.ok, off.zero, off.ok
    # the fit may not move the boundary outside the quiet samples around the run, nor into the plateau
    t_lo_on, t_lo_off = t_s[i0], t_s[np.minimum(i1, n - 1)]
    shift = params.max_speed_fit_shift_s
    onset = np.where(on_ok, np.minimum(np.maximum(onset, t_lo_on - shift), t_s[rise_end]), t_lo_on)
    offset = np.where(off_ok, np.minimum(np.maximum(offset, t_s[fall_start]), t_lo_off + shift), t_lo_off)
    return SpeedEdges(onset, offset, on_ok, off_ok, rise_end, fall_start)


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
    idx, group = windows(w0, w1)
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


def _angle_fit_levels(angle_deg: np.ndarray, runs: Runs, params: StrokeParams) -> tuple[np.ndarray, np.ndarray]:
    """Per run, the displacement band (°) of the angle fit: shares of the run's range, with floors."""
    span = np.abs(angle_deg[runs.b - 1] - angle_deg[runs.a])
    return (np.maximum(params.angle_fit_lo * span, params.angle_fit_lo_min_deg),
            np.maximum(params.angle_fit_hi * span, params.angle_fit_hi_min_deg))


def refine_onsets(t_s: np.ndarray, angle_deg: np.ndarray, turn_dps: np.ndarray, runs: Runs, edges: SpeedEdges,
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
        idx, group = windows(w1[sel], end[sel] + 1)
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


def refine_offsets(t_s: np.ndarray, angle_deg: np.ndarray, turn_dps: np.ndarray, runs: Runs, edges: SpeedEdges,
                    rate_hz: float, params: StrokeParams) -> tuple[np.ndarray, np.ndarray]:
    """`refine_onsets` for the offsets, from the rest after each stroke, backwards."""
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
        idx, group = windows(start[sel], w0[sel])
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
