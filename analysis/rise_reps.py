"""Reps the pelvis's rotation misses: a lumbar arch lifts the hips fully while the pelvis barely turns.

On a hip thrust or a bridge with an arched lower back the lumbar spine extends instead of the hip, so the belt
sensor rotates by a few degrees where a clean rep turns it by 30° or more — too little for the rotation-based
segmentation to see — yet the pelvis still rises the full height. So between two reps that are further apart
than the set's rhythm allows (and after the last), the sensor's vertical travel is integrated from one bottom
hold to the next (zero velocity at both, the drift removed linearly); a rise of at least a third of the set's
median rise (a partial rep goes part-way), lowered back, starting and ending in the set's start pose, is a rep.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from analysis.orientation import up_at
from analysis.segmentation import RepSpan


@dataclass(frozen=True)
class RiseRepParams:
    min_rise_frac: float = 0.3  # of the set's median rise: an arch lifts fully, a partial rep part-way
    min_gap_frac: float = 0.8  # a gap between reps shorter than this × the median rep duration holds no rep
    edge_window_frac: float = 1.5  # after the last rep, look this × the median rep duration further
    onset_frac: float = 0.1  # motion boundaries where the vertical acceleration passes 10 % of its peak
    settle_s: float = 0.4  # the braking at the bottom ends within this after the height is back down
    max_gap_s: float = 0.5  # a window with a longer hole in its samples is not integrated
    window_margin_s: float = 0.15  # kept clear of the neighbouring reps' boundaries (their onset already moves)
    pose_tol_deg: float = 20.0  # start and end within this of the set's start pose (gravity in the sensor frame)


RISE_REPS = RiseRepParams()


def _travel(t: np.ndarray, acc_up: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vertical velocity (m/s) and height (m) over a window that starts and ends at rest: both zero at the ends
    (the mean acceleration over the window is bias; what is left integrates to ramps, removed linearly)."""
    dt = np.gradient(t)
    v = np.cumsum((acc_up - np.mean(acc_up)) * dt)
    v -= np.linspace(0.0, v[-1], len(v))
    z = np.cumsum(v * dt)
    return v, z - np.linspace(0.0, z[-1], len(z))


def _last_below(x: np.ndarray, level: float, before: int) -> int | None:
    idx = np.flatnonzero(x[:before] < level)
    return int(idx[-1]) if idx.size else None


def _first_below(x: np.ndarray, level: float, after: int) -> int | None:
    idx = np.flatnonzero(x[after:] < level)
    return after + int(idx[0]) if idx.size else None


def _rep_in(t: np.ndarray, acc_up: np.ndarray, min_rise_m: float, params: RiseRepParams) -> tuple | None:
    """(c0, c1, e0, e1) of one rise-hold-lower in the window, or None. The integrated height finds the rep; its
    boundaries come from the acceleration itself (no integration drift): the lift runs from where the upward
    push first exceeds `onset_frac` of its peak to where the braking at the top has died down to that fraction
    of its own peak, the lowering likewise (the drop, then the braking at the bottom)."""
    _, z = _travel(t, acc_up)
    k = int(np.argmax(z))
    if z[k] < min_rise_m or k < 2 or k > len(z) - 3:
        return None
    a = acc_up - np.median(acc_up)
    back_low = np.flatnonzero(z[k:] < params.onset_frac * z[k])
    if not back_low.size or z[:k].min() > params.onset_frac * z[k]:
        return None  # no rest before the lift, or no return to it: not a rep
    end = min(len(a), k + int(back_low[0]) + int(np.searchsorted(t - t[0], params.settle_s)))
    push = int(np.argmax(a[:k]))
    brake = push + int(np.argmin(a[push:k + 1]))
    drop = k + int(np.argmin(a[k:end]))
    stop = drop + int(np.argmax(a[drop:end]))
    f = params.onset_frac
    c0 = _last_below(a, f * a[push], push + 1)
    c1 = _first_below(-a, -f * a[brake], brake)
    e0 = _last_below(-a, -f * a[drop], drop + 1)
    e1 = _first_below(a, f * a[stop], stop)
    if c1 is None or e0 is None or c1 > e0:  # no top pause: the lift's braking is the lowering's drop
        c1 = e0 = k
    if c0 is None or e1 is None or not c0 < c1 <= e0 < e1:
        return None
    return float(t[c0]), float(t[c1]), float(t[e0]), float(t[e1])


def missed_reps(t_s: np.ndarray, acc_up_mps2: np.ndarray, quat_wxyz: np.ndarray, grid_t_s: np.ndarray,
                angle_deg: np.ndarray, spans: list[RepSpan], median_rise_m: float,
                params: RiseRepParams = RISE_REPS) -> list[RepSpan]:
    """Reps found by their rise in the gaps of `spans` and after the last one (sorted; may be empty)."""
    if len(spans) < 2 or not np.isfinite(median_rise_m) or median_rise_m <= 0:
        return []
    durations = [s.eccentric[1] - s.concentric[0] for s in spans]
    rep_s = float(np.median(durations))
    windows = [(a.eccentric[1], b.concentric[0]) for a, b in zip(spans, spans[1:])]
    windows.append((spans[-1].eccentric[1], min(float(t_s[-1]), spans[-1].eccentric[1] + params.edge_window_frac
                                                 * rep_s)))
    pose = _start_pose(t_s, quat_wxyz, spans)
    found = []
    for w0, w1 in windows:
        if w1 - w0 < params.min_gap_frac * rep_s:
            continue
        i0, i1 = np.searchsorted(t_s, [w0 + params.window_margin_s, w1 - params.window_margin_s])
        if i1 - i0 < 10:
            continue
        t = t_s[i0:i1]
        if np.max(np.diff(t)) > params.max_gap_s:
            continue  # samples missing: nothing is integrated across a gap
        rep = _rep_in(t, acc_up_mps2[i0:i1], params.min_rise_frac * median_rise_m, params)
        # from and back to the start pose, and the window too ends there: after the last rep the lifter may be
        # standing up (the hips rise for good, which the integration would fold into a fake lowering)
        if rep is None or not _in_pose(t_s, quat_wxyz, (rep[0], rep[3], float(t[-1])), pose, params):
            continue
        found.append(_span(rep, grid_t_s, angle_deg))
    return found


def _start_pose(t_s: np.ndarray, quat_wxyz: np.ndarray, spans: list[RepSpan]) -> np.ndarray:
    ref = np.median(up_at(t_s, quat_wxyz, [s.concentric[0] for s in spans]), axis=0)
    return ref / np.linalg.norm(ref)


def _in_pose(t_s, quat_wxyz, times: tuple[float, ...], pose: np.ndarray, params: RiseRepParams) -> bool:
    up = up_at(t_s, quat_wxyz, times)
    up /= np.linalg.norm(up, axis=1, keepdims=True)
    return bool(np.all(up @ pose > np.cos(np.radians(params.pose_tol_deg))))


def _span(rep: tuple, grid_t_s: np.ndarray, angle_deg: np.ndarray) -> RepSpan:
    c0, c1, e0, e1 = rep
    at = lambda x: float(np.interp(x, grid_t_s, angle_deg))  # noqa: E731
    m = (grid_t_s >= c0) & (grid_t_s <= e0)
    top = float(np.max(angle_deg[m])) if m.any() else at(c1)
    speed = np.abs(np.gradient(angle_deg[m], grid_t_s[m])) if m.sum() > 2 else np.zeros(1)
    return RepSpan((c0, c1), (e0, e1), None, at(c0), top, float(np.max(speed)), at(e1))


def merged(spans: list[RepSpan], extra: list[RepSpan]) -> list[RepSpan]:
    """`spans` and `extra` in time order: a rep followed by an inserted one pauses until its onset, and an
    inserted rep until the next rep's."""
    if not extra:
        return spans
    out = sorted([*spans, *extra], key=lambda s: s.concentric[0])
    inserted = {id(s) for s in extra}
    result = []
    for k, s in enumerate(out):
        nxt = out[k + 1] if k + 1 < len(out) else None
        if nxt is not None and (id(nxt) in inserted or id(s) in inserted):
            s = replace(s, next_onset_s=nxt.concentric[0])
        result.append(s)
    return result
