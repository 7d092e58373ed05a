"""`repscope replay FILE`: the live window driven by a recording, with a timeline to scrub and rep-to-rep jumps.

The window follows the replay position: scrubbing, jumping or changing speed re-runs the causal analysis from the
start of the file up to the new position, so what it shows when the recording ends is the `analyze` result. The
table printed when the window closes is always `analyze`'s for the whole file, also after quitting early.
"""
from __future__ import annotations

import math
from pathlib import Path

from ui.commands.analyze import add_tempo_arguments, format_table
from ui.errors import UserError
from ui.file_analysis import ReadOptions, analyze_one_set
from ui.input_options import add_input_arguments

SPEEDS = {"1": 1.0, "2": 2.0, "4": 4.0, "max": math.inf}


def register(sub) -> None:
    p = sub.add_parser("replay", help="replay a recording in the live window", description=__doc__)
    add_input_arguments(p)
    add_tempo_arguments(p)
    p.add_argument("--speed", choices=tuple(SPEEDS), default="1", help="playback speed (default 1 = real time)")
    p.add_argument("--sound", action="store_true",
                   help="metronome for the tempo and a tone on each fault (needs repscope[audio])")
    p.add_argument("--exit-at-end", action="store_true", help="close the window when the recording ends")
    p.add_argument("--screenshot", type=Path, help="save the window as PNG (at --screenshot-at, else at the end)")
    p.add_argument("--screenshot-at", type=float, metavar="S", help="stream time (s) of the screenshot")
    p.set_defaults(func=run)


def run(args) -> int:
    # the offline reps: targets for the rep-to-rep jumps
    rec, offline = analyze_one_set(args.file, ReadOptions.from_args(args))
    from sensors.source import ArraySource

    streams = [s for s in rec.streams if args.placement is None or rec.generic or s.info.placement == args.placement]
    from ui.app import run_window
    from ui.session import Session

    source = ArraySource(streams, speed=SPEEDS[args.speed])
    session = Session(source, offline.exercise, offline.tempo_target, rec.meta.side)
    run_window(
        session, f"repscope replay — {Path(args.file).name}", replay=True, rep_starts=offline.reps,
        screenshot=args.screenshot, screenshot_at_s=args.screenshot_at, exit_at_end=args.exit_at_end, sound=args.sound,
    )
    if session.error:
        raise UserError(f"{args.file}: replay stopped: {session.error}")
    print(format_table(offline, args.file))  # the final word on the file, whatever the window was left showing
    return 0
