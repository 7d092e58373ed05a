"""The movement axis of a set and the reps read about it: every candidate axis read (`best_reading`), the reps kept
that turn about the axis and start from the set's common pose, gravity's vote on which way is the lift; and the
exercise-agnostic reading of a stretch of samples (`read_movement`) that recognition starts from.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial

import numpy as np

from analysis import axis_search
from analysis.bodyframe import movement_axis
from analysis.params import DEFAULT_PARAMS, AnalysisParams, PipelineParams
from analysis.segment import ImuSeries, Segment, flip, grid_up, process, with_axis
from analysis.segmentation import RepSpan, segment_reps

def axis_from_reps(seg: Segment, spans: list[RepSpan], params: PipelineParams) -> Segment | None:
    """The movement axis re-estimated from the samples inside the reps; None when it barely changes."""
    if not spans:
        return None
    t = seg.grid.t_s
    inside = np.zeros(len(t), dtype=bool)
    for s in spans:
        inside[np.searchsorted(t, s.concentric[0]):np.searchsorted(t, s.eccentric[1])] = True
    speed = seg.rate_norm_rads
    moving = inside & (speed > params.moving_fraction * np.percentile(speed[inside], 99)) if inside.any() else inside
    if moving.sum() < 20:
        return None
    ax = movement_axis(seg.rate_rads, moving)
    axis = ax.axis_sensor if ax.axis_sensor @ seg.axis >= 0 else -ax.axis_sensor
    if np.degrees(np.arccos(np.clip(axis @ seg.axis, -1, 1))) < params.axis_refine_deg:
        return None
    return with_axis(seg, axis, ax.confidence)


def _same_start_pose(spans: list[RepSpan], seg: Segment, params: PipelineParams) -> list[RepSpan]:
    """Keep reps that start from, and return to, the set's common start pose (gravity direction in the sensor
    frame within 20°) and stay within twice the set's median range: set-up and re-rack movements (getting onto
    the pads, rolling off the mat) can look like an excursion on the movement axis, but not from and back to that
    pose, and not of a rep's size."""
    if len(spans) < 3:
        return spans

    def poses(times: list[float]) -> np.ndarray:
        up = grid_up(seg, times)
        return up / np.linalg.norm(up, axis=1, keepdims=True)

    starts = poses([s.concentric[0] for s in spans])
    ends = poses([s.eccentric[1] for s in spans])
    ref = np.median(starts, axis=0)
    ref /= np.linalg.norm(ref)
    tol = np.cos(np.radians(params.start_pose_tol_deg))
    ranges = np.array([s.range_deg for s in spans])
    # far beyond the set's typical range is another movement from the same pose: standing up from the seat and
    # sitting down again, not an abduction rep
    ok = (starts @ ref > tol) & (ends @ ref > tol) & (ranges <= params.max_range_factor * np.median(ranges))
    kept = [s for s, good in zip(spans, ok) if good]
    out = []
    for k, s in enumerate(kept):
        follows = k + 1 < len(kept) and kept[k + 1].concentric[0] == s.next_onset_s
        out.append(replace(s, next_onset_s=s.next_onset_s if follows else None))
    return out


@dataclass(frozen=True)
class _Reading:
    """The set read about one candidate axis (its curves are not kept: `with_axis` gives them again)."""

    axis: np.ndarray
    axis_confidence: float
    spans: list
    polarity: int

    @property
    def score(self) -> tuple:
        """More reps wins; then the larger median range."""
        if not self.spans:
            return (0, 0.0)
        return (len(self.spans), float(np.median([s.range_deg for s in self.spans])))


def _lift_vote(seg: Segment, acc_up: np.ndarray, spans: list[RepSpan], params: PipelineParams) -> float | None:
    """Gravity's word on a reading's lifts (−1..1): the mean over its reps of +1 where the lift raised the sensor,
    −1 where it lowered it (the vertical acceleration integrated twice over the lift, from rest to rest: the
    velocity's drift taken out as a line). A hip-extension lift works against gravity (the hips and thighs rise);
    None without reps, or where the movement axis is near vertical (a rotation about gravity, seated abduction,
    raises nothing)."""
    if not spans:
        return None
    up = grid_up(seg, [s.concentric[0] for s in spans])
    up /= np.linalg.norm(up, axis=1, keepdims=True)
    if np.median(np.abs(up @ seg.axis)) > np.sin(np.radians(params.lift_axis_min_tilt_deg)):
        return None
    t = seg.series.t_s
    votes = []
    for s in spans:
        i0, i1 = np.searchsorted(t, [s.concentric[0] - params.lift_pad_s, s.concentric[1] + params.lift_pad_s])
        if i1 - i0 < 3:
            continue
        tt, a = t[i0:i1], acc_up[i0:i1]
        v = np.concatenate([[0.0], np.cumsum(0.5 * (a[1:] + a[:-1]) * np.diff(tt))])
        v -= v[-1] * (tt - tt[0]) / (tt[-1] - tt[0])  # at rest at both ends
        votes.append(np.sign(np.trapezoid(v, tt)))
    return float(np.mean(votes)) if votes else None


def _read(seg: Segment, params: AnalysisParams, walking: np.ndarray | None = None,
          acc_up: np.ndarray | None = None) -> _Reading:
    """The set read about the segment's current axis; with a `walking` mask (on the grid), no rep overlaps the
    walk (walking in to the bench or the machine swings a thigh like a rep, and often); with `acc_up` (the
    vertical acceleration at the samples), gravity has a say in which way is the lift (`_lift_vote`)."""
    assert seg.angle_deg is not None and seg.speed_dps is not None, "read about an axis (`with_axis`)"
    # once for both polarities' candidates, when the strokes are found (an hour's is 9 MB)
    turned_deg: list[np.ndarray] = []

    def keep(spans: list[RepSpan]) -> list[RepSpan]:
        if spans and not turned_deg:
            turned_deg.append(_off_axis_turn_deg(seg))
        return _same_start_pose(about_the_axis(spans, seg.grid.t_s, turned_deg[0] if spans else None,
                                               params.pipeline), seg, params.pipeline)

    vote = None if acc_up is None else partial(_lift_vote, seg, acc_up, params=params.pipeline)
    spans, polarity = segment_reps(seg.grid.t_s, seg.angle_deg, seg.speed_dps, seg.grid.rate_hz, keep=keep,
                                   excluded=walking, params=params.segmentation, lift_vote=vote,
                                   vote_min=params.pipeline.lift_vote_min)
    return _Reading(seg.axis, seg.axis_confidence, spans, polarity)


def _off_axis_turn_deg(seg: Segment) -> np.ndarray:
    """(3, n) the rotation about every axis but the movement axis, integrated over the grid (degrees), one
    contiguous row per sensor axis: each step runs along a row (an (n, 3) array's columns are strided)."""
    w = seg.grid.gyr_rads
    about = w @ seg.axis
    turned = np.empty((3, len(w)))  # one array, each step in place: an hour's is 9 MB
    for k, row in enumerate(turned):  # w − outer(about, axis), a column at a time
        np.multiply(about, seg.axis[k], out=row)
        np.subtract(w[:, k], row, out=row)
    np.cumsum(turned, axis=1, out=turned)
    np.divide(turned, seg.grid.rate_hz, out=turned)
    return np.degrees(turned, out=turned)


def about_the_axis(spans: list[RepSpan], t_s: np.ndarray, turned_deg: np.ndarray | None,
                   params: PipelineParams) -> list[RepSpan]:
    """Keep the reps that turn mostly about the set's movement axis. A set-up move can swing the segment through
    part of a rep's range too (legs lifted onto the pads of an abduction machine, a step), but it also turns the
    segment about other axes (the knee lifted, the foot planted) by a comparable angle; a rep's off-axis
    wobble and roll stay a small share of its range, plus the few degrees a limb wobbles whatever the range.
    `turned_deg`: `_off_axis_turn_deg` on the grid `t_s` (None when there are no spans)."""
    if not spans or turned_deg is None:
        return []
    i0 = np.searchsorted(t_s, [sp.concentric[0] for sp in spans])
    i1 = np.searchsorted(t_s, [sp.eccentric[1] for sp in spans])
    excursion = np.zeros(len(spans))
    some = np.flatnonzero(i1 > i0)
    for group in np.array_split(some, max(1, len(some) // 32)):  # 32 reps' samples at a time
        excursion[group] = _largest_turns(turned_deg, i0[group], np.minimum(i1[group] + 1, len(t_s)))
    limit = params.max_off_axis_fraction * np.abs([sp.range_deg for sp in spans]) + params.off_axis_allowance_deg
    return [sp for sp, e, most in zip(spans, excursion, limit) if e <= most]


def _largest_turns(turned_deg: np.ndarray, i0: np.ndarray, i1: np.ndarray) -> np.ndarray:
    """Per window [i0, i1) of `turned_deg` (3, n), non-empty: the largest turn from its first sample (degrees)."""
    if not len(i0):
        return np.zeros(0)
    length = i1 - i0
    offsets = np.cumsum(length) - length
    first = np.repeat(i0, length)
    at = first + np.arange(length.sum()) - np.repeat(offsets, length)
    square: np.ndarray | None = None
    for row in turned_deg:  # the squares summed over the axes in order, as `np.linalg.norm` sums them
        d = row[at]
        d -= row[first]
        d *= d
        square = d if square is None else np.add(square, d, out=square)
    assert square is not None  # (3, n): three rows
    # the root of the largest square: the largest norm (the root is monotonic)
    return np.sqrt(np.maximum.reduceat(square, offsets))


def best_reading(seg: Segment, params: AnalysisParams, walking: np.ndarray | None = None,
                 acc_up: np.ndarray | None = None) -> tuple[Segment, list, int]:
    """Read the set about each candidate axis (motion-bout clusters and the global principal axes) and keep the
    reading with the most reps; then re-estimate the axis from that reading's reps and keep it if it reads as many.
    Deciding from the set as a whole, a big set-up move cannot own the axis of a short set. `acc_up`: on a
    hip-extension lift, whose lift raises the hips and thighs, the vertical acceleration at the samples
    (`vertical_acc`): gravity has a say in which way is up (`_lift_vote`)."""
    moving = seg.moving
    global_axes = [movement_axis(seg.rate_rads, moving, rank=r) for r in (0, 1)]
    axes = axis_search.candidate_axes(seg.rate_rads, seg.grid.rate_hz, [g.axis_sensor for g in global_axes])
    best: _Reading | None = None
    for a in axes:  # one candidate's curves at a time (an hour's are megabytes each)
        reading = _read(with_axis(seg, a, _axis_share(seg.rate_rads[moving], a)), params, walking, acc_up)
        if best is None or reading.score > best.score:  # the first of equal scores, as max() keeps
            best = reading
        del reading
    assert best is not None, "no candidate axis"
    refined = axis_from_reps(replace(seg, axis=best.axis), best.spans, params.pipeline)
    if refined is not None:
        again = _read(refined, params, walking, acc_up)
        if again.score[0] >= best.score[0]:
            return refined, again.spans, again.polarity
        del refined, again
    return with_axis(seg, best.axis, best.axis_confidence), best.spans, best.polarity


@dataclass(frozen=True)
class MovementReading:
    """A stretch of one sensor read for reps before the exercise is known: the movement axis (sensor frame,
    + toward the contracted position), the reps found about it, and the orientation at the sensor's samples."""

    placement: str
    axis_sensor: np.ndarray
    spans: tuple[RepSpan, ...]
    t_s: np.ndarray
    quat_wxyz: np.ndarray


def read_movement(series: ImuSeries, params: AnalysisParams = DEFAULT_PARAMS) -> MovementReading:
    """Reps and movement axis of one series, exercise-agnostic (the first steps of `analyze_set`)."""
    seg, spans, polarity = best_reading(process(series, params, read_axis=False), params)
    seg = flip(seg, polarity)
    return MovementReading(series.placement, seg.axis, tuple(spans), series.t_s, seg.quat)


def _axis_share(w: np.ndarray, axis: np.ndarray) -> float:
    """Share of the rotation energy of the moving samples' rates `w` (n,3) on `axis` (the axis confidence)."""
    total = float(np.sum(w * w))
    return float(np.sum((w @ axis) ** 2) / total) if total > 0 else 0.0
