"""One set assembled: plan the reps, lay them out, move the segments, take the exact IMU signals, sample them
through the error model and label the truth."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from sensors.exercises import exercise
from sensors.recording import RecordingMeta, SensorStream
from sensors.simulation.body import segment_position, segment_rotation
from sensors.simulation.checks import validate
from sensors.simulation.config import SimConfig, SimResult
from sensors.simulation.imu import ImuModel, sample_imu, ideal_imu, sensor_info, tissue_wobble
from sensors.simulation.plan import plan_reps
from sensors.simulation.timeline import build_timeline
from sensors.simulation.truth import add_rise_truth, primary_placement_of, set_truth, shift_times

if TYPE_CHECKING:
    from scipy.spatial.transform import Rotation as R


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

    validate(cfg)
    rom_deg = cfg.rom_deg if cfg.rom_deg is not None else exercise(cfg.exercise).default_rom_deg
    lead_trail = exercise(cfg.exercise).steps and cfg.band_steps == "lead_trail"
    reps = plan_reps(replace(cfg, reps=cfg.reps // 2) if lead_trail else cfg, rng)  # a lead + trail pair each
    grid, pose, bounds, standing, blocks = build_timeline(cfg, reps, rng)
    heading = R.from_rotvec([0.0, 0.0, np.radians(heading_deg)])
    rots = {p: segment_rotation(cfg, p, pose, rom_deg) for p in set(cfg.placements) | {"pelvis"}}
    signals, used, heights = {}, {}, {}
    for k, placement in enumerate(cfg.placements):
        used[placement] = _mount(cfg, k, mounts, rng)
        pos = heading.apply(segment_position(cfg, placement, rots[placement], pose))
        heights[placement] = pos[:, 2]
        model = cfg.imu if imu is None else imu[placement] if isinstance(imu, dict) else imu
        wobble = tissue_wobble(grid, heading * rots[placement], model)
        gyr, acc, _ = ideal_imu(grid, heading * rots[placement], pos, used[placement], wobble)
        signals[placement] = (gyr, acc)
    truth = set_truth(cfg, reps, bounds, grid, pose, rots, used, standing, rom_deg)
    if blocks:  # the harder set-up patterns, for diagnosis and tests (the default truth stays as it was)
        truth["setup_moves"] = [{"name": name, "start_s": t0, "end_s": t1} for name, t0, t1 in blocks]
    add_rise_truth(truth, grid, heights[primary_placement_of(cfg)], bounds, cfg.exercise)
    return IdealSet(grid, signals, used, truth)


def _mount(cfg: SimConfig, k: int, mounts: dict | None, rng: np.random.Generator) -> R:
    """The k-th placement's sensor-on-segment rotation: the given one, the configured one, or a random one."""
    from scipy.spatial.transform import Rotation as R

    if mounts is not None:
        return mounts[cfg.placements[k]]
    if cfg.mounting is not None:
        w, x, y, z = cfg.mounting[k]
        return R.from_quat([x, y, z, w])
    return R.random(random_state=int(rng.integers(2**31)))


def simulate_set(cfg: SimConfig, rng: np.random.Generator | int | None = None) -> SimResult:
    """Simulate one set; returns per-placement sensor streams and the ground truth (conventions of docs/)."""
    rng = np.random.default_rng(rng)
    ideal = ideal_set(cfg, rng)
    streams = []
    for placement, rate in zip(cfg.placements, cfg.rates_hz):
        gyr, acc = ideal.signals[placement]
        t, a, g, gaps = sample_imu(ideal.grid, gyr, acc, rate, cfg.imu, rng, cfg.gaps)
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


