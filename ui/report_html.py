"""Self-contained HTML session report: summary, per-rep table, movement trace, tempo, pelvis and speed charts; for
a band walk the step table, per-side counts and cadence and a step timeline.

Plots are matplotlib PNGs embedded as base64 data URIs, so the file opens anywhere with no network. Colours come
from `ui.palette`, the live window's palette.
"""
from __future__ import annotations

import base64
import html
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from analysis.faults import LUMBAR_ARCH_DEG, PELVIC_DROP_DEG  # noqa: E402
from analysis.pipeline import SegmentTrace  # noqa: E402
from analysis.results import SetReport  # noqa: E402
from analysis.serialize import summary  # noqa: E402
from analysis.tempo import format_tempo, tempo_verdict, tolerance_s  # noqa: E402
from ui.palette import BAD, OK, PHASE_COLOURS, PHASE_LABELS, SIDE_COLOURS, TARGET_BAND  # noqa: E402
from ui.tables import figure, step_summary  # noqa: E402


def png_data_uri(fig, tight: bool = True) -> str:
    """The figure as a PNG data URI; `tight` crops it to its drawn content (one more drawing of the figure)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight" if tight else None)
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def tempo_chart(report: SetReport) -> str:
    """Each rep's phase durations (stacked bars) against the target band per phase."""
    fig, axes = plt.subplots(1, 4, figsize=(12, 3.2), sharex=True)
    idx = [r.index for r in report.reps]
    t = report.tempo_target
    for ax, name in zip(axes, ("eccentric", "bottom_pause", "concentric", "top_pause")):
        vals = [getattr(r, f"{name}_s") for r in report.reps]
        target = None if t is None else getattr(t, f"{name}_s")
        colours = []
        for v in vals:
            if v is None or target is None:
                colours.append(PHASE_COLOURS[name])
            else:
                ok = abs(v - target) <= tolerance_s(target, t.tol_s, t.tol_frac)
                colours.append(OK if ok else BAD)
        ax.bar(idx, [0 if v is None else v for v in vals], color=colours, zorder=2)
        ax.set_xticks(idx)
        if target is not None:
            tol = tolerance_s(target, t.tol_s, t.tol_frac)
            ax.axhspan(max(0, target - tol), target + tol, color=TARGET_BAND, alpha=0.5, zorder=0)
            ax.axhline(target, color="#495057", lw=1, zorder=3)
        ax.set_title(PHASE_LABELS[name])
        ax.set_xlabel("rep")
    axes[0].set_ylabel("seconds")
    fig.suptitle("Tempo per rep (green: within the target band, red: outside)", y=1.03)
    return png_data_uri(fig)


def pelvis_chart(report: SetReport) -> str | None:
    reps = [r for r in report.reps if r.tilt_sagittal_deg is not None]
    if not reps:
        return None
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 3.2))
    idx = [r.index for r in reps]
    tilt = [r.tilt_sagittal_deg for r in reps]
    a1.axhspan(LUMBAR_ARCH_DEG, max(15, max(tilt) + 2), color=OK, alpha=0.15)
    a1.axhspan(min(-20, min(tilt) - 2), LUMBAR_ARCH_DEG, color=BAD, alpha=0.12)
    a1.set_xticks(idx)
    a2.set_xticks(idx)
    a1.bar(idx, tilt, color=[BAD if v < LUMBAR_ARCH_DEG else OK for v in tilt])
    a1.axhline(0, color="#495057", lw=1)
    a1.set_title(f"Pelvic tilt at the top (+ tuck, − arching; vs {report.tilt_reference})")
    a1.set_ylabel("deg")
    a1.set_xlabel("rep")
    drop = [r.pelvic_drop_deg or 0.0 for r in reps]
    a2.axhspan(0, PELVIC_DROP_DEG, color=OK, alpha=0.15)
    a2.bar(idx, drop, color=[BAD if v > PELVIC_DROP_DEG else OK for v in drop])
    for i, r in zip(idx, reps):
        if r.pelvic_drop_side and (r.pelvic_drop_deg or 0) > PELVIC_DROP_DEG:
            a2.annotate(r.pelvic_drop_side[0].upper(), (i, r.pelvic_drop_deg), ha="center", va="bottom")
    a2.set_title("Hips not level at the top (frontal drop, lower side marked)")
    a2.set_ylabel("deg")
    a2.set_xlabel("rep")
    return png_data_uri(fig)


def trace_chart(report: SetReport, trace: SegmentTrace | None) -> str | None:
    if trace is None or not report.reps:
        return None
    fig, ax = plt.subplots(figsize=(12, 3.0))
    t0 = report.reps[0].start_s - 3.0
    t1 = report.reps[-1].end_s + 3.0
    m = (trace.t_s >= t0) & (trace.t_s <= t1)
    ax.plot(trace.t_s[m], trace.segment_angle_deg[m], color="#212529", lw=1.2)
    for r in report.reps:
        for p in r.phases:
            ax.axvspan(p.start_s, p.end_s, color=PHASE_COLOURS[p.name], alpha=0.3, lw=0)
        ax.annotate(str(r.index), (r.phase("concentric").end_s, 1.0), xycoords=("data", "axes fraction"), ha="center",
                    va="top")
    handles = [plt.Rectangle((0, 0), 1, 1, color=c, alpha=0.5) for c in PHASE_COLOURS.values()]  # = the window's
    ax.legend(handles, PHASE_LABELS.values(), loc="lower right", fontsize=8, ncol=4)
    ax.set_xlabel("time (s)")
    ax.set_ylabel(f"{report.placement} angle (deg)")
    ax.set_title("Movement over the set, phases shaded")
    return png_data_uri(fig)


def _nowrap(text: str) -> str:
    """Escaped, with non-breaking spaces: a table cell that must not wrap (Qt's renderer ignores `white-space`)."""
    return html.escape(text).replace(" ", "&nbsp;")


def velocity_chart(report: SetReport) -> str | None:
    """Mean (bars) and peak (dots) concentric velocity per rep, with the set's velocity loss in the title."""
    reps = [r for r in report.reps if r.mean_concentric_velocity_mps is not None]
    if not reps:
        return None
    fig, ax = plt.subplots(figsize=(12, 3.0))
    idx = [r.index for r in reps]
    ax.bar(idx, [r.mean_concentric_velocity_mps for r in reps], color=PHASE_COLOURS["concentric"], label="mean",
           zorder=2)
    peak = [(r.index, r.peak_concentric_velocity_mps) for r in reps if r.peak_concentric_velocity_mps is not None]
    if peak:
        ax.plot(*zip(*peak), "o", color="#212529", label="peak", zorder=3)
    ax.set_xticks(idx)
    ax.set_xlabel("rep")
    ax.set_ylabel("m/s")
    ax.legend(loc="lower right", fontsize=8)
    loss = "" if report.velocity_loss_pct is None else f": velocity loss {report.velocity_loss_pct:.0f} %"
    ax.set_title(f"Lift speed per rep (hip rise over the concentric){loss}")
    return png_data_uri(fig)


def step_timeline_chart(report: SetReport) -> str | None:
    """Each band-walk step as a bar over its duration, one lane per side of travel."""
    if not report.steps:
        return None
    fig, ax = plt.subplots(figsize=(12, 2.2))
    lanes = {"left": 1, "right": 0}
    for st in report.steps:
        ax.barh(lanes.get(st.side, 0.5), st.duration_s, left=st.t_s - st.duration_s / 2, height=0.6,
                color=SIDE_COLOURS.get(st.side, "#888888"))
        ax.annotate(str(st.index), (st.t_s, lanes.get(st.side, 0.5) + 0.32), ha="center", va="bottom", fontsize=8)
    ax.set_yticks([0, 1], ["right", "left"])
    ax.set_ylim(-0.6, 1.8)
    ax.set_xlabel("time (s)")
    ax.set_title("Steps over the walk (bar = step duration, lane = direction of travel)")
    return png_data_uri(fig)


def _rep_rows(report: SetReport) -> str:
    rows = []
    for r in report.reps:
        drop = figure(r.pelvic_drop_deg) + (f"&nbsp;{r.pelvic_drop_side}" if r.pelvic_drop_side else "")  # never wraps
        rise = None if r.rise_m is None else 100 * r.rise_m
        rows.append(
            f"<tr class='{'bad' if r.faults else ''}'><td>{r.index}</td><td>{figure(r.concentric_s)}</td>"
            f"<td>{figure(r.top_pause_s)}</td><td>{figure(r.eccentric_s)}</td><td>{figure(r.bottom_pause_s)}</td>"
            f"<td>{r.time_under_tension_s:.1f}</td><td>{r.rom_deg:.0f}</td><td>{figure(rise, '{:.0f}')}</td>"
            f"<td>{figure(r.mean_concentric_velocity_mps, '{:.2f}')}</td>"
            f"<td>{figure(r.tilt_sagittal_deg, '{:+.1f}')}</td>"
            f"<td>{drop}</td><td class='l'>{_nowrap(tempo_verdict(r.tempo_checks)).replace(',&nbsp;', ', ')}</td>"
            f"<td class='l'>{html.escape(', '.join(r.faults))}</td>"
            f"<td class='l'>{'<br>'.join(html.escape(c) for c in r.cues)}</td></tr>"
        )
    return f"""<h2>Reps</h2>
<table><tr><th>rep</th><th>lift s</th><th>top s</th><th>lowering s</th><th>bottom s</th><th>TUT s</th><th>ROM°</th>
<th>rise cm</th><th>speed m/s</th><th>tilt°</th><th>drop°</th><th class='l'>tempo</th><th class='l'>faults</th>
<th class='l'>cues</th></tr>
{''.join(rows)}</table>"""


def _step_section(report: SetReport) -> str:
    summ = step_summary(report.steps)
    sides = "".join(
        f"<tr><td class='l'><span style='color:{SIDE_COLOURS[s.side]}'>■</span> {s.side}</td><td>{s.count}</td>"
        f"<td>{figure(s.cadence_steps_per_min)}</td><td>{figure(s.mean_duration_s, '{:.2f}')}</td></tr>"
        for s in summ.sides
    )
    steps = "".join(
        f"<tr class='step'><td>{st.index}</td><td>{st.t_s:.2f}</td><td class='l'>{st.side}</td>"
        f"<td>{st.duration_s:.2f}</td></tr>" for st in report.steps
    )
    return f"""<h2>Steps per side</h2>
<table class="narrow"><tr><th class='l'>side</th><th>steps</th><th>cadence steps/min</th><th>mean step s</th></tr>
{sides}<tr><td class='l'><b>all</b></td><td><b>{summ.count}</b></td><td><b>{figure(summ.cadence_steps_per_min)}</b></td>
<td></td></tr></table>
<h2>Steps</h2>
<p>Step length is not measured (the sensor's sideways displacement gives the side, not a distance).</p>
<table class="narrow"><tr><th>step</th><th>time s</th><th class='l'>side</th><th>duration s</th></tr>{steps}</table>"""


def _kpis(report: SetReport) -> str:
    s = summary(report)
    if report.counts_steps:
        items = [(str(s.get("step_count", 0)), "steps"), (f"{figure(s.get('cadence_steps_per_min'))}", "steps/min")]
    else:
        items = [(str(s["rep_count"]), "reps"), (f"{figure(s['mean_eccentric_s'])} s", "mean lowering"),
                 (f"{figure(s['time_under_tension_s'])} s", "time under tension"),
                 ("–" if s["reps_tempo_ok"] is None else str(s["reps_tempo_ok"]), "reps on tempo"),
                 (figure(s["consistency"], "{:.2f}"), "consistency")]
        if report.velocity_loss_pct is not None:
            items.append((f"{report.velocity_loss_pct:.0f} %", "velocity loss"))
    cells = "".join(f'<td class="kpi"><b>{html.escape(v)}</b><br>{html.escape(k)}</td>' for v, k in items)
    return f'<table class="kpis"><tr>{cells}</tr></table>'


PAGE_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px; color: #212529; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
table.narrow { width: auto; }
th, td { border-bottom: 1px solid #dee2e6; padding: 4px 8px; text-align: right; vertical-align: top;
  white-space: nowrap; }
td.l, th.l { text-align: left; white-space: normal; }
tr.bad td { background: #fff3f0; }
table.kpis { width: auto; margin-bottom: 1em; } td.kpi { text-align: left; border: none; padding: 0 2em 0 0; }
td.kpi b { font-size: 22px; }
img { max-width: 100%; margin: 0.5em 0 1em 0; }
"""

FOOTER = (
    '<p style="color:#6c757d">Made by repscope. Definitions: phase boundaries are motion onsets/offsets; tilt + is\n'
    "a posterior tuck, − lumbar arching; drop is the hips' frontal inclination at the top; "
    "speed is the hip rise over the\n"
    "lift's duration.</p>"
)


def set_section(report: SetReport, trace: SegmentTrace | None = None, heading: str = "h2") -> str:
    """One set's part of a page: key figures, the rep (or step) tables, the charts and the notes."""
    charts = [("Movement", trace_chart(report, trace)), ("Tempo", tempo_chart(report) if report.reps else None),
              ("Pelvis", pelvis_chart(report)), ("Speed", velocity_chart(report)),
              ("Step timeline", step_timeline_chart(report))]
    sub = "h3" if heading == "h3" else "h2"
    charts_html = "".join(f'<{sub}>{name}</{sub}>\n<p><img alt="{name} chart" src="{c}"></p>\n'
                          for name, c in charts if c)
    body = _step_section(report) if report.counts_steps else _rep_rows(report)
    if sub == "h3":
        body = body.replace("<h2>", "<h3>").replace("</h2>", "</h3>")
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in report.calibration_notes)
    return f"{_kpis(report)}\n{body}\n{charts_html}<{sub}>Notes</{sub}><ul>{notes}</ul>"


def render(report: SetReport, source: str, trace: SegmentTrace | None = None) -> str:
    """The whole report as one HTML string."""
    t = report.tempo_target
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>repscope report — {html.escape(report.exercise)}</title>
<style>{PAGE_STYLE}</style></head><body>
<h1>{html.escape(report.exercise.replace('_', ' '))}</h1>
<p>Source: <code>{html.escape(source)}</code> · sensor used: {html.escape(report.placement)} ·
tempo target: {format_tempo(t) if t else 'none'} · calibration confidence {report.calibration_confidence:.0%}</p>
{set_section(report, trace)}
{FOOTER}
</body></html>
"""
