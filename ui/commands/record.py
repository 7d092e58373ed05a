"""`repscope record`: stream one or two BLE sensors into a recording (format v1) until Ctrl-C or --duration, with a
live status line per sensor; then print the analysis of what was recorded: every set, each one's exercise given
(`--exercise`) or recognised.

The file is written crash-safely as samples arrive; a drop-out is reconnected and marked in the file as a gap.
"""
from __future__ import annotations

import datetime as dt
import math
import sys
import time
from pathlib import Path

from typing import TYPE_CHECKING

from sensors.exercises import EXERCISES
from analysis.tempo import TempoError, format_tempo, parse_tempo
from sensors.exercises import PLACEMENTS
from ui.errors import UserError
from ui.history.store import check_load_kg

if TYPE_CHECKING:  # the BLE stack (bleak, asyncio) is imported when a sensor is used, not for --help
    from sensors.ble import BleSensorSource, DeviceSpec
    from sensors.recording import RecordingMeta
    from sensors.source import SourceStatus

STAND_STILL_S = 2.0


def register(sub) -> None:
    p = sub.add_parser("record", help="record BLE sensors to a file, then analyse it", description=__doc__)
    add_device_arguments(p)
    p.add_argument("--exercise", choices=EXERCISES,
                   help="the exercise of every set (default: each set's is recognised when the file is analysed)")
    p.add_argument("--tempo", help="prescribed tempo E-B-C-T, e.g. 3-1-1-2")
    p.add_argument("--side", choices=("left", "right"), help="working leg on single-leg moves")
    p.add_argument("-o", "--output", type=Path,
                   help="recording to write (default: <time>-<exercise>.csv in recordings/ of the user's data folder)")
    p.add_argument("--duration", type=float, metavar="S", help="stop after S seconds (default: Ctrl-C)")
    add_history_arguments(p)
    p.set_defaults(func=run)


def add_history_arguments(p) -> None:
    """The workout goes into the training history when it ends (record, live)."""
    from ui.commands.import_ import add_annotation_arguments
    from ui.history.db import add_db_argument

    add_annotation_arguments(p)
    add_db_argument(p)
    p.add_argument("--no-history", action="store_true", help="do not add the recording to the training history")


def add_device_arguments(p) -> None:
    p.add_argument("--device", action="append", required=True, metavar="ADDR",
                   help="sensor address from `repscope scan` (repeat for two)")
    p.add_argument("--placement", action="append", choices=PLACEMENTS,
                   help="where each --device is strapped, in the same order")
    p.add_argument("--model", action="append",
                   help="device model key per --device when its name is not recognised "
                        "(witmotion, thingy52, polar, diy)")
    p.add_argument("--rate-hz", type=float, default=100.0,
                   help="sample rate to configure (nearest supported; default 100)")
    p.add_argument("--give-up", type=float, default=60.0, metavar="S",
                   help="stop reconnecting after S seconds without a link (default 60)")


def device_specs(args) -> list[DeviceSpec]:
    from sensors.ble import DeviceSpec

    devices = args.device or []
    placements = args.placement or []
    if len(devices) > 2:
        raise UserError("--device: at most two sensors")
    if len(placements) != len(devices):
        raise UserError(
            "--placement: give one per --device, in the same order (e.g. --placement pelvis --placement thigh_left)"
        )
    models = args.model or [None] * len(devices)
    if len(models) == 1 and len(devices) == 2:
        models = models * 2
    if len(models) != len(devices):
        raise UserError("--model: give one per --device, or one for all")
    return [DeviceSpec(d, p, m) for d, p, m in zip(devices, placements, models)]


def ble_source_from_args(args, backend=None) -> BleSensorSource:
    from sensors.ble import BleSensorSource
    from sensors.source import SourceError

    try:
        return BleSensorSource(
            device_specs(args), rate_hz=args.rate_hz, backend=backend, give_up_s=getattr(args, "give_up", 60.0)
        )
    except SourceError as exc:
        raise UserError(str(exc)) from None


def status_line(statuses: tuple[SourceStatus, ...], recorded_s: float) -> str:
    parts = []
    for st in statuses:
        rate = "–" if not math.isfinite(st.rate_hz) else f"{st.rate_hz:.0f} Hz"
        extra = "".join([
            f", {st.malformed} bad" if st.malformed else "",
            f", {st.late} late" if st.late else "",
            f", battery {st.battery_pct} %" if st.battery_pct is not None else "",
        ])
        parts.append(f"{st.sensor_id}: {st.state} {rate}, dropped {st.dropped}{extra}")
    return f"[{recorded_s:6.1f} s] " + " | ".join(parts)


async def record_session(
    source, path: Path, meta: RecordingMeta, duration_s: float | None = None, out=None
) -> tuple[int, str | None]:
    """Stream `source` into `path` until `duration_s` (or cancellation); returns (samples, error or None).
    Status lines go to `out` (default: the current stderr)."""
    from sensors.recording import RecordingWriter

    out = out or sys.stderr
    await source.start()
    print("connected: " + ", ".join(
        f"{s.placement} = {s.model} {s.address} at {s.rate_hz:g} Hz" for s in source.sensors
    ), file=out)
    print(f"stand still for {STAND_STILL_S:g} s (upright, as at the start of the set)…", file=out)
    n = 0
    t_start = None
    said_go = False
    last_status = 0.0
    writer = RecordingWriter(path, meta, list(source.sensors))
    try:
        async for batch in source.batches():
            if batch.gap_before:  # the writer marks the gap in the file
                print(f"\n{batch.sensor_id}: {batch.dropped or 'some'} samples lost before {batch.t_s[0]:.2f} s "
                      "(gap marked)", file=out)
            writer.write(batch)
            n += len(batch)
            if t_start is None:
                t_start = float(batch.t_s[0])
            now = float(batch.t_s[-1]) - t_start
            if not said_go and now >= STAND_STILL_S:
                print("go — start the set (Ctrl-C to stop)", file=out)
                said_go = True
            wall = time.monotonic()
            if wall - last_status >= 0.5:
                last_status = wall
                print("\r" + status_line(source.status(), now), end="", file=out, flush=True)
            if duration_s is not None and now >= duration_s:
                break
    finally:
        writer.close()
        await source.close()
        print(file=out)
    return n, getattr(source, "error", None)


def _tempo_of(args):
    """The `--tempo` argument parsed (None when not given)."""
    if not args.tempo:
        return None
    try:
        return parse_tempo(args.tempo)
    except TempoError as exc:
        raise UserError(f"--tempo: {exc}") from None


def _new_recording_path(args) -> Path:
    """Where this session records: `--output` or a new file in the data folder; never an existing file."""
    from ui.session import default_recording_path

    path = args.output or default_recording_path(args.exercise)
    if path.exists():
        raise UserError(f"{path}: file exists; choose a new name (recordings are never overwritten)")
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _stream_to(source, path: Path, meta, duration_s, marker) -> tuple[int, str | None]:
    """Record until the duration or Ctrl-C (samples: −1 after Ctrl-C); a source or file error is one user line."""
    import asyncio

    from sensors.recording import RecordingError
    from sensors.source import SourceError

    try:
        return asyncio.run(record_session(source, path, meta, duration_s))
    except (SourceError, RecordingError) as exc:
        marker.done()
        raise UserError(str(exc)) from None
    except KeyboardInterrupt:
        return -1, None  # Ctrl-C: the file is closed by record_session's finally


def _analyse_and_keep(args, path: Path, marker) -> int:
    """Print what `analyze` prints for the recording and add it to the history (unless `--no-history`)."""
    from ui.commands.analyze import format_session
    from ui.file_analysis import analyze_file
    from ui.history.recovery import add_recordings

    try:
        _, session = analyze_file(str(path))
    except UserError as exc:
        marker.done()
        print(f"repscope: could not analyse the recording: {exc}", file=sys.stderr)
        return 1
    print(format_session(session, str(path)))
    if not getattr(args, "no_history", True):
        add_recordings([path], args.db, [], athlete=args.athlete, load_kg=args.load_kg)
    marker.done()
    return 0


def run(args, backend=None) -> int:
    from sensors.recording import RecordingMeta
    from ui.history.recovery import Unfinished, recover_unfinished, unfinished_dir

    tempo = _tempo_of(args)
    check_load_kg(getattr(args, "load_kg", None))
    recover_unfinished(getattr(args, "db", None))  # a killed session's recording first
    path = _new_recording_path(args)
    source = ble_source_from_args(args, backend)
    meta = RecordingMeta(
        exercise=args.exercise, side=args.side, tempo=format_tempo(tempo) if tempo else None,
        start_utc=dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    marker = Unfinished(unfinished_dir(), path, history=not getattr(args, "no_history", True))
    n, error = _stream_to(source, path, meta, args.duration, marker)
    print(f"recorded to {path.resolve()}" + (f" ({n} samples)" if n >= 0 else ""))
    if error:
        print(f"repscope: warning: {error}", file=sys.stderr)
    if _analyse_and_keep(args, path, marker):
        return 1
    return 1 if error else 0
