"""`repscope history`: the stored sessions with their sets, and per-exercise trends (reps on tempo, lowering, arch
and drop counts, range of motion, velocity where measured); `--json` (stable contract, see README) or an HTML
report with one chart per exercise and figure over time (`--report out.html`)."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sensors.exercises import EXERCISES
from ui.errors import UserError
from ui.history.db import add_db_argument, open_history, resolve_path
from ui.tables import figure
from ui.units import add_unit_argument, load_text


def register(sub) -> None:
    p = sub.add_parser("history", help="stored sessions and per-exercise trends", description=__doc__)
    p.add_argument("--athlete", metavar="NAME", help="only this athlete's sessions")
    p.add_argument("--exercise", choices=EXERCISES, help="only this exercise's sets")
    p.add_argument("--since", metavar="YYYY-MM-DD", help="only sessions that started on or after this day (UTC)")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print one JSON object (stable contract, see README)")
    fmt.add_argument("--report", type=Path, metavar="OUT.html", help="write the trends as an HTML report with charts")
    fmt.add_argument("--xlsx", type=Path, metavar="OUT.xlsx",
                     help="write an Excel workbook: a sheet of sets (as corrected), one of reps/steps")
    add_unit_argument(p)
    p.add_argument("--reps", action="store_true", help="with --json: every rep of every set (analyze's rep objects)")
    add_db_argument(p)
    p.set_defaults(func=run)


def _since(text: str | None) -> str | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise UserError(f"--since {text!r}: expected a date YYYY-MM-DD") from None


def _set_line(s, p, pounds: bool = False) -> str:
    rep = s.report
    if rep.counts_steps:
        body = f"{p.step_count} steps · cadence {figure(p.cadence_steps_per_min)} steps/min"
    else:
        body = (f"{p.rep_count} reps · on tempo {figure(p.reps_on_tempo_pct, '{:.0f}')} % · lowering "
                f"{figure(p.mean_eccentric_s)} s · ROM {figure(p.mean_rom_deg, '{:.0f}')}° · "
                f"arch {p.lumbar_arch_reps} · "
                f"drop {p.pelvic_drop_reps}")
        if p.mean_concentric_velocity_mps is not None:
            body += f" · MCV {p.mean_concentric_velocity_mps:.2f} m/s · loss {figure(p.velocity_loss_pct, '{:.0f}')} %"
    extra = [load_text(s.load_kg, pounds), f"RPE {s.rpe:g}" if s.rpe is not None else "",
             json.dumps(s.notes, ensure_ascii=False) if s.notes else "", "warm-up" if s.warmup else "",
             f"edited: {'; '.join(s.edits)}" if s.edits else ""]
    return f"  set {s.index}  {rep.exercise:<22} {body}" + "".join(f" · {e}" for e in extra if e)


def format_history(sessions, trends, pounds: bool = False) -> str:
    from ui.history.trends import METRICS

    from ui.history.trends import figures_by_set

    figures = figures_by_set(sessions, trends)
    lines = []
    for session in sessions:
        start = (session.start_utc or "–").replace("T", " ").replace("Z", " UTC")
        if session.start_from == "file_time":
            start += " (file time)"
        who = f" · {session.athlete}" if session.athlete else ""
        lines.append(f"session {session.id} · {start}{who} · {session.source}"
                     + (" (simulated)" if session.simulated else ""))
        lines += [_set_line(s, figures[(session.id, s.index)], pounds) for s in session.sets]
    labels = {m.name: m.label for m in METRICS}
    if trends:
        lines += ["", "trends (first → last set shown; least-squares change per week)"]
    for t in trends:
        span = f"{t.points[0].time_utc:%Y-%m-%d} → {t.points[-1].time_utc:%Y-%m-%d}"
        lines.append(f"{t.exercise} · {len(t.points)} set{'s' if len(t.points) != 1 else ''} · {span}")
        for m in t.metrics:
            slope = "" if m.slope_per_week is None else f"   {m.slope_per_week:+.2f}/week"
            lines.append(f"  {labels[m.metric]:<38} {m.first:>8.2f} → {m.last:<8.2f} ({m.n} sets){slope}")
    return "\n".join(lines)


def run(args) -> int:
    from ui.history.recovery import recover_unfinished

    since = _since(args.since)
    recover_unfinished(args.db)  # a killed live's sets first: they belong to the history shown
    path = resolve_path(args.db)
    if not path.exists():
        if args.report:
            raise UserError(f"{path}: no history yet, nothing to report (repscope import FILE… adds recordings)")
        if args.json:
            print(json.dumps({"sessions": [], "trends": {}}))
        else:
            print(f"no history yet at {path} (repscope import FILE… or repscope batch DIR adds recordings)")
        return 0
    from ui.history.store import load_sessions
    from ui.history.trends import exercise_trends

    with open_history(args.db) as db:
        sessions = load_sessions(db, athlete=args.athlete, exercise=args.exercise, since=since,
                                 reps=bool(args.json and args.reps or args.xlsx))  # else the stored summaries
    trends = exercise_trends(sessions)
    if args.json:
        from ui.history.serialize import history_to_dict

        from ui.json_out import write_json

        write_json(history_to_dict(sessions, trends, with_reps=args.reps))
    elif args.xlsx:
        from ui.workbook import history_sheets, write_workbook

        write_workbook(args.xlsx, history_sheets(sessions, trends, args.lb))
        print(f"wrote {args.xlsx} ({len(sessions)} session{'s' if len(sessions) != 1 else ''}, "
              f"{sum(len(s.sets) for s in sessions)} sets)")
    elif args.report:
        if not sessions:
            raise UserError("--report: no sessions match the filters; nothing to draw")
        from ui.history.report import render

        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(render(sessions, trends, filters=_filters_text(args)), encoding="utf-8")
        print(f"wrote {args.report} ({len(trends)} exercise{'s' if len(trends) != 1 else ''}, "
              f"{sum(len(t.points) for t in trends)} sets)")
    else:
        print(format_history(sessions, trends, args.lb) if sessions else "no sessions match")
    return 0


def _filters_text(args) -> str:
    parts = [f"athlete {args.athlete}" if args.athlete else "", f"exercise {args.exercise}" if args.exercise else "",
             f"since {args.since}" if args.since else ""]
    return ", ".join(p for p in parts if p) or "all sessions"
