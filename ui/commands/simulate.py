"""`repscope simulate`: a simulated recording (v1 format) plus its ground truth `<out>.truth.json`."""
from __future__ import annotations

import json
import re
from pathlib import Path

from typing import TYPE_CHECKING

from sensors.exercises import BY_NAME, EXERCISES, PLACEMENTS
from ui.errors import UserError

if TYPE_CHECKING:  # the simulator (numpy, scipy) is imported when a recording is simulated, not for `--help`
    from sensors.simulation import SimConfig
    from sensors.simulation import SessionConfig

def register(sub) -> None:
    p = sub.add_parser(
        "simulate",
        help="write a simulated recording with ground truth",
        description="Simulate a set with a kinematic model and a consumer-IMU error model. Writes FILE (recording "
        "format v1) and FILE.truth.json (exact phase boundaries, ROM, tilt, drop, fault labels).",
    )
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--exercise", choices=EXERCISES)
    what.add_argument("--session", metavar="EX,EX,…",
                      help="a workout: these exercises in order, one set each, with rests between them")
    p.add_argument("--rest", type=float, nargs=2, default=(45.0, 120.0), metavar=("MIN_S", "MAX_S"),
                   help="rest between the sets of a --session, drawn in this range (default 45 120 s)")
    add_sim_arguments(p)
    p.add_argument("-o", "--output", required=True, help="output recording (.csv)")
    p.set_defaults(func=run)


def add_sim_arguments(p) -> None:
    """The simulated-set options, shared by `simulate` and `live --simulate`."""
    p.add_argument("--reps", type=int, default=8, help="reps (band walk: steps), default 8")
    p.add_argument(
        "--tempo",
        help="E-B-C-T seconds (eccentric, bottom pause, concentric, top pause; X = explosive concentric); "
        "default 3-1-1-1, band walk: quick steps",
    )
    p.add_argument(
        "--faults",
        nargs="*",
        default=[],
        metavar="FAULT:REPS",
        help="faults on given reps, e.g. rushed_eccentric:3,7 lumbar_arch:5 (faults: rushed_eccentric, "
        "no_top_pause, momentum, lumbar_arch, pelvic_drop, partial_rom; short forms rushed, arch, drop, partial)",
    )
    p.add_argument("--placement", action="append", choices=PLACEMENTS,
                   help="sensor placement (repeat for two sensors); default pelvis")
    p.add_argument("--rate", action="append", type=float, help="sample rate in Hz per placement (default 100)")
    p.add_argument("--side", choices=("left", "right"), help="working leg on single-leg moves")
    p.add_argument("--rom", type=float, help="range of motion of the primary segment, deg")
    p.add_argument("--standing", type=float, default=2.0, help="seconds standing still at the start (0 = none)")
    p.add_argument("--no-fidget", action="store_true", help="no set-up / re-rack movement")
    p.add_argument("--gaps", action="store_true", help="drop two short runs of samples (as a flaky radio would)")
    p.add_argument("--overshoot", action="store_true",
                   help="each lift overshoots the top by 3–12 %% of the range and settles back into the squeeze")
    p.add_argument("--floor-start", action="store_true",
                   help="hip thrusts: begin (and end) sitting on the floor, no standing pose")
    p.add_argument("--seed", type=int, default=0)


def parse_faults(items: list[str]) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """FAULT:REP[,REP…] items, FAULT an analyzer name (`rushed_eccentric`, `lumbar_arch`, …) or its short form
    (`sensors.rules.FAULT_ALIASES`)."""
    from sensors.rules import fault_name
    out = []
    for item in items:
        m = re.fullmatch(r"([a-z_]+):(\d+(?:,\d+)*)", item.strip())
        if not m:
            raise UserError(f"--faults: {item!r} is not FAULT:REP[,REP…] (e.g. rushed:3,7)")
        try:
            name = fault_name(m.group(1))
        except ValueError as err:
            raise UserError(f"--faults: {err}") from None
        out.append((name, tuple(int(r) for r in m.group(2).split(","))))
    return tuple(out)


def parse_sim_tempo(text: str) -> tuple[float, float, float | None, float]:
    parts = text.strip().upper().split("-")
    if len(parts) != 4:
        raise UserError(f"--tempo {text!r}: expected four figures E-B-C-T, e.g. 3-1-1-2")
    values = []
    for i, part in enumerate(parts):
        if part == "X" and i == 2:
            values.append(None)
            continue
        try:
            v = float(part)
        except ValueError:
            raise UserError(
                f"--tempo {text!r}: {part!r} is not a number of seconds (X only for the concentric)"
            ) from None
        if not 0 <= v <= 20:
            raise UserError(f"--tempo {text!r}: {part} s is outside 0–20 s")
        values.append(v)
    return values[0], values[1], values[2], values[3]


def truth_path_for(recording: Path) -> Path:
    """`x.csv` → `x.truth.json` (ground truth next to the recording)."""
    recording = Path(recording)
    return (recording.with_suffix(".truth.json") if recording.suffix == ".csv"
            else recording.with_name(recording.name + ".truth.json"))


def config_from_args(args, exercise: str) -> SimConfig:
    """A `SimConfig` from the shared simulation options (UserError on bad values)."""
    from sensors.simulation import SimConfig
    placements = tuple(args.placement or ["pelvis"])
    rates = tuple(args.rate or [100.0])
    if len(rates) == 1 and len(placements) > 1:
        rates = rates * len(placements)
    if len(rates) != len(placements):
        raise UserError("--rate: give one rate, or one per --placement")
    if args.tempo is None:
        ecc, bot, con, top = BY_NAME[exercise].default_tempo_s  # a band walk's: step out, hold, step in, pause
    else:
        ecc, bot, con, top = parse_sim_tempo(args.tempo)
    side = args.side
    if BY_NAME[exercise].single_leg and side is None:  # the thigh sensor's leg works, else the left
        thighs = [p[len("thigh_"):] for p in placements if p.startswith("thigh_")]
        side = thighs[0] if thighs else "left"
    return SimConfig(
        exercise=exercise, reps=args.reps, eccentric_s=ecc, bottom_pause_s=bot, concentric_s=con, top_pause_s=top,
        rom_deg=args.rom, placements=placements, rates_hz=rates, side=side, standing_s=args.standing,
        fidget=not args.no_fidget, faults=parse_faults(args.faults), gaps=args.gaps,
        overshoot=getattr(args, "overshoot", False), floor_start=getattr(args, "floor_start", False),
    )


def session_from_args(args) -> SessionConfig:
    import numpy as np

    from sensors.simulation import SessionConfig, draw_sensor_imus
    names = [n.strip() for n in args.session.split(",") if n.strip()]
    unknown = [n for n in names if n not in EXERCISES]
    if unknown or not names:
        raise UserError(f"--session: unknown exercise {unknown[0] if unknown else '(none)'!r} "
                        f"(one or more of {', '.join(EXERCISES)}, comma-separated)")
    lo, hi = args.rest
    if not 5 <= lo <= hi:
        raise UserError(f"--rest {lo:g} {hi:g}: need 5 ≤ MIN_S ≤ MAX_S")
    sets = tuple(config_from_args(args, n) for n in names)
    imu, placements = sets[0].imu, sets[0].placements
    # several sensors: each its own sample clock (1–3 % off nominal), jitter and drops, on one host clock
    own = draw_sensor_imus(imu, len(placements), np.random.default_rng([args.seed, 1])) if len(placements) > 1 else None
    return SessionConfig(sets, placements, sets[0].rates_hz, (lo, hi), imu, sensor_imus=own)


def run(args) -> int:
    from sensors.recording import write_recording
    from sensors.simulation import simulate_set
    from sensors.simulation import simulate_session

    try:
        if args.session is not None:
            result = simulate_session(session_from_args(args), args.seed)
        else:
            result = simulate_set(config_from_args(args, args.exercise), args.seed)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    placements = result.config.placements
    out = Path(args.output)
    if out.parent and not out.parent.exists():
        out.parent.mkdir(parents=True)
    write_recording(out, result.meta, result.streams)
    truth_path = truth_path_for(out)
    truth_path.write_text(json.dumps(result.truth, indent=1) + "\n")
    n = sum(len(s) for s in result.streams)
    print(f"wrote {out} ({n} samples, {', '.join(placements)}) and {truth_path}")
    return 0

