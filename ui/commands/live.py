"""`repscope live`: the live feedback window on a simulated set (`--simulate EXERCISE`) or workout (`--session
EX,EX,…`; no hardware) or on BLE sensors (`--device ADDR --placement P`, repeat for two).

Sets start and end by themselves (a rest the set detector sees, or `--rest-end` seconds without a rep). Without
`--exercise` (a workout, or sensors) each set's exercise is recognised from its first reps; `--exercise` forces
one for every set.

Keys: space ends/starts a set, u undoes the last rep (the history drops it as an edit), r toggles recording, f full
screen, q quits (the set at its last whole rep). A session killed outright is recovered into the history by the
next live, record, history or import."""
from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

from sensors.exercises import EXERCISES
from analysis.tempo import TempoError, parse_tempo
from ui.commands.record import add_history_arguments
from ui.commands.simulate import add_sim_arguments, config_from_args
from ui.errors import UserError
from ui.history.recovery import add_recordings
from ui.history.store import check_load_kg

if TYPE_CHECKING:
    from analysis.session import SessionReport


def register(sub) -> None:
    p = sub.add_parser("live", help="live feedback window (simulated set or BLE sensors)", description=__doc__)
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--simulate", choices=EXERCISES, metavar="EXERCISE",
                     help=f"a virtual sensor performing a set ({', '.join(EXERCISES)})")
    src.add_argument("--session", metavar="EX,EX,…",
                     help="a simulated workout: these exercises in order, one set each, rests between them")
    src.add_argument("--device", action="append", metavar="ADDR",
                     help="BLE sensor address (repeat for two; pair with --placement)")
    p.add_argument("--exercise", choices=EXERCISES,
                   help="analyse every set as this exercise (default: recognised per set from its first reps; "
                        "with --simulate, the simulated one)")
    add_sim_arguments(p)
    p.add_argument("--rest", type=float, nargs=2, default=(45.0, 120.0), metavar=("MIN_S", "MAX_S"),
                   help="--session: rest between the sets, drawn in this range (default 45 120 s)")
    p.add_argument("--speed", type=_speed, default=1.0,
                   help="simulated set: playback speed, or max (default 1 = real time)")
    p.add_argument("--rest-end", type=float, default=30.0, metavar="S",
                   help="end a set after S seconds without movement (default 30)")
    rec = p.add_mutually_exclusive_group()
    rec.add_argument("--record", type=Path, metavar="FILE",
                     help="the recording to write (default: a new file in recordings/ of the user's data folder, "
                          "beside the history database; every session is recorded)")
    rec.add_argument("--no-record", action="store_true", help="do not record the session (r starts a recording)")
    p.add_argument("--model", action="append",
                   help="BLE: device model key per --device when its name is not recognised")
    p.add_argument("--rate-hz", type=float, default=100.0, help="BLE: sample rate to configure (nearest supported)")
    p.add_argument("--sound", action="store_true",
                   help="metronome for the tempo and a tone on each fault (needs repscope[audio])")
    p.add_argument("--exit-at-end", action="store_true", help="close the window when the stream ends")
    p.add_argument("--screenshot", type=Path, help="save the window as PNG (at --screenshot-at, else at the end)")
    p.add_argument("--screenshot-at", type=float, metavar="S", help="stream time (s) of the screenshot")
    add_history_arguments(p)
    p.set_defaults(func=run)


def _speed(text: str) -> float:
    """`--speed`: a factor of real time, or `max` (as fast as the analysis goes)."""
    return math.inf if text == "max" else float(text)


def _tempo(text: str | None):
    if text is None:
        return None
    try:
        return parse_tempo(text)
    except TempoError as exc:
        raise UserError(f"--tempo: {exc}") from None


def _simulated(args):
    """`--simulate` / `--session`: the virtual sensors' source, the exercise to analyse as (None: recognised),
    the tempo target, the side and the window title."""
    from sensors.simulation import simulate_set
    from sensors.simulation import simulate_session
    from sensors.source import VirtualSensorSource
    from ui.commands.simulate import session_from_args

    if not (args.speed > 0):
        raise UserError(f"--speed {args.speed}: must be > 0")
    if args.session:
        cfg = session_from_args(args)
        make, exercise, side = (lambda: simulate_session(cfg, args.seed)), args.exercise, args.side
        tempo = _tempo(args.tempo)
        title = f"repscope live — simulated workout ({len(cfg.sets)} sets)"
    else:
        cfg = config_from_args(args, args.simulate)
        make, exercise, side = (lambda: simulate_set(cfg, args.seed)), args.exercise or args.simulate, cfg.side
        tempo = _tempo(args.tempo or cfg.tempo_string)
        title = f"repscope live — simulated {args.simulate}"
    try:
        sim = make()
    except ValueError as exc:
        raise UserError(str(exc)) from None
    source = VirtualSensorSource(sim, speed=args.speed if math.isfinite(args.speed) else math.inf)
    return source, exercise, tempo, side, title


def sets_of(ended, undone_s=()) -> SessionReport:
    """The sets a live session ended (`SetEnded` events with reps or steps), as the session analysis's report:
    printed, it reads as `repscope analyze` of the recording, less the reps undone live (middles `undone_s`)."""
    from analysis.session import SessionReport, SessionSet, set_bounds
    from ui.live_readout import without_undone

    sets = []
    for e in ended:
        report = without_undone(e.report, undone_s)
        bounds = set_bounds(report)
        if bounds is None:
            continue
        sets.append(SessionSet(len(sets) + 1, *bounds, report.exercise, e.exercise_source, e.exercise_confidence,
                               report, (e.start_s, e.end_s)))
    return SessionReport(tuple(sets))


def run(args, backend=None) -> int:
    """`backend`: a bleak backend for `--device` (as for `record`; the tests pass a virtual radio)."""
    from ui.app import run_window
    from ui.session import Session

    from ui.history.recovery import recover_unfinished, unfinished_dir
    from ui.session import default_recording_path

    check_load_kg(args.load_kg)
    recover_unfinished(args.db)
    if args.record is not None and args.record.exists():
        raise UserError(f"--record {args.record}: file exists; choose a new name (recordings are never overwritten)")
    if args.simulate or args.session:
        source, exercise, tempo, side, title = _simulated(args)
    else:
        from ui.commands.record import ble_source_from_args

        exercise = args.exercise  # None: recognised per set
        source = ble_source_from_args(args, backend)
        tempo = _tempo(args.tempo)
        side = args.side
        title = "repscope live — " + ", ".join(args.device)
    record = None if args.no_record else (args.record or default_recording_path(exercise))
    session = Session(source, exercise, tempo, side, auto_end_rest_s=args.rest_end, record_path=record,
                      unfinished_dir=unfinished_dir(), history=not args.no_history)
    run_window(
        session, title, screenshot=args.screenshot, screenshot_at_s=args.screenshot_at, exit_at_end=args.exit_at_end,
        sound=args.sound,
    )
    session.stop()  # the set in progress is ended at its last whole rep, the recordings closed before the history
    if not session.error and session.ended:
        from ui.commands.analyze import format_session

        print(format_session(sets_of(session.ended, session.undone_s), "live"))
    _say_where(session.recorded_paths)
    if session.recorded_paths and not args.no_history:  # also what was recorded before an error
        add_recordings(session.recorded_paths, args.db, session.undone_s, athlete=args.athlete, load_kg=args.load_kg)
    session.release_unfinished()
    if session.error:
        raise UserError(f"live session stopped: {session.error}")
    return 0


def _say_where(paths) -> None:
    """Where the session was saved, or that it was not (`--no-record` and r never pressed)."""
    written = [p for p in paths if Path(p).exists()]
    if not written:
        print("not recorded (--no-record): nothing of this session was saved")
    for p in written:
        print(f"recorded to {Path(p).resolve()}")
