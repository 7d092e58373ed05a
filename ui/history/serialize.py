"""Stored sessions and trends → the stable `repscope history --json` structure (documented in docs/commands.md)."""
from __future__ import annotations

import dataclasses
from functools import lru_cache

from analysis.results import SetReport, TempoTarget
from analysis.serialize import rep_to_dict, report_to_dict
from analysis.tempo import format_tempo
from ui.history.store import StoredSession, StoredSet, set_summary
from ui.history.trends import ExerciseTrend, SetFigures, figures_by_set


def _r(x, nd: int = 4):
    return None if x is None else round(float(x), nd)


@lru_cache(maxsize=256)
def _tempo_dict(t: TempoTarget) -> dict:
    """A tempo target's JSON object (cached: a club's sets share a few targets; callers copy it)."""
    return {"eccentric_s": t.eccentric_s, "bottom_pause_s": t.bottom_pause_s, "concentric_s": t.concentric_s,
            "top_pause_s": t.top_pause_s, "notation": format_tempo(t), "tolerance_s": t.tol_s,
            "tolerance_frac": t.tol_frac}


def report_header(report: SetReport) -> dict:
    """The keys of `report_to_dict` that need no rep (a test holds them equal): exercise, placement, tempo target,
    tilt reference, calibration."""
    t = report.tempo_target
    return {
        "exercise": report.exercise, "placement": report.placement,
        "tempo_target": None if t is None else dict(_tempo_dict(t)),
        "tilt_reference": report.tilt_reference,
        "calibration": {"confidence": round(report.calibration_confidence, 3), "notes": list(report.calibration_notes)},
    }


def set_to_dict(s: StoredSet, figures: SetFigures, with_reps: bool = False) -> dict:
    """One set of `history --json`: header and summary from the stored figures; reps (read with the set) when asked."""
    if with_reps and not s.has_reps:
        raise ValueError("set_to_dict(with_reps=True) needs sets read with their reps (load_sessions(reps=True))")
    d = report_header(s.report)
    out = {
        "index": s.index, "exercise": d["exercise"], "placement": d["placement"], "start_s": _r(s.start_s),
        "load_kg": s.load_kg, "rpe": s.rpe, "notes": s.notes, "tempo_target": d["tempo_target"],
        "tilt_reference": d["tilt_reference"], "calibration": d["calibration"], **figures_summary(s),
        "reps_on_tempo_pct": _r(figures.reps_on_tempo_pct, 1),
        "mean_concentric_velocity_mps": _r(figures.mean_concentric_velocity_mps),
        "peak_concentric_velocity_mps": _r(figures.peak_concentric_velocity_mps),
        "warmup": s.warmup, "edits": list(s.edits),
    }
    if with_reps:
        full = report_to_dict(s.report)
        out["reps"] = full["reps"]
        out["steps"] = full["steps"]
        out["dropped_reps"] = [rep_to_dict(r) for r in s.dropped]
    return out


def figures_summary(s: StoredSet) -> dict:
    """`analyze`'s summary of the set as shown (stored with it, or recomputed where edits changed it)."""
    return (s.summary if s.summary is not None else set_summary(s.report))["summary"]


def session_to_dict(session: StoredSession, figures: dict, with_reps: bool = False) -> dict:
    """`figures`: (session id, set index) → `SetFigures`."""
    return {
        "id": session.id, "source": session.source, "content_sha256": session.sha256,
        "start_utc": session.start_utc, "start_from": session.start_from, "athlete": session.athlete,
        "simulated": session.simulated, "imported_utc": session.imported_utc,
        "analysed_utc": session.analysed_utc, "analysed_with": session.analysed_with,
        "sensors": [{"placement": x.placement, "model": x.model, "rate_hz": x.rate_hz} for x in session.sensors],
        "sets": [set_to_dict(s, figures[(session.id, s.index)], with_reps) for s in session.sets],
    }


POINT_FIELDS = tuple(f.name for f in dataclasses.fields(SetFigures) if f.name not in ("time_utc", "athlete"))


def point_to_dict(p: SetFigures) -> dict:
    """A trend point: its figures in field order (floats to 4 decimals), then its time."""
    d = {k: getattr(p, k) for k in POINT_FIELDS}
    d["time_utc"] = p.time_utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    return {k: (_r(v) if isinstance(v, float) else v) for k, v in d.items()}


def trends_to_dict(trends: tuple[ExerciseTrend, ...]) -> dict:
    return {
        t.exercise: {
            "sets": [point_to_dict(p) for p in t.points],
            "change": {m.metric: {"n": m.n, "first": _r(m.first), "last": _r(m.last),
                                  "slope_per_week": _r(m.slope_per_week)} for m in t.metrics},
        }
        for t in trends
    }


def history_to_dict(sessions: list[StoredSession], trends: tuple[ExerciseTrend, ...], with_reps: bool = False) -> dict:
    figures = figures_by_set(sessions, trends)
    return {"sessions": [session_to_dict(s, figures, with_reps) for s in sessions], "trends": trends_to_dict(trends)}
