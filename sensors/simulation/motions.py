"""One kinematics function per exercise: the pelvis's and the thigh's posture on the internal grid (segment to
earth, lifter facing +x) from the movement coordinate. The registry names each entry's function
(`Exercise.motion`); an entry whose function is missing is an error, never another exercise's motion."""
from __future__ import annotations

from typing import TYPE_CHECKING

from sensors.exercises import exercise
from sensors.simulation.frames import (
    BAND_HIKE_DEG, BAND_SWING_FLEX_DEG, FORWARD, LEFT, RIGHT, UP, Segment, rotation_deg, band_swing,
)

if TYPE_CHECKING:
    from scipy.spatial.transform import Rotation as R

HIP_THRUST_THIGH_FACTOR = 1.25  # the working thigh's range over the pelvis's on a hip thrust
BRIDGE_THIGH_FACTOR = 1.1  # and on a glute bridge (knees bent, shoulders on the floor)
RDL_THIGH_FACTOR = 0.3  # and on a Romanian deadlift (most of the hinge is the pelvis turning over the femurs)
KICKBACK_LEAN_DEG = 15.0  # standing kickback: the torso leans forward onto the machine or the wall
KICKBACK_START_FLEX_DEG = 10.0  # and the working thigh starts a little ahead of vertical
HYDRANT_ROTATION = 0.3  # fire hydrant: the thigh's external rotation per degree of abduction

def hip_thrust(s: Segment) -> R:
    """Hip thrust and single-leg hip thrust: the pelvis from torso inclined (hips low) to torso horizontal (the
    standing pelvis turned 90° back, plus the tuck); the working thigh from flexed to horizontal; on a single-leg
    thrust the free leg is held up (hip flexed ~90°), carried by the pelvis."""
    if s.placement == "pelvis":
        return rotation_deg(RIGHT, 90.0 - s.rom_deg * (1.0 - s.th) + s.pose.tilt_deg * s.pose.theta)
    free_leg = exercise(s.cfg.exercise).single_leg and s.left_thigh != s.working_left
    if free_leg:
        return rotation_deg(RIGHT, 180.0 - s.rom_deg * (1.0 - s.th))
    return rotation_deg(RIGHT, 90.0 + HIP_THRUST_THIGH_FACTOR * s.rom_deg * (1.0 - s.th))


def glute_bridge(s: Segment) -> R:
    """Lying supine, knees bent: the pelvis rotates posteriorly as the hips rise, the thighs extend."""
    if s.placement == "pelvis":
        return rotation_deg(RIGHT, 90.0 + s.rom_deg * s.th + s.pose.tilt_deg * s.pose.theta)
    return rotation_deg(RIGHT, 140.0 + BRIDGE_THIGH_FACTOR * s.rom_deg * (1.0 - s.th))


def seated_hip_abduction(s: Segment) -> R:
    """Seated upright: the thigh (horizontal) abducts about gravity; the pelvis barely moves."""
    if s.placement == "pelvis":
        return rotation_deg(RIGHT, 12.0 + 1.5 * s.th)
    out = 1.0 if s.left_thigh else -1.0
    return rotation_deg(UP, out * s.rom_deg * s.th) * rotation_deg(RIGHT, 90.0)


def clamshell(s: Segment) -> R:
    """Side-lying, hips flexed 45°: the top leg's knee opens up toward the ceiling, against gravity, about the
    body's long axis; the bottom thigh stays still; the pelvis lies on the bottom leg's side and rocks a few
    degrees. The top leg is `side`, else the sensor's leg."""
    top_leg_left = (s.cfg.side or ("left" if s.left_thigh else "right")) == "left"
    sign = 1.0 if top_leg_left else -1.0  # lying on the other side: mirror image
    if s.placement == "pelvis":
        return rotation_deg(FORWARD, sign * 90.0) * rotation_deg(RIGHT, 5.0 - 4.0 * s.th)
    opening = s.rom_deg * s.th if s.left_thigh == top_leg_left else 0.0 * s.th
    # the long axis runs along earth's y either way: about its −y end a positive turn lifts the forward knee
    return rotation_deg(RIGHT, opening) * rotation_deg(FORWARD, sign * 90.0) * rotation_deg(RIGHT, 45.0)


def lateral_band_walk(s: Segment) -> R:
    """Half squat. Pulse steps: the pelvis rolls a little toward the stepping side, the thigh abducts and back.
    Lead and trail: the swing leg's side of the pelvis hikes mid-step (level in between), the swing thigh flexes
    to clear the floor while the stance widens (lead) or narrows (trail)."""
    pose, th = s.pose, s.th
    lead_trail = s.cfg.band_steps == "lead_trail"
    if s.placement == "pelvis":
        roll = BAND_HIKE_DEG * pose.walk_side * band_swing(pose.theta) if lead_trail else -4.0 * pose.walk_side * th
        return rotation_deg(FORWARD, roll) * rotation_deg(LEFT, 15.0 + 0 * th)
    out = 1.0 if s.left_thigh else -1.0
    flex = 35.0 + 0 * th
    if lead_trail:
        swing = pose.walk_side * band_swing(pose.theta) * out  # > 0: this leg swings (left leads to the left)
        flex = flex + BAND_SWING_FLEX_DEG * swing.clip(0)
    return rotation_deg(FORWARD, -out * s.rom_deg * th) * rotation_deg(RIGHT, flex)


def cable_kickback(s: Segment) -> R:
    """Standing, the torso leaning a little forward onto the machine: the working thigh extends back from a
    slight flexion (hip extension from upright, the knee travelling behind the body) and returns; the standing
    thigh and the pelvis stay put (the pelvis tips forward a few degrees as the leg goes back)."""
    if s.placement == "pelvis":
        return rotation_deg(RIGHT, -KICKBACK_LEAN_DEG - 3.0 * s.th)
    if s.left_thigh != s.working_left:
        return rotation_deg(RIGHT, 0.0 * s.th)
    return rotation_deg(RIGHT, KICKBACK_START_FLEX_DEG - s.rom_deg * s.th)


def lying_kickback(s: Segment) -> R:
    """Lying face down (head toward +x), the leg straight: the working thigh lifts off the floor behind the body
    (hip extension, the knee rising) and lowers back; the pelvis stays on the floor, tipping a degree or two."""
    if s.placement == "pelvis":
        return rotation_deg(RIGHT, -90.0 - 2.0 * s.th)
    if s.left_thigh != s.working_left:
        return rotation_deg(RIGHT, -90.0 + 0.0 * s.th)
    return rotation_deg(RIGHT, -90.0 - s.rom_deg * s.th)


def fire_hydrant(s: Segment) -> R:
    """On all fours (torso level, head toward +x, the thighs hanging vertically under the hips): the working knee
    swings out to the side and up about the body's long axis (hip abduction) while the thigh turns out about its
    own long axis (external rotation); the pelvis stays level, rolling a few degrees."""
    out = 1.0 if s.working_left else -1.0
    if s.placement == "pelvis":
        return rotation_deg(FORWARD, out * 3.0 * s.th) * rotation_deg(RIGHT, -90.0)
    if s.left_thigh != s.working_left:
        return rotation_deg(FORWARD, 0.0 * s.th)
    return rotation_deg(FORWARD, out * s.rom_deg * s.th) * rotation_deg(UP, -out * HYDRANT_ROTATION * s.rom_deg * s.th)


def romanian_deadlift(s: Segment) -> R:
    """Standing, a hinge at the hips: the pelvis tips forward by the range at the bottom (the torso toward level,
    the back flat) and comes back to upright, plus the tuck at lockout; the thighs incline with the hips pushed
    back (the knees soft, ahead of the hips) by a share of the pelvis's range."""
    if s.placement == "pelvis":
        return rotation_deg(RIGHT, -s.rom_deg * (1.0 - s.th) + s.pose.tilt_deg * s.pose.theta)
    return rotation_deg(RIGHT, RDL_THIGH_FACTOR * s.rom_deg * (1.0 - s.th))


# every kinematics function, by the name the registry gives it (`Exercise.motion`)
KINEMATICS = {f.__name__: f for f in (hip_thrust, glute_bridge, seated_hip_abduction, clamshell, lateral_band_walk,
                                      cable_kickback, lying_kickback, fire_hydrant, romanian_deadlift)}
THIGH_RANGE_FACTOR = {hip_thrust: HIP_THRUST_THIGH_FACTOR, glute_bridge: BRIDGE_THIGH_FACTOR,
                      romanian_deadlift: RDL_THIGH_FACTOR}


def kinematics(name: str):
    """The kinematics function of exercise `name` (its registry entry's `motion`); ValueError naming the simulated
    ones when there is none."""
    motion = exercise(name).motion
    try:
        return KINEMATICS[motion]
    except KeyError:
        raise ValueError(f"the simulator has no kinematics for exercise {name!r} (motion {motion!r}; simulated: "
                         f"{', '.join(KINEMATICS)})") from None


def thigh_range_factor(name: str) -> float:
    """The working thigh's range over the pelvis's on a hip-extension lift (1 where the thigh is the primary)."""
    return THIGH_RANGE_FACTOR.get(kinematics(name), HIP_THRUST_THIGH_FACTOR)
