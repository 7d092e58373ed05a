"""Stored set summaries (schema version 5): what `history` shows from them is exactly what it showed when every set's
reps were read and summarised, edits (dropped reps, relabelled exercise, warm-ups, split, merge, deleted session)
included; a version-4 database built by this code gets its summaries filled by the migration."""
from __future__ import annotations

import dataclasses
import sqlite3

import pytest

from analysis.serialize import report_to_dict
from tests.conftest import DEMO_DIR
from ui.commands.history import format_history
from ui.history.db import HistoryDB
from ui.history.edits import Edit
from ui.history.importer import analyse_for_import
from ui.history.report import render
from ui.history.schema import SCHEMA_VERSION
from ui.history.serialize import history_to_dict, report_header
from ui.history.store import add_edit, delete_session, load_sessions, save, set_summary
from ui.history.trends import exercise_trends

DEMOS = ("hip-thrust.csv", "glute-bridge.csv", "lateral-band-walk.csv", "workout.csv", "clamshell.csv")


@pytest.fixture(scope="module")
def analysed():
    return {name: analyse_for_import(DEMO_DIR / name) for name in DEMOS}


def _edit(db, session, set_index: int, kind: str, rep_number: int | None = None, value: str | None = None):
    s = next(x for x in session.sets if x.index == set_index)
    set_at = 0.5 * (s.report.reps[0].start_s + s.report.reps[-1].end_s) if s.report.reps else s.start_s
    at = None
    if rep_number is not None:
        rep = s.report.reps[rep_number - 1]
        at = 0.5 * (rep.start_s + rep.end_s) if kind != "split" else rep.start_s
    add_edit(db, session.id, Edit(0, kind, set_at, at, value))


def _club(path, analysed) -> None:
    """Every demo twice (two athletes, a day apart), then corrections of every kind."""
    with HistoryDB(path) as db:
        for k, (name, rec) in enumerate(list(analysed.items()) * 2):
            rec = dataclasses.replace(rec, sha256=f"{k:064x}", start_utc=f"2026-0{1 + k // 5}-{10 + k:02d}T17:00:00Z")
            save(db, rec, athlete="Ana" if k % 2 else "Bo", load_kg=60.0 + k)
        by_source = {}
        for s in load_sessions(db):
            by_source.setdefault(s.source.rsplit("/", 1)[-1], []).append(s)
        hip, bridge, walk, workout, clam = (by_source[n][0] for n in DEMOS)
        _edit(db, hip, 1, "drop_rep", 2)
        _edit(db, bridge, 1, "relabel", value="hip_thrust")
        _edit(db, clam, 1, "warmup", value="1")
        _edit(db, workout, 1, "split", 4)
        _edit(db, next(s for s in load_sessions(db) if s.id == workout.id), 3, "merge")  # as split: 4 sets
        _edit(db, walk, 1, "relabel", value="lateral_band_walk")
        delete_session(db, by_source["hip-thrust.csv"][1].id)


def _outputs(sessions) -> dict:
    trends = exercise_trends(sessions)
    html = render(sessions, trends) if sessions else ""
    return {"json": history_to_dict(sessions, trends), "table": format_history(sessions, trends),
            "report": html.split("Made by repscope on")[0]}


def _as_before(sessions):
    """The sessions as the code before summaries saw them: every figure derived from the sets' reps."""
    return [dataclasses.replace(s, sets=tuple(dataclasses.replace(x, summary=None) for x in s.sets))
            for s in sessions]


@pytest.mark.parametrize("query", [{}, {"exercise": "hip_thrust"}, {"exercise": "lateral_band_walk"},
                                   {"athlete": "ana"}, {"since": "2026-02-01"}])
def test_summaries_show_exactly_what_the_reps_gave_edits_included(tmp_path, analysed, query):
    path = tmp_path / "club.db"
    _club(path, analysed)
    with HistoryDB(path) as db:
        full = load_sessions(db, reps=True, **query)
        light = load_sessions(db, reps=False, **query)
    assert full, "the query finds sessions"
    assert any(x.edits for s in full for x in s.sets) or query
    assert not all(x.has_reps for s in light for x in s.sets)  # unedited sessions are read without their reps
    assert _outputs(light) == _outputs(_as_before(full))


def test_a_version_4_database_gets_its_summaries_on_opening(tmp_path, analysed):
    path = tmp_path / "v4.db"
    _club(path, analysed)
    with HistoryDB(path) as db:
        before = _outputs(load_sessions(db, reps=False))
    conn = sqlite3.connect(path)  # back to version 4 exactly: the column and the index of version 5 gone
    conn.execute("DROP INDEX sessions_by_athlete")
    conn.execute("ALTER TABLE sets DROP COLUMN summary")
    conn.execute("PRAGMA user_version = 4")
    conn.commit()
    conn.close()
    with HistoryDB(path) as db:
        assert db.version() == SCHEMA_VERSION == 5
        assert db.conn.execute("SELECT COUNT(*) FROM sets WHERE summary IS NULL").fetchone()[0] == 0
        after = _outputs(load_sessions(db, reps=False))
    assert after == before


def test_the_json_header_of_a_set_is_analyze_s(analysed):
    for rec in analysed.values():
        for s in rec.sets:
            full = report_to_dict(s.report)
            assert report_header(s.report) == {k: full[k] for k in report_header(s.report)}
            assert set_summary(s.report)["summary"] == full["summary"]


def test_the_queries_use_indexes(tmp_path, analysed):
    """No query of `history` scans a whole table but the sessions it lists (EXPLAIN QUERY PLAN)."""
    path = tmp_path / "club.db"
    _club(path, analysed)
    conn = sqlite3.connect(path)
    try:
        plans = {
            "sets of sessions": "SELECT * FROM sets WHERE session_id IN (SELECT value FROM json_each(?))",
            "reps of sessions": "SELECT r.* FROM reps r JOIN sets st ON st.id = r.set_id WHERE st.session_id IN "
                                "(SELECT value FROM json_each(?))",
            "edits of sessions": "SELECT * FROM edits WHERE session_id IN (SELECT value FROM json_each(?))",
            "since": "SELECT * FROM sessions s WHERE s.start_utc >= ?",
            "exercise": "SELECT 1 FROM sets x WHERE x.session_id = ? AND x.exercise = ?",
        }
        for name, sql in plans.items():
            plan = " | ".join(r[3] for r in conn.execute(f"EXPLAIN QUERY PLAN {sql}", ["[1]"] * sql.count("?")))
            scans = [p for p in plan.split(" | ") if p.startswith("SCAN") and "json_each" not in p]
            assert not scans, f"{name}: {plan}"
    finally:
        conn.close()
