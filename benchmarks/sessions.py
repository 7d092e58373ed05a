"""Set detection and exercise recognition on simulated workouts.

    python benchmarks/sessions.py [--sessions 12] [--seed 1] [--kind hard|easy] [--sensors 1|2] [--all] [--verbose]

Each workout has 3–5 sets of random exercises (a pelvis or a thigh sensor, random mounting, 52–104 Hz), 45–120 s
rests of standing, walking, turning and sitting, and is analysed without an exercise, as `repscope analyze FILE`
does. Sets match one-to-one on time IoU ≥ 0.5 (`analysis/evaluation.py`). Prints set precision and recall, exercise
accuracy (overall and per
exercise), rep count exact on the matched sets, the share of workouts with every set right, and the confusions.
`--kind hard` (the default) uses the harder simulator as `benchmarks/accuracy.py --kind hard` does (its sensor
errors for the session's sensor; per-rep onset profiles; settle lifts, quick re-racks and station moves with its
probabilities, shorter pauses and eccentrics, band walks of lead and trail steps); `--kind easy` is the earlier
draw. `--sensors 2` draws two-sensor workouts as the independent simulator does: a pelvis and a thigh sensor,
each its own random mounting, noise, bias and sample clock (1–3 % off nominal, own jitter and drops) on one host
clock with an origin of 5–5000 s, every exercise (seated abduction and clamshell thigh-led, the pelvis barely
moving); the analysis gets both streams.
`--all` draws from every recognisable registry entry (the newer ones too: a pelvis sees the hinge, a thigh the
lying kickback and the fire hydrant); without it the pools are the first six exercises', so that figures stay
comparable with earlier rounds. A single-leg set works the sensor's leg.
Targets (issue 12): set precision/recall ≥ 0.98, exercise ≥ 0.95, counts ≥ 0.97, whole workouts ≥ 0.8.
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.evaluation import match_sets  # noqa: E402
from analysis.pipeline import ImuSeries  # noqa: E402
from analysis.session import analyze_session  # noqa: E402
from benchmarks.accuracy import HARD, hard_imu  # noqa: E402
from sensors.exercises import BY_NAME, EXERCISES  # noqa: E402
from sensors.simulation import SimConfig  # noqa: E402
from sensors.simulation import SessionConfig, draw_sensor_imus, simulate_session  # noqa: E402

PELVIS_EXERCISES = ("hip_thrust", "single_leg_hip_thrust", "glute_bridge", "lateral_band_walk")
THIGH_EXERCISES = ("hip_thrust", "glute_bridge", "seated_hip_abduction", "clamshell", "lateral_band_walk")
FIRST_SIX = EXERCISES[:6]  # the pools of earlier rounds
# the newer recognisable entries: a pelvis-led one on a pelvis, thigh-led ones on a thigh, all with two sensors
NEWER = tuple(e.name for e in BY_NAME.values() if e.recognisable and e.name not in FIRST_SIX)
PELVIS_NEWER = tuple(n for n in NEWER if not BY_NAME[n].thigh_led)
THIGH_NEWER = tuple(n for n in NEWER if BY_NAME[n].thigh_led)


def random_set(ex: str, placement: str | tuple[str, ...], rate: float | tuple[float, ...],
               rng: np.random.Generator) -> SimConfig:
    placements = (placement,) if isinstance(placement, str) else placement
    rates = (rate,) * len(placements) if isinstance(rate, float) else rate
    common = dict(placements=placements, rates_hz=rates)
    if ex == "lateral_band_walk":
        return SimConfig(exercise=ex, reps=int(rng.integers(6, 17)), eccentric_s=0.45, bottom_pause_s=0.1,
                         concentric_s=0.45, top_pause_s=float(rng.uniform(0.1, 0.4)), **common)
    side = str(rng.choice(["left", "right"])) if ex == "single_leg_hip_thrust" else None
    thighs = [p[len("thigh_"):] for p in placements if p.startswith("thigh")]
    if BY_NAME[ex].single_leg and BY_NAME[ex].thigh_led and thighs:
        side = thighs[0]  # the sensor's leg works (the other leg's set is another set)
    return SimConfig(
        exercise=ex, reps=int(rng.integers(3, 13)), eccentric_s=float(rng.choice([2, 3, 4])),
        bottom_pause_s=float(rng.choice([0.5, 1, 2])), concentric_s=float(rng.choice([1, 1.5])),
        top_pause_s=float(rng.choice([0.5, 1, 2])), side=side, **common,
    )


def hard_set(cfg: SimConfig, rng: np.random.Generator) -> SimConfig:
    """A set of the earlier draw made harder (sensor errors come from the session's IMU)."""
    if cfg.exercise == "lateral_band_walk":  # lead and trail steps, as in the accuracy benchmark's hard draw
        return replace(cfg, reps=2 * (cfg.reps // 2), onsets="per_rep", band_steps="lead_trail")
    return replace(
        cfg, onsets="per_rep", eccentric_s=float(rng.choice(HARD.eccentric_s)),
        top_pause_s=float(rng.choice(HARD.top_pause_s)), bottom_pause_s=float(rng.choice(HARD.bottom_pause_s)),
        settle_lift=bool(rng.random() < HARD.settle_lift), quick_rerack=bool(rng.random() < HARD.quick_rerack),
        station_moves=BY_NAME[cfg.exercise].thigh_led and rng.random() < HARD.station_moves,
    )


def random_session(rng: np.random.Generator, hard: bool = False, every: bool = False) -> SessionConfig:
    placement = str(rng.choice(["pelvis", "thigh_left", "thigh_right"]))
    rate = float(rng.choice([52, 100, 104]))
    pool = PELVIS_EXERCISES if placement == "pelvis" else THIGH_EXERCISES
    if every:
        pool += PELVIS_NEWER if placement == "pelvis" else THIGH_NEWER
    names = [str(rng.choice(pool)) for _ in range(int(rng.integers(3, 6)))]
    sets = tuple(random_set(n, placement, rate, rng) for n in names)
    if not hard:
        return SessionConfig(sets, (placement,), (rate,), rest_s=(45.0, 120.0))
    sets = tuple(hard_set(c, rng) for c in sets)
    return SessionConfig(sets, (placement,), (rate,), rest_s=(45.0, 120.0), imu=hard_imu(rng))


TWO_SENSOR_RATES_HZ = (52.0, 100.0, 104.0)
TIME_OFFSET_S = (5.0, 5000.0)


def two_sensor_session(rng: np.random.Generator, hard: bool = True, every: bool = False) -> SessionConfig:
    """A workout seen by a pelvis and a thigh sensor: any exercises; each sensor its own clock, jitter and drops."""
    placements = ("pelvis", str(rng.choice(["thigh_left", "thigh_right"])))
    rate = float(rng.choice(TWO_SENSOR_RATES_HZ))
    pool = FIRST_SIX + NEWER if every else FIRST_SIX
    names = [str(rng.choice(pool)) for _ in range(int(rng.integers(3, 6)))]
    sets = tuple(random_set(n, placements, (rate, rate), rng) for n in names)
    imu = hard_imu(rng) if hard else SessionConfig(sets).imu
    if hard:
        sets = tuple(hard_set(c, rng) for c in sets)
    return SessionConfig(sets, placements, (rate, rate), rest_s=(45.0, 120.0), imu=imu,
                         sensor_imus=draw_sensor_imus(imu, 2, rng), time_offset_s=float(rng.uniform(*TIME_OFFSET_S)))


def _count(t: dict) -> int:
    return t["step_count"] or t["rep_count"]


def _args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=12)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--kind", choices=("hard", "easy"), default="hard")
    ap.add_argument("--sensors", type=int, choices=(1, 2), default=1, help="sensors per workout (2: pelvis + thigh)")
    ap.add_argument("--all", action="store_true", help="every recognisable exercise, the newer ones too")
    ap.add_argument("--verbose", action="store_true", help="print every set that is not right")
    return ap.parse_args()


def main() -> int:
    args = _args()
    rng = np.random.default_rng(args.seed)
    n_true = n_found = n_matched = n_ex = n_count = n_whole = 0
    per_ex = defaultdict(lambda: [0, 0])
    confusion = Counter()
    t_analysis = []
    t0 = time.perf_counter()
    for workout in range(args.sessions):
        draw = random_session if args.sensors == 1 else two_sensor_session
        sim = simulate_session(draw(rng, args.kind == "hard", args.all), int(rng.integers(2**31)))
        s = sim.streams[-1]  # named in the verbose lines: the one sensor, or the thigh
        t1 = time.perf_counter()
        found = analyze_session([ImuSeries(x.info.placement, x.t_s, x.acc_mps2, x.gyr_rads)
                                 for x in sim.streams]).sets
        t_analysis.append(time.perf_counter() - t1)
        truth = sim.truth["sets"]
        pairs = [(truth[i], found[j]) for i, j in match_sets([(t["start_s"], t["end_s"]) for t in truth],
                                                             [(f.start_s, f.end_s) for f in found])]
        n_true += len(truth)
        n_found += len(found)
        n_matched += len(pairs)
        right = 0
        for t, f in pairs:
            ok_ex = f.exercise == t["exercise"]
            ok_n = (len(f.report.steps) or len(f.report.reps)) == _count(t)
            n_ex += ok_ex
            n_count += ok_n
            right += ok_ex and ok_n
            if args.verbose and not (ok_ex and ok_n):
                print(f"  workout {workout}: {t['exercise']} ({s.info.placement}) {_count(t)} → {f.exercise} "
                      f"{len(f.report.steps) or len(f.report.reps)} at {t['start_s']:.0f} s")
            per_ex[t["exercise"]][0] += ok_ex
            per_ex[t["exercise"]][1] += 1
            confusion[(t["exercise"], f.exercise)] += 1
        if args.verbose:
            for f in found:
                if all(f is not g for _, g in pairs):
                    print(f"  workout {workout}: spurious {f.exercise} {len(f.report.steps) or len(f.report.reps)}"
                          f" at {f.start_s:.0f}–{f.end_s:.0f} s ({s.info.placement})")
        matched = {id(t) for t, _ in pairs}
        confusion.update((t["exercise"], "missed") for t in truth if id(t) not in matched)
        n_whole += right == len(truth) and len(found) == len(truth)
    elapsed = time.perf_counter() - t0
    print(f"session benchmark ({args.kind} draw, {args.sensors} sensor{'s' * (args.sensors > 1)}): "
          f"{args.sessions} simulated workouts, {n_true} sets "
          f"(seed {args.seed}), {elapsed:.0f} s")
    print(f"set precision {n_matched / max(n_found, 1):.3f}   recall {n_matched / max(n_true, 1):.3f}   "
          f"(target ≥ 0.98)")
    print(f"exercise recognised {n_ex / max(n_matched, 1):.3f} of matched sets (target ≥ 0.95)")
    for ex, (ok, n) in sorted(per_ex.items()):
        print(f"  {ex:<24} {ok}/{n}")
    print(f"rep/step count exact {n_count / max(n_matched, 1):.3f} of matched sets (target ≥ 0.97)")
    print(f"workouts with every set right {n_whole}/{args.sessions} (target ≥ 0.8)")
    print(f"analysis time per workout: median {np.median(t_analysis):.1f} s")
    for (want, got), n in sorted(confusion.items()):
        if want != got:
            print(f"  confusion: {want} -> {got}: {n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
