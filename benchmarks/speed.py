"""Speed and memory of `analyze` from a file, at the hour: a workout (many sets) and one long set, 100 Hz.

    python benchmarks/speed.py [--load workout|long-set|both] [--minutes 60] [--repeat 3]

Builds each recording once, then measures, in the same run:
  workout   = an hour of hip-thrust sets as a real workout is (`simulate_session`: every set with its set-up, settle
              and re-rack, walks and rests between), the pelvis sensor, a generic CSV with full-precision numbers,
              `analyze FILE --placement pelvis --exercise hip_thrust --json` (the user's case: many sets),
  long-set  = simulated sets back to back as one long set, pelvis + thigh, a v1 file, `analyze FILE --json`;
and for each:
  bare      = one pass of the orientation library (vqf.offlineVQF) over the same samples of every sensor,
  in-process = the command's work inside this process (`ui.cli.main`: read + validate the file, orientation,
              segmentation, metrics, JSON), start-up excluded,
  process   = the whole command as a user runs it, `python -m ui.cli analyze FILE … --json` in a child process
              (start-up included): CPU seconds of the child (user + sys, `resource` RUSAGE_CHILDREN),
  first read / cached = each of these with no binary cache beside the file (the CSV parsed, the cache written:
              what a file costs the first time) and with the cache an earlier read left (`sensors/cache.py`),
  short     = the same command on the first 10 s of the recording: start-up and fixed costs (a file this short
              is never cached); `process − short` is the marginal cost of the hour,
  memory    = the child's peak resident set (VmHWM, Linux) on the hour minus that on the 10-s file, per sample row
              (every sensor's rows), and the peak traced allocation (tracemalloc) of reading and of analysing; the
              floor beside it: `offlineVQF` itself over the largest sensor, its outputs (traced) and its resident
              peak above its inputs (a child's VmHWM: its C++ working arrays, which tracemalloc does not see).
Prints medians, the ratios to bare (target ≤ 2×), real time (target ≥ 5,000×) and bytes per row (target ≤ 100).
The CLI runs one BLAS thread (OPENBLAS_NUM_THREADS=1, `ui/cli.py`), so the figures are with one.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import vqf  # noqa: E402

from sensors import cache  # noqa: E402
from sensors.batch import SensorInfo  # noqa: E402
from sensors.recording import RecordingMeta, SensorStream, read_recording, write_recording  # noqa: E402
from sensors.simulation import SimConfig, simulate_set  # noqa: E402
from sensors.simulation import SessionConfig, simulate_session  # noqa: E402
from ui.cli import main as cli_main  # noqa: E402

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

# offlineVQF's own resident peak (its C++ working arrays, which tracemalloc does not see): a child reads the
# recording as `analyze` does, then runs one pass over the largest sensor; it prints VmHWM before and after (kB).
VQF_CHILD = (
    "import sys\n"
    "import numpy as np, vqf\n"
    "from sensors.recording import read_recording\n"
    "def hwm():\n"
    "    return int([ln.split()[1] for ln in open('/proc/self/status') if ln.startswith('VmHWM:')][0])\n"
    "rec = read_recording(sys.argv[1], placement=None if sys.argv[2] == '-' else sys.argv[2])\n"
    "s = max(rec.streams, key=lambda s: len(s.t_s))\n"
    "gyr, acc = np.ascontiguousarray(s.gyr_rads), np.ascontiguousarray(s.acc_mps2)\n"
    "before = hwm()\n"
    "vqf.offlineVQF(gyr, acc, None, 0.01)\n"
    "print(before, hwm(), len(s.t_s))\n"
)

MOUNTING = ((0.9, 0.3, -0.2, 0.25), (0.5, -0.5, 0.5, 0.5))  # one strap-on for the whole session


@dataclass(frozen=True)
class Load:
    """A recording to measure: its name, how to build it (path, minutes → duration s), the command's flags and the
    placement to read it with in-process."""

    name: str
    build: Callable[[Path, float], float]
    flags: tuple[str, ...]
    placement: str | None


def build_long_set(path: Path, minutes: float) -> float:
    """Concatenate simulated hip-thrust sets until `minutes` of data, two sensors, a v1 file; the duration in s."""
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



WORKOUT_SET = SimConfig(reps=20, eccentric_s=1.5, bottom_pause_s=0.3, concentric_s=1.0, top_pause_s=0.5,
                        settle_lift=True)
WORKOUT_REST_S = (14.0, 26.0)  # walks and rests between sets: ~35 sets of 20 reps in the hour


def build_workout(path: Path, minutes: float) -> float:
    """An hour of hip-thrust sets as a workout (`simulate_session`: set-ups, re-racks every third set quick, walks
    and rests), the pelvis at 100 Hz, cut at `minutes`, a generic CSV with full-precision numbers; duration in s."""
    n_sets = int(np.ceil(minutes * 60 / 95.0)) + 2  # a set and its rest take ~100 s: enough to fill the time
    sets = tuple(replace(WORKOUT_SET, quick_rerack=k % 3 == 0) for k in range(n_sets))
    st = simulate_session(SessionConfig(sets=sets, rest_s=WORKOUT_REST_S), 7).streams[0]
    keep = st.t_s < minutes * 60
    table = np.column_stack([st.t_s, st.acc_mps2, st.gyr_rads])[keep]
    np.savetxt(path, table, fmt="%.17g", delimiter=",", comments="",
               header="time_s,acc_x_mps2,acc_y_mps2,acc_z_mps2,gyr_x_rads,gyr_y_rads,gyr_z_rads")
    return minutes * 60


LOADS = {
    "workout": Load("workout", build_workout, ("--placement", "pelvis", "--exercise", "hip_thrust"), "pelvis"),
    "long-set": Load("long-set", build_long_set, (), None),
}


def bare_pass(rec) -> None:
    for s in rec.streams:
        vqf.offlineVQF(np.ascontiguousarray(s.gyr_rads), np.ascontiguousarray(s.acc_mps2), None, 0.01)


def ours(path: Path, load: Load) -> None:
    """The command's work in this process (its JSON written to nowhere)."""
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
        if cli_main(["analyze", str(path), *load.flags, "--json"]) != 0:
            raise SystemExit(f"analyze {path} failed")


def process(path: Path, load: Load, env: dict | None = None) -> tuple[float, float]:
    """CPU s (user + sys) and peak RSS (bytes) of `python -m ui.cli analyze path … --json` as a child process
    (`env`: added to its environment)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([sys.executable, "-c", CHILD, "analyze", str(path), *load.flags, "--json"], cwd=ROOT,
                          env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    last = done.stderr.strip().splitlines()[-1]
    if done.returncode != 0 or not last.startswith("maxrss_kb"):
        raise SystemExit(f"analyze {path} failed ({done.returncode}): {done.stderr[-300:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, int(last.split()[1]) * 1024


def traced_peaks(path: Path, load: Load) -> tuple[float, float, float]:
    """Peak traced allocation (bytes) while reading; while running the whole command in-process; and of one
    `offlineVQF` pass over the largest sensor's samples (the floor: the orientation library's own output)."""
    tracemalloc.start()
    rec = read_recording(path, placement=load.placement)
    _, read_peak = tracemalloc.get_traced_memory()
    big = max(rec.streams, key=lambda s: len(s.t_s))
    gyr, acc = np.ascontiguousarray(big.gyr_rads), np.ascontiguousarray(big.acc_mps2)
    del rec
    tracemalloc.reset_peak()
    base, _ = tracemalloc.get_traced_memory()
    out = vqf.offlineVQF(gyr, acc, None, 0.01)
    _, vqf_peak = tracemalloc.get_traced_memory()
    del out, gyr, acc, big
    tracemalloc.reset_peak()
    ours(path, load)
    _, analyze_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return read_peak, analyze_peak, vqf_peak - base


def vqf_floor_rss(path: Path, load: Load) -> float:
    """offlineVQF's resident peak above its inputs, bytes per row of the largest sensor (a child process)."""
    done = subprocess.run([sys.executable, "-c", VQF_CHILD, str(path), load.placement or "-"], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    before_kb, after_kb, rows = (int(x) for x in done.stdout.split())
    return (after_kb - before_kb) * 1024 / rows


def write_head(src: Path, dst: Path, seconds: float) -> None:
    """The recording's header and every sensor's samples before `seconds` (a short file, same start-up costs): a
    v1 file's time is its second column (after the sensor id), a generic CSV's its first."""
    column = None
    with open(src, encoding="utf-8") as f, open(dst, "w", encoding="utf-8") as out:
        for line in f:
            if column is None and not line.startswith("#"):  # the column header
                column = 1 if line.startswith("sensor,") else 0
                out.write(line)
            elif line.startswith("#") or float(line.split(",", column + 1)[column]) < seconds:
                out.write(line)


def measure(load: Load, minutes: float, repeat: int, tmp: Path) -> None:
    """Build the load's recording, measure it `repeat` times, print the medians."""
    path = tmp / f"{load.name}.csv"
    short = tmp / f"{load.name}-short.csv"
    t0 = time.perf_counter()
    duration = load.build(path, minutes)
    write_head(path, short, 10.0)
    rec = read_recording(path, placement=load.placement)
    rows = sum(len(s.t_s) for s in rec.streams)
    print(f"\n{load.name}: built {duration / 60:.0f} min, {len(rec.streams)} sensor(s) × 100 Hz "
          f"({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t0:.0f} s; "
          f"`analyze FILE {' '.join(load.flags)} --json`")
    fig = {k: [] for k in ("bare", "full", "full_cached", "proc", "proc_cached", "short", "rss", "rss_cached",
                           "rss_short")}
    for _ in range(repeat):
        t0 = time.process_time()
        bare_pass(rec)
        fig["bare"].append(time.process_time() - t0)
        for cached in (False, True):  # the first read parses the CSV and writes the cache the second reads
            if not cached:
                cache.drop(path)
            t0 = time.process_time()
            ours(path, load)
            fig["full_cached" if cached else "full"].append(time.process_time() - t0)
        for cached in (False, True):
            if not cached:
                cache.drop(path)
            cpu, peak = process(path, load)
            fig["proc_cached" if cached else "proc"].append(cpu)
            fig["rss_cached" if cached else "rss"].append(peak)
        cpu, peak = process(short, load)
        fig["short"].append(cpu)
        fig["rss_short"].append(peak)
    del rec
    cache.drop(path)
    read_peak, analyze_peak, vqf_peak = traced_peaks(path, load)
    read_peak_cached, analyze_peak_cached, _ = traced_peaks(path, load)
    report(fig, repeat, rows, duration, (read_peak, read_peak_cached, analyze_peak, analyze_peak_cached, vqf_peak,
                                         vqf_floor_rss(path, load)))


def report(fig: dict, repeat: int, rows: int, duration: float, peaks: tuple) -> None:
    m = {k: statistics.median(v) for k, v in fig.items()}
    b, ps = m["bare"], m["short"]
    print(f"CPU seconds, medians of {repeat}; {rows:,} sample rows; first read (no cache) / cached")
    print(f"bare vqf.offlineVQF pass, every sensor:            {b:.2f} s")
    for label, f, fc in (("analyze in-process (read + analyse + JSON)", m["full"], m["full_cached"]),
                         ("analyze as a process, incl. start-up", m["proc"], m["proc_cached"])):
        print(f"{label + ':':<51}{f:.2f} / {fc:.2f} s = {f / b:.2f}× / {fc / b:.2f}× bare; "
              f"{duration / f:,.0f}× / {duration / fc:,.0f}× real time (target ≥ 5,000×)")
    p, pc = m["proc"], m["proc_cached"]
    print(f"  the same on the first 10 s (start-up, fixed):    {ps:.2f} s; marginal cost of the recording "
          f"{p - ps:.2f} / {pc - ps:.2f} s = {(p - ps) / b:.2f}× / {(pc - ps) / b:.2f}× bare (target ≤ 2×)")
    per_row, per_row_cached = ((m[k] - m["rss_short"]) / rows for k in ("rss", "rss_cached"))
    print(f"memory: peak RSS of the process, {m['rss'] / 1e6:.0f} / {m['rss_cached'] / 1e6:.0f} MB on the recording, "
          f"{m['rss_short'] / 1e6:.0f} MB on 10 s: {per_row:.0f} / {per_row_cached:.0f} bytes per sample row "
          f"(target ≤ 100)")
    read_peak, read_peak_cached, analyze_peak, analyze_peak_cached, vqf_peak, vqf_rss = peaks
    print(f"  traced peak allocation: reading {read_peak / rows:.0f} / {read_peak_cached / rows:.0f} B/row, "
          f"the whole command in-process {analyze_peak / rows:.0f} / {analyze_peak_cached / rows:.0f} B/row; "
          f"offlineVQF alone over the largest sensor: its outputs {vqf_peak / rows:.0f} B/row traced, its resident "
          f"peak above its inputs {vqf_rss:.0f} B/row of that sensor (the floor of a whole-recording pass)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--load", choices=(*LOADS, "both"), default="both")
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for name in (LOADS if args.load == "both" else (args.load,)):
            measure(LOADS[name], args.minutes, args.repeat, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
