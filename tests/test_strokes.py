"""find_strokes (vectorised over all runs) against a plain per-stroke reading of the same rules."""
import itertools

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from analysis.bodyframe import true_runs
from analysis.segmentation import StrokeParams, find_strokes
from analysis.stroke_edges import fit_bias
from sensors.simulation import PROFILE_SHAPES, Profile


def _line(x, y, min_points):
    """(zero, slope, RMS residual along x, slope's standard error) of the least-squares line, or None."""
    if len(x) < min_points or np.ptp(y) == 0.0:  # flat: all y equal (not a rounding-sized slope)
        return None
    xm, ym = x.mean(), y.mean()
    dx, dy = x - xm, y - ym
    sxx = float(dx @ dx)
    if sxx == 0.0:
        return None
    slope = float(dx @ dy) / sxx
    if abs(float(dx @ dy)) <= 1e-9 * np.sqrt(sxx * float(dy @ dy)) or not np.isfinite(slope):  # rounding, flat
        return None
    residual = max(float(dy @ dy) - slope * float(dx @ dy), 0.0)
    return (float(xm - ym / slope), slope, np.sqrt(residual / len(x)) / abs(slope),
            np.sqrt(residual / max(len(x) - 2, 1) / sxx))


def _speed_fit(t, v, lo, hi, p: StrokeParams):
    """The speed fit: the cube's root of the speed ((p−1)-th); (zero, its model bias) or None."""
    m = (v >= lo) & (v <= hi)
    fit = _line(t[m], v[m] ** (1 / (p.start_orders[1] - 1)), 3)
    return None if fit is None else (fit[0], fit_bias(p)[0])


def _angle_fit(t, d, v, lo, hi, t_plateau, p: StrokeParams):
    """The angle fit: both start orders' zeros moved by their model bias, blended by the order d/v reads."""
    m = (d >= lo) & (d <= hi)
    t, d, v = t[m], d[m], v[m]
    d_shape, v_shape, t_shape = d[v > 0], v[v > 0], t[v > 0]
    fits = [_line(t, d ** (1 / q), 4) for q in p.start_orders]
    if None in fits:
        return None
    _, angle_bias, reads = fit_bias(p)
    moved = [f[0] - b * max(0.0, t_plateau - f[0]) for f, b in zip(fits, angle_bias)]
    with np.errstate(invalid="ignore", divide="ignore"):
        shape = _line(t_shape, d_shape / v_shape, 3)
        if shape is None:
            w = 1.0
        else:
            margin = p.order_evidence * shape[3]
            order = 1 / float(np.clip(1 / reads[1], abs(shape[1]) - margin, abs(shape[1]) + margin))
            w = (order - reads[0]) / (reads[1] - reads[0])
    w = float(np.clip(w, 0, 1)) if np.isfinite(w) else 1.0
    return (1 - w) * moved[0] + w * moved[1]


def _walk(x, floor):
    ok = (x[1:] < x[:-1]) & (x[1:] > floor)
    return len(ok) if ok.all() else int(np.argmin(ok))


def _above_wander(wander, lo, hi, p: StrokeParams):
    """The angle fit's band lifted above the rest window's own peak-to-peak wander about its line."""
    new_lo = max(lo, p.rest_wander_factor * wander)
    return new_lo, hi * new_lo / lo


def _rest(t, angle, i0, i1, min_samples, p: StrokeParams):
    """The rest window's line (a function of time) and its wander about it; slope weighted by R² ** rest_drift."""
    if i1 - i0 < min_samples:
        return None, None, 0.0
    tt, y = t[i0:i1], angle[i0:i1]
    tm, ym = tt.mean(), y.mean()
    sxx = float(np.sum((tt - tm) ** 2))
    slope = float(np.sum((tt - tm) * (y - ym)) / sxx) if sxx > 0 else 0.0
    total = float(np.sum((y - ym) ** 2))
    r2 = min(max(slope ** 2 * sxx / total, 0.0), 1.0) if total > 0 else 0.0
    slope *= r2 ** p.rest_drift
    resid = y - ym - slope * (tt - tm)
    return (lambda x: ym + slope * (x - tm)), float(resid.max() - resid.min()), slope


def _last_turn(t, angle, i, step, sgn, rate_hz, p: StrokeParams):
    """Walking from sample i (step +1: after a stroke, −1: before it) within the reversal window, the extreme the
    segment turned back from by reversal_min_deg (±inf when it does not)."""
    best, best_i = None, None
    for q in range(max(2, int(p.reversal_window_s * rate_hz))):
        j = min(max(i + step * q, 0), len(angle) - 1)
        x = step * sgn * angle[j]  # after: the stroke's direction up (a peak); before: reversed (a low)
        if best is None or x > best:
            best, best_i = x, j
        elif best - x >= p.reversal_min_deg:
            return float(t[best_i])
    return np.inf if step > 0 else -np.inf


def reference_strokes(t_s, angle_deg, speed_dps, rate_hz, p: StrokeParams | None = None):
    """The stroke rules one stroke at a time, in loops (the implementation find_strokes replaced)."""
    p = p or StrokeParams()
    absv = np.abs(speed_dps)
    turn = np.gradient(angle_deg) * rate_hz if len(angle_deg) > 1 else np.zeros_like(angle_deg)
    floor = float(np.percentile(absv, p.floor_percentile))
    thr = max(p.floor_factor * floor, p.ref_fraction * float(np.percentile(absv, p.ref_percentile)),
              p.min_threshold_dps)
    runs = []
    for a, b in true_runs(absv > thr):
        bounds = [a, *(a + np.flatnonzero(np.diff(np.sign(speed_dps[a:b])) != 0) + 1), b]
        runs += [[s0, s1, int(np.sign(speed_dps[s0:s1].sum()))] for s0, s1 in itertools.pairwise(bounds)
                 if s1 - s0 >= 2]
    merged = []
    for run in runs:
        if merged and merged[-1][2] == run[2] and t_s[run[0]] - t_s[merged[-1][1] - 1] < p.merge_gap_s:
            merged[-1][1] = run[1]
        else:
            merged.append(run)
    n, out = len(t_s), []
    travel = [abs(float(angle_deg[b - 1] - angle_deg[a])) for a, b, _ in merged]
    moving_min = max(p.rest_travel_min_deg, p.rest_travel_fraction * float(np.percentile(travel, 90))) if merged else 0
    min_rest = max(p.rest_min_samples, int(p.rest_min_s * rate_hz))
    for k, (a, b, sgn) in enumerate(merged):
        prev_end = merged[k - 1][1] if k else 0
        next_start = merged[k + 1][0] if k + 1 < len(merged) else n
        rest_from = max([m[1] for m, tr in zip(merged[:k], travel[:k]) if tr >= moving_min], default=0)
        rest_until = min([m[0] for m, tr in zip(merged[k + 1:], travel[k + 1:]) if tr >= moving_min], default=n)
        peak = float(absv[a:b].max())
        hi, lo = p.edge_fit_fraction * peak, max(p.floor_factor * floor, p.fit_low_fraction * peak, p.fit_low_min_dps)
        i0 = a - _walk(absv[prev_end:a + 1][::-1], p.walk_fraction * lo)
        i1 = b + _walk(absv[b - 1:min(next_start, n)], p.walk_fraction * lo)
        above = np.flatnonzero(absv[a:b] >= hi)
        rise_end, fall_start = a + int(above[0]), a + int(above[-1])
        on = _speed_fit(t_s[i0:rise_end + 1], absv[i0:rise_end + 1], lo, hi, p)
        off = _speed_fit(t_s[fall_start:i1][::-1], absv[fall_start:i1][::-1], lo, hi, p)
        on, on_bias = on if on is not None else (None, 0.0)
        off, off_bias = off if off is not None else (None, 0.0)
        t_on, t_off = float(t_s[i0]), float(t_s[min(i1, n - 1)])
        on = t_on if on is None else float(np.clip(on, t_on - p.max_speed_fit_shift_s, t_s[rise_end]))
        off = t_off if off is None else float(np.clip(off, t_s[fall_start], t_off + p.max_speed_fit_shift_s))
        span = abs(float(angle_deg[b - 1] - angle_deg[a]))
        d_lo = max(p.angle_fit_lo * span, p.angle_fit_lo_min_deg)
        d_hi = max(p.angle_fit_hi * span, p.angle_fit_hi_min_deg)
        clear = int(p.rest_clearance_s * rate_hz)
        at_fit = int(np.searchsorted(t_s, on - p.rest_gap_share * max(float(t_s[rise_end]) - on, 0.0))) - clear
        anchor = min(a - clear, max(a - int(p.rest_gap_s * rate_hz), at_fit))
        for _ in range(p.refinements):
            w1 = min(a, max(anchor, rest_from + min_rest))
            w0 = max(rest_from, w1 - int(p.rest_window_s * rate_hz))
            rest, wander, drift = _rest(t_s, angle_deg, w0, w1, min_rest, p)
            seg = slice(w1, rise_end + 1)
            fit = None if rest is None else _angle_fit(
                t_s[seg], sgn * (angle_deg[seg] - rest(t_s[seg])), sgn * (turn[seg] - drift),
                *_above_wander(wander, d_lo, d_hi, p), float(t_s[rise_end]), p)
            if fit is None:
                break
            reach = max(fit, on - p.max_angle_fit_shift_s)
            on = float(min(max(reach, t_s[w1]), t_s[rise_end]))
            on_bias = 0.0
            anchor = int(np.searchsorted(t_s, min(reach, on))) - int(p.rest_clearance_s * rate_hz)
        at_fit = int(np.searchsorted(t_s, off + p.rest_gap_share * max(off - float(t_s[fall_start]), 0.0))) + clear
        anchor = max(b + clear, min(b + int(p.rest_gap_s * rate_hz), at_fit))
        for _ in range(p.refinements):
            w0 = max(b, min(anchor, rest_until - min_rest))
            w1 = min(rest_until, w0 + int(p.rest_window_s * rate_hz))
            rest, wander, drift = _rest(t_s, angle_deg, w0, w1, min_rest, p)
            seg = slice(fall_start, w0)
            fit = None if rest is None else _angle_fit(
                -t_s[seg], sgn * (rest(t_s[seg]) - angle_deg[seg]), sgn * (turn[seg] - drift),
                *_above_wander(wander, d_lo, d_hi, p), -float(t_s[fall_start]), p)
            if fit is None:
                break
            reach = min(-fit, off + p.max_angle_fit_shift_s)
            off = float(min(max(reach, t_s[fall_start]), t_s[max(w0 - 1, fall_start)]))
            off_bias = 0.0
            anchor = int(np.searchsorted(t_s, max(reach, off))) + int(p.rest_clearance_s * rate_hz)
        on -= on_bias * max(0.0, float(t_s[rise_end]) - on)
        off += off_bias * max(0.0, off - float(t_s[fall_start]))
        on, off = max(on, _last_turn(t_s, angle_deg, a, -1, sgn, rate_hz, p)), min(off, _last_turn(
            t_s, angle_deg, b - 1, 1, sgn, rate_hz, p))
        if out and on < out[-1][2]:
            out[-1][2] = on = 0.5 * (on + out[-1][2])
        out.append([sgn, on, off, peak])
    return [(s, on, off, float(np.interp(on, t_s, angle_deg)), float(np.interp(off, t_s, angle_deg)), pk)
            for s, on, off, pk in out]


def _signal(seed: int, n: int, rate_hz: float, rounded: bool):
    """Rest with noise and sway, and bursts of movement of either sign, some back to back (reversals)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / rate_hz + rng.uniform(0, 100)
    speed = rng.normal(0, rng.uniform(0.1, 3), n)
    for _ in range(int(rng.integers(0, 30))):
        c, w = rng.integers(0, n), int(rng.integers(5, 200))
        idx = np.arange(max(0, c - w), min(n, c + w))
        speed[idx] += rng.normal(0, 60) * np.sin(np.pi * (idx - c + w) / (2 * w)) ** 2
    speed = np.round(speed, 1) if rounded else speed  # ties and flat stretches
    return t, np.cumsum(speed) / rate_hz, speed


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(30, 5000), rate=st.sampled_from([50.0, 100.0, 104.0, 200.0]),
       rounded=st.booleans())
@example(seed=6727964, n=3364, rate=50.0, rounded=True)  # a band of equal speeds: flat, read exactly on both sides
def test_find_strokes_equals_the_per_stroke_rules(seed, n, rate, rounded):
    t, angle, speed = _signal(seed, n, rate, rounded)
    ours = [(s.sign, s.onset_s, s.offset_s, s.angle_on_deg, s.angle_off_deg, s.peak_speed_dps)
            for s in find_strokes(t, angle, speed, rate)]
    ref = reference_strokes(t, angle, speed, rate)
    assert [s[0] for s in ours] == [s[0] for s in ref]
    np.testing.assert_allclose(np.array(ours, dtype=float).reshape(-1, 6), np.array(ref, dtype=float).reshape(-1, 6),
                               rtol=1e-12, atol=1e-9)


def test_stroke_params_change_the_reading():
    t, angle, speed = _signal(3, 4000, 100.0, False)
    default = find_strokes(t, angle, speed, 100.0)
    assert default == find_strokes(t, angle, speed, 100.0, params=StrokeParams())
    merged = find_strokes(t, angle, speed, 100.0, params=StrokeParams(merge_gap_s=5.0))
    assert len(merged) < len(default)
    ref = reference_strokes(t, angle, speed, 100.0, StrokeParams(merge_gap_s=5.0, refinements=1))
    ours = find_strokes(t, angle, speed, 100.0, params=StrokeParams(merge_gap_s=5.0, refinements=1))
    np.testing.assert_allclose([s.onset_s for s in ours], [s[1] for s in ref], rtol=1e-12, atol=1e-9)


def test_no_movement_no_strokes():
    t = np.arange(500) / 100.0
    assert find_strokes(t, np.zeros(500), np.zeros(500), 100.0) == []


@pytest.mark.parametrize("shape", PROFILE_SHAPES)
@pytest.mark.parametrize("rate", [50.0, 100.0, 200.0])
def test_boundaries_are_motion_onsets_whatever_the_start_profile(shape, rate):
    """Rest, lift, hold, lower, rest with each onset family (a start whose acceleration steps, or whose jerk
    does): every boundary within 45 ms of the commanded one, with gyro-like noise on the speed."""
    rng = np.random.default_rng(7)
    t = np.arange(0, 9.0, 1 / rate)
    t0, lift_s, hold_s, lower_s, rom_deg = 1.5, 1.2, 1.0, 2.6, 45.0
    up, down = Profile(shape, 0.25, 0.2), Profile(shape, 0.15, 0.3)
    angle = rom_deg * (up.position(np.clip((t - t0) / lift_s, 0, 1))
                       - down.position(np.clip((t - t0 - lift_s - hold_s) / lower_s, 0, 1)))
    speed = np.gradient(angle, t) + rng.normal(0, 0.3, len(t))
    strokes = [s for s in find_strokes(t, angle, speed, rate) if abs(s.delta_deg) > 10]
    truth = [t0, t0 + lift_s, t0 + lift_s + hold_s, t0 + lift_s + hold_s + lower_s]
    found = [strokes[0].onset_s, strokes[0].offset_s, strokes[1].onset_s, strokes[1].offset_s]
    np.testing.assert_allclose(found, truth, atol=0.045)


@pytest.mark.parametrize("rate", [52.0, 104.0, 400.0])
def test_a_stop_that_rings_or_a_hold_that_rocks_bounds_the_stroke(rate):
    """A lowering that stops hard and rings (a damped 5 Hz swing back of 1.5°) ends by the stop, not where the
    ringing dies down; a hold that rocks back and forth (0.4° at 0.8 Hz) before a lift does not start it early;
    a 0.1° tremor (under `reversal_min_deg`) moves neither by more than a few samples."""
    t = np.arange(0, 8.0, 1 / rate)
    stop, lift = 3.0, 5.5
    ramp = np.clip((t - 1.5) / (stop - 1.5), 0, 1)
    angle = -30.0 * (ramp - np.sin(2 * np.pi * ramp) / (2 * np.pi))  # a smooth lowering
    after = np.clip(t - stop, 0, None)
    angle += np.where(t > stop, 1.5 * np.sin(2 * np.pi * 5.0 * after) * np.exp(-after / 0.3), 0.0)
    angle += np.where((t > stop + 1.0) & (t < lift), 0.4 * np.cos(2 * np.pi * 0.8 * (t - lift)) - 0.4, 0.0)
    angle += 30.0 * np.clip(t - lift, 0, 1) ** 2
    found = []
    for extra in (0.0, 0.1 * np.sin(2 * np.pi * 3.0 * t)):
        a = angle + extra
        strokes = [s for s in find_strokes(t, a, np.gradient(a, t), rate) if abs(s.delta_deg) > 10]
        assert stop - 0.15 < strokes[0].offset_s <= stop + 1.5 / rate
        assert strokes[1].onset_s > lift - 0.2
        found.append((strokes[0].offset_s, strokes[1].onset_s))
    np.testing.assert_allclose(found[0], found[1], atol=0.08)  # the fits read the tremor a little at 52 Hz


@pytest.mark.parametrize("rate", [25.0, 52.0, 104.0])
def test_an_overshoot_that_settles_back_does_not_start_the_next_lift(rate):
    """A lowering that overshoots the bottom and settles back by 1.5° (a small stroke of the lift's direction,
    part of the rest) then holds 0.4 s before a lift: the lift starts where it was commanded, not at the settle
    (a turning point is no reference level for a stroke with a rest between: the settle lies between them)."""
    t = np.arange(0, 8.0, 1 / rate)
    stop, settle_s, lift = 3.0, 0.2, 3.6
    down, up = Profile("min_jerk", 0.25, 0.25), Profile("min_jerk", 0.25, 0.25)
    angle = -30.0 * down.position(np.clip((t - 1.5) / (stop - 1.5), 0, 1))
    angle += 1.5 * up.position(np.clip((t - stop) / settle_s, 0, 1))
    angle += 28.5 * up.position(np.clip((t - lift) / 1.2, 0, 1))
    strokes = [s for s in find_strokes(t, angle, np.gradient(angle, t), rate) if abs(s.delta_deg) > 10]
    assert len(strokes) == 2
    assert abs(strokes[1].onset_s - lift) < 0.06
