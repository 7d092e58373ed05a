"""Band-walk views shared by the terminal, the HTML report and the live window: the per-side step summary and
the terminal step table. (A band walk has steps, not reps: `SetReport.steps`.)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from analysis.results import SetReport, Step

SIDES = ("left", "right")


@dataclass(frozen=True)
class SideSummary:
    """The steps toward one side: count, cadence (steps/min over that side's own span; None under 2 steps) and
    mean step duration (s; None without steps)."""

    side: str
    count: int
    cadence_steps_per_min: float | None
    mean_duration_s: float | None


@dataclass(frozen=True)
class StepSummary:
    count: int
    cadence_steps_per_min: float | None  # all steps, first to last
    sides: tuple[SideSummary, ...]  # left, right


def _cadence(steps: Sequence[Step]) -> float | None:
    span = steps[-1].t_s - steps[0].t_s if len(steps) > 1 else 0.0
    return 60.0 * (len(steps) - 1) / span if span > 0 else None


def step_summary(steps: Sequence[Step]) -> StepSummary:
    """Count and cadence overall and per side of travel."""
    sides = []
    for side in SIDES:
        own = [s for s in steps if s.side == side]
        mean = sum(s.duration_s for s in own) / len(own) if own else None
        sides.append(SideSummary(side, len(own), _cadence(own), mean))
    return StepSummary(len(steps), _cadence(list(steps)), tuple(sides))


def figure(x: float | None, fmt: str = "{:.1f}") -> str:
    """A number for a table or a report, "–" where there is none."""
    return "–" if x is None else fmt.format(x)


def format_band_walk_table(report: SetReport) -> list[str]:
    """The terminal view of a band walk: one line per step (time, side, duration), then the per-side counts and
    cadence. Step length is not measured (the analysis reports none), so it has no column."""
    if not report.steps:
        return ["no steps found: a band walk is a regular run of sideways steps (see docs/conventions.md)"]
    head = f"{'step':>4} {'t s':>7} {'side':>6} {'dur s':>6}"
    lines = [head, "-" * len(head)]
    for s in report.steps:
        lines.append(f"{s.index:>4} {s.t_s:>7.2f} {s.side:>6} {s.duration_s:>6.2f}")
    lines.append("-" * len(head))
    summ = step_summary(report.steps)
    lines.append(f"{summ.count} steps · cadence {figure(summ.cadence_steps_per_min)} steps/min")
    for side in summ.sides:
        lines.append(f"  {side.side:<5} {side.count:>3} steps · cadence {figure(side.cadence_steps_per_min)} steps/min"
                     f" · mean step {figure(side.mean_duration_s, '{:.2f}')} s")
    return lines


def known_from(exercise_source: str, confidence: float) -> str:
    """How a set's exercise was known, as the table and the workout report say it."""
    return f"recognised, {confidence:.0%}" if exercise_source == "recognised" else exercise_source
