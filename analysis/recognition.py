"""Which exercise a set is, from the sensor's posture relative to gravity and the axis it turns about.

Mounting must not matter, so nothing here uses the sensor's own axes. Every feature compares two directions
measured in the same (unknown) sensor frame:

- the **upright reference** `up_ref`: earth's up in the sensor frame while the wearer walks (the pelvis and the
  thigh are upright then), and for a thigh sensor the walking **swing axis** (the thigh flexes and extends about
  its mediolateral axis);
- the set's **posture**: earth's up at the tops of the reps (lockout) and at their starts, as angles from
  `up_ref`: about 0° standing, about 90° lying or (thigh) seated;
- the **movement axis** of the reps, against gravity, against `up_ref` (the segment's long axis) and against the
  walking swing axis.

What each exercise does to them (biomechanics, not fitted numbers):
- seated hip abduction: the thigh lies horizontal and swings about the vertical → axis along gravity;
- clamshell: hip external rotation while side-lying turns the thigh (and rolls the pelvis) about the segment's
  long axis → axis along `up_ref`; never about the walking swing axis;
- hip thrust / single-leg hip thrust / glute bridge: hip extension lying supine → axis across gravity and across
  the long axis (the walking swing axis for a thigh). At lockout on a bench the torso and thighs are horizontal
  (~90° from upright); in a bridge the shoulders stay on the floor, so the pelvis is tilted head-down and the
  knees are above the hips (>90°);
- lateral band walk: upright, and steps instead of reps (decided by the step detector).
- lying (prone) kickback: the thigh lies level and lifts away from upright (hip extension face down), where a
  supine lift brings the thigh toward level: its lockout is further from upright than its start;
- fire hydrant: the clamshell's turn (abduction with external rotation) on all fours: the thigh starts hanging
  upright under the hip, a clamshell's starts level;
- Romanian deadlift: a hip extension of the pelvis that locks out standing (a thrust's locks out lying);
  the thighs barely leave upright, so with two sensors the pelvis names it; likewise over a thigh read as a
  prone kickback (a single-leg thrust's free leg, held up, rises beyond level too) when the pelvis lifts in reps.
- a standing cable kickback is a walking stride's movement from a thigh's view, and anything standing is read
  for a band walk's steps: it is not recognised unasked (its registry entry says so).
- single-leg hip thrust: on one foot the pelvis is balanced on one hip, so its roll (the movement axis's tilt
  out of the horizontal) at lockout differs from rep to rep by a degree or more, where a two-legged lift, held
  by both feet, repeats it to within the orientation's noise (a few tenths of a degree). Only a pelvis sensor
  sees it; from a thigh sensor a single-leg set reads as `hip_thrust`.

With a pelvis and a thigh sensor both are read (`combine`): the thigh names the movement — it turns in every
rep exercise, about the axis that tells them apart, while the pelvis stays put in the thigh-led lifts and sits
upright on the abduction machine (its own reading would say "standing") — and the pelvis names the
hip-extension lift, bench or floor and one leg or two, which the thigh tells worse or not at all.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from analysis.orientation import up_at, up_in_sensor
from analysis.pipeline import MovementReading
from sensors.exercises import BY_NAME, HIP_EXTENSION_LIFTS, recognised

_THIGH, _HIP = "thigh_out_hold_back", "hip_extension"  # the rep shapes recognition tells apart


@dataclass(frozen=True)
class RecognitionParams:
    upright_max_deg: float = 45.0  # posture closer to upright than this: standing (band walk)
    axis_along: float = 0.7  # |cos| above which an axis counts as along a direction (45°)
    axis_across: float = 0.4  # |cos| below which it counts as across (66°)
    # hip extension turns about an axis square to the long axis (|cos| ≈ 0), abduction in a seated posture about
    # the vertical (0.1–0.4 of the long axis); the external rotation of a clamshell puts half or more on it
    clamshell_long_axis: float = 0.5
    bridge_lockout_deg: float = 102.0  # lockout further from upright than this: shoulders on the floor
    single_leg_roll_std_deg: float = 0.5  # rep-to-rep spread of the pelvis's lockout roll on one leg
    # a seated pelvis is within a few tens of degrees of upright (tilted back on the seat), a lying one (side or
    # back) about 90° from it
    seated_pelvis_max_deg: float = 45.0
    # a thigh's hip extension lying supine brings it toward level (its lockout closer to upright than its start);
    # lying prone it lifts away from level (further): the lockout this much further than the start
    prone_lift_deg: float = 0.0
    # a hinge (Romanian deadlift) locks out standing: the pelvis within standing sway and a tuck or arch (≤ ~15°)
    # of upright; a hip thrust's bottom, the nearest a lying lift comes, is ~40° and more from it
    hinge_top_max_deg: float = 25.0


RECOGNITION = RecognitionParams()


@dataclass(frozen=True)
class PostureReference:
    """Upright reference of one sensor over a recording; None fields when the wearer never walked."""

    up_ref: np.ndarray | None
    swing_axis: np.ndarray | None  # principal gyro axis while walking
    source: str = "walking"


@dataclass(frozen=True)
class SetFeatures:
    lockout_deg: float | None  # angle of earth's up at the reps' tops from the upright reference
    start_deg: float | None
    axis_gravity: float  # |cos| of the movement axis with earth's up (mid-rep)
    axis_long: float | None  # |cos| with the upright reference (the segment's long axis)
    axis_swing: float | None  # |cos| with the walking swing axis (thigh)
    lockout_roll_std_deg: float | None = None  # pelvis: spread over the reps of the axis's tilt at lockout


@dataclass(frozen=True)
class Recognition:
    exercise: str
    confidence: float  # 0..1
    upright: bool  # a standing posture: the set is read for steps


def _unit(v: np.ndarray) -> np.ndarray:
    return v / max(float(np.linalg.norm(v)), 1e-12)


def posture_reference(quat_wxyz: np.ndarray, gyr_rads: np.ndarray, walking: np.ndarray) -> PostureReference:
    """Earth's up and the swing axis in the sensor frame over the walking samples."""
    if walking.sum() < 50:
        return PostureReference(None, None)
    up_ref = _unit(np.median(up_in_sensor(quat_wxyz[walking]), axis=0))
    w = gyr_rads[walking] - gyr_rads[walking].mean(axis=0)
    swing = np.linalg.svd(w, full_matrices=False)[2][0]
    return PostureReference(up_ref, swing)


def _up_at(reading: MovementReading, times: list[float]) -> np.ndarray:
    return _unit(np.mean(up_at(reading.t_s, reading.quat_wxyz, times), axis=0))


def _angle_deg(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.degrees(np.arccos(np.clip(a @ b, -1.0, 1.0))))


def posture_deg(reading: MovementReading, times: list[float], ref: PostureReference) -> float:
    """Angle (deg) of earth's up at `times` from the upright reference (which must be known)."""
    return _angle_deg(_up_at(reading, times), ref.up_ref)


def set_features(reading: MovementReading, ref: PostureReference) -> SetFeatures:
    """The features above from the reps of one reading (there is at least one rep)."""
    up_top = _up_at(reading, [s.concentric[1] for s in reading.spans])
    up_start = _up_at(reading, [s.concentric[0] for s in reading.spans])
    ax = reading.axis_sensor
    axis_gravity = abs(float(ax @ _unit(up_top + up_start)))
    roll_std = _lockout_roll_std_deg(reading) if reading.placement == "pelvis" else None
    if ref.up_ref is None:
        return SetFeatures(None, None, axis_gravity, None, None, roll_std)
    thigh = reading.placement.startswith("thigh") and ref.swing_axis is not None
    swing = abs(float(ax @ ref.swing_axis)) if thigh else None
    return SetFeatures(_angle_deg(up_top, ref.up_ref), _angle_deg(up_start, ref.up_ref), axis_gravity,
                       abs(float(ax @ ref.up_ref)), swing, roll_std)


def _lockout_roll_std_deg(reading: MovementReading) -> float | None:
    """Standard deviation over the reps (3 or more) of the movement axis's elevation at each lockout, deg."""
    if len(reading.spans) < 3:
        return None
    tops = up_at(reading.t_s, reading.quat_wxyz, [s.concentric[1] for s in reading.spans])
    roll = np.degrees(np.arcsin(np.clip(tops @ reading.axis_sensor, -1.0, 1.0)))
    return float(np.std(roll))


def is_upright(features: SetFeatures, params: RecognitionParams = RECOGNITION) -> bool:
    """Standing: both the lockout and the start posture are near the upright reference."""
    if features.lockout_deg is None:
        return False
    return max(features.lockout_deg, features.start_deg) < params.upright_max_deg


def _margin(value: float, threshold: float, scale: float) -> float:
    """Confidence from how far a feature is past its threshold: 0.5 at the threshold, → 1 at `scale` beyond."""
    return float(np.clip(0.5 + 0.5 * abs(value - threshold) / scale, 0.5, 1.0))


def recognise(features: SetFeatures, params: RecognitionParams = RECOGNITION) -> Recognition:
    """The exercise of a set of reps (not steps) from its features, with a confidence."""
    p = params
    if is_upright(features, p):
        return Recognition(recognised("steps", "upright"), _margin(features.lockout_deg, p.upright_max_deg, 30.0), True)
    if features.axis_gravity >= p.axis_along:
        return Recognition(recognised(_THIGH, "seated"), _margin(features.axis_gravity, p.axis_along, 0.3), False)
    across_swing = features.axis_swing is not None and features.axis_swing < p.axis_across
    if (features.axis_long is not None and features.axis_long >= p.clamshell_long_axis) or across_swing:
        return _abduction_with_rotation(features, p)
    if features.lockout_deg is None:  # no upright reference: hip extension, bench or floor unknown
        return Recognition(recognised(_HIP, "supine_bench"), 0.4, False)
    if features.axis_swing is not None and features.lockout_deg > features.start_deg + p.prone_lift_deg:
        margin = _margin(features.lockout_deg - features.start_deg, p.prone_lift_deg, 15.0)
        return Recognition(recognised(_THIGH, "prone", True), margin, False)  # the thigh lifted away from upright
    standing_end = min(features.lockout_deg, features.start_deg)  # either way up: the hinge's top or bottom
    if standing_end < p.hinge_top_max_deg:  # a hinge: one end of the reps standing (a thrust's both lying)
        return Recognition(recognised(_HIP, "upright"), _margin(standing_end, p.hinge_top_max_deg, 20.0), False)
    confidence = _margin(features.lockout_deg, p.bridge_lockout_deg, 15.0)
    if features.lockout_deg > p.bridge_lockout_deg:
        return Recognition(recognised(_HIP, "supine_floor"), confidence, False)
    roll = features.lockout_roll_std_deg
    if roll is None:
        return Recognition(recognised(_HIP, "supine_bench"), min(confidence, 0.6), False)  # a thigh sees no difference
    single = roll >= p.single_leg_roll_std_deg
    confidence = min(confidence, _margin(roll, p.single_leg_roll_std_deg, 0.5))
    return Recognition(recognised(_HIP, "supine_bench", single), confidence, False)


def _abduction_with_rotation(features: SetFeatures, p: RecognitionParams) -> Recognition:
    """A turn about the thigh's long axis or across the walking swing axis: a clamshell lying on the side (the
    thigh starts level), a fire hydrant on all fours (the thigh starts hanging upright under the hip)."""
    value = features.axis_long if features.axis_long is not None else 0.0
    confidence = _margin(value, p.clamshell_long_axis, 0.4)
    if features.start_deg is not None and features.start_deg < p.upright_max_deg:
        confidence = min(confidence, _margin(features.start_deg, p.upright_max_deg, 30.0))
        return Recognition(recognised(_THIGH, "all_fours", True), confidence, False)
    return Recognition(recognised(_THIGH, "side_lying"), confidence, False)


def combine(pelvis: Recognition | None, thigh: Recognition | None, pelvis_posture_deg: float | None = None,
            params: RecognitionParams = RECOGNITION) -> Recognition | None:
    """One verdict from a pelvis's and a thigh's (None: too few reps on that sensor). The thigh's names the
    movement (standing, abduction, clamshell or hip extension); on hip extension the pelvis's names the lift
    when it read one too (bench or floor, one leg). `pelvis_posture_deg`: the pelvis's posture at the thigh's
    reps (`posture_deg`, the larger of lockout and start), when known: a pelvis sitting upright makes a thigh's
    clamshell (a turn across gravity and the swing axis: a reclined abduction seat reads so) a seated abduction,
    a lying one makes its abduction a clamshell (the one thigh-led lift done lying). Agreeing verdicts keep the
    higher confidence."""
    if thigh is None or pelvis is None:
        verdict = thigh if pelvis is None else pelvis
    elif pelvis.exercise in HIP_EXTENSION_LIFTS and (thigh.upright or BY_NAME[thigh.exercise].stance == "prone"):
        # a hinge's thighs stay near upright; a prone kickback's pelvis lies still, so a pelvis lifting in reps of
        # its own with a thigh that rises beyond level is a supine lift's thigh (a single-leg thrust's free leg)
        verdict = pelvis
    elif thigh.exercise in HIP_EXTENSION_LIFTS and not thigh.upright:
        verdict = pelvis if pelvis.exercise in HIP_EXTENSION_LIFTS else thigh
    elif pelvis.exercise == thigh.exercise:
        verdict = replace(thigh, confidence=max(thigh.confidence, pelvis.confidence))
    else:
        verdict = thigh
    if thigh is None or verdict is not thigh or pelvis_posture_deg is None:
        return verdict
    return _seated_or_lying(thigh, pelvis_posture_deg, params)


def _seated_or_lying(thigh: Recognition, pelvis_posture_deg: float, params: RecognitionParams) -> Recognition:
    """The thigh's thigh-led verdict, turned into the other one when the pelvis's posture says otherwise; the
    confidence then is the posture's margin, lowered by the thigh's confidence in its own verdict."""
    seated = pelvis_posture_deg < params.seated_pelvis_max_deg
    if BY_NAME[thigh.exercise].shape != _THIGH or BY_NAME[thigh.exercise].stance not in ("seated", "side_lying"):
        return thigh
    other = recognised(_THIGH, "seated" if seated else "side_lying")
    if other == thigh.exercise:
        return thigh
    margin = _margin(pelvis_posture_deg, params.seated_pelvis_max_deg, 30.0)
    return Recognition(other, min(margin, 1.5 - thigh.confidence), False)
