"""`repscope analyze FILE`: per-rep analysis of a recording (v1 or generic CSV) as a table, JSON or CSV."""
from __future__ import annotations

import csv
import sys
from typing import TYPE_CHECKING

from sensors.rules import TEMPO_TOL_FRAC, TEMPO_TOL_S
from analysis.tempo import format_tempo, tempo_verdict
from ui.file_analysis import ReadOptions, analyze_file, analyze_file_lean, series_of
from ui.input_options import add_input_arguments
from ui.tables import figure

if TYPE_CHECKING:  # the analysis (scipy) and the reader (pandas) are imported when a file is read, not for --help
    from analysis.results import SetReport
    from analysis.session import SessionReport
    from sensors.recording import Recording


def register(sub) -> None:
    p = sub.add_parser("analyze", help="per-rep analysis of a recording", description=__doc__)
    add_input_arguments(p)
    add_tempo_arguments(p)
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print one JSON object (stable contract, see README)")
    fmt.add_argument("--csv", action="store_true", help="print one CSV row per rep (and per band-walk step)")
    fmt.add_argument("--xlsx", metavar="OUT.xlsx", help="write an Excel workbook: a sheet of sets, one of reps/steps")
    p.set_defaults(func=run)


def add_tempo_arguments(p) -> None:
    """--tempo, --tol-s, --tol-frac: shared by the commands that judge a recording against a tempo."""
    p.add_argument("--tempo", help="prescribed tempo E-B-C-T, e.g. 3-1-1-2 (X = explosive concentric); "
                   "default: the recording's")
    p.add_argument("--tol-s", type=float, default=TEMPO_TOL_S,
                   help=f"tempo tolerance, seconds (default {TEMPO_TOL_S:g})")
    p.add_argument("--tol-frac", type=float, default=TEMPO_TOL_FRAC,
                   help=f"tempo tolerance, fraction of the target (default {TEMPO_TOL_FRAC:g}); the larger applies")
    p.add_argument("--velocity-loss", type=float, metavar="PCT",
                   help="stop cue when a rep's mean lifting speed is this many %% below the set's fastest")


def run(args) -> int:
    from analysis.serialize import CSV_COLUMNS, rep_csv_rows, session_to_dict
    options = ReadOptions.from_args(args)
    table = not (args.xlsx or args.json or args.csv)
    if options.exercise is None and options.placement is None and not table:
        placement, session = analyze_file_lean(args.file, options, velocity_loss_pct=args.velocity_loss)
    else:  # the check of what was given and the table's clock read the recording: its samples are kept
        rec, session = analyze_file(args.file, options, velocity_loss_pct=args.velocity_loss)
        placement = rec.streams[0].placement if len(rec.streams) == 1 else "pelvis"
        warn_mismatches(args.file, rec, session, options)
    if args.xlsx:
        from ui.workbook import session_sheets, write_workbook

        write_workbook(args.xlsx, session_sheets(session))
        print(f"wrote {args.xlsx} ({len(session.sets)} set{'s' if len(session.sets) != 1 else ''})")
    elif args.json:
        from ui.json_out import write_json

        write_json(session_to_dict(session, placement))
    elif args.csv:
        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(CSV_COLUMNS)
        for s in session.sets:
            w.writerows(rep_csv_rows(s.report, s.index))
    else:
        print(format_session(session_from(session, recording_start_s(rec)), args.file))
    return 0


def recording_start_s(rec: Recording) -> float:
    """Where a displayed time counts from, on the file's clock: a v1 file's session clock already starts with the
    recording (its events and `start_utc` refer to it): 0; any other file's clock is the app's own (an epoch for
    many exports): its first sample."""
    if not rec.generic:
        return 0.0
    return min(float(s.t_s[0]) for s in rec.streams if len(s.t_s))


def warn_mismatches(path: str, rec: Recording, session: SessionReport, options: ReadOptions) -> None:
    """One stderr line per set whose data read as another exercise or placement than the one given."""
    from analysis.mismatch import warning_lines

    series, _ = series_of(rec, options, require_exercise=False)
    for line in warning_lines(series, session, exercise_given=options.exercise is not None,
                              placement_given=options.placement is not None, side=rec.meta.side):
        print(f"repscope: warning: {path}: {line}", file=sys.stderr)


def format_session(session: SessionReport, source: str = "") -> str:
    """The table of every set, and a session summary when there are several (`session_from` the recording's
    start for its times)."""
    from analysis.serialize import session_summary
    from ui.tables import known_from

    if not session.sets:
        return "\n".join([f"{source}  no set found: no repeated movement from a common start position"]
                         + [f"note: {n}" for n in session.notes])
    if len(session.sets) == 1 and session.sets[0].exercise_source != "recognised":
        return format_table(session.sets[0].report, source)
    blocks = [f"{source}  {len(session.sets)} sets"]
    for s in session.sets:
        blocks.append(f"\nset {s.index} · {s.exercise} ({known_from(s.exercise_source, s.exercise_confidence)})"
                      f" · {s.start_s:.1f}–{s.end_s:.1f} s")
        blocks.append(format_table(s.report, ""))
    total = session_summary(session)
    blocks.append(f"\nsession: {total['set_count']} sets, {total['rep_count']} reps"
                  + (f", {total['step_count']} steps" if total["step_count"] else "")
                  + f", time under tension {total['time_under_tension_s']:.0f} s")
    blocks += [f"note: {n}" for n in session.notes]
    return "\n".join(blocks)


def report_from(report: SetReport, origin_s: float) -> SetReport:
    """The report with its times (reps, their phases, steps) in s from `origin_s`, for display."""
    if origin_s == 0.0:
        return report
    from dataclasses import replace

    def rep(r):
        phases = tuple(replace(p, start_s=p.start_s - origin_s, end_s=p.end_s - origin_s) for p in r.phases)
        return replace(r, start_s=r.start_s - origin_s, end_s=r.end_s - origin_s, phases=phases)

    return replace(report, reps=tuple(map(rep, report.reps)),
                   steps=tuple(replace(st, t_s=st.t_s - origin_s) for st in report.steps))


def session_from(session: SessionReport, origin_s: float) -> SessionReport:
    """Every set's times (`report_from`, its bounds and span) in s from `origin_s`, for display."""
    if origin_s == 0.0:
        return session
    from dataclasses import replace

    def moved(t):
        return None if t is None else t - origin_s

    sets = tuple(replace(s, start_s=moved(s.start_s), end_s=moved(s.end_s), report=report_from(s.report, origin_s),
                         span_s=None if s.span_s is None else (s.span_s[0] - origin_s, s.span_s[1] - origin_s))
                 for s in session.sets)
    return replace(session, sets=sets)


def format_table(report: SetReport, source: str = "") -> str:
    """A readable per-rep table with the cues underneath."""
    from analysis.serialize import summary
    from ui.tables import format_band_walk_table
    t = report.tempo_target
    lines = [
        f"{source}  {report.exercise} · sensor {report.placement} · tempo {format_tempo(t) if t else 'not set'}"
        f" · calibration {report.calibration_confidence:.0%}",
    ]
    if report.counts_steps:
        return "\n".join(lines + format_band_walk_table(report))
    tw = max([5] + [len(tempo_verdict(r.tempo_checks)) for r in report.reps])  # tempo names the failing phases
    head = (f"{'rep':>3} {'conc s':>6} {'top s':>6} {'ecc s':>6} {'bot s':>6} {'TUT s':>6} {'ROM°':>6} "
            f"{'tilt°':>6} {'drop°':>8} {'m/s':>5} {'tempo':<{tw}}  faults")
    lines += [head, "-" * len(head)]
    for r in report.reps:
        drop = "–" if r.pelvic_drop_deg is None else f"{r.pelvic_drop_deg:.1f}{(r.pelvic_drop_side or ' ')[0].upper()}"
        ok = tempo_verdict(r.tempo_checks)
        lines.append(
            f"{r.index:>3} {figure(r.concentric_s):>6} {figure(r.top_pause_s):>6} {figure(r.eccentric_s):>6} "
            f"{figure(r.bottom_pause_s):>6}"
            f" {r.time_under_tension_s:>6.1f} {r.rom_deg:>6.1f} {figure(r.tilt_sagittal_deg, '{:+.1f}'):>6} {drop:>8}"
            f" {figure(r.mean_concentric_velocity_mps, '{:.2f}'):>5} {ok:<{tw}}  {', '.join(r.faults)}"
        )
    s = summary(report)
    lines.append("-" * len(head))
    lines.append(
        f"{s['rep_count']} reps · mean eccentric {figure(s['mean_eccentric_s'])} s · "
        f"time under tension {figure(s['time_under_tension_s'])} s"
        + (f" · tilt vs {report.tilt_reference}" if report.tilt_reference else "")
        + (f" · consistency {s['consistency']:.2f}" if s["consistency"] is not None else "")
        + (f" · velocity loss {s['velocity_loss_pct']:.0f} %" if s["velocity_loss_pct"] is not None else "")
    )
    cues = [(r.index, c) for r in report.reps for c in r.cues]
    if cues:
        lines.append("")
        lines += [f"rep {i}: {c}" for i, c in cues]
    for note in report.calibration_notes:
        lines.append(f"note: {note}")
    return "\n".join(lines)
