"""Reading a generic CSV: the fast path (numpy or pandas parse, vectorised checks) against the validating path.

    python benchmarks/read_csv.py [--minutes 60] [--repeat 5]

Writes one generic CSV of `minutes` of one sensor at 100 Hz (repscope's own column names, `repr` numbers, a
`#` comment line, a sensor at rest with noise), then times in the same run, interleaved, the CPU seconds of
  fast       = `read_recording(FILE, placement=…)` (the path every well-formed generic CSV takes: numpy parses
               bodies up to `ReadParams.numpy_parse_max_bytes`, pandas longer ones), with no cache beside the file
               (a first read: the parse, and the cache written),
  cached     = the same once an earlier read left its binary cache (`sensors/cache.py`),
  numpy      = the same with numpy's parse whatever the size (no cache),
  pandas     = the same with pandas' parse whatever the size (pandas already imported; its import is timed
               apart, as a child `python -c "import numpy, pandas"` minus `python -c "import numpy"`; no cache),
  validating = the line-by-line validating reader (`np.loadtxt`) that names a bad file's line,
checks that all give bit-identical arrays, and prints the medians and ratios.
"""
from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sensors import cache, recording

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


def child_cpu_s(code: str) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-c", code], check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def read_with_limit(path: Path, limit: int):
    """`read_recording` with numpy's parse allowed up to `limit` bytes (0: pandas always)."""
    return recording.read_recording(path, placement="pelvis", params=recording.ReadParams(numpy_parse_max_bytes=limit))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    import pandas  # noqa: F401  (imported once here, so the pandas figure is its parse alone)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "hour.csv"
        n = write_csv(path, args.minutes)
        cases = {
            "fast path, first read": lambda: recording.read_recording(path, placement="pelvis"),
            "fast path, cached": lambda: recording.read_recording(path, placement="pelvis"),
            "fast path, numpy parse": lambda: read_with_limit(path, 1 << 62),
            "fast path, pandas parse": lambda: read_with_limit(path, 0),
            "validating path": lambda: recording.read_validating(str(path), path.read_bytes(), "pelvis").recording,
        }
        times: dict[str, list[float]] = {k: [] for k in cases}
        imports = []
        recs = {}
        for _ in range(args.repeat):
            for name, fn in cases.items():
                if name != "fast path, cached":  # the first read before it writes the cache it reads
                    cache.drop(path)
                dt, recs[name] = cpu(fn)
                times[name].append(dt)
            imports.append(child_cpu_s("import numpy, pandas") - child_cpu_s("import numpy"))
        ref = recs["validating path"].streams[0]
        same = all(np.array_equal(getattr(r.streams[0], a), getattr(ref, a))
                   for r in recs.values() for a in ("t_s", "acc_mps2", "gyr_rads"))
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"generic CSV, {args.minutes:g} min × 1 sensor × {RATE_HZ:g} Hz = {n} rows "
          f"(numpy parses bodies up to {recording.ReadParams().numpy_parse_max_bytes / 1e6:g} MB);"
          f" median of {args.repeat} (CPU s)")
    for name, t in med.items():
        print(f"  {name:<26} {t:6.3f} s = {med['validating path'] / t:5.1f}× faster than validating")
    print(f"  importing pandas (child)   {statistics.median(imports):6.3f} s "
          "(paid by the pandas parse in a fresh process)")
    print(f"  results bit-identical: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
