"""Training history: real SQLite files in the test's folder (no mock). Schema migration from version 1, every figure
of `analyze` stored and read back, idempotent import, bad files and bad databases as one line, annotations kept
across re-analysis, history listing/JSON/report, concurrent imports from two processes, SIGKILL during imports."""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from analysis.serialize import rep_to_dict, report_to_dict
from sensors.recording import read_recording, write_recording
from tests.conftest import DEMO_DIR, REPO
from ui.cli import main
from ui.history.db import DbParams, HistoryDB, HistoryError, resolve_path
from ui.history.importer import analyse_for_import
from ui.history.schema import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION, statements
from ui.history.store import REP_COLUMNS, load_sessions, save

DEMOS = sorted(DEMO_DIR.glob("*.csv"))
HIP = DEMO_DIR / "hip-thrust.csv"


def run_cli(argv, capsys):
    rc = main([str(a) for a in argv])
    out = capsys.readouterr()
    return rc, out.out, out.err


def history_json(db: Path, capsys, *extra) -> dict:
    rc, out, err = run_cli(["history", "--json", "--db", db, *extra], capsys)
    assert rc == 0, err
    return json.loads(out)


def consistency_problems(db: Path) -> list[str]:
    """Every session has exactly its sets, every set exactly its reps and steps, and SQLite finds no damage."""
    conn = sqlite3.connect(db)
    try:
        problems = [r[0] for r in conn.execute("PRAGMA integrity_check") if r[0] != "ok"]
        problems += [f"session {r[0]}: {r[1]} sets, {r[2]} stored" for r in conn.execute(
            "SELECT s.id, s.set_count, (SELECT COUNT(*) FROM sets st WHERE st.session_id = s.id) AS n FROM sessions s "
            "WHERE n != s.set_count")]
        problems += [f"set {r[0]}: {r[1]} reps, {r[2]} stored" for r in conn.execute(
            "SELECT st.id, st.rep_count, (SELECT COUNT(*) FROM reps r WHERE r.set_id = st.id) AS n FROM sets st "
            "WHERE n != st.rep_count")]
        problems += [f"set {r[0]}: {r[1]} steps, {r[2]} stored" for r in conn.execute(
            "SELECT st.id, st.step_count, (SELECT COUNT(*) FROM steps p WHERE p.set_id = st.id) AS n FROM sets st "
            "WHERE n != st.step_count")]
        problems += [f"orphan rows: {r[0]}" for r in conn.execute("PRAGMA foreign_key_check")]
    finally:
        conn.close()
    return problems


def no_exercise_copy(tmp_path: Path) -> Path:
    rec = read_recording(HIP)
    out = tmp_path / "no-exercise.csv"
    write_recording(out, dataclasses.replace(rec.meta, exercise=None), rec.streams)
    return out


# ------------------------------------------------------------------------------------------ schema and database


def test_migration_from_version_1_keeps_the_data_and_adds_the_velocity_and_options_columns(tmp_path):
    path = tmp_path / "v1.db"
    conn = sqlite3.connect(path)
    for stmt in statements(MIGRATIONS[0]):
        conn.execute(stmt)
    conn.execute("PRAGMA user_version = 1")
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("INSERT INTO athletes (name) VALUES ('Ana')")
    conn.execute("INSERT INTO sessions (content_sha256, source, start_utc, start_from, athlete_id, imported_utc, "
                 "analysed_utc, analysed_with, set_count) VALUES ('abc', '/r/old.csv', '2026-05-01T10:00:00Z', "
                 "'metadata', 1, '2026-05-01T11:00:00Z', '2026-05-01T11:00:00Z', '0.0.9', 1)")
    conn.execute("INSERT INTO sets (session_id, set_index, exercise, placement, calibration_confidence, rep_count, "
                 "step_count, load_kg, rpe, notes) VALUES (1, 1, 'hip_thrust', 'pelvis', 0.9, 1, 0, 80, 8, 'old')")
    conn.execute("INSERT INTO reps (set_id, rep_index, start_s, end_s, phases, concentric_s, top_pause_s, eccentric_s, "
                 "time_under_tension_s, rom_deg, peak_speed_dps, faults, cues) VALUES (1, 1, 2.0, 7.0, "
                 "'[[\"concentric\", 2.0, 3.0], [\"top_pause\", 3.0, 4.0], [\"eccentric\", 4.0, 7.0]]', 1.0, 1.0, 3.0, "
                 "5.0, 45.0, 60.0, '[]', '[]')")
    conn.commit()
    conn.close()

    with HistoryDB(path) as db:
        assert db.version() == SCHEMA_VERSION == 5
        cols = {r[1] for r in db.conn.execute("PRAGMA table_info(reps)")}
        assert {"rise_m", "mean_concentric_velocity_mps", "peak_concentric_velocity_mps"} <= cols
        assert "read_options" in {r[1] for r in db.conn.execute("PRAGMA table_info(sessions)")}
        [old] = load_sessions(db)
        assert (old.athlete, old.source, old.start_utc) == ("Ana", "/r/old.csv", "2026-05-01T10:00:00Z")
        [s] = old.sets
        assert (s.load_kg, s.rpe, s.notes) == (80.0, 8.0, "old")
        [rep] = s.report.reps
        assert rep.eccentric_s == 3.0 and rep.rise_m is None and s.report.velocity_loss_pct is None
        # and the migrated database takes new, velocity-carrying sessions
        outcome = save(db, analyse_for_import(HIP))
        assert outcome.status == "imported"
        new = next(x for x in load_sessions(db) if x.id == outcome.session_id)
        assert new.sets[0].report.reps[0].mean_concentric_velocity_mps is not None
    assert consistency_problems(path) == []


def test_database_uses_wal_and_is_marked_as_ours(tmp_path):
    with HistoryDB(tmp_path / "h.db") as db:
        assert db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert db.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_db_path_option_then_environment_then_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("REPSCOPE_DB", str(tmp_path / "env.db"))
    assert resolve_path(str(tmp_path / "opt.db")) == tmp_path / "opt.db"
    assert resolve_path(None) == tmp_path / "env.db"
    monkeypatch.delenv("REPSCOPE_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    if sys.platform.startswith("linux"):
        assert resolve_path(None) == tmp_path / "xdg" / "repscope" / "history.db"


@pytest.mark.parametrize("content, message", [
    (b"this is not a database at all, just text " * 200, "not a readable history database"),
    (b"", None),  # an empty file is a new database
])
def test_a_corrupt_database_is_one_line_and_exit_2(tmp_path, capsys, content, message):
    db = tmp_path / "h.db"
    db.write_bytes(content)
    rc, _, err = run_cli(["import", HIP, "--db", db], capsys)
    if message is None:
        assert rc == 0, err
        return
    assert rc == 2
    assert err.count("\n") == 1 and str(db) in err and message in err and "Traceback" not in err
    assert db.read_bytes() == content  # nothing written over it


def test_a_damaged_database_page_is_reported_not_raised(tmp_path, capsys):
    db = tmp_path / "h.db"
    assert main(["import", *map(str, DEMOS), "--db", str(db)]) == 0
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = bytearray(db.read_bytes())
    page = 4096
    data[2 * page: len(data)] = b"\xff" * (len(data) - 2 * page)  # every page after the second destroyed
    db.write_bytes(bytes(data))
    capsys.readouterr()
    rc, _, err = run_cli(["history", "--db", db], capsys)
    assert rc == 2 and err.count("\n") == 1 and str(db) in err and "Traceback" not in err


def test_another_applications_database_and_a_newer_schema_are_refused(tmp_path, capsys):
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE contacts (name TEXT)")
    conn.commit()
    conn.close()
    rc, _, err = run_cli(["history", "--db", other], capsys)
    assert rc == 2 and "not a repscope history database" in err and "contacts" in err
    newer = tmp_path / "newer.db"
    HistoryDB(newer).close()
    conn = sqlite3.connect(newer)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    rc, _, err = run_cli(["import", HIP, "--db", newer], capsys)
    assert rc == 2 and "newer than this repscope knows" in err


def test_a_locked_database_is_one_clear_error(tmp_path):
    path = tmp_path / "h.db"
    HistoryDB(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process mid-write
    try:
        t0 = time.monotonic()
        with (HistoryDB(path, DbParams(busy_timeout_s=0.3)) as db,
              pytest.raises(HistoryError, match="locked by another process") as exc):
            save(db, analyse_for_import(HIP))
        assert str(path) in str(exc.value) and "\n" not in str(exc.value)
        assert time.monotonic() - t0 < 10
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert consistency_problems(path) == []


# ------------------------------------------------------------------------------------------ import and figures


def test_every_figure_analyze_reports_is_stored_and_read_back(tmp_path):
    scalar_keys = {k for k, v in rep_to_dict(analyse_for_import(HIP).sets[0].report.reps[0]).items()
                   if k not in ("index", "tempo_ok")}
    assert scalar_keys - set(REP_COLUMNS) == set()  # a column for every figure (index is rep_index)
    with HistoryDB(tmp_path / "h.db") as db:
        analysed = {str(p.resolve()): analyse_for_import(p) for p in DEMOS}
        for rec in analysed.values():
            save(db, rec)
        stored = load_sessions(db)
    assert len(stored) == len(DEMOS)
    for session in stored:
        original = analysed[session.source]
        assert session.sha256 == original.sha256
        assert [report_to_dict(s.report) for s in session.sets] == [report_to_dict(s.report) for s in original.sets]
    hip = next(s for s in stored if s.source.endswith("hip-thrust.csv"))
    assert hip.sets[0].report.velocity_loss_pct is not None
    assert all(r.rise_m is not None for r in hip.sets[0].report.reps)
    assert {x.placement for x in hip.sensors} == {"pelvis", "thigh_left"}


def test_importing_the_demos_twice_gives_one_session_each(tmp_path, capsys):
    db = tmp_path / "h.db"
    rc, out, err = run_cli(["import", *DEMOS, "--db", db], capsys)
    assert rc == 0, err
    assert f"{len(DEMOS)} imported, 0 already in history, 0 failed" in out
    copy = tmp_path / "same-content.csv"
    shutil.copy(HIP, copy)  # the same content under another name is the same session
    rc, out, err = run_cli(["import", *DEMOS, copy, "--db", db], capsys)
    assert rc == 0, err
    assert f"0 imported, {len(DEMOS) + 1} already in history, 0 failed" in out
    d = history_json(db, capsys)
    assert len(d["sessions"]) == len(DEMOS)
    assert len({s["content_sha256"] for s in d["sessions"]}) == len(DEMOS)
    assert consistency_problems(db) == []


def test_bad_files_are_named_in_one_line_each_and_the_others_imported(tmp_path, capsys):
    db = tmp_path / "h.db"
    torn = tmp_path / "garbage.csv"
    torn.write_text("# repscope-recording v1\nthis is not a recording\n")
    missing = tmp_path / "missing.csv"
    no_ex = no_exercise_copy(tmp_path)
    rc, out, err = run_cli(["import", HIP, torn, missing, no_ex, DEMO_DIR / "clamshell.csv", "--db", db], capsys)
    assert rc == 2
    lines = err.strip().splitlines()
    assert len(lines) == 2 and all(ln.startswith("repscope: error: ") for ln in lines)
    assert str(torn) in lines[0] and str(missing) in lines[1] and "no such file" in lines[1].lower()
    # a recording that names no exercise is analysed as `analyze` does: its set's exercise is recognised
    assert "3 imported, 0 already in history, 2 failed" in out
    sessions = history_json(db, capsys)["sessions"]
    assert len(sessions) == 3
    assert [st["exercise"] for s in sessions if s["source"].endswith(no_ex.name) for st in s["sets"]] == ["hip_thrust"]


def test_annotations_at_import_and_later_survive_a_reanalysis(tmp_path, capsys):
    db = tmp_path / "h.db"
    rec = tmp_path / "hip.csv"
    shutil.copy(HIP, rec)
    assert run_cli(["import", rec, "--athlete", "Ana", "--load-kg", "70", "--db", db], capsys)[0] == 0
    [s] = history_json(db, capsys)["sessions"]
    assert s["athlete"] == "Ana" and s["sets"][0]["load_kg"] == 70.0
    rc, out, err = run_cli(["annotate", rec, "1", "--load-kg", "80", "--rpe", "8.5", "--note", "felt heavy",
                            "--db", db], capsys)
    assert rc == 0, err
    assert run_cli(["annotate", str(s["id"]), "--athlete", "Bea", "--db", db], capsys)[0] == 0
    rc, out, err = run_cli(["import", "--reanalyse", "--db", db], capsys)
    assert rc == 0 and "reanalysed" in out, err
    [s2] = history_json(db, capsys)["sessions"]
    assert s2["id"] == s["id"] and s2["athlete"] == "Bea"
    assert (s2["sets"][0]["load_kg"], s2["sets"][0]["rpe"], s2["sets"][0]["notes"]) == (80.0, 8.5, "felt heavy")
    # a moved recording: named, its stored analysis kept
    rec.rename(tmp_path / "moved.csv")
    rc, out, err = run_cli(["import", "--reanalyse", "--db", db], capsys)
    assert rc == 2 and str(rec) in err and "not found" in err
    assert len(history_json(db, capsys)["sessions"]) == 1


def phone_export(tmp_path: Path) -> Path:
    """The hip-thrust demo as another app writes it: `timestamp,ax,…` in ms, g and °/s, no metadata."""
    import numpy as np

    stream = read_recording(HIP).stream("pelvis")
    rows = np.column_stack([stream.t_s * 1000.0, stream.acc_mps2 / 9.80665, np.degrees(stream.gyr_rads)])
    out = tmp_path / "phone" / "phone.csv"
    out.parent.mkdir()
    np.savetxt(out, rows, delimiter=",", fmt="%.6f", header="timestamp,ax,ay,az,gx,gy,gz", comments="")
    return out


PHONE_OPTIONS = ["--placement", "pelvis", "--exercise", "hip_thrust", "--tempo", "3-1-1-2",
                 "--columns", "time=timestamp,acc_x=ax,acc_y=ay,acc_z=az,gyr_x=gx,gyr_y=gy,gyr_z=gz",
                 "--units", "time=ms,acc=g,gyr=dps"]


def test_import_reads_any_file_as_analyze_does_and_reanalyse_repeats_its_options(tmp_path, capsys):
    phone, db = phone_export(tmp_path), tmp_path / "h.db"
    rc, out, err = run_cli(["analyze", phone, *PHONE_OPTIONS, "--json"], capsys)
    assert rc == 0, err
    expected = json.loads(out)
    rc, out, err = run_cli(["import", phone, *PHONE_OPTIONS, "--db", db], capsys)
    assert rc == 0 and "imported" in out, err
    [s] = history_json(db, capsys, "--reps")["sessions"]
    [stored] = s["sets"]
    assert stored["exercise"] == "hip_thrust" and stored["tempo_target"]["notation"] == "3-1-1-2"
    assert [r["start_s"] for r in stored["reps"]] == [r["start_s"] for r in expected["reps"]]
    for argv in (["import", "--reanalyse"], ["import", "--reanalyse", phone]):  # no options: the stored ones
        rc, out, err = run_cli([*argv, "--db", db], capsys)
        assert rc == 0 and "reanalysed" in out, err
        [again] = history_json(db, capsys, "--reps")["sessions"][0]["sets"]
        assert again["tempo_target"] == stored["tempo_target"] and again["rep_count"] == stored["rep_count"]
    # batch takes the same options for a folder of such files
    rc, out, err = run_cli(["batch", phone.parent, "--jobs", "1", *PHONE_OPTIONS, "--db", tmp_path / "b.db"], capsys)
    assert rc == 0, err
    [b] = history_json(tmp_path / "b.db", capsys)["sessions"]
    assert b["sets"][0]["rep_count"] == stored["rep_count"]


def test_corrections_show_everywhere_and_survive_a_reanalysis(tmp_path, capsys):
    db, rec = tmp_path / "h.db", tmp_path / "workout.csv"
    shutil.copy(DEMO_DIR / "workout.csv", rec)
    assert run_cli(["import", rec, "--db", db], capsys)[0] == 0
    sets = lambda: history_json(db, capsys, "--reps")["sessions"][0]["sets"]  # noqa: E731
    before = sets()
    first = before[0]
    n = first["rep_count"]

    def edit(*argv):
        rc, out, err = run_cli(["edit", "1", *map(str, argv), "--db", db], capsys)
        assert rc == 0, err
        return out

    edit(1, "--drop-rep", 2)
    after = sets()[0]
    assert after["rep_count"] == n - 1 and [r["index"] for r in after["reps"]][:2] == [1, 3]
    assert [r["index"] for r in after["dropped_reps"]] == [2] and "rep 2" in after["edits"][0]
    edit(1, "--restore-rep", 2)
    assert sets()[0]["rep_count"] == n and sets()[0]["dropped_reps"] == []
    edit(1, "--exercise", "glute_bridge")
    edit(2, "--warmup")
    now = sets()
    assert now[0]["exercise"] == "glute_bridge" and now[1]["warmup"] and not now[0]["warmup"]
    trends = history_json(db, capsys)["trends"]
    assert "glute_bridge" in trends and all(p["set_index"] != 2 for t in trends.values() for p in t["sets"])
    assert history_json(db, capsys, "--exercise", "glute_bridge")["sessions"][0]["sets"][0]["index"] == 1
    edit(1, "--split-at-rep", 4)
    split = sets()
    assert len(split) == len(before) + 1 and split[0]["rep_count"] == 3 and split[1]["rep_count"] == n - 3
    assert [r["index"] for r in split[1]["reps"]][0] == 1
    # a re-analysis keeps every correction
    assert run_cli(["import", "--reanalyse", "--db", db], capsys)[0] == 0
    assert [(x["exercise"], x["rep_count"], x["warmup"]) for x in sets()] == [
        (x["exercise"], x["rep_count"], x["warmup"]) for x in split]
    edit(1, "--merge-next")
    assert sets()[0]["rep_count"] == n and len(sets()) == len(before)
    edit("--undo")
    assert len(sets()) == len(before) + 1
    rc, out, err = run_cli(["edit", "1", "9", "--drop-rep", "1", "--db", db], capsys)
    assert rc == 2 and "no set 9" in err
    rc, out, err = run_cli(["history", "--db", db], capsys)
    assert "warm-up" in out and "edited:" in out
    assert "deleted session 1" in edit("--delete") and history_json(db, capsys)["sessions"] == []
    assert rec.exists()


def test_workbooks_and_pounds_for_the_coach(tmp_path, capsys):
    pd = pytest.importorskip("pandas")
    db = tmp_path / "h.db"
    assert run_cli(["import", DEMO_DIR / "workout.csv", "--load-lb", "176.37", "--db", db], capsys)[0] == 0
    d = history_json(db, capsys, "--reps")
    assert d["sessions"][0]["sets"][0]["load_kg"] == pytest.approx(80.0, abs=0.01)
    rc, out, _ = run_cli(["history", "--lb", "--db", db], capsys)
    assert rc == 0 and "176.4 lb" in out
    book = tmp_path / "h.xlsx"
    assert run_cli(["history", "--xlsx", book, "--lb", "--db", db], capsys)[0] == 0
    sheets = pd.read_excel(book, sheet_name=None)
    sets, reps = sheets["sets"], sheets["reps"]
    stored = d["sessions"][0]["sets"]
    assert len(sets) == len(stored) and sets["load_lb"].iloc[0] == pytest.approx(176.37, abs=0.01)
    assert list(sets["exercise"]) == [s["exercise"] for s in stored]
    assert len(reps) == sum(len(s["reps"]) + len(s["steps"]) for s in stored)
    assert {"rise_m", "mean_concentric_velocity_mps", "kind"} <= set(reps.columns)
    one = tmp_path / "a.xlsx"
    assert run_cli(["analyze", DEMO_DIR / "workout.csv", "--xlsx", one], capsys)[0] == 0
    assert len(pd.read_excel(one, sheet_name="reps")) == len(reps)
    rc, _, err = run_cli(["analyze", DEMO_DIR / "workout.csv", "--xlsx", tmp_path / "no" / "a.xlsx"], capsys)
    assert rc == 2 and "nothing was written" in err


def _app_files(tmp_path: Path, kind: str) -> tuple[Path, list[str]]:
    """The hip-thrust demo's pelvis as each app writes it, and the reading options `import` needs for it."""
    import numpy as np

    from tests.test_formats import _mapped_pair, phyphox_files, sensor_logger

    stream = read_recording(HIP).stream("pelvis")
    folder = tmp_path / kind
    folder.mkdir()
    given = ["--placement", "pelvis", "--exercise", "hip_thrust"]
    if kind == "sensor_logger":
        return sensor_logger(folder, stream)["TotalAcceleration"], given
    if kind == "phyphox":
        return phyphox_files(folder, stream, one_table=False)[0], given
    if kind == "columns_pair":
        acc, _ = _mapped_pair(folder, stream)
        return acc, [*given, "--columns", "time=ts,acc_x=ax,acc_y=ay,acc_z=az", "--columns",
                     "file=gyro.csv,time=stamp,gyr_x=wx,gyr_y=wy,gyr_z=wz", "--units", "time=ms,acc=g,gyr=dps"]
    unit = kind.removeprefix("timestamp_")  # ms or ns: integer ticks of an epoch clock, g and °/s
    ticks = 1_765_150_000 * {"ms": 1000, "ns": 10**9}[unit] + np.round(
        (stream.t_s - stream.t_s[0]) * {"ms": 1e3, "ns": 1e9}[unit]).astype(np.int64)
    path = folder / "phone.csv"
    rows = [f"{t},{a[0]:.6f},{a[1]:.6f},{a[2]:.6f},{w[0]:.5f},{w[1]:.5f},{w[2]:.5f}" for t, a, w in
            zip(ticks.tolist(), stream.acc_mps2 / 9.80665, np.degrees(stream.gyr_rads))]
    path.write_text("timestamp,ax,ay,az,gx,gy,gz\n" + "\n".join(rows) + "\n")
    return path, [*given, "--columns", "time=timestamp,acc_x=ax,acc_y=ay,acc_z=az,gyr_x=gx,gyr_y=gy,gyr_z=gz",
                  "--units", f"time={unit},acc=g,gyr=dps"]


@pytest.mark.parametrize("kind", ["sensor_logger", "phyphox", "timestamp_ms", "timestamp_ns", "columns_pair"])
def test_each_apps_export_goes_from_file_to_history_in_one_command(tmp_path, capsys, kind):
    """Done-when of issue 28: one `import` with the reading options; the history holds the demo's reps at the
    file's times from its start, and `--reanalyse` (no options) reads it the same way again."""
    path, options = _app_files(tmp_path, kind)
    db = tmp_path / "h.db"
    rc, out, err = run_cli(["import", path, *options, "--db", db], capsys)
    assert rc == 0 and "1 imported" in out, err
    assert "looks like" not in err  # the given exercise and placement fit the data
    [stored] = history_json(db, capsys, "--reps")["sessions"][0]["sets"]
    demo = json.loads(run_cli(["analyze", HIP, "--placement", "pelvis", "--exercise", "hip_thrust", "--json"],
                              capsys)[1])
    assert stored["exercise"] == "hip_thrust" and stored["rep_count"] == len(demo["reps"])
    t0 = read_recording(HIP).stream("pelvis").t_s[0]
    starts = [r["start_s"] for r in stored["reps"]]
    assert starts == pytest.approx([r["start_s"] - t0 for r in demo["reps"]], abs=0.06)  # from the first sample
    rc, out, err = run_cli(["import", "--reanalyse", "--db", db], capsys)
    assert rc == 0 and "reanalysed" in out, err
    [again] = history_json(db, capsys, "--reps")["sessions"][0]["sets"]
    assert [r["start_s"] for r in again["reps"]] == starts


def test_edits_survive_a_reanalysis_in_every_report_and_the_export_round_trips(tmp_path, capsys):
    """A dropped rep and a warm-up mark, kept through `--reanalyse`, in `history --json`, the text listing, the
    HTML report and the workbook; the workbook's reps sheet reads into pandas with every rep field of the JSON."""
    pd = pytest.importorskip("pandas")
    db = tmp_path / "h.db"
    assert run_cli(["import", DEMO_DIR / "workout.csv", "--db", db], capsys)[0] == 0
    n = history_json(db, capsys)["sessions"][0]["sets"][0]["rep_count"]
    for argv in (["1", "--drop-rep", "2"], ["2", "--warmup"]):
        rc, _, err = run_cli(["edit", "1", *argv, "--db", db], capsys)
        assert rc == 0, err
    assert run_cli(["import", "--reanalyse", "--db", db], capsys)[0] == 0
    sets = history_json(db, capsys, "--reps")["sessions"][0]["sets"]
    assert sets[0]["rep_count"] == n - 1 and [r["index"] for r in sets[0]["dropped_reps"]] == [2]
    assert sets[1]["warmup"] and sets[0]["edits"] and sets[1]["edits"]
    assert "edited:" in run_cli(["history", "--db", db], capsys)[1]
    page = tmp_path / "h.html"
    assert run_cli(["history", "--report", page, "--db", db], capsys)[0] == 0
    assert "edited:" in page.read_text(encoding="utf-8")
    book = tmp_path / "h.xlsx"
    assert run_cli(["history", "--xlsx", book, "--db", db], capsys)[0] == 0
    sheets = pd.read_excel(book, sheet_name=None)
    rows, reps = sheets["sets"], sheets["reps"]
    assert list(rows["warmup"]) == [s["warmup"] for s in sets] and rows["edits"].notna().iloc[:2].all()
    first = reps[(reps["set"] == 1) & (reps["kind"] == "rep")]
    assert len(first) == n - 1 and 2 not in set(first["index"])  # the dropped rep is not exported
    json_reps = sets[0]["reps"]
    derived = ("phases", "tempo_checks")  # from the columns: below, and the sets sheet's tempo
    for k in (k for k in json_reps[0] if k not in derived):  # every other field under its own name
        assert k in reps.columns, k
        got = [None if pd.isna(v) else v for v in first[k]]
        want = [(";".join(v) or None) if isinstance(v, list) else v for v in (r[k] for r in json_reps)]
        if all(isinstance(w, float) for w in want):
            assert got == pytest.approx(want, abs=1e-6), k
        else:
            assert got == want, k
    for r, (_, row) in zip(json_reps, first.iterrows()):  # the phases: back to back from the rep's start
        t = row["start_s"]
        for p in r["phases"]:
            length = row[f"{p['name']}_s"]
            assert (p["start_s"], p["end_s"]) == pytest.approx((t, t + length), abs=2e-3), p
            t += length


def test_read_options_round_trip_through_json():
    from ui.file_analysis import ReadOptions

    o = ReadOptions(placement="pelvis", exercise="clamshell", columns="time=t", units="time=ms", tempo="3-1-1-2",
                    tol_s=0.3, tol_frac=0.1)
    assert ReadOptions.from_json(o.to_json()) == o
    assert ReadOptions().to_json() == "{}" and ReadOptions.from_json("{}") == ReadOptions()


@pytest.mark.parametrize("argv, message", [
    (["annotate", "1", "--rpe", "11"], "--rpe 11"),
    (["annotate", "1", "--load-kg", "-5"], "--load-kg -5"),
    (["annotate", "99", "--rpe", "7"], "no session 99"),
    (["annotate", "1", "2", "--rpe", "7"], "no set 2"),
    (["annotate", "1"], "at least one of"),
    (["history", "--since", "last week"], "--since"),
    (["import"], "name the recordings"),
])
def test_bad_annotations_and_options_are_one_line(tmp_path, capsys, argv, message):
    db = tmp_path / "h.db"
    assert main(["import", str(HIP), "--db", str(db)]) == 0
    capsys.readouterr()
    rc, _, err = run_cli([*argv, "--db", db], capsys)
    assert rc == 2 and message in err and err.count("\n") == 1


# ------------------------------------------------------------------------------------------ reading


def test_history_lists_filters_and_reports_trends_with_velocity(tmp_path, capsys, season, season_db):
    db = season_db
    d = history_json(db, capsys)
    assert len(d["sessions"]) == season.count
    first = d["sessions"][0]
    assert {"id", "source", "content_sha256", "start_utc", "athlete", "simulated", "sensors", "sets"} <= set(first)
    assert {"exercise", "rep_count", "reps_on_tempo_pct", "mean_eccentric_s", "mean_rom_deg", "fault_counts",
            "mean_concentric_velocity_mps", "velocity_loss_pct", "load_kg", "rpe", "notes"} <= set(first["sets"][0])
    starts = [s["start_utc"] for s in d["sessions"]]
    assert starts == sorted(starts) and starts[0].startswith("2026-09-01")
    hip = d["trends"]["hip_thrust"]
    assert len(hip["sets"]) == season.count // 4
    assert {"reps_on_tempo_pct", "mean_eccentric_s", "lumbar_arch_reps", "pelvic_drop_reps", "mean_rom_deg",
            "mean_concentric_velocity_mps"} <= set(hip["change"])
    # the simulated lifter's lowering grows from ~2 s toward the prescribed 3 s
    assert hip["change"]["mean_eccentric_s"]["slope_per_week"] > 0
    assert hip["change"]["mean_eccentric_s"]["last"] > hip["change"]["mean_eccentric_s"]["first"]
    only = history_json(db, capsys, "--exercise", "glute_bridge", "--since", "2026-09-05")
    assert only["sessions"] and all(s["start_utc"] >= "2026-09-05" for s in only["sessions"])
    assert {st["exercise"] for s in only["sessions"] for st in s["sets"]} == {"glute_bridge"}
    assert set(only["trends"]) == {"glute_bridge"}
    with_reps = history_json(db, capsys, "--exercise", "hip_thrust", "--reps")
    rep = with_reps["sessions"][0]["sets"][0]["reps"][0]
    assert {"rise_m", "mean_concentric_velocity_mps", "peak_concentric_velocity_mps", "phases", "faults"} <= set(rep)
    assert history_json(db, capsys, "--athlete", "nobody") == {"sessions": [], "trends": {}}
    rc, out, _ = run_cli(["history", "--db", db, "--exercise", "hip_thrust"], capsys)
    assert rc == 0 and "trends" in out and "mean lowering (s)" in out and "/week" in out
    report = tmp_path / "out" / "history.html"
    rc, out, err = run_cli(["history", "--db", db, "--report", report], capsys)
    assert rc == 0, err
    text = report.read_text()
    assert text.count("<img ") == len(d["trends"]) and "data:image/png;base64," in text
    assert "Training history" in text and "hip thrust" in text


def test_history_without_a_database_says_so(tmp_path, capsys):
    db = tmp_path / "none.db"
    rc, out, _ = run_cli(["history", "--db", db], capsys)
    assert rc == 0 and "no history yet" in out and not db.exists()
    assert history_json(db, capsys) == {"sessions": [], "trends": {}}


# ------------------------------------------------------------------------------------------ batch


@dataclasses.dataclass(frozen=True)
class Season:
    folder: Path
    count: int


@pytest.fixture(scope="module")
def season(tmp_path_factory) -> Season:
    from tests.season import write_season

    folder = tmp_path_factory.mktemp("season")
    paths = write_season(folder, 12, reps=3)
    return Season(folder, len(paths))


@pytest.fixture(scope="module")
def season_db(tmp_path_factory, season) -> Path:
    """The season imported in this process (read-only for the tests that use it)."""
    db = tmp_path_factory.mktemp("season-db") / "h.db"
    assert main(["batch", str(season.folder), "--jobs", "1", "--db", str(db)]) == 0
    return db


def test_batch_in_processes_reports_bad_files_imports_the_rest_and_skips_known(tmp_path, capsys, season):
    folder = tmp_path / "season"
    shutil.copytree(season.folder, folder)
    (folder / "week-01" / "corrupt.csv").write_bytes(b"\x00\x01garbage" * 100)
    shutil.copy(no_exercise_copy(tmp_path), folder / "week-01" / "no-exercise.csv")
    (folder / "week-01" / "x.truth.json").write_text("{}")  # not a recording: not looked at
    db = tmp_path / "h.db"
    rc, out, err = run_cli(["batch", folder, "--jobs", "2", "--db", db], capsys)
    assert rc == 2
    errors = [ln for ln in err.splitlines() if ln.startswith("repscope: error:")]
    # the recording without an exercise is imported with its exercise recognised; the corrupt one is named
    assert len(errors) == 1 and "corrupt.csv" in errors[0]
    assert f"{season.count + 1} imported, 0 already in history, 1 failed" in out
    assert f"{season.count + 2}/{season.count + 2} recordings" in err  # the progress bar reached the end
    rc, out, err = run_cli(["batch", folder, "--jobs", "2", "--db", db], capsys)
    assert rc == 2 and f"0 imported, {season.count + 1} already in history, 1 failed" in out
    assert consistency_problems(db) == []


def test_batch_on_a_dask_cluster_writes_the_same_history(tmp_path, capsys, season, season_db):
    distributed = pytest.importorskip("distributed")
    db_local, db_dask = season_db, tmp_path / "dask.db"
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        rc, out, err = run_cli(["batch", season.folder, "--scheduler", c.scheduler_address, "--db", db_dask], capsys)
    assert rc == 0, err
    assert f"{season.count} imported" in out

    def figures(db):
        d = history_json(db, capsys, "--reps")
        return sorted((s["content_sha256"], json.dumps(s["sets"], sort_keys=True)) for s in d["sessions"])

    assert figures(db_dask) == figures(db_local)


def test_batch_to_an_unreachable_scheduler_is_one_line(tmp_path, capsys, season, monkeypatch):
    pytest.importorskip("distributed")
    from ui.commands import batch

    monkeypatch.setattr(batch, "DASK_CONNECT_TIMEOUT_S", 1.0)  # the default waits 10 s for a cluster to answer
    rc, _, err = run_cli(["batch", season.folder, "--scheduler", "tcp://127.0.0.1:9", "--db", tmp_path / "h.db"],
                         capsys)
    assert rc == 2 and "--scheduler tcp://127.0.0.1:9" in err.splitlines()[-1]


# ------------------------------------------------------------------------------------------ processes


def _cli_process(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "ui.cli", *args], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_two_processes_importing_at_once_give_one_session_per_recording(tmp_path):
    db = tmp_path / "h.db"
    files = [str(p) for p in DEMOS]
    a = _cli_process("import", *files, "--db", str(db))
    b = _cli_process("import", *files[::-1], "--db", str(db))
    (out_a, err_a), (out_b, err_b) = a.communicate(timeout=240), b.communicate(timeout=240)
    assert a.returncode == 0 and b.returncode == 0, err_a + err_b
    conn = sqlite3.connect(db)
    n = conn.execute("SELECT COUNT(*) FROM sessions").fetchone()[0]
    conn.close()
    assert n == len(DEMOS)
    imported = [int(x.split()[0]) for x in (out_a.splitlines()[-1], out_b.splitlines()[-1])]
    assert sum(imported) == len(DEMOS)  # each recording imported by exactly one of them
    assert consistency_problems(db) == []


WRITER = textwrap.dedent("""
    import dataclasses, sys
    from ui.history.db import HistoryDB
    from ui.history.importer import analyse_for_import
    from ui.history.store import save
    rec = analyse_for_import(sys.argv[2])
    with HistoryDB(sys.argv[1]) as db:
        for i in range(100000):  # one transaction after another, until killed
            save(db, dataclasses.replace(rec, sha256=f"{sys.argv[3]}-{i}"))
""")


def _sessions(db: Path) -> int:
    if not db.exists():
        return 0
    conn = sqlite3.connect(db, timeout=30)
    try:
        return conn.execute("SELECT COUNT(*) FROM sessions").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0
    finally:
        conn.close()


def _kill_when(db: Path, proc: subprocess.Popen, sessions: int, timeout_s: float = 120) -> None:
    t0 = time.monotonic()
    while _sessions(db) < sessions:
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() - t0 < timeout_s
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


def test_sigkill_in_the_middle_of_writes_leaves_a_consistent_database(tmp_path):
    db = tmp_path / "h.db"
    for k, after in enumerate((3, 20, 45)):  # killed at whatever instant the writes have reached
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(db), str(HIP), f"kill{k}"], cwd=REPO,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        _kill_when(db, proc, after)
        assert proc.returncode == -signal.SIGKILL
        assert consistency_problems(db) == []
    with HistoryDB(db) as h:  # still usable
        assert save(h, analyse_for_import(HIP)).status == "imported"


def test_batch_killed_midway_then_run_again_completes_the_import(tmp_path, season):
    db = tmp_path / "h.db"
    proc = _cli_process("batch", str(season.folder), "--jobs", "1", "--db", str(db))
    _kill_when(db, proc, 2)
    done = _sessions(db)
    assert 2 <= done < season.count and consistency_problems(db) == []
    again = _cli_process("batch", str(season.folder), "--jobs", "1", "--db", str(db))
    out, err = again.communicate(timeout=240)
    assert again.returncode == 0, err
    assert f"{season.count - done} imported, {done} already in history" in out
    assert _sessions(db) == season.count and consistency_problems(db) == []


# ------------------------------------------------------------------------------------------ record and live


def test_live_adds_its_recording_to_the_history(tmp_path, history_db):
    out = tmp_path / "live.csv"
    r = subprocess.run([sys.executable, "-m", "ui.cli", "live", "--simulate", "hip_thrust", "--reps", "3",
                        "--no-fidget", "--speed", "30", "--exit-at-end", "--record", str(out), "--athlete", "Ana",
                        "--load-kg", "60"],
                       cwd=REPO, capture_output=True, text=True, timeout=180, check=False,
                       env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert r.returncode == 0, r.stderr
    assert f"imported {out}" in r.stderr and "3 reps" in r.stdout
    with HistoryDB(history_db) as db:  # the test's REPSCOPE_DB
        [s] = load_sessions(db)
    assert s.source == str(out) and s.athlete == "Ana" and s.simulated
    assert s.sets[0].load_kg == 60.0 and len(s.sets[0].report.reps) == 3


def test_record_adds_its_recording_to_the_history(tmp_path, history_db, capsys):
    pytest.importorskip("bumble")
    from sensors.simulation import SimConfig, simulate_set
    from tests.ble.test_live_device import BootingAir, _sensors
    from ui.cli import build_parser
    from ui.commands import record

    sim = simulate_set(SimConfig(reps=3, eccentric_s=2.0, bottom_pause_s=0.5, top_pause_s=0.5, fidget=False,
                                 tempo_jitter=0.05), 8)
    [pel] = sim.streams
    air = BootingAir(_sensors([("diy", "F0:00:00:00:02:01", pel)]))
    out = tmp_path / "rec.csv"
    duration = (len(pel.t_s) - 200) / 100.0
    args = build_parser().parse_args(["record", "--device", "F0:00:00:00:02:01", "--placement", "pelvis",
                                      "--exercise", "hip_thrust", "-o", str(out), "--duration", str(duration),
                                      "--athlete", "Cleo", "--load-kg", "100"])
    assert record.run(args, backend=air) == 0
    printed = capsys.readouterr()
    assert f"imported {out}" in printed.err and "3 reps" in printed.out
    with HistoryDB(history_db) as db:
        [s] = load_sessions(db)
    assert s.athlete == "Cleo" and s.sets[0].load_kg == 100.0 and s.start_from == "metadata"


# ------------------------------------------------------------------------------------------ invariants


def _reports():
    from hypothesis import strategies as st

    from analysis.results import Phase, PhaseCheck, Rep, SetReport, Step, TempoTarget

    t = st.floats(0, 1e4, allow_nan=False)
    opt = st.none() | st.floats(-1e3, 1e3, allow_nan=False)
    phases = st.lists(st.tuples(st.sampled_from(("concentric", "top_pause", "eccentric", "bottom_pause")), t, t),
                      max_size=4).map(lambda ps: tuple(Phase(n, a, b) for n, a, b in ps))
    checks = st.none() | st.lists(st.builds(PhaseCheck, st.sampled_from(("eccentric", "top_pause")), t, t,
                                            st.booleans(), opt.filter(lambda x: x is not None)),
                                  max_size=3).map(tuple)
    words = st.lists(st.text(max_size=30), max_size=3).map(tuple)
    rep = st.builds(Rep, st.just(0), t, t, phases, t, t, opt, opt, st.none() | st.sampled_from(("left", "right")),
                    opt, opt, opt, checks, words, words)
    tempo = st.none() | st.builds(TempoTarget, st.floats(0.5, 20), st.floats(0, 20), st.none() | st.floats(0, 20),
                                  st.floats(0, 20), st.floats(0, 2), st.floats(0, 1))
    steps = st.lists(st.builds(Step, st.just(0), t, st.sampled_from(("left", "right")), t), max_size=3)

    def numbered(items):  # reps and steps are numbered 1, 2, … in order, as the analysis does
        return tuple(dataclasses.replace(x, index=i + 1) for i, x in enumerate(items))

    return st.builds(SetReport, st.sampled_from(("hip_thrust", "clamshell")), st.sampled_from(("pelvis", "thigh_left")),
                     tempo, st.lists(rep, max_size=4).map(numbered), steps.map(numbered),
                     st.none() | st.sampled_from(("standing", "set")), st.floats(0, 1), words, opt)


def test_any_set_report_reads_back_exactly_as_stored(tmp_path):
    from hypothesis import given, settings

    from ui.history.importer import AnalysedRecording, ImportedSet

    db = HistoryDB(tmp_path / "h.db")
    counter = iter(range(10**9))

    @settings(max_examples=40, deadline=None)
    @given(_reports(), _reports())
    def roundtrip(a, b):
        rec = AnalysedRecording(f"/r/{next(counter)}.csv", f"sha-{next(counter)}", "2026-10-01T10:00:00Z", "metadata",
                                False, "", (), (ImportedSet(1, a), ImportedSet(2, b)))
        session_id = save(db, rec).session_id
        stored = next(s for s in load_sessions(db, since="2026-10-01") if s.id == session_id)
        assert [s.report for s in stored.sets] == [a, b]  # exact: every float, None and string

    try:
        roundtrip()
    finally:
        db.close()
    assert consistency_problems(tmp_path / "h.db") == []


class _Terminal:
    def __init__(self):
        self.text = ""

    def write(self, s):
        self.text += s
        return len(s)

    def flush(self):
        pass

    def isatty(self):
        return True


def test_progress_bar_redraws_on_a_terminal_and_logs_tenths_otherwise():
    import io

    from ui.progress import ProgressBar

    log = io.StringIO()
    bar = ProgressBar(200, "recordings", stream=log)
    for i in range(201):
        bar.update(i, failed=i // 100)
    bar.close()
    lines = log.getvalue().splitlines()
    assert len(lines) == 11 and lines[-1].startswith("[" + "#" * 30 + "] 200/200 recordings · 2 failed")
    term = _Terminal()
    bar = ProgressBar(3, stream=term, min_interval_s=0)
    bar.update(1)
    print("repscope: error: x.csv: bad (skipped)", file=bar)  # printed above the bar, which is cleared first
    bar.update(3)
    bar.close()
    assert term.text.count("\r[") == 2 and "\r\x1b[Krepscope: error: x.csv" in term.text and term.text.endswith("\n")
