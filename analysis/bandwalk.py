"""Lateral band walk: the steps, from the sideways translation of the sensor, and their direction.

A lateral step is mostly a translation: the pelvis (and the thigh) slide sideways with a hip hike of a few
degrees, so a detector of rotation excursions cannot see it. Each step is a bump of horizontal velocity along the
direction of travel, lead and trail alike. `detect_steps` integrates the gravity-removed horizontal acceleration
(earth frame, from the orientation), zeroes the velocity where the sensor stands still and takes the drift out as a
line between those instants (a high-pass would take a walk's steady travel out too, and a walk that never stops
between steps would then read each pause between steps as a step back; it is the fallback when the recording has
no still stretch near both ends), and keeps the longest regular run of
velocity bumps that share one direction of travel (or its reverse, walking back): set-up moves (bending to put the
band on, standing up) and walking off forward do not move the sensor sideways in a steady rhythm.

Which way a step goes needs the body's left in the sensor frame. The standing pose gives the pelvis's vertical;
sinking into the half squat a band walk is done in tilts the pelvis forward (hip flexion with anterior pelvic
tilt), a rotation about the mediolateral axis whose sign names left. Each step then moves the pelvis sideways:
the horizontal acceleration along that axis, integrated twice over the step, says which way.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.bodyframe import long_runs
from analysis.orientation import rotate_to_earth
from analysis.zerophase import butter2, filtfilt, find_peaks

G_MPS2 = 9.80665
MIN_SQUAT_TILT_DEG = 5.0


def left_axis(up_standing: np.ndarray, up_squat: np.ndarray) -> np.ndarray | None:
    """Pelvis left axis (sensor frame) from the standing and half-squat up vectors, or None if they barely differ.

    Anterior tilt is positive rotation about the left axis; the up vector seen by the sensor turns the other way,
    so up_standing × up_squat points right."""
    cross = np.cross(up_standing, up_squat)
    norm = float(np.linalg.norm(cross))
    if norm < np.sin(np.radians(MIN_SQUAT_TILT_DEG)):
        return None
    return -cross / norm


def step_sides(
    t_s: np.ndarray, quat_wxyz: np.ndarray, acc_mps2: np.ndarray, left_sensor: np.ndarray,
    windows: list[tuple[float, float]],
) -> list[str]:
    """'left'/'right' per step window (s): sign of the sideways displacement of the pelvis over the step."""
    acc_earth = rotate_to_earth(quat_wxyz, acc_mps2) - np.array([0.0, 0.0, G_MPS2])
    left_earth = rotate_to_earth(quat_wxyz, np.tile(left_sensor, (len(t_s), 1)))
    left_earth[:, 2] = 0.0
    left_earth /= np.maximum(np.linalg.norm(left_earth, axis=1, keepdims=True), 1e-9)
    a_side = np.sum(acc_earth * left_earth, axis=1)
    sides = []
    for t0, t1 in windows:
        m = (t_s >= t0) & (t_s <= t1)
        if m.sum() < 5:
            sides.append("unknown")
            continue
        tt, a = t_s[m], a_side[m] - np.median(a_side[m])
        dt = np.diff(tt, prepend=tt[0])
        vel = np.cumsum(a * dt)
        disp = np.cumsum(vel * dt)
        sides.append("left" if disp[np.argmax(np.abs(disp))] > 0 else "right")
    return sides


@dataclass(frozen=True)
class StepParams:
    """Named defaults of the step detector."""

    acc_cutoff_hz: float = 6.0  # low-pass of the horizontal acceleration (keeps the step, drops impact ringing)
    velocity_highpass_hz: float = 0.3  # removes integration drift from a small tilt error (0.2 m/s² per degree)
    # where the sensor stands still (turning slower than still_dps, accelerating less than still_mps2, for still_s)
    # its velocity is zero: the drift between such instants is taken out as a line, which keeps a walk's steady
    # travel (a high-pass takes that out too, and a walk that never stops between steps then reads every pause
    # between steps as a step back); without a still instant on both sides the high-pass stands
    still_dps: float = 5.0
    still_mps2: float = 0.3
    still_s: float = 0.2
    min_peak_mps: float = 0.1  # smallest sideways speed of a step (a 10-cm step in 0.6 s peaks near 0.3 m/s)
    min_prominence_mps: float = 0.08
    # a step moves the sensor at least this share of the recording's big bumps (their 75th percentile): a trail
    # step moves the pelvis ~0.75 of a lead step; a thigh's counter-swing against the travel while the other leg
    # steps, or a hike at double support, bumps its velocity by 0.1–0.3 of a step
    min_peak_share: float = 0.4
    min_separation_s: float = 0.25  # two steps' speed peaks are at least this far apart
    same_direction_deg: float = 40.0  # steps of one walk share a direction of travel within this angle
    rebound_deg: float = 120.0  # a high-pass rebound points at least this far from the step it follows
    artefact_ratio: float = 1.3  # a peak opposite to a much larger neighbour is that step's high-pass rebound
    neighbour_s: float = 0.7
    max_gap_s: float = 2.5  # a longer gap between steps ends the walk
    reverse_gap_s: float = 4.0  # walking back the other way within this time continues the set
    min_steps: int = 2
    rhythm_factor: float = 1.8  # an end step further than this × the walk's median interval from it is a set-up


@dataclass(frozen=True)
class StepEvent:
    """One detected step: velocity-bump start/end (s), peak time (s), peak sideways speed (m/s), unit direction
    of travel in the earth's horizontal plane."""

    start_s: float
    end_s: float
    peak_s: float
    peak_mps: float
    direction: tuple[float, float]


def _drift_free_velocity(t_s: np.ndarray, quat_wxyz: np.ndarray, acc_mps2: np.ndarray,
                         params: StepParams) -> tuple[np.ndarray, bool]:
    """The velocity zeroed where the sensor stands still (`still_*`) and taken out as a line in between; without a
    still stretch in the first and the last quarter, high-passed instead. Returns it and whether it was
    high-passed (whose rebounds `_drop_rebounds` then removes)."""
    if len(t_s) < 30:
        return np.zeros((len(t_s), 2)), False
    fs = 1.0 / float(np.median(np.diff(t_s)))
    acc_h = (rotate_to_earth(quat_wxyz, acc_mps2) - np.array([0.0, 0.0, G_MPS2]))[:, :2]
    acc_h = filtfilt(butter2(min(params.acc_cutoff_hz, 0.45 * fs), fs), acc_h)
    vel = np.cumsum(acc_h, axis=0) / fs
    still = _still(quat_wxyz, acc_h, fs, params)
    k = np.flatnonzero(still)
    if len(k) == 0 or not (still[:len(still) // 4].any() and still[-len(still) // 4:].any()):
        return filtfilt(butter2(params.velocity_highpass_hz, fs, "highpass"), vel), True
    i = np.arange(len(vel))
    return vel - np.column_stack([np.interp(i, k, vel[k, j]) for j in range(vel.shape[1])]), False


def _still(quat_wxyz: np.ndarray, acc_h: np.ndarray, fs: float, params: StepParams) -> np.ndarray:
    """Samples where the sensor stands still: it turns (from the orientation) and accelerates (horizontally)
    less than the `still_*` limits for at least `still_s`."""
    dot = np.abs(np.sum(quat_wxyz[1:] * quat_wxyz[:-1], axis=1))
    turn_dps = np.degrees(2.0 * np.arccos(np.clip(dot, 0.0, 1.0))) * fs
    turn_dps = np.concatenate([turn_dps[:1], turn_dps])
    quiet = (turn_dps < params.still_dps) & (np.linalg.norm(acc_h, axis=1) < params.still_mps2)
    return long_runs(quiet, max(1, int(round(params.still_s * fs))))


def _velocity_peaks(t_s: np.ndarray, vel: np.ndarray, params: StepParams) -> list[StepEvent]:
    speed = np.linalg.norm(vel, axis=1)
    fs = 1.0 / float(np.median(np.diff(t_s)))
    peaks = find_peaks(speed, height=params.min_peak_mps, prominence=params.min_prominence_mps,
                       distance=max(1, int(params.min_separation_s * fs)))
    events = []
    for p in peaks:
        half = 0.1 * speed[p]  # the bump's extent: where the speed falls to a tenth of its peak
        i0 = p - _run_above(speed[p::-1], half)
        i1 = p + _run_above(speed[p:], half)
        d = vel[p] / speed[p]
        events.append(StepEvent(float(t_s[i0]), float(t_s[min(i1, len(t_s) - 1)]), float(t_s[p]), float(speed[p]),
                                (float(d[0]), float(d[1]))))
    return events


def _big_enough(events: list[StepEvent], params: StepParams) -> list[StepEvent]:
    """The bumps at least `min_peak_share` of the big ones (the 75th percentile of all)."""
    if not events:
        return events
    floor = params.min_peak_share * float(np.percentile([e.peak_mps for e in events], 75))
    return [e for e in events if e.peak_mps >= floor]


def _run_above(x: np.ndarray, level: float) -> int:
    below = np.flatnonzero(x < level)
    return int(below[0]) if len(below) else len(x) - 1


def _cos(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Cosine of the angle between two unit directions of travel."""
    return a[0] * b[0] + a[1] * b[1]


def _drop_rebounds(events: list[StepEvent], params: StepParams) -> list[StepEvent]:
    """Drop peaks that point against a much larger neighbouring step: the high-pass filter's rebound of it."""
    opposite = np.cos(np.radians(params.rebound_deg))
    keep = []
    for k, e in enumerate(events):
        rebound = any(
            abs(n.peak_s - e.peak_s) < params.neighbour_s and _cos(n.direction, e.direction) < opposite
            and n.peak_mps > params.artefact_ratio * e.peak_mps
            for n in events[max(0, k - 1):k] + events[k + 1:k + 2]
        )
        if not rebound:
            keep.append(e)
    return keep


def _runs(events: list[StepEvent], params: StepParams) -> list[list[StepEvent]]:
    """Consecutive steps in one direction of travel with no long gap between them."""
    same = np.cos(np.radians(params.same_direction_deg))
    runs: list[list[StepEvent]] = []
    for e in events:
        last = runs[-1] if runs else None
        if last and e.start_s - last[-1].end_s <= params.max_gap_s and _cos(_mean_dir(last), e.direction) >= same:
            last.append(e)
        else:
            runs.append([e])
    return runs


def _mean_dir(run: list[StepEvent]) -> tuple[float, float]:
    """The run's mean unit direction of travel."""
    d = np.sum([e.direction for e in run], axis=0)
    d = d / max(float(np.linalg.norm(d)), 1e-12)
    return float(d[0]), float(d[1])


def _extend(walk: list[StepEvent], candidates: list[list[StepEvent]], params: StepParams, forward: bool) -> list:
    """Add runs next to the walk that turn back the other way (there and back in one set)."""
    back = -np.cos(np.radians(params.same_direction_deg))
    last_dir = _mean_dir(walk[-params.min_steps:] if forward else walk[:params.min_steps])
    for r in candidates:
        gap = r[0].start_s - walk[-1].end_s if forward else walk[0].start_s - r[-1].end_s
        if len(r) < params.min_steps or gap > params.reverse_gap_s or _cos(_mean_dir(r), last_dir) > back:
            break
        walk = walk + r if forward else r + walk
        last_dir = _mean_dir(r)
    return walk


def _walk(runs: list[list[StepEvent]], params: StepParams) -> list[StepEvent]:
    """The longest run, extended by runs just before/after it that walk the opposite way."""
    if not runs:
        return []
    k = max(range(len(runs)), key=lambda i: (len(runs[i]), sum(e.peak_mps for e in runs[i])))
    walk = _extend(list(runs[k]), runs[k + 1:], params, forward=True)
    walk = _extend(walk, runs[:k][::-1], params, forward=False)
    walk = _trim_to_rhythm(walk, params)
    return walk if len(walk) >= params.min_steps else []


def _trim_to_rhythm(walk: list[StepEvent], params: StepParams) -> list[StepEvent]:
    """Steps come in a rhythm: drop an end step set apart from the walk by much more than its typical interval
    (stepping into the band, a set-up move that happened to point the same way)."""
    while len(walk) >= 4:
        gaps = np.diff([e.peak_s for e in walk])
        typical = float(np.median(gaps))
        if gaps[0] > params.rhythm_factor * typical:
            walk = walk[1:]
        elif gaps[-1] > params.rhythm_factor * typical:
            walk = walk[:-1]
        else:
            break
    return walk


def detect_steps(t_s: np.ndarray, quat_wxyz: np.ndarray, acc_mps2: np.ndarray,
                 params: StepParams = StepParams()) -> list[StepEvent]:
    """The steps of a lateral band walk, in time order (see the module docstring for the method)."""
    if len(t_s) < 30:
        return []
    vel, highpassed = _drift_free_velocity(t_s, quat_wxyz, acc_mps2, params)
    events = _big_enough(_velocity_peaks(t_s, vel, params), params)
    if highpassed:  # a step turning back the other way at once is real where no high-pass made rebounds
        events = _drop_rebounds(events, params)
    return _walk(_runs(events, params), params)
