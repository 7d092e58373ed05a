"""Vertical rise and concentric velocity of the sensor per rep: the velocity-based-training figures.

A belt sensor on the pelvis rides the bar's path on a hip thrust. Its gravity-removed vertical acceleration
(earth frame, from the orientation) is integrated within each rep between two zero-velocity holds: the bottom
hold before the lift and the top pause. The accelerometer's own bias (tens of mg) leaks into that vertical
acceleration by an amount that depends on the sensor's orientation, and the sensor turns 30–50° through the lift:
so the bottom hold's mean acceleration is subtracted, the top pause's (still again, it reads what the leak has
become) is subtracted in proportion to the lift's progress (its rotation from bottom to top), and the velocity is
forced to zero at the top hold by removing a linear ramp (what is left of a constant bias integrates to exactly
such a ramp). With an ideal accelerometer the first two corrections are zero. A rep without a top pause turns at the
top: the turn is the zero-velocity instant.

`rise_m` = mean height over the top pause − mean height over the last `bottom_window_s` before the lift;
mean concentric velocity = height change over the concentric / its duration; peak = the largest upward velocity
in the concentric.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.orientation import rotate_to_earth

G_MPS2 = 9.80665


@dataclass(frozen=True)
class RiseParams:
    """Named defaults of the per-rep integration."""

    bottom_window_s: float = 0.2  # the bottom hold's height is its mean over this window before the lift
    min_hold_s: float = 0.02  # shorter holds are taken at one instant
    min_top_hold_s: float = 0.3  # a top pause at least this long reads the turned bias
    # a still pelvis reads noise and sway (< 0.1 m/s² rms), the end of a lowering or a drive out of the bottom
    # 1 m/s² and more: a "hold" with more than this spread is the bounce of a rep whose bottom pause was misplaced
    max_hold_std_mps2: float = 0.5
    max_bridged_s: float = 0.25  # longer gaps between samples are pauses of the recording, not lost packets
    # a hold is read this far inside its boundaries: a boundary is known to tens of ms, and one moving sample read
    # as still (a push-off's full acceleration at a sharp onset) biases the whole integral
    hold_margin_s: float = 0.05
    rotate_block: int = 65536  # samples rotated to the earth frame at once (memory, not results)


@dataclass(frozen=True)
class RepRise:
    """Vertical rise (m) over a rep's lift and its concentric velocities (m/s)."""

    rise_m: float
    mean_concentric_velocity_mps: float
    peak_concentric_velocity_mps: float


def vertical_acceleration(quat_wxyz: np.ndarray, acc_mps2: np.ndarray, still: np.ndarray | None = None) -> np.ndarray:
    """(n,) gravity-removed vertical acceleration (m/s², earth up) of the sensor. With a `still` mask, the
    accelerometer's scale is calibrated on gravity: at rest it must read 9.80665 m/s²."""
    # a block of samples at a time: the rotation's (n,3) temporaries of an hour would be tens of megabytes each
    block = RiseParams.rotate_block
    up = np.concatenate([rotate_to_earth(quat_wxyz[i:i + block], acc_mps2[i:i + block])[:, 2]
                         for i in range(0, len(acc_mps2), block)] or [np.zeros(0)])
    if still is not None and still.sum() > 10:
        g_measured = float(np.median(np.linalg.norm(acc_mps2[still], axis=1)))
        if 0.8 * G_MPS2 < g_measured < 1.2 * G_MPS2:
            up = up * (G_MPS2 / g_measured)
    return up - G_MPS2


def rep_rise(t_s: np.ndarray, acc_up_mps2: np.ndarray, concentric: tuple[float, float],
             top_end_s: float, hold_start_s: float | None = None, params: RiseParams = RiseParams(),
             progress: np.ndarray | None = None, prev_top: tuple[float, float] | None = None) -> RepRise | None:
    """Rise and concentric velocity of one rep, from its lift onset, lift end and top-pause end (s), and where
    the bottom hold before it began (the previous lowering's end; None: a set-up hold); None when the samples do
    not cover the rep. A rep that bounces out of the bottom (a hold shorter than half `bottom_window_s`, or one
    whose acceleration is not still: `_held`) has no still instant there to start from: with `prev_top` (the previous
    rep's top pause, s) it is integrated from
    that hold instead (`_through_bounce`)."""
    c0, c1 = concentric
    b0 = c0 - params.bottom_window_s
    if hold_start_s is not None:
        b0 = min(c0, max(b0, hold_start_s))
    if prev_top is not None and progress is not None and not _held(t_s, acc_up_mps2, b0, c0, params):
        bounced = _through_bounce(t_s, acc_up_mps2, prev_top, concentric, top_end_s, params, progress)
        if bounced is not None:
            return bounced
    i0, i_end = np.searchsorted(t_s, [b0, top_end_s])
    if i0 <= 0 or i_end >= len(t_s) or i_end - i0 < 10 or c1 <= c0:
        return None
    t, a = t_s[i0:i_end + 1], acc_up_mps2[i0:i_end + 1]
    dt = float(np.median(np.diff(t)))
    bottom = t < _inside(b0, c0, params)[1]
    if c0 - b0 >= 0.5 * params.bottom_window_s:
        a = a - a[bottom].mean()  # a real hold: its mean acceleration is the bias
    top = _hold_mask(t, c1, top_end_s, params)
    if progress is not None and top_end_s - c1 >= params.min_top_hold_s:
        # the accelerometer's own bias turns with the sensor, so its vertical share changes through the lift: the
        # top pause (still again) reads what it has become; in between it follows the lift's progress
        a = a - float(a[top].mean()) * np.clip(progress[i0:i_end + 1], 0.0, 1.0)
    v = _integral(t, a, dt, params.max_bridged_s)
    t_top = float(t[top].mean())
    v_top = float(v[top].mean())
    v = v - v_top * np.clip((t - c0) / max(t_top - c0, dt), 0.0, None)
    z = _integral(t, v, dt, params.max_bridged_s)
    z_bottom = float(z[bottom].mean()) if bottom.any() else float(np.interp(c0, t, z))
    conc = (t >= c0) & (t <= c1)
    rise = float(z[top].mean()) - z_bottom
    mcv = (float(np.interp(c1, t, z)) - float(np.interp(c0, t, z))) / (c1 - c0)
    pcv = float(v[conc].max()) if conc.any() else mcv
    return RepRise(rise, mcv, pcv)


def lift_progress(angle_deg: np.ndarray, span) -> np.ndarray:
    """0 at the rep's bottom angle, 1 at its top (per sample, unclipped): how far the segment has turned (`span`: a
    `segmentation.RepSpan`), which is how the accelerometer bias's vertical share follows the lift."""
    return (angle_deg - span.bottom_deg) / max(span.top_deg - span.bottom_deg, 1e-6)


def range_fraction(rotation_fraction: float, rise_m: float | None, median_rise_m: float, held: bool,
                   min_rise_m: float) -> float:
    """A pelvis rep's range fraction in a hip-extension lift: its hip rise over the set's median rise where the rise
    was measured between two still holds (`held`: a top pause long enough to read the bias) in a set that rises
    at all (`min_rise_m`); else its rotation's fraction (`rotation_fraction`)."""
    if rise_m is None or not np.isfinite(rise_m) or not held or median_rise_m < min_rise_m:
        return float(rotation_fraction)
    return float(rise_m / median_rise_m)


def _integral(t: np.ndarray, x: np.ndarray, period_s: float, max_bridged_s: float) -> np.ndarray:
    """Running integral of `x` over the samples' real intervals (a lost packet's interval counts in full; host
    jitter cancels over the sum); a gap longer than a pause is counted as one period."""
    dt = np.diff(t, prepend=t[0] - period_s)
    dt = np.where((dt > 0) & (dt <= max_bridged_s), dt, period_s)
    return np.cumsum(x * dt)


def _held(t_s: np.ndarray, acc_up_mps2: np.ndarray, b0: float, c0: float, params: RiseParams) -> bool:
    """The bottom before a lift [b0, c0] (s) is a zero-velocity hold: long enough, and still."""
    if c0 - b0 < 0.5 * params.bottom_window_s:
        return False
    # read up to the onset (no margin): a hold that ends in motion is a bounce, whose integral starts elsewhere
    window = acc_up_mps2[np.searchsorted(t_s, c0 - params.bottom_window_s):np.searchsorted(t_s, c0)]
    return window.size < 3 or float(np.std(window)) <= params.max_hold_std_mps2


def _through_bounce(t_s: np.ndarray, acc_up_mps2: np.ndarray, prev_top: tuple[float, float],
                    concentric: tuple[float, float], top_end_s: float, params: RiseParams,
                    progress: np.ndarray) -> RepRise | None:
    """A bounced rep integrated from the previous top pause through the lowering and the bounce to this top.

    Out of a bounce the lowering's hard stop and the lift's drive are one acceleration pulse, and the instant the
    pelvis turns is a few samples wide: a zero velocity assumed at the lift's measured onset misses part of the
    pulse (at 52 Hz a ballistic rep's 0.3-s lift is 15 samples). Both top holds are still, so the velocity is
    zero there; the bias follows the sensor's turn as in `rep_rise` (the tops read it at the top pose), and its
    value at the bottom pose, which no hold reads, is the one that makes the velocity zero at both tops."""
    c0, c1 = concentric
    i0, i_end = np.searchsorted(t_s, [prev_top[0], top_end_s])
    if i0 <= 0 or i_end >= len(t_s) or i_end - i0 < 10 or c1 <= c0:
        return None
    t, a = t_s[i0:i_end + 1], acc_up_mps2[i0:i_end + 1]
    dt = float(np.median(np.diff(t)))
    p = np.clip(progress[i0:i_end + 1], 0.0, 1.0)
    prev, top = _hold_mask(t, *prev_top, params), _hold_mask(t, c1, top_end_s, params)
    b_prev = float(a[prev].mean()) if prev_top[1] - prev_top[0] >= params.min_top_hold_s else 0.0
    b_top = float(a[top].mean()) if top_end_s - c1 >= params.min_top_hold_s else b_prev
    a = a - np.where(t < c0, b_prev, b_top) * p

    def velocity(b_bottom: float) -> np.ndarray:
        v = _integral(t, a - b_bottom * (1.0 - p), dt, params.max_bridged_s)
        return v - v[prev].mean()

    v0, v1 = velocity(0.0), velocity(1.0)
    slope = float(v1[top].mean() - v0[top].mean())
    if abs(slope) < 1e-9:
        return None
    v = velocity(-float(v0[top].mean()) / slope)
    z = _integral(t, v, dt, params.max_bridged_s)
    z0 = float(np.interp(c0, t, z))
    conc = (t >= c0) & (t <= c1)
    mcv = (float(np.interp(c1, t, z)) - z0) / (c1 - c0)
    return RepRise(float(z[top].mean()) - z0, mcv, float(v[conc].max()) if conc.any() else mcv)


def _inside(h0: float, h1: float, params: RiseParams) -> tuple[float, float]:
    """A hold [h0, h1] (s) without `hold_margin_s` at each end, where it is long enough to spare them."""
    margin = params.hold_margin_s
    return (h0 + margin, h1 - margin) if h1 - h0 > 2 * margin + params.min_hold_s else (h0, h1)


def _hold_mask(t: np.ndarray, h0: float, h1: float, params: RiseParams) -> np.ndarray:
    """The samples of a hold [h0, h1] (s), read inside its margins; a hold too short for any: its middle sample."""
    h0, h1 = _inside(h0, h1, params)
    m = (t >= h0) & (t <= h1)
    if h1 - h0 < params.min_hold_s or m.sum() < 1:
        m = np.zeros(len(t), dtype=bool)
        m[int(np.clip(np.searchsorted(t, 0.5 * (h0 + h1)), 0, len(t) - 1))] = True
    return m


def velocity_loss_pct(mcv_mps: list[float | None], full_range: list[bool], min_best_mps: float = 0.05) -> float | None:
    """100 · (fastest full-range rep's mean velocity − the last full-range rep's) / fastest; None with fewer than
    two full-range reps or when the fastest is too slow to mean anything (seated abduction)."""
    vals = [v for v, full in zip(mcv_mps, full_range) if full and v is not None]
    if len(vals) < 2 or max(vals) < min_best_mps:
        return None
    best = max(vals)
    return 100.0 * (best - vals[-1]) / best


@dataclass(frozen=True)
class VelocityStop:
    """Where a set's velocity loss first reached the stop threshold: the rep (1-based) and the loss there (%)."""

    rep_index: int
    loss_pct: float


def velocity_stop(mcv_mps: list[float | None], full_range: list[bool], threshold_pct: float,
                  min_best_mps: float = 0.05) -> VelocityStop | None:
    """The first rep whose mean concentric velocity is down by `threshold_pct` or more from the fastest full-range
    rep before it (velocity-based training's stop rule); None when the set never gets there."""
    best = None
    for k, (v, full) in enumerate(zip(mcv_mps, full_range), start=1):
        if v is None or not full:
            continue
        if best is not None and best >= min_best_mps:
            loss = 100.0 * (best - v) / best
            if loss >= threshold_pct:
                return VelocityStop(k, loss)
        best = v if best is None else max(best, v)
    return None


def stop_cue(stop: VelocityStop) -> str:
    return f"Velocity down {stop.loss_pct:.0f} %: end the set."


def with_velocity_stop(report, threshold_pct: float):
    """`report` (a `SetReport`) with the stop cue on the rep where the velocity loss first reached the threshold."""
    from dataclasses import replace

    mcv = [r.mean_concentric_velocity_mps for r in report.reps]
    stop = velocity_stop(mcv, ["partial_rom" not in r.faults for r in report.reps], threshold_pct)
    if stop is None:
        return report
    reps = tuple(replace(r, cues=r.cues + (stop_cue(stop),)) if r.index == stop.rep_index else r
                 for r in report.reps)
    return replace(report, reps=reps)
