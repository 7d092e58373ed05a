"""Pelvis posture at the top of each rep: sagittal tilt (tuck vs lumbar arching) and frontal drop.

Both come from the direction of gravity in the sensor frame (the orientation filter's up vector), so they need no
heading and do not drift. The pelvis's mediolateral axis is the direction that stays horizontal while the pelvis
rotates through the reps: perpendicular to both the standing and the start pose's up vectors when there is a
standing pose (signed by the physics: lying back from standing is a posterior rotation), else the least-variance
direction of the up vector over the set, signed like the movement axis (whose positive sense is the concentric =
posterior rotation, i.e. it points right).

The standing reference is only a still pose the body is shown upright in (`standing_evidence`): the first still
pose of a recording may as well be sitting on the floor before a hip thrust, the pelvis leaning back 15–30°, which
as a reference would read every lockout as an arch of that size.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PelvisParams:
    """Named defaults of the pelvis posture stage."""

    standing_min_s: float = 1.2  # the standing reference is at least this long (the `record` command asks for ~2 s)
    standing_max_rate_rads: float = 0.12  # ~7°/s: standing still, allowing sway
    lockout_max_inclination_deg: float = 35.0  # a torso-horizontal lockout: superior axis within this of horizontal
    # upright evidence for a still start pose: the walking pelvis is upright, and a standing pelvis is within a few
    # degrees of it (sitting on the floor leans it back 15–30°)
    upright_tol_deg: float = 10.0
    # or, with no walk between, the pelvis comes down from standing height (~0.9 m) to the lift's start pose on or
    # near the floor (≤ 0.45 m); sitting on the floor it is there already (lying back moves it by centimetres)
    min_descent_m: float = 0.25  # standing comes down 0.5 m and more (measured ~30 % short), sitting ≤ 0.1 m
    max_descent_window_s: float = 30.0  # a longer double integral between two still instants drifts too far
    # the posture at a top is read over this middle share of the top pause (its middle, as the conventions define
    # it): a lift that overshoots settles back into the squeeze in its first part, and a boundary found a little
    # early or late does not reach into the moving edges
    top_read_share: float = 0.5


PELVIS = PelvisParams()


@dataclass(frozen=True)
class PelvisFrame:
    right_axis: np.ndarray  # sensor frame, unit; + rotation about it = posterior tilt
    superior_axis: np.ndarray | None  # sensor frame, from the standing pose; None without one
    confidence: float


def standing_pose(t_s: np.ndarray, up_sensor: np.ndarray, rate_rads: np.ndarray,
                  params: PelvisParams = PELVIS) -> tuple[float, float] | None:
    """The still, upright interval at the very start of a recording (the `record` command asks for ~2 s)."""
    speed = np.linalg.norm(rate_rads, axis=1)
    moving = np.flatnonzero(speed > params.standing_max_rate_rads)
    end = moving[0] if moving.size else len(t_s)
    if end == 0 or t_s[end - 1] - t_s[0] < params.standing_min_s:
        return None
    return float(t_s[0]), float(t_s[end - 1])


def top_window(top_start_s: float, top_end_s: float, params: PelvisParams = PELVIS) -> tuple[float, float]:
    """The part of a top pause [top_start_s, top_end_s] (s) the posture is read over: its middle share."""
    margin = 0.5 * (1.0 - params.top_read_share) * max(top_end_s - top_start_s, 0.0)
    return top_start_s + margin, top_end_s - margin


def descent_m(t_s: np.ndarray, acc_up_mps2: np.ndarray, t0_s: float, t1_s: float,
              params: PelvisParams = PELVIS) -> float | None:
    """Height change (m, + up) of the sensor between two still instants t0_s < t1_s, from its gravity-removed
    vertical acceleration (m/s²): integrated twice with the velocity zero at both ends (a constant bias integrates
    to a velocity ramp, taken out as a line); None when the interval is too long or holds too few samples."""
    i0, i1 = np.searchsorted(t_s, [t0_s, t1_s])
    if i1 - i0 < 3 or t1_s - t0_s > params.max_descent_window_s:
        return None
    t, a = t_s[i0:i1], acc_up_mps2[i0:i1]
    dt = np.diff(t)
    v = np.concatenate([[0.0], np.cumsum(0.5 * (a[1:] + a[:-1]) * dt)])
    v -= v[-1] * (t - t[0]) / (t[-1] - t[0])
    return float(np.sum(0.5 * (v[1:] + v[:-1]) * dt))


def standing_evidence(up_candidate: np.ndarray, up_walking: np.ndarray | None, descent: float | None,
                      params: PelvisParams = PELVIS) -> tuple[bool, str]:
    """Is a still start pose (its up vector in the sensor frame) upright standing? With a walk in the recording:
    when it is within `upright_tol_deg` of the walking pelvis's up; without one: when the pelvis came down at
    least `min_descent_m` from it to the lift (`descent`, m, + up; None: not measured). Also says why (a note)."""
    if up_walking is not None:
        cos = float(up_candidate @ up_walking) / float(np.linalg.norm(up_candidate) * np.linalg.norm(up_walking))
        angle = float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))
        if angle <= params.upright_tol_deg:
            return True, f"standing pose upright as the walking pelvis ({angle:.0f}° from it)"
        return False, f"the still pose at the start is {angle:.0f}° from the walking pelvis: not standing"
    if descent is not None and descent <= -params.min_descent_m:
        return True, f"standing pose: the pelvis came down {-descent:.1f} m from it to the lift"
    moved = "" if descent is None else f" (it moved {descent:+.2f} m)"
    return False, (f"the still pose at the start is not shown upright: no walk, and the pelvis did not come down "
                   f"from it to the lift{moved}")


def pelvis_frame(
    up_in_set: np.ndarray, movement_axis: np.ndarray, up_standing: np.ndarray | None,
    up_bottom: np.ndarray | None = None
) -> PelvisFrame:
    """Mediolateral axis (+ = right, posterior rotation positive).

    With a standing pose it is exact and immune to drops during the reps: the pelvis is level both standing and
    in the start position of the lift (`up_bottom`), so the axis is horizontal in both, i.e. perpendicular to both
    up vectors. Otherwise it is the least-variance direction of the up vector over the reps, signed like the
    movement axis.
    """
    cov = up_in_set.T @ up_in_set / max(len(up_in_set), 1)
    evals, evecs = np.linalg.eigh(cov)
    axis = evecs[:, 0]
    if axis @ movement_axis < 0:
        axis = -axis
    if up_standing is not None and up_bottom is not None:
        # lying back from standing turns the pelvis posteriorly by θ about the right axis r, so the up vector (seen
        # from the pelvis) turns by −θ: up_bottom × up_standing = sin θ · r, whatever the movement axis's sign
        cross = np.cross(up_bottom, up_standing)
        if np.linalg.norm(cross) > np.sin(np.radians(20.0)) * np.linalg.norm(up_standing) * np.linalg.norm(up_bottom):
            axis = cross / np.linalg.norm(cross)
    # confidence: how planar the pelvis motion is (small eigenvalue ≪ the next) and how well it agrees with the gyro
    planarity = 1.0 - evals[0] / max(evals[1], 1e-9)
    agreement = abs(float(axis @ movement_axis))
    superior = None
    if up_standing is not None:
        superior = up_standing / np.linalg.norm(up_standing)
    return PelvisFrame(axis, superior, float(np.clip(planarity * agreement, 0, 1)))


def drop_at(up_top: np.ndarray, frame: PelvisFrame) -> tuple[float, str]:
    """Inclination (deg, ≥ 0) of the mediolateral axis from horizontal and the lower side."""
    s = float(np.clip(frame.right_axis @ up_top, -1, 1))
    return abs(float(np.degrees(np.arcsin(s)))), ("left" if s > 0 else "right")


def tilt_from_standing(up_top: np.ndarray, frame: PelvisFrame) -> float:
    """Posterior tuck (+) / anterior tilt (−), deg, vs the standing pelvis carried into a torso-horizontal lockout:
    a neutral pelvis there has its superior axis horizontal; a tuck points it toward the floor."""
    return float(np.degrees(np.arcsin(np.clip(-(frame.superior_axis @ up_top), -1, 1))))


def tilt_from_set(up_top: np.ndarray, up_reference: np.ndarray, frame: PelvisFrame) -> float:
    """Posterior tuck (+) / anterior tilt (−), deg, of a top (its up vector, sensor frame) relative to the set's
    median lockout (`up_reference`), about the mediolateral axis: from gravity, so it does not drift over a set."""
    ref = up_reference / np.linalg.norm(up_reference)
    # a posterior rotation by θ about the right axis turns the up vector (seen from the pelvis) by −θ
    return -float(np.degrees(np.arctan2(np.cross(ref, up_top) @ frame.right_axis, ref @ up_top)))


def lockout_is_torso_horizontal(up_tops: np.ndarray, frame: PelvisFrame, params: PelvisParams = PELVIS) -> bool:
    """Sanity check of the standing reference: at the tops the superior axis must lie near horizontal."""
    incl = np.degrees(np.arcsin(np.clip(up_tops @ frame.superior_axis, -1, 1)))
    return bool(np.median(np.abs(incl)) < params.lockout_max_inclination_deg)
