"""Fault rules (docs/conventions.md) and the coaching cue for each, in plain words with the numbers.

Every cue traces back to the coaching text the product is built on: a slow, controlled eccentric to keep time
under tension; a deliberate pause at peak contraction; no momentum or rushing; a slight posterior pelvic tilt and
no lumbar arching on hip thrusts and bridges; hips kept level on single-leg work; the full range of motion.
"""
from __future__ import annotations

from analysis.results import Rep, TempoTarget
from sensors.rules import FAULT_RULES, FAULTS, FaultRules, RepValues, label_faults, tolerance_s

# the display layers shade their gauges with these
LUMBAR_ARCH_DEG = FAULT_RULES.lumbar_arch_deg
PELVIC_DROP_DEG = FAULT_RULES.pelvic_drop_deg

def rep_faults(rep: Rep, target: TempoTarget | None, range_fraction: float | None, pause_before_s: float | None,
               observable: tuple[str, ...] = FAULTS, rules: FaultRules = FAULT_RULES,
               bounced: bool | None = None) -> tuple[str, ...]:
    """Fault labels of one rep (`sensors.rules`): `range_fraction` is its range over the set's median range,
    `pause_before_s` the bottom pause before its lift (None on the first rep); only the `observable` ones (the
    exercise's, `sensors.exercises`). `bounced` False: the lowering before the lift did not stop hard, so a quick
    lift out of a touch-and-go bottom is not momentum (None: not measured)."""
    floor = None
    if target is not None:
        floor = target.eccentric_s - tolerance_s(target.eccentric_s, target.tol_s, target.tol_frac)
    values = RepValues(rep.eccentric_s, rep.top_pause_s, rep.concentric_s, pause_before_s, range_fraction,
                       rep.tilt_sagittal_deg, rep.pelvic_drop_deg, floor)
    found = [f for f in label_faults(values, rules) if f in observable]
    return tuple(f for f in found if not (f == "momentum" and bounced is False))


def cue(fault: str, rep: Rep, target: TempoTarget | None, range_fraction: float | None) -> str:
    """One plain-language sentence for a fault, with the measured number and the target."""
    if fault == "rushed_eccentric":
        goal = target.eccentric_s if target is not None else 2.0
        return f"Slow the lowering: {rep.eccentric_s:.1f} s, target {goal:g} s — control it all the way down."
    if fault == "no_top_pause":
        goal = target.top_pause_s if target is not None and target.top_pause_s > 0 else 1.0
        return f"Pause at the top: {rep.top_pause_s:.1f} s, hold the squeeze for {goal:g} s."
    if fault == "momentum":
        return (
            f"No momentum: the lift took {rep.concentric_s:.1f} s — don't bounce out of the bottom, "
            "drive with the glutes."
        )
    if fault == "lumbar_arch":
        return f"Lower back arching ({rep.tilt_sagittal_deg:+.0f}° tilt): tuck the pelvis, ribs down, at lockout."
    if fault == "pelvic_drop":
        return f"Hips dropping on the {rep.pelvic_drop_side} ({rep.pelvic_drop_deg:.0f}°): keep them level."
    if fault == "partial_rom":
        pct = 100.0 * (range_fraction or 0.0)
        return f"Use the full range: this rep reached {pct:.0f} % of your usual range — drive all the way to lockout."
    raise ValueError(f"unknown fault {fault!r}")
