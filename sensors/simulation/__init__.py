"""Kinematic exercise simulator: IMU samples on the pelvis and/or thigh with exact ground truth.

Each segment's orientation is built from the exercise's postures (docs/conventions.md frames: segment x anterior,
y left, z superior; earth z up), driven by a normalised movement coordinate θ(t) (0 = start/bottom position,
1 = contracted/top) with smooth onsets. The sensor sits on the segment with an arbitrary fixed rotation; its gyro
is the body angular rate from the orientation trajectory and its accelerometer the specific force
`R_sensorᵀ (a_lin + g_up)` including the linear acceleration of the sensor's position. A consumer-IMU model
(BMI270/ICM-42688 class: noise density, bias, bias random walk, 16-bit quantisation, saturation, host timestamp
jitter) turns the ideal signals into samples.

The modules, in the order a set is made: `config` (what to simulate) and `checks`; `plan` (each rep's tempo,
range and faults) with `profiles` (movement shapes); `timeline` (set-up, reps, re-rack on the internal grid);
`motions` (one kinematics function per exercise, named by its registry entry's `motion`) over `frames` and
`body` (orientation and position of each segment); `imu` (the exact signals and the error model); `truth`;
`sets` (one set) and `session` (a workout of sets with rests). Demos in `recordings/demo/` are regenerated with
the commands listed in `DEMO_COMMANDS`.
"""
from __future__ import annotations

from sensors.exercises import EXERCISES, exercise
from sensors.simulation.body import FLOOR_HIP_HEIGHT_M, FLOOR_PELVIS_DEG, FLOOR_THIGH_DEG, WALK_SPEED_MPS
from sensors.simulation.checks import validate
from sensors.simulation.config import (
    BAND_STEP_MODES, ONSET_MODES, TECHNIQUE, RepBlock, SimConfig, SimResult, TechniqueParams,
)
from sensors.simulation.frames import FORWARD, LEFT, RIGHT, UP
from sensors.simulation.imu import (
    G_MPS2, IDEAL, INTERNAL_RATE_HZ, ImuModel, body_rate, ideal_imu, onchip_lowpass, sensor_info, tissue_wobble,
)
from sensors.simulation.motions import KINEMATICS, kinematics
from sensors.simulation.profiles import PROFILE_RAMPS, PROFILE_SHAPES, Profile, draw_profile
from sensors.simulation.session import SENSOR_CLOCKS, SessionConfig, SimSession, draw_sensor_imus, simulate_session
from sensors.simulation.sets import IdealSet, ideal_set, simulate_set
from sensors.simulation.timeline import SETUP, SetupParams
from sensors.simulation.truth import shift_times

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
    "repscope simulate --exercise cable_kickback --side left --reps 10 --tempo 2-1-1-2 --faults momentum:5 "
    "--placement thigh_left --rate 100 --seed 18 -o recordings/demo/cable-kickback.csv",
    "repscope simulate --exercise lying_kickback --side right --reps 10 --tempo 3-1-1-2 --faults no_top_pause:6 "
    "--placement thigh_right --rate 100 --seed 19 -o recordings/demo/lying-kickback.csv",
    "repscope simulate --exercise fire_hydrant --side left --reps 10 --tempo 2-1-1-1 --faults partial_rom:7 "
    "--placement thigh_left --placement pelvis --rate 100 --seed 20 -o recordings/demo/fire-hydrant.csv",
    "repscope simulate --session hip_thrust,single_leg_hip_thrust,lateral_band_walk --side right --rest 40 60 "
    "--placement pelvis --rate 52 --seed 17 -o recordings/demo/workout.csv",
    "repscope simulate --session romanian_deadlift,lying_kickback,fire_hydrant --side left --reps 8 --rest 40 60 "
    "--placement pelvis --placement thigh_left --rate 52 --seed 21 -o recordings/demo/workout-more.csv",
)

__all__ = [
    "BAND_STEP_MODES", "DEMO_COMMANDS", "EXERCISES", "FLOOR_HIP_HEIGHT_M", "FLOOR_PELVIS_DEG", "FLOOR_THIGH_DEG",
    "FORWARD", "G_MPS2", "IDEAL", "INTERNAL_RATE_HZ", "KINEMATICS", "LEFT", "ONSET_MODES", "PROFILE_RAMPS",
    "PROFILE_SHAPES", "RIGHT", "SENSOR_CLOCKS", "SETUP", "TECHNIQUE", "UP", "WALK_SPEED_MPS", "IdealSet",
    "ImuModel", "Profile", "RepBlock", "SessionConfig", "SetupParams", "SimConfig", "SimResult", "SimSession",
    "TechniqueParams", "body_rate", "draw_profile", "draw_sensor_imus", "exercise", "ideal_imu", "ideal_set",
    "kinematics", "onchip_lowpass", "sensor_info", "shift_times", "simulate_session", "simulate_set",
    "tissue_wobble", "validate",
]
