"""`repscope live`: the live feedback window on a simulated set (`--simulate EXERCISE`, no hardware) or on BLE
sensors (`--device ADDR --placement P`, repeat for two)."""
from __future__ import annotations

import math
from pathlib import Path

from analysis.results import EXERCISES
from analysis.tempo import TempoError, parse_tempo
from ui.commands.record import add_history_arguments
from ui.commands.simulate import add_sim_arguments, config_from_args
from ui.errors import UserError
from ui.history.ingest import add_workout
from ui.history.store import check_load_kg


def register(sub) -> None:
    p = sub.add_parser("live", help="live feedback window (simulated set or BLE sensors)", description=__doc__)
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--simulate", choices=EXERCISES, metavar="EXERCISE", help=f"a virtual sensor performing a set ({', '.join(EXERCISES)})")
    src.add_argument("--device", action="append", metavar="ADDR", help="BLE sensor address (repeat for two; pair with --placement)")
    p.add_argument("--exercise", choices=EXERCISES, help="exercise (with --device)")
    add_sim_arguments(p)
    p.add_argument("--speed", type=float, default=1.0, help="simulated set: playback speed (default 1 = real time)")
    p.add_argument("--rest-end", type=float, default=30.0, metavar="S", help="end a set after S seconds without movement (default 30)")
    p.add_argument("--record", type=Path, metavar="FILE", help="record from the start into FILE (else press r)")
    p.add_argument("--model", action="append", help="BLE: device model key per --device when its name is not recognised")
    p.add_argument("--rate-hz", type=float, default=100.0, help="BLE: sample rate to configure (nearest supported)")
    p.add_argument("--sound", action="store_true", help="metronome for the tempo and a tone on each fault (needs repscope[audio])")
    p.add_argument("--exit-at-end", action="store_true", help="close the window when the stream ends")
    p.add_argument("--screenshot", type=Path, help="save the window as PNG (at --screenshot-at, else at the end)")
    p.add_argument("--screenshot-at", type=float, metavar="S", help="stream time (s) of the screenshot")
    add_history_arguments(p)
    p.set_defaults(func=run)


def _tempo(text: str | None):
    if text is None:
        return None
    try:
        return parse_tempo(text)
    except TempoError as exc:
        raise UserError(f"--tempo: {exc}") from None


def run(args, backend=None) -> int:
    """`backend`: a bleak backend for `--device` (as for `record`; the tests pass a virtual radio)."""
    from ui.app import run_window
    from ui.session import Session

    check_load_kg(args.load_kg)
    if args.record is not None and args.record.exists():
        raise UserError(f"--record {args.record}: file exists; choose a new name (recordings are never overwritten)")
    if args.simulate:
        from sensors.simulate import simulate_set
        from sensors.source import VirtualSensorSource

        exercise = args.simulate
        cfg = config_from_args(args, exercise)
        try:
            sim = simulate_set(cfg, args.seed)
        except ValueError as exc:
            raise UserError(str(exc)) from None
        if not (args.speed > 0):
            raise UserError(f"--speed {args.speed}: must be > 0")
        source = VirtualSensorSource(sim, speed=args.speed if math.isfinite(args.speed) else math.inf)
        tempo = _tempo(args.tempo or cfg.tempo_string)
        side = cfg.side
        title = f"repscope live — simulated {exercise}"
    else:
        from ui.commands.record import ble_source_from_args

        exercise = args.exercise
        if exercise is None:
            raise UserError("--exercise is required with --device")
        source = ble_source_from_args(args, backend)
        tempo = _tempo(args.tempo)
        side = args.side
        title = "repscope live — " + ", ".join(args.device)
    session = Session(source, exercise, tempo, side, auto_end_rest_s=args.rest_end, record_path=args.record)
    win = run_window(
        session, title, screenshot=args.screenshot, screenshot_at_s=args.screenshot_at, exit_at_end=args.exit_at_end, sound=args.sound,
    )
    session.stop()  # the recordings are closed before the history reads them
    if not session.error and win.last_report is not None:
        from ui.commands.analyze import format_table

        print(format_table(win.last_report, "live"))
    if not session.error and (session.recording_path is not None or args.record is not None):
        print(f"recorded to {args.record or session.recording_path}")
    if session.recorded_paths and not args.no_history:  # also what was recorded before an error
        add_workout(session.recorded_paths, args.db, athlete=args.athlete, load_kg=args.load_kg)
    if session.error:
        raise UserError(f"live session stopped: {session.error}")
    return 0
