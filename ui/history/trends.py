"""Per-exercise trends: one row of figures per stored set, in time order, and each figure's change over the span.

The figures per set are `repscope analyze`'s summary (the same code, `analysis.serialize.summary`) plus the
velocity means over the reps where velocity was measured, as stored with the set (`store.set_summary`: no rep is
read); the change is first → last and a least-squares slope per week (when the sets span at least a day).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from sensors.exercises import exercise as exercise_entry
from ui.history.store import StoredSession, StoredSet, set_summary

SECONDS_PER_WEEK = 7 * 86400.0
MIN_SLOPE_SPAN_S = 86400.0  # a slope needs sets on at least two days


@dataclass(frozen=True)
class SetFigures:
    """One set's figures for the trends (None where not measured or not applicable)."""

    session_id: int
    set_index: int
    time_utc: dt.datetime  # session start + the set's start on the recording clock
    athlete: str | None
    load_kg: float | None
    rpe: float | None
    rep_count: int
    reps_on_tempo_pct: float | None
    mean_eccentric_s: float | None
    mean_top_pause_s: float | None
    lumbar_arch_reps: int
    pelvic_drop_reps: int
    partial_reps: int
    mean_rom_deg: float | None
    mean_concentric_velocity_mps: float | None
    peak_concentric_velocity_mps: float | None
    velocity_loss_pct: float | None
    step_count: int | None
    cadence_steps_per_min: float | None


@dataclass(frozen=True)
class Metric:
    name: str  # a `SetFigures` field
    label: str


METRICS = (
    Metric("reps_on_tempo_pct", "reps on tempo (%)"),
    Metric("mean_eccentric_s", "mean lowering (s)"),
    Metric("mean_top_pause_s", "mean pause at the top (s)"),
    Metric("lumbar_arch_reps", "reps with lumbar arch"),
    Metric("pelvic_drop_reps", "reps with hip drop"),
    Metric("partial_reps", "partial reps"),
    Metric("mean_rom_deg", "mean range of motion (°)"),
    Metric("mean_concentric_velocity_mps", "mean concentric velocity (m/s)"),
    Metric("peak_concentric_velocity_mps", "best peak concentric velocity (m/s)"),
    Metric("velocity_loss_pct", "velocity loss in the set (%)"),
    Metric("load_kg", "load (kg)"),
    Metric("step_count", "steps"),
    Metric("cadence_steps_per_min", "cadence (steps/min)"),
)
REP_METRICS = ("mean_eccentric_s", "mean_top_pause_s", "lumbar_arch_reps", "pelvic_drop_reps", "partial_reps",
               "mean_rom_deg", "reps_on_tempo_pct")
STEP_METRICS = ("step_count", "cadence_steps_per_min")
PELVIS_FAULT_METRICS = ("lumbar_arch_reps", "pelvic_drop_reps")  # judged on the hip-extension lifts only


@dataclass(frozen=True)
class MetricTrend:
    metric: str
    n: int  # sets where it was measured
    first: float
    last: float
    slope_per_week: float | None


@dataclass(frozen=True)
class ExerciseTrend:
    exercise: str
    points: tuple[SetFigures, ...]  # oldest first
    metrics: tuple[MetricTrend, ...]  # the metrics measured in at least one set, in `METRICS` order


def parse_utc(text: str) -> dt.datetime:
    """`YYYY-MM-DDTHH:MM:SSZ` (the history's times) as an aware UTC datetime."""
    if len(text) == 20 and text[10] == "T" and text[19] == "Z":  # fromisoformat is ~10× strptime
        return dt.datetime.fromisoformat(text[:19]).replace(tzinfo=dt.timezone.utc)
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)


def set_figures(session: StoredSession, s: StoredSet) -> SetFigures:
    figures = s.summary if s.summary is not None else set_summary(s.report)
    summ = figures["summary"]
    faults = summ["fault_counts"]
    n = summ["rep_count"]
    start = parse_utc(session.start_utc) if session.start_utc else dt.datetime.fromtimestamp(0, dt.timezone.utc)
    band_walk = s.report.counts_steps
    ok = summ["reps_tempo_ok"]
    return SetFigures(
        session_id=session.id, set_index=s.index, time_utc=start + dt.timedelta(seconds=s.start_s or 0.0),
        athlete=session.athlete, load_kg=s.load_kg, rpe=s.rpe, rep_count=n,
        reps_on_tempo_pct=None if ok is None or n == 0 else 100.0 * ok / n,
        mean_eccentric_s=summ["mean_eccentric_s"], mean_top_pause_s=summ["mean_top_pause_s"],
        lumbar_arch_reps=faults.get("lumbar_arch", 0), pelvic_drop_reps=faults.get("pelvic_drop", 0),
        partial_reps=summ["partial_reps"], mean_rom_deg=summ["mean_rom_deg"],
        mean_concentric_velocity_mps=figures["mean_concentric_velocity_mps"],
        peak_concentric_velocity_mps=figures["peak_concentric_velocity_mps"],
        velocity_loss_pct=summ["velocity_loss_pct"],
        step_count=summ.get("step_count") if band_walk else None,
        cadence_steps_per_min=summ.get("cadence_steps_per_min") if band_walk else None,
    )


def figures_by_set(sessions: list[StoredSession], trends: tuple[ExerciseTrend, ...]) -> dict:
    """(session id, set index) → `SetFigures` of every set, warm-ups (which no trend holds) included."""
    figures = {(p.session_id, p.set_index): p for t in trends for p in t.points}
    for session in sessions:
        for s in session.sets:
            if (session.id, s.index) not in figures:
                figures[(session.id, s.index)] = set_figures(session, s)
    return figures


def _applies(metric: str, exercise: str) -> bool:
    entry = exercise_entry(exercise)
    band_walk = entry.steps
    if metric in STEP_METRICS:
        return band_walk
    if metric in PELVIS_FAULT_METRICS:
        return entry.hip_extension
    return not (band_walk and metric in REP_METRICS)


def metric_trend(points: tuple[SetFigures, ...], metric: str) -> MetricTrend | None:
    pts = [(p.time_utc.timestamp(), float(getattr(p, metric))) for p in points if getattr(p, metric) is not None]
    if not pts:
        return None
    t = np.array([a for a, _ in pts])
    v = np.array([b for _, b in pts])
    slope = None
    if t[-1] - t[0] >= MIN_SLOPE_SPAN_S:
        slope = float(np.polyfit((t - t[0]) / SECONDS_PER_WEEK, v, 1)[0])
    return MetricTrend(metric, len(pts), float(v[0]), float(v[-1]), slope)


def exercise_trends(sessions: list[StoredSession]) -> tuple[ExerciseTrend, ...]:
    """One trend per exercise present, exercises in the order they were first trained; warm-up sets left out."""
    by_exercise: dict[str, list[SetFigures]] = {}
    for session in sessions:
        for s in session.sets:
            if s.warmup:
                continue
            by_exercise.setdefault(s.report.exercise, []).append(set_figures(session, s))
    out = []
    for exercise, figs in by_exercise.items():
        points = tuple(sorted(figs, key=lambda p: (p.time_utc, p.session_id, p.set_index)))
        trends = (metric_trend(points, m.name) for m in METRICS if _applies(m.name, exercise))
        out.append(ExerciseTrend(exercise, points, tuple(t for t in trends if t is not None)))
    return tuple(out)
