"""The history database's schema as migrations: version N is the first N scripts applied in order.

A database records its version in `PRAGMA user_version` and is marked as ours by `PRAGMA application_id`.
Never edit a released script: add a new one. Version 1 is the schema before the velocity figures (issue 16);
version 2 adds them; version 3 the options a session's file is read with (`--reanalyse` repeats them);
version 4 the lifter's corrections (`edits`, applied on reading: the analysed sets stay reproducible); version 5
each set's figures as analysed (`sets.summary`, filled for the sets already stored by `FILLS`), so listing, trends
and reports read one row per set and a set's reps only where they are printed, and the athlete's index.

Times: `start_utc`, `imported_utc`, `analysed_utc` are ISO 8601 UTC text `YYYY-MM-DDTHH:MM:SSZ`; `start_s`/`end_s`
are seconds on the recording's clock. Lists (phases, tempo checks, faults, cues, calibration notes) are JSON text.
Every figure of `repscope analyze --json` has a home; the phase durations are stored next to the phase
boundaries they come from so that SQL can query them.
"""
from __future__ import annotations

APPLICATION_ID = 0x52505343  # "RPSC": a repscope history database

_V1 = """
CREATE TABLE athletes (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE
);
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    content_sha256 TEXT NOT NULL UNIQUE,         -- of the recording's bytes: the same content is one session
    source TEXT NOT NULL,                        -- absolute path of the recording when it was imported
    start_utc TEXT,
    start_from TEXT NOT NULL CHECK (start_from IN ('metadata', 'file_time')),
    athlete_id INTEGER REFERENCES athletes(id) ON DELETE SET NULL,
    simulated INTEGER NOT NULL DEFAULT 0,
    recording_notes TEXT NOT NULL DEFAULT '',
    imported_utc TEXT NOT NULL,
    analysed_utc TEXT NOT NULL,
    analysed_with TEXT NOT NULL,                 -- repscope version that produced the sets
    set_count INTEGER NOT NULL                   -- rows in `sets` (a consistency check)
);
CREATE INDEX sessions_by_start ON sessions (start_utc);
CREATE TABLE session_sensors (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    placement TEXT NOT NULL,
    model TEXT NOT NULL,
    rate_hz REAL NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (session_id, placement)
);
CREATE TABLE sets (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    set_index INTEGER NOT NULL,                  -- 1-based within the recording
    exercise TEXT NOT NULL,
    placement TEXT NOT NULL,                     -- the sensor the reps were segmented on
    tempo TEXT,                                  -- notation E-B-C-T, NULL = no target
    tempo_eccentric_s REAL, tempo_bottom_pause_s REAL, tempo_concentric_s REAL, tempo_top_pause_s REAL,
    tempo_tol_s REAL, tempo_tol_frac REAL,
    tilt_reference TEXT,
    calibration_confidence REAL NOT NULL,
    calibration_notes TEXT NOT NULL DEFAULT '[]',
    start_s REAL,
    end_s REAL,
    rep_count INTEGER NOT NULL,                  -- rows in `reps` (a consistency check)
    step_count INTEGER NOT NULL,                 -- rows in `steps`
    load_kg REAL CHECK (load_kg IS NULL OR load_kg >= 0),
    rpe REAL CHECK (rpe IS NULL OR (rpe >= 1 AND rpe <= 10)),
    notes TEXT NOT NULL DEFAULT '',
    UNIQUE (session_id, set_index)
);
CREATE INDEX sets_by_exercise ON sets (exercise);
CREATE TABLE reps (
    set_id INTEGER NOT NULL REFERENCES sets(id) ON DELETE CASCADE,
    rep_index INTEGER NOT NULL,
    start_s REAL NOT NULL,
    end_s REAL NOT NULL,
    phases TEXT NOT NULL,                        -- [[name, start_s, end_s], ...]
    concentric_s REAL, top_pause_s REAL, eccentric_s REAL, bottom_pause_s REAL,
    time_under_tension_s REAL NOT NULL,
    rom_deg REAL NOT NULL,
    peak_speed_dps REAL NOT NULL,
    tilt_sagittal_deg REAL,
    pelvic_drop_deg REAL,
    pelvic_drop_side TEXT,
    tempo_ok INTEGER,
    tempo_checks TEXT,                           -- [[phase, measured_s, target_s, ok, error_s], ...] or NULL
    faults TEXT NOT NULL DEFAULT '[]',
    cues TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (set_id, rep_index)
);
CREATE TABLE steps (
    set_id INTEGER NOT NULL REFERENCES sets(id) ON DELETE CASCADE,
    step_index INTEGER NOT NULL,
    t_s REAL NOT NULL,
    side TEXT NOT NULL,
    duration_s REAL NOT NULL,
    PRIMARY KEY (set_id, step_index)
);
"""

_V2 = """
ALTER TABLE reps ADD COLUMN rise_m REAL;
ALTER TABLE reps ADD COLUMN mean_concentric_velocity_mps REAL;
ALTER TABLE reps ADD COLUMN peak_concentric_velocity_mps REAL;
ALTER TABLE sets ADD COLUMN velocity_loss_pct REAL;
"""

_V3 = """
ALTER TABLE sessions ADD COLUMN read_options TEXT NOT NULL DEFAULT '{}';  -- ui.file_analysis.ReadOptions as JSON
"""

_V4 = """
CREATE TABLE edits (
    id INTEGER PRIMARY KEY,                      -- applied in this order (ui.history.edits)
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('drop_rep', 'restore_rep', 'relabel', 'warmup', 'split', 'merge')),
    set_at_s REAL NOT NULL,                      -- a time inside the set, recording clock: survives re-analysis
    at_s REAL,                                   -- a rep's middle (drop/restore), where the second part begins (split)
    value TEXT,                                  -- the exercise (relabel), '1' or '0' (warmup)
    created_utc TEXT NOT NULL
);
CREATE INDEX edits_by_session ON edits (session_id);
"""

_V5 = """
ALTER TABLE sets ADD COLUMN summary TEXT;        -- ui.history.store.set_summary of the analysed set as JSON
CREATE INDEX sessions_by_athlete ON sessions (athlete_id, start_utc);
"""

MIGRATIONS: tuple[str, ...] = (_V1, _V2, _V3, _V4, _V5)
# version → "module:function(conn)" run in the migration's transaction after that version's script: what SQL alone
# cannot fill (imported lazily: the schema stays free of the analysis code)
FILLS: dict[int, str] = {5: "ui.history.store:fill_set_summaries"}
SCHEMA_VERSION = len(MIGRATIONS)


def statements(script: str) -> list[str]:
    """One migration script as its statements (no `;` inside a statement in these scripts)."""
    lines = [line.split("--", 1)[0] for line in script.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
