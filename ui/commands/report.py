"""`repscope report FILE -o report.html [--csv reps.csv]`: a self-contained HTML report of a set, or of a whole
workout (every set found in the recording) with the set-by-set trends."""
from __future__ import annotations

import csv
import io
import os
from pathlib import Path

from ui.commands.analyze import add_tempo_arguments, recording_start_s, report_from, session_from
from ui.file_analysis import ReadOptions, analyze_file, series_of, trace_file
from ui.errors import UserError
from ui.input_options import add_input_arguments


def register(sub) -> None:
    p = sub.add_parser("report", help="self-contained HTML session report (and per-rep CSV)", description=__doc__)
    add_input_arguments(p)
    add_tempo_arguments(p)
    p.add_argument("-o", "--output", required=True, help="output HTML file")
    p.add_argument("--csv", help="also write the per-rep table as CSV here")
    p.set_defaults(func=run)


def write_all(files: list[tuple[str, str]]) -> None:
    """Write every (path, text) or none: each goes to a temporary file beside its target first, and only when all
    of them are written are they renamed into place (a bad `--csv` path leaves no HTML half-done or stale)."""
    temps: list[tuple[Path, Path]] = []
    target = None
    try:
        for path, text in files:
            target = Path(path)
            tmp = target.with_name(f".{target.name}.tmp")
            with open(tmp, "w", encoding="utf-8", newline="") as f:
                temps.append((tmp, target))
                f.write(text)
        for tmp, target in temps:
            os.replace(tmp, target)
    except OSError as exc:
        for tmp, _ in temps:
            tmp.unlink(missing_ok=True)
        raise UserError(f"cannot write report: {target}: {exc.strerror}; nothing was written") from None

def run(args) -> int:
    from analysis.serialize import CSV_COLUMNS, rep_csv_rows
    from ui.report_html import render  # matplotlib: only when a report is drawn
    from ui.session_report import render_session

    options = ReadOptions.from_args(args)
    rec, session = analyze_file(args.file, options, velocity_loss_pct=getattr(args, "velocity_loss", None))
    origin = recording_start_s(rec)  # the page's times from the recording's start; the CSV keeps its clock
    if len(session.sets) <= 1:  # one set (or none): the one-set report of the whole file, as before
        _, report, traces = trace_file(args.file, options, rec)
        if getattr(args, "velocity_loss", None) is not None:
            from analysis.rise import with_velocity_stop

            report = with_velocity_stop(report, args.velocity_loss)
        primary = next((t for t in traces if t.placement == report.placement), None)
        page, sets = render(report_from(report, origin), args.file, _trace_from(primary, origin)), [(1, report)]
    else:
        moved = [_trace_from(t, origin) for t in _set_traces(options, rec, session)]
        page = render_session(session_from(session, origin), args.file, moved, rec.meta.side)
        sets = [(s.index, s.report) for s in session.sets]
    files = [(args.output, page)]
    if args.csv:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(CSV_COLUMNS)
        for index, report in sets:
            w.writerows(rep_csv_rows(report, index))
        files.append((args.csv, buf.getvalue()))
    write_all(files)
    reps = sum(len(r.reps) for _, r in sets)
    steps = sum(len(r.steps) for _, r in sets)
    what = ", ".join(x for x in (f"{reps} reps" if reps else "", f"{steps} steps" if steps else "") if x)
    what = what or ("0 steps" if sets[0][1].counts_steps else "0 reps")
    print(f"wrote {args.output}" + (f" and {args.csv}" if args.csv else "")
          + (f" ({len(sets)} sets, {what})" if len(sets) > 1 else f" ({what})"))
    return 0


def _trace_from(trace, origin_s: float):
    """A trace (or None) with its times in s from `origin_s`."""
    if trace is None or origin_s == 0.0:
        return trace
    from dataclasses import replace

    return replace(trace, t_s=trace.t_s - origin_s)


def _set_traces(options: ReadOptions, rec, session) -> list:
    """Each set's primary-sensor trace, from the same stretch of the recording its analysis read."""
    from analysis.pipeline import trace_set
    from analysis.session import slice_series

    series, _ = series_of(rec, options, require_exercise=False)
    traces = []
    for s in session.sets:
        part = slice_series(series, *s.span_s) if s.span_s is not None else series
        report, tr = trace_set(part, s.exercise, s.report.tempo_target, rec.meta.side)
        traces.append(next((t for t in tr if t.placement == report.placement), None))
    return traces
