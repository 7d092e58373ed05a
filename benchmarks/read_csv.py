"""Reading a generic CSV: the fast path (pandas' C parser, vectorised checks) against the validating path.

    python benchmarks/read_csv.py [--minutes 60] [--repeat 5]

Writes one generic CSV of `minutes` of one sensor at 100 Hz (repscope's own column names, `repr` numbers, a
`#` comment line, a sensor at rest with noise), then times in the same run, interleaved, the CPU seconds of
  fast       = `read_recording(FILE, placement=…)` (the path every well-formed generic CSV takes),
  validating = the line-by-line validating reader (`np.loadtxt`) that names a bad file's line,
checks the two give bit-identical arrays, and prints the medians and their ratio.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sensors.recording as recording  # noqa: E402

RATE_HZ = 100.0
COLUMNS = "time_s,acc_x_mps2,acc_y_mps2,acc_z_mps2,gyr_x_rads,gyr_y_rads,gyr_z_rads"


def write_csv(path: Path, minutes: float, seed: int = 0) -> int:
    rng = np.random.default_rng(seed)
    n = int(minutes * 60 * RATE_HZ)
    t = np.arange(n) / RATE_HZ
    acc = rng.normal(0, 0.05, (n, 3)) + [0.3, -0.2, 9.78]
    gyr = rng.normal(0, 0.02, (n, 3))
    block = np.column_stack([t, acc, gyr]).tolist()
    with open(path, "w", encoding="utf-8") as f:
        f.write("# a one-sensor export\n" + COLUMNS + "\n")
        f.write("".join(",".join(map(repr, row)) + "\n" for row in block))
    return n


def cpu(fn) -> tuple[float, object]:
    t0 = time.process_time()
    out = fn()
    return time.process_time() - t0, out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "hour.csv"
        n = write_csv(path, args.minutes)
        fast_s, slow_s = [], []
        for _ in range(args.repeat):
            dt, fast = cpu(lambda: recording.read_recording(path, placement="pelvis"))
            fast_s.append(dt)
            dt, slow = cpu(lambda: recording._read_validating(str(path), path.read_bytes(), "pelvis"))
            slow_s.append(dt)
        a, b = fast.streams[0], slow.streams[0]
        pairs = ((a.t_s, b.t_s), (a.acc_mps2, b.acc_mps2), (a.gyr_rads, b.gyr_rads))
        same = all(np.array_equal(x, y) for x, y in pairs)
    f, s = statistics.median(fast_s), statistics.median(slow_s)
    print(f"generic CSV, {args.minutes:g} min × 1 sensor × {RATE_HZ:g} Hz = {n} rows;"
          f" median of {args.repeat} (CPU s)")
    print(f"  fast path        {f:6.3f} s")
    print(f"  validating path  {s:6.3f} s")
    print(f"  ratio            {s / f:6.1f}× faster; results bit-identical: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
