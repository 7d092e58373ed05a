"""`repscope report FILE -o report.html [--csv reps.csv]`: a self-contained HTML session report."""
from __future__ import annotations

import csv
import io
import os
from pathlib import Path

from analysis.serialize import CSV_COLUMNS, rep_csv_rows
from ui.commands.analyze import add_tempo_arguments, trace_file
from ui.errors import UserError
from ui.input_options import add_input_arguments
from ui.report_html import render


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
    _, report, traces = trace_file(args)
    primary = next((t for t in traces if t.placement == report.placement), None)
    files = [(args.output, render(report, args.file, primary))]
    if args.csv:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(CSV_COLUMNS)
        w.writerows(rep_csv_rows(report))
        files.append((args.csv, buf.getvalue()))
    write_all(files)
    n = f"{len(report.steps)} steps" if report.exercise == "lateral_band_walk" else f"{len(report.reps)} reps"
    print(f"wrote {args.output}" + (f" and {args.csv}" if args.csv else "") + f" ({n})")
    return 0
