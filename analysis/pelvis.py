"""Pelvis posture at the top of each rep: sagittal tilt (tuck vs lumbar arching) and frontal drop.

Both come from the direction of gravity in the sensor frame (the orientation filter's up vector), so they need no
heading and do not drift. The pelvis's mediolateral axis is the direction that stays horizontal while the pelvis
rotates through the reps: the least-variance direction of the up vector over the set (refined from, and signed
like, the movement axis, whose positive sense is the concentric = posterior rotation, i.e. it points right).
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


def pelvis_frame(
    up_in_set: np.ndarray, movement_axis: np.ndarray, up_standing: np.ndarray | None,
    up_bottom: np.ndarray | None = None
) -> PelvisFrame:
    """Mediolateral axis, signed as the movement axis (+ = right, posterior rotation positive).

    With a standing pose it is exact and immune to drops during the reps: the pelvis is level both standing and
    in the start position of the lift, so the axis is horizontal in both, i.e. perpendicular to both up vectors.
    Otherwise it is the least-variance direction of the up vector over the reps.
    """
    cov = up_in_set.T @ up_in_set / max(len(up_in_set), 1)
    evals, evecs = np.linalg.eigh(cov)
    axis = evecs[:, 0]
    if up_standing is not None and up_bottom is not None:
        cross = np.cross(up_standing, up_bottom)
        if np.linalg.norm(cross) > np.sin(np.radians(20.0)) * np.linalg.norm(up_standing) * np.linalg.norm(up_bottom):
            axis = cross / np.linalg.norm(cross)
    if axis @ movement_axis < 0:
        axis = -axis
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


def lockout_is_torso_horizontal(up_tops: np.ndarray, frame: PelvisFrame, params: PelvisParams = PELVIS) -> bool:
    """Sanity check of the standing reference: at the tops the superior axis must lie near horizontal."""
    incl = np.degrees(np.arcsin(np.clip(up_tops @ frame.superior_axis, -1, 1)))
    return bool(np.median(np.abs(incl)) < params.lockout_max_inclination_deg)
