"""Accuracy of `analyze` against the simulator's ground truth on a varied batch of sets.

    python benchmarks/accuracy.py [--sets 120] [--seed 1]

All rep exercises (plus a batch of lateral band walks: step count and side), random mountings, rates 50–400 Hz, tempo per set, IMU noise/bias, set-up and re-rack movement,
faults on random reps. Prints rep-count exact rate, median/p95 absolute error of each phase duration (ms),
RMSE of tilt and drop (deg), RMSE of the hip rise and concentric velocities, and precision/recall per fault. Targets (issue 3): count exact ≥ 99 %; eccentric and
pause durations median ≤ 40 ms, p95 ≤ 120 ms; tilt and drop RMSE ≤ 1.5°; every fault's precision/recall ≥ 0.95.
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.evaluation import add_faults, match_reps  # noqa: E402
from analysis.pipeline import ImuSeries, analyze_set  # noqa: E402
from analysis.results import FAULTS  # noqa: E402
from analysis.tempo import parse_tempo  # noqa: E402
from sensors.simulate import SimConfig, simulate_set  # noqa: E402

REP_EXERCISES = ("hip_thrust", "single_leg_hip_thrust", "glute_bridge", "seated_hip_abduction", "clamshell")
SIM_FAULT_CHOICES = {
    "hip_thrust": ("rushed", "no_top_pause", "momentum", "arch", "partial"),
    "single_leg_hip_thrust": ("rushed", "no_top_pause", "drop", "arch", "partial"),
    "glute_bridge": ("rushed", "no_top_pause", "momentum", "arch", "drop", "partial"),
    "seated_hip_abduction": ("rushed", "no_top_pause", "momentum", "partial"),
    "clamshell": ("rushed", "no_top_pause", "momentum", "partial"),
}


def _span_truth(rep: dict) -> tuple[float, float]:
    """A true rep's span: lift onset to lowering end."""
    return rep["start_s"], next(p["end_s"] for p in rep["phases"] if p["name"] == "eccentric")


def _span_found(rep) -> tuple[float, float]:
    return rep.start_s, rep.phase("eccentric").end_s


def random_config(rng: np.random.Generator) -> SimConfig:
    ex = str(rng.choice(REP_EXERCISES))
    reps = int(rng.integers(3, 16))
    if ex in ("seated_hip_abduction", "clamshell"):
        placements = (str(rng.choice(["thigh_left", "thigh_right"])),)
    elif rng.random() < 0.5:
        placements = ("pelvis",)
    else:
        placements = ("pelvis", str(rng.choice(["thigh_left", "thigh_right"])))
    rates = tuple(float(rng.choice([50, 52, 100, 104, 200, 400])) for _ in placements)
    ecc = float(rng.choice([2, 2.5, 3, 4, 5]))
    con = float(rng.choice([1, 1, 1.5, 2]))
    top = float(rng.choice([0.5, 1, 1, 2, 3]))
    bottom = float(rng.choice([0.5, 1, 1, 2]))
    faults = []
    n_faulted = int(rng.integers(0, max(1, reps // 3) + 1))
    for r in rng.choice(np.arange(1, reps + 1), size=n_faulted, replace=False):
        faults.append((str(rng.choice(SIM_FAULT_CHOICES[ex])), (int(r),)))
    side = str(rng.choice(["left", "right"])) if ex == "single_leg_hip_thrust" else None
    return SimConfig(
        exercise=ex, reps=reps, eccentric_s=ecc, bottom_pause_s=bottom, concentric_s=con, top_pause_s=top,
        placements=placements, rates_hz=rates, side=side, standing_s=float(rng.choice([0.0, 2.0, 2.0])),
        faults=tuple(faults),
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", type=int, default=120)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    exact = 0
    dur_err = defaultdict(list)
    tilt_err, drop_err = [], []
    confusion: dict = {}
    vel_err, vel_n = defaultdict(list), defaultdict(int)  # velocity-based-training figures (hip-extension lifts)
    t0 = time.perf_counter()
    for k in range(args.sets):
        cfg = random_config(rng)
        res = simulate_set(cfg, int(rng.integers(2**31)))
        series = [ImuSeries(s.info.placement, s.t_s, s.acc_mps2, s.gyr_rads) for s in res.streams]
        report = analyze_set(series, cfg.exercise, parse_tempo(cfg.tempo_string), cfg.side)
        truth = res.truth["reps"]
        if len(report.reps) == len(truth):
            exact += 1
        elif args.verbose:
            print(f"set {k}: {cfg.exercise} {cfg.placements} {cfg.rates_hz} {cfg.tempo_string} reps {len(report.reps)}/{len(truth)}")
        # reps matched one-to-one on their spans (analysis/evaluation.py: the rule every benchmark and test uses)
        pairs = match_reps([_span_truth(w) for w in truth], [_span_found(g) for g in report.reps])
        add_faults(confusion, [w["faults"] for w in truth], [g.faults for g in report.reps], pairs, FAULTS)
        for i, j in pairs:
            want, got = truth[i], report.reps[j]
            for name in ("concentric", "top_pause", "eccentric", "bottom_pause"):
                w = want[f"{name}_s"]
                g = getattr(got, f"{name}_s")
                if w is not None and g is not None:
                    dur_err[name].append(abs(g - w) * 1000)
            if want["tilt_sagittal_deg"] is not None and got.tilt_sagittal_deg is not None and "partial_rom" not in want["faults"]:
                ref = want["tilt_sagittal_deg"] if report.tilt_reference == "standing" else want["tilt_sagittal_set_deg"]
                tilt_err.append(got.tilt_sagittal_deg - ref)
            if want["pelvic_drop_deg"] is not None and got.pelvic_drop_deg is not None:
                drop_err.append(got.pelvic_drop_deg - want["pelvic_drop_deg"])
            for field in ("rise_m", "mean_concentric_velocity_mps", "peak_concentric_velocity_mps"):
                if want.get(field) is not None:
                    vel_n[field] += 1
                    if getattr(got, field) is not None:
                        vel_err[field].append(getattr(got, field) - want[field])
    walks_exact, side_ok, side_n = 0, 0, 0
    n_walks = max(10, args.sets // 6)
    for _ in range(n_walks):
        cfg = SimConfig(
            exercise="lateral_band_walk", reps=int(rng.integers(6, 21)), eccentric_s=0.45, bottom_pause_s=0.1,
            concentric_s=0.45, top_pause_s=float(rng.uniform(0.1, 0.4)),
            placements=("pelvis", str(rng.choice(["thigh_left", "thigh_right"]))),
            rates_hz=(float(rng.choice([50, 100, 200])),) * 2,
        )
        res = simulate_set(cfg, int(rng.integers(2**31)))
        report = analyze_set([ImuSeries(s.info.placement, s.t_s, s.acc_mps2, s.gyr_rads) for s in res.streams], cfg.exercise)
        truth = res.truth["steps"]
        if len(report.steps) == len(truth):
            walks_exact += 1
            side_ok += sum(g.side == w["side"] for g, w in zip(report.steps, truth))
            side_n += len(truth)
    elapsed = time.perf_counter() - t0
    print(f"accuracy benchmark: {args.sets} simulated sets (seed {args.seed}), {elapsed:.0f} s")
    print(f"rep count exact: {exact}/{args.sets} = {100 * exact / args.sets:.1f} %   (target ≥ 99 %)")
    print("phase duration abs error (ms):        median     p95     n   (target eccentric/pauses: ≤ 40 / ≤ 120)")
    for name in ("concentric", "top_pause", "eccentric", "bottom_pause"):
        e = np.array(dur_err[name])
        print(f"  {name:<14} {np.median(e):>21.0f} {np.percentile(e, 95):>7.0f} {len(e):>5}")
    rmse = lambda x: float(np.sqrt(np.mean(np.square(x)))) if len(x) else float("nan")  # noqa: E731
    print(f"tilt RMSE {rmse(tilt_err):.2f}° (n={len(tilt_err)})   drop RMSE {rmse(drop_err):.2f}° (n={len(drop_err)})   (target ≤ 1.5°)")
    print("rise / mean / peak concentric velocity RMSE (matched hip-extension reps; target 1.5 cm, 0.03 m/s):"
          f" {100 * rmse(vel_err['rise_m']):.1f} cm / {rmse(vel_err['mean_concentric_velocity_mps']):.3f} m/s /"
          f" {rmse(vel_err['peak_concentric_velocity_mps']):.3f} m/s; coverage"
          f" {len(vel_err['rise_m'])}/{vel_n['rise_m']}")
    print(f"band walk: step count exact {walks_exact}/{n_walks}; step side correct {side_ok}/{side_n}"
          f" = {100 * side_ok / max(side_n, 1):.1f} %")
    print("fault            precision  recall     F1   tp  fp  fn   (target ≥ 0.95)")
    for f in FAULTS:
        c = confusion[f]
        print(f"  {f:<16} {c.precision:>8.3f} {c.recall:>7.3f} {c.f1:>6.3f} {c.tp:>4} {c.fp:>3} {c.fn:>3}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
