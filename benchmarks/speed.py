"""Speed of `analyze` end to end from a file: a 1-hour, two-sensor, 100 Hz recording.

    python benchmarks/speed.py [--minutes 60] [--repeat 3]

Builds the recording once (simulated sets back to back, pelvis + thigh), then times, in the same run:
  bare  = one pass of the orientation library (vqf.offlineVQF) over the same samples of both sensors,
  ours  = `repscope analyze FILE --json` work: read + validate the file, orientation, segmentation, metrics, JSON.
Prints medians, the ratio ours/bare (target ≤ 2×) and ours as a multiple of real time (target ≥ 5,000×).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import vqf  # noqa: E402

from analysis.pipeline import ImuSeries, analyze_set  # noqa: E402
from analysis.serialize import report_to_dict  # noqa: E402
from sensors.batch import SensorInfo  # noqa: E402
from sensors.recording import RecordingMeta, SensorStream, read_recording, write_recording  # noqa: E402
from sensors.simulate import SimConfig, simulate_set  # noqa: E402


MOUNTING = ((0.9, 0.3, -0.2, 0.25), (0.5, -0.5, 0.5, 0.5))  # one strap-on for the whole session


def build_recording(path: Path, minutes: float) -> float:
    """Concatenate simulated hip-thrust sets until `minutes` of data; returns the duration in s."""
    parts = {"pelvis": [], "thigh_left": []}
    offset = 0.0
    seed = 0
    while offset < minutes * 60:
        res = simulate_set(SimConfig(reps=12, placements=("pelvis", "thigh_left"), rates_hz=(100.0, 100.0), mounting=MOUNTING), seed)
        seed += 1
        end = max(s.t_s[-1] for s in res.streams)
        for s in res.streams:
            parts[s.info.placement].append((s.t_s + offset, s.acc_mps2, s.gyr_rads))
        offset += end + 0.05
    streams = []
    for p, chunks in parts.items():
        t = np.concatenate([c[0] for c in chunks])
        keep = t < minutes * 60
        streams.append(SensorStream(SensorInfo(p, p, "sim", 100.0), t[keep], np.concatenate([c[1] for c in chunks])[keep],
                                    np.concatenate([c[2] for c in chunks])[keep]))
    write_recording(path, RecordingMeta(exercise="hip_thrust", tempo="3-1-1-1", simulated=True), streams)
    return minutes * 60


def bare_pass(rec) -> None:
    for s in rec.streams:
        vqf.offlineVQF(np.ascontiguousarray(s.gyr_rads), np.ascontiguousarray(s.acc_mps2), None, 0.01)


def ours(path: Path) -> int:
    rec = read_recording(path)
    report = analyze_set([ImuSeries(s.placement, s.t_s, s.acc_mps2, s.gyr_rads) for s in rec.streams], "hip_thrust")
    json.dumps(report_to_dict(report))
    return len(report.reps)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "hour.csv"
        t0 = time.perf_counter()
        duration = build_recording(path, args.minutes)
        print(f"built {duration / 60:.0f} min, 2 sensors × 100 Hz ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t0:.0f} s")
        rec = read_recording(path)
        bare, full = [], []
        reps = 0
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            bare_pass(rec)
            bare.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            reps = ours(path)
            full.append(time.perf_counter() - t0)
    b, f = statistics.median(bare), statistics.median(full)
    print(f"bare vqf.offlineVQF pass, both sensors: median {b:.2f} s")
    print(f"repscope analyze end to end from the file: median {f:.2f} s ({reps} reps)")
    print(f"ratio ours/bare {f / b:.2f}× (target ≤ 2×); real time {duration / f:,.0f}× (target ≥ 5,000×)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
