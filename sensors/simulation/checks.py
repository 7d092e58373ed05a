"""The simulator's configuration checked: a ValueError naming the first thing wrong."""
from __future__ import annotations

from sensors.batch import PLACEMENTS
from sensors.exercises import exercise
from sensors.rules import fault_name
from sensors.simulation.config import BAND_STEP_MODES, ONSET_MODES, SimConfig
from sensors.simulation.motions import kinematics


def validate(cfg: SimConfig) -> None:
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
    entry = exercise(cfg.exercise)
    if entry.thigh_led and not entry.steps and not any(p.startswith("thigh") for p in cfg.placements):
        raise ValueError(f"{cfg.exercise} needs a thigh sensor (the pelvis barely moves)")


def _validate_modes(cfg: SimConfig) -> None:
    if cfg.band_steps not in BAND_STEP_MODES:
        raise ValueError(f"unknown band_steps {cfg.band_steps!r} (one of {', '.join(BAND_STEP_MODES)})")
    if exercise(cfg.exercise).steps and cfg.band_steps == "lead_trail" and cfg.reps % 2:
        raise ValueError(f"lead and trail steps come in pairs: reps must be even, got {cfg.reps}")
    if cfg.onsets not in ONSET_MODES:
        raise ValueError(f"unknown onsets {cfg.onsets!r} (one of {', '.join(ONSET_MODES)})")
    if cfg.side not in (None, "left", "right"):
        raise ValueError(f"side must be left or right, got {cfg.side!r}")


def _validate_timing(cfg: SimConfig) -> None:
    for name, reps in cfg.faults:
        fault_name(name)  # ValueError naming the known ones
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

