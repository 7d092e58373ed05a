"""One HTML page for a whole workout: the sets at a glance, what changes from set to set (the lowering, tempo
compliance, range and tilt: fatigue shows there first), left against right on single-leg work, then each set's
own section as in the one-set report (`ui.report_html.set_section`). Self-contained, like the one-set report.
"""
from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np

from analysis.pipeline import SegmentTrace
from analysis.serialize import session_summary, summary
from analysis.session import SessionReport, SessionSet
from analysis.tempo import format_tempo
from sensors.exercises import exercise
from ui.palette import OK, PHASE_COLOURS
from ui.report_html import FOOTER, PAGE_STYLE, plt, png_data_uri, set_section
from ui.tables import figure
from ui.tables import known_from


@dataclass(frozen=True)
class SetFigures:
    """What a coach compares across sets (None where a set has no reps or the figure does not apply)."""

    index: int
    exercise: str
    count: int
    mean_eccentric_s: float | None
    tempo_ok_pct: float | None
    mean_rom_deg: float | None
    mean_tilt_deg: float | None
    faults: int
    velocity_loss_pct: float | None


def _mean(values) -> float | None:
    vals = [v for v in values if v is not None]
    return float(np.mean(vals)) if vals else None


def set_figures(s: SessionSet) -> SetFigures:
    r = s.report
    summ = summary(r)
    on_tempo = summ["reps_tempo_ok"]
    return SetFigures(
        s.index, s.exercise, len(r.steps) or len(r.reps), summ["mean_eccentric_s"],
        None if on_tempo is None or not r.reps else 100.0 * on_tempo / len(r.reps), summ["mean_rom_deg"],
        _mean(rep.tilt_sagittal_deg for rep in r.reps), sum(len(rep.faults) for rep in r.reps), r.velocity_loss_pct,
    )


def _how(s: SessionSet) -> str:
    return known_from(s.exercise_source, s.exercise_confidence)


def _clock(t_s: float | None) -> str:
    return "–" if t_s is None else f"{int(t_s // 60)}:{t_s % 60:04.1f}"


def _overview(session: SessionReport, figures: list[SetFigures]) -> str:
    rows = "".join(
        f"<tr><td>{s.index}</td><td class='l'>{html.escape(s.exercise.replace('_', ' '))}</td>"
        f"<td class='l'>{html.escape(_how(s))}</td><td>{_clock(s.start_s)}–{_clock(s.end_s)}</td>"
        f"<td>{f.count}&nbsp;{'steps' if s.report.steps else 'reps'}</td><td>{figure(f.mean_eccentric_s)}</td>"
        f"<td>{figure(f.tempo_ok_pct, '{:.0f}')}</td><td>{figure(f.mean_rom_deg, '{:.0f}')}</td>"
        f"<td>{figure(f.mean_tilt_deg, '{:+.1f}')}</td><td>{f.faults}</td>"
        f"<td>{figure(f.velocity_loss_pct, '{:.0f}')}</td></tr>"
        for s, f in zip(session.sets, figures))
    return f"""<h2>Sets</h2>
<table><tr><th>set</th><th class='l'>exercise</th><th class='l'>known from</th><th>time m:s</th><th>count</th>
<th>lowering s</th><th>on tempo %</th><th>ROM°</th><th>tilt°</th><th>faults</th><th>speed loss %</th></tr>
{rows}</table>"""


def trend_chart(figures: list[SetFigures]) -> str | None:
    """Set by set: mean lowering, tempo compliance, range and lockout tilt (rep sets only)."""
    reps = [f for f in figures if f.mean_eccentric_s is not None]
    if len(reps) < 2:
        return None
    panels = [("mean lowering, s", "mean_eccentric_s", PHASE_COLOURS["eccentric"]),
              ("reps on tempo, %", "tempo_ok_pct", OK), ("mean range, °", "mean_rom_deg", PHASE_COLOURS["concentric"]),
              ("mean tilt at lockout, °", "mean_tilt_deg", PHASE_COLOURS["top_pause"])]
    panels = [p for p in panels if any(getattr(f, p[1]) is not None for f in reps)]
    fig, axes = plt.subplots(1, len(panels), figsize=(3.2 * len(panels), 2.6), squeeze=False)
    for ax, (title, field, colour) in zip(axes[0], panels):
        pts = [(f.index, getattr(f, field)) for f in reps if getattr(f, field) is not None]
        ax.plot([p[0] for p in pts], [p[1] for p in pts], "o-", color=colour)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("set")
        ax.set_xticks([f.index for f in reps])
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return png_data_uri(fig)


def _sides(session: SessionReport, side: str | None) -> str:
    """Single-leg sets by working leg (given with the recording); says so when it is not known."""
    single = [s for s in session.sets if exercise(s.exercise).single_leg]
    if not single:
        return ""
    if side is None:
        return ("<h2>Left vs right</h2><p>The working leg of the single-leg sets is not recorded (record with "
                "<code>--side</code>, or name it in the file's metadata): one sensor does not tell which leg "
                "pushed.</p>")
    rows = "".join(f"<tr><td>{s.index}</td><td class='l'>{side}</td><td>{len(s.report.reps)}</td>"
                   f"<td>{figure(summary(s.report)['mean_eccentric_s'])}</td>"
                   f"<td>{figure(_mean(r.pelvic_drop_deg for r in s.report.reps))}</td></tr>" for s in single)
    return f"""<h2>Left vs right</h2>
<table class="narrow"><tr><th>set</th><th class='l'>working leg</th><th>reps</th><th>lowering s</th>
<th>mean drop°</th></tr>{rows}</table>"""


def render_session(session: SessionReport, source: str, traces: list[SegmentTrace | None],
                   side: str | None = None) -> str:
    """The workout page; `traces[k]` is set k's primary-sensor trace (or None)."""
    figures = [set_figures(s) for s in session.sets]
    total = session_summary(session)
    chart = trend_chart(figures)
    sections = "".join(
        f"<h2>Set {s.index} · {html.escape(s.exercise.replace('_', ' '))} ({html.escape(_how(s))})</h2>\n"
        f"<p>{_clock(s.start_s)}–{_clock(s.end_s)} · sensor {html.escape(s.report.placement)} · tempo target "
        f"{format_tempo(s.report.tempo_target) if s.report.tempo_target else 'none'}</p>\n"
        + set_section(s.report, trace, heading="h3") for s, trace in zip(session.sets, traces))
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in session.notes)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>repscope workout — {html.escape(source)}</title>
<style>{PAGE_STYLE}</style></head><body>
<h1>Workout: {total['set_count']} sets</h1>
<p>Source: <code>{html.escape(source)}</code> · {total['rep_count']} reps{f", {total['step_count']} steps"
if total['step_count'] else ''} · time under tension {figure(total['time_under_tension_s'], '{:.0f}')} s</p>
{_overview(session, figures)}
{f'<h2>Across the sets</h2><p><img alt="trend chart" src="{chart}"></p>' if chart else ''}
{_sides(session, side)}
{sections}
<h2>Workout notes</h2><ul>{notes}</ul>
{FOOTER}
</body></html>
"""
