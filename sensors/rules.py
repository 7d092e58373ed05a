"""The fault rules, once: thresholds and the labelling function that both the analysis and the simulator's ground
truth use (docs/conventions.md), and the tempo tolerance. Pure, no numpy: values in, fault names out. It sits
in the lowest layer that needs it (the simulator labels its ground truth with it); `analysis` imports it, as its
only import from `sensors`.

Each threshold sits in the middle of the gap between what a coach calls clean and what the coaching text calls a
fault, so a measurement error of a few tens of ms or degrees does not flip a verdict:
- a controlled lowering takes at least ~1 s; a rushed one well under (0.3–0.8 s): threshold 0.9 s;
- a deliberate pause at peak contraction lasts ≥ ~0.35 s; none is ~0.1 s or less: threshold 0.2 s;
- momentum is a bounce out of the bottom (no pause before the lift, < 0.2 s) into a ballistic lift (< 0.5 s);
- a partial rep stops well short of the top (≤ ~70 % of the set's range), a full one is within a few % of it:
  threshold 85 %;
- lumbar arch: the pelvis tilted anteriorly at lockout (< −5°), where a clean lockout is a slight posterior tuck;
- pelvic drop: the unsupported side lower by more than 5° on single-leg work.
"""
from __future__ import annotations

from dataclasses import dataclass

FAULTS = ("rushed_eccentric", "no_top_pause", "momentum", "lumbar_arch", "pelvic_drop", "partial_rom")
# short forms, accepted wherever a fault is named (the simulator's commands and configurations)
FAULT_ALIASES = {"rushed": "rushed_eccentric", "arch": "lumbar_arch", "drop": "pelvic_drop", "partial": "partial_rom"}


def fault_name(name: str) -> str:
    """The fault `name` names (one of `FAULTS`, or a short form of `FAULT_ALIASES`); ValueError otherwise."""
    full = FAULT_ALIASES.get(name, name)
    if full not in FAULTS:
        raise ValueError(f"unknown fault {name!r} (one of {', '.join(FAULTS)}; short forms "
                         f"{', '.join(FAULT_ALIASES)})")
    return full


@dataclass(frozen=True)
class FaultRules:
    """Fault thresholds (s, degrees, fractions of the set's median range)."""

    rushed_eccentric_s: float = 0.9
    no_top_pause_s: float = 0.2
    momentum_concentric_s: float = 0.5
    bounce_s: float = 0.2  # a bottom pause shorter than this before a lift is a bounce
    lumbar_arch_deg: float = -5.0
    pelvic_drop_deg: float = 5.0
    partial_range_fraction: float = 0.85


FAULT_RULES = FaultRules()

# Tempo compliance: a phase passes within the larger of ±0.5 s and ±20 % of its target.
TEMPO_TOL_S = 0.5
TEMPO_TOL_FRAC = 0.2


def tolerance_s(target_s: float, tol_s: float = TEMPO_TOL_S, tol_frac: float = TEMPO_TOL_FRAC) -> float:
    """Allowed deviation (s) for one timed phase: the larger of the absolute and the relative tolerance."""
    return max(tol_s, tol_frac * target_s)


@dataclass(frozen=True)
class RepValues:
    """What the rules look at, per rep (None where not measured or not applicable).

    `range_fraction`: the rep's range over the set's median range (for the pelvis on hip-extension lifts the hip
    rise, which an arch does not shorten). `pause_before_s`: the bottom pause before this rep's lift (None on
    rep 1, whose start is a set-up hold). `eccentric_floor_s`: a prescribed eccentric's lower tolerance limit."""

    eccentric_s: float | None
    top_pause_s: float | None
    concentric_s: float | None
    pause_before_s: float | None
    range_fraction: float | None
    tilt_deg: float | None = None
    drop_deg: float | None = None
    eccentric_floor_s: float | None = None


def label_faults(v: RepValues, rules: FaultRules = FAULT_RULES) -> tuple[str, ...]:
    """Fault names of one rep, in the order of `FAULTS`."""
    out = []
    if v.eccentric_s is not None and (v.eccentric_s < rules.rushed_eccentric_s
                                      or (v.eccentric_floor_s is not None and v.eccentric_s < v.eccentric_floor_s)):
        out.append("rushed_eccentric")
    if v.top_pause_s is not None and v.top_pause_s < rules.no_top_pause_s:
        out.append("no_top_pause")
    if (v.concentric_s is not None and v.pause_before_s is not None and v.pause_before_s < rules.bounce_s
            and v.concentric_s < rules.momentum_concentric_s):
        out.append("momentum")
    partial = v.range_fraction is not None and v.range_fraction < rules.partial_range_fraction
    # a partial rep never reached lockout, so its top says nothing about arching
    if v.tilt_deg is not None and v.tilt_deg < rules.lumbar_arch_deg and not partial:
        out.append("lumbar_arch")
    if v.drop_deg is not None and v.drop_deg > rules.pelvic_drop_deg:
        out.append("pelvic_drop")
    if partial:
        out.append("partial_rom")
    return tuple(out)
