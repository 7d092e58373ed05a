"""find_strokes (vectorised over all runs) against a plain per-stroke reading of the same rules."""
import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.bodyframe import true_runs
from analysis.segmentation import StrokeParams, _min_jerk_fit_bias, find_strokes


def _line_zero(x, y):
    xm, ym = x.mean(), y.mean()
    dx = x - xm
    sxx = float(dx @ dx)
    if sxx == 0.0:
        return None
    slope = float(dx @ (y - ym)) / sxx
    return None if slope == 0.0 or not np.isfinite(slope) else float(xm - ym / slope)


def _fit(t, v, lo, hi, root, min_points):
    m = (v >= lo) & (v <= hi)
    return _line_zero(t[m], root(v[m])) if m.sum() >= min_points else None


def _walk(x, floor):
    ok = (x[1:] < x[:-1]) & (x[1:] > floor)
    return len(ok) if ok.all() else int(np.argmin(ok))


def _rest(angle, i0, i1, min_samples):
    return float(np.median(angle[i0:i1])) if i1 - i0 >= min_samples else None


def reference_strokes(t_s, angle_deg, speed_dps, rate_hz, p: StrokeParams | None = None):
    """The stroke rules one stroke at a time, in loops (the implementation find_strokes replaced)."""
    p = p or StrokeParams()
    speed_bias, angle_bias = _min_jerk_fit_bias(p)
    absv = np.abs(speed_dps)
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
    min_rest = max(p.rest_min_samples, int(p.rest_min_s * rate_hz))
    for k, (a, b, sgn) in enumerate(merged):
        prev_end = merged[k - 1][1] if k else 0
        next_start = merged[k + 1][0] if k + 1 < len(merged) else n
        peak = float(absv[a:b].max())
        hi, lo = p.edge_fit_fraction * peak, max(p.floor_factor * floor, p.fit_low_fraction * peak, p.fit_low_min_dps)
        i0 = a - _walk(absv[prev_end:a + 1][::-1], p.walk_fraction * lo)
        i1 = b + _walk(absv[b - 1:min(next_start, n)], p.walk_fraction * lo)
        above = np.flatnonzero(absv[a:b] >= hi)
        rise_end, fall_start = a + int(above[0]), a + int(above[-1])
        on = _fit(t_s[i0:rise_end + 1], absv[i0:rise_end + 1], lo, hi, np.sqrt, 3)
        off = _fit(t_s[fall_start:i1][::-1], absv[fall_start:i1][::-1], lo, hi, np.sqrt, 3)
        on_bias, off_bias = (speed_bias if on is not None else 0.0), (speed_bias if off is not None else 0.0)
        t_on, t_off = float(t_s[i0]), float(t_s[min(i1, n - 1)])
        on = t_on if on is None else float(np.clip(on, t_on - p.max_speed_fit_shift_s, t_s[rise_end]))
        off = t_off if off is None else float(np.clip(off, t_s[fall_start], t_off + p.max_speed_fit_shift_s))
        span = abs(float(angle_deg[b - 1] - angle_deg[a]))
        d_lo = max(p.angle_fit_lo * span, p.angle_fit_lo_min_deg)
        d_hi = max(p.angle_fit_hi * span, p.angle_fit_hi_min_deg)
        anchor = a - int(p.rest_gap_s * rate_hz)
        for _ in range(p.refinements):
            w1 = max(prev_end, min(anchor, a))
            w0 = max(prev_end, w1 - int(p.rest_window_s * rate_hz))
            rest = _rest(angle_deg, w0, w1, min_rest)
            fit = None if rest is None else _fit(t_s[w1:rise_end + 1], sgn * (angle_deg[w1:rise_end + 1] - rest),
                                                 d_lo, d_hi, np.cbrt, 4)
            if fit is None:
                break
            on = float(np.clip(fit, max(t_s[w1], on - p.max_angle_fit_shift_s), t_s[rise_end]))
            on_bias = angle_bias
            anchor = int(np.searchsorted(t_s, on)) - int(p.rest_clearance_s * rate_hz)
        anchor = b + int(p.rest_gap_s * rate_hz)
        for _ in range(p.refinements):
            w0 = min(next_start, max(anchor, b))
            w1 = min(next_start, w0 + int(p.rest_window_s * rate_hz))
            rest = _rest(angle_deg, w0, w1, min_rest)
            fit = None if rest is None else _fit(t_s[fall_start:w0][::-1],
                                                 sgn * (rest - angle_deg[fall_start:w0])[::-1],
                                                 d_lo, d_hi, np.cbrt, 4)
            if fit is None:
                break
            off = float(np.clip(fit, t_s[fall_start], min(t_s[max(w0 - 1, fall_start)], off + p.max_angle_fit_shift_s)))
            off_bias = angle_bias
            anchor = int(np.searchsorted(t_s, off)) + int(p.rest_clearance_s * rate_hz)
        on -= on_bias * max(0.0, float(t_s[rise_end]) - on)
        off += off_bias * max(0.0, off - float(t_s[fall_start]))
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
