"""Segment orientation and position on the internal grid: the exercise's posture (its kinematics function,
looked up through the registry), the pelvic drop, the set-up blend from the start pose, fidgets and walking."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sensors.exercises import exercise
from sensors.simulation.config import SimConfig
from sensors.simulation.frames import BAND_STRIDE_M, FORWARD, RIGHT, UP, Pose, Segment, rotation_deg
from sensors.simulation.imu import INTERNAL_RATE_HZ
from sensors.simulation.motions import kinematics

if TYPE_CHECKING:
    from scipy.spatial.transform import Rotation as R

WALK_SPEED_MPS = 1.2


def segment_rotation(cfg: SimConfig, placement: str, pose: Pose, rom_deg: float) -> R:
    """Segment-to-earth rotation on the internal grid (heading: lifter faces +x when standing): the exercise's
    posture (its kinematics function), the pelvic drop, blended in from the start pose by the set-up, fidgets and
    walking."""
    from scipy.spatial.transform import Rotation as R

    th = (pose.theta if pose.sway is None else pose.theta + pose.sway) * pose.rom_scale
    seg = Segment(cfg, placement, pose, th, rom_deg)
    posture = kinematics(cfg.exercise)(seg)
    if placement == "pelvis":  # pelvic drop: about the pelvis's own longitudinal axis, non-working side down
        drop_sign = -1.0 if seg.working_left else 1.0  # + about superior axis lowers the left side (supine)
        posture = posture * rotation_deg(UP, drop_sign * pose.drop_deg * pose.theta)
    start = _start_posture(cfg, placement, len(pose.theta))
    # Set-up / re-rack: slerp-like blend from the start pose to the exercise posture via rotation vectors.
    rel = (start.inv() * posture).as_rotvec()
    blended = start * R.from_rotvec(rel * pose.setup[:, None])
    rot = R.from_rotvec(np.radians(pose.fidget)) * blended
    if pose.gait is not None and pose.gait_phase is not None and pose.heading_deg is not None:
        rot = _gait_rotation(placement, pose.heading_deg, pose.gait, pose.gait_phase) * rot
    return rot


# floor start: sitting on the floor, the upper back against the bench, the torso leaning back by this (about the
# right axis; the thrust's bottom leans 90° − the range), the thighs flexed with the knees up, the pelvis sensor a
# little below the bottom of the reps (0.35 m): the set-up is a lean back and a small shift, not a lift
FLOOR_PELVIS_DEG = 25.0
FLOOR_THIGH_DEG = 125.0
FLOOR_HIP_HEIGHT_M = 0.30


def _start_posture(cfg: SimConfig, placement: str, n: int) -> R:
    """The pose the set begins and ends in: standing (identity), or sitting on the floor (`floor_start`)."""
    from scipy.spatial.transform import Rotation as R

    if not cfg.floor_start:
        return R.identity(n)
    return rotation_deg(RIGHT, np.full(n, FLOOR_PELVIS_DEG if placement == "pelvis" else FLOOR_THIGH_DEG))


def _gait_rotation(placement: str, heading_deg: np.ndarray, env: np.ndarray, phase: np.ndarray) -> R:
    """Walking in or off (standing posture): heading (deg), and per step (gait envelope `env`, step phase in rad)
    the pelvis's yaw, roll and bounce pitch or the thigh's swing (the legs in opposite phase)."""
    stride = phase / 2  # one stride = two steps
    if placement == "pelvis":
        yaw, roll, pitch = 4.0 * np.sin(stride) * env, 3.0 * np.sin(stride + 0.5) * env, 2.0 * np.sin(phase) * env
    else:
        sign = -1.0 if placement == "thigh_right" else 1.0
        yaw, roll, pitch = 0.0 * env, 0.0 * env, (10.0 + 20.0 * sign * np.sin(stride)) * env
    return rotation_deg(UP, heading_deg + yaw) * rotation_deg(FORWARD, roll) * rotation_deg(RIGHT, pitch)


def segment_position(cfg: SimConfig, placement: str, rot: R, pose: Pose) -> np.ndarray:
    """Sensor position (m, earth) on the grid: pelvis rises/sinks with the lift; thigh sensor 0.2 m from the hip."""
    ex = cfg.exercise
    hip = np.zeros((len(pose.theta), 3))
    lift = exercise(ex).lift_m
    start_m = FLOOR_HIP_HEIGHT_M if cfg.floor_start else 0.9  # standing, or sitting on the floor
    hip[:, 2] = start_m * (1 - pose.setup) + 0.35 * pose.setup + lift * pose.theta * pose.rom_scale * pose.setup
    steps = exercise(ex).steps
    if steps and cfg.band_steps == "lead_trail":  # half the stride in each step
        hip[:, 1] = np.cumsum(pose.walk_side * np.abs(np.gradient(pose.theta))) * BAND_STRIDE_M / 2
    elif steps:
        hip[:, 1] = np.cumsum(pose.walk_side * np.gradient(pose.theta).clip(0)) * 0.25
    if pose.gait is not None and pose.gait_phase is not None and pose.heading_deg is not None:  # walking in / off
        # at 1.2 m/s along the heading, bouncing 2.5 cm per step
        step_m = WALK_SPEED_MPS * pose.gait / INTERNAL_RATE_HZ
        h = np.radians(pose.heading_deg)
        hip[:, 0] += np.cumsum(step_m * np.cos(h))
        hip[:, 1] += np.cumsum(step_m * np.sin(h))
        hip[:, 2] += 0.025 * np.cos(pose.gait_phase) * pose.gait
    if placement == "pelvis":
        return hip + rot.apply([0.0, 0.0, 0.05])
    return hip + rot.apply([0.0, 0.0, -0.2])  # 20 cm down the thigh
