"""The offline analysis of one set: IMU series in, `SetReport` out (and per-sample traces for `export`).

Order of work: orientation (VQF) → uniform grid → movement axis and angle of the primary segment → reps and
phases → pelvis posture at each top → tempo checks, faults and cues. Pure functions over arrays; no I/O.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np

from analysis import bandwalk, pelvis, rise, rise_reps
from analysis import faults as fault_rules
from analysis.axis_reading import MovementReading as MovementReading
from analysis.axis_reading import best_reading
from analysis.axis_reading import read_movement as read_movement
from analysis.orientation import up_in_sensor
from analysis.params import DEFAULT_PARAMS, AnalysisParams
from analysis.pelvis_posture import PelvisResult, pelvis_metrics
from analysis.results import Phase, Rep, SetReport, Step, TempoTarget
from analysis.segment import ImuSeries, Segment, flip, grid_up, mean_over, process, vertical_acc, walking_on_grid
from analysis.segment import Orientation as Orientation
from analysis.segment import oriented as oriented
from analysis.segment import sliced as sliced
from analysis.segmentation import RepSpan
from analysis.tempo import check_rep, tempo_misses
from sensors.exercises import Exercise
from sensors.exercises import exercise as exercise_entry


@dataclass(frozen=True)
class SegmentTrace:
    """Per-sample curves of one series (at its own timestamps), for export and plots."""

    placement: str
    t_s: np.ndarray
    quat_wxyz: np.ndarray
    segment_angle_deg: np.ndarray  # rotation about the movement axis, + = toward the contracted position
    tilt_sagittal_deg: np.ndarray  # pelvis only (NaN elsewhere): + posterior tuck, − anterior tilt
    pelvic_drop_deg: np.ndarray  # pelvis only (NaN elsewhere): mediolateral inclination, + = left side lower


def _primary(exercise: str, placements: Sequence[str]) -> str:
    """The placement that sees the movement: a thigh on thigh-led exercises when one is worn, else the pelvis."""
    thighs = [p for p in placements if p.startswith("thigh")]
    if exercise_entry(exercise).thigh_led and thighs:
        return thighs[0]
    return "pelvis" if "pelvis" in placements else placements[0]


def _phases(span: RepSpan) -> tuple[Phase, ...]:
    c0, c1 = span.concentric
    e0, e1 = span.eccentric
    phases = [Phase("concentric", c0, c1), Phase("top_pause", c1, e0), Phase("eccentric", e0, e1)]
    if span.next_onset_s is not None:
        phases.append(Phase("bottom_pause", e1, max(e1, span.next_onset_s)))
    return tuple(phases)


def _band_walk_sides(pel: Segment | None, windows: list[tuple[float, float]],
                     params: pelvis.PelvisParams) -> list[str] | None:
    if pel is None or not windows:
        return None
    t = pel.grid.t_s
    up = grid_up(pel)
    standing = pelvis.standing_pose(t, up, pel.rate_rads, params)
    if standing is None:
        return None
    up_standing = mean_over(t, up, *standing)
    up_squat = np.median([mean_over(t, up, w0 - 0.2, w0) for w0, _ in windows], axis=0)
    left = bandwalk.left_axis(up_standing / np.linalg.norm(up_standing), up_squat / np.linalg.norm(up_squat))
    if left is None:
        return None
    return bandwalk.step_sides(pel.series.t_s, pel.quat, pel.acc_mps2, left, windows)


def band_walk_steps(segs: dict, primary: str, notes: list, params: AnalysisParams) -> tuple[Step, ...]:
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
            segs[p] = process(s, params)
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
    # the primary's angle and speed are read about the candidate axes (`best_reading`)
    return {p: process(s, params, read_axis=p != primary) for p, s in by_placement.items() if p in needed}, primary


def placements_read(exercise: str, placements: Sequence[str]) -> set[str]:
    """The placements among those worn whose samples `analyze_set` reads for `exercise`: the primary, and the
    pelvis where the exercise reads its posture (the others only for traces)."""
    posture = "pelvis" in placements and exercise_entry(exercise).posture
    return {_primary(exercise, placements)} | ({"pelvis"} if posture else set())


def _confidence(seg: Segment, spans: list[RepSpan], pel: PelvisResult | None) -> float:
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
    walking = None if ex.upright else walking_on_grid(segs[primary], params.pipeline)
    # the vertical acceleration, once: no reading of the axis changes the orientation, accelerometer or grid speed
    acc_up = vertical_acc(segs[primary], params.pipeline) if ex.hip_extension else None
    seg, spans, polarity = best_reading(segs[primary], params, walking, acc_up)
    seg = segs[primary] = flip(seg, polarity)
    known_rises: dict = {}  # integrated once for both readings of the set on the pelvis
    if primary == "pelvis" and acc_up is not None:
        spans = _with_arched_reps(seg, spans, acc_up, params, known_rises)
    notes = [f"movement axis from the {primary} sensor's rotation ({seg.axis_confidence:.0%} of it on one axis)"]
    pel = None
    if ex.hip_extension and "pelvis" in segs and spans:
        on_pelvis = primary == "pelvis"  # its walk and vertical acceleration are known already
        known_walk = (np.zeros(len(seg.grid.t_s), dtype=bool) if walking is None else walking) if on_pelvis else None
        pel = pelvis_metrics(ex, segs["pelvis"], spans, on_pelvis, params, known_walk, acc_up if on_pelvis else None)
        segs["pelvis"] = pel.seg
        notes.extend(pel.notes)
    reps, steps = [], ()
    if ex.steps:
        steps = band_walk_steps(segs, primary, notes, params)
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


def _rises(seg: Segment, spans: list[RepSpan], acc_up: np.ndarray, params: rise.RiseParams,
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


def _with_arched_reps(seg: Segment, spans: list[RepSpan], acc_up: np.ndarray, params: AnalysisParams,
                      known: dict | None = None) -> list[RepSpan]:
    """Add the reps the pelvis's rotation missed but its rise shows (`rise_reps`: lumbar-arch reps)."""
    rises = [r.rise_m for r in _rises(seg, spans, acc_up, params.rise, known) if r is not None]
    if len(rises) < 2 or float(np.median(rises)) < params.pipeline.min_rise_m:
        return spans
    t = seg.series.t_s
    extra = rise_reps.missed_reps(t, acc_up, seg.quat, seg.grid.t_s, seg.angle_deg, spans, float(np.median(rises)),
                                  params.rise_reps)
    return rise_reps.merged(spans, extra)


def _range_fractions(ex: Exercise, seg: Segment, spans: list[RepSpan], rises: list,
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


def _reps(ex: Exercise, seg: Segment, spans: list[RepSpan], pel: PelvisResult | None,
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


def _stop_share(seg: Segment, span: RepSpan) -> float:
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


def _trace(seg: Segment, pel: PelvisResult | None) -> SegmentTrace:
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
