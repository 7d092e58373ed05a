"""Fault rules (docs/conventions.md) and the coaching cue for each, in plain words with the numbers.

Every cue traces back to the coaching text the product is built on: a slow, controlled eccentric to keep time
under tension; a deliberate pause at peak contraction; no momentum or rushing; a slight posterior pelvic tilt and
no lumbar arching on hip thrusts and bridges; hips kept level on single-leg work; the full range of motion.
"""
from __future__ import annotations

from analysis.results import Rep, TempoTarget
from analysis.tempo import tolerance_s

RUSHED_ECCENTRIC_S = 1.0
NO_TOP_PAUSE_S = 0.3
MOMENTUM_CONCENTRIC_S = 0.5
LUMBAR_ARCH_DEG = -5.0
PELVIC_DROP_DEG = 5.0
PARTIAL_ROM_FRACTION = 0.6


def rep_faults(rep: Rep, target: TempoTarget | None, set_median_rom_deg: float) -> tuple[str, ...]:
    """Fault labels of one rep, in the fixed vocabulary and order of `analysis.results.FAULTS`."""
    faults = []
    ecc = rep.eccentric_s
    if ecc is not None:
        short = ecc < RUSHED_ECCENTRIC_S
        if target is not None:
            short = short or ecc < target.eccentric_s - tolerance_s(target.eccentric_s, target.tol_s, target.tol_frac)
        if short:
            faults.append("rushed_eccentric")
    if rep.top_pause_s is not None and rep.top_pause_s < NO_TOP_PAUSE_S:
        faults.append("no_top_pause")
    explosive = target is not None and target.concentric_s is None
    if rep.concentric_s is not None and rep.concentric_s < MOMENTUM_CONCENTRIC_S and not explosive:
        faults.append("momentum")
    partial = set_median_rom_deg > 0 and rep.rom_deg < PARTIAL_ROM_FRACTION * set_median_rom_deg
    if rep.tilt_sagittal_deg is not None and rep.tilt_sagittal_deg < LUMBAR_ARCH_DEG and not partial:
        faults.append("lumbar_arch")
    if rep.pelvic_drop_deg is not None and rep.pelvic_drop_deg > PELVIC_DROP_DEG:
        faults.append("pelvic_drop")
    if partial:
        faults.append("partial_rom")
    return tuple(faults)


def cue(fault: str, rep: Rep, target: TempoTarget | None, set_median_rom_deg: float) -> str:
    """One plain-language sentence for a fault, with the measured number and the target."""
    if fault == "rushed_eccentric":
        goal = target.eccentric_s if target is not None else 2.0
        return f"Slow the lowering: {rep.eccentric_s:.1f} s, target {goal:g} s — control it all the way down."
    if fault == "no_top_pause":
        goal = target.top_pause_s if target is not None and target.top_pause_s > 0 else 1.0
        return f"Pause at the top: {rep.top_pause_s:.1f} s, hold the squeeze for {goal:g} s."
    if fault == "momentum":
        return f"No momentum: the lift took {rep.concentric_s:.1f} s — don't bounce out of the bottom, drive with the glutes."
    if fault == "lumbar_arch":
        return f"Lower back arching ({rep.tilt_sagittal_deg:+.0f}° tilt): tuck the pelvis, ribs down, at lockout."
    if fault == "pelvic_drop":
        return f"Hips dropping on the {rep.pelvic_drop_side} ({rep.pelvic_drop_deg:.0f}°): keep them level."
    if fault == "partial_rom":
        pct = 100.0 * rep.rom_deg / set_median_rom_deg if set_median_rom_deg > 0 else 0.0
        return f"Use the full range: {rep.rom_deg:.0f}° of your usual {set_median_rom_deg:.0f}° ({pct:.0f} %)."
    raise ValueError(f"unknown fault {fault!r}")
