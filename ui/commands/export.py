"""`repscope export FILE -o OUT.csv`: per-sample orientation, movement angle, pelvis posture, phase and rep."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ui.errors import UserError
from ui.file_analysis import ReadOptions, read_file, trace_file
from ui.input_options import add_input_arguments

if TYPE_CHECKING:
    import numpy as np  # the analysis (scipy) is imported when a file is exported, not for --help
    from analysis.pipeline import SegmentTrace

COLUMNS = (
    "time_s", "quat_w", "quat_x", "quat_y", "quat_z", "segment_angle_deg", "tilt_sagittal_deg", "pelvic_drop_deg",
    "phase", "rep",
)


def register(sub) -> None:
    p = sub.add_parser(
        "export",
        help="per-sample time series (orientation, angle, tilt, drop, phase, rep) as CSV",
        description="One row per input sample: " + ", ".join(COLUMNS) + ". With two sensors a `sensor` column "
        "comes first (or pass --placement to export one).",
    )
    add_input_arguments(p)
    p.add_argument("--tempo", help="tempo E-B-C-T used for the phase labels' rep verdicts (optional)")
    p.add_argument("--tol-s", type=float, default=0.5)
    p.add_argument("--tol-frac", type=float, default=0.2)
    p.add_argument("-o", "--output", required=True, help="output CSV")
    p.set_defaults(func=run)


def label_samples(t_s: np.ndarray, report) -> tuple[np.ndarray, np.ndarray]:
    """Phase name and 1-based rep index per sample ('' / 0 outside reps). Phases are half-open [start, end)."""
    import numpy as np

    phase = np.full(len(t_s), "", dtype=object)
    rep = np.zeros(len(t_s), dtype=np.int64)
    for r in (report.reps if report is not None else ()):
        for p in r.phases:
            m = (t_s >= p.start_s) & (t_s < p.end_s)
            phase[m] = p.name
            rep[m] = r.index
    return phase, rep


def _fmt(x: float) -> str:
    return "" if not math.isfinite(x) else repr(round(float(x), 4))


def orientation_traces(rec, placement: str | None) -> tuple[SegmentTrace, ...]:
    """Orientation only (no exercise, so no movement angle, posture, phase or rep)."""
    import numpy as np

    from analysis.orientation import orientation_quat
    from analysis.pipeline import SegmentTrace

    streams = [s for s in rec.streams if placement is None or rec.generic or s.placement == placement]
    for s in streams:
        if len(s.t_s) < 2:
            raise UserError(f"{rec.path}: sensor {s.placement} has only {len(s.t_s)} samples")
    return tuple(SegmentTrace(s.placement, s.t_s, orientation_quat(s.t_s, s.acc_mps2, s.gyr_rads),
                              *(np.full(len(s.t_s), np.nan) for _ in range(3))) for s in streams)


def run(args) -> int:
    from analysis.serialize import report_to_dict

    options = ReadOptions.from_args(args)
    rec = read_file(args.file, options)
    if rec.meta.exercise is None:
        traces = orientation_traces(rec, args.placement)
        _write(args, traces, None, "# exercise: none given (pass --exercise for the movement angle, phases, reps)")
        print(f"wrote {args.output} ({sum(len(t.t_s) for t in traces)} rows, orientation only: no exercise given)")
        return 0
    rec, report, traces = trace_file(args.file, options, rec)
    summary = report_to_dict(report)["summary"]
    _write(args, traces, report, f"# exercise: {report.exercise}; primary sensor: {report.placement}; reps: "
           f"{summary['rep_count']}; tilt reference: {report.tilt_reference}")
    n = sum(len(t.t_s) for t in traces)
    print(f"wrote {args.output} ({n} rows, {summary['rep_count']} reps)")
    return 0


def _write(args, traces, report, about: str) -> None:
    """The CSV; without a `report` the angle (and every analysis column) stays empty."""
    multi = len(traces) > 1
    try:
        out = open(args.output, "w", encoding="utf-8", newline="\n")
    except OSError as exc:
        raise UserError(f"{args.output}: cannot write ({exc.strerror})") from None
    with out:
        out.write(f"# repscope export of {args.file}\n")
        out.write(about + "\n")
        out.write("# quaternion: sensor-to-earth, w x y z, earth z up, heading arbitrary; angles in deg; "
                  "pelvic_drop_deg + = left side lower\n")
        out.write(",".join((("sensor",) if multi else ()) + COLUMNS) + "\n")
        for tr in traces:
            phase, rep = label_samples(tr.t_s, report)
            prefix = f"{tr.placement}," if multi else ""
            q = tr.quat_wxyz
            primary = report is not None and tr.placement == report.placement
            lines = []
            for i in range(len(tr.t_s)):
                lines.append(
                    prefix + ",".join((
                        repr(float(tr.t_s[i])),
                        *(repr(round(float(v), 8)) for v in q[i]),
                        _fmt(tr.segment_angle_deg[i]) if primary else "",
                        _fmt(tr.tilt_sagittal_deg[i]),
                        _fmt(tr.pelvic_drop_deg[i]),
                        phase[i],
                        str(rep[i]) if rep[i] else "",
                    ))
                )
            out.write("\n".join(lines) + "\n")
