"""Analysed recordings into the history tables, annotations, and the stored sessions read back as `SetReport`s.

A recording is written in one transaction (session, sensors, sets, reps, steps) keyed by its content hash: the
same content twice is one session, and a killed writer leaves either the whole session or nothing. Stored sets
come back as the very `SetReport` the analysis produced, so `analysis.serialize` gives the same figures as
`repscope analyze`. Each set also keeps its figures (`set_summary`, written with it): a listing, the trends and the
report read those and load a set's reps only where they are printed (`load_sessions(reps=True)`) or where the
lifter's edits change them.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import sqlite3
from dataclasses import dataclass

import orjson

from analysis.results import Phase, PhaseCheck, Rep, SetReport, Step, TempoTarget
from analysis.tempo import format_tempo
from ui.errors import UserError
from ui.file_analysis import ReadOptions
from ui.history.db import HistoryDB, HistoryError
from ui.history.edits import KINDS, Edit, EditedSet, apply_edits
from ui.history.importer import AnalysedRecording, ImportedSet, SensorRow, utc_text

RPE_RANGE = (1.0, 10.0)

REP_COLUMNS = (
    "set_id", "rep_index", "start_s", "end_s", "phases", "concentric_s", "top_pause_s", "eccentric_s",
    "bottom_pause_s", "time_under_tension_s", "rom_deg", "peak_speed_dps", "tilt_sagittal_deg", "pelvic_drop_deg",
    "pelvic_drop_side", "rise_m", "mean_concentric_velocity_mps", "peak_concentric_velocity_mps", "tempo_ok",
    "tempo_checks", "faults", "cues",
)
SET_COLUMNS = (
    "session_id", "set_index", "exercise", "placement", "tempo", "tempo_eccentric_s", "tempo_bottom_pause_s",
    "tempo_concentric_s", "tempo_top_pause_s", "tempo_tol_s", "tempo_tol_frac", "tilt_reference",
    "calibration_confidence", "calibration_notes", "start_s", "end_s", "rep_count", "step_count",
    "velocity_loss_pct", "load_kg", "rpe", "notes", "summary",
)


@dataclass(frozen=True)
class StoredSet:
    """A set as the history shows it: the analysis with the lifter's edits applied (`index` counts the edited
    sets; `stored_index` is the analysed set it comes from, which `annotate` names). `summary` is `set_summary` of
    `report`; read without reps (`has_reps` False), `report` holds the set's header only (no reps, no steps)."""

    id: int
    index: int
    report: SetReport
    start_s: float | None
    load_kg: float | None
    rpe: float | None
    notes: str
    warmup: bool = False
    dropped: tuple[Rep, ...] = ()  # reps the lifter dropped
    edits: tuple[str, ...] = ()  # what the lifter changed, in words
    stored_index: int | None = None
    summary: dict | None = None
    has_reps: bool = True


@dataclass(frozen=True)
class StoredSession:
    id: int
    source: str
    sha256: str
    start_utc: str | None
    start_from: str
    athlete: str | None
    simulated: bool
    imported_utc: str
    analysed_utc: str
    analysed_with: str
    sensors: tuple[SensorRow, ...]
    sets: tuple[StoredSet, ...]


@dataclass(frozen=True)
class SaveOutcome:
    session_id: int
    status: str  # "imported" | "already" (same content, left as it was) | "reanalysed"
    warnings: tuple[str, ...] = ()


def repscope_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("repscope")
    except metadata.PackageNotFoundError:
        return "unknown"


def _f(x) -> float | None:
    return None if x is None else float(x)


def check_load_kg(load_kg: float | None) -> float | None:
    if load_kg is not None and not (math.isfinite(load_kg) and load_kg >= 0):
        raise UserError(f"--load-kg {load_kg:g}: must be a weight in kg, 0 or more")
    return load_kg


def check_rpe(rpe: float | None) -> float | None:
    if rpe is not None and not (RPE_RANGE[0] <= rpe <= RPE_RANGE[1]):
        raise UserError(f"--rpe {rpe:g}: must be from {RPE_RANGE[0]:g} to {RPE_RANGE[1]:g}")
    return rpe


# ------------------------------------------------------------------------------------------------- writing


def _mean(values) -> float | None:
    import numpy as np  # not for `--help`: command modules import this one

    vals = [v for v in values if v is not None]
    return None if not vals else float(np.mean(vals))


def set_summary(report: SetReport) -> dict:
    """What a listing, the trends and the report show of a set: `analyze`'s summary, and the velocity over the reps
    where it was measured (mean of the reps' means, m/s; the best rep's peak, m/s)."""
    from analysis.serialize import summary  # numpy: not for `--help`

    peaks = [r.peak_concentric_velocity_mps for r in report.reps if r.peak_concentric_velocity_mps is not None]
    return {"summary": summary(report),
            "mean_concentric_velocity_mps": _mean(r.mean_concentric_velocity_mps for r in report.reps),
            "peak_concentric_velocity_mps": max(peaks) if peaks else None}


def _summary_text(report: SetReport) -> str:
    return json.dumps(set_summary(report))  # NaN, should a figure be one, as json's NaN token: read back as NaN


def _summary_of(text: str) -> dict:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:  # a NaN token (orjson reads strict JSON only)
        return json.loads(text)


def _rep_row(set_id: int, r: Rep) -> tuple:
    checks = None if r.tempo_checks is None else json.dumps(
        [[c.name, float(c.measured_s), float(c.target_s), bool(c.ok), float(c.error_s)] for c in r.tempo_checks])
    return (
        set_id, int(r.index), float(r.start_s), float(r.end_s),
        json.dumps([[p.name, float(p.start_s), float(p.end_s)] for p in r.phases]),
        _f(r.concentric_s), _f(r.top_pause_s), _f(r.eccentric_s), _f(r.bottom_pause_s), float(r.time_under_tension_s),
        float(r.rom_deg), float(r.peak_speed_dps), _f(r.tilt_sagittal_deg), _f(r.pelvic_drop_deg), r.pelvic_drop_side,
        _f(r.rise_m), _f(r.mean_concentric_velocity_mps), _f(r.peak_concentric_velocity_mps),
        None if r.tempo_ok is None else int(r.tempo_ok), checks, json.dumps(list(r.faults)), json.dumps(list(r.cues)),
    )


def _set_span(report: SetReport) -> tuple[float | None, float | None]:
    if report.reps:
        return float(report.reps[0].start_s), float(report.reps[-1].end_s)
    if report.steps:
        return float(report.steps[0].t_s), float(report.steps[-1].t_s + report.steps[-1].duration_s)
    return None, None


def _insert_set(conn, session_id: int, s: ImportedSet, load_kg, rpe, notes: str) -> None:
    rep = s.report
    t = rep.tempo_target
    tempo = (None,) * 7 if t is None else (
        format_tempo(t), float(t.eccentric_s), float(t.bottom_pause_s), _f(t.concentric_s), float(t.top_pause_s),
        float(t.tol_s), float(t.tol_frac))
    start_s, end_s = _set_span(rep)
    row = (session_id, s.index, rep.exercise, rep.placement, *tempo, rep.tilt_reference,
           float(rep.calibration_confidence), json.dumps(list(rep.calibration_notes)), start_s, end_s,
           len(rep.reps), len(rep.steps), _f(rep.velocity_loss_pct), load_kg, rpe, notes, _summary_text(rep))
    cur = conn.execute(f"INSERT INTO sets ({', '.join(SET_COLUMNS)}) VALUES ({', '.join('?' * len(row))})", row)
    set_id = cur.lastrowid
    conn.executemany(f"INSERT INTO reps ({', '.join(REP_COLUMNS)}) VALUES ({', '.join('?' * len(REP_COLUMNS))})",
                     [_rep_row(set_id, r) for r in rep.reps])
    conn.executemany("INSERT INTO steps (set_id, step_index, t_s, side, duration_s) VALUES (?, ?, ?, ?, ?)",
                     [(set_id, int(st.index), float(st.t_s), st.side, float(st.duration_s)) for st in rep.steps])


def _athlete_id(conn, name: str | None) -> int | None:
    if not name:
        return None
    conn.execute("INSERT OR IGNORE INTO athletes (name) VALUES (?)", (name,))
    return conn.execute("SELECT id FROM athletes WHERE name = ?", (name,)).fetchone()[0]


def _insert_session(conn, rec: AnalysedRecording, athlete: str | None, now: str) -> int:
    cur = conn.execute(
        "INSERT INTO sessions (content_sha256, source, start_utc, start_from, athlete_id, simulated, recording_notes,"
        " imported_utc, analysed_utc, analysed_with, set_count, read_options)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (rec.sha256, rec.path, rec.start_utc, rec.start_from, _athlete_id(conn, athlete), int(rec.simulated),
         rec.notes, now, now, repscope_version(), len(rec.sets), rec.read_options.to_json()))
    session_id = cur.lastrowid
    conn.executemany(
        "INSERT INTO session_sensors (session_id, placement, model, rate_hz, address) VALUES (?, ?, ?, ?, ?)",
        [(session_id, s.placement, s.model, s.rate_hz, s.address) for s in rec.sensors])
    return session_id


def _replace_sets(conn, session_id: int, rec: AnalysedRecording, now: str) -> tuple[str, ...]:
    """New analysis of a known session: its sets replaced, each set's load/RPE/notes kept by its index."""
    kept = {row[0]: row[1:] for row in conn.execute(
        "SELECT set_index, load_kg, rpe, notes FROM sets WHERE session_id = ?", (session_id,))}
    conn.execute("DELETE FROM sets WHERE session_id = ?", (session_id,))
    for s in rec.sets:
        _insert_set(conn, session_id, s, *kept.pop(s.index, (None, None, "")))
    conn.execute("UPDATE sessions SET analysed_utc = ?, analysed_with = ?, set_count = ?, source = ?, read_options = ?"
                 " WHERE id = ?", (now, repscope_version(), len(rec.sets), rec.path, rec.read_options.to_json(),
                                   session_id))
    return tuple(f"{rec.path}: set {i} no longer found by the analysis: its annotations (load {v[0]}, RPE {v[1]}, "
                 f"notes {v[2]!r}) were dropped" for i, v in kept.items() if v != (None, None, ""))


def save(db: HistoryDB, rec: AnalysedRecording, *, athlete: str | None = None, load_kg: float | None = None,
         reanalyse: bool = False) -> SaveOutcome:
    """Store one analysed recording. Known content is left as it was, unless `reanalyse` (then its sets are
    replaced, annotations kept). `load_kg` annotates every set of a new session."""
    now = utc_text(dt.datetime.now(dt.timezone.utc))
    with db.write() as conn:
        row = conn.execute("SELECT id FROM sessions WHERE content_sha256 = ?", (rec.sha256,)).fetchone()
        if row is not None and not reanalyse:
            return SaveOutcome(row[0], "already")
        if row is not None:
            return SaveOutcome(row[0], "reanalysed", _replace_sets(conn, row[0], rec, now))
        session_id = _insert_session(conn, rec, athlete, now)
        for s in rec.sets:
            _insert_set(conn, session_id, s, load_kg, None, "")
    return SaveOutcome(session_id, "imported")


def known_hashes(db: HistoryDB) -> set[str]:
    with db.read() as conn:
        return {r[0] for r in conn.execute("SELECT content_sha256 FROM sessions")}


def session_sources(db: HistoryDB) -> list[tuple[int, str, str, ReadOptions]]:
    """(id, source path, content hash, reading options) of every session, oldest first."""
    with db.read() as conn:
        return [(r[0], r[1], r[2], ReadOptions.from_json(r[3])) for r in conn.execute(
            "SELECT id, source, content_sha256, read_options FROM sessions ORDER BY id")]


def read_options_for(db: HistoryDB, path: str, given: ReadOptions) -> ReadOptions:
    """The options to read `path` with: those given on the command line, else the ones its content was imported
    with (`--reanalyse` repeats them), else the defaults."""
    if given != ReadOptions():
        return given
    from ui.history.importer import content_sha256
    try:
        sha = content_sha256(path)
    except OSError:
        return given  # the analysis names the problem
    with db.read() as conn:
        row = conn.execute("SELECT read_options FROM sessions WHERE content_sha256 = ?", (sha,)).fetchone()
    return given if row is None else ReadOptions.from_json(row[0])


def session_id_for_hash(db: HistoryDB, sha256: str) -> int | None:
    with db.read() as conn:
        row = conn.execute("SELECT id FROM sessions WHERE content_sha256 = ?", (sha256,)).fetchone()
    return None if row is None else row[0]


def annotate(db: HistoryDB, session_id: int, set_index: int | None, *, athlete: str | None = None,
             load_kg: float | None = None, rpe: float | None = None, note: str | None = None) -> None:
    """Set the session's athlete and/or one set's load, RPE and notes (`note` replaces the set's notes)."""
    check_load_kg(load_kg)
    check_rpe(rpe)
    with db.write() as conn:
        row = conn.execute("SELECT set_count FROM sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None:
            raise HistoryError(f"{db.path}: no session {session_id} (repscope history lists them)")
        if athlete is not None:
            conn.execute("UPDATE sessions SET athlete_id = ? WHERE id = ?", (_athlete_id(conn, athlete), session_id))
        fields = {k: v for k, v in (("load_kg", load_kg), ("rpe", rpe), ("notes", note)) if v is not None}
        if not fields:
            return
        if set_index is None:
            if row[0] != 1:
                raise UserError(f"session {session_id} has {row[0]} sets: name the SET to annotate")
            set_index = 1
        cur = conn.execute(f"UPDATE sets SET {', '.join(f'{k} = ?' for k in fields)} "
                           "WHERE session_id = ? AND set_index = ?", (*fields.values(), session_id, set_index))
        if cur.rowcount == 0:
            raise UserError(f"session {session_id} has no set {set_index} (it has {row[0]})")


# ------------------------------------------------------------------------------------------------- reading


def _rep(row) -> Rep:
    checks = None if row["tempo_checks"] is None else tuple(
        PhaseCheck(n, m, t, bool(ok), e) for n, m, t, ok, e in json.loads(row["tempo_checks"]))
    return Rep(
        index=row["rep_index"], start_s=row["start_s"], end_s=row["end_s"],
        phases=tuple(Phase(n, a, b) for n, a, b in json.loads(row["phases"])),
        rom_deg=row["rom_deg"], peak_speed_dps=row["peak_speed_dps"], tilt_sagittal_deg=row["tilt_sagittal_deg"],
        pelvic_drop_deg=row["pelvic_drop_deg"], pelvic_drop_side=row["pelvic_drop_side"], rise_m=row["rise_m"],
        mean_concentric_velocity_mps=row["mean_concentric_velocity_mps"],
        peak_concentric_velocity_mps=row["peak_concentric_velocity_mps"], tempo_checks=checks,
        faults=tuple(json.loads(row["faults"])), cues=tuple(json.loads(row["cues"])),
    )


def _report(row, reps: tuple[Rep, ...], steps: tuple[Step, ...]) -> SetReport:
    tempo = None if row["tempo"] is None else TempoTarget(
        row["tempo_eccentric_s"], row["tempo_bottom_pause_s"], row["tempo_concentric_s"], row["tempo_top_pause_s"],
        row["tempo_tol_s"], row["tempo_tol_frac"])
    return SetReport(
        exercise=row["exercise"], placement=row["placement"], tempo_target=tempo, reps=reps, steps=steps,
        tilt_reference=row["tilt_reference"], calibration_confidence=row["calibration_confidence"],
        calibration_notes=tuple(orjson.loads(row["calibration_notes"])), velocity_loss_pct=row["velocity_loss_pct"],
    )


def _grouped(rows, key: str, make) -> dict:
    out: dict = {}
    for row in rows:
        out.setdefault(row[key], []).append(make(row))
    return out


def _sensor_row(r) -> SensorRow:
    return SensorRow(r["placement"], r["model"], r["rate_hz"], r["address"])


def _session_filter(athlete: str | None, exercise: str | None, since: str | None) -> tuple[str, list]:
    where, params = ["1 = 1"], []
    if athlete is not None:
        where.append("a.name = ? COLLATE NOCASE")
        params.append(athlete)
    if since is not None:
        where.append("s.start_utc >= ?")
        params.append(since)
    if exercise is not None:  # a relabelled set may be of it now: its session is read, `_only` decides
        where.append("(s.id IN (SELECT x.session_id FROM sets x WHERE x.exercise = ?) OR "  # one pass of its index
                     "s.id IN (SELECT e.session_id FROM edits e WHERE e.kind = 'relabel'))")
        params.append(exercise)
    return " AND ".join(where), params


def _step(r) -> Step:
    return Step(r["step_index"], r["t_s"], r["side"], r["duration_s"])


def _in_ids(column: str) -> str:
    return f"{column} IN (SELECT value FROM json_each(?))"


def _reps_and_steps(conn, ids: str) -> tuple[dict, dict]:
    """Set id → its reps, set id → its steps, of the sessions `ids` (a JSON list)."""
    reps = _grouped(conn.execute(f"SELECT r.* FROM reps r JOIN sets st ON st.id = r.set_id WHERE "
                                 f"{_in_ids('st.session_id')} ORDER BY r.set_id, r.rep_index", [ids]), "set_id", _rep)
    steps = _grouped(conn.execute(f"SELECT p.* FROM steps p JOIN sets st ON st.id = p.set_id WHERE "
                                  f"{_in_ids('st.session_id')} ORDER BY p.set_id, p.step_index", [ids]), "set_id",
                     _step)
    return reps, steps


def _stored_set(r, reps: dict | None, steps: dict | None) -> StoredSet:
    """A set row as a `StoredSet`: with its reps and steps when given, else its header and stored summary."""
    if reps is None or steps is None:
        return StoredSet(r["id"], r["set_index"], _report(r, (), ()), r["start_s"], r["load_kg"], r["rpe"], r["notes"],
                         stored_index=r["set_index"], summary=_summary_of(r["summary"]), has_reps=False)
    report = _report(r, tuple(reps.get(r["id"], ())), tuple(steps.get(r["id"], ())))
    kept = r["summary"]
    return StoredSet(r["id"], r["set_index"], report, r["start_s"], r["load_kg"], r["rpe"], r["notes"],
                     stored_index=r["set_index"], summary=set_summary(report) if kept is None else _summary_of(kept))


def _sets_of_sessions(conn, ids: str, full: set[int] | None) -> dict[int, list[StoredSet]]:
    """Session id → its stored sets; with reps and steps for the sessions in `full` (every one when None), else
    header and summary (a set stored without a summary is read whole)."""
    rows = conn.execute(f"SELECT * FROM sets WHERE {_in_ids('session_id')} ORDER BY session_id, set_index",
                        [ids]).fetchall()
    if full is not None:
        full = full | {r["session_id"] for r in rows if r["summary"] is None}
    reps, steps = _reps_and_steps(conn, ids if full is None else json.dumps(sorted(full)))
    return _grouped(rows, "session_id", lambda r: _stored_set(r, reps, steps) if full is None or r["session_id"]
                    in full else _stored_set(r, None, None))


def fill_set_summaries(conn: sqlite3.Connection) -> int:
    """Store `set_summary` for every set without one (the migration to version 5); the number filled."""
    conn.row_factory = sqlite3.Row
    try:
        rows = conn.execute("SELECT * FROM sets WHERE summary IS NULL").fetchall()
        ids = json.dumps(sorted({r["session_id"] for r in rows}))
        reps, steps = _reps_and_steps(conn, ids)
        conn.executemany("UPDATE sets SET summary = ? WHERE id = ?", [
            (_summary_text(_report(r, tuple(reps.get(r["id"], ())), tuple(steps.get(r["id"], ())))), r["id"])
            for r in rows])
    finally:
        conn.row_factory = None
    return len(rows)


def _edits_of_sessions(conn, ids: str) -> dict[int, list[Edit]]:
    rows = conn.execute("SELECT * FROM edits WHERE session_id IN (SELECT value FROM json_each(?)) ORDER BY id", [ids])
    return _grouped(rows, "session_id", lambda r: Edit(r["id"], r["kind"], r["set_at_s"], r["at_s"], r["value"]))


def _edited(sets: list[StoredSet], edits: list[Edit]) -> tuple[StoredSet, ...]:
    """The stored sets (read with their reps) with the session's edits applied, numbered 1… in the edited order."""
    if not edits:
        return tuple(sets)
    by_index = {s.index: s for s in sets}
    view = apply_edits([EditedSet(s.report, s.start_s, s.index) for s in sets], edits)
    return tuple(dataclasses.replace(
        by_index[v.stored_index], index=i, report=v.report, start_s=v.start_s, warmup=v.warmup, dropped=v.dropped,
        edits=v.edits, summary=set_summary(v.report)) for i, v in enumerate(view, 1))


def _only(sessions: list[StoredSession], exercise: str | None) -> list[StoredSession]:
    """Only `exercise`'s sets (as edited: a relabelled set counts as its new exercise), sessions without one gone."""
    if exercise is None:
        return sessions
    kept = [dataclasses.replace(s, sets=tuple(x for x in s.sets if x.report.exercise == exercise)) for s in sessions]
    return [s for s in kept if s.sets]


def load_sessions(db: HistoryDB, *, athlete: str | None = None, exercise: str | None = None,
                  since: str | None = None, reps: bool = True) -> list[StoredSession]:
    """Sessions (oldest first) with their sets as edited; `exercise` keeps only that exercise's sets, `since` is an
    ISO date (sessions starting on or after it), `athlete` is matched ignoring case. `reps=False`: the sets' reps
    and steps are read only where edits change them (the others: header and stored summary, `has_reps` False)."""
    where, params = _session_filter(athlete, exercise, since)
    with db.read() as conn:
        conn.row_factory = sqlite3.Row
        try:
            sessions = conn.execute(
                "SELECT s.*, a.name AS athlete FROM sessions s LEFT JOIN athletes a ON a.id = s.athlete_id "
                f"WHERE {where} ORDER BY s.start_utc, s.id", params).fetchall()
            ids = json.dumps([s["id"] for s in sessions])
            edits = _edits_of_sessions(conn, ids)
            sets = _sets_of_sessions(conn, ids, None if reps else set(edits))
            sensors = _grouped(conn.execute("SELECT * FROM session_sensors WHERE session_id IN "
                                            "(SELECT value FROM json_each(?)) ORDER BY session_id, placement", [ids]),
                               "session_id", _sensor_row)
        finally:
            conn.row_factory = None
    return _only([StoredSession(
        s["id"], s["source"], s["content_sha256"], s["start_utc"], s["start_from"], s["athlete"], bool(s["simulated"]),
        s["imported_utc"], s["analysed_utc"], s["analysed_with"], tuple(sensors.get(s["id"], ())),
        _edited(sets.get(s["id"], []), edits.get(s["id"], []))) for s in sessions], exercise)


def add_edit(db: HistoryDB, session_id: int, edit: Edit) -> None:
    """Keep one correction of a session (`edit.id` is ignored: the database numbers it)."""
    if edit.kind not in KINDS:
        raise UserError(f"unknown edit {edit.kind!r}")
    with db.write() as conn:
        _known_session(conn, db, session_id)
        conn.execute("INSERT INTO edits (session_id, kind, set_at_s, at_s, value, created_utc) "
                     "VALUES (?, ?, ?, ?, ?, ?)", (session_id, edit.kind, edit.set_at_s, edit.at_s, edit.value,
                                                   utc_text(dt.datetime.now(dt.timezone.utc))))


def undo_edit(db: HistoryDB, session_id: int) -> bool:
    """Take back the session's last correction; False when it has none."""
    with db.write() as conn:
        _known_session(conn, db, session_id)
        row = conn.execute("SELECT MAX(id) FROM edits WHERE session_id = ?", (session_id,)).fetchone()
        if row[0] is None:
            return False
        conn.execute("DELETE FROM edits WHERE id = ?", (row[0],))
    return True


def delete_session(db: HistoryDB, session_id: int) -> str:
    """Remove a session with its sets, reps, steps and edits (the recording file is left alone); its source."""
    with db.write() as conn:
        _known_session(conn, db, session_id)
        source = conn.execute("SELECT source FROM sessions WHERE id = ?", (session_id,)).fetchone()[0]
        conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
    return source


def _known_session(conn, db: HistoryDB, session_id: int) -> None:
    if conn.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone() is None:
        raise HistoryError(f"{db.path}: no session {session_id} (repscope history lists them)")
