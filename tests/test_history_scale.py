"""The history-at-scale benchmark builds what it says: every session stored once, each with its own hash, athlete
and start, spread over the years asked, the sets of the demo it copies; and `history` reads them all back."""
from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from benchmarks import history_scale

REPO = Path(__file__).resolve().parents[1]


def test_the_club_database_holds_every_session_spread_over_the_years(tmp_path):
    db = tmp_path / "club.sqlite"
    history_scale.build(db, 14, athletes=3, years=2.0)
    conn = sqlite3.connect(db)
    try:
        n, hashes, first, last = conn.execute(
            "SELECT COUNT(*), COUNT(DISTINCT content_sha256), MIN(start_utc), MAX(start_utc) FROM sessions").fetchone()
        athletes = conn.execute("SELECT COUNT(*) FROM athletes").fetchone()[0]
        sets = conn.execute("SELECT COUNT(*) FROM sets").fetchone()[0]
    finally:
        conn.close()
    assert n == hashes == 14 and athletes == 3
    assert first.startswith("2021-01-04") and last.startswith("2022-")  # 13 steps of 2 years / 14
    assert sets >= 14  # every demo holds a set
    r = subprocess.run([sys.executable, "-m", "ui.cli", "history", "--json", "--db", str(db)], cwd=REPO,
                       capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr
    assert len(json.loads(r.stdout)["sessions"]) == 14
