"""The frames and the state the kinematics read: earth axes (x forward, y left, z up: docs/conventions.md),
rotations about them, the per-sample pose of a set on the internal grid, and one segment's view of it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sensors.simulation.config import SimConfig

if TYPE_CHECKING:
    from scipy.spatial.transform import Rotation as R

BAND_STRIDE_M = 0.3  # lead_trail: the stance widens by this in a lead step and narrows in the trail step
BAND_HIKE_DEG = 4.0  # lead_trail: the swing leg's side of the pelvis lifts by this mid-step
BAND_SWING_FLEX_DEG = 10.0  # lead_trail: the swing thigh flexes by this mid-step to clear the floor


def rotation_deg(axis, deg) -> R:
    from scipy.spatial.transform import Rotation as R

    axis = np.asarray(axis, dtype=float)
    deg = np.atleast_1d(np.asarray(deg, dtype=float))
    return R.from_rotvec(np.outer(np.radians(deg), axis / np.linalg.norm(axis)))


RIGHT = (0.0, -1.0, 0.0)
LEFT = (0.0, 1.0, 0.0)
UP = (0.0, 0.0, 1.0)
FORWARD = (1.0, 0.0, 0.0)

@dataclass(frozen=True)
class Pose:
    """Per-sample movement state on the internal grid."""

    theta: np.ndarray  # 0 bottom … 1 top (movement coordinate)
    rom_scale: np.ndarray  # per-sample ROM scale of the current rep
    tilt_deg: np.ndarray  # posterior tuck at the top, ramps in with θ
    drop_deg: np.ndarray  # pelvic drop of the non-working side, ramps in with θ
    setup: np.ndarray  # 0 = standing, 1 = in the exercise posture (transition weight)
    fidget: np.ndarray  # (n, 3) small extra rotation vector, deg
    walk_side: np.ndarray  # band walk: +1 travelling left, −1 right, 0 none
    heading_deg: np.ndarray | None = None  # walking in / off: heading change (about up); None = constant
    gait: np.ndarray | None = None  # walking in / off: gait envelope (0 … 1); None = no walking
    gait_phase: np.ndarray | None = None  # step phase (rad): one step per 2π
    sway: np.ndarray | None = None  # postural sway, shares of the range: it turns the segment, it does not lift it


@dataclass(frozen=True)
class Segment:
    """What an exercise's kinematics reads: the set, the placement, the pose on the grid, the scaled movement
    coordinate `th` (θ × ROM scale, sway included) and the primary segment's range (deg)."""

    cfg: SimConfig
    placement: str
    pose: Pose
    th: np.ndarray
    rom_deg: float

    @property
    def left_thigh(self) -> bool:
        return self.placement == "thigh_left"

    @property
    def working_left(self) -> bool:
        return (self.cfg.side or "left") == "left"


def band_swing(theta: np.ndarray) -> np.ndarray:
    """Band walk, lead and trail: +1…0 mid-step of a widening (lead) step, −1…0 of a narrowing (trail) step."""
    return 4.0 * theta * (1.0 - theta) * np.sign(np.gradient(theta))
