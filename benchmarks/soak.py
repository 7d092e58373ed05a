"""Soak: a whole training session through the streaming analyzer, faster than real time.

    python benchmarks/soak.py [--hours 2] [--batch-s 0.04]

Simulates `--hours` of two sensors (pelvis + thigh, 100 Hz): 66 sets per 2 h of 10 hip thrusts, each set begun by
~36 s of standing still (the rest after the previous one), one strap position for the whole session. The stream
goes through `StreamingAnalyzer(auto_end_rest_s=30)` in 40-ms BLE-like batches, as fast as it will go. Prints:

- sets performed and sets ended (with the reasons): every set should end once, by the rest;
- how many `SetEnded` reports equal the offline analysis (`analyze_set`) of that set's samples;
- the cost per sample pushed (µs) and as a share of real time;
- memory per 10 sets: the peak traced allocation (tracemalloc) and the process's resident size; flat = bounded.

tracemalloc makes allocation-heavy code ~4× slower, so by default it traces the last set of every 10 (the peak
comes from the settling and end-of-set analyses every set runs) and the cost is timed on the other sets;
`--trace-all` traces every set (the exact peak per 10 sets, ~3× the run time).
"""
from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
import os
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.pipeline import ImuSeries, analyze_set  # noqa: E402
from analysis.streaming import SetEnded, StreamingAnalyzer, batches_in_time_order  # noqa: E402
from analysis.tempo import parse_tempo  # noqa: E402
from sensors.simulation import SimConfig, simulate_set  # noqa: E402

RATE_HZ = 100.0
PLACEMENTS = ("pelvis", "thigh_left")
MOUNTING = ((0.8, 0.2, -0.4, 0.4), (0.3, -0.6, 0.1, 0.73))  # wxyz per placement, the same all session
SETS_PER_2H = 66
REST_S = 36.0
REST_END_S = 30.0
DISTINCT_SETS = 6  # simulated once each, then repeated (the simulator is slower than the analyzer)
TEMPO = "3-1-1-2"


def simulate_sets(n: int) -> list[list[ImuSeries]]:
    """`n` distinct simulated sets (times from 0), each a series per placement."""
    out = []
    for seed in range(n):
        cfg = SimConfig(reps=10, tempo_jitter=0.1, placements=PLACEMENTS, rates_hz=(RATE_HZ,) * 2,
                        standing_s=REST_S, fidget=False, mounting=MOUNTING)
        sim = simulate_set(cfg, 300 + seed)
        out.append([ImuSeries(s.info.placement, s.t_s - s.t_s[0], s.acc_mps2, s.gyr_rads) for s in sim.streams])
    return out


@dataclass
class Recent:
    """The last few sets' samples per sensor (bounded), to analyse an ended set offline."""

    chunks: dict = field(default_factory=lambda: {p: deque(maxlen=3) for p in PLACEMENTS})

    def add(self, series: list[ImuSeries]) -> None:
        for s in series:
            self.chunks[s.placement].append(s)

    def between(self, placement: str, t0: float, t1: float) -> ImuSeries:
        parts = list(self.chunks[placement])
        t = np.concatenate([p.t_s for p in parts])
        keep = (t >= t0) & (t <= t1)
        return ImuSeries(placement, t[keep], np.concatenate([p.acc_mps2 for p in parts])[keep],
                         np.concatenate([p.gyr_rads for p in parts])[keep])


@dataclass
class Tally:
    ended: list = field(default_factory=list)  # reasons
    equal: int = 0
    pushed: int = 0
    push_s: float = 0.0
    memory: list = field(default_factory=list)  # (sets streamed, peak traced MB, resident MB)


def check_set(e: SetEnded, recent: Recent, cutoff: dict[str, float], tempo, tally: Tally) -> None:
    """Compare the set's report with the offline analysis of the samples the analyzer had for it."""
    # the set's span: it ends half a sample after its last sample (the rest may have begun before the set ended)
    series = [recent.between(p, e.start_s, min(e.end_s, cutoff[p])) for p in PLACEMENTS]
    offline = analyze_set(series, "hip_thrust", tempo)
    tally.equal += int(offline.reps == e.report.reps and offline.tilt_reference == e.report.tilt_reference)
    tally.ended.append(e.reason)


def resident_mb() -> float:
    """The process's resident set size (MB; NaN where /proc is not available)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6
    except (OSError, ValueError, IndexError):
        return float("nan")


def stream_set(sa, series, recent, last_t, tempo, batch_s, tally, timed: bool) -> None:
    """Push one simulated set (with its lead-in rest) and check every set that ends meanwhile."""
    for placement, t, a, g in batches_in_time_order(series, batch_s):
        before = dict(last_t)
        t0 = time.perf_counter()
        events = sa.push(placement, t, a, g)
        if timed:
            tally.push_s += time.perf_counter() - t0
            tally.pushed += len(t)
        last_t[placement] = float(t[-1])
        for e in events:
            if isinstance(e, SetEnded):  # a set too long is closed before this batch goes in
                check_set(e, recent, before if e.reason == "set too long" else last_t, tempo, tally)


def run(hours: float, batch_s: float, trace_all: bool) -> tuple[Tally, int, float, float]:
    n_sets = max(1, round(SETS_PER_2H * hours / 2.0))
    sims = simulate_sets(min(DISTINCT_SETS, n_sets))
    tempo = parse_tempo(TEMPO)
    sa = StreamingAnalyzer("hip_thrust", {p: RATE_HZ for p in PLACEMENTS}, tempo, auto_end_rest_s=REST_END_S)
    recent, tally = Recent(), Tally()
    last_t = {p: -np.inf for p in PLACEMENTS}
    offset, wall0 = 0.0, time.perf_counter()
    if trace_all:
        tracemalloc.start()
    for k in range(n_sets):
        traced = trace_all or k % 10 == 9
        if traced and not trace_all:
            tracemalloc.start()
        series = [ImuSeries(s.placement, s.t_s + offset, s.acc_mps2, s.gyr_rads) for s in sims[k % len(sims)]]
        recent.add(series)
        stream_set(sa, series, recent, last_t, tempo, batch_s, tally, timed=not traced or trace_all)
        offset = max(s.t_s[-1] for s in series) + 1.0 / RATE_HZ
        if k % 10 == 9:
            tally.memory.append((k + 1, tracemalloc.get_traced_memory()[1] / 1e6, resident_mb()))
            tracemalloc.reset_peak()
            if not trace_all:
                tracemalloc.stop()
    for e in sa.end_set("stream end"):
        if isinstance(e, SetEnded):
            check_set(e, recent, last_t, tempo, tally)
    tracemalloc.stop()
    return tally, n_sets, offset, time.perf_counter() - wall0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hours", type=float, default=2.0, help="session length (66 sets per 2 h)")
    ap.add_argument("--batch-s", type=float, default=0.04, help="samples per push, s (a BLE connection event)")
    ap.add_argument("--trace-all", action="store_true", help="trace every set (exact peaks; slower)")
    args = ap.parse_args()
    tally, n_sets, stream_s, wall = run(args.hours, args.batch_s, args.trace_all)
    reasons = ", ".join(f"{n} {r}" for r, n in Counter(tally.ended).most_common())
    print(f"soak: {stream_s / 3600:.2f} h simulated, {len(PLACEMENTS)} sensors at {RATE_HZ:g} Hz, "
          f"{args.batch_s * 1000:.0f} ms batches, rest end {REST_END_S:g} s; run in {wall:.0f} s "
          f"({stream_s / wall:.0f}× real time, offline checks included)")
    print(f"sets performed {n_sets}, sets ended {len(tally.ended)} ({reasons})")
    print(f"SetEnded equal to the offline analysis of the set's samples: {tally.equal}/{len(tally.ended)}")
    share = tally.push_s / (tally.pushed / (RATE_HZ * len(PLACEMENTS)))
    print(f"cost: {tally.push_s / tally.pushed * 1e6:.1f} µs per sample, {share:.1%} of real time"
          + (" (under tracemalloc)" if args.trace_all else " (untraced sets)"))
    if tally.memory:
        which = "per 10 sets" if args.trace_all else "in the last set of every 10"
        print(f"memory: peak traced allocation {which} (MB): " + " ".join(f"{m[1]:.1f}" for m in tally.memory))
        print("memory: resident size after every 10 sets (MB): " + " ".join(f"{m[2]:.0f}" for m in tally.memory))


if __name__ == "__main__":
    main()
