"""What the live window's big read-outs say, as pure functions and small state (no Qt): the phase with its count
against the tempo target, the posture value held from the last lockout, the rest timer, the last set's summary,
the last rep's speed, the band-walk step counter and the exercise (given or recognised).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from analysis.results import Rep, SetReport, Step, TempoTarget
from analysis.tempo import target_s, tolerance_s
from sensors.exercises import BY_NAME
from ui.palette import BAD, OK, PHASE_WORDS
from ui.tables import step_summary

WAIT_MARK, OK_MARK, LONG_MARK = "…", "✓", "→"
NEXT_PHASE = {"concentric": "top_pause", "top_pause": "eccentric", "eccentric": "bottom_pause",
              "bottom_pause": "concentric"}
# the key shown under the phase box
PHASE_COUNT_LEGEND = "LOWER 2 · 3 = seconds so far · target   … not yet   ✓ on target   → time to move on"


@dataclass(frozen=True)
class PhaseReadout:
    """The big phase line, e.g. `LOWER 2 · 3 · ✓`: the phase, whole seconds so far, the target (s) and a mark —
    … still short of the target's band, ✓ inside it. Past the band the phase is still running, so no verdict:
    the time in tenths (past the target, never equal to it) and the move that is due, `BOTTOM 1.6 · 1 → LIFT`.
    `colour` is the mark's."""

    text: str
    mark: str
    colour: str | None


def phase_readout(phase: str, elapsed_s: float, tempo: TempoTarget | None) -> PhaseReadout:
    """The phase line for `elapsed_s` into `phase` (no target: the phase and the count only; X: `LIFT 0 · X`)."""
    word = PHASE_WORDS[phase]
    count = int(math.floor(max(0.0, elapsed_s)))
    goal = target_s(tempo, phase)
    if tempo is None:
        return PhaseReadout(f"{word} {count}", "", None)
    if goal is None:  # an X concentric: explosive, not timed
        return PhaseReadout(f"{word} {count} · X", "", None)
    tol = tolerance_s(goal, tempo.tol_s, tempo.tol_frac)
    if elapsed_s < goal - tol:
        mark, colour = WAIT_MARK, None
    elif elapsed_s <= goal + tol:
        mark, colour = OK_MARK, OK
    else:
        due = PHASE_WORDS[NEXT_PHASE[phase]]
        return PhaseReadout(f"{word} {elapsed_s:.1f} · {goal:g} {LONG_MARK} {due}", LONG_MARK, BAD)
    return PhaseReadout(f"{word} {count} · {goal:g} · {mark}", mark, colour)


class LockoutHold:
    """A posture gauge's value and whose it is: live while the lifter holds the top (the lockout, where tilt and
    drop mean something); through that rep's lowering and at its bottom, until the rep is announced, the top's
    value held; from then on (and between sets) the newest announced rep's own value, or nothing when that rep
    has none (never an older rep's value as if it were current). The live posture at the bottom of a rep or while
    resting means nothing and is never shown."""

    def __init__(self) -> None:
        self.value: float | None = None
        self.source = ""  # "live" (at the top now), "held" (from the top just left), "rep N" (the announced rep's)
        self.rep = 0  # the rep the value belongs to (1-based; 0 before any)

    def update(self, phase: str | None, live: float | None, latest_index: int, rep_value: float | None) -> float | None:
        """`phase`: the live phase (None between sets); `latest_index`, `rep_value`: the newest announced rep
        (0 before the first) and its value (None if not measured)."""
        at_top = phase == "top_pause" and live is not None and math.isfinite(live)
        if at_top:
            self.value, self.source, self.rep = live, "live", latest_index + 1
        elif phase in ("eccentric", "bottom_pause") and self.source in ("live", "held") and self.rep > latest_index:
            self.source = "held"  # the top of a rep not announced yet
        elif latest_index > 0:
            self.value, self.source, self.rep = rep_value, f"rep {latest_index}", latest_index
        return self.value

    def label(self) -> str:
        if self.value is None:
            return ""
        if self.source == "live":
            return "now, at the top"
        if self.source == "held":
            return "held from the top"
        return f"{self.source} at lockout"

    def empty_text(self) -> str:
        """Why the gauge is empty: not measured on the newest rep, or no lockout seen yet."""
        return f"{self.source}: not measured" if self.source.startswith("rep ") else "at the first lockout"


def rest_text(rest_s: float) -> str:
    """`REST 1:05`."""
    rest_s = max(0.0, rest_s)
    return f"REST {int(rest_s // 60)}:{int(rest_s % 60):02d}"


def set_summary(report: SetReport, set_number: int) -> str:
    """One line on the set just finished, for the banner between sets."""
    if report.steps:
        summ = step_summary(report.steps)
        sides = " · ".join(f"{s.side} {s.count}" for s in summ.sides)
        cad = "" if summ.cadence_steps_per_min is None else f" · {summ.cadence_steps_per_min:.0f} steps/min"
        return f"Set {set_number} done: {summ.count} steps ({sides}){cad}"
    reps = report.reps
    faults = sum(len(r.faults) for r in reps)
    parts = [f"Set {set_number} done: {len(reps)} reps", f"{faults} fault{'s' if faults != 1 else ''}"]
    ecc = [r.eccentric_s for r in reps if r.eccentric_s is not None]
    if ecc:
        parts.append(f"lowering {sum(ecc) / len(ecc):.1f} s")
    judged = [r.tempo_ok for r in reps if r.tempo_ok is not None]
    if judged:
        parts.append(f"{sum(judged)}/{len(judged)} on tempo")
    if report.velocity_loss_pct is not None:
        parts.append(f"speed loss {report.velocity_loss_pct:.0f} %")
    return " · ".join(parts)


def speed_text(reps: Sequence[Rep]) -> tuple[str, str]:
    """The last rep's lift speed (mean concentric velocity) and the loss so far from the set's fastest full-range
    rep (the analysis's `velocity_loss_pct`, over the reps announced so far): `("last rep 0.32 m/s", "speed loss
    6 %")`, dashes until measured."""
    measured = [r for r in reps if r.mean_concentric_velocity_mps is not None]
    if not measured:
        return "last rep – m/s", ""
    last = measured[-1].mean_concentric_velocity_mps
    full = [r.mean_concentric_velocity_mps for r in measured if "partial_rom" not in r.faults]
    loss = ""
    if len(full) >= 2 and max(full) > 0:
        loss = f"speed loss {max(0.0, 100.0 * (max(full) - last) / max(full)):.0f} %"
    return f"last rep {last:.2f} m/s", loss


def step_counter(steps: Sequence[Step]) -> str:
    """The band walk's phase line: steps per side and the newest step's direction, `← 6 · 5 →  last: right`."""
    summ = step_summary(steps)
    left, right = (s.count for s in summ.sides)
    last = f"  last: {steps[-1].side}" if steps else ""
    return f"← {left} · {right} →{last}"


def exercise_text(exercise: str | None, source: str | None, confidence: float | None = None,
                  recognise_after: int = 3) -> str:
    """Which exercise the set is analysed as and how that is known: `HIP THRUST · given`, `GLUTE BRIDGE ·
    recognised 82 %`, or before the first reps `exercise: recognised at rep 3`."""
    if exercise is None:
        return f"exercise: recognised at rep {recognise_after}"
    name = exercise.replace("_", " ").upper()
    if source == "recognised":
        pct = "" if confidence is None or not math.isfinite(confidence) else f" {100 * confidence:.0f} %"
        return f"{name} · recognised{pct}"
    return f"{name} · {source or 'given'}"


def gauges_for(exercise: str | None, placements: Sequence[str]) -> tuple[str, ...]:
    """The posture gauges that mean something here: tilt (lumbar arch) and drop (level hips) are read from a
    pelvis sensor on the lifts whose faults include them (`sensors/exercises.py`); none before the exercise is
    known, without a pelvis sensor, or on a thigh-led lift (clamshell, abduction) or a band walk."""
    ex = BY_NAME.get(exercise) if exercise is not None else None
    if ex is None or "pelvis" not in placements or ex.steps:
        return ()
    return tuple(name for name, fault in (("tilt", "lumbar_arch"), ("drop", "pelvic_drop")) if fault in ex.faults)


def working_side_text(exercise: str | None, side: str | None, placements: Sequence[str]) -> str:
    """Which leg works: the set's side on a single-leg lift, the thigh sensor's leg on the lifts whose rep is
    the thigh's out-hold-back (one leg at a time); empty for two-leg lifts."""
    thighs = [p.split("_")[1] for p in placements if p.startswith("thigh_")]
    ex = BY_NAME.get(exercise) if exercise is not None else None
    if ex is not None and ex.single_leg:
        return f"{side.upper()} LEG working" if side else "working leg: not given (--side)"
    if ex is not None and ex.shape == "thigh_out_hold_back" and thighs:
        return f"{thighs[0].upper()} LEG (thigh sensor)"
    return ""


def is_undone(rep: Rep, undone_s: Sequence[float]) -> bool:
    """The lifter undid this rep (`u`): one of the undone middles (s) falls inside it."""
    return any(rep.start_s <= t <= rep.end_s for t in undone_s)


def without_undone(report: SetReport, undone_s: Sequence[float]) -> SetReport:
    """A set's report less the reps undone live, as the history's `drop_rep` edits make it (velocity loss over the
    kept reps); the report itself when none of them is in this set."""
    from ui.history.edits import Edit, EditedSet, apply_edits

    hits = [t for t in undone_s if any(r.start_s <= t <= r.end_s for r in report.reps)]
    if not hits:
        return report
    edits = [Edit(k, "drop_rep", t, t) for k, t in enumerate(hits)]
    return apply_edits([EditedSet(report, None, 0)], edits)[0].report
