"""Self-contained HTML trend report: per exercise, one chart per figure over time with its target shaded, and the
latest sets as a table. Charts are matplotlib PNGs embedded as data URIs (as in `ui/report_html.py`).

Targets: a prescribed tempo's band (target ± tolerance) for the lowering and the top pause, else the fault rule's
floor; no arch, drop or partial rep; at least `tempo_ok_min_pct` of the reps on tempo; a range within the partial
rule's fraction of the exercise's median range; a velocity loss at most `velocity_loss_max_pct`. Velocity, load
and steps have no target (velocity depends on the load) and are drawn unshaded.
"""
from __future__ import annotations

import datetime as dt
import html
import math
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from analysis.tempo import tolerance_s
from sensors.rules import FAULT_RULES
from ui.history.store import StoredSession
from ui.history.trends import METRICS, ExerciseTrend, SetFigures
from ui.report_html import png_data_uri
from ui.tables import figure

GOOD, BAD, NEUTRAL, BAND = "#2a9d8f", "#d62828", "#495057", "#52b788"
CHART_COLUMNS = 3
COUNT_METRICS = ("lumbar_arch_reps", "pelvic_drop_reps", "partial_reps", "step_count")
TABLE_ROWS = 30  # latest sets listed per exercise


@dataclass(frozen=True)
class TrendTargets:
    tempo_ok_min_pct: float = 90.0  # "every repetition" on tempo, allowing one miss in a set of ten
    velocity_loss_max_pct: float = 20.0  # a common stop threshold in velocity-based training
    rom_fraction: float = FAULT_RULES.partial_range_fraction
    count_band: float = 0.3  # half-height of the band drawn around a target count of 0


TARGETS = TrendTargets()


@dataclass(frozen=True)
class ChartLayout:
    """Fixed margins of an exercise's charts (inches and fractions): drawn once, where a tight layout drew each
    figure three times (most of a club's report was laying out date ticks)."""

    width_in: float = 11.5
    row_height_in: float = 2.7
    top_in: float = 0.75  # the suptitle and the first row's titles
    bottom_in: float = 0.55  # the last row's date labels
    left: float = 0.055
    right: float = 0.985
    wspace: float = 0.25
    hspace: float = 0.5  # date labels and the next row's title, as a fraction of a chart's height


LAYOUT = ChartLayout()


@dataclass(frozen=True)
class Band:
    """Target band per point (NaN = no bound on that side)."""

    lo: np.ndarray
    hi: np.ndarray


def _phase_band(points, sets_by_key, phase: str, floor: float) -> Band:
    lo, hi = [], []
    for p in points:
        t = sets_by_key[(p.session_id, p.set_index)].report.tempo_target
        target = None if t is None else getattr(t, f"{phase}_s")
        if target is None:
            lo.append(floor)
            hi.append(math.nan)
        else:
            tol = tolerance_s(target, t.tol_s, t.tol_frac)
            lo.append(max(0.0, target - tol))
            hi.append(target + tol)
    return Band(np.array(lo), np.array(hi))


def target_band(metric: str, points: tuple[SetFigures, ...], sets_by_key,
                targets: TrendTargets = TARGETS) -> Band | None:
    n = len(points)

    def const(lo: float, hi: float) -> Band:
        return Band(np.full(n, lo), np.full(n, hi))

    if metric == "mean_eccentric_s":
        return _phase_band(points, sets_by_key, "eccentric", FAULT_RULES.rushed_eccentric_s)
    if metric == "mean_top_pause_s":
        return _phase_band(points, sets_by_key, "top_pause", FAULT_RULES.no_top_pause_s)
    if metric in COUNT_METRICS[:3]:
        return const(-targets.count_band, targets.count_band)
    if metric == "reps_on_tempo_pct":
        return const(targets.tempo_ok_min_pct, 100.0)
    if metric == "velocity_loss_pct":
        return const(0.0, targets.velocity_loss_max_pct)
    if metric == "mean_rom_deg":
        roms = [p.mean_rom_deg for p in points if p.mean_rom_deg is not None]
        return const(targets.rom_fraction * float(np.median(roms)), math.nan) if roms else None
    return None


def _dots(ax, x: np.ndarray, y: np.ndarray, colours: list[str], size_pt2: float = 22.0) -> None:
    """The points as markers, one line of markers per colour (a marker stamped per point: ~10× a scatter's
    per-point paths at a club's thousands of sets)."""
    shades = np.array(colours, dtype=object)
    for colour in dict.fromkeys(colours):
        on = shades == colour
        ax.plot(x[on], y[on], "o", linestyle="none", color=colour, markersize=math.sqrt(size_pt2),
                markeredgewidth=plt.rcParams["lines.linewidth"], zorder=3)  # as scatter: edge of the face colour


def _draw(ax, metric, label: str, points, band: Band | None, days: np.ndarray | None = None) -> None:
    """One figure over time; `days`: the points' times as matplotlib dates (computed once per chart)."""
    idx = [i for i, p in enumerate(points) if getattr(p, metric) is not None]
    days = _days(points) if days is None else days
    x = days[idx]
    y = np.array([getattr(points[i], metric) for i in idx], dtype=float)
    ax.plot(x, y, color="#adb5bd", lw=1, zorder=2)
    colours = [NEUTRAL] * len(idx)
    if band is not None:
        lo, hi = band.lo[idx], band.hi[idx]
        ok = (y >= lo - 1e-9) & (np.isnan(hi) | (y <= hi + 1e-9))
        colours = [GOOD if o else BAD for o in ok]
        top = max(float(np.nanmax(np.r_[y, lo, hi])) * 1.1, 1e-3)
        hi_drawn = np.where(np.isnan(hi), top, hi)
        if len(x) == 1:  # a band needs a width: half a day either side
            x_band, lo, hi_drawn = np.r_[x - 0.5, x + 0.5], np.r_[lo, lo], np.r_[hi_drawn, hi_drawn]
        else:
            x_band = x
        ax.fill_between(x_band, lo, hi_drawn, step="mid", color=BAND, alpha=0.2, lw=0, zorder=1)
    _dots(ax, x, y, colours)
    ax.set_title(label, fontsize=10)
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    if metric in COUNT_METRICS:
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        if metric != "step_count" and len(y):
            ax.set_ylim(-0.5, max(1.0, float(y.max())) + 0.5)
    ax.grid(alpha=0.3)


def _days(points) -> np.ndarray:
    """The points' times as matplotlib dates (days), converted at once."""
    return np.asarray(mdates.date2num([p.time_utc for p in points]), dtype=float).reshape(len(points))


def exercise_chart(trend: ExerciseTrend, sets_by_key, targets: TrendTargets = TARGETS,
                   layout: ChartLayout = LAYOUT) -> str:
    """One PNG (data URI): a chart per measured figure of the exercise, over time."""
    labels = {m.name: m.label for m in METRICS}
    metrics = [m.metric for m in trend.metrics]
    rows = max(1, math.ceil(len(metrics) / CHART_COLUMNS))
    height_in = layout.row_height_in * rows
    fig, axes = plt.subplots(rows, CHART_COLUMNS, figsize=(layout.width_in, height_in), squeeze=False)
    fig.subplots_adjust(left=layout.left, right=layout.right, top=1.0 - layout.top_in / height_in,
                        bottom=layout.bottom_in / height_in, wspace=layout.wspace, hspace=layout.hspace)
    days = _days(trend.points)
    for ax, metric in zip(axes.flat, metrics):
        _draw(ax, metric, labels[metric], trend.points, target_band(metric, trend.points, sets_by_key, targets), days)
    for ax in list(axes.flat)[len(metrics):]:
        ax.axis("off")
    fig.suptitle(f"{trend.exercise.replace('_', ' ')}: {len(trend.points)} sets "
                 "(green: on target, red: off target, shaded: target)", y=1.0 - 0.12 / height_in)
    return png_data_uri(fig, tight=False)


def _notes(s) -> str:
    """The set's notes and, when the lifter corrected it, what was changed."""
    return " · ".join(x for x in (s.notes, f"edited: {'; '.join(s.edits)}" if s.edits else "") if x)


def _table(trend: ExerciseTrend, sets_by_key) -> str:
    rows = []
    for p in trend.points[-TABLE_ROWS:][::-1]:
        s = sets_by_key[(p.session_id, p.set_index)]
        rows.append(
            f"<tr><td>{p.time_utc:%Y-%m-%d %H:%M}</td><td>{p.session_id}/{p.set_index}</td>"
            f"<td>{html.escape(p.athlete or '')}</td><td>{figure(p.load_kg, '{:g}')}</td>"
            f"<td>{figure(p.rpe, '{:g}')}</td>"
            f"<td>{p.rep_count if p.step_count is None else p.step_count}</td>"
            f"<td>{figure(p.reps_on_tempo_pct, '{:.0f}')}</td><td>{figure(p.mean_eccentric_s)}</td>"
            f"<td>{figure(p.mean_rom_deg, '{:.0f}')}</td><td>{p.lumbar_arch_reps}</td><td>{p.pelvic_drop_reps}</td>"
            f"<td>{figure(p.mean_concentric_velocity_mps, '{:.2f}')}</td>"
            f"<td>{figure(p.velocity_loss_pct, '{:.0f}')}</td>"
            f"<td>{html.escape(_notes(s))}</td></tr>")
    more = len(trend.points) - TABLE_ROWS
    note = f"<p>… and {more} earlier sets (repscope history --json lists them all).</p>" if more > 0 else ""
    return ("<table><tr><th>date (UTC)</th><th>session/set</th><th>athlete</th><th>kg</th><th>RPE</th><th>reps</th>"
            "<th>on tempo %</th><th>lowering s</th><th>ROM°</th><th>arch</th><th>drop</th><th>MCV m/s</th>"
            f"<th>vel. loss %</th><th>notes</th></tr>{''.join(rows)}</table>{note}")


def render(sessions: list[StoredSession], trends: tuple[ExerciseTrend, ...], filters: str = "all sessions",
           targets: TrendTargets = TARGETS) -> str:
    """The whole report as one HTML string."""
    sets_by_key = {(sess.id, s.index): s for sess in sessions for s in sess.sets}
    starts = [p.time_utc for t in trends for p in t.points]
    span = f"{min(starts):%Y-%m-%d} → {max(starts):%Y-%m-%d}" if starts else "–"
    sections = []
    for t in trends:
        sections.append(f"<h2>{html.escape(t.exercise.replace('_', ' '))}</h2>"
                        f"<img alt='{html.escape(t.exercise)} trends' src='{exercise_chart(t, sets_by_key, targets)}'>"
                        f"{_table(t, sets_by_key)}")
    made = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>repscope training history</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1300px; color: #212529; }}
table {{ border-collapse: collapse; width: 100%; font-size: 13px; }}
th, td {{ border-bottom: 1px solid #dee2e6; padding: 3px 6px; text-align: right; }}
td:last-child, th:last-child {{ text-align: left; }}
.kpi {{ display: inline-block; margin: 0 2em 1em 0; }} .kpi b {{ font-size: 1.6em; display: block; }}
img {{ max-width: 100%; margin: 1em 0; }}
</style></head><body>
<h1>Training history</h1>
<p>{html.escape(filters)} · {span}</p>
<div>
<span class="kpi"><b>{len(sessions)}</b>sessions</span>
<span class="kpi"><b>{len(starts)}</b>sets</span>
<span class="kpi"><b>{len(trends)}</b>exercises</span>
</div>
{''.join(sections)}
<p style="color:#6c757d">Made by repscope on {made}. Targets: the prescribed tempo ± tolerance (else the fault rule's
floor), no arch, hip drop or partial rep, ≥ {targets.tempo_ok_min_pct:g} % of reps on tempo, range ≥
{targets.rom_fraction:.0%} of the exercise's median, velocity loss ≤ {targets.velocity_loss_max_pct:g} %.</p>
</body></html>
"""
