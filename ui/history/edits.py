"""A lifter's corrections, kept beside the analysis: the stored sets stay what the analysis produced (reproducible,
replaced by `--reanalyse`), and the edits are applied on reading, so they survive a re-analysis.

An edit names its set and rep by time on the recording's clock, not by number: a time inside the set (its middle)
and a rep's middle. A re-analysis that moves a boundary by a few tenths, or finds one more rep before it, still
finds the same set and rep. Edits are applied in the order they were made (`apply_edits`, a pure function).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from analysis.results import Rep, SetReport

KINDS = ("drop_rep", "restore_rep", "relabel", "warmup", "split", "merge")


@dataclass(frozen=True)
class Edit:
    """One correction. `set_at_s`: a time inside the set it applies to; `at_s`: the rep's middle (drop_rep,
    restore_rep) or where the second part begins (split); `value`: the exercise (relabel), "1"/"0" (warmup)."""

    id: int
    kind: str
    set_at_s: float
    at_s: float | None = None
    value: str | None = None


@dataclass(frozen=True)
class EditedSet:
    """A set as the lifter sees it: `report` holds the kept reps (their analysed numbers), `dropped` the others."""

    report: SetReport
    start_s: float | None
    stored_index: int  # the analysed set it comes from (annotations: load, RPE, notes)
    dropped: tuple[Rep, ...] = ()
    warmup: bool = False
    edits: tuple[str, ...] = ()  # what was changed, in words


def span_s(report: SetReport, dropped: tuple[Rep, ...], start_s: float | None) -> tuple[float, float]:
    """First to last movement of a set, its `dropped` reps included (recording clock, s); `start_s` when it has
    none."""
    reps = report.reps + dropped
    times = [r.start_s for r in reps] + [r.end_s for r in reps]
    times += [st.t_s for st in report.steps] + [st.t_s + st.duration_s for st in report.steps]
    if not times:
        t = start_s or 0.0
        return t, t
    return min(times), max(times)


def _span(s: EditedSet) -> tuple[float, float]:
    return span_s(s.report, s.dropped, s.start_s)


def middle_s(a: float, b: float) -> float:
    return 0.5 * (a + b)


def find_set(sets: list[EditedSet], t_s: float) -> int | None:
    """The set whose span holds `t_s`, else the one whose middle is nearest (None without sets)."""
    if not sets:
        return None
    for i, s in enumerate(sets):
        a, b = _span(s)
        if a <= t_s <= b:
            return i
    return min(range(len(sets)), key=lambda i: abs(middle_s(*_span(sets[i])) - t_s))


def _rep_at(reps: tuple[Rep, ...], t_s: float) -> Rep | None:
    return next((r for r in reps if r.start_s <= t_s <= r.end_s), None)


def _with_reps(s: EditedSet, kept: tuple[Rep, ...], dropped: tuple[Rep, ...], note: str) -> EditedSet:
    from analysis.rise import velocity_loss_pct  # numpy: not for `--help`

    kept = tuple(sorted(kept, key=lambda r: r.start_s))
    loss = velocity_loss_pct([r.mean_concentric_velocity_mps for r in kept], ["partial_rom" not in r.faults
                                                                                for r in kept])
    report = dataclasses.replace(s.report, reps=kept, velocity_loss_pct=loss)
    return dataclasses.replace(s, report=report, dropped=tuple(sorted(dropped, key=lambda r: r.start_s)),
                               edits=s.edits + (note,))


def _drop(s: EditedSet, e: Edit) -> EditedSet:
    rep = _rep_at(s.report.reps, e.at_s)
    if rep is None:
        return dataclasses.replace(s, edits=s.edits + (f"a rep at {e.at_s:.1f} s to drop is no longer found",))
    kept = tuple(r for r in s.report.reps if r is not rep)
    return _with_reps(s, kept, s.dropped + (rep,), f"rep {rep.index} ({rep.start_s:.1f}–{rep.end_s:.1f} s) dropped")


def _restore(s: EditedSet, e: Edit) -> EditedSet:
    rep = _rep_at(s.dropped, e.at_s)
    if rep is None:
        return s
    dropped = tuple(r for r in s.dropped if r is not rep)
    return _with_reps(s, s.report.reps + (rep,), dropped, f"rep {rep.index} restored")


def _renumbered(kept: tuple[Rep, ...], dropped: tuple[Rep, ...]) -> tuple[tuple[Rep, ...], tuple[Rep, ...]]:
    """Kept and dropped reps numbered 1… together in time order (a dropped rep keeps its place in the count)."""
    gone = {(r.start_s, r.end_s) for r in dropped}
    everything = [dataclasses.replace(r, index=i)
                  for i, r in enumerate(sorted(kept + dropped, key=lambda r: r.start_s), 1)]
    return (tuple(r for r in everything if (r.start_s, r.end_s) not in gone),
            tuple(r for r in everything if (r.start_s, r.end_s) in gone))


def _steps_renumbered(steps) -> tuple:
    return tuple(dataclasses.replace(st, index=i) for i, st in enumerate(steps, 1))


def _merge(first: EditedSet, second: EditedSet) -> EditedSet:
    """One set of both: the reps renumbered in time order (dropped ones keep their place), steps joined."""
    kept, dropped = _renumbered(first.report.reps + second.report.reps, first.dropped + second.dropped)
    steps = _steps_renumbered(first.report.steps + second.report.steps)
    joined = dataclasses.replace(first, report=dataclasses.replace(first.report, steps=steps),
                                 edits=first.edits + second.edits)
    return _with_reps(joined, kept, dropped, "merged with the next set")


def _split(s: EditedSet, at_s: float) -> tuple[EditedSet, EditedSet]:
    """Two sets: the reps and steps that begin before `at_s`, and the rest (renumbered from 1)."""
    def part(keep, first: bool) -> EditedSet:
        reps = tuple(r for r in s.report.reps if keep(r.start_s))
        dropped = tuple(r for r in s.dropped if keep(r.start_s))
        steps = tuple(st for st in s.report.steps if keep(st.t_s))
        if not first:
            reps, dropped = _renumbered(reps, dropped)
            steps = _steps_renumbered(steps)
        base = dataclasses.replace(s, report=dataclasses.replace(s.report, steps=steps),
                                   start_s=s.start_s if first else at_s, edits=())
        return _with_reps(base, reps, dropped, f"split at {at_s:.1f} s")
    return part(lambda t: t < at_s, True), part(lambda t: t >= at_s, False)


def _apply(sets: list[EditedSet], e: Edit) -> list[EditedSet]:
    i = find_set(sets, e.set_at_s)
    if i is None:
        return sets
    s = sets[i]
    if e.kind == "drop_rep":
        sets[i] = _drop(s, e)
    elif e.kind == "restore_rep":
        sets[i] = _restore(s, e)
    elif e.kind == "relabel":
        sets[i] = dataclasses.replace(s, report=dataclasses.replace(s.report, exercise=e.value),
                                      edits=s.edits + (f"exercise relabelled {s.report.exercise} → {e.value}",))
    elif e.kind == "warmup":
        on = e.value == "1"
        sets[i] = dataclasses.replace(s, warmup=on, edits=s.edits + ("marked warm-up" if on else "warm-up unmarked",))
    elif e.kind == "merge" and i + 1 < len(sets):
        sets[i:i + 2] = [_merge(s, sets[i + 1])]
    elif e.kind == "split":
        sets[i:i + 1] = list(_split(s, e.at_s))
    return sets


def apply_edits(sets: list[EditedSet], edits: list[Edit]) -> list[EditedSet]:
    """The sets after every edit, in the order the edits were made (ids ascending)."""
    out = list(sets)
    for e in sorted(edits, key=lambda e: e.id):
        out = _apply(out, e)
    return out
