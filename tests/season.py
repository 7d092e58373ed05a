"""A simulated training season on disk: many short recordings, dated days apart, with a lifter who improves (for
the history tests, `benchmarks/history_batch.py` and the history report screenshot)."""
from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np

from sensors.recording import write_recording
from sensors.simulation import SimConfig, simulate_set

SEASON_EXERCISES = ("hip_thrust", "glute_bridge", "single_leg_hip_thrust", "clamshell")
PRESCRIBED_TEMPO = "3-1-1-2"
SEASON_START = dt.datetime(2026, 9, 1, 17, 0, tzinfo=dt.timezone.utc)


def season_config(i: int, n: int, exercise: str, reps: int, rng: np.random.Generator) -> SimConfig:
    """Session `i` of `n`: the lowering grows from ~2 s to the prescribed 3 s, arching and hip drop fade out."""
    progress = i / max(n - 1, 1)
    faults = []
    if exercise in ("hip_thrust", "glute_bridge") and rng.random() > progress:
        faults.append(("arch", (int(rng.integers(2, reps + 1)),)))
    if exercise == "single_leg_hip_thrust" and rng.random() > progress:
        faults.append(("drop", (int(rng.integers(2, reps + 1)),)))
    placement = "thigh_left" if exercise == "clamshell" else "pelvis"
    return SimConfig(
        exercise=exercise, reps=reps, eccentric_s=2.0 + 1.0 * progress + 0.1 * rng.standard_normal(),
        bottom_pause_s=1.0, concentric_s=1.0, top_pause_s=1.5 + 0.5 * progress, placements=(placement,),
        rates_hz=(100.0,), side="left" if exercise == "single_leg_hip_thrust" else None, faults=tuple(faults),
    )


def write_season(folder: Path, files: int, *, reps: int = 4, seed: int = 0, days_apart: float = 2.0,
                 exercises: tuple[str, ...] = SEASON_EXERCISES) -> list[Path]:
    """`files` recordings under `folder/week-NN/`, exercises in rotation, each dated by its metadata."""
    rng = np.random.default_rng(seed)
    paths = []
    for i in range(files):
        exercise = exercises[i % len(exercises)]
        sim = simulate_set(season_config(i // len(exercises), max(files // len(exercises), 1), exercise, reps, rng),
                           seed * 10_000 + i)
        start = SEASON_START + dt.timedelta(days=days_apart * (i // len(exercises)), minutes=10 * (i % len(exercises)))
        meta = dataclasses.replace(sim.meta, tempo=PRESCRIBED_TEMPO, start_utc=start.strftime("%Y-%m-%dT%H:%M:%SZ"))
        path = folder / f"week-{(start - SEASON_START).days // 7 + 1:02d}" / f"{start:%Y%m%d-%H%M}-{exercise}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        write_recording(path, meta, sim.streams)
        paths.append(path)
    return paths
