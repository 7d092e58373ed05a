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
    proc = subprocess.run(
        [sys.executable, "-m", "ui.cli", "analyze", str(DEMO)], capture_output=True, text=True, cwd=REPO
    )
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


def test_csv_export_round_trips_every_rep_and_step_field_into_pandas(capsys):
    for demo in (DEMO_DIR / "workout.csv", DEMO_DIR / "lateral-band-walk.csv"):
        rc, out, _ = run_cli(["analyze", demo, "--json"], capsys)
        d = json.loads(out)
        rc, out, _ = run_cli(["analyze", demo, "--csv"], capsys)
        table = pd.read_csv(io.StringIO(out))
        reps, steps = table[table["kind"] == "rep"], table[table["kind"] == "step"]
        assert rc == 0 and len(reps) == len(d["reps"]) and len(steps) == len(d["steps"])
        for row, rep in zip(reps.to_dict("records"), d["reps"]):
            for key, value in rep.items():
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    assert row[key] == pytest.approx(value), key
        for row, step in zip(steps.to_dict("records"), d["steps"]):
            assert (row["start_s"], row["side"], row["duration_s"]) == (step["t_s"], step["side"], step["duration_s"])
        assert set(table["exercise"]) == {s["exercise"] for s in d["sets"]}


def test_generic_csv_needs_and_takes_placement(tmp_path, capsys):
    rec = read_recording(DEMO)
    s = rec.stream("pelvis")
    p = tmp_path / "generic.csv"
    pd.DataFrame({"time_s": s.t_s, "acc_x_g": s.acc_mps2[:, 0] / 9.80665, "acc_y_g": s.acc_mps2[:, 1] / 9.80665,
                  "acc_z_g": s.acc_mps2[:, 2] / 9.80665, "gyr_x_dps": np.degrees(s.gyr_rads[:, 0]),
                  "gyr_y_dps": np.degrees(s.gyr_rads[:, 1]), "gyr_z_dps": np.degrees(s.gyr_rads[:, 2]),
                  "note": "x"}).to_csv(p, index=False)
    rc, _, err = run_cli(["analyze", p], capsys)
    assert rc == 2 and "--placement" in err
    rc, out, _ = run_cli(["analyze", p, "--placement", "pelvis", "--json"], capsys)  # no exercise: recognised
    assert rc == 0 and [s["exercise_source"] for s in json.loads(out)["sets"]] == ["recognised"]
    rc, out, _ = run_cli(
        ["analyze", p, "--placement", "pelvis", "--exercise", "hip_thrust", "--tempo", "3-1-1-2", "--json"], capsys
    )
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
                  "gyr_x_rads": 0.0, "gyr_y_rads": rng.normal(0, 0.001, len(t)),
                  "gyr_z_rads": 0.0}).to_csv(p, index=False)
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


# ---------------------------------------------------------------------------------------------------------- bad samples


def _demo_variant(tmp_path, edit, name="v.csv"):
    """DEMO with `edit(lines, sample_line_indices)` applied to its lines, written to tmp_path/name."""
    lines = DEMO.read_text().split("\n")
    idx = [i for i, line in enumerate(lines) if line.startswith("pelvis,")]
    edit(lines, idx)
    p = tmp_path / name
    p.write_text("\n".join(lines))
    return p


def _set(lines, i, col, value):
    cells = lines[i].split(",")
    cells[col] = value
    lines[i] = ",".join(cells)


@pytest.fixture(scope="module")
def demo_reps():
    out = io.StringIO()
    with __import__("contextlib").redirect_stdout(out):
        assert main(["analyze", str(DEMO), "--json"]) == 0
    return json.loads(out.getvalue())["reps"]


def _assert_same_reps(reps, expected, tol_s=0.05):
    assert len(reps) == len(expected)
    for got, want in zip(reps, expected):
        for key in ("start_s", "end_s", "eccentric_s", "concentric_s", "top_pause_s"):
            assert got[key] == pytest.approx(want[key], abs=tol_s), (got["index"], key)
        assert got["rom_deg"] == pytest.approx(want["rom_deg"], abs=1.0)


def _one_warning_then_result(rc, out, err, demo_reps, *expect):
    assert rc == 0, err
    warned = err.strip().splitlines()
    assert len(warned) == 1 and warned[0].startswith("repscope: warning: ") and all(e in warned[0] for e in expect)
    _assert_same_reps(json.loads(out)["reps"], demo_reps)


@pytest.mark.parametrize("jump", [1e5, 1e7, 1e12])
def test_time_jump_on_last_line_is_one_skipped_sample(tmp_path, capsys, demo_reps, jump):
    def jump_last(lines, idx):
        _set(lines, idx[-1], 1, repr(float(lines[idx[-1]].split(",")[1]) + jump))

    p = _demo_variant(tmp_path, jump_last)
    rc, out, err = run_cli(["analyze", p, "--json"], capsys)
    _one_warning_then_result(rc, out, err, demo_reps, "far off its neighbours", "sample skipped")


@pytest.mark.parametrize("col, value", [(6, "1e30"), (5, "-1e308"), (3, "1e308"), (7, "nan")])
def test_one_out_of_range_value_does_not_change_the_answer(tmp_path, capsys, demo_reps, col, value):
    p = _demo_variant(tmp_path, lambda lines, idx: _set(lines, idx[2500], col, value))
    rc, out, err = run_cli(["analyze", p, "--json"], capsys)
    _one_warning_then_result(rc, out, err, demo_reps, "v.csv:", "sample skipped")


def _generic_demo(tmp_path, acc_scale=1.0, gyr_scale=1.0, t_scale=1.0):
    s = read_recording(DEMO).stream("pelvis")
    p = tmp_path / "units.csv"
    columns = {"time_s": s.t_s * t_scale}
    columns.update({f"acc_{a}_mps2": s.acc_mps2[:, k] * acc_scale for k, a in enumerate("xyz")})
    columns.update({f"gyr_{a}_rads": s.gyr_rads[:, k] * gyr_scale for k, a in enumerate("xyz")})
    pd.DataFrame(columns).to_csv(p, index=False)
    return p


@pytest.mark.parametrize("scales, expect", [
    ({"t_scale": 1000.0}, "time_s looks like milliseconds, not seconds"),
    ({"acc_scale": 1 / 9.80665}, "acceleration looks like g, not m/s² (median |acc| at rest 1.00): rename the columns"),
    ({"gyr_scale": 180 / np.pi}, "angular rate looks like °/s, not rad/s"),
    ({"acc_scale": 1 / 9.80665, "gyr_scale": 180 / np.pi}, "acceleration looks like g, not m/s²"),
])
def test_unit_mistakes_are_one_line_exit_2(tmp_path, capsys, scales, expect):
    p = _generic_demo(tmp_path, **scales)
    rc, out, err = run_cli(["analyze", p, "--placement", "pelvis", "--exercise", "hip_thrust"], capsys)
    assert rc == 2 and out == ""
    assert err.strip().splitlines() == [err.strip()] and err.startswith(f"repscope: error: {p}: {expect}")


def test_two_sensor_file_with_silent_second_sensor_is_analysed(tmp_path, capsys, demo_reps):
    p = tmp_path / "one-sensor-connected.csv"
    p.write_text("".join(line for line in DEMO.read_text().splitlines(True) if not line.startswith("thigh_left,")))
    for argv in (["analyze", p, "--json"], ["analyze", p, "--json", "--placement", "pelvis"]):
        rc, out, err = run_cli(argv, capsys)
        assert rc == 0 and "sensor 'thigh_left' has no samples" in err
        _assert_same_reps(json.loads(out)["reps"], demo_reps, tol_s=0.2)
    rc, _, err = run_cli(["analyze", p, "--placement", "thigh_left"], capsys)
    assert rc == 2 and "sensor 'thigh_left' (placement thigh_left) has no samples" in err


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-32-be"])
def test_wide_encoding_is_named_in_one_line(tmp_path, capsys, codec):
    p = tmp_path / "wide.csv"
    p.write_bytes(DEMO.read_text().encode(codec))
    rc, _, err = run_cli(["analyze", p], capsys)
    assert rc == 2 and err == f"repscope: error: {p}: file is UTF-{codec[4:6]} encoded; save it as UTF-8\n"


@pytest.mark.parametrize("old, new, expect", [
    ('"sensor_id": "pelvis"', '"sensor_id": 5', "sensor_id must be a non-empty string"),
    ("# format_version: 1", "# format_version: true", "format_version true is not 1"),
    ('"placement": "thigh_left"', '"placement": "pelvis"', "both have placement pelvis"),
])
def test_bad_header_is_one_line_exit_2(tmp_path, capsys, old, new, expect):
    p = tmp_path / "h.csv"
    p.write_text(DEMO.read_text().replace(old, new, 1))
    rc, _, err = run_cli(["analyze", p], capsys)
    assert rc == 2 and len(err.strip().splitlines()) == 1 and expect in err and "Traceback" not in err


HEAVY = ("numpy", "vqf", "scipy", "pandas", "matplotlib", "bleak", "asyncio", "pyqtgraph")  # none for `--help`


def _modules_after(code: str) -> set[str]:
    """Top-level package names imported by `code` in a fresh interpreter."""
    script = code + "\nimport sys; print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    return set(proc.stdout.split())


def test_help_lists_every_command_without_loading_the_heavy_libraries():
    proc = subprocess.run([sys.executable, "-m", "ui.cli", "--help"], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    from ui.cli import COMMANDS

    for name in COMMANDS:
        assert name in proc.stdout
    loaded = _modules_after("from ui.cli import build_parser; build_parser()")
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


def test_a_named_command_loads_only_its_own_module():
    loaded = _modules_after(
        "import sys; from ui.cli import build_parser; build_parser(only='analyze').parse_args(['analyze', 'x.csv'])\n"
        "assert not [m for m in sys.modules if m.startswith('ui.commands.') and m != 'ui.commands.analyze'], "
        "sorted(sys.modules)"
    )
    assert "matplotlib" not in loaded and "bleak" not in loaded


def test_scan_help_shows_the_ble_layers_default_timeout():
    from sensors.ble import SCAN_TIMEOUT_S
    from ui.cli import build_parser

    parser = build_parser(only="scan")
    sub = parser._subparsers._group_actions[0].choices["scan"]
    assert f"default {SCAN_TIMEOUT_S:g}" in sub.format_help()



def test_analyze_lets_the_unread_sensor_go_with_the_same_answer(tmp_path, capsys):
    """`analyze` of a hip thrust reads the pelvis alone (the thigh's samples are let go, its times kept): the
    JSON is the session analysis of both sensors', also where a marked set has too few thigh samples."""
    from dataclasses import replace

    from analysis.pipeline import ImuSeries
    from analysis.serialize import session_to_dict
    from analysis.session import analyze_recording, series_read
    from analysis.tempo import parse_tempo
    from sensors.recording import write_recording

    rec = read_recording(DEMO)
    mid = float(rec.streams[0].t_s[len(rec.streams[0].t_s) // 2])
    streams = []
    for s in rec.streams:  # the thigh sensor stops half way
        keep = s.t_s < mid if s.info.placement != "pelvis" else slice(None)
        streams.append(replace(s, t_s=s.t_s[keep], acc_mps2=s.acc_mps2[keep], gyr_rads=s.gyr_rads[keep]))
    path = tmp_path / "two-sets.csv"
    write_recording(path, rec.meta, streams)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    body = next(i for i, ln in enumerate(lines) if ln.startswith("sensor,")) + 1
    lines[body:body] = [f'# event: {{"kind": "set_start", "sensor": null, "t_s": {t!r}}}\n' for t in (0.0, mid)]
    path.write_text("".join(lines), encoding="utf-8")
    both = read_recording(path)
    series = [ImuSeries(s.info.placement, s.t_s, s.acc_mps2, s.gyr_rads) for s in both.streams]
    tempo = parse_tempo(both.meta.tempo, 0.5, 0.2)
    whole = analyze_recording(series, "hip_thrust", "metadata", tempo, None, both.events)
    assert len(whole.sets) == 1  # the second marked set has no thigh samples: not a set
    pelvis_only = analyze_recording(series_read(series, "hip_thrust"), "hip_thrust", "metadata", tempo, None,
                                    both.events)
    assert len(pelvis_only.sets) == 2  # without the thigh's times it would be one
    rc, out, _ = run_cli(["analyze", path, "--json"], capsys)
    assert rc == 0 and json.loads(out) == json.loads(json.dumps(session_to_dict(whole, "pelvis")))


EPOCH_S = 1_765_150_000.0  # 2025-12-07, Unix s: a phone app's clock


def test_table_times_are_from_the_recordings_start_and_json_keeps_the_clock(tmp_path, capsys):
    """A workout on an epoch clock: the table's set spans and band-walk step times read from the first sample (as
    the same file from 0 reads), the JSON's stay on the file's own clock (the contract)."""
    s = read_recording(DEMO_DIR / "workout.csv").stream("pelvis")
    tables, sets = {}, {}
    for name, origin in (("zero.csv", -float(s.t_s[0])), ("epoch.csv", EPOCH_S)):
        columns = {"time_s": s.t_s + origin}
        columns.update({f"acc_{a}_mps2": s.acc_mps2[:, k] for k, a in enumerate("xyz")})
        columns.update({f"gyr_{a}_rads": s.gyr_rads[:, k] for k, a in enumerate("xyz")})
        pd.DataFrame(columns).to_csv(tmp_path / name, index=False)
        rc, out, err = run_cli(["analyze", tmp_path / name, "--placement", "pelvis"], capsys)
        assert rc == 0, err
        tables[name] = out.replace(str(tmp_path / name), "FILE")
        rc, out, err = run_cli(["analyze", tmp_path / name, "--placement", "pelvis", "--json"], capsys)
        sets[name] = json.loads(out)["sets"]
    heads = {k: [ln for ln in t.splitlines() if ln.startswith("set ")] for k, t in tables.items()}
    assert len(heads["epoch.csv"]) == len(heads["zero.csv"]) >= 2
    for e, z in zip(heads["epoch.csv"], heads["zero.csv"]):  # set k · exercise (how) · 24.0–70.6 s
        span = [[float(x) for x in h.rsplit("· ", 1)[1].removesuffix(" s").split("–")] for h in (e, z)]
        assert span[0] == pytest.approx(span[1], abs=0.11)
    steps = [row for row in map(str.split, tables["epoch.csv"].splitlines())  # step  t s  side  dur s
             if len(row) == 4 and row[0].isdigit() and row[2].isalpha()]
    assert steps and all(0 < float(row[1]) < s.t_s[-1] - s.t_s[0] for row in steps)  # step times from the start
    assert f"{EPOCH_S:.0f}"[:6] not in tables["epoch.csv"]
    page, rows = tmp_path / "epoch.html", tmp_path / "epoch-reps.csv"
    argv = ["report", tmp_path / "epoch.csv", "--placement", "pelvis", "-o", page, "--csv", rows]
    assert run_cli(argv, capsys)[0] == 0
    assert f"{EPOCH_S:.0f}"[:6] not in page.read_text(encoding="utf-8")  # the page's times from the start too
    assert pd.read_csv(rows)["start_s"].min() > EPOCH_S  # the CSV keeps the file's clock, as analyze --csv does
    assert len(sets["epoch.csv"]) == len(sets["zero.csv"]) >= 2
    for e, z in zip(sets["epoch.csv"], sets["zero.csv"]):
        assert e["start_s"] == pytest.approx(z["start_s"] + float(s.t_s[0]) + EPOCH_S, abs=1e-3)


def test_live_and_record_save_beside_the_history_by_default(tmp_path, monkeypatch):
    """Not the repository's recordings/: the user's data folder, where the history database lives."""
    from ui.history.db import data_dir
    from ui.session import default_recording_path

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    path = default_recording_path("hip_thrust")
    assert path.parent == data_dir() / "recordings" and path.name.endswith("-hip_thrust.csv")
    if sys.platform.startswith("linux"):
        assert path.parent == tmp_path / "repscope" / "recordings"
    assert default_recording_path(None).name.endswith("-workout.csv")
