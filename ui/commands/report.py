"""`repscope report FILE -o report.html [--csv reps.csv]`: a self-contained HTML session report."""
from __future__ import annotations

import csv

from analysis.serialize import CSV_COLUMNS, rep_csv_rows
from ui.commands.analyze import add_input_arguments, add_tempo_arguments, trace_file
from ui.errors import UserError


def register(sub) -> None:
    p = sub.add_parser("report", help="self-contained HTML session report (and per-rep CSV)", description=__doc__)
    add_input_arguments(p)
    add_tempo_arguments(p)
    p.add_argument("-o", "--output", required=True, help="output HTML file")
    p.add_argument("--csv", help="also write the per-rep table as CSV here")
    p.set_defaults(func=run)


def run(args) -> int:
    from ui.report_html import render  # matplotlib: only when a report is drawn

    _, report, traces = trace_file(args)
    primary = next((t for t in traces if t.placement == report.placement), None)
    page = render(report, args.file, primary)
    try:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(page)
        if args.csv:
            with open(args.csv, "w", encoding="utf-8", newline="") as f:
                w = csv.writer(f, lineterminator="\n")
                w.writerow(CSV_COLUMNS)
                w.writerows(rep_csv_rows(report))
    except OSError as exc:
        raise UserError(f"cannot write report: {exc.strerror} ({exc.filename})") from None
    print(f"wrote {args.output}" + (f" and {args.csv}" if args.csv else "") + f" ({len(report.reps)} reps)")
    return 0
