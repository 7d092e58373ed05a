"""`SetReport` → the stable `repscope analyze --json` / `--csv` structures (plain dicts, lists, numbers)."""
from __future__ import annotations

import numpy as np

from typing import TYPE_CHECKING

from analysis.results import Rep, SetReport

if TYPE_CHECKING:  # the session module pulls in the whole analysis (scipy): not needed to serialise
    from analysis.session import SessionReport, SessionSet
from analysis.tempo import format_tempo

CSV_COLUMNS = (
    "set", "exercise", "placement", "kind", "index", "start_s", "end_s", "concentric_s", "top_pause_s",
    "eccentric_s", "bottom_pause_s", "time_under_tension_s", "rom_deg", "peak_speed_dps", "tilt_sagittal_deg",
    "pelvic_drop_deg", "pelvic_drop_side", "rise_m", "mean_concentric_velocity_mps", "peak_concentric_velocity_mps",
    "tempo_ok", "faults", "cues", "side", "duration_s",
)  # one row per rep (kind "rep") or band-walk step (kind "step": start_s = touch-off, side, duration_s)


def _num(x, nd: int = 4):
    return None if x is None else round(float(x), nd)


def rep_to_dict(rep: Rep) -> dict:
    return {
        "index": rep.index,
        "start_s": _num(rep.start_s),
        "end_s": _num(rep.end_s),
        "phases": [{"name": p.name, "start_s": _num(p.start_s), "end_s": _num(p.end_s)} for p in rep.phases],
        "concentric_s": _num(rep.concentric_s),
        "top_pause_s": _num(rep.top_pause_s),
        "eccentric_s": _num(rep.eccentric_s),
        "bottom_pause_s": _num(rep.bottom_pause_s),
        "time_under_tension_s": _num(rep.time_under_tension_s),
        "rom_deg": _num(rep.rom_deg, 2),
        "peak_speed_dps": _num(rep.peak_speed_dps, 1),
        "tilt_sagittal_deg": _num(rep.tilt_sagittal_deg, 2),
        "pelvic_drop_deg": _num(rep.pelvic_drop_deg, 2),
        "pelvic_drop_side": rep.pelvic_drop_side,
        "rise_m": _num(rep.rise_m, 4),
        "mean_concentric_velocity_mps": _num(rep.mean_concentric_velocity_mps, 4),
        "peak_concentric_velocity_mps": _num(rep.peak_concentric_velocity_mps, 4),
        "tempo_ok": rep.tempo_ok,
        "tempo_checks": None if rep.tempo_checks is None else [
            {"phase": c.name, "measured_s": _num(c.measured_s), "target_s": c.target_s, "ok": c.ok,
             "error_s": _num(c.error_s)}
            for c in rep.tempo_checks
        ],
        "faults": list(rep.faults),
        "cues": list(rep.cues),
    }


def _mean(values) -> float | None:
    vals = [v for v in values if v is not None]
    return None if not vals else float(np.mean(vals))


def consistency(report: SetReport) -> float | None:
    """0..1: 1 − mean coefficient of variation of eccentric duration, top pause and ROM across the set's reps."""
    if len(report.reps) < 2:
        return None
    cvs = []
    for values in (
        [r.eccentric_s for r in report.reps],
        [r.top_pause_s for r in report.reps],
        [r.rom_deg for r in report.reps],
    ):
        v = np.array([x for x in values if x is not None], dtype=float)
        if len(v) >= 2 and np.mean(v) > 1e-6:
            cvs.append(np.std(v) / np.mean(v))
    return None if not cvs else float(np.clip(1.0 - np.mean(cvs), 0.0, 1.0))


def summary(report: SetReport) -> dict:
    reps = report.reps
    fault_counts: dict[str, int] = {}
    for r in reps:
        for f in r.faults:
            fault_counts[f] = fault_counts.get(f, 0) + 1
    out = {
        "rep_count": len(reps),
        "mean_eccentric_s": _num(_mean(r.eccentric_s for r in reps)),
        "mean_concentric_s": _num(_mean(r.concentric_s for r in reps)),
        "mean_top_pause_s": _num(_mean(r.top_pause_s for r in reps)),
        "mean_bottom_pause_s": _num(_mean(r.bottom_pause_s for r in reps)),
        "time_under_tension_s": _num(sum(r.time_under_tension_s for r in reps)),
        "mean_rom_deg": _num(_mean(r.rom_deg for r in reps), 2),
        "reps_tempo_ok": None if report.tempo_target is None else sum(1 for r in reps if r.tempo_ok),
        "partial_reps": sum(1 for r in reps if "partial_rom" in r.faults),
        "fault_counts": fault_counts,
        "consistency": _num(consistency(report), 3),
        "velocity_loss_pct": _num(report.velocity_loss_pct, 1),
    }
    if report.counts_steps:
        steps = report.steps
        span = steps[-1].t_s - steps[0].t_s if len(steps) > 1 else 0.0
        out["step_count"] = len(steps)
        out["cadence_steps_per_min"] = _num(60.0 * (len(steps) - 1) / span, 1) if span > 0 else None
    return out


def report_to_dict(report: SetReport) -> dict:
    """The `--json` object (its contract: docs/commands.md)."""
    t = report.tempo_target
    return {
        "exercise": report.exercise,
        "placement": report.placement,
        "tempo_target": None if t is None else {
            "eccentric_s": t.eccentric_s, "bottom_pause_s": t.bottom_pause_s, "concentric_s": t.concentric_s,
            "top_pause_s": t.top_pause_s, "notation": format_tempo(t),
            "tolerance_s": t.tol_s, "tolerance_frac": t.tol_frac,
        },
        "tilt_reference": report.tilt_reference,
        "calibration": {"confidence": round(report.calibration_confidence, 3), "notes": list(report.calibration_notes)},
        "reps": [rep_to_dict(r) for r in report.reps],
        "steps": [
            {"index": s.index, "t_s": _num(s.t_s), "side": s.side, "duration_s": _num(s.duration_s)}
            for s in report.steps
        ],
        "summary": summary(report),
    }


def rep_csv_rows(report: SetReport, set_index: int = 1) -> list[list]:
    """The set's rows of the per-rep CSV (`CSV_COLUMNS`): its reps, or its steps for a band walk."""
    head = {"set": set_index, "exercise": report.exercise, "placement": report.placement}
    rows = [{**head, "kind": "rep", **rep_to_dict(r)} for r in report.reps]
    rows += [{**head, "kind": "step", "index": st.index, "start_s": _num(st.t_s), "end_s": _num(st.t_s + st.duration_s),
              "side": st.side, "duration_s": _num(st.duration_s)} for st in report.steps]
    return [[_csv_cell(d.get(c)) for c in CSV_COLUMNS] for d in rows]


def _csv_cell(value):
    """None as an empty cell, lists (faults, cues) `;`-separated."""
    if value is None:
        return ""
    return ";".join(value) if isinstance(value, list) else value


def set_to_dict(s: SessionSet) -> dict:
    """One entry of the `"sets"` list: where the set is, what it is and how that was known, and its analysis in
    the one-set shapes."""
    d = report_to_dict(s.report)
    return {
        "index": s.index, "start_s": _num(s.start_s), "end_s": _num(s.end_s), "exercise": s.exercise,
        "exercise_source": s.exercise_source, "exercise_confidence": _num(s.exercise_confidence, 3),
        **{k: d[k] for k in ("placement", "tempo_target", "tilt_reference", "calibration", "reps", "steps", "summary")},
    }


def session_to_dict(session: SessionReport, placement: str) -> dict:
    """The `--json` object of a recording: a one-set recording keeps the one-set keys (plus `"sets"`); a workout
    has the same top-level keys over all its sets (each rep and step naming its `"set"`), a session summary, and
    `"sets"`."""
    sets = [set_to_dict(s) for s in session.sets]
    if len(session.sets) == 1:
        return {**report_to_dict(session.sets[0].report), "sets": sets}
    exercises = sorted({s.exercise for s in session.sets})
    tempo = sets[0]["tempo_target"] if sets else None
    reps = [{"set": s["index"], **r} for s in sets for r in s["reps"]]
    steps = [{"set": s["index"], **st} for s in sets for st in s["steps"]]
    return {
        "exercise": exercises[0] if len(exercises) == 1 else None,
        "placement": placement,
        "tempo_target": tempo,
        "tilt_reference": None,
        "calibration": {"confidence": min((s["calibration"]["confidence"] for s in sets), default=0.0),
                        "notes": list(session.notes) + ([] if sets else ["no set found in the recording"])},
        "reps": reps,
        "steps": steps,
        "summary": session_summary(session),
        "sets": sets,
    }


def session_summary(session: SessionReport) -> dict:
    reps = [r for s in session.sets for r in s.report.reps]
    return {
        "set_count": len(session.sets),
        "exercises": [s.exercise for s in session.sets],
        "rep_count": len(reps),
        "step_count": sum(len(s.report.steps) for s in session.sets),
        "time_under_tension_s": _num(sum(r.time_under_tension_s for r in reps)),
        "mean_eccentric_s": _num(_mean(r.eccentric_s for r in reps)),
        "reps_tempo_ok": None if not session.sets or session.sets[0].report.tempo_target is None
        else sum(1 for r in reps if r.tempo_ok),
    }
