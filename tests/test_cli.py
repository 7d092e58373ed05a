"""End-to-end CLI: analyze (table, JSON contract, CSV), export, bad input → one-line errors with exit code 2."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from sensors.recording import read_recording
from tests.conftest import BROAD_DIR, DEMO_DIR, REPO
from ui.cli import main

DEMO = DEMO_DIR / "hip-thrust.csv"


def run_cli(argv, capsys):
    rc = main([str(a) for a in argv])
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_readme_quick_start_command_runs():
    proc = subprocess.run([sys.executable, "-m", "ui.cli", "analyze", str(DEMO)], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    assert "hip_thrust" in proc.stdout and "rep" in proc.stdout


def test_analyze_json_contract(capsys):
    rc, out, _ = run_cli(["analyze", DEMO, "--json"], capsys)
    assert rc == 0
    d = json.loads(out)
    assert {"exercise", "placement", "tempo_target", "reps", "summary"} <= set(d)
    assert d["exercise"] == "hip_thrust" and d["tempo_target"]["eccentric_s"] == 3.0
    rep = d["reps"][0]
    for key in ("index", "start_s", "end_s", "phases", "concentric_s", "top_pause_s", "eccentric_s", "bottom_pause_s",
                "rom_deg", "tilt_sagittal_deg", "pelvic_drop_deg", "pelvic_drop_side", "tempo_ok", "faults", "cues"):
        assert key in rep
    assert [p["name"] for p in rep["phases"]] == ["concentric", "top_pause", "eccentric", "bottom_pause"]
    assert d["reps"][-1]["bottom_pause_s"] is None
    assert d["summary"]["rep_count"] == len(d["reps"])
    assert {"mean_eccentric_s", "time_under_tension_s"} <= set(d["summary"])


def test_analyze_csv_and_table(capsys):
    rc, out, _ = run_cli(["analyze", DEMO, "--csv"], capsys)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rc == 0 and len(rows) == 8 and rows[0]["index"] == "1"
    rc, out, _ = run_cli(["analyze", DEMO, "--tempo", "2-1-1-1"], capsys)
    assert rc == 0 and "tempo 2-1-1-1" in out


def test_generic_csv_needs_and_takes_placement(tmp_path, capsys):
    rec = read_recording(DEMO)
    s = rec.stream("pelvis")
    p = tmp_path / "generic.csv"
    pd.DataFrame({"time_s": s.t_s, "acc_x_g": s.acc_mps2[:, 0] / 9.80665, "acc_y_g": s.acc_mps2[:, 1] / 9.80665,
                  "acc_z_g": s.acc_mps2[:, 2] / 9.80665, "gyr_x_dps": np.degrees(s.gyr_rads[:, 0]),
                  "gyr_y_dps": np.degrees(s.gyr_rads[:, 1]), "gyr_z_dps": np.degrees(s.gyr_rads[:, 2]), "note": "x"}).to_csv(p, index=False)
    rc, _, err = run_cli(["analyze", p], capsys)
    assert rc == 2 and "--placement" in err
    rc, _, err = run_cli(["analyze", p, "--placement", "pelvis"], capsys)
    assert rc == 2 and "--exercise" in err
    rc, out, _ = run_cli(["analyze", p, "--placement", "pelvis", "--exercise", "hip_thrust", "--tempo", "3-1-1-2", "--json"], capsys)
    assert rc == 0 and json.loads(out)["summary"]["rep_count"] == 8


@pytest.mark.parametrize("argv, expect", [
    (["analyze", "nope.csv"], "no such file"),
    (["analyze", DEMO, "--tempo", "3-1"], "four figures"),
    (["analyze", DEMO, "--tempo", "3-1-1-X"], "only meaningful for the concentric"),
    (["export", "nope.csv", "-o", "x.csv"], "no such file"),
])
def test_bad_input_is_one_line_exit_2(capsys, argv, expect):
    rc, _, err = run_cli(argv, capsys)
    assert rc == 2
    assert expect in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_corrupt_recording_names_line(tmp_path, capsys):
    lines = DEMO.read_text().split("\n")
    i = next(k for k, line in enumerate(lines) if line.startswith("pelvis,"))
    lines[i + 10] = lines[i + 10].replace(",", ",oops,", 1)
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines))
    rc, _, err = run_cli(["analyze", bad], capsys)
    assert rc == 2 and f"bad.csv:{i + 11}:" in err


def test_torn_last_line_warns_and_analyzes(tmp_path, capsys):
    torn = tmp_path / "torn.csv"
    torn.write_text(DEMO.read_text()[:-5])
    rc, out, err = run_cli(["analyze", torn], capsys)
    assert rc == 0 and "incomplete last line dropped" in err and "8 reps" in out


def test_export_columns_and_agreement_with_analyze(tmp_path, capsys):
    out = tmp_path / "series.csv"
    rc, _, _ = run_cli(["export", DEMO, "-o", out], capsys)
    assert rc == 0
    df = pd.read_csv(out, comment="#")
    assert list(df.columns) == ["sensor", "time_s", "quat_w", "quat_x", "quat_y", "quat_z", "segment_angle_deg",
                                "tilt_sagittal_deg", "pelvic_drop_deg", "phase", "rep"]
    q = df[["quat_w", "quat_x", "quat_y", "quat_z"]].to_numpy()
    assert np.allclose(np.linalg.norm(q, axis=1), 1.0, atol=1e-6)
    rc, js, _ = run_cli(["analyze", DEMO, "--json"], capsys)
    reps = json.loads(js)["reps"]
    pel = df[df.sensor == "pelvis"]
    assert sorted(pel.rep.dropna().unique().astype(int)) == [r["index"] for r in reps]
    for r in reps:
        for ph in r["phases"]:
            inside = pel[(pel.time_s > ph["start_s"] + 0.02) & (pel.time_s < ph["end_s"] - 0.02)]
            assert (inside.phase == ph["name"]).all() and (inside.rep == r["index"]).all()
    # gravity: the accelerometer at rest rotated by the exported quaternion points up within 1°
    rec = read_recording(DEMO)
    s = rec.stream("pelvis")
    rest = (s.t_s > 0.7) & (s.t_s < 2.3)  # standing still at the start of the demo
    from analysis.orientation import rotate_to_earth

    acc_earth = rotate_to_earth(q[: len(s.t_s)][rest], s.acc_mps2[rest])
    tilt = np.degrees(np.arccos(acc_earth[:, 2] / np.linalg.norm(acc_earth, axis=1)))
    assert tilt.max() < 1.0


def test_export_single_sensor_and_no_reps(tmp_path, capsys):
    rng = np.random.default_rng(1)
    t = np.arange(0, 10, 0.01)
    p = tmp_path / "still.csv"
    pd.DataFrame({"time_s": t, "acc_x_mps2": rng.normal(0, 0.02, len(t)), "acc_y_mps2": 0.0, "acc_z_mps2": 9.81,
                  "gyr_x_rads": 0.0, "gyr_y_rads": rng.normal(0, 0.001, len(t)), "gyr_z_rads": 0.0}).to_csv(p, index=False)
    out = tmp_path / "o.csv"
    rc, _, _ = run_cli(["export", p, "--placement", "thigh_left", "--exercise", "clamshell", "-o", out], capsys)
    assert rc == 0
    df = pd.read_csv(out, comment="#")
    assert "sensor" not in df.columns and len(df) == len(t)
    assert df.phase.isna().all() and df.rep.isna().all()


@pytest.mark.skipif(not BROAD_DIR.exists(), reason="BROAD data not present at ../shared/data/broad")
def test_broad_trial_through_the_user_path(tmp_path):
    sys.path.insert(0, str(REPO / "benchmarks"))
    import broad

    row = broad.evaluate_trial(BROAD_DIR / "10_undisturbed_slow_translation_A.hdf5", tmp_path)
    assert row["ours"] <= 1.15 * row["vqf_offline"]
    assert row["ours"] < 0.5
    assert row["realtime"] <= 1.5 * row["vqf_offline"]
