"""Strokes: monotonic runs of movement of the segment's angle between stillness or reversals, each with its
onset and offset refined to the instant the speed left or reached zero (`analysis.stroke_edges`)."""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from analysis.segmentation_params import StrokeParams
from analysis.stroke_edges import Runs, fit_bias, refine_offsets, refine_onsets, speed_edges


@dataclass(frozen=True)
class Stroke:
    """One monotonic run of movement: its direction (+1/−1), onset and offset (s), the angle there (°), and its
    peak speed (°/s)."""

    sign: int
    onset_s: float
    offset_s: float
    angle_on_deg: float
    angle_off_deg: float
    peak_speed_dps: float

    @property
    def delta_deg(self) -> float:
        return self.angle_off_deg - self.angle_on_deg


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
    edges = speed_edges(t_s, absv, runs, floor, params)
    runs = _with_rest_bounds(runs, angle_deg, params)
    # the shape of a start is read on the angle's own rate of change: central differences of the integrated raw
    # rate, unfiltered (the smoothed speed spreads a ramp's start to both sides, which reads as another order)
    turn_dps = np.gradient(angle_deg) * rate_hz if len(angle_deg) > 1 else np.zeros_like(angle_deg)
    onset, on_angle = refine_onsets(t_s, angle_deg, turn_dps, runs, edges, rate_hz, params)
    offset, off_angle = refine_offsets(t_s, angle_deg, turn_dps, runs, edges, rate_hz, params)
    # the speed fit extrapolates a curved ramp with a line: on the smoothest ramp of the order read that lands a
    # known fraction of the ramp's rise time (onset → half peak speed) too early / too late; take it back out
    # (the angle fits did so themselves)
    speed_bias = fit_bias(params)[0]
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
                   params: StrokeParams) -> Runs:
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
    prev_end, next_start = np.concatenate([[0], b[:-1]]).astype(a.dtype), np.append(a[1:], n)
    return Runs(a, b, sgn, prev_end, next_start, peaks, prev_end, next_start)


def _with_rest_bounds(runs: Runs, angle_deg: np.ndarray, params: StrokeParams) -> Runs:
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


def _within_reversals(t_s: np.ndarray, angle_deg: np.ndarray, runs: Runs, onset: np.ndarray, offset: np.ndarray,
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
