"""Self-contained HTML session report: summary, per-rep table, tempo chart, pelvis chart, movement trace.

Plots are matplotlib PNGs embedded as base64 data URIs, so the file opens anywhere with no network.
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
from analysis.tempo import format_tempo, tolerance_s  # noqa: E402

PHASE_COLOURS = {"concentric": "#2a9d8f", "top_pause": "#e9c46a", "eccentric": "#e76f51", "bottom_pause": "#8d99ae"}
PHASE_LABELS = {"concentric": "lift", "top_pause": "pause at top", "eccentric": "lowering", "bottom_pause": "pause at bottom"}


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
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
                colours.append("#52b788" if ok else "#d62828")
        ax.bar(idx, [0 if v is None else v for v in vals], color=colours, zorder=2)
        ax.set_xticks(idx)
        if target is not None:
            tol = tolerance_s(target, t.tol_s, t.tol_frac)
            ax.axhspan(max(0, target - tol), target + tol, color="#adb5bd", alpha=0.35, zorder=0)
            ax.axhline(target, color="#495057", lw=1, zorder=3)
        ax.set_title(PHASE_LABELS[name])
        ax.set_xlabel("rep")
    axes[0].set_ylabel("seconds")
    fig.suptitle("Tempo per rep (green: within the target band, red: outside)", y=1.03)
    return _png(fig)


def pelvis_chart(report: SetReport) -> str | None:
    reps = [r for r in report.reps if r.tilt_sagittal_deg is not None]
    if not reps:
        return None
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 3.2))
    idx = [r.index for r in reps]
    tilt = [r.tilt_sagittal_deg for r in reps]
    a1.axhspan(LUMBAR_ARCH_DEG, max(15, max(tilt) + 2), color="#52b788", alpha=0.15)
    a1.axhspan(min(-20, min(tilt) - 2), LUMBAR_ARCH_DEG, color="#d62828", alpha=0.12)
    a1.set_xticks(idx)
    a2.set_xticks(idx)
    a1.bar(idx, tilt, color=["#d62828" if v < LUMBAR_ARCH_DEG else "#2a9d8f" for v in tilt])
    a1.axhline(0, color="#495057", lw=1)
    a1.set_title(f"Pelvic tilt at the top (+ tuck, − arching; vs {report.tilt_reference})")
    a1.set_ylabel("deg")
    a1.set_xlabel("rep")
    drop = [r.pelvic_drop_deg or 0.0 for r in reps]
    a2.axhspan(0, PELVIC_DROP_DEG, color="#52b788", alpha=0.15)
    a2.bar(idx, drop, color=["#d62828" if v > PELVIC_DROP_DEG else "#2a9d8f" for v in drop])
    for i, r in zip(idx, reps):
        if r.pelvic_drop_side and (r.pelvic_drop_deg or 0) > PELVIC_DROP_DEG:
            a2.annotate(r.pelvic_drop_side[0].upper(), (i, r.pelvic_drop_deg), ha="center", va="bottom")
    a2.set_title("Hips not level at the top (frontal drop, lower side marked)")
    a2.set_ylabel("deg")
    a2.set_xlabel("rep")
    return _png(fig)


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
            ax.axvspan(p.start_s, p.end_s, color=PHASE_COLOURS[p.name], alpha=0.25, lw=0)
        ax.annotate(str(r.index), (r.phase("concentric").end_s, 1.0), xycoords=("data", "axes fraction"), ha="center", va="top")
    handles = [plt.Rectangle((0, 0), 1, 1, color=c, alpha=0.5) for c in PHASE_COLOURS.values()]
    ax.legend(handles, PHASE_LABELS.values(), loc="lower right", fontsize=8, ncol=4)
    ax.set_xlabel("time (s)")
    ax.set_ylabel(f"{report.placement} angle (deg)")
    ax.set_title("Movement over the set, phases shaded")
    return _png(fig)


def _f(x, fmt="{:.1f}") -> str:
    return "–" if x is None else fmt.format(x)


def render(report: SetReport, source: str, trace: SegmentTrace | None = None) -> str:
    """The whole report as one HTML string."""
    s = summary(report)
    t = report.tempo_target
    rows = []
    for r in report.reps:
        cls = "bad" if r.faults else ""
        rows.append(
            f"<tr class='{cls}'><td>{r.index}</td><td>{_f(r.concentric_s)}</td><td>{_f(r.top_pause_s)}</td>"
            f"<td>{_f(r.eccentric_s)}</td><td>{_f(r.bottom_pause_s)}</td><td>{r.time_under_tension_s:.1f}</td>"
            f"<td>{r.rom_deg:.0f}</td><td>{_f(r.tilt_sagittal_deg, '{:+.1f}')}</td>"
            f"<td>{_f(r.pelvic_drop_deg)}{' ' + r.pelvic_drop_side if r.pelvic_drop_side else ''}</td>"
            f"<td>{'–' if r.tempo_ok is None else ('ok' if r.tempo_ok else 'off')}</td>"
            f"<td>{html.escape(', '.join(r.faults))}</td><td>{'<br>'.join(html.escape(c) for c in r.cues)}</td></tr>"
        )
    charts = [c for c in (trace_chart(report, trace), tempo_chart(report) if report.reps else None, pelvis_chart(report)) if c]
    steps = ""
    if report.steps:
        steps = (f"<p>{s.get('step_count')} steps, cadence {_f(s.get('cadence_steps_per_min'))} steps/min; "
                 f"sides: {html.escape(' '.join(st.side for st in report.steps))}</p>")
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in report.calibration_notes)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>repscope report — {html.escape(report.exercise)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px; color: #212529; }}
table {{ border-collapse: collapse; width: 100%; font-size: 14px; }}
th, td {{ border-bottom: 1px solid #dee2e6; padding: 4px 8px; text-align: right; vertical-align: top; }}
td:nth-last-child(-n+2), th:nth-last-child(-n+2) {{ text-align: left; }}
tr.bad td {{ background: #fff3f0; }}
.kpi {{ display: inline-block; margin: 0 2em 1em 0; }} .kpi b {{ font-size: 1.6em; display: block; }}
img {{ max-width: 100%; margin: 1em 0; }}
</style></head><body>
<h1>{html.escape(report.exercise.replace('_', ' '))}</h1>
<p>Source: <code>{html.escape(source)}</code> · sensor used for reps: {html.escape(report.placement)} ·
tempo target: {format_tempo(t) if t else 'none'} · calibration confidence {report.calibration_confidence:.0%}</p>
<div>
<span class="kpi"><b>{s['rep_count']}</b>reps</span>
<span class="kpi"><b>{_f(s['mean_eccentric_s'])} s</b>mean lowering</span>
<span class="kpi"><b>{_f(s['time_under_tension_s'])} s</b>time under tension</span>
<span class="kpi"><b>{'–' if s['reps_tempo_ok'] is None else s['reps_tempo_ok']}</b>reps on tempo</span>
<span class="kpi"><b>{_f(s['consistency'], '{:.2f}')}</b>consistency</span>
</div>
{steps}
<h2>Reps</h2>
<table><tr><th>rep</th><th>lift s</th><th>top s</th><th>lowering s</th><th>bottom s</th><th>TUT s</th><th>ROM°</th>
<th>tilt°</th><th>drop°</th><th>tempo</th><th>faults</th><th>cues</th></tr>
{''.join(rows)}</table>
<h2>Charts</h2>
{''.join(f'<img alt="chart" src="{c}">' for c in charts)}
<h2>Notes</h2><ul>{notes}</ul>
<p style="color:#6c757d">Made by repscope. Definitions: phase boundaries are motion onsets/offsets; tilt + is a posterior
tuck, − lumbar arching; drop is the hips' frontal inclination at the top.</p>
</body></html>
"""
