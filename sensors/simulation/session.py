"""Simulated workouts: several sets in one recording, with rests between them, the sensor mounted once.

Each set is `ideal_set` (standing → set-up → reps → re-rack → standing). Between sets the lifter rests:
stands, walks to the next station (heel strikes at 1.6–2.2 steps/s, the pelvis bouncing, swaying and turning,
the thighs swinging), turns, sits down on a bench and gets up. The whole exact motion is sampled once by the
same sensor model as a single set, so the sensor's bias, clock drift and noise carry across the session; the
session's `imu` (not the sets' own) sets the sensor errors, soft-tissue wobble included.

The truth keeps each set's own truth (times on the session clock) and adds, per set, `start_s` (first
concentric onset, or first step) and `end_s` (last eccentric end, or last step's end), and the rests with their
activities. It is computed from the commanded motion only, never from the analysis.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from sensors.recording import RecordingMeta, SensorStream
from sensors.simulation.body import FORWARD, RIGHT, UP, rotation_deg
from sensors.simulation.config import SimConfig
from sensors.simulation.imu import INTERNAL_RATE_HZ, ImuModel, sample_imu, ideal_imu, sensor_info, tissue_wobble
from sensors.simulation.profiles import min_jerk
from sensors.simulation.sets import ideal_set
from sensors.simulation.truth import rot_wxyz, shift_times

HIP_HEIGHT_M = 0.9
SEATED_HIP_M = 0.5


@dataclass(frozen=True)
class SessionConfig:
    """A workout: the sets in order (their placements and rates must match the session's), rests drawn in
    `rest_s` (s), one mounting per placement for the whole session (None: random)."""

    sets: tuple[SimConfig, ...]
    placements: tuple[str, ...] = ("pelvis",)
    rates_hz: tuple[float, ...] = (100.0,)
    rest_s: tuple[float, float] = (45.0, 120.0)
    imu: ImuModel = ImuModel()
    lead_rest_s: float = 16.0  # the recording starts with the lifter standing and walking to the first station
    # one sensor model per placement (its own sample clock, jitter, drops, wobble); None: `imu` for every sensor
    sensor_imus: tuple[ImuModel, ...] | None = None
    time_offset_s: float = 0.0  # the host clock's origin: every time stamp and truth time moved by this

    def imu_of(self, k: int) -> ImuModel:
        """The sensor model of the k-th placement."""
        return self.imu if self.sensor_imus is None else self.sensor_imus[k]


@dataclass(frozen=True)
class SensorClockDraw:
    """Ranges of each sensor's own clock and link when the sensors of a workout are drawn apart
    (`draw_sensor_imus`): the sample clock off nominal by this fraction (either sign), the host's time-stamp
    jitter (s) and the share of samples lost unmarked."""

    clock_error: tuple[float, float] = (0.01, 0.03)
    jitter_s: tuple[float, float] = (0.0005, 0.003)
    drop_fraction: tuple[float, float] = (0.0, 0.01)


SENSOR_CLOCKS = SensorClockDraw()


def draw_sensor_imus(imu: ImuModel, n: int, rng: np.random.Generator) -> tuple[ImuModel, ...]:
    """`n` sensors of model `imu`, each with its own sample clock 1–3 % off nominal, jitter and drops
    (SENSOR_CLOCKS); their biases and noise are drawn apart anyway when they are sampled."""
    out = []
    for _ in range(n):
        sign = float(rng.choice([-1.0, 1.0]))
        out.append(replace(imu, clock_error=sign * float(rng.uniform(*SENSOR_CLOCKS.clock_error)),
                           timestamp_jitter_s=float(rng.uniform(*SENSOR_CLOCKS.jitter_s)),
                           drop_fraction=float(rng.uniform(*SENSOR_CLOCKS.drop_fraction))))
    return tuple(out)


@dataclass(frozen=True)
class SimSession:
    config: SessionConfig
    streams: tuple[SensorStream, ...]
    truth: dict = field(repr=False)
    meta: RecordingMeta = RecordingMeta()


# ------------------------------------------------------------------------------------------------ rest motion


@dataclass
class _RestPlan:
    """Rest activities as time blocks on a part's own grid."""

    duration_s: float
    blocks: list  # (kind, t0_s, t1_s, params)


def _plan_rest(duration_s: float, rng: np.random.Generator) -> _RestPlan:
    """Stand, walk, turn, sit … in random order, starting and ending standing still (≥ 3 s)."""
    blocks, t = [], 3.0
    end = duration_s - 4.0
    while t < end - 4.0:
        kind = rng.choice(["walk", "walk", "stand", "turn", "sit"])
        length = {"walk": rng.uniform(5, 15), "stand": rng.uniform(3, 12), "turn": rng.uniform(1.5, 2.5),
                  "sit": rng.uniform(12, 35)}[kind]
        length = min(length, end - t)
        if length < 1.5:
            break
        params = {"freq_hz": rng.uniform(1.6, 2.2), "turn_deg": rng.choice([-1, 1]) * rng.uniform(60, 180),
                  "tilt_deg": rng.uniform(8, 20)}
        blocks.append((str(kind), t, t + length, params))
        t += length + rng.uniform(0.5, 2.0)
    return _RestPlan(duration_s, blocks)


def _envelope(grid: np.ndarray, t0: float, t1: float, ramp_s: float) -> np.ndarray:
    """0 outside [t0, t1], smooth ramps of `ramp_s` in and out, 1 inside."""
    up = min_jerk(np.clip((grid - t0) / ramp_s, 0, 1))
    down = min_jerk(np.clip((t1 - grid) / ramp_s, 0, 1))
    return np.minimum(up, down)


def _rest_motion(plan: _RestPlan, placement: str, heading0_deg: float, rng: np.random.Generator):
    """Segment rotation and sensor position (earth) on the rest's grid, and the heading at its end (deg)."""
    grid = np.arange(0.0, plan.duration_s, 1.0 / INTERNAL_RATE_HZ)
    n = len(grid)
    heading = np.full(n, heading0_deg)
    pitch = np.zeros(n)  # + about the right axis: pelvis tilted back / thigh raised forward
    yaw = np.zeros(n)
    roll = np.zeros(n)
    hip = np.zeros((n, 3))
    hip[:, 2] = HIP_HEIGHT_M
    speed_mps = np.zeros(n)
    lateral_m = np.zeros(n)
    thigh_sign = -1.0 if placement == "thigh_right" else 1.0  # the legs swing in opposite phase
    for kind, t0, t1, p in plan.blocks:
        env = _envelope(grid, t0, t1, 0.6)
        phase = 2 * np.pi * p["freq_hz"] * (grid - t0)
        if kind == "walk":
            stride = phase / 2  # one stride = two steps
            speed_mps += (1.2 + 0.08 * np.sin(phase)) * env
            hip[:, 2] += 0.025 * np.cos(phase) * env
            lateral_m += 0.02 * np.sin(stride) * env
            if placement == "pelvis":
                yaw += 4.0 * np.sin(stride) * env
                roll += 3.0 * np.sin(stride + 0.5) * env
                pitch += 2.0 * np.sin(phase) * env
            else:
                pitch += (10.0 + 20.0 * thigh_sign * np.sin(stride)) * env
        elif kind == "turn":
            heading += p["turn_deg"] * min_jerk(np.clip((grid - t0) / (t1 - t0), 0, 1))
        elif kind == "sit":
            seat = _envelope(grid, t0, t1, 1.5)
            hip[:, 2] -= (HIP_HEIGHT_M - SEATED_HIP_M) * seat
            pitch += (p["tilt_deg"] if placement == "pelvis" else 90.0) * seat
        # standing: only the tremor below
    forward_m = np.cumsum(speed_mps) / INTERNAL_RATE_HZ
    for f in (0.4, 1.3, 2.7):  # postural sway and tremor: a few tenths of a degree, about 1°/s
        pitch += 0.08 * np.sin(2 * np.pi * f * grid + rng.uniform(0, 2 * np.pi))
        roll += 0.05 * np.sin(2 * np.pi * f * grid + rng.uniform(0, 2 * np.pi))
    head = rotation_deg(UP, heading)
    rot = head * rotation_deg(UP, yaw) * rotation_deg(FORWARD, roll) * rotation_deg(RIGHT, pitch)
    travel = head.apply(np.column_stack([forward_m, lateral_m, np.zeros(n)]))
    pos = hip + travel
    offset = [0.0, 0.0, 0.05] if placement == "pelvis" else [0.0, 0.0, -0.2]
    return grid, rot, pos + rot.apply(offset), float(heading[-1])


# ------------------------------------------------------------------------------------------------ session


def _ideal_set(set_cfg: SimConfig, rng: np.random.Generator, mounts: dict, heading: float, cfg: SessionConfig):
    """One set's exact motion on the session's mountings; each placement's soft-tissue wobble is its sensor's."""
    imu = cfg.imu if cfg.sensor_imus is None else dict(zip(cfg.placements, cfg.sensor_imus))
    return ideal_set(set_cfg, rng, mounts, heading, imu)


def _sensors_truth(cfg: SessionConfig, mounts: dict) -> dict:
    """Per placement: its rate and mounting (w, x, y, z); with sensors drawn apart (`sensor_imus`) also its sample
    clock's error (+ = fast), for diagnosis (one session model leaves the truth the same whatever its errors)."""
    out = {}
    for i, (p, rate) in enumerate(zip(cfg.placements, cfg.rates_hz)):
        out[p] = {"rate_hz": float(rate), "mounting": rot_wxyz(mounts[p])}
        if cfg.sensor_imus is not None:
            out[p]["clock_error"] = cfg.imu_of(i).clock_error
    return out


def _set_bounds(truth: dict) -> tuple[float, float]:
    if truth["steps"]:
        last = truth["steps"][-1]
        return truth["steps"][0]["t_s"], last["t_s"] + last["duration_s"]
    ecc_end = [p["end_s"] for p in truth["reps"][-1]["phases"] if p["name"] == "eccentric"][0]
    return truth["reps"][0]["start_s"], ecc_end


def _check(cfg: SessionConfig) -> None:
    if not cfg.sets:
        raise ValueError("a session needs at least one set")
    for s in cfg.sets:
        if tuple(s.placements) != tuple(cfg.placements):
            raise ValueError("every set must use the session's placements")
        if s.floor_start:
            raise ValueError("a floor start begins a recording sitting: not inside a workout")
    if cfg.sensor_imus is not None and len(cfg.sensor_imus) != len(cfg.placements):
        raise ValueError("one sensor model per placement is needed")


def simulate_session(cfg: SessionConfig, rng: np.random.Generator | int | None = None) -> SimSession:
    """Simulate a workout: sets and rests on one clock, one sensor model, one mounting per placement."""
    from scipy.spatial.transform import Rotation as R

    rng = np.random.default_rng(rng)
    _check(cfg)
    mounts = {p: R.random(random_state=int(rng.integers(2**31))) for p in cfg.placements}
    parts, sets_truth, rests, heading, t_off = [], [], [], 0.0, 0.0
    for k, set_cfg in enumerate(cfg.sets):
        rest_s = cfg.lead_rest_s if k == 0 else float(rng.uniform(*cfg.rest_s))
        plan = _plan_rest(rest_s, rng)
        signals = {}
        for i, p in enumerate(cfg.placements):
            grid, rot, pos, end_heading = _rest_motion(plan, p, heading, np.random.default_rng(k))
            gyr, acc, _ = ideal_imu(grid, rot, pos, mounts[p], tissue_wobble(grid, rot, cfg.imu_of(i)))
            signals[p] = (gyr, acc)
        rests.append({"after_set": k, "start_s": t_off, "end_s": t_off + grid[-1],
                      "activities": [b[0] for b in plan.blocks]})
        parts.append((t_off, grid, signals))
        heading = end_heading
        t_off += grid[-1] + 1.0 / INTERNAL_RATE_HZ
        ideal = _ideal_set(set_cfg, rng, mounts, heading, cfg)
        truth = shift_times(ideal.truth, t_off)
        start, end = _set_bounds(truth)
        sets_truth.append({**truth, "index": k + 1, "start_s": start, "end_s": end,
                           "rep_count": len(truth["reps"]), "step_count": len(truth["steps"])})
        parts.append((t_off, ideal.grid, ideal.signals))
        t_off += ideal.grid[-1] + 1.0 / INTERNAL_RATE_HZ
    grid = np.concatenate([g + t0 for t0, g, _ in parts])
    streams = []
    for i, (p, rate) in enumerate(zip(cfg.placements, cfg.rates_hz)):
        gyr = np.concatenate([sig[p][0] for _, _, sig in parts])
        acc = np.concatenate([sig[p][1] for _, _, sig in parts])
        t, a, g, gaps = sample_imu(grid, gyr, acc, rate, cfg.imu_of(i), rng, False)
        off = cfg.time_offset_s
        streams.append(SensorStream(sensor_info(p, rate, cfg.imu_of(i)), t + off, a, g,
                                    tuple((g0 + off, g1 + off) for g0, g1 in gaps)))
    truth = {"simulated": True, "placements": list(cfg.placements), "set_count": len(cfg.sets),
             "exercises": [s.exercise for s in cfg.sets], "sets": sets_truth, "rests": rests,
             "sensors": _sensors_truth(cfg, mounts)}
    if cfg.time_offset_s:
        truth = shift_times(truth, cfg.time_offset_s)
    meta = RecordingMeta(simulated=True, notes="SIMULATED workout by repscope (sets with rests); truth in .truth.json")
    return SimSession(cfg, tuple(streams), truth, meta)
