"""Speed and memory of `analyze` from a file: a 1-hour, two-sensor, 100 Hz recording (format v1).

    python benchmarks/speed.py [--minutes 60] [--repeat 3]

Builds the recording once (simulated sets back to back, pelvis + thigh), then measures, in the same run:
  bare      = one pass of the orientation library (vqf.offlineVQF) over the same samples of both sensors,
  in-process = `repscope analyze FILE --json` work inside this process: read + validate the file, orientation,
              segmentation, metrics, JSON,
  process   = the whole command as a user runs it, `python -m ui.cli analyze FILE --json` in a child process
              (start-up included): CPU seconds of the child (user + sys, `resource` RUSAGE_CHILDREN),
  first read / cached = each of these with no binary cache beside the file (the CSV parsed, the cache written:
              what a file costs the first time) and with the cache an earlier read left (`sensors/cache.py`),
  short     = the same command on the first 10 s of the recording: start-up and fixed costs (a file this short
              is never cached); `process − short` is the marginal cost of the hour,
  memory    = the child's peak resident set (VmHWM, Linux) on the hour minus that on the 10-s file, per sample row
              (both sensors' rows), and the peak traced allocation (tracemalloc) of reading and of analysing.
Prints medians, the ratios to bare (target ≤ 2×), real time (target ≥ 5,000×) and bytes per row (target ≤ 100).
The CLI runs one BLAS thread (OPENBLAS_NUM_THREADS=1, `ui/cli.py`), so the figures are with one.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import vqf  # noqa: E402

from analysis.pipeline import ImuSeries, analyze_set  # noqa: E402
from analysis.serialize import report_to_dict  # noqa: E402
from sensors import cache  # noqa: E402
from sensors.batch import SensorInfo  # noqa: E402
from sensors.recording import RecordingMeta, SensorStream, read_recording, write_recording  # noqa: E402
from sensors.simulate import SimConfig, simulate_set  # noqa: E402

# The child reports its own peak RSS (kB) on its last stderr line, whatever the command's exit: VmHWM, which
# starts afresh at exec (ru_maxrss would carry over the forked benchmark process's own size).
CHILD = (
    "import runpy, sys\n"
    "sys.argv = ['repscope'] + sys.argv[1:]\n"
    "try:\n    runpy.run_module('ui.cli', run_name='__main__')\n"
    "finally:\n"
    "    hwm = [line.split()[1] for line in open('/proc/self/status') if line.startswith('VmHWM:')]\n"
    "    print('maxrss_kb', hwm[0], file=sys.stderr)\n"
)

MOUNTING = ((0.9, 0.3, -0.2, 0.25), (0.5, -0.5, 0.5, 0.5))  # one strap-on for the whole session


def build_recording(path: Path, minutes: float) -> float:
    """Concatenate simulated hip-thrust sets until `minutes` of data; returns the duration in s."""
    parts = {"pelvis": [], "thigh_left": []}
    offset = 0.0
    seed = 0
    while offset < minutes * 60:
        res = simulate_set(
            SimConfig(reps=12, placements=("pelvis", "thigh_left"), rates_hz=(100.0, 100.0), mounting=MOUNTING), seed
        )
        seed += 1
        end = max(s.t_s[-1] for s in res.streams)
        for s in res.streams:
            parts[s.info.placement].append((s.t_s + offset, s.acc_mps2, s.gyr_rads))
        offset += end + 0.05
    streams = []
    for p, chunks in parts.items():
        t = np.concatenate([c[0] for c in chunks])
        keep = t < minutes * 60
        streams.append(SensorStream(SensorInfo(p, p, "sim", 100.0), t[keep],
                                    np.concatenate([c[1] for c in chunks])[keep],
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


def process(path: Path, env: dict | None = None) -> tuple[float, float]:
    """CPU s (user + sys) and peak RSS (bytes) of `python -m ui.cli analyze path --json` as a child process
    (`env`: added to its environment)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([sys.executable, "-c", CHILD, "analyze", str(path), "--json"], cwd=ROOT,
                          env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    last = done.stderr.strip().splitlines()[-1]
    if done.returncode != 0 or not last.startswith("maxrss_kb"):
        raise SystemExit(f"analyze {path} failed ({done.returncode}): {done.stderr[-300:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, int(last.split()[1]) * 1024


def traced_peaks(path: Path) -> tuple[float, float, int]:
    """Peak traced allocation (bytes) while reading, and while analysing the read recording; sample rows."""
    tracemalloc.start()
    rec = read_recording(path)
    _, read_peak = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    analyze_set([ImuSeries(s.placement, s.t_s, s.acc_mps2, s.gyr_rads) for s in rec.streams], "hip_thrust")
    _, analyze_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return read_peak, analyze_peak, sum(len(s.t_s) for s in rec.streams)


def write_head(src: Path, dst: Path, seconds: float) -> None:
    """The recording's header and every sensor's samples before `seconds` (a short file, same start-up costs)."""
    with open(src, encoding="utf-8") as f, open(dst, "w", encoding="utf-8") as out:
        for line in f:
            if line.startswith("#") or line.startswith("sensor,") or float(line.split(",", 2)[1]) < seconds:
                out.write(line)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "hour.csv"
        short = Path(tmp) / "short.csv"
        t0 = time.perf_counter()
        duration = build_recording(path, args.minutes)
        write_head(path, short, 10.0)
        print(f"built {duration / 60:.0f} min, 2 sensors × 100 Hz ({path.stat().st_size / 1e6:.0f} MB) "
              f"in {time.perf_counter() - t0:.0f} s")
        rec = read_recording(path)
        rows = sum(len(s.t_s) for s in rec.streams)
        fig = {k: [] for k in ("bare", "full", "full_cached", "proc", "proc_cached", "short", "rss", "rss_cached",
                               "rss_short")}
        reps = 0
        for _ in range(args.repeat):
            t0 = time.process_time()
            bare_pass(rec)
            fig["bare"].append(time.process_time() - t0)
            for cached in (False, True):  # the first read parses the CSV and writes the cache the second reads
                if not cached:
                    cache.drop(path)
                t0 = time.process_time()
                reps = ours(path)
                fig["full_cached" if cached else "full"].append(time.process_time() - t0)
            for cached in (False, True):
                if not cached:
                    cache.drop(path)
                cpu, peak = process(path)
                fig["proc_cached" if cached else "proc"].append(cpu)
                fig["rss_cached" if cached else "rss"].append(peak)
            cpu, peak = process(short)
            fig["short"].append(cpu)
            fig["rss_short"].append(peak)
        del rec
        cache.drop(path)
        read_peak, analyze_peak, _ = traced_peaks(path)
        read_peak_cached, _, _ = traced_peaks(path)
    m = {k: statistics.median(v) for k, v in fig.items()}
    b, ps = m["bare"], m["short"]
    print(f"CPU seconds, medians of {args.repeat}; {rows:,} sample rows; first read (no cache) / cached")
    print(f"bare vqf.offlineVQF pass, both sensors:            {b:.2f} s")
    for label, f, fc in (("analyze in-process (read + analyse + JSON)", m["full"], m["full_cached"]),
                         ("analyze as a process, incl. start-up", m["proc"], m["proc_cached"])):
        print(f"{label + ':':<51}{f:.2f} / {fc:.2f} s = {f / b:.2f}× / {fc / b:.2f}× bare; "
              f"{duration / f:,.0f}× / {duration / fc:,.0f}× real time")
    p, pc = m["proc"], m["proc_cached"]
    print(f"  the same on the first 10 s (start-up, fixed):    {ps:.2f} s; marginal cost of the recording "
          f"{p - ps:.2f} / {pc - ps:.2f} s = {(p - ps) / b:.2f}× / {(pc - ps) / b:.2f}× bare (target ≤ 2×); "
          f"{reps} reps; real time target ≥ 5,000×")
    per_row, per_row_cached = ((m[k] - m["rss_short"]) / rows for k in ("rss", "rss_cached"))
    print(f"memory: peak RSS of the process, {m['rss'] / 1e6:.0f} / {m['rss_cached'] / 1e6:.0f} MB on the recording, "
          f"{m['rss_short'] / 1e6:.0f} MB on 10 s: {per_row:.0f} / {per_row_cached:.0f} bytes per sample row "
          f"(target ≤ 100)")
    print(f"  traced peak allocation: reading {read_peak / rows:.0f} / {read_peak_cached / rows:.0f} B/row, "
          f"analysing the read recording {analyze_peak / rows:.0f} B/row")
    return 0


if __name__ == "__main__":
    sys.exit(main())
