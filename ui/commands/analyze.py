"""`repscope analyze FILE`: per-rep analysis of a recording (v1 or generic CSV) as a table, JSON or CSV."""
from __future__ import annotations

import csv
import json
import sys
from typing import TYPE_CHECKING

from sensors.exercises import EXERCISES
from analysis.tempo import TempoError, format_tempo, parse_tempo, tempo_verdict
from ui.errors import UserError
from ui.input_options import add_input_arguments, read_input

if TYPE_CHECKING:  # the analysis (scipy) and the reader (pandas) are imported when a file is read, not for --help
    from analysis.pipeline import ImuSeries
    from analysis.results import SetReport
    from analysis.session import SessionReport
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
    p.add_argument("--tempo", help="prescribed tempo E-B-C-T, e.g. 3-1-1-2 (X = explosive concentric); "
                   "default: the recording's")
    p.add_argument("--tol-s", type=float, default=0.5, help="tempo tolerance, seconds (default 0.5)")
    p.add_argument("--tol-frac", type=float, default=0.2,
                   help="tempo tolerance, fraction of the target (default 0.2); the larger applies")
    p.add_argument("--velocity-loss", type=float, metavar="PCT",
                   help="stop cue when a rep's mean lifting speed is this many %% below the set's fastest")


def load(args, rec: Recording | None = None, require_exercise: bool = True
         ) -> tuple[Recording, list[ImuSeries], str | None]:
    """Read FILE (`ui.input_options.read_input`, unless `rec` is it already read) and check it has enough
    samples and, when required, names an exercise (`--exercise`, else the metadata's; else None)."""
    from analysis.pipeline import ImuSeries
    rec = read_input(args) if rec is None else rec
    exercise = rec.meta.exercise
    if exercise is None and require_exercise:
        raise UserError(
            f"{args.file}: the recording does not name its exercise: pass --exercise ({', '.join(EXERCISES)})"
        )
    if exercise is not None and exercise not in EXERCISES:
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
    for flag, value in (("--tol-s", args.tol_s), ("--tol-frac", args.tol_frac)):
        if not value >= 0:  # the option's fault, whichever tempo it applies to (NaN fails too)
            raise UserError(f"{flag} {value:g}: a tempo tolerance must be ≥ 0")
    text = args.tempo if args.tempo is not None else rec.meta.tempo
    if text is None:
        return None
    try:
        return parse_tempo(text, args.tol_s, args.tol_frac)
    except TempoError as exc:
        where = "--tempo" if args.tempo is not None else f"{args.file}: metadata tempo"
        raise UserError(f"{where}: {exc}") from None


def trace_file(args, rec: Recording | None = None) -> tuple[Recording, SetReport, tuple]:
    """Read FILE (or take `rec`) and analyse it with per-sample traces (for `report` and `export`)."""
    from analysis.pipeline import trace_set
    rec, series, exercise = load(args, rec)
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


def analyze_sets(args) -> tuple[Recording, SessionReport]:
    """Read FILE and analyse every set in it: the exercise given, from the metadata, or recognised per set."""
    rec, series, exercise = load(args, require_exercise=False)
    return rec, _session(args, series, exercise, tempo_from(args, rec), rec.meta.side, rec.events)


def _analyze_read_only(args) -> tuple[str, SessionReport]:
    """`analyze_sets` for `analyze` itself: the JSON's placement and the session, the samples of the sensors the
    analysis of a known exercise does not read let go before it runs (their times are kept: `series_read`)."""
    from analysis.session import series_read
    rec, series, exercise = load(args, require_exercise=False)
    placement = rec.streams[0].placement if len(rec.streams) == 1 else "pelvis"
    tempo, side, events = tempo_from(args, rec), rec.meta.side, rec.events
    read = series_read(series, exercise)
    timed = [s.t_s for s in series if all(s is not r for r in read)]
    del rec, series  # the recording's arrays of the unread sensors go with it
    return placement, _session(args, read, exercise, tempo, side, events, timed)


def _session(args, series: list[ImuSeries], exercise: str | None, tempo, side, events, timed=()) -> SessionReport:
    """The session analysis of the series (`analysis.session.analyze_recording`), with the velocity stop."""
    from analysis.session import analyze_recording
    source = "given" if args.exercise is not None else "metadata"
    try:
        session = analyze_recording(series, exercise, source, tempo, side, events, timed=timed)
    except ValueError as exc:
        raise UserError(f"{args.file}: {exc}") from None
    threshold = getattr(args, "velocity_loss", None)
    if threshold is not None:
        if not 0 < threshold < 100:
            raise UserError(f"--velocity-loss {threshold:g}: a loss in percent, between 0 and 100")
        from dataclasses import replace

        from analysis.rise import with_velocity_stop

        session = replace(session, sets=tuple(replace(s, report=with_velocity_stop(s.report, threshold))
                                              for s in session.sets))
    return session


def run(args) -> int:
    from analysis.serialize import CSV_COLUMNS, rep_csv_rows, session_to_dict
    placement, session = _analyze_read_only(args)
    if args.json:
        json.dump(session_to_dict(session, placement), sys.stdout, indent=1)
        print()
    elif args.csv:
        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(CSV_COLUMNS)
        for s in session.sets:
            w.writerows(rep_csv_rows(s.report, s.index))
    else:
        print(format_session(session, args.file))
    return 0


def format_session(session: SessionReport, source: str = "") -> str:
    """The table of every set, and a session summary when there are several."""
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


def _f(x, fmt="{:.1f}") -> str:
    return "–" if x is None else fmt.format(x)


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
            f"{r.index:>3} {_f(r.concentric_s):>6} {_f(r.top_pause_s):>6} {_f(r.eccentric_s):>6} "
            f"{_f(r.bottom_pause_s):>6}"
            f" {r.time_under_tension_s:>6.1f} {r.rom_deg:>6.1f} {_f(r.tilt_sagittal_deg, '{:+.1f}'):>6} {drop:>8}"
            f" {_f(r.mean_concentric_velocity_mps, '{:.2f}'):>5} {ok:<{tw}}  {', '.join(r.faults)}"
        )
    s = summary(report)
    lines.append("-" * len(head))
    lines.append(
        f"{s['rep_count']} reps · mean eccentric {_f(s['mean_eccentric_s'])} s · "
        f"time under tension {_f(s['time_under_tension_s'])} s"
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
