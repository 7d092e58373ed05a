"""A set's reps planned: each rep's tempo, range, tilt, drop and commanded faults, drawn from the set's
configuration (the set's tempo jittered, the faults' own ranges, blocks, onset profiles and overshoots)."""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from sensors.exercises import exercise
from sensors.simulation.config import TECHNIQUE, SimConfig
from sensors.simulation.profiles import (
    CLASSIC_CONCENTRIC, CLASSIC_ECCENTRIC, HARD_STOP_RAMPS, MOMENTUM_RAMPS, PROFILE_RAMPS, Profile, between,
    draw_profile,
)


@dataclass(frozen=True)
class PlannedRep:
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


def plan_reps(cfg: SimConfig, rng: np.random.Generator) -> list[PlannedRep]:
    reps = []
    set_tilt = rng.uniform(1.0, 6.0)  # the lifter's own clean posterior tuck, constant within a set
    block_of = _block_of_rep(cfg)
    for i in range(1, cfg.reps + 1):
        j = lambda: 1.0 + rng.uniform(-cfg.tempo_jitter, cfg.tempo_jitter)  # noqa: E731
        block = block_of[i - 1]
        tempo = cfg if block is None else cfg.blocks[block]
        con = (rng.uniform(0.55, 0.8) if tempo.concentric_s is None else tempo.concentric_s * j())
        top = tempo.top_pause_s * j()
        ecc = tempo.eccentric_s * j()
        bot = tempo.bottom_pause_s * j()
        cmd = []
        if i in cfg.reps_with("rushed_eccentric"):
            ecc = rng.uniform(0.35, 0.7)
            cmd.append("rushed_eccentric")
        if i in cfg.reps_with("no_top_pause"):
            top = rng.uniform(0.0, 0.1)
            cmd.append("no_top_pause")
        if i in cfg.reps_with("momentum"):
            con = rng.uniform(0.25, 0.4)
            cmd.append("momentum")
        rom_scale = (1.0 + rng.uniform(-0.04, 0.04)) * getattr(tempo, "rom_scale", 1.0)
        if i in cfg.reps_with("partial_rom"):
            rom_scale = rng.uniform(0.3, 0.45)
            cmd.append("partial_rom")
        tilt = set_tilt + rng.uniform(-1.0, 1.0)
        if i in cfg.reps_with("lumbar_arch"):
            tilt = rng.uniform(-12.0, -8.0)
            cmd.append("lumbar_arch")
        # both feet hold the pelvis level to a few tenths of a degree; balanced on one hip it rolls by a degree or
        # two, differently each rep
        drop = rng.uniform(-2.0, 2.0) if exercise(cfg.exercise).single_leg else rng.uniform(-0.6, 0.6)
        if i in cfg.reps_with("pelvic_drop"):
            drop = rng.uniform(8.0, 12.0)
            cmd.append("pelvic_drop")
        reps.append(PlannedRep(con, top, ecc, bot, rom_scale, tilt, drop, tuple(cmd), block=block_of[i - 1]))
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


def _block_rests(cfg: SimConfig, reps: list[PlannedRep]) -> list[PlannedRep]:
    """The rest after each block (but the last) is its last rep's bottom pause."""
    i = 0
    for block in cfg.blocks[:-1]:
        i += block.reps
        if block.rest_after_s > 0:
            reps[i - 1] = replace(reps[i - 1], bottom_pause_s=block.rest_after_s)
    return reps


def _draw_overshoots(reps: list[PlannedRep], rng: np.random.Generator) -> list[PlannedRep]:
    """Each lift's overshoot (TECHNIQUE.overshoot_fraction) and its settle back into the top pause
    (TECHNIQUE.settle_s, at most the pause); none where the pause is shorter than the quickest settle."""
    out = []
    for rep in reps:
        fraction, settle = between(rng, TECHNIQUE.overshoot_fraction), between(rng, TECHNIQUE.settle_s)
        if rep.top_pause_s < TECHNIQUE.settle_s[0]:
            out.append(rep)
            continue
        out.append(replace(rep, overshoot=fraction, settle_s=min(settle, rep.top_pause_s)))
    return out


def _draw_profiles(per_rep: bool, reps: list[PlannedRep], rng: np.random.Generator) -> list[PlannedRep]:
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
