"""The offline analysis of one set: IMU series in, `SetReport` out (and per-sample traces for `export`).

Order of work: orientation (VQF) → uniform grid → movement axis and angle of the primary segment → reps and
phases → pelvis posture at each top → tempo checks, faults and cues. Pure functions over arrays; no I/O.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np

from analysis import acc_bias, axis_search, bandwalk, rise, rise_reps, set_detection
from analysis import faults as fault_rules
from analysis import pelvis
from analysis.bodyframe import UniformSeries, about_axis, lowpass, movement_axis, quat_on_grid, resample_uniform
from analysis.orientation import orientation_and_bias, up_in_sensor
from analysis.params import DEFAULT_PARAMS, AnalysisParams, PipelineParams
from analysis.results import Phase, Rep, SetReport, Step, TempoTarget
from analysis.segmentation import RepSpan, segment_reps
from analysis.tempo import check_rep, tempo_misses
from sensors.exercises import Exercise
from sensors.exercises import exercise as exercise_entry


GRID_UP_BLOCK = 1 << 16  # grid samples whose up vector is computed at a time


@dataclass(frozen=True)
class Orientation:
    """A sensor's orientation over its samples (`oriented`): `quat_wxyz` (n,4) sensor-to-earth and VQF's gyro bias
    `gyr_bias_rads` (n,3), from the accelerometer without its fitted bias `acc_bias_mps2` (3,) (None: none)."""

    quat_wxyz: np.ndarray
    gyr_bias_rads: np.ndarray
    acc_bias_mps2: np.ndarray | None


@dataclass(frozen=True)
class ImuSeries:
    """One sensor's samples: placement (`pelvis`, `thigh_left`, `thigh_right`), `t_s` (n,) strictly increasing
    seconds, `acc_mps2` (n,3) specific force and `gyr_rads` (n,3) angular rate, both in the sensor frame.
    `orientation`: computed once over a longer recording (`oriented`) and sliced with it (`sliced`); None: the
    analysis computes it over these samples."""

    placement: str
    t_s: np.ndarray
    acc_mps2: np.ndarray
    gyr_rads: np.ndarray
    orientation: Orientation | None = None


def oriented(series: ImuSeries, params: AnalysisParams = DEFAULT_PARAMS) -> ImuSeries:
    """The series with its orientation (`Orientation`), as `analyze_set` computes it over these samples: the
    accelerometer's bias fitted on the still poses (`acc_bias`) and removed, then one offline VQF pass."""
    if series.orientation is not None:
        return series
    acc, acc_bias_mps2 = acc_bias.without_bias(series.t_s, series.acc_mps2, series.gyr_rads, params.acc_bias)
    quat, bias = orientation_and_bias(series.t_s, acc, series.gyr_rads)
    return replace(series, orientation=Orientation(quat, bias, acc_bias_mps2))


def sliced(series: ImuSeries, i0: int, i1: int) -> ImuSeries:
    """Samples [i0, i1) of the series, its orientation (when known) with them (views, no copies)."""
    o = series.orientation
    part = None if o is None else Orientation(o.quat_wxyz[i0:i1], o.gyr_bias_rads[i0:i1], o.acc_bias_mps2)
    return ImuSeries(series.placement, series.t_s[i0:i1], series.acc_mps2[i0:i1], series.gyr_rads[i0:i1], part)


@dataclass(frozen=True)
class SegmentTrace:
    """Per-sample curves of one series (at its own timestamps), for export and plots."""

    placement: str
    t_s: np.ndarray
    quat_wxyz: np.ndarray
    segment_angle_deg: np.ndarray  # rotation about the movement axis, + = toward the contracted position
    tilt_sagittal_deg: np.ndarray  # pelvis only (NaN elsewhere): + posterior tuck, − anterior tilt
    pelvic_drop_deg: np.ndarray  # pelvis only (NaN elsewhere): mediolateral inclination, + = left side lower


@dataclass(frozen=True)
class _Segment:
    """A processed series on its uniform grid. What is cheap to compute again is not held (an hour's arrays are
    megabytes each): the bias-free accelerometer (`acc_mps2`) and the grid's orientation (`_grid_up`)."""

    series: ImuSeries  # as measured
    acc_bias_mps2: np.ndarray | None  # (3,) the accelerometer's fitted bias; None: none removed
    quat: np.ndarray  # at the original samples
    grid: UniformSeries  # without its orientation
    rate_rads: np.ndarray  # smoothed body rate on the grid
    rate_norm_rads: np.ndarray  # its norm (n,)
    moving: np.ndarray  # (n,) bool: the grid samples that move (`_moving`)
    axis: np.ndarray
    axis_confidence: float
    angle_deg: np.ndarray | None  # on the grid; None: not read yet (`_with_axis`)
    speed_dps: np.ndarray | None  # on the grid, signed along the axis

    @property
    def acc_mps2(self) -> np.ndarray:
        """(n, 3) the accelerometer samples without their fitted bias (m/s²)."""
        acc = self.series.acc_mps2
        return acc if self.acc_bias_mps2 is None else acc - self.acc_bias_mps2


def _process(series: ImuSeries, params: AnalysisParams, read_axis: bool = True) -> _Segment:
    """Orientation, uniform grid, movement axis, angle and speed of one sensor (`read_axis` False: not the angle
    and speed, which the candidate axes of `_best_reading` replace). The accelerometer's bias, fitted on the
    recording's still poses (`acc_bias`), is removed first: it would lean the orientation differently in each pose
    (the tilt compares two) and leak into the vertical acceleration."""
    if len(series.t_s) < 20:
        raise ValueError(f"{series.placement}: only {len(series.t_s)} samples, too short to analyse")
    o = oriented(series, params).orientation
    quat, bias, acc_bias_mps2 = o.quat_wxyz, o.gyr_bias_rads, o.acc_bias_mps2
    # Angular rate for timing comes from the gyro itself (minus VQF's bias estimate): the orientation also carries
    # the accelerometer's corrections, which smear motion onsets when the segment accelerates.
    grid = resample_uniform(series.t_s, quat, series.gyr_rads - bias, with_quat=False)
    rate = lowpass(grid.gyr_rads, grid.rate_hz)
    rate_norm = np.linalg.norm(rate, axis=1)
    moving = _moving(rate_norm, params.pipeline)
    ax = movement_axis(rate, moving)
    seg = _Segment(series, acc_bias_mps2, quat, grid, rate, rate_norm, moving, ax.axis_sensor, ax.confidence, None,
                   None)
    return _with_axis(seg, ax.axis_sensor, ax.confidence) if read_axis else seg


def _grid_up(seg: _Segment, times=None) -> np.ndarray:
    """Earth's up in the sensor frame (k, 3) on the segment's grid: at every grid time, or at the first at or after
    each of `times` (s; clipped to the grid), as `up_at` reads a grid's orientation."""
    t = seg.grid.t_s
    at = t if times is None else t[np.clip(np.searchsorted(t, times), 0, len(t) - 1)]
    up = np.empty((len(at), 3))
    for i in range(0, len(at), GRID_UP_BLOCK):  # a block's orientation at a time, not the grid's (n, 4)
        up[i:i + GRID_UP_BLOCK] = up_in_sensor(quat_on_grid(seg.series.t_s, seg.quat, at[i:i + GRID_UP_BLOCK]))
    return up


def _moving(speed_rads: np.ndarray, params: PipelineParams) -> np.ndarray:
    """The samples that move: speed (the rate's norm, rad/s) above a share of the set's near-peak speed."""
    return speed_rads > params.moving_fraction * np.percentile(speed_rads, 99)


def _with_axis(seg: _Segment, axis: np.ndarray, confidence: float) -> _Segment:
    angle, speed = about_axis(seg.grid, seg.rate_rads, axis)
    return replace(seg, axis=axis, axis_confidence=confidence, angle_deg=angle, speed_dps=speed)


def _axis_from_reps(seg: _Segment, spans: list[RepSpan], params: PipelineParams) -> _Segment | None:
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
    return _with_axis(seg, axis, ax.confidence)


def _flip(seg: _Segment, polarity: int) -> _Segment:
    if polarity == 1:
        return seg
    return replace(seg, axis=-seg.axis, angle_deg=-seg.angle_deg, speed_dps=-seg.speed_dps)


def _primary(exercise: str, placements: Sequence[str]) -> str:
    """The placement that sees the movement: a thigh on thigh-led exercises when one is worn, else the pelvis."""
    thighs = [p for p in placements if p.startswith("thigh")]
    if exercise_entry(exercise).thigh_led and thighs:
        return thighs[0]
    return "pelvis" if "pelvis" in placements else placements[0]


def _at(t: np.ndarray, values: np.ndarray, t0: float, t1: float) -> np.ndarray:
    """Mean of `values` over [t0, t1] (or the nearest sample for a zero-length window); `t` sorted."""
    i0 = int(np.searchsorted(t, t0, side="left"))
    i1 = int(np.searchsorted(t, t1, side="right"))
    if i1 <= i0:
        return values[int(np.clip(i0, 0, len(t) - 1))]
    return values[i0:i1].mean(axis=0)


@dataclass(frozen=True)
class _PelvisResult:
    tilt_deg: list
    drop_deg: list
    drop_side: list
    reference: str | None
    frame: pelvis.PelvisFrame | None
    standing: tuple[float, float] | None
    top_angle_median_deg: float
    notes: tuple[str, ...]
    seg: _Segment | None
    up_top_median: np.ndarray | None = None


def _pelvis_metrics(ex: Exercise, pel: _Segment, spans: list[RepSpan], primary_is_pelvis: bool,
                    params: AnalysisParams, walking: np.ndarray | None = None,
                    acc_up: np.ndarray | None = None) -> _PelvisResult:
    """1. the pelvis's own axis signed by the lifts; 2. the standing reference, where the body is shown upright
    (`_standing_reference`); 3. the mediolateral axis; 4. drop and tilt at every top (the standing reference on
    the lifts read against it when the tops are torso-horizontal, else the set's median lockout). `walking`,
    `acc_up`: the pelvis's walking mask (grid) and vertical acceleration (samples) when already computed."""
    t = pel.grid.t_s
    up = _grid_up(pel)
    notes = []
    if not primary_is_pelvis:
        pel = _pelvis_signed_by_lifts(pel, spans)
    standing, up_standing, why = _standing_reference(pel, up, spans, params, walking, acc_up)
    up_bottom = np.median([_at(t, up, s.concentric[0] - 0.2, s.concentric[0]) for s in spans], axis=0)
    in_set = (t >= spans[0].concentric[0]) & (t <= spans[-1].eccentric[1])
    # a lying lift's bottom is reached by lying back (a posterior turn from standing), a standing hinge's by
    # tipping forward: the frame's standing-to-bottom sign holds only for the lying ones
    frame = pelvis.pelvis_frame(up[in_set], pel.axis, up_standing, None if ex.upright else up_bottom)
    tops = [pelvis.top_window(s.concentric[1], s.eccentric[0], params.pelvis) for s in spans]
    up_tops = np.array([_at(t, up, a, b) for a, b in tops])
    up_tops /= np.linalg.norm(up_tops, axis=1, keepdims=True)
    drops = [pelvis.drop_at(u, frame) for u in up_tops]
    top_angles = np.array([float(_at(t, pel.angle_deg, a, b)) for a, b in tops])
    up_top_median = np.median(up_tops, axis=0)
    reference = "set"
    if ex.tilt_reference == "standing":
        if frame.superior_axis is None:
            notes.append(f"{why}: tilt is relative to the set's median lockout")
        elif pelvis.lockout_is_torso_horizontal(up_tops, frame, params.pelvis):
            reference = "standing"
            notes.append(why)
        else:
            notes.append("standing pose found, but the tops are not torso-horizontal: tilt is relative to the set")
    if reference == "standing":
        tilts = [pelvis.tilt_from_standing(u, frame) for u in up_tops]
    else:
        tilts = [pelvis.tilt_from_set(u, up_top_median, frame) for u in up_tops]
    return _PelvisResult(
        [float(x) for x in tilts], [d for d, _ in drops], [s for _, s in drops], reference, frame, standing,
        float(np.median(top_angles)), tuple(notes), pel, up_top_median,
    )


def _pelvis_signed_by_lifts(pel: _Segment, spans: list[RepSpan]) -> _Segment:
    """The pelvis segment read about its own axis, signed so that it turns positively (posteriorly) during every
    concentric of the primary's reps."""
    t = pel.grid.t_s
    conc = np.zeros_like(t, dtype=bool)
    for s in spans:
        conc |= (t >= s.concentric[0]) & (t <= s.concentric[1])
    return _flip(pel, -1) if pel.speed_dps[conc].mean() < 0 else pel


def _standing_reference(pel: _Segment, up: np.ndarray, spans: list[RepSpan], params: AnalysisParams,
                        walking: np.ndarray | None = None, acc_up: np.ndarray | None = None
                        ) -> tuple[tuple[float, float] | None, np.ndarray | None, str]:
    """The still pose the recording starts with (`pelvis.standing_pose`) if the body is shown upright in it
    (`pelvis.standing_evidence`: the walking pelvis, else the descent from it to the lift): its interval and mean
    up vector (sensor frame), or None and None; and a note saying which and why."""
    t = pel.grid.t_s
    standing = pelvis.standing_pose(t, up, pel.rate_rads, params.pelvis)
    if standing is None:
        return None, None, "no standing pose at the start"
    up_candidate = _at(t, up, *standing)
    walking = _walking(pel, params.pipeline) if walking is None else walking
    first, last = spans[0].concentric[0], spans[-1].eccentric[1]
    walk = None if walking is None else walking & ((t < first) | (t > last))
    up_walking = None if walk is None or walk.sum() < pel.grid.rate_hz else np.median(up[walk], axis=0)
    descent = None
    if up_walking is None:
        acc_up = _vertical_acc(pel, params.pipeline) if acc_up is None else acc_up
        # from the pose's middle: its end may be the slow start of sitting down, already moving
        descent = pelvis.descent_m(pel.series.t_s, acc_up, 0.5 * (standing[0] + standing[1]), first, params.pelvis)
    upright, why = pelvis.standing_evidence(up_candidate, up_walking, descent, params.pelvis)
    return (standing, up_candidate, why) if upright else (None, None, why)


def _same_start_pose(spans: list[RepSpan], seg: _Segment, params: PipelineParams) -> list[RepSpan]:
    """Keep reps that start from, and return to, the set's common start pose (gravity direction in the sensor
    frame within 20°) and stay within twice the set's median range: set-up and re-rack movements (getting onto
    the pads, rolling off the mat) can look like an excursion on the movement axis, but not from and back to that
    pose, and not of a rep's size."""
    if len(spans) < 3:
        return spans

    def poses(times: list[float]) -> np.ndarray:
        up = _grid_up(seg, times)
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


def _band_walk_sides(pel: _Segment | None, windows: list[tuple[float, float]],
                     params: pelvis.PelvisParams) -> list[str] | None:
    if pel is None or not windows:
        return None
    t = pel.grid.t_s
    up = _grid_up(pel)
    standing = pelvis.standing_pose(t, up, pel.rate_rads, params)
    if standing is None:
        return None
    up_standing = _at(t, up, *standing)
    up_squat = np.median([_at(t, up, w0 - 0.2, w0) for w0, _ in windows], axis=0)
    left = bandwalk.left_axis(up_standing / np.linalg.norm(up_standing), up_squat / np.linalg.norm(up_squat))
    if left is None:
        return None
    return bandwalk.step_sides(pel.series.t_s, pel.quat, pel.acc_mps2, left, windows)


def _band_walk_steps(segs: dict, primary: str, notes: list, params: AnalysisParams) -> tuple[Step, ...]:
    """Steps from the sideways translation of the pelvis sensor (or the thigh's when there is no pelvis)."""
    seg = segs.get("pelvis", segs[primary])
    events = bandwalk.detect_steps(seg.series.t_s, seg.quat, seg.acc_mps2, params.steps)
    windows = [(e.start_s, e.end_s) for e in events]
    sides = _band_walk_sides(segs.get("pelvis"), windows, params.pelvis)
    if sides is None:
        sides = ["unknown"] * len(events)
        notes.append("step direction needs a pelvis sensor and ~2 s standing still at the start: side unknown")
    if not events:
        notes.append("no steps found: no regular sideways movement")
    return tuple(Step(k, e.start_s, side, e.end_s - e.start_s) for k, (e, side) in enumerate(zip(events, sides), 1))


@dataclass(frozen=True)
class _Reading:
    """The set read about one candidate axis (its curves are not kept: `_with_axis` gives them again)."""

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


def _lift_vote(seg: _Segment, acc_up: np.ndarray, spans: list[RepSpan], params: PipelineParams) -> float | None:
    """Gravity's word on a reading's lifts (−1..1): the mean over its reps of +1 where the lift raised the sensor,
    −1 where it lowered it (the vertical acceleration integrated twice over the lift, from rest to rest: the
    velocity's drift taken out as a line). A hip-extension lift works against gravity (the hips and thighs rise);
    None without reps, or where the movement axis is near vertical (a rotation about gravity, seated abduction,
    raises nothing)."""
    if not spans:
        return None
    up = _grid_up(seg, [s.concentric[0] for s in spans])
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


def _read(seg: _Segment, params: AnalysisParams, walking: np.ndarray | None = None,
          acc_up: np.ndarray | None = None) -> _Reading:
    """The set read about the segment's current axis; with a `walking` mask (on the grid), no rep overlaps the
    walk (walking in to the bench or the machine swings a thigh like a rep, and often); with `acc_up` (the
    vertical acceleration at the samples), gravity has a say in which way is the lift (`_lift_vote`)."""
    turned_deg = []  # once for both polarities' candidates, when the strokes are found (an hour's is 9 MB)

    def keep(spans: list[RepSpan]) -> list[RepSpan]:
        if spans and not turned_deg:
            turned_deg.append(_off_axis_turn_deg(seg))
        return _same_start_pose(_about_the_axis(spans, seg.grid.t_s, turned_deg[0] if spans else None,
                                                params.pipeline), seg, params.pipeline)

    def vote(spans: list[RepSpan]) -> float | None:
        return _lift_vote(seg, acc_up, spans, params.pipeline)

    spans, polarity = segment_reps(seg.grid.t_s, seg.angle_deg, seg.speed_dps, seg.grid.rate_hz, keep=keep,
                                   excluded=walking, params=params.segmentation,
                                   lift_vote=None if acc_up is None else vote,
                                   vote_min=params.pipeline.lift_vote_min)
    return _Reading(seg.axis, seg.axis_confidence, spans, polarity)


def _off_axis_turn_deg(seg: _Segment) -> np.ndarray:
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


def _about_the_axis(spans: list[RepSpan], t_s: np.ndarray, turned_deg: np.ndarray | None,
                    params: PipelineParams) -> list[RepSpan]:
    """Keep the reps that turn mostly about the set's movement axis. A set-up move can swing the segment through
    part of a rep's range too (legs lifted onto the pads of an abduction machine, a step), but it also turns the
    segment about other axes (the knee lifted, the foot planted) by a comparable angle; a rep's off-axis
    wobble and roll stay a small share of its range, plus the few degrees a limb wobbles whatever the range.
    `turned_deg`: `_off_axis_turn_deg` on the grid `t_s` (None when there are no spans)."""
    if not spans:
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
    square = None
    for row in turned_deg:  # the squares summed over the axes in order, as `np.linalg.norm` sums them
        d = row[at]
        d -= row[first]
        d *= d
        square = d if square is None else np.add(square, d, out=square)
    # the root of the largest square: the largest norm (the root is monotonic)
    return np.sqrt(np.maximum.reduceat(square, offsets))


def _walking(seg: _Segment, params: PipelineParams) -> np.ndarray | None:
    """Where the wearer walks (`set_detection.walking_mask`, here from a single walk-in), on the segment's grid;
    None: nowhere."""
    mask = set_detection.walking_mask(seg.series.t_s, seg.acc_mps2,
                                      replace(set_detection.SET_DETECTION, walk_min_total_s=params.walk_min_s))
    if not mask.any():
        return None
    return np.interp(seg.grid.t_s, seg.series.t_s, mask.astype(float)) > 0.0


def _best_reading(seg: _Segment, params: AnalysisParams, walking: np.ndarray | None = None,
                  acc_up: np.ndarray | None = None) -> tuple[_Segment, list, int]:
    """Read the set about each candidate axis (motion-bout clusters and the global principal axes) and keep the
    reading with the most reps; then re-estimate the axis from that reading's reps and keep it if it reads as many.
    Deciding from the set as a whole, a big set-up move cannot own the axis of a short set. `acc_up`: on a
    hip-extension lift, whose lift raises the hips and thighs, the vertical acceleration at the samples
    (`_vertical_acc`): gravity has a say in which way is up (`_lift_vote`)."""
    moving = seg.moving
    global_axes = [movement_axis(seg.rate_rads, moving, rank=r) for r in (0, 1)]
    axes = axis_search.candidate_axes(seg.rate_rads, seg.grid.rate_hz, [g.axis_sensor for g in global_axes])
    best = None
    for a in axes:  # one candidate's curves at a time (an hour's are megabytes each)
        reading = _read(_with_axis(seg, a, _axis_share(seg.rate_rads[moving], a)), params, walking, acc_up)
        if best is None or reading.score > best.score:  # the first of equal scores, as max() keeps
            best = reading
        del reading
    refined = _axis_from_reps(replace(seg, axis=best.axis), best.spans, params.pipeline)
    if refined is not None:
        again = _read(refined, params, walking, acc_up)
        if again.score[0] >= best.score[0]:
            return refined, again.spans, again.polarity
        del refined, again
    return _with_axis(seg, best.axis, best.axis_confidence), best.spans, best.polarity


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
    seg, spans, polarity = _best_reading(_process(series, params, read_axis=False), params)
    seg = _flip(seg, polarity)
    return MovementReading(series.placement, seg.axis, tuple(spans), series.t_s, seg.quat)


def _axis_share(w: np.ndarray, axis: np.ndarray) -> float:
    """Share of the rotation energy of the moving samples' rates `w` (n,3) on `axis` (the axis confidence)."""
    total = float(np.sum(w * w))
    return float(np.sum((w @ axis) ** 2) / total) if total > 0 else 0.0


def _phases(span: RepSpan) -> tuple[Phase, ...]:
    c0, c1 = span.concentric
    e0, e1 = span.eccentric
    phases = [Phase("concentric", c0, c1), Phase("top_pause", c1, e0), Phase("eccentric", e0, e1)]
    if span.next_onset_s is not None:
        phases.append(Phase("bottom_pause", e1, max(e1, span.next_onset_s)))
    return tuple(phases)


@dataclass(frozen=True)
class Calibration:
    """What the analysis learnt about how the sensors sit, for turning live samples into display values.

    `axes_sensor`: per processed placement, the unit movement axis in its sensor frame, signed so that rotation
    toward the contracted position is positive. `pelvis_frame`, `tilt_reference`, `top_angle_median_deg`: as used
    for the pelvis metrics (None when there is no pelvis analysis).
    """

    primary: str
    axes_sensor: dict
    pelvis_frame: pelvis.PelvisFrame | None = None
    tilt_reference: str | None = None
    top_angle_median_deg: float = float("nan")
    pelvis_up_top: np.ndarray | None = None  # median up vector (pelvis sensor frame) at the tops: the set reference


def trace_set(
    series: Sequence[ImuSeries], exercise: str, tempo: TempoTarget | None = None, side: str | None = None,
    with_traces: bool = True, params: AnalysisParams = DEFAULT_PARAMS,
) -> tuple[SetReport, tuple[SegmentTrace, ...]]:
    """Analyse one set; also return per-sample traces of every series (in input order)."""
    report, segs, pel_result = _analyse(series, exercise, tempo, side, params)
    if not with_traces:
        return report, ()
    by_placement = {s.placement: s for s in series}
    for p, s in by_placement.items():
        if p not in segs:
            segs[p] = _process(s, params)
    traces = tuple(_trace(segs[p], pel_result if p == "pelvis" else None) for p in by_placement)
    return report, traces


def analyze_with_calibration(
    series: Sequence[ImuSeries], exercise: str, tempo: TempoTarget | None = None, side: str | None = None,
    params: AnalysisParams = DEFAULT_PARAMS,
) -> tuple[SetReport, Calibration]:
    """`analyze_set` plus the sensor calibration it found (movement axes, pelvis frame) for the live display."""
    report, segs, pel = _analyse(series, exercise, tempo, side, params)
    cal = Calibration(
        report.placement,
        {p: seg.axis.copy() for p, seg in segs.items()},
        pel.frame if pel is not None else None,
        pel.reference if pel is not None else None,
        pel.top_angle_median_deg if pel is not None else float("nan"),
        pel.up_top_median if pel is not None else None,
    )
    return report, cal


def _segments(series: Sequence[ImuSeries], ex: Exercise, params: AnalysisParams) -> tuple[dict, str]:
    """The processed segments the verdict needs (the primary, and the pelvis for posture; the others only when
    their traces are asked for), and the primary's placement."""
    if not series:
        raise ValueError("no sensor data")
    by_placement = {s.placement: s for s in series}
    primary = _primary(ex.name, list(by_placement))
    needed = placements_read(ex.name, list(by_placement))
    # the primary's angle and speed are read about the candidate axes (`_best_reading`)
    return {p: _process(s, params, read_axis=p != primary) for p, s in by_placement.items() if p in needed}, primary


def placements_read(exercise: str, placements: Sequence[str]) -> set[str]:
    """The placements among those worn whose samples `analyze_set` reads for `exercise`: the primary, and the
    pelvis where the exercise reads its posture (the others only for traces)."""
    posture = "pelvis" in placements and exercise_entry(exercise).posture
    return {_primary(exercise, placements)} | ({"pelvis"} if posture else set())


def _confidence(seg: _Segment, spans: list[RepSpan], pel: _PelvisResult | None) -> float:
    """How well the body frame was determined (0..1): the axis's share of the rotation, and the pelvis frame's."""
    confidence = seg.axis_confidence if spans else 0.0
    if pel is not None:
        confidence = min(confidence, pel.frame.confidence if pel.frame else 0.0)
    return float(np.clip(confidence, 0.0, 1.0))


def _analyse(series: Sequence[ImuSeries], exercise: str, tempo: TempoTarget | None, side: str | None,
             params: AnalysisParams):
    """1. process the sensors; 2. find the movement axis and the reps on the primary; 3. on hip-extension lifts,
    the hip's rise (it finds arched reps on the pelvis and gives every rep its height and speed); 4. the pelvis
    posture at each top; 5. reps (or steps) with their metrics, tempo checks and faults; 6. the report."""
    ex = exercise_entry(exercise)
    segs, primary = _segments(series, ex, params)
    walking = None if ex.upright else _walking(segs[primary], params.pipeline)
    # the vertical acceleration, once: no reading of the axis changes the orientation, accelerometer or grid speed
    acc_up = _vertical_acc(segs[primary], params.pipeline) if ex.hip_extension else None
    seg, spans, polarity = _best_reading(segs[primary], params, walking, acc_up)
    seg = segs[primary] = _flip(seg, polarity)
    known_rises: dict = {}  # integrated once for both readings of the set on the pelvis
    if primary == "pelvis" and acc_up is not None:
        spans = _with_arched_reps(seg, spans, acc_up, params, known_rises)
    notes = [f"movement axis from the {primary} sensor's rotation ({seg.axis_confidence:.0%} of it on one axis)"]
    pel = None
    if ex.hip_extension and "pelvis" in segs and spans:
        on_pelvis = primary == "pelvis"  # its walk and vertical acceleration are known already
        known_walk = (np.zeros(len(seg.grid.t_s), dtype=bool) if walking is None else walking) if on_pelvis else None
        pel = _pelvis_metrics(ex, segs["pelvis"], spans, on_pelvis, params, known_walk, acc_up if on_pelvis else None)
        segs["pelvis"] = pel.seg
        notes.extend(pel.notes)
    reps, steps = [], ()
    if ex.steps:
        steps = _band_walk_steps(segs, primary, notes, params)
    else:
        reps = _reps(ex, seg, spans, pel, tempo, acc_up, params, known_rises)
    if not spans:
        notes.append("no reps found: no repeated movement from a common start position")
    report = SetReport(
        exercise=exercise, placement=primary, tempo_target=tempo, reps=tuple(reps), steps=steps,
        tilt_reference=pel.reference if pel is not None else None,
        calibration_confidence=_confidence(seg, spans, pel), calibration_notes=tuple(notes),
        velocity_loss_pct=rise.velocity_loss_pct(
            [r.mean_concentric_velocity_mps for r in reps], ["partial_rom" not in r.faults for r in reps]),
    )
    return report, segs, pel


def _vertical_acc(seg: _Segment, params: PipelineParams) -> np.ndarray:
    """The segment's gravity-removed vertical acceleration at its samples (m/s²), scale-calibrated at rest."""
    t = seg.series.t_s
    still = np.interp(t, seg.grid.t_s, seg.rate_norm_rads) < params.still_rads
    return rise.vertical_acceleration(seg.quat, seg.acc_mps2, still)


def _rises(seg: _Segment, spans: list[RepSpan], acc_up: np.ndarray, params: rise.RiseParams,
           known: dict | None = None) -> list[rise.RepRise | None]:
    """Every rep's rise (`rise.rep_rise`). `known`: the rises already integrated on this segment, by what they
    depend on (the rep, the hold and top before it), filled in here: the set is read twice on the pelvis (before
    and after the arched reps join it) and most reps are the same both times."""
    known = {} if known is None else known
    t = seg.series.t_s
    holds = [None] + [s.eccentric[1] for s in spans[:-1]]
    tops = [None] + [(s.concentric[1], s.eccentric[0]) for s in spans[:-1]]
    angle = np.interp(t, seg.grid.t_s, seg.angle_deg)  # the lift's progress: how the bias turns with the sensor
    out = []
    for s, h, top in zip(spans, holds, tops):
        key = (s.concentric, s.eccentric[0], s.bottom_deg, s.top_deg, h, top)
        if key not in known:
            w = _rise_window(t, s, top, params)
            known[key] = rise.rep_rise(t[w], acc_up[w], s.concentric, s.eccentric[0], h, params,
                                       progress=rise.lift_progress(angle[w], s), prev_top=top)
        out.append(known[key])
    return out


def _rise_window(t_s: np.ndarray, span: RepSpan, prev_top: tuple[float, float] | None,
                 params: rise.RiseParams) -> slice:
    """The samples `rise.rep_rise` reads for one rep, with one more on either side (it tells a rep the samples
    do not cover by its bounds reaching the array's ends, which the extra samples keep): the same result from a
    few seconds of samples instead of the recording's every one (the lift's progress is per sample)."""
    first = span.concentric[0] - params.bottom_window_s
    if prev_top is not None:
        first = min(first, prev_top[0])
    i0, i1 = np.searchsorted(t_s, [first, span.eccentric[0]])
    return slice(max(int(i0) - 1, 0), int(i1) + 2)


def _with_arched_reps(seg: _Segment, spans: list[RepSpan], acc_up: np.ndarray, params: AnalysisParams,
                      known: dict | None = None) -> list[RepSpan]:
    """Add the reps the pelvis's rotation missed but its rise shows (`rise_reps`: lumbar-arch reps)."""
    rises = [r.rise_m for r in _rises(seg, spans, acc_up, params.rise, known) if r is not None]
    if len(rises) < 2 or float(np.median(rises)) < params.pipeline.min_rise_m:
        return spans
    t = seg.series.t_s
    extra = rise_reps.missed_reps(t, acc_up, seg.quat, seg.grid.t_s, seg.angle_deg, spans, float(np.median(rises)),
                                  params.rise_reps)
    return rise_reps.merged(spans, extra)


def _range_fractions(ex: Exercise, seg: _Segment, spans: list[RepSpan], rises: list,
                     params: AnalysisParams) -> list[float]:
    """Each rep's range over the set's median range. On the pelvis in a hip-extension lift it is the hip rise,
    what a bar-path (VBT) sensor calls the range: the pelvis's rotation alone cannot tell a partial rep from a
    full one whose top is arched (the lumbar spine extends instead of the hip: the rotation stops short, the hips
    rise fully) nor from a short lift finished with a posterior tuck (the rotation is full, the hips stop low).
    Elsewhere, and where the rise was not measured between two still holds (a rep without a top pause turns at
    the top: nothing there reads the accelerometer's bias), it is the rotation."""
    roms = np.array([s.range_deg for s in spans])
    fractions = roms / max(float(np.median(roms)), 1e-9)
    if seg.series.placement != "pelvis" or not ex.hip_extension:
        return [float(x) for x in fractions]
    heights = np.array([np.nan if r is None else r.rise_m for r in rises])
    median_rise = float(np.nanmedian(heights)) if np.isfinite(heights).any() else 0.0
    return [rise.range_fraction(f, h, median_rise, s.eccentric[0] - s.concentric[1] >= params.rise.min_top_hold_s,
                                params.pipeline.min_rise_m) for h, f, s in zip(heights, fractions, spans)]


def _reps(ex: Exercise, seg: _Segment, spans: list[RepSpan], pel: _PelvisResult | None,
          tempo: TempoTarget | None, acc_up: np.ndarray | None, params: AnalysisParams,
          known_rises: dict | None = None) -> list[Rep]:
    """Per rep: phases, range, rise and velocity, pelvis posture, tempo checks, faults and cues."""
    if not spans:
        return []
    # the hip's rise and lifting speed are the velocity-based-training figures of the hip-extension lifts (`acc_up`
    # is given for those only); a thigh swinging out on an abduction or a clamshell has no lift to measure
    rises = _rises(seg, spans, acc_up, params.rise, known_rises) if acc_up is not None else [None] * len(spans)
    fractions = _range_fractions(ex, seg, spans, rises, params)
    reps: list[Rep] = []
    for k, span in enumerate(spans, start=1):
        rep = Rep(
            index=k, start_s=span.concentric[0],
            end_s=span.next_onset_s if span.next_onset_s is not None else span.eccentric[1],
            phases=_phases(span), rom_deg=float(span.range_deg), peak_speed_dps=float(span.peak_speed_dps),
        )
        r = rises[k - 1]
        if r is not None:
            rep = replace(rep, rise_m=r.rise_m, mean_concentric_velocity_mps=r.mean_concentric_velocity_mps,
                          peak_concentric_velocity_mps=r.peak_concentric_velocity_mps)
        if pel is not None:
            rep = replace(rep, tilt_sagittal_deg=pel.tilt_deg[k - 1], pelvic_drop_deg=float(pel.drop_deg[k - 1]),
                          pelvic_drop_side=pel.drop_side[k - 1])
        if tempo is not None:
            rep = replace(rep, tempo_checks=check_rep(rep, tempo))
        pause_before = reps[-1].bottom_pause_s if reps else None
        bounced = _stop_share(seg, spans[k - 2]) <= params.pipeline.hard_stop_share if k > 1 else None
        faults = fault_rules.rep_faults(rep, tempo, fractions[k - 1], pause_before, ex.faults,
                                        params.faults, bounced)
        cues = tuple(fault_rules.cue(f, rep, tempo, fractions[k - 1]) for f in faults)
        cues += tuple(m.cue for m in tempo_misses(rep.tempo_checks, faults))  # after the faults' cues
        reps.append(replace(rep, faults=faults, cues=cues))
    return reps


def _stop_share(seg: _Segment, span: RepSpan) -> float:
    """How abruptly a rep's lowering stopped: the time from the last instant its speed was half its peak to its
    end, as a share of the lowering (a minimum-jerk stop ~0.23, a half-cosine ~0.17; a bounce's hard stop, the
    lowering braked in its last few per cent, well under 0.1); NaN where the grid does not cover it."""
    e0, e1 = span.eccentric
    i0, i1 = np.searchsorted(seg.grid.t_s, [e0, e1])
    speed = np.abs(seg.speed_dps[i0:i1 + 1])
    if e1 <= e0 or len(speed) < 3:
        return float("nan")
    last = i0 + int(np.flatnonzero(speed >= 0.5 * speed.max())[-1])
    return float(max(e1 - seg.grid.t_s[last], 0.0) / (e1 - e0))


def analyze_set(
    series: Sequence[ImuSeries], exercise: str, tempo: TempoTarget | None = None, side: str | None = None,
    params: AnalysisParams = DEFAULT_PARAMS,
) -> SetReport:
    """Analyse one set of one or two sensors: reps, phases, metrics, tempo checks, faults and cues."""
    return trace_set(series, exercise, tempo, side, with_traces=False, params=params)[0]


def _trace(seg: _Segment, pel: _PelvisResult | None) -> SegmentTrace:
    t = seg.series.t_s
    angle = np.interp(t, seg.grid.t_s, seg.angle_deg)
    nan = np.full(len(t), np.nan)
    tilt, drop = nan, nan.copy()
    if pel is not None and pel.frame is not None:
        up = up_in_sensor(seg.quat)
        drop = np.degrees(np.arcsin(np.clip(up @ pel.frame.right_axis, -1, 1)))
        if pel.reference == "standing":
            tilt = np.degrees(np.arcsin(np.clip(-(up @ pel.frame.superior_axis), -1, 1)))
        else:  # `pelvis.tilt_from_set` at every sample
            ref = pel.up_top_median / np.linalg.norm(pel.up_top_median)
            tilt = -np.degrees(np.arctan2(np.cross(ref, up) @ pel.frame.right_axis, up @ ref))
    return SegmentTrace(seg.series.placement, t, seg.quat, angle, tilt, drop)






primary_placement = _primary  # public name (the streaming analyzer follows the same sensor)
