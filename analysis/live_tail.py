"""Provisional reps of a running set from its newest seconds: the live re-reading that replaces a whole offline
analysis at each lowering's end once the set's movement axis is known.

The streaming analyzer already keeps every sample's real-time orientation (`vqf.VQF`) and gyro bias, and the set's
first settled reps gave the movement axis (signed: + toward the contracted position) and the pelvis frame. So a
new rep is read from the tail alone: from just before the last announced rep's lift to now, the bias-free rate on
a uniform grid (`bodyframe`), its angle and speed about the known axis, and the offline segmentation
(`segmentation.segment_reps`) of that stretch. Its metrics are those the tail can tell (phases, range, peak
speed, the hip's rise and lifting speed on hip-extension lifts (`rise.rep_rise` on the tail's vertical
acceleration), pelvis tilt and drop at the top, tempo checks, faults and cues, the range fraction as the offline
pipeline takes it: against the set's reps so far); the set's end gives the final word (the offline analysis).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from analysis import faults as fault_rules
from analysis import pelvis, rise
from analysis.bodyframe import about_axis, lowpass, resample_uniform
from analysis.orientation import up_in_sensor
from analysis.params import DEFAULT_PARAMS, AnalysisParams
from analysis.results import Phase, Rep, TempoTarget
from analysis.segmentation import RepSpan, segment_reps
from analysis.tempo import check_rep, tempo_misses
from sensors.exercises import Exercise


@dataclass(frozen=True)
class TailParams:
    """Named defaults of the tail re-reading; times in s."""

    lead_s: float = 0.5  # the tail begins this long before the last announced rep's lift (at rest, before it)
    min_s: float = 2.0  # a shorter tail holds no rep
    max_s: float = 60.0  # a longer one (a long rest since the last rep) is cut to its newest part


TAIL = TailParams()
# faults whose cue quotes the orientation's or the rise's numbers (tilt, drop, range): those the tail reads off the
# real-time orientation, where the offline analysis's can differ by a degree
POSTURE_FAULTS = frozenset({"lumbar_arch", "pelvic_drop", "partial_rom"})


@dataclass(frozen=True)
class SetFrame:
    """What the set's settled reps told about the sensors: the primary's movement axis (sensor frame, unit,
    + toward the contracted position) and, with a pelvis sensor, its frame and tilt reference (`Calibration`)."""

    axis_sensor: np.ndarray
    pelvis_frame: pelvis.PelvisFrame | None = None
    tilt_reference: str | None = None  # "standing" | "set" | None
    pelvis_up_top: np.ndarray | None = None  # the set's median up vector at the tops (pelvis sensor frame)
    on_pelvis: bool = False  # the primary is the pelvis sensor


@dataclass(frozen=True)
class Tail:
    """Real-time samples of one sensor: `t_s` (n,), `acc_mps2` (n,3), bias-free `gyr_rads` (n,3), `quat_wxyz`
    (n,4)."""

    t_s: np.ndarray
    acc_mps2: np.ndarray
    gyr_rads: np.ndarray
    quat_wxyz: np.ndarray


@dataclass(frozen=True)
class TailReading:
    """The tail's reps about the known axis, and its angle (deg) and smoothed speed (rad/s, norm) at its samples."""

    spans: list[RepSpan]
    angle_deg: np.ndarray
    speed_rads: np.ndarray


def read_tail(tail: Tail, axis_sensor: np.ndarray, params: AnalysisParams = DEFAULT_PARAMS) -> TailReading:
    """The reps of the tail about the known axis, as the offline pipeline reads a set (grid, 10-Hz smoothed rate,
    integrated angle, `segment_reps`); none when the segmentation reads them the other way up (the known sign
    says which way is the lift: a tail that disagrees is not trusted)."""
    grid, rate, angle_deg, (spans, polarity) = _segmented(tail, axis_sensor, params)
    return TailReading(spans if polarity == 1 else [], np.interp(tail.t_s, grid.t_s, angle_deg),
                       np.interp(tail.t_s, grid.t_s, np.linalg.norm(rate, axis=1)))


def _segmented(tail: Tail, axis_sensor: np.ndarray, params: AnalysisParams):
    """The tail on a uniform grid: the grid, its 10-Hz smoothed rate, the angle about the axis (deg), and what
    `segment_reps` reads in it (spans, polarity)."""
    grid = resample_uniform(tail.t_s, tail.quat_wxyz, tail.gyr_rads)
    rate = lowpass(grid.gyr_rads, grid.rate_hz)
    angle_deg, speed_dps = about_axis(grid, rate, axis_sensor)
    return grid, rate, angle_deg, segment_reps(grid.t_s, angle_deg, speed_dps, grid.rate_hz,
                                               params=params.segmentation)


def holds_rep(tail: Tail, axis_sensor: np.ndarray, params: AnalysisParams = DEFAULT_PARAMS) -> bool:
    """The tail holds a complete rep about `axis_sensor` read either way up (a guessed axis's sign may be wrong)."""
    if len(tail.t_s) < 2:
        return False
    return bool(_segmented(tail, axis_sensor, params)[3][0])


def tail_rise(tail: Tail, reading: TailReading, span: RepSpan, before: Rep | None,
              params: AnalysisParams = DEFAULT_PARAMS) -> rise.RepRise | None:
    """The hip's rise and lifting speed over the rep `span` as the offline pipeline integrates it (`rise.rep_rise`
    from the bottom hold after `before`'s lowering, through a bounce from its top pause), on the tail's vertical
    acceleration (real-time orientation; the accelerometer's scale calibrated where the segment is still)."""
    acc_up = rise.vertical_acceleration(tail.quat_wxyz, tail.acc_mps2, reading.speed_rads < params.pipeline.still_rads)
    progress = rise.lift_progress(reading.angle_deg, span)
    hold = before.phase("eccentric").end_s if before is not None else None
    top = (before.phase("top_pause").start_s, before.phase("top_pause").end_s) if before is not None else None
    return rise.rep_rise(tail.t_s, acc_up, span.concentric, span.eccentric[0], hold, params.rise, progress=progress,
                         prev_top=top)


def range_fraction(rep: Rep, known: list[Rep], on_pelvis: bool, params: AnalysisParams = DEFAULT_PARAMS) -> float:
    """`rep`'s range over the median of `known` and it, as the offline pipeline takes it: on the pelvis in a
    hip-extension lift (`on_pelvis`), the hip rise when it was measured between two still holds, else the
    rotation."""
    reps = known + [rep]
    fraction = rep.rom_deg / max(float(np.median([r.rom_deg for r in reps])), 1e-9)
    if not on_pelvis or rep.rise_m is None:
        return float(fraction)
    median_rise = float(np.median([r.rise_m for r in reps if r.rise_m is not None]))
    held = (rep.top_pause_s or 0.0) >= params.rise.min_top_hold_s
    return rise.range_fraction(fraction, rep.rise_m, median_rise, held, params.pipeline.min_rise_m)


def posture_at(pel: Tail, t0: float, t1: float, frame: SetFrame) -> tuple[float | None, float | None, str | None]:
    """Pelvis tilt (deg, + posterior tuck), drop (deg) and its lower side over [t0, t1] (a top pause), from the
    mean up vector in the pelvis sensor frame; (None, None, None) without a pelvis frame."""
    if frame.pelvis_frame is None or len(pel.t_s) == 0:
        return None, None, None
    i0, i1 = np.searchsorted(pel.t_s, [t0, t1])
    i1 = max(i1, i0 + 1)
    up = up_in_sensor(pel.quat_wxyz[min(i0, len(pel.t_s) - 1):i1]).mean(axis=0)
    return posture_of(up / np.linalg.norm(up), frame)


def posture_of(up: np.ndarray, frame: SetFrame) -> tuple[float | None, float | None, str | None]:
    """Pelvis tilt (deg, + posterior tuck; None without a reference), drop (deg, ≥ 0) and its lower side for one
    unit up vector in the pelvis sensor frame: against the standing pose (`pelvis.tilt_from_standing`) or the
    set's median lockout; (None, None, None) without a pelvis frame."""
    if frame.pelvis_frame is None:
        return None, None, None
    drop, side = pelvis.drop_at(up, frame.pelvis_frame)
    tilt = None
    if frame.tilt_reference == "standing" and frame.pelvis_frame.superior_axis is not None:
        tilt = pelvis.tilt_from_standing(up, frame.pelvis_frame)
    elif frame.tilt_reference is not None and frame.pelvis_up_top is not None:
        ref = frame.pelvis_up_top / np.linalg.norm(frame.pelvis_up_top)
        # a posterior rotation by θ about the right axis turns the up vector (seen from the pelvis) by −θ
        tilt = -float(np.degrees(np.arctan2(np.cross(ref, up) @ frame.pelvis_frame.right_axis, ref @ up)))
    return tilt, float(drop), side


def with_bottom_pause(rep: Rep, next_onset_s: float) -> Rep:
    """`rep` with its bottom pause closed by the next rep's lift at `next_onset_s` (s)."""
    ecc = rep.phase("eccentric")
    phases = tuple(p for p in rep.phases if p.name != "bottom_pause")
    return replace(rep, end_s=next_onset_s, phases=phases + (Phase("bottom_pause", ecc.end_s,
                                                                   max(ecc.end_s, next_onset_s)),))


def provisional_rep(span: RepSpan, index: int, known: list[Rep], reading: TailReading, primary: Tail,
                    pel: Tail | None, frame: SetFrame, ex: Exercise, tempo: TempoTarget | None,
                    params: AnalysisParams = DEFAULT_PARAMS) -> Rep:
    """One new rep read from the tail: phases, range, peak speed, the hip's rise on hip-extension lifts, pelvis
    posture at the top, tempo checks and the faults and cues of the offline rules (`faults.rep_faults`; the range
    fraction against `known`, the set's reps so far, and the bottom pause before it is the last known rep's)."""
    c0, c1 = span.concentric
    e0, e1 = span.eccentric
    before = known[-1] if known else None
    rep = Rep(index=index, start_s=c0, end_s=e1,
              phases=(Phase("concentric", c0, c1), Phase("top_pause", c1, e0), Phase("eccentric", e0, e1)),
              rom_deg=float(span.range_deg), peak_speed_dps=float(span.peak_speed_dps))
    if ex.hip_extension:
        r = tail_rise(primary, reading, span, before, params)
        if r is not None:
            rep = replace(rep, rise_m=r.rise_m, mean_concentric_velocity_mps=r.mean_concentric_velocity_mps,
                          peak_concentric_velocity_mps=r.peak_concentric_velocity_mps)
        if pel is not None:
            tilt, drop, side = posture_at(pel, c1, e0, frame)
            rep = replace(rep, tilt_sagittal_deg=tilt, pelvic_drop_deg=drop, pelvic_drop_side=side)
    if tempo is not None:
        rep = replace(rep, tempo_checks=check_rep(rep, tempo))
    fraction = range_fraction(rep, known, frame.on_pelvis and ex.hip_extension, params)
    pause_before = before.bottom_pause_s if before is not None else None
    found = fault_rules.rep_faults(rep, tempo, fraction, pause_before, ex.faults, params.faults)
    cues = tuple(fault_rules.cue(f, rep, tempo, fraction) for f in found)
    cues += tuple(m.cue for m in tempo_misses(rep.tempo_checks, found))
    return replace(rep, faults=found, cues=cues)
