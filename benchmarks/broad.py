"""Orientation accuracy on real data: the BROAD benchmark trials in ../shared/data/broad/.

    python benchmarks/broad.py [--data DIR]

Each trial's IMU data goes through the same path a user's file takes: written as a generic CSV, read by
`sensors.recording.read_recording`, analysed by `analysis.pipeline.trace_set` (the orientation `repscope export`
writes). Its inclination RMSE over the `movement` samples is printed beside `vqf.offlineVQF` (6D) and the
real-time path (`orientation_quat(..., offline=False)`) on the same trial, in the same run.
Targets (issue 6): mean ≤ 0.5°, no trial worse than 1.15× offline VQF; real-time within 1.5×.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from analysis.orientation import orientation_quat  # noqa: E402
from analysis.pipeline import ImuSeries, trace_set  # noqa: E402
from sensors.recording import read_recording  # noqa: E402

DEFAULT_DATA = REPO.parent / "shared" / "data" / "broad"


def quat_mul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    w1, x1, y1, z1 = a.T
    w2, x2, y2, z2 = b.T
    return np.column_stack([
        w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2,
        w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2,
        w1 * y2 - x1 * z2 + y1 * w2 + z1 * x2,
        w1 * z2 + x1 * y2 - y1 * x2 + z1 * w2,
    ])


def inclination_error_deg(q_est: np.ndarray, q_ref: np.ndarray) -> np.ndarray:
    """BROAD's inclination error: q_d = q_est ⊗ q_ref⁻¹, 2·arccos(√(w_d² + z_d²)) (heading ignored)."""
    ref_inv = q_ref * np.array([1.0, -1.0, -1.0, -1.0])
    d = quat_mul(q_est, ref_inv)
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    return np.degrees(2.0 * np.arccos(np.clip(np.sqrt(d[:, 0] ** 2 + d[:, 3] ** 2), 0.0, 1.0)))


def rmse(err: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(err))))


def load_trial(path: Path) -> dict:
    import h5py

    with h5py.File(path, "r") as f:
        return {
            "rate_hz": float(np.asarray(f.attrs["sampling_rate"]).item()),
            "gyr": np.asarray(f["imu_gyr"], dtype=np.float64),
            "acc": np.asarray(f["imu_acc"], dtype=np.float64),
            "quat": np.asarray(f["opt_quat"], dtype=np.float64),
            "movement": np.asarray(f["movement"], dtype=bool).ravel(),
        }


def write_generic_csv(path: Path, t_s: np.ndarray, acc: np.ndarray, gyr: np.ndarray) -> None:
    block = np.column_stack([t_s, acc, gyr])
    header = "time_s,acc_x_mps2,acc_y_mps2,acc_z_mps2,gyr_x_rads,gyr_y_rads,gyr_z_rads"
    np.savetxt(path, block, fmt="%.17g", delimiter=",", header=header, comments="")


def evaluate_trial(path: Path, workdir: Path) -> dict:
    tr = load_trial(path)
    n = len(tr["acc"])
    t = np.arange(n) / tr["rate_hz"]
    csv = workdir / (path.stem + ".csv")
    write_generic_csv(csv, t, tr["acc"], tr["gyr"])
    t0 = time.perf_counter()
    rec = read_recording(csv, placement="pelvis", exercise="hip_thrust")
    s = rec.streams[0]
    _, traces = trace_set([ImuSeries("pelvis", s.t_s, s.acc_mps2, s.gyr_rads)], "hip_thrust")
    ours_s = time.perf_counter() - t0
    q_ours = traces[0].quat_wxyz
    import vqf

    q_vqf = np.asarray(vqf.offlineVQF(
        np.ascontiguousarray(tr["gyr"]), np.ascontiguousarray(tr["acc"]), None, 1.0 / tr["rate_hz"]
    )["quat6D"])
    q_rt = orientation_quat(s.t_s, s.acc_mps2, s.gyr_rads, offline=False)
    ok = tr["movement"] & np.isfinite(tr["quat"]).all(axis=1)
    ref = tr["quat"][ok]
    return {
        "trial": path.stem,
        "ours": rmse(inclination_error_deg(q_ours[ok], ref)),
        "vqf_offline": rmse(inclination_error_deg(q_vqf[ok], ref)),
        "realtime": rmse(inclination_error_deg(q_rt[ok], ref)),
        "samples": n,
        "seconds": ours_s,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = ap.parse_args()
    trials = sorted(args.data.glob("*.hdf5"))
    if not trials:
        print(f"no BROAD trials in {args.data}")
        return 1
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for p in trials:
            rows.append(evaluate_trial(p, Path(tmp)))
    print("BROAD inclination RMSE (deg) over movement samples; "
          "ours = generic CSV → read_recording → export's orientation")
    print(f"{'trial':<38} {'ours':>6} {'offlineVQF':>10} {'ratio':>6} {'realtime':>9} {'ratio':>6}")
    for r in rows:
        print(f"{r['trial']:<38} {r['ours']:>6.3f} {r['vqf_offline']:>10.3f} {r['ours'] / r['vqf_offline']:>6.2f}"
              f" {r['realtime']:>9.3f} {r['realtime'] / r['vqf_offline']:>6.2f}")
    ours = np.array([r["ours"] for r in rows])
    ref = np.array([r["vqf_offline"] for r in rows])
    rt = np.array([r["realtime"] for r in rows])
    print(f"{'mean':<38} {ours.mean():>6.3f} {ref.mean():>10.3f} {ours.mean() / ref.mean():>6.2f} "
          f"{rt.mean():>9.3f} {rt.mean() / ref.mean():>6.2f}")
    print(f"worst trial ratio ours/offlineVQF {np.max(ours / ref):.3f} (target ≤ 1.15); "
          f"real-time {np.max(rt / ref):.3f} (target ≤ 1.5);"
          f" mean {ours.mean():.3f}° (target ≤ 0.5°)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
