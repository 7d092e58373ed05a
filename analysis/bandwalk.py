"""Lateral band walk: direction of each step from the pelvis sensor.

Which way a step goes needs the body's left in the sensor frame. The standing pose gives the pelvis's vertical;
sinking into the half squat a band walk is done in tilts the pelvis forward (hip flexion with anterior pelvic
tilt), a rotation about the mediolateral axis whose sign names left. Each step then moves the pelvis sideways:
the horizontal acceleration along that axis, integrated twice over the step, says which way.
"""
from __future__ import annotations

import numpy as np

from analysis.orientation import rotate_to_earth

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
    t_s: np.ndarray, quat_wxyz: np.ndarray, acc_mps2: np.ndarray, left_sensor: np.ndarray, windows: list[tuple[float, float]]
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
