"""Kinematic exercise simulator: IMU samples on the pelvis and/or thigh with exact ground truth.

Each segment's orientation is built from the exercise's postures (docs/conventions.md frames: segment x anterior,
y left, z superior; earth z up), driven by a normalised movement coordinate θ(t) (0 = start/bottom position,
1 = contracted/top) with smooth onsets. The sensor sits on the segment with an arbitrary fixed rotation; its gyro
is the body angular rate from the orientation trajectory and its accelerometer the specific force
`R_sensorᵀ (a_lin + g_up)` including the linear acceleration of the sensor's position. A consumer-IMU model
(BMI270/ICM-42688 class: noise density, bias, bias random walk, 16-bit quantisation, saturation, host timestamp
jitter) turns the ideal signals into samples.

Demos in `recordings/demo/` are regenerated with the commands listed in `DEMO_COMMANDS`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from sensors.batch import PLACEMENTS, SensorInfo
from sensors.exercises import EXERCISES, HIP_EXTENSION_LIFTS, exercise  # noqa: F401  (EXERCISES: the CLI's choices)
from sensors.recording import RecordingMeta, SensorStream
from sensors.rules import RepValues, label_faults, tolerance_s

if TYPE_CHECKING:  # scipy's Rotation is imported where it is used: `repscope --help` does not load it
    from scipy.spatial.transform import Rotation as R


G_MPS2 = 9.80665
INTERNAL_RATE_HZ = 1000.0
SIM_FAULTS = ("rushed", "no_top_pause", "momentum", "arch", "drop", "partial")

DEMO_COMMANDS = (
    "repscope simulate --exercise hip_thrust --reps 8 --tempo 3-1-1-2 --faults rushed_eccentric:3 lumbar_arch:6 "
    "--placement pelvis --placement thigh_left --rate 100 --seed 11 -o recordings/demo/hip-thrust.csv",
    "repscope simulate --exercise single_leg_hip_thrust --side right --reps 8 --tempo 2-1-1-2 --faults pelvic_drop:4,7 "
    "--placement pelvis --rate 100 --seed 12 -o recordings/demo/single-leg-hip-thrust.csv",
    "repscope simulate --exercise glute_bridge --reps 10 --tempo 2-1-1-2 --faults no_top_pause:5 partial_rom:9 "
    "--placement pelvis --rate 100 --seed 13 -o recordings/demo/glute-bridge.csv",
    "repscope simulate --exercise seated_hip_abduction --reps 10 --tempo 3-0-1-1 --faults momentum:4 "
    "--placement thigh_left --rate 100 --seed 14 -o recordings/demo/seated-hip-abduction.csv",
    "repscope simulate --exercise clamshell --reps 10 --tempo 2-1-1-1 --faults rushed_eccentric:8 "
    "--placement thigh_left --rate 100 --seed 15 -o recordings/demo/clamshell.csv",
    "repscope simulate --exercise lateral_band_walk --reps 12 --placement pelvis --placement thigh_left "
    "--rate 100 --seed 16 -o recordings/demo/lateral-band-walk.csv",
    "repscope simulate --session hip_thrust,single_leg_hip_thrust,lateral_band_walk --side right --rest 40 60 "
    "--placement pelvis --rate 52 --seed 17 -o recordings/demo/workout.csv",
)


@dataclass(frozen=True)
class ImuModel:
    """Consumer IMU error model. Noise densities per √Hz; biases drawn uniformly in ±range per axis."""

    acc_noise_ug_rthz: float = 180.0
    gyr_noise_dps_rthz: float = 0.007
    acc_bias_mg: float = 30.0
    gyr_bias_dps: float = 0.5
    gyr_bias_walk_dps_rts: float = 0.004
    acc_range_g: float = 8.0
    gyr_range_dps: float = 2000.0
    bits: int = 16
    timestamp_jitter_s: float = 0.0015
    clock_drift_ppm: float = 40.0
    # sensor errors beyond noise and bias, all off by default (see docs/conventions.md, "Time")
    lowpass_delay_s: float = 0.0  # on-chip low-pass: a causal 2nd-order Butterworth with this group delay (s)
    clock_error: float = 0.0  # the sample clock runs this fraction fast (+) or slow (−): more or fewer samples/s
    scale_error: float = 0.0  # per-axis scale factor errors of both sensors drawn uniformly in ±this
    drop_fraction: float = 0.0  # isolated samples lost in transit, unmarked (the time stamps jump)
    wobble_deg: float = 0.0  # soft-tissue wobble: peak sensor-on-segment swing after a 45° move in 0.3 s (deg)
    wobble_hz: float = 5.0  # its natural frequency
    wobble_damping: float = 0.2  # its damping ratio


IDEAL = ImuModel(0.0, 0.0, 0.0, 0.0, 0.0, 1e6, 1e6, 0, 0.0, 0.0)


@dataclass(frozen=True)
class RepBlock:
    """A run of `reps` reps inside a set with its own tempo (s; concentric None = explosive) and range (share of
    the set's range), then `rest_after_s` of rest at the bottom (a real session's blocks of correct, fast and small
    reps: the rest is the block's last bottom pause)."""

    reps: int
    eccentric_s: float
    bottom_pause_s: float
    concentric_s: float | None
    top_pause_s: float
    rom_scale: float = 1.0
    rest_after_s: float = 0.0


@dataclass(frozen=True)
class TechniqueParams:
    """Ranges of the technique patterns (`SimConfig.overshoot`, `blocks`) and the coaching text's tempos."""

    overshoot_fraction: tuple[float, float] = (0.03, 0.12)  # of the rep's range, past the top
    settle_s: tuple[float, float] = (0.3, 0.8)  # back into the squeeze, inside the top pause
    # E-B-C-T (C None = explosive): a slow lowering, no rest at the bottom, a squeeze held at the top
    tempos: tuple[tuple[float, float, float | None, float], ...] = (
        (3.0, 0.0, 1.0, 2.0), (2.0, 0.0, 1.0, 3.0), (4.0, 0.0, None, 2.0))
    top_hold_s: tuple[float, float] = (1.0, 4.0)  # a squeeze at the top
    small_range_deg: tuple[float, float] = (8.0, 25.0)  # whole sets of small reps (the primary segment's range)


TECHNIQUE = TechniqueParams()


@dataclass(frozen=True)
class SimConfig:
    """What to simulate. Tempo per phase in s (jittered ±`tempo_jitter` rep to rep); `faults` maps a simulator
    fault name (`SIM_FAULTS`) to the 1-based reps that show it; `rates_hz` one per placement."""

    exercise: str = "hip_thrust"
    reps: int = 8
    eccentric_s: float = 3.0
    bottom_pause_s: float = 1.0
    concentric_s: float | None = 1.0  # None: explosive ("X")
    top_pause_s: float = 1.0
    tempo_jitter: float = 0.08
    rom_deg: float | None = None  # primary segment's range; None = a typical value for the exercise
    placements: tuple[str, ...] = ("pelvis",)
    rates_hz: tuple[float, ...] = (100.0,)
    side: str | None = None  # working leg on single-leg moves
    standing_s: float = 2.0
    fidget: bool = True
    faults: tuple[tuple[str, tuple[int, ...]], ...] = ()
    imu: ImuModel = ImuModel()
    mounting: tuple[tuple[float, float, float, float], ...] | None = None  # per placement wxyz; None = random
    gaps: bool = False
    # harder set structure (all off by default: the demos and `repscope simulate` stay as they are)
    onsets: str = "classic"  # ONSET_MODES: classic = min-jerk lifts and smooth 15 % trapezoid lowerings
    settle_lift: bool = False  # a small lift (5–15 % of the range) and a 0.5–2 s rest just before rep 1
    quick_rerack: bool = False  # the re-rack / sit-up starts 0.2–1 s after the last rep
    # a held pose is never quite still: over each top and bottom hold the segment drifts and back, by up to this
    # share of the range per second of hold (a squeeze at the top, settling at the bottom: slow, ~1–2 °/s at most);
    # the boundaries stay the commanded ones
    hold_creep: float = 0.0
    # postural sway and breathing: the segment rocks slowly about the movement axis all set long, holds and moves
    # alike (two sines at 0.2–0.9 Hz, each up to this amplitude, °: 0.5° at 0.9 Hz peaks near 3 °/s), turning it
    # without lifting the hips; the boundaries stay the commanded ones, so a boundary's truth is the commanded
    # move's, not the sway's
    sway_deg: float = 0.0
    big_setup: bool = False  # walk and turn, then sit down and lie back in stages; after the set sit up, stand up
    station_moves: bool = False  # seated abduction: legs onto / off the pads; clamshell: kneel, lie down, push up;
    #                              then walking off
    time_offset_s: float = 0.0  # the recording clock's origin: every time stamp and truth time moved by this
    band_steps: str = "pulse"  # BAND_STEP_MODES: pulse = a step is a stance widening and narrowing; lead_trail =
    #                            `reps` steps, lead and trail alternating, each a sideways pelvis shift with a hip hike
    # the lifter's own technique (all off by default; ranges in TECHNIQUE): each lift overshoots the top by 3–12 %
    # of the range and settles back into the squeeze in 0.3–0.8 s (its truth: the concentric ends at the
    # overshoot's peak, the settle is part of the top pause; no overshoot on a rep whose top pause is too short)
    overshoot: bool = False
    floor_start: bool = False  # hip thrusts begun sitting on the floor: no standing pose, back to the floor after
    blocks: tuple[RepBlock, ...] = ()  # runs of reps with their own tempo and range, rests between (real sessions)

    @property
    def tempo_string(self) -> str:
        c = "X" if self.concentric_s is None else _fmt(self.concentric_s)
        return f"{_fmt(self.eccentric_s)}-{_fmt(self.bottom_pause_s)}-{c}-{_fmt(self.top_pause_s)}"

    def reps_with(self, fault: str) -> set[int]:
        return {r for name, reps in self.faults if name == fault for r in reps}


def _fmt(x: float) -> str:
    return f"{x:g}"


@dataclass(frozen=True)
class SimResult:
    config: SimConfig
    streams: tuple[SensorStream, ...]
    truth: dict = field(repr=False)
    meta: RecordingMeta = RecordingMeta()


# ------------------------------------------------------------------------------------------------ motion profiles


def _min_jerk(u: np.ndarray) -> np.ndarray:
    u = np.clip(u, 0.0, 1.0)
    return u**3 * (10 - 15 * u + 6 * u**2)


def _smooth_trapezoid(u: np.ndarray, ramp: float = 0.15, ramp_out: float | None = None,
                      smooth: bool = True) -> np.ndarray:
    """Position profile with a flat velocity middle and onset/offset ramps of `ramp` (and `ramp_out`, default the
    same) fraction each. `smooth`: the velocity follows a cubic smoothstep (zero velocity and acceleration at the
    boundary); else it ramps linearly (a constant acceleration from the first instant)."""
    u = np.clip(u, 0.0, 1.0)
    ramp_out = ramp if ramp_out is None else ramp_out
    # velocity shape: ramp up over [0, ramp], 1 in the middle, ramp down over [1-ramp_out, 1]
    n = 2001
    grid = np.linspace(0, 1, n)
    shape = _smoothstep3 if smooth else (lambda x: x)
    up = shape(np.clip(grid / ramp, 0, 1))
    down = shape(np.clip((1 - grid) / ramp_out, 0, 1))
    vel = np.minimum(up, down)
    pos = np.concatenate([[0.0], np.cumsum((vel[1:] + vel[:-1]) / 2)])
    pos /= pos[-1]
    return np.interp(u, grid, pos)


def _smoothstep3(u: np.ndarray) -> np.ndarray:
    return u * u * (3.0 - 2.0 * u)


PROFILE_SHAPES = ("min_jerk", "half_cosine", "trapezoid_linear", "trapezoid_smooth")
PROFILE_RAMPS = (0.10, 0.35)  # trapezoid ramp fractions drawn in this range (the independent suite's 10–35 %)


@dataclass(frozen=True)
class Profile:
    """Position profile of one movement, 0 → 1 over its normalised time u ∈ [0, 1]. `shape` (PROFILE_SHAPES):
    minimum-jerk; half-cosine (velocity a half sine: the acceleration jumps at onset); trapezoid velocity with
    linear or smoothstep ramps over the first `ramp_in` and the last `ramp_out` of the movement."""

    shape: str = "min_jerk"
    ramp_in: float = 0.15
    ramp_out: float = 0.15

    @property
    def label(self) -> str:
        if self.shape.startswith("trapezoid"):
            return f"{self.shape} {100 * self.ramp_in:.0f}/{100 * self.ramp_out:.0f} %"
        return self.shape

    def position(self, u: np.ndarray) -> np.ndarray:
        if self.shape == "min_jerk":
            return _min_jerk(u)
        if self.shape == "half_cosine":
            return 0.5 * (1.0 - np.cos(np.pi * np.clip(u, 0.0, 1.0)))
        return _smooth_trapezoid(u, self.ramp_in, self.ramp_out, smooth=self.shape == "trapezoid_smooth")


CLASSIC_CONCENTRIC = Profile("min_jerk")
CLASSIC_ECCENTRIC = Profile("trapezoid_smooth", 0.15, 0.15)
ONSET_MODES = ("classic", "per_set", "per_rep")
BAND_STEP_MODES = ("pulse", "lead_trail")
BAND_STRIDE_M = 0.3  # lead_trail: the stance widens by this in a lead step and narrows in the trail step
BAND_HIKE_DEG = 4.0  # lead_trail: the swing leg's side of the pelvis lifts by this mid-step
BAND_SWING_FLEX_DEG = 10.0  # lead_trail: the swing thigh flexes by this mid-step to clear the floor


def draw_profile(rng: np.random.Generator) -> Profile:
    """One movement profile: a shape of PROFILE_SHAPES, trapezoid ramps drawn in PROFILE_RAMPS."""
    shape = str(rng.choice(PROFILE_SHAPES))
    ramp_in, ramp_out = rng.uniform(*PROFILE_RAMPS, 2)
    return Profile(shape, float(ramp_in), float(ramp_out))


@dataclass(frozen=True)
class _Rep:
    concentric_s: float
    top_pause_s: float
    eccentric_s: float
    bottom_pause_s: float | None
    rom_scale: float
    tilt_deg: float
    drop_deg: float
    faults_cmd: tuple[str, ...]
    concentric_profile: Profile = CLASSIC_CONCENTRIC
    eccentric_profile: Profile = CLASSIC_ECCENTRIC
    overshoot: float = 0.0  # past the top, share of the range: the lift's peak is 1 + this
    settle_s: float = 0.0  # back from the peak to the top, at the start of the top pause
    block: int | None = None  # 0-based index of its RepBlock


def _plan_reps(cfg: SimConfig, rng: np.random.Generator) -> list[_Rep]:
    reps = []
    set_tilt = rng.uniform(1.0, 6.0)  # the lifter's own clean posterior tuck, constant within a set
    block_of = _block_of_rep(cfg)
    for i in range(1, cfg.reps + 1):
        j = lambda: 1.0 + rng.uniform(-cfg.tempo_jitter, cfg.tempo_jitter)  # noqa: E731
        tempo = cfg if block_of[i - 1] is None else cfg.blocks[block_of[i - 1]]
        con = (rng.uniform(0.55, 0.8) if tempo.concentric_s is None else tempo.concentric_s * j())
        top = tempo.top_pause_s * j()
        ecc = tempo.eccentric_s * j()
        bot = tempo.bottom_pause_s * j()
        cmd = []
        if i in cfg.reps_with("rushed"):
            ecc = rng.uniform(0.35, 0.7)
            cmd.append("rushed")
        if i in cfg.reps_with("no_top_pause"):
            top = rng.uniform(0.0, 0.1)
            cmd.append("no_top_pause")
        if i in cfg.reps_with("momentum"):
            con = rng.uniform(0.25, 0.4)
            cmd.append("momentum")
        rom_scale = (1.0 + rng.uniform(-0.04, 0.04)) * getattr(tempo, "rom_scale", 1.0)
        if i in cfg.reps_with("partial"):
            rom_scale = rng.uniform(0.3, 0.45)
            cmd.append("partial")
        tilt = set_tilt + rng.uniform(-1.0, 1.0)
        if i in cfg.reps_with("arch"):
            tilt = rng.uniform(-12.0, -8.0)
            cmd.append("arch")
        # both feet hold the pelvis level to a few tenths of a degree; balanced on one hip it rolls by a degree or
        # two, differently each rep
        drop = rng.uniform(-2.0, 2.0) if exercise(cfg.exercise).single_leg else rng.uniform(-0.6, 0.6)
        if i in cfg.reps_with("drop"):
            drop = rng.uniform(8.0, 12.0)
            cmd.append("drop")
        reps.append(_Rep(con, top, ecc, bot, rom_scale, tilt, drop, tuple(cmd), block=block_of[i - 1]))
    # A bounce out of the bottom: the pause before a momentum rep disappears.
    for i in range(1, len(reps)):
        if "momentum" in reps[i].faults_cmd:
            reps[i - 1] = replace(reps[i - 1], bottom_pause_s=0.0)
    reps = _block_rests(cfg, reps)
    reps[-1] = replace(reps[-1], bottom_pause_s=None)
    if cfg.onsets != "classic":
        reps = _draw_profiles(cfg.onsets == "per_rep", reps, rng)
    if cfg.overshoot:
        reps = _draw_overshoots(reps, rng.spawn(1)[0])  # spawned: the set's other draws stay the same
    return reps


def _block_of_rep(cfg: SimConfig) -> list[int | None]:
    """Per rep (0-based) the index of its RepBlock, or None everywhere when the set has no blocks."""
    if not cfg.blocks:
        return [None] * cfg.reps
    return [k for k, block in enumerate(cfg.blocks) for _ in range(block.reps)]


def _block_rests(cfg: SimConfig, reps: list[_Rep]) -> list[_Rep]:
    """The rest after each block (but the last) is its last rep's bottom pause."""
    i = 0
    for block in cfg.blocks[:-1]:
        i += block.reps
        if block.rest_after_s > 0:
            reps[i - 1] = replace(reps[i - 1], bottom_pause_s=block.rest_after_s)
    return reps


def _draw_overshoots(reps: list[_Rep], rng: np.random.Generator) -> list[_Rep]:
    """Each lift's overshoot (TECHNIQUE.overshoot_fraction) and its settle back into the top pause
    (TECHNIQUE.settle_s, at most the pause); none where the pause is shorter than the quickest settle."""
    out = []
    for rep in reps:
        fraction, settle = _u(rng, TECHNIQUE.overshoot_fraction), _u(rng, TECHNIQUE.settle_s)
        if rep.top_pause_s < TECHNIQUE.settle_s[0]:
            out.append(rep)
            continue
        out.append(replace(rep, overshoot=fraction, settle_s=min(settle, rep.top_pause_s)))
    return out


MOMENTUM_RAMPS = (0.08, 0.15)  # a ballistic lift's trapezoid ramps
HARD_STOP_RAMPS = (0.05, 0.10)  # the lowering before a bounce stops hard


def _draw_profiles(per_rep: bool, reps: list[_Rep], rng: np.random.Generator) -> list[_Rep]:
    """Onset profiles per rep (or one pair for the whole set); a momentum rep is a ballistic trapezoid out of a
    lowering that stops hard."""
    con, ecc = draw_profile(rng), draw_profile(rng)
    out = []
    for rep in reps:
        if per_rep:
            con, ecc = draw_profile(rng), draw_profile(rng)
        out.append(replace(rep, concentric_profile=con, eccentric_profile=ecc))
    for i in range(1, len(out)):
        if "momentum" in out[i].faults_cmd:
            shape = str(rng.choice(["trapezoid_linear", "trapezoid_smooth"]))
            out[i] = replace(out[i], concentric_profile=Profile(shape, *map(float, rng.uniform(*MOMENTUM_RAMPS, 2))))
            prev = out[i - 1].eccentric_profile
            ramp_in = prev.ramp_in if prev.shape.startswith("trapezoid") else float(rng.uniform(*PROFILE_RAMPS))
            hard = Profile("trapezoid_linear", ramp_in, float(rng.uniform(*HARD_STOP_RAMPS)))
            out[i - 1] = replace(out[i - 1], eccentric_profile=hard)
    return out


# ------------------------------------------------------------------------------------------------ postures


def _rot(axis, deg) -> R:
    from scipy.spatial.transform import Rotation as R

    axis = np.asarray(axis, dtype=float)
    deg = np.atleast_1d(np.asarray(deg, dtype=float))
    return R.from_rotvec(np.outer(np.radians(deg), axis / np.linalg.norm(axis)))


RIGHT = (0.0, -1.0, 0.0)
LEFT = (0.0, 1.0, 0.0)
UP = (0.0, 0.0, 1.0)
FORWARD = (1.0, 0.0, 0.0)

DEFAULT_ROM_DEG = {e.name: e.default_rom_deg for e in map(exercise, EXERCISES)}  # the primary segment's


@dataclass(frozen=True)
class _Pose:
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
class _Segment:
    """What an exercise's kinematics reads: the set, the placement, the pose on the grid, the scaled movement
    coordinate `th` (θ × ROM scale, sway included) and the primary segment's range (deg)."""

    cfg: SimConfig
    placement: str
    pose: _Pose
    th: np.ndarray
    rom_deg: float

    @property
    def left_thigh(self) -> bool:
        return self.placement == "thigh_left"

    @property
    def working_left(self) -> bool:
        return (self.cfg.side or "left") == "left"


def _hip_thrust(s: _Segment) -> R:
    """Hip thrust and single-leg hip thrust: the pelvis from torso inclined (hips low) to torso horizontal (the
    standing pelvis turned 90° back, plus the tuck); the working thigh from flexed to horizontal; on a single-leg
    thrust the free leg is held up (hip flexed ~90°), carried by the pelvis."""
    if s.placement == "pelvis":
        return _rot(RIGHT, 90.0 - s.rom_deg * (1.0 - s.th) + s.pose.tilt_deg * s.pose.theta)
    free_leg = s.cfg.exercise == "single_leg_hip_thrust" and s.left_thigh != s.working_left
    if free_leg:
        return _rot(RIGHT, 180.0 - s.rom_deg * (1.0 - s.th))
    return _rot(RIGHT, 90.0 + THIGH_RANGE_FACTOR["hip_thrust"] * s.rom_deg * (1.0 - s.th))


def _glute_bridge(s: _Segment) -> R:
    """Lying supine, knees bent: the pelvis rotates posteriorly as the hips rise, the thighs extend."""
    if s.placement == "pelvis":
        return _rot(RIGHT, 90.0 + s.rom_deg * s.th + s.pose.tilt_deg * s.pose.theta)
    return _rot(RIGHT, 140.0 + THIGH_RANGE_FACTOR["glute_bridge"] * s.rom_deg * (1.0 - s.th))


def _seated_hip_abduction(s: _Segment) -> R:
    """Seated upright: the thigh (horizontal) abducts about gravity; the pelvis barely moves."""
    if s.placement == "pelvis":
        return _rot(RIGHT, 12.0 + 1.5 * s.th)
    out = 1.0 if s.left_thigh else -1.0
    return _rot(UP, out * s.rom_deg * s.th) * _rot(RIGHT, 90.0)


def _clamshell(s: _Segment) -> R:
    """Side-lying, hips flexed 45°: the top leg's knee opens toward the ceiling about the body's long axis, the
    bottom thigh stays still; the pelvis rocks a few degrees. The top leg is `side`, else the sensor's leg."""
    if s.placement == "pelvis":
        return _rot(FORWARD, 90.0) * _rot(RIGHT, 5.0 - 4.0 * s.th)
    top_leg_left = (s.cfg.side or ("left" if s.left_thigh else "right")) == "left"
    sign = 1.0 if top_leg_left else -1.0  # lying on the other side: mirror image
    opening = s.rom_deg * s.th if s.left_thigh == top_leg_left else 0.0 * s.th
    return _rot((0.0, sign, 0.0), opening) * _rot(FORWARD, sign * 90.0) * _rot(RIGHT, 45.0)


def _lateral_band_walk(s: _Segment) -> R:
    """Half squat. Pulse steps: the pelvis rolls a little toward the stepping side, the thigh abducts and back.
    Lead and trail: the swing leg's side of the pelvis hikes mid-step (level in between), the swing thigh flexes
    to clear the floor while the stance widens (lead) or narrows (trail)."""
    pose, th = s.pose, s.th
    lead_trail = s.cfg.band_steps == "lead_trail"
    if s.placement == "pelvis":
        roll = BAND_HIKE_DEG * pose.walk_side * _swing(pose.theta) if lead_trail else -4.0 * pose.walk_side * th
        return _rot(FORWARD, roll) * _rot(LEFT, 15.0 + 0 * th)
    out = 1.0 if s.left_thigh else -1.0
    flex = 35.0 + 0 * th
    if lead_trail:
        swing = pose.walk_side * _swing(pose.theta) * out  # > 0: this leg swings (left leads to the left)
        flex = flex + BAND_SWING_FLEX_DEG * swing.clip(0)
    return _rot(FORWARD, -out * s.rom_deg * th) * _rot(RIGHT, flex)


# one kinematics function per exercise (pelvis and thigh postures on the grid), looked up by name: an exercise of
# the registry without one is an error, never another exercise's motion
KINEMATICS = {
    "hip_thrust": _hip_thrust, "single_leg_hip_thrust": _hip_thrust, "glute_bridge": _glute_bridge,
    "seated_hip_abduction": _seated_hip_abduction, "clamshell": _clamshell, "lateral_band_walk": _lateral_band_walk,
}
THIGH_RANGE_FACTOR = {"hip_thrust": 1.25, "glute_bridge": 1.1}  # the working thigh's range over the pelvis's


def kinematics(name: str):
    """The kinematics function of exercise `name`; ValueError naming the simulated ones when there is none."""
    try:
        return KINEMATICS[name]
    except KeyError:
        raise ValueError(f"the simulator has no kinematics for exercise {name!r} "
                         f"(simulated: {', '.join(KINEMATICS)})") from None


def _segment_rotation(cfg: SimConfig, placement: str, pose: _Pose, rom_deg: float) -> R:
    """Segment-to-earth rotation on the internal grid (heading: lifter faces +x when standing): the exercise's
    posture (KINEMATICS), the pelvic drop, blended in from the start pose by the set-up, fidgets and walking."""
    from scipy.spatial.transform import Rotation as R

    th = (pose.theta if pose.sway is None else pose.theta + pose.sway) * pose.rom_scale
    seg = _Segment(cfg, placement, pose, th, rom_deg)
    posture = kinematics(cfg.exercise)(seg)
    if placement == "pelvis":  # pelvic drop: about the pelvis's own longitudinal axis, non-working side down
        drop_sign = -1.0 if seg.working_left else 1.0  # + about superior axis lowers the left side (supine)
        posture = posture * _rot(UP, drop_sign * pose.drop_deg * pose.theta)
    start = _start_posture(cfg, placement, len(pose.theta))
    # Set-up / re-rack: slerp-like blend from the start pose to the exercise posture via rotation vectors.
    rel = (start.inv() * posture).as_rotvec()
    blended = start * R.from_rotvec(rel * pose.setup[:, None])
    rot = R.from_rotvec(np.radians(pose.fidget)) * blended
    if pose.gait is not None:
        rot = _gait_rotation(placement, pose) * rot
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
    return _rot(RIGHT, np.full(n, FLOOR_PELVIS_DEG if placement == "pelvis" else FLOOR_THIGH_DEG))


def _swing(theta: np.ndarray) -> np.ndarray:
    """Band walk, lead and trail: +1…0 mid-step of a widening (lead) step, −1…0 of a narrowing (trail) step."""
    return 4.0 * theta * (1.0 - theta) * np.sign(np.gradient(theta))


def _gait_rotation(placement: str, pose: _Pose) -> R:
    """Walking in or off (standing posture): heading, and per step the pelvis's yaw, roll and bounce pitch or the
    thigh's swing (the legs in opposite phase)."""
    env, phase = pose.gait, pose.gait_phase
    stride = phase / 2  # one stride = two steps
    if placement == "pelvis":
        yaw, roll, pitch = 4.0 * np.sin(stride) * env, 3.0 * np.sin(stride + 0.5) * env, 2.0 * np.sin(phase) * env
    else:
        sign = -1.0 if placement == "thigh_right" else 1.0
        yaw, roll, pitch = 0.0 * env, 0.0 * env, (10.0 + 20.0 * sign * np.sin(stride)) * env
    return _rot(UP, pose.heading_deg + yaw) * _rot(FORWARD, roll) * _rot(RIGHT, pitch)


def _segment_position(cfg: SimConfig, placement: str, rot: R, pose: _Pose) -> np.ndarray:
    """Sensor position (m, earth) on the grid: pelvis rises/sinks with the lift; thigh sensor 0.2 m from the hip."""
    ex = cfg.exercise
    hip = np.zeros((len(pose.theta), 3))
    lift = {"hip_thrust": 0.32, "single_leg_hip_thrust": 0.3, "glute_bridge": 0.18}.get(ex, 0.0)
    start_m = FLOOR_HIP_HEIGHT_M if cfg.floor_start else 0.9  # standing, or sitting on the floor
    hip[:, 2] = start_m * (1 - pose.setup) + 0.35 * pose.setup + lift * pose.theta * pose.rom_scale * pose.setup
    if ex == "lateral_band_walk" and cfg.band_steps == "lead_trail":  # half the stride in each step
        hip[:, 1] = np.cumsum(pose.walk_side * np.abs(np.gradient(pose.theta))) * BAND_STRIDE_M / 2
    elif ex == "lateral_band_walk":
        hip[:, 1] = np.cumsum(pose.walk_side * np.gradient(pose.theta).clip(0)) * 0.25
    if pose.gait is not None:  # walking in / off at 1.2 m/s along the heading, bouncing 2.5 cm per step
        step_m = WALK_SPEED_MPS * pose.gait / INTERNAL_RATE_HZ
        h = np.radians(pose.heading_deg)
        hip[:, 0] += np.cumsum(step_m * np.cos(h))
        hip[:, 1] += np.cumsum(step_m * np.sin(h))
        hip[:, 2] += 0.025 * np.cos(pose.gait_phase) * pose.gait
    if placement == "pelvis":
        return hip + rot.apply([0.0, 0.0, 0.05])
    return hip + rot.apply([0.0, 0.0, -0.2])  # 20 cm down the thigh


# ------------------------------------------------------------------------------------------------ timeline


WALK_SPEED_MPS = 1.2


@dataclass(frozen=True)
class SetupParams:
    """Ranges (s, fractions, deg) of the harder set-up patterns (`SimConfig.settle_lift` … `station_moves`)."""

    walk_s: tuple[float, float] = (3.0, 6.0)  # walking in to the station
    walk_off_s: tuple[float, float] = (2.0, 4.0)
    cadence_hz: tuple[float, float] = (1.6, 2.2)  # steps per second
    turn_deg: tuple[float, float] = (60.0, 180.0)
    stage_fraction: tuple[float, float] = (0.3, 0.6)  # sit down / kneel: this much of the way, then hold
    stage_s: tuple[float, float] = (1.5, 2.5)  # each stage's move
    stage_hold_s: tuple[float, float] = (0.5, 1.5)
    settle_fraction: tuple[float, float] = (0.05, 0.15)  # the settle lift's height, of the range
    settle_s: tuple[float, float] = (0.6, 1.2)
    settle_rest_before_s: tuple[float, float] = (0.8, 1.5)
    settle_rest_after_s: tuple[float, float] = (0.5, 2.0)
    quick_rerack_s: tuple[float, float] = (0.2, 1.0)  # last rep's end → re-rack onset
    pads_fraction: tuple[float, float] = (0.3, 0.6)  # seated abduction: legs onto / off the pads (abduction …)
    pads_knee_deg: tuple[float, float] = (15.0, 30.0)  # … with the knee lifted
    pads_s: tuple[float, float] = (1.0, 1.6)


SETUP = SetupParams()


@dataclass(frozen=True)
class _Move:
    """A set-up move on the grid: a sin² bump of `theta` (movement coordinate) and of `rotvec_deg` (earth frame)."""

    t0: float
    duration_s: float
    theta: float = 0.0
    rotvec_deg: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def bump(self, grid: np.ndarray) -> np.ndarray:
        u = (grid - self.t0) / self.duration_s
        return np.where((u > 0) & (u < 1), np.sin(np.pi * np.clip(u, 0, 1)) ** 2, 0.0)


@dataclass(frozen=True)
class _Walk:
    name: str
    t0: float
    t1: float
    cadence_hz: float
    turn_deg: float = 0.0  # turned through in the walk's second half


def _u(rng: np.random.Generator, bounds: tuple[float, float]) -> float:
    return float(rng.uniform(*bounds))


def _stages(big: bool, rng: np.random.Generator, setup_s: float) -> tuple[tuple[float, float, float], ...]:
    """(fraction, move s, hold s) from standing into the posture: one move, or two with a hold between (sit down
    or kneel, then lie back or lie down)."""
    if not big:
        return ((1.0, setup_s, 0.0),)
    first = _u(rng, SETUP.stage_fraction)
    return ((first, _u(rng, SETUP.stage_s), _u(rng, SETUP.stage_hold_s)), (1.0 - first, _u(rng, SETUP.stage_s), 0.0))


def _staged(grid: np.ndarray, start: float, stages) -> np.ndarray:
    out = np.zeros_like(grid)
    t = start
    for fraction, move_s, hold_s in stages:
        out += fraction * _min_jerk((grid - t) / move_s)
        t += move_s + hold_s
    return out


def _stages_s(stages) -> float:
    return sum(move + hold for _, move, hold in stages)


def _pads_move(t0: float, rng: np.random.Generator) -> _Move:
    """Seated abduction: a leg lifted onto (or off) the pads: abduction part of the range with the knee raised."""
    return _Move(t0, _u(rng, SETUP.pads_s), _u(rng, SETUP.pads_fraction),
                 tuple(np.array(RIGHT) * _u(rng, SETUP.pads_knee_deg)))


@dataclass(frozen=True)
class _Layout:
    """A set's plan in time (s on the internal grid): set-up, the reps' exact boundaries, re-rack, extra moves."""

    setup_start: float
    stages_in: tuple  # (fraction, move s, hold s) from standing into the posture
    bounds: list  # per rep (concentric onset, top start, eccentric start, eccentric end, bottom end or None)
    end_set: float  # the bottom rest after the last rep ends
    rerack_start: float
    stages_out: tuple
    total: float
    fidget_in: tuple[float, float]  # window of the set-up fidgets
    walks: tuple = ()
    moves: tuple = ()

    @property
    def rerack_end(self) -> float:
        return self.rerack_start + _stages_s(self.stages_out)


def _rep_bounds(reps: list[_Rep], t0: float) -> list:
    bounds, t = [], t0
    for rep in reps:
        c0, c1 = t, t + rep.concentric_s
        t1 = c1 + rep.top_pause_s
        e1 = t1 + rep.eccentric_s
        b1 = e1 + (rep.bottom_pause_s if rep.bottom_pause_s is not None else 0.0)
        bounds.append((c0, c1, t1, e1, b1 if rep.bottom_pause_s is not None else None))
        t = b1
    return bounds


def _layout(cfg: SimConfig, reps: list[_Rep], rng: np.random.Generator, stand_end: float) -> _Layout:
    """Lay the set out in time; the harder set-up patterns draw only when they are on (the default draws and
    times are the classic set's)."""
    ex = cfg.exercise
    setup_s = 3.5 if cfg.fidget else 2.0
    pre_rest = rng.uniform(1.5, 2.5)
    big = cfg.big_setup and ex != "lateral_band_walk"
    pads = cfg.station_moves and ex == "seated_hip_abduction"
    staged = big or (cfg.station_moves and ex == "clamshell")  # kneel, then lie on the side
    walks, moves = [], []
    setup_start = stand_end
    if big:
        start = stand_end + 0.2
        walks.append(_Walk("walk_in", start, start + _u(rng, SETUP.walk_s), _u(rng, SETUP.cadence_hz),
                           float(rng.choice([-1, 1])) * _u(rng, SETUP.turn_deg)))
        setup_start = walks[-1].t1 + rng.uniform(0.3, 0.8)
    stages_in = _stages(staged, rng, setup_s)
    rest_start = setup_start + _stages_s(stages_in)
    if pads:
        moves.append(_pads_move(rest_start + rng.uniform(0.3, 0.8), rng))
        rest_start = moves[-1].t0 + moves[-1].duration_s
    fidget_until = rest_start + pre_rest * 0.5
    if cfg.settle_lift:
        rest0 = _u(rng, SETUP.settle_rest_before_s)
        moves.append(_Move(rest_start + rest0, _u(rng, SETUP.settle_s), _u(rng, SETUP.settle_fraction)))
        pre_rest = rest0 + moves[-1].duration_s + _u(rng, SETUP.settle_rest_after_s)
        fidget_until = rest_start + rest0 * 0.5
    bounds = _rep_bounds(reps, rest_start + pre_rest)
    post_rest = rng.uniform(1.5, 2.5)
    if cfg.quick_rerack:
        post_rest = _u(rng, SETUP.quick_rerack_s)
    end_set = (bounds[-1][3] if bounds else rest_start + pre_rest) + post_rest
    rerack_start = end_set
    if pads:
        moves.append(_pads_move(end_set, rng))
        rerack_start = end_set + moves[-1].duration_s + rng.uniform(0.3, 0.8)
    stages_out = _stages(staged, rng, setup_s)
    total = rerack_start + _stages_s(stages_out) + 1.0
    if cfg.station_moves and ex in ("seated_hip_abduction", "clamshell"):  # walking off
        off = total - 0.5
        walks.append(_Walk("walk_off", off, off + _u(rng, SETUP.walk_off_s), _u(rng, SETUP.cadence_hz)))
        total = walks[-1].t1 + 1.0
    return _Layout(setup_start, stages_in, bounds, end_set, rerack_start, stages_out, total,
                   (setup_start, fidget_until), tuple(walks), tuple(moves))


def _rep_traces(cfg: SimConfig, reps: list[_Rep], lay: _Layout, grid: np.ndarray):
    """Movement coordinate θ, ROM scale, tilt, drop and band-walk direction of the reps on the grid."""
    n = len(grid)
    theta, rom_scale, tilt, drop, walk = np.zeros(n), np.ones(n), np.zeros(n), np.zeros(n), np.zeros(n)
    bounds = lay.bounds
    for k, (rep, (c0, c1, t1, e1, _)) in enumerate(zip(reps, bounds)):
        m = (grid >= c0) & (grid < c1)
        theta[m] = (1.0 + rep.overshoot) * rep.concentric_profile.position((grid[m] - c0) / (c1 - c0))
        m = (grid >= c1) & (grid < t1)
        theta[m] = 1.0 if rep.settle_s <= 0 else 1.0 + rep.overshoot * (1.0 - _min_jerk((grid[m] - c1) / rep.settle_s))
        m = (grid >= t1) & (grid < e1)
        theta[m] = 1.0 - rep.eccentric_profile.position((grid[m] - t1) / (e1 - t1))
        nxt = bounds[k + 1][0] if k + 1 < len(bounds) else lay.end_set
        rep_span = (grid >= c0) & (grid < nxt)
        rom_scale[rep_span] = rep.rom_scale
        tilt[rep_span] = rep.tilt_deg
        drop[rep_span] = rep.drop_deg
        if cfg.exercise == "lateral_band_walk":
            walk[rep_span] = 1.0 if k < len(reps) / 2 else -1.0
    return theta, rom_scale, tilt, drop, walk


def _fidgets(cfg: SimConfig, grid: np.ndarray, lay: _Layout, setup: np.ndarray, rng: np.random.Generator):
    """Small extra rotations (deg, earth frame): set-up and re-rack fidgets, and posture tremor during holds."""
    fidget = np.zeros((len(grid), 3))
    if cfg.fidget:
        for w0, w1 in (lay.fidget_in, (lay.end_set, lay.rerack_end + 0.2)):
            for _ in range(3):
                c = rng.uniform(w0 + 0.3, max(w0 + 0.4, w1 - 0.6))
                width = rng.uniform(0.4, 0.9)
                amp = rng.normal(0, 4.0, 3)
                u = (grid - (c - width / 2)) / width
                bump = np.where((u > 0) & (u < 1), np.sin(np.pi * np.clip(u, 0, 1)) ** 2, 0.0)
                fidget += bump[:, None] * amp
    # Posture tremor during holds (a real lifter is never perfectly still): ~0.15° at 1–4 Hz, band-limited.
    tremor = np.zeros((len(grid), 3))
    for f in (1.3, 2.7, 3.9):
        tremor += 0.05 * np.sin(2 * np.pi * f * grid[:, None] + rng.uniform(0, 2 * np.pi, 3))
    return fidget + tremor * setup[:, None]


def _hold_creep(grid: np.ndarray, lay: _Layout, creep: float, rng: np.random.Generator) -> np.ndarray:
    """A slow bump (sin², share of the range, amplitude uniform in ±`creep` × the hold's length in s) over each
    top and bottom hold."""
    out = np.zeros(len(grid))
    ends = [b[0] for b in lay.bounds[1:]] + [lay.end_set]
    for (c0, c1, t1, e1, _), nxt in zip(lay.bounds, ends):
        for h0, h1 in ((c1, t1), (e1, nxt)):
            if h1 - h0 > 0.2:
                u = np.clip((grid - h0) / (h1 - h0), 0.0, 1.0)
                out += rng.uniform(-creep, creep) * (h1 - h0) * np.sin(np.pi * u) ** 2
    return out


def _sway(grid: np.ndarray, amplitude_deg: float, rng: np.random.Generator) -> np.ndarray:
    """Postural sway (°): two slow sines with random amplitudes (up to `amplitude_deg`), frequencies and phases."""
    out = np.zeros(len(grid))
    for _ in range(2):
        f = rng.uniform(0.2, 0.9)
        out += rng.uniform(0.0, amplitude_deg) * np.sin(2 * np.pi * f * grid + rng.uniform(0, 2 * np.pi))
    return out


def _timeline(cfg: SimConfig, reps: list[_Rep], rng: np.random.Generator):
    """Internal grid, pose, the exact phase boundaries (s), the standing interval and the named set-up moves."""
    lead = 0.5
    stand_end = lead + cfg.standing_s
    lay = _layout(cfg, reps, rng, stand_end)
    grid = np.arange(0.0, lay.total, 1.0 / INTERNAL_RATE_HZ)
    theta, rom_scale, tilt, drop, walk = _rep_traces(cfg, reps, lay, grid)
    setup = np.clip(_staged(grid, lay.setup_start, lay.stages_in) - _staged(grid, lay.rerack_start, lay.stages_out),
                    0.0, 1.0)
    fidget = _fidgets(cfg, grid, lay, setup, rng)
    if cfg.hold_creep > 0 and not exercise(cfg.exercise).steps:
        theta += _hold_creep(grid, lay, cfg.hold_creep, rng.spawn(1)[0])  # spawned: the other draws stay the same
    sway = None
    if cfg.sway_deg > 0 and not exercise(cfg.exercise).steps:
        rom_deg = cfg.rom_deg or DEFAULT_ROM_DEG[cfg.exercise]
        sway = _sway(grid, cfg.sway_deg, rng.spawn(1)[0]) / rom_deg  # shares of the range, as theta
    for move in lay.moves:
        bump = move.bump(grid)
        theta += move.theta * bump
        fidget += bump[:, None] * np.array(move.rotvec_deg)
    heading, gait, gait_phase = _walking(grid, list(lay.walks))
    pose = _Pose(theta, rom_scale, tilt, drop, setup, fidget, walk, heading, gait, gait_phase, sway)
    standing = (lead, stand_end) if cfg.standing_s > 0 and not cfg.floor_start else None
    blocks = []
    if cfg.big_setup or cfg.station_moves or cfg.settle_lift or cfg.quick_rerack:
        pads = cfg.station_moves and cfg.exercise == "seated_hip_abduction"
        blocks = _blocks(cfg.exercise, lay.walks, lay.moves, (lay.setup_start, lay.stages_in),
                         (lay.rerack_start, lay.stages_out), pads)
    return grid, pose, lay.bounds, standing, blocks


STAGE_NAMES = {  # set-up stages in, re-rack stages out, by exercise (two-stage names; one stage: set_up / re_rack)
    "clamshell": (("kneel", "lie_down"), ("push_up", "stand_up")),
    "seated_hip_abduction": (("sit_down", "sit_back"), ("sit_forward", "stand_up")),
}
DEFAULT_STAGE_NAMES = (("sit_down", "lie_back"), ("sit_up", "stand_up"))


def _blocks(ex: str, walks, moves, stages_in, stages_out, pads: bool) -> list[tuple[str, float, float]]:
    """Named set-up moves (name, start s, end s) in time order."""
    names_in, names_out = STAGE_NAMES.get(ex, DEFAULT_STAGE_NAMES)
    out = []
    for start, stages, names, single in (stages_in + (names_in, "set_up"), stages_out + (names_out, "re_rack")):
        t = start
        for (_, move_s, hold_s), name in zip(stages, names if len(stages) > 1 else (single,)):
            out.append((name, t, t + move_s))
            t += move_s + hold_s
    out += [(walk.name, walk.t0, walk.t1) for walk in walks]
    pad_names = iter(("legs_onto_pads", "legs_off_pads"))
    for move in moves:
        name = next(pad_names) if pads and move.rotvec_deg != (0.0, 0.0, 0.0) else "settle_lift"
        out.append((name, move.t0, move.t0 + move.duration_s))
    return sorted(out, key=lambda b: b[1])


def _walking(grid: np.ndarray, walks: list[_Walk]):
    """Heading (deg), gait envelope and step phase (rad) of the walks on the grid; Nones when there is none."""
    if not walks:
        return None, None, None
    heading, gait, phase = np.zeros_like(grid), np.zeros_like(grid), np.zeros_like(grid)
    for w in walks:
        ramp = 0.6
        env = np.minimum(_min_jerk((grid - w.t0) / ramp), _min_jerk((w.t1 - grid) / ramp))
        gait += env
        phase += np.where(env > 0, 2 * np.pi * w.cadence_hz * (grid - w.t0), 0.0)
        mid = 0.5 * (w.t0 + w.t1)
        heading += w.turn_deg * _min_jerk((grid - mid) / (w.t1 - mid))
    return heading, gait, phase


# ------------------------------------------------------------------------------------------------ IMU model


def ideal_imu(grid: np.ndarray, rot_seg: R, pos_m: np.ndarray, mount: R,
              wobble_rotvec: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, R]:
    """Exact sensor-frame angular rate (rad/s) and specific force (m/s²) on the grid, and the sensor orientation.
    `wobble_rotvec` (rad, segment frame, per grid sample): the sensor's soft-tissue swing on the segment."""
    from scipy.spatial.transform import Rotation as R

    rot_s = rot_seg * mount if wobble_rotvec is None else rot_seg * R.from_rotvec(wobble_rotvec) * mount
    gyr = body_rate(grid, rot_s)
    acc_lin = np.gradient(np.gradient(pos_m, grid, axis=0), grid, axis=0)
    f_earth = acc_lin + np.array([0.0, 0.0, G_MPS2])
    acc = rot_s.inv().apply(f_earth)
    return gyr, acc, rot_s


def body_rate(grid: np.ndarray, rot: R) -> np.ndarray:
    """Body-frame angular rate (rad/s) from consecutive orientations: exact for a constant rate over each step."""
    step = (rot[:-1].inv() * rot[1:]).as_rotvec() / np.diff(grid)[:, None]
    rate = np.empty((len(grid), 3))
    rate[1:-1] = 0.5 * (step[:-1] + step[1:])
    rate[0], rate[-1] = step[0], step[-1]
    return rate


WOBBLE_REFERENCE = (45.0, 0.3)  # deg, s: the minimum-jerk move whose wobble peak is `ImuModel.wobble_deg`


def tissue_wobble(grid: np.ndarray, rot_seg: R, imu: ImuModel) -> np.ndarray | None:
    """Soft-tissue wobble of a sensor strapped on a segment (rad, rotation vector in the segment frame, per grid
    sample), or None when `imu.wobble_deg` is 0: a damped oscillator (`wobble_hz`, `wobble_damping`) driven by
    the segment's angular acceleration, so fast moves and hard stops excite it and slow ones barely do. Its gain
    makes the reference move (WOBBLE_REFERENCE) leave a peak of `wobble_deg`."""
    if imu.wobble_deg <= 0:
        return None
    from scipy.signal import bilinear, lfilter

    w0 = 2 * math.pi * imu.wobble_hz
    b, a = bilinear([1.0], [1.0, 2 * imu.wobble_damping * w0, w0 * w0], fs=INTERNAL_RATE_HZ)
    alpha = np.gradient(body_rate(grid, rot_seg), grid, axis=0)
    swing = lfilter(b, a, -alpha, axis=0)  # the tissue lags the segment's acceleration
    ref_deg, ref_s = WOBBLE_REFERENCE
    t = np.arange(0.0, ref_s + 10.0 / imu.wobble_hz, 1.0 / INTERNAL_RATE_HZ)
    ref_alpha = np.gradient(np.gradient(math.radians(ref_deg) * _min_jerk(t / ref_s), t), t)
    return swing * (math.radians(imu.wobble_deg) / np.abs(lfilter(b, a, ref_alpha)).max())


def onchip_lowpass(x: np.ndarray, delay_s: float) -> np.ndarray:
    """The sensor's own low-pass on the internal grid (columns of `x`): a causal 2nd-order Butterworth whose
    low-frequency group delay is `delay_s` (cut-off √2 / (2π·delay)), started at rest on the first sample."""
    from scipy.signal import butter, lfilter, lfilter_zi

    fc_hz = min(math.sqrt(2.0) / (2 * math.pi * delay_s), 0.4 * INTERNAL_RATE_HZ)
    b, a = butter(2, fc_hz, fs=INTERNAL_RATE_HZ)
    zi = lfilter_zi(b, a)
    return np.column_stack([lfilter(b, a, x[:, k], zi=zi * x[0, k])[0] for k in range(x.shape[1])])


def _sample(
    grid: np.ndarray, gyr: np.ndarray, acc: np.ndarray, rate_hz: float, imu: ImuModel, rng: np.random.Generator,
    gaps: bool,
):
    if imu.lowpass_delay_s > 0:
        gyr, acc = onchip_lowpass(gyr, imu.lowpass_delay_s), onchip_lowpass(acc, imu.lowpass_delay_s)
    # the sample clock: crystal drift (ppm) and a gross rate error; time stamps are the host's (true time)
    drift = (1.0 + rng.uniform(-1, 1) * imu.clock_drift_ppm * 1e-6) / (1.0 + imu.clock_error)
    n = int((grid[-1] - grid[0]) * rate_hz * max(1.0, 1.0 + imu.clock_error)) - 1
    t_true = grid[0] + 0.01 + np.arange(n) / rate_hz * drift
    t_true = t_true[t_true < grid[-1]]
    # integrate the rate over the sample interval (what a real gyro's filter does) ≈ interpolate the rate here
    g = np.column_stack([np.interp(t_true, grid, gyr[:, k]) for k in range(3)])
    a = np.column_stack([np.interp(t_true, grid, acc[:, k]) for k in range(3)])
    m = len(t_true)
    if imu.scale_error:
        a = a * (1.0 + rng.uniform(-1, 1, 3) * imu.scale_error)
        g = g * (1.0 + rng.uniform(-1, 1, 3) * imu.scale_error)
    if imu.acc_noise_ug_rthz or imu.gyr_noise_dps_rthz or imu.acc_bias_mg or imu.gyr_bias_dps:
        bw = math.sqrt(rate_hz / 2.0)
        a = a + rng.normal(0, imu.acc_noise_ug_rthz * 1e-6 * G_MPS2 * bw, (m, 3))
        a = a + rng.uniform(-1, 1, 3) * imu.acc_bias_mg * 1e-3 * G_MPS2
        g = g + rng.normal(0, math.radians(imu.gyr_noise_dps_rthz) * bw, (m, 3))
        walk = np.cumsum(rng.normal(0, math.radians(imu.gyr_bias_walk_dps_rts) / math.sqrt(rate_hz), (m, 3)), axis=0)
        g = g + rng.uniform(-1, 1, 3) * math.radians(imu.gyr_bias_dps) + walk
    if imu.bits:
        a_fs = imu.acc_range_g * G_MPS2
        g_fs = math.radians(imu.gyr_range_dps)
        a_lsb = 2 * a_fs / 2**imu.bits
        g_lsb = 2 * g_fs / 2**imu.bits
        a = np.clip(np.round(a / a_lsb), -(2 ** (imu.bits - 1)), 2 ** (imu.bits - 1) - 1) * a_lsb
        g = np.clip(np.round(g / g_lsb), -(2 ** (imu.bits - 1)), 2 ** (imu.bits - 1) - 1) * g_lsb
    # Host timestamp jitter, bounded to ±40 % of the period so samples keep their order (as a sequence-numbered
    # stream does after the clock mapping).
    jitter_s = min(imu.timestamp_jitter_s, 0.15 / rate_hz)
    t = t_true + (np.clip(rng.normal(0, jitter_s, m), -0.4 / rate_hz, 0.4 / rate_hz) if jitter_s else 0.0)
    burst = np.zeros(m, dtype=bool)  # marked gaps (a link drop the transport reports)
    gap_list = []
    if gaps:
        for _ in range(2):
            i0 = int(rng.integers(int(0.3 * m), int(0.8 * m)))
            i1 = i0 + int(rng.uniform(0.05, 0.2) * rate_hz)
            burst[i0:i1] = True
    keep = ~burst
    if imu.drop_fraction > 0:  # isolated losses nobody marks
        keep &= rng.random(m) >= imu.drop_fraction
    idx = np.flatnonzero(keep)
    for j in np.flatnonzero(np.diff(idx) > 1):
        if burst[idx[j] + 1:idx[j + 1]].any():
            gap_list.append((float(t[idx[j]]), float(t[idx[j + 1]])))
    # Host timestamps have µs resolution and the IMU far less than 1e-6 in SI units: rounding keeps files small.
    return np.round(t[keep], 6), np.round(a[keep], 6), np.round(g[keep], 7), tuple(gap_list)


# ------------------------------------------------------------------------------------------------ truth


def _tilt_truth(rot_seg: R, idx: np.ndarray) -> np.ndarray:
    """Posterior tuck at the top relative to the standing pelvis carried into torso-horizontal lockout (deg)."""
    sup = rot_seg[idx].apply([0.0, 0.0, 1.0])
    return np.degrees(np.arcsin(np.clip(-sup[:, 2], -1, 1)))


def _drop_truth(rot_seg: R, idx: np.ndarray) -> tuple[np.ndarray, list[str]]:
    left = rot_seg[idx].apply([0.0, 1.0, 0.0])
    incl = np.degrees(np.arcsin(np.clip(left[:, 2], -1, 1)))  # + left end higher
    return np.abs(incl), ["right" if v > 0 else "left" for v in incl]


def _primary_placement(cfg: SimConfig) -> str:
    thighs = [p for p in cfg.placements if p.startswith("thigh")]
    if exercise(cfg.exercise).thigh_led and thighs:
        return thighs[0]
    return "pelvis" if "pelvis" in cfg.placements else cfg.placements[0]


def _angle_about_axis(rot: R, ref: R, axis_seg: np.ndarray) -> np.ndarray:
    rv = (ref.inv() * rot).as_rotvec()
    return np.degrees(rv @ axis_seg)


@dataclass(frozen=True)
class IdealSet:
    """A set's exact motion before the sensor model: the internal grid (s, from 0), per placement the sensor-frame
    angular rate (rad/s) and specific force (m/s²) on it, the mountings, and the ground truth on the same clock."""

    grid: np.ndarray
    signals: dict
    mounts: dict
    truth: dict


def ideal_set(cfg: SimConfig, rng: np.random.Generator, mounts: dict | None = None,
              heading_deg: float = 0.0, imu: ImuModel | dict | None = None) -> IdealSet:
    """The exact motion of one set (standing → set-up → reps → re-rack → standing), facing `heading_deg`; the
    sensor's soft-tissue wobble is `imu`'s (one model, or one per placement; default `cfg.imu`'s)."""
    from scipy.spatial.transform import Rotation as R

    _validate(cfg)
    rom_deg = cfg.rom_deg if cfg.rom_deg is not None else DEFAULT_ROM_DEG[cfg.exercise]
    lead_trail = cfg.exercise == "lateral_band_walk" and cfg.band_steps == "lead_trail"
    reps = _plan_reps(replace(cfg, reps=cfg.reps // 2) if lead_trail else cfg, rng)  # a lead + trail pair each
    grid, pose, bounds, standing, blocks = _timeline(cfg, reps, rng)
    heading = R.from_rotvec([0.0, 0.0, np.radians(heading_deg)])
    rots = {p: _segment_rotation(cfg, p, pose, rom_deg) for p in set(cfg.placements) | {"pelvis"}}
    signals, used, heights = {}, {}, {}
    for k, placement in enumerate(cfg.placements):
        if mounts is not None:
            mount = mounts[placement]
        elif cfg.mounting is not None:
            w, x, y, z = cfg.mounting[k]
            mount = R.from_quat([x, y, z, w])
        else:
            mount = R.random(random_state=int(rng.integers(2**31)))
        used[placement] = mount
        pos = heading.apply(_segment_position(cfg, placement, rots[placement], pose))
        heights[placement] = pos[:, 2]
        model = cfg.imu if imu is None else imu[placement] if isinstance(imu, dict) else imu
        wobble = tissue_wobble(grid, heading * rots[placement], model)
        gyr, acc, _ = ideal_imu(grid, heading * rots[placement], pos, mount, wobble)
        signals[placement] = (gyr, acc)
    truth = _truth(cfg, reps, bounds, grid, pose, rots, used, standing, rom_deg)
    if blocks:  # the harder set-up patterns, for diagnosis and tests (the default truth stays as it was)
        truth["setup_moves"] = [{"name": name, "start_s": t0, "end_s": t1} for name, t0, t1 in blocks]
    _add_rise_truth(truth, grid, heights[_primary_placement(cfg)], bounds, cfg.exercise)
    return IdealSet(grid, signals, used, truth)


RISE_BOTTOM_WINDOW_S = 0.2  # the bottom hold's height: its mean over this before the lift (as docs/conventions.md)


def _add_rise_truth(truth: dict, grid: np.ndarray, z_m: np.ndarray, bounds, exercise: str) -> None:
    """Per rep of a hip-extension lift, from the sensor's commanded height: `rise_m` (mean height over the top
    pause − mean height over the last 0.2 s before the lift), mean concentric velocity (height change over the
    lift / its duration) and peak concentric velocity (m/s); None for the other exercises (no lift)."""
    vz = np.gradient(z_m, grid)
    for rep, (c0, c1, t1, _, _) in zip(truth["reps"], bounds):
        if exercise not in HIP_EXTENSION_LIFTS:
            rep.update(rise_m=None, mean_concentric_velocity_mps=None, peak_concentric_velocity_mps=None)
            continue
        bottom = (grid >= c0 - RISE_BOTTOM_WINDOW_S) & (grid < c0)
        top = (grid >= c1) & (grid <= t1) if t1 > c1 else np.abs(grid - c1) == np.min(np.abs(grid - c1))
        lift = (grid >= c0) & (grid <= c1)
        z_at = lambda t: float(np.interp(t, grid, z_m))  # noqa: E731
        rep.update(rise_m=float(z_m[top].mean() - z_m[bottom].mean()),
                   mean_concentric_velocity_mps=(z_at(c1) - z_at(c0)) / (c1 - c0),
                   peak_concentric_velocity_mps=float(vz[lift].max()))


def sensor_info(placement: str, rate_hz: float, imu: ImuModel) -> SensorInfo:
    return SensorInfo(
        placement, placement, model="repscope simulator (BMI270-class IMU model)", rate_hz=float(rate_hz),
        acc_range_g=imu.acc_range_g, gyr_range_dps=imu.gyr_range_dps,
    )


_TIME_KEYS = ("start_s", "end_s", "t_s")


def shift_times(obj, dt: float):
    """A copy of a truth dict/list with every time stamp (`start_s`, `end_s`, `t_s`, the `standing_s` interval)
    moved by `dt` s."""
    if isinstance(obj, dict):
        return {k: (v + dt if k in _TIME_KEYS and isinstance(v, (int, float))
                    else [x + dt for x in v] if k == "standing_s" and v is not None else shift_times(v, dt))
                for k, v in obj.items()}
    if isinstance(obj, list):
        return [shift_times(v, dt) for v in obj]
    return obj


def simulate_set(cfg: SimConfig, rng: np.random.Generator | int | None = None) -> SimResult:
    """Simulate one set; returns per-placement sensor streams and the ground truth (conventions of docs/)."""
    rng = np.random.default_rng(rng)
    ideal = ideal_set(cfg, rng)
    streams = []
    for placement, rate in zip(cfg.placements, cfg.rates_hz):
        gyr, acc = ideal.signals[placement]
        t, a, g, gaps = _sample(ideal.grid, gyr, acc, rate, cfg.imu, rng, cfg.gaps)
        if cfg.time_offset_s:
            off = cfg.time_offset_s
            t, gaps = t + off, tuple((g0 + off, g1 + off) for g0, g1 in gaps)
        streams.append(SensorStream(sensor_info(placement, rate, cfg.imu), t, a, g, gaps))
    truth = shift_times(ideal.truth, cfg.time_offset_s) if cfg.time_offset_s else ideal.truth
    meta = RecordingMeta(
        exercise=cfg.exercise,
        side=cfg.side,
        tempo=None if exercise(cfg.exercise).steps else cfg.tempo_string,
        simulated=True,
        notes="SIMULATED by repscope simulate (kinematic model + consumer IMU noise); truth in .truth.json",
    )
    return SimResult(cfg, tuple(streams), truth, meta)


def _truth(cfg, reps, bounds, grid, pose, rots, mounts, standing, rom_deg) -> dict:
    primary = _primary_placement(cfg)
    tempo_target = None if exercise(cfg.exercise).steps else {
        "eccentric_s": cfg.eccentric_s, "bottom_pause_s": cfg.bottom_pause_s,
        "concentric_s": cfg.concentric_s, "top_pause_s": cfg.top_pause_s,
    }
    out = {
        "simulated": True,
        "exercise": cfg.exercise,
        "side": cfg.side,
        "placements": list(cfg.placements),
        "primary_placement": primary,
        "rates_hz": dict(zip(cfg.placements, map(float, cfg.rates_hz))),
        "mounting": {p: _wxyz(m) for p, m in mounts.items()},
        "standing_s": list(standing) if standing else None,
        "standing_pose": bool(standing),
        "tempo_target": tempo_target,
        "tilt_reference": "standing" if standing and exercise(cfg.exercise).tilt_reference == "standing" else "set",
        "reps": [],
        "steps": [],
    }
    if cfg.exercise == "lateral_band_walk" and cfg.band_steps == "lead_trail":
        out["steps"] = _lead_trail_steps(bounds)
        return out
    if cfg.exercise == "lateral_band_walk":
        for k, (c0, _, _, e1, _) in enumerate(bounds, start=1):
            side = "left" if k <= len(reps) / 2 else "right"
            out["steps"].append({"index": k, "t_s": c0, "side": side, "duration_s": e1 - c0})
        return out
    top_idx = np.array([np.searchsorted(grid, 0.5 * (c1 + t1)) for (_, c1, t1, _, _) in bounds])
    tilt_abs = _tilt_truth(rots["pelvis"], top_idx)
    if exercise(cfg.exercise).tilt_reference != "standing":
        tilt_abs = np.array([r.tilt_deg for r in reps])  # no standing carry-over: only the set reference exists
    tilt_set = tilt_abs - np.median(tilt_abs)
    drop, drop_side = _drop_truth(rots["pelvis"], top_idx)
    roms = np.array([_rom_truth(cfg, primary, rom_deg, r) for r in reps])
    median_scale = float(np.median([r.rom_scale for r in reps]))
    has_pelvis = "pelvis" in cfg.placements
    tilt_report = tilt_abs if out["tilt_reference"] == "standing" else tilt_set
    for k, (rep, (c0, c1, t1, e1, b1)) in enumerate(zip(reps, bounds), start=1):
        phases = [
            {"name": "concentric", "start_s": c0, "end_s": c1},
            {"name": "top_pause", "start_s": c1, "end_s": t1},
            {"name": "eccentric", "start_s": t1, "end_s": e1},
        ]
        if b1 is not None:
            phases.append({"name": "bottom_pause", "start_s": e1, "end_s": b1})
        hip_extension = cfg.exercise in HIP_EXTENSION_LIFTS
        tilt = float(tilt_report[k - 1]) if has_pelvis and hip_extension else None
        dr = float(drop[k - 1]) if has_pelvis and hip_extension else None
        # the truth labels apply the fault rules (sensors/rules.py) to the commanded values
        pause_before = reps[k - 2].bottom_pause_s if k > 1 else None
        floor = cfg.eccentric_s - tolerance_s(cfg.eccentric_s)
        # the range fraction is the commanded hip range (an arch shortens the pelvis's rotation, not the lift)
        fraction = float(rep.rom_scale / median_scale)
        faults = list(label_faults(RepValues(rep.eccentric_s, rep.top_pause_s, rep.concentric_s, pause_before,
                                             fraction, tilt, dr, floor)))
        out["reps"].append({
            "index": k,
            "start_s": c0,
            "end_s": b1 if b1 is not None else e1,
            "phases": phases,
            "concentric_s": c1 - c0,
            "top_pause_s": t1 - c1,
            "eccentric_s": e1 - t1,
            "bottom_pause_s": (b1 - e1) if b1 is not None else None,
            "rom_deg": float(roms[k - 1]),
            "rom_placement": primary,
            "tilt_sagittal_deg": tilt,
            "tilt_sagittal_set_deg": float(tilt_set[k - 1]) if tilt is not None else None,
            "pelvic_drop_deg": dr,
            "pelvic_drop_side": drop_side[k - 1] if dr is not None else None,
            "faults": faults,
            "commanded_faults": list(rep.faults_cmd),
        })
        if cfg.overshoot:
            out["reps"][-1].update(overshoot_fraction=rep.overshoot, settle_s=rep.settle_s)
        if cfg.blocks:
            out["reps"][-1]["block"] = rep.block
        if cfg.onsets != "classic":  # for diagnosis (the classic pair is the same on every rep)
            out["reps"][-1]["profiles"] = {"concentric": rep.concentric_profile.label,
                                           "eccentric": rep.eccentric_profile.label}
    return out


def _rom_truth(cfg: SimConfig, primary: str, rom_deg: float, rep: _Rep) -> float:
    """The primary segment's commanded range over a rep (deg): peak to peak, the overshoot and (pelvis on a
    hip-extension lift) the tuck included; a thigh on a thrust or bridge turns THIGH_RANGE_FACTOR × the range."""
    hip_extension = exercise(cfg.exercise).hip_extension
    if primary == "pelvis":
        rom = rom_deg * rep.rom_scale + (rep.tilt_deg if hip_extension else 0.0)
    elif hip_extension and (not exercise(cfg.exercise).single_leg or primary == f"thigh_{cfg.side or 'left'}"):
        rom = THIGH_RANGE_FACTOR["glute_bridge" if cfg.exercise == "glute_bridge" else "hip_thrust"] * rom_deg
        rom *= rep.rom_scale
    else:
        rom = rom_deg * rep.rom_scale
    return rom * (1.0 + rep.overshoot)


def _lead_trail_steps(bounds) -> list[dict]:
    """Band walk, lead and trail: each widening (lead leg) and narrowing (trail leg) is a step, lift-off to
    touch-down; the first half of the cycles travel left."""
    steps = []
    for k, (c0, c1, t1, e1, _) in enumerate(bounds):
        side = "left" if k < len(bounds) / 2 else "right"
        other = "right" if side == "left" else "left"
        for role, leg, t0, t_end in (("lead", side, c0, c1), ("trail", other, t1, e1)):
            steps.append({"index": len(steps) + 1, "t_s": t0, "side": side, "duration_s": t_end - t0,
                          "leg": leg, "role": role})
    return steps


def _wxyz(rot: R) -> list[float]:
    x, y, z, w = rot.as_quat()
    return [float(w), float(x), float(y), float(z)]


def _validate(cfg: SimConfig) -> None:
    """ValueError naming the first thing wrong with the configuration."""
    _validate_set(cfg)
    _validate_sensors(cfg)
    _validate_modes(cfg)
    _validate_timing(cfg)


def _validate_set(cfg: SimConfig) -> None:
    exercise(cfg.exercise)  # ValueError naming the known ones
    kinematics(cfg.exercise)  # ValueError: an exercise the simulator cannot move
    if cfg.floor_start and exercise(cfg.exercise).stance != "supine_bench":
        raise ValueError(f"a floor start is a hip thrust's set-up, not {cfg.exercise}'s")
    if cfg.blocks and sum(b.reps for b in cfg.blocks) != cfg.reps:
        raise ValueError(f"the blocks hold {sum(b.reps for b in cfg.blocks)} reps, the set {cfg.reps}")
    if not 1 <= cfg.reps <= 60:
        raise ValueError(f"reps must be 1–60, got {cfg.reps}")


def _validate_sensors(cfg: SimConfig) -> None:
    if len(cfg.placements) != len(cfg.rates_hz) or not cfg.placements:
        raise ValueError("one rate per placement is needed")
    for p in cfg.placements:
        if p not in PLACEMENTS:
            raise ValueError(f"unknown placement {p!r} (one of {', '.join(PLACEMENTS)})")
    if len(set(cfg.placements)) != len(cfg.placements):
        raise ValueError("each placement at most once")
    for r in cfg.rates_hz:
        if not 20 <= r <= 1000:
            raise ValueError(f"rate {r} Hz outside 20–1000 Hz")
    if cfg.exercise in ("seated_hip_abduction", "clamshell") and not any(p.startswith("thigh") for p in cfg.placements):
        raise ValueError(f"{cfg.exercise} needs a thigh sensor (the pelvis barely moves)")


def _validate_modes(cfg: SimConfig) -> None:
    if cfg.band_steps not in BAND_STEP_MODES:
        raise ValueError(f"unknown band_steps {cfg.band_steps!r} (one of {', '.join(BAND_STEP_MODES)})")
    if cfg.exercise == "lateral_band_walk" and cfg.band_steps == "lead_trail" and cfg.reps % 2:
        raise ValueError(f"lead and trail steps come in pairs: reps must be even, got {cfg.reps}")
    if cfg.onsets not in ONSET_MODES:
        raise ValueError(f"unknown onsets {cfg.onsets!r} (one of {', '.join(ONSET_MODES)})")
    if cfg.side not in (None, "left", "right"):
        raise ValueError(f"side must be left or right, got {cfg.side!r}")


def _validate_timing(cfg: SimConfig) -> None:
    for name, reps in cfg.faults:
        if name not in SIM_FAULTS:
            raise ValueError(f"unknown fault {name!r} (one of {', '.join(SIM_FAULTS)})")
        for r in reps:
            if not 1 <= r <= cfg.reps:
                raise ValueError(f"fault {name} names rep {r}, but the set has {cfg.reps} reps")
    for name in ("eccentric_s", "bottom_pause_s", "top_pause_s"):
        if getattr(cfg, name) < 0:
            raise ValueError(f"{name} must be ≥ 0")
    if cfg.concentric_s is not None and cfg.concentric_s <= 0.1:
        raise ValueError("concentric must be longer than 0.1 s (use X for explosive)")
    if cfg.eccentric_s <= 0.1:
        raise ValueError("eccentric must be longer than 0.1 s")
