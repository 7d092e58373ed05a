"""`repscope analyze FILE`: per-rep analysis of a recording (v1 or generic CSV) as a table, JSON or CSV."""
from __future__ import annotations

import csv
import json
import sys
import warnings
from typing import TYPE_CHECKING

from analysis.results import EXERCISES, SetReport
from analysis.serialize import CSV_COLUMNS, rep_csv_rows, report_to_dict, summary
from analysis.tempo import TempoError, format_tempo, parse_tempo
from sensors.batch import PLACEMENTS
from ui.errors import UserError, one_line

if TYPE_CHECKING:  # the analysis (scipy) and the reader (pandas) are imported when a file is read, not for --help
    from analysis.pipeline import ImuSeries
    from sensors.recording import Recording


def register(sub) -> None:
    p = sub.add_parser("analyze", help="per-rep analysis of a recording", description=__doc__)
    add_input_arguments(p)
    add_tempo_arguments(p)
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print one JSON object (stable contract, see README)")
    fmt.add_argument("--csv", action="store_true", help="print one CSV row per rep")
    p.set_defaults(func=run)


def add_tempo_arguments(p) -> None:
    """--tempo, --tol-s, --tol-frac: shared by the commands that judge a recording against a tempo."""
    p.add_argument("--tempo", help="prescribed tempo E-B-C-T, e.g. 3-1-1-2 (X = explosive concentric); default: the recording's")
    p.add_argument("--tol-s", type=float, default=0.5, help="tempo tolerance, seconds (default 0.5)")
    p.add_argument("--tol-frac", type=float, default=0.2, help="tempo tolerance, fraction of the target (default 0.2); the larger applies")


def add_input_arguments(p) -> None:
    """FILE, --placement, --exercise: shared by every command that reads a recording."""
    p.add_argument("file", metavar="FILE", help="recording (format v1) or generic CSV")
    p.add_argument("--placement", choices=PLACEMENTS, help="sensor placement (required for a generic CSV; for a v1 file, analyse only this sensor)")
    p.add_argument("--exercise", choices=EXERCISES, help="exercise (default: from the recording's metadata)")


def load(args) -> tuple[Recording, list[ImuSeries], str]:
    """Read FILE with one-line errors; recoverable problems (a torn last line, skipped bad samples) are warned on
    stderr, one line each."""
    from analysis.pipeline import ImuSeries
    from sensors.recording import RecordingError, RecordingWarning, read_recording

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RecordingWarning)
        try:
            rec = read_recording(args.file, placement=args.placement, exercise=args.exercise)
        except RecordingError as exc:
            raise UserError(str(exc)) from None
    for w in caught:
        print(f"repscope: warning: {one_line(str(w.message))}", file=sys.stderr)
    exercise = rec.meta.exercise
    if exercise is None:
        raise UserError(f"{args.file}: the recording does not name its exercise: pass --exercise ({', '.join(EXERCISES)})")
    if exercise not in EXERCISES:
        raise UserError(f"{args.file}: unknown exercise {exercise!r} in the metadata (pass --exercise)")
    streams = rec.streams
    if args.placement is not None and not rec.generic:
        streams = (rec.stream(args.placement),)
    series = [ImuSeries(s.info.placement, s.t_s, s.acc_mps2, s.gyr_rads) for s in streams]
    for s in series:
        if len(s.t_s) < 50:
            raise UserError(f"{args.file}: sensor {s.placement} has only {len(s.t_s)} samples, too short to analyse")
    return rec, series, exercise


def tempo_from(args, rec: Recording):
    text = args.tempo if args.tempo is not None else rec.meta.tempo
    if text is None:
        return None
    try:
        return parse_tempo(text, args.tol_s, args.tol_frac)
    except TempoError as exc:
        where = "--tempo" if args.tempo is not None else f"{args.file}: metadata tempo"
        raise UserError(f"{where}: {exc}") from None


def trace_file(args) -> tuple[Recording, SetReport, tuple]:
    """Read FILE and analyse it with per-sample traces (for `report` and `export`); one-line errors."""
    from analysis.pipeline import trace_set

    rec, series, exercise = load(args)
    tempo = tempo_from(args, rec)
    try:
        report, traces = trace_set(series, exercise, tempo, rec.meta.side)
    except ValueError as exc:
        raise UserError(f"{args.file}: {exc}") from None
    return rec, report, traces


def analyze_file(args) -> tuple[Recording, SetReport]:
    from analysis.pipeline import analyze_set

    rec, series, exercise = load(args)
    tempo = tempo_from(args, rec)
    try:
        report = analyze_set(series, exercise, tempo, rec.meta.side)
    except ValueError as exc:
        raise UserError(f"{args.file}: {exc}") from None
    return rec, report


def run(args) -> int:
    _, report = analyze_file(args)
    if args.json:
        json.dump(report_to_dict(report), sys.stdout, indent=1)
        print()
    elif args.csv:
        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(CSV_COLUMNS)
        w.writerows(rep_csv_rows(report))
    else:
        print(format_table(report, args.file))
    return 0


def _f(x, fmt="{:.1f}") -> str:
    return "–" if x is None else fmt.format(x)


def format_table(report: SetReport, source: str = "") -> str:
    """A readable per-rep table with the cues underneath."""
    t = report.tempo_target
    lines = [
        f"{source}  {report.exercise} · sensor {report.placement} · tempo {format_tempo(t) if t else 'not set'}"
        f" · calibration {report.calibration_confidence:.0%}",
    ]
    if report.exercise == "lateral_band_walk":
        s = summary(report)
        lines.append(f"steps {s['step_count']}, cadence {_f(s.get('cadence_steps_per_min'))} steps/min")
        return "\n".join(lines)
    head = f"{'rep':>3} {'conc s':>6} {'top s':>6} {'ecc s':>6} {'bot s':>6} {'TUT s':>6} {'ROM°':>6} {'tilt°':>6} {'drop°':>8} {'tempo':>5}  faults"
    lines += [head, "-" * len(head)]
    for r in report.reps:
        drop = "–" if r.pelvic_drop_deg is None else f"{r.pelvic_drop_deg:.1f}{(r.pelvic_drop_side or ' ')[0].upper()}"
        ok = "–" if r.tempo_ok is None else ("ok" if r.tempo_ok else "off")
        lines.append(
            f"{r.index:>3} {_f(r.concentric_s):>6} {_f(r.top_pause_s):>6} {_f(r.eccentric_s):>6} {_f(r.bottom_pause_s):>6}"
            f" {r.time_under_tension_s:>6.1f} {r.rom_deg:>6.1f} {_f(r.tilt_sagittal_deg, '{:+.1f}'):>6} {drop:>8} {ok:>5}  {', '.join(r.faults)}"
        )
    s = summary(report)
    lines.append("-" * len(head))
    lines.append(
        f"{s['rep_count']} reps · mean eccentric {_f(s['mean_eccentric_s'])} s · time under tension {_f(s['time_under_tension_s'])} s"
        + (f" · tilt vs {report.tilt_reference}" if report.tilt_reference else "")
        + (f" · consistency {s['consistency']:.2f}" if s["consistency"] is not None else "")
    )
    cues = [(r.index, c) for r in report.reps for c in r.cues]
    if cues:
        lines.append("")
        lines += [f"rep {i}: {c}" for i, c in cues]
    for note in report.calibration_notes:
        lines.append(f"note: {note}")
    return "\n".join(lines)
