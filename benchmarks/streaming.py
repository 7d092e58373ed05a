"""Streaming analyzer: event delay against the simulator's truth, per-sample cost, and memory over a long stream.

    python benchmarks/streaming.py [--sets 6] [--hours 2] [--rates 50 100 200 400]

1. Delay (50, 100, 200, 400 Hz; pelvis + thigh; 40 ms BLE-like batches): for every true phase boundary, the time
   from the boundary to the push that delivered the matching `PhaseChanged` (the phase that begins there); for
   every rep, from the true end of its lowering to the push that delivered `RepCompleted`. Target p99 ≤ 150 ms.
   Phases named late (`PhaseChanged.named_late`: withheld until the axis's sense was known) are counted apart.
   Also how far the live estimate of each boundary is from the truth, and whether the final reps equal offline.
2. Cost: CPU time per sample pushed (µs; `time.process_time`, so other load on the machine counts less), as a share
   of real time, the set's end (its one offline analysis) included; `live`: the pushes alone (the per-sample path
   and the provisional settles); beside it one real-time `vqf.VQF` pass over the same samples (the orientation
   alone), same run.
3. Memory: a `--hours` stream (sets back to back, 100 Hz, one sensor) with the peak traced allocation sampled
   along the way; bounded means the last hour's peak is no higher than the first's.
4. First rep (`--first-rep N`): N sets of each of the easy and the hard draw (`benchmarks/accuracy.py`, every
   exercise, each at 50, 100, 200 or 400 Hz) and the shared independent sample `../shared/data/heldout-dev/cases/`
   when present, streamed as `live` runs them (the exercise given, sets ending by themselves): whether every rep of
   the final report was announced (`RepCompleted`, the first included) after a `SetStarted`, whether every phase of
   the final reps was named live with no label the final reps contradict (`label_check`), and the delay of the
   phase events after the true boundary (p50, p99) and of the first rep's announcement after its lowering ends.
5. Workout (`--workouts`): a simulated workout (hip thrust, single-leg hip thrust, glute bridge; rests with
   walking) streamed as `live` runs it (sets end by themselves), with the exercise recognised per set and with
   one given: CPU per sample, sets recognised right, and whether every set ended equal to `repscope analyze` of
   the recording with the set marks the stream wrote.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import vqf

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.pipeline import ImuSeries, analyze_set  # noqa: E402
from analysis.streaming import (  # noqa: E402
    PhaseChanged, RepCompleted, SetEnded, SetStarted, StreamingAnalyzer, batches_in_time_order, stream_series,
)
from analysis.tempo import parse_tempo  # noqa: E402
from sensors.simulation import SimConfig, simulate_set  # noqa: E402

BATCH_S = 0.04  # a BLE connection interval's worth of samples
RATES = (50.0, 100.0, 200.0, 400.0)


def _series(res):
    return [ImuSeries(s.info.placement, s.t_s, s.acc_mps2, s.gyr_rads) for s in res.streams]


def delay_run(rate_hz: float, seed: int):
    cfg = SimConfig(
        reps=8, placements=("pelvis", "thigh_left"), rates_hz=(rate_hz, rate_hz),
        faults=(("rushed", (3,)), ("no_top_pause", (5,))),
    )
    res = simulate_set(cfg, seed)
    series = _series(res)
    tempo = parse_tempo(cfg.tempo_string)
    sa = StreamingAnalyzer("hip_thrust", {s.placement: rate_hz for s in series}, tempo)
    arrivals = []  # (push time = newest sample of the batch, event)
    n = 0
    t0 = time.process_time()
    for placement, t, a, g in batches_in_time_order(series, BATCH_S):
        for e in sa.push(placement, t, a, g):
            arrivals.append((float(t[-1]), e))
        n += len(t)
    live_cpu = time.process_time() - t0
    final = sa.end_set("stream end")
    cpu = time.process_time() - t0
    duration = max(s.t_s[-1] - s.t_s[0] for s in series)
    phase_delay, phase_err, rep_delay = [], [], []
    truth = res.truth["reps"]
    # phases named live (not `named_late`: those the tracker withheld until the axis's sense was known)
    phases = [e for _, e in arrivals if isinstance(e, PhaseChanged) and not getattr(e, "named_late", False)]
    late = [e for _, e in arrivals if isinstance(e, PhaseChanged) and getattr(e, "named_late", False)]
    named_late = 0
    pushed = {id(e): t for t, e in arrivals}
    for rep in truth:
        for ph in rep["phases"]:
            # the event for the phase beginning at this boundary, nearest in its estimated start
            cands = [e for e in phases if e.phase == ph["name"] and abs(e.start_s - ph["start_s"]) < 0.6]
            if ph["name"] == "concentric" and rep["index"] > 1:
                continue  # same instant as the previous rep's bottom pause end, counted there
            if not cands:
                if any(e.phase == ph["name"] and abs(e.start_s - ph["start_s"]) < 0.6 for e in late):
                    named_late += 1
                else:
                    phase_delay.append(np.inf)
                continue
            e = min(cands, key=lambda e: abs(e.start_s - ph["start_s"]))
            phase_delay.append(pushed[id(e)] - ph["start_s"])
            phase_err.append(e.start_s - ph["start_s"])
        ecc_end = rep["phases"][2]["end_s"]
        done = [
            pushed[id(e)] for _, e in arrivals
            if isinstance(e, RepCompleted) and abs(e.rep.start_s - rep["start_s"]) < 0.5
        ]
        rep_delay.append(done[0] - ecc_end if done else np.inf)
    t0 = time.process_time()
    for x in series:  # the orientation alone, batch by batch as the stream sees it
        f = vqf.VQF(1.0 / rate_hz)
        for placement, t, a, g in batches_in_time_order([x], BATCH_S):
            f.updateBatch(np.ascontiguousarray(g), np.ascontiguousarray(a))
    vqf_us = (time.process_time() - t0) / n * 1e6
    offline = analyze_set(series, "hip_thrust", tempo)
    same = [e for e in final if isinstance(e, SetEnded)][0].report.reps == offline.reps
    # how often the live announcement already equals the final word (boundaries within one sample, same faults)
    agree = []
    for _, e in arrivals:
        if isinstance(e, RepCompleted):
            match = [r for r in offline.reps if abs(r.start_s - e.rep.start_s) < 0.5]
            if not match:
                agree.append((False, False))
                continue
            r = match[0]
            bounds = max(
                max(abs(p.start_s - q.start_s), abs(p.end_s - q.end_s)) for p, q in zip(e.rep.phases[:3], r.phases[:3])
            )
            agree.append((bounds <= 1.0 / rate_hz + 1e-9, e.rep.faults == r.faults))
    return (phase_delay, phase_err, rep_delay, cpu / n * 1e6, cpu / duration, same, agree, vqf_us, live_cpu / n * 1e6,
            named_late)


LABEL_MATCH_S = 0.35  # a live phase label within this of a final phase of its name is that phase


def label_check(events, reps) -> tuple[list, list]:
    """The phases of the final `reps` (and the bottom pause after the last) never named live by a `PhaseChanged`
    of their name starting within LABEL_MATCH_S, and the live labels inside the set that no final phase of their
    name backs (a label the end of the set contradicts): two lists of (phase, start_s)."""
    finals = [(p.name, p.start_s) for r in reps for p in r.phases]
    if reps and reps[-1].phase("bottom_pause") is None:
        finals.append(("bottom_pause", reps[-1].phase("eccentric").end_s))
    live = [(e.phase, e.start_s) for e in events if isinstance(e, PhaseChanged)]
    if not reps:
        return [], []
    lo, hi = reps[0].start_s - LABEL_MATCH_S, reps[-1].phase("eccentric").end_s + LABEL_MATCH_S
    missing = [f for f in finals if not any(n == f[0] and abs(t - f[1]) < LABEL_MATCH_S for n, t in live)]
    wrong = [x for x in live if lo <= x[1] <= hi
             and not any(n == x[0] and abs(t - x[1]) < LABEL_MATCH_S for n, t in finals)]
    return missing, wrong


def first_rep_run(series, exercise: str, tempo, side, truth_reps: list[dict]) -> dict:
    """One set streamed as `live` runs it (exercise given, sets ending by themselves, 40-ms batches): what was
    announced against the final reps and how late against the truth (module docstring, part 4)."""
    sa = StreamingAnalyzer(exercise, {s.placement: 1.0 / float(np.median(np.diff(s.t_s))) for s in series}, tempo,
                           side, auto_end_rest_s=30.0)
    arrivals = []
    for placement, t, a, g in batches_in_time_order(series, BATCH_S):
        arrivals += [(float(t[-1]), e) for e in sa.push(placement, t, a, g)]
    arrivals += [(sa.now_s, e) for e in sa.end_set("stream end")]
    events = [e for _, e in arrivals]
    reps = [r for e in events if isinstance(e, SetEnded) for r in e.report.reps]
    announced = [e.rep for e in events if isinstance(e, RepCompleted)]
    first_done = next((i for i, e in enumerate(events) if isinstance(e, RepCompleted)), None)
    started = first_done is not None and any(isinstance(e, SetStarted) for e in events[:first_done])
    every = all(any(abs(a.start_s - r.start_s) < 0.5 for a in announced) for r in reps)
    missing, wrong = label_check(events, reps)
    delays, live_delays, by_phase = [], [], {}
    for rep in truth_reps:
        for ph in rep["phases"]:
            cands = [(t, e) for t, e in arrivals if isinstance(e, PhaseChanged) and e.phase == ph["name"]
                     and abs(e.start_s - ph["start_s"]) < 0.6]
            best = min(cands, key=lambda c: abs(c[1].start_s - ph["start_s"])) if cands else None
            delays.append(best[0] - ph["start_s"] if best else np.inf)
            if best and not best[1].named_late:
                live_delays.append(best[0] - ph["start_s"])
                by_phase.setdefault(ph["name"], []).append(best[0] - ph["start_s"])
    rep1 = np.inf
    if truth_reps:
        ecc_end = truth_reps[0]["phases"][2]["end_s"]
        done = [t for t, e in arrivals if isinstance(e, RepCompleted) and abs(e.rep.start_s - truth_reps[0]["start_s"])
                < 0.5]
        rep1 = done[0] - ecc_end if done else np.inf
    return {"reps": len(reps), "true_reps": len(truth_reps), "every": every and bool(reps), "started": started,
            "missing": missing, "wrong": wrong, "delays": delays, "live_delays": live_delays, "by_phase": by_phase,
            "rep1": rep1,
            "events": events}


def first_rep_sets(n: int, seed: int = 1):
    """(label, series, exercise, tempo, side, truth reps) of n easy-draw and n hard-draw sets (each at one of the
    four rates) and of the shared independent sample's rep sets when present."""
    from dataclasses import replace

    from benchmarks.accuracy import hard_config, random_config

    for kind, draw in (("easy", random_config), ("hard", hard_config)):
        rng = np.random.default_rng(seed)
        for i in range(n):
            cfg = draw(rng)
            cfg = replace(cfg, rates_hz=(RATES[i % len(RATES)],) * len(cfg.placements))
            res = simulate_set(cfg, int(rng.integers(1 << 30)))
            yield (f"{kind} {i} {cfg.exercise} {cfg.rates_hz[0]:.0f}Hz", _series(res), cfg.exercise,
                   parse_tempo(cfg.tempo_string), cfg.side, res.truth["reps"])
    yield from shared_sets()


def shared_sets():
    """The shared independent sample's rep sets (`../shared/data/heldout-dev/cases/`), when present."""
    import json

    from sensors.recording import read_recording

    root = Path(__file__).resolve().parents[2] / "shared" / "data" / "heldout-dev" / "cases"
    for path in sorted(root.glob("*.csv")):
        truth = json.loads(path.with_suffix(".truth.json").read_text())
        if not truth.get("reps"):
            continue
        rec = read_recording(path, placement=truth["placement"])
        series = [ImuSeries(s.info.placement, s.t_s, s.acc_mps2, s.gyr_rads) for s in rec.streams]
        tempo = parse_tempo(truth["tempo"]) if truth.get("tempo") else None
        side = truth.get("side")
        yield f"shared {path.stem} {truth['exercise']}", series, truth["exercise"], tempo, side, truth["reps"]


def first_rep_report(n: int, verbose: bool) -> None:
    rows = []
    for label, series, ex, tempo, side, truth in first_rep_sets(n):
        r = first_rep_run(series, ex, tempo, side, truth)
        rows.append((label, r))
        if verbose and (not r["every"] or not r["started"] or r["missing"] or r["wrong"]):
            print(f"  {label}: reps {r['reps']}/{r['true_reps']} every={r['every']} started={r['started']}"
                  f" missing={[(n, round(t, 2)) for n, t in r['missing']]}"
                  f" wrong={[(n, round(t, 2)) for n, t in r['wrong']]}")
    for group in ("easy", "hard", "shared"):
        mine = [r for label, r in rows if label.startswith(group)]
        if not mine:
            continue
        d = np.array([x for r in mine for x in r["delays"]])
        ok = np.isfinite(d)
        rep1 = np.array([r["rep1"] for r in mine])
        live = np.array([x for r in mine for x in r["live_delays"]])
        print(f"first rep, {group} ({len(mine)} sets): every rep announced {sum(r['every'] for r in mine)},"
              f" SetStarted first {sum(r['started'] for r in mine)}, phases all named"
              f" {sum(not r['missing'] for r in mine)}, no contradicted label {sum(not r['wrong'] for r in mine)}"
              f" ({sum(len(r['wrong']) for r in mine)} labels); phase delay p50 {np.median(d[ok]) * 1000:.0f} ms,"
              f" p99 {np.percentile(d[ok], 99) * 1000:.0f} ms, unmatched {int((~ok).sum())}/{len(d)}; named live"
              f" {len(live)}: p50 {np.median(live) * 1000:.0f} ms, p99 {np.percentile(live, 99) * 1000:.0f} ms;"
              f" rep 1 announced after its lowering p50"
              f" {np.median(rep1[np.isfinite(rep1)]) * 1000:.0f} ms, never {int((~np.isfinite(rep1)).sum())}")
        for name in ("concentric", "top_pause", "eccentric", "bottom_pause"):
            x = np.array([v for r in mine for v in r["by_phase"].get(name, [])]) * 1000
            if x.size:
                print(f"  named live, {name}: {x.size}, p50 {np.median(x):.0f} ms, p95 {np.percentile(x, 95):.0f} ms,"
                      f" p99 {np.percentile(x, 99):.0f} ms")


def memory_run(hours: float) -> list[tuple[float, float]]:
    res = simulate_set(SimConfig(reps=10), 7)
    s = res.streams[0]
    period = s.t_s[-1] - s.t_s[0] + 0.01
    sa = StreamingAnalyzer("hip_thrust", {"pelvis": 1.0 / float(np.median(np.diff(s.t_s)))}, auto_end_rest_s=None)
    tracemalloc.start()
    samples = []
    offset = 0.0
    k = 0
    while offset < hours * 3600:
        for _, t, a, g in batches_in_time_order(
            [ImuSeries("pelvis", s.t_s - s.t_s[0] + offset, s.acc_mps2, s.gyr_rads)], 0.1
        ):
            sa.push("pelvis", t, a, g)
        sa.end_set("user")
        offset += period
        k += 1
        if k % 10 == 0:
            _, peak = tracemalloc.get_traced_memory()
            samples.append((offset / 3600, peak / 1e6))
            tracemalloc.reset_peak()
    tracemalloc.stop()
    return samples


def workout_run(seed: int) -> list[tuple[str, float, int, int, int]]:
    """(mode, µs per sample, sets, sets right, sets equal to offline) for one simulated workout."""
    from analysis.session import analyze_session
    from sensors.recording import Event
    from sensors.simulation import SessionConfig, simulate_session

    kw = {"placements": ("pelvis",), "rates_hz": (100.0,)}
    sets = (SimConfig(exercise="hip_thrust", reps=6, **kw), SimConfig(exercise="single_leg_hip_thrust", reps=5, **kw),
            SimConfig(exercise="glute_bridge", reps=5, **kw))
    sim = simulate_session(SessionConfig(sets, ("pelvis",), (100.0,), rest_s=(45.0, 90.0)), seed)
    series = _series(sim)
    truth = [(t["exercise"], t["rep_count"]) for t in sim.truth["sets"]]
    out = []
    for mode, exercise in (("recognised", None), ("given", "hip_thrust")):
        t0 = time.process_time()
        _, events = stream_series(series, exercise, batch_s=BATCH_S, auto_end_rest_s=30.0)
        us = (time.process_time() - t0) / len(series[0].t_s) * 1e6
        ended = [e for e in events if isinstance(e, SetEnded) and e.report.reps]
        marks = [m for e in ended for m in (Event("set_start", None, e.start_s), Event("set_end", None, e.end_s))]
        offline = analyze_session(series, exercise, events=marks).sets
        right = sum((e.report.exercise, len(e.report.reps)) == t if exercise is None else len(e.report.reps) == t[1]
                    for e, t in zip(ended, truth))
        equal = sum(e.report.reps == o.report.reps and e.report.exercise == o.exercise for e, o in zip(ended, offline))
        out.append((mode, us, len(ended), right, equal if len(offline) == len(ended) else 0))
    return out


def delay_report(sets: int, rates) -> None:
    """Part 1 and 2 of the module docstring: delays and cost per rate."""
    print(f"delay: {sets} sets × 8 reps per rate, pelvis + thigh, {BATCH_S * 1000:.0f} ms batches")
    print(f"{'rate':>6} {'phase p50':>10} {'p99':>7} {'missed':>6} {'|start err| p50':>16} {'p95':>6} "
          f"{'rep p50':>8} {'p99':>7} {'µs/sample':>10} {'live':>6} {'VQF µs':>7} {'CPU/real':>9}"
          f" {'final=offline':>13}")
    for rate in rates:
        pd, pe, rd, us, share, same, agree, vq, live, late = [], [], [], [], [], [], [], [], [], 0
        for seed in range(sets):
            a, b, c, d, e, f, g, h, i, j = delay_run(rate, 100 + seed)
            late += j
            vq.append(h)
            live.append(i)
            pd += a
            pe += b
            rd += c
            us.append(d)
            share.append(e)
            same.append(f)
            agree += g
        pd, rd = np.array(pd), np.array(rd)
        ok = np.isfinite(pd)
        print(
            f"{rate:>4.0f}Hz {np.median(pd[ok]) * 1000:>8.0f}ms {np.percentile(pd[ok], 99) * 1000:>5.0f}ms"
            f" {int((~ok).sum()):>6}"
            f" {np.median(np.abs(pe)) * 1000:>14.0f}ms {np.percentile(np.abs(pe), 95) * 1000:>4.0f}ms"
            f" {np.median(rd[np.isfinite(rd)]) * 1000:>6.0f}ms {np.percentile(rd[np.isfinite(rd)], 99) * 1000:>5.0f}ms"
            f" {statistics.median(us):>10.1f} {statistics.median(live):>6.1f} {statistics.median(vq):>7.1f}"
            f" {statistics.median(share):>8.1%}"
            f" {sum(same):>7}/{len(same)}"
            f"   live rep = final: bounds {sum(a for a, _ in agree)}/{len(agree)},"
            f" faults {sum(b for _, b in agree)}/{len(agree)}; named late {late}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", type=int, default=6, help="simulated sets per rate")
    ap.add_argument("--hours", type=float, default=2.0, help="length of the memory run (0: none)")
    ap.add_argument("--rates", type=float, nargs="+", default=[50.0, 100.0, 200.0, 400.0], help="sample rates, Hz")
    ap.add_argument("--workouts", type=int, default=1, help="simulated workouts for the workout run (0: none)")
    ap.add_argument("--first-rep", type=int, default=0, help="easy and hard simulated sets for the first-rep sweep")
    ap.add_argument("--verbose", action="store_true", help="first-rep sweep: name each set that fails a check")
    args = ap.parse_args()
    if args.first_rep > 0:
        first_rep_report(args.first_rep, args.verbose)
    if args.sets > 0:
        delay_report(args.sets, args.rates)
    if args.workouts > 0:
        rows = [r for seed in range(args.workouts) for r in workout_run(200 + seed)]
        for mode in ("recognised", "given"):
            mine = [r for r in rows if r[0] == mode]
            print(f"workout ({mode} exercise, 100 Hz pelvis, sets end by themselves): "
                  f"{statistics.median(r[1] for r in mine):.1f} µs/sample, sets {sum(r[2] for r in mine)} "
                  f"(of {3 * args.workouts}), right {sum(r[3] for r in mine)}, "
                  f"equal to analyze {sum(r[4] for r in mine)}")
    if args.hours > 0:
        t0 = time.perf_counter()
        mem = memory_run(args.hours)
        el = time.perf_counter() - t0
        first = [m for h, m in mem if h <= args.hours / 2] or [float("nan")]  # a short run may sample only once
        last = [m for h, m in mem if h > args.hours / 2] or [float("nan")]
        print(
            f"memory: {args.hours:g} h stream at 100 Hz in {el:.0f} s ({args.hours * 3600 / el:.0f}× real time);"
            f" peak traced"
            f" allocation per 10 sets: first half max {max(first):.1f} MB, second half max {max(last):.1f} MB"
        )


if __name__ == "__main__":
    main()
