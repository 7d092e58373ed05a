"""History at the scale of a club (issue 26 item 4): 10,000 sessions over 5 years, then the queries a coach runs.

    python benchmarks/history_scale.py [--sessions 10000] [--athletes 40] [--years 5] [--db FILE | --existing FILE]

Builds the database without re-analysing each session: the demo recordings are analysed once
(`analyse_for_import`, as `import` does), then stored again and again through `store.save` (the importer's own
write) with a content hash, start time, file name and athlete of their own, the starts spread evenly over the
years (the build runs with `PRAGMA synchronous=OFF`: the build's speed is not what is measured). Then times, as
processes (`python -m ui.cli …`, start-up included; wall clock, medians of `--repeat`):

  history --json, history --json --exercise hip_thrust, history --json --since (the last 30 days),
  history (the table with the trends), history --report out.html, import of one more recording,
  history --json --reps (every rep of every set: once, for scale),

and prints the database's size and its indexes. Goal: every query ≤ 0.5 s, the report ≤ 3 s.
`--existing FILE` times a database built before (e.g. by an older checkout, to compare code on the same data):
its first open, which migrates it to this code's schema, is timed on its own first.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ui.history.db import open_history  # noqa: E402
from ui.history.importer import AnalysedRecording, analyse_for_import, utc_text  # noqa: E402
from ui.history.schema import SCHEMA_VERSION  # noqa: E402
from ui.history.store import save  # noqa: E402

DEMOS = sorted(p for p in (REPO / "recordings" / "demo").glob("*.csv") if p.name != "workout.csv")
FIRST_DAY = dt.datetime(2021, 1, 4, 17, 0, tzinfo=dt.timezone.utc)


def analysed_demos() -> list[AnalysedRecording]:
    """Each demo analysed once, as `import` analyses a file."""
    out = []
    for path in DEMOS:
        rec = analyse_for_import(path)
        if not isinstance(rec, AnalysedRecording):
            raise SystemExit(f"{path}: {rec.problem}")
        out.append(rec)
    return out


def build(db_path: Path, n: int, athletes: int, years: float) -> float:
    """`n` sessions of the demos' analyses into a fresh database; the build's wall seconds."""
    demos = analysed_demos()
    step_s = years * 365.25 * 86400 / n
    t0 = time.perf_counter()
    with open_history(str(db_path)) as db:
        db.conn.execute("PRAGMA synchronous=OFF")
        for k in range(n):
            src = demos[k % len(demos)]
            start = FIRST_DAY + dt.timedelta(seconds=k * step_s)
            rec = replace(src, sha256=f"{k:064x}", start_utc=utc_text(start),
                          path=f"/club/athlete{k % athletes:02d}/{start:%Y-%m-%d}-{k}.csv")
            save(db, rec, athlete=f"athlete{k % athletes:02d}")
    return time.perf_counter() - t0


def timed(argv: list[str], repeat: int) -> tuple[float, int]:
    """Median wall seconds of `python -m ui.cli ARGV` as a process, and its stdout's size (bytes)."""
    walls, size = [], 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        r = subprocess.run([sys.executable, "-m", "ui.cli", *argv], cwd=REPO, capture_output=True, check=False)
        walls.append(time.perf_counter() - t0)
        if r.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed ({r.returncode}): {r.stderr[-1000:].decode()}")
        size = len(r.stdout)
    return statistics.median(walls), size


def indexes(db_path: Path) -> list[str]:
    conn = sqlite3.connect(db_path)
    try:
        return [f"{t}({n})" for n, t in conn.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = 'index'"
                                                     " AND name NOT LIKE 'sqlite_%' ORDER BY tbl_name, name")]
    finally:
        conn.close()


def schema_version(db_path: Path) -> int:
    conn = sqlite3.connect(db_path)
    try:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()


def first_open(db_path: Path) -> None:
    """Open an older database once (its migration to this code's schema), timed, before the queries."""
    version = schema_version(db_path)
    if version == SCHEMA_VERSION:
        return
    wall, _ = timed(["history", "--json", "--since", "9999-01-01", "--db", str(db_path)], 1)
    print(f"first open of the version-{version} database: migrated to version {SCHEMA_VERSION} in {wall:.2f} s "
          f"(as a process); database now {db_path.stat().st_size / 1e6:.1f} MB")


def build_or_reuse(args, tmp: Path) -> Path:
    """The database to time: `--existing` (migrated once, timed), else a fresh one built here."""
    if args.existing:
        first_open(args.existing)
        return args.existing
    db = args.db or tmp / "history.sqlite"
    if db.exists():
        raise SystemExit(f"{db} exists: the benchmark builds a fresh database (--existing times one as it is)")
    built_s = build(db, args.sessions, args.athletes, args.years)
    print(f"{args.sessions:,} sessions ({args.athletes} athletes, {args.years:g} years, {len(DEMOS)} demo analyses "
          f"stored again) built in {built_s:.0f} s")
    return db


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=10_000)
    ap.add_argument("--athletes", type=int, default=40)
    ap.add_argument("--years", type=float, default=5.0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--db", type=Path, help="database to build (default: a temporary one)")
    ap.add_argument("--existing", type=Path, help="time this database (built by the same --sessions/--years) instead")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="repscope-history-"))
    db = build_or_reuse(args, tmp)
    last = FIRST_DAY + dt.timedelta(days=args.years * 365.25)
    since = (last - dt.timedelta(days=30)).strftime("%Y-%m-%d")
    base = ["--db", str(db)]
    cases = [("history --json", ["history", "--json", *base]),
             ("history --json --exercise hip_thrust", ["history", "--json", "--exercise", "hip_thrust", *base]),
             (f"history --json --since {since}", ["history", "--json", "--since", since, *base]),
             ("history (table and trends)", ["history", *base]),
             ("history --report out.html", ["history", "--report", str(tmp / "report.html"), *base])]
    print(f"database {db.stat().st_size / 1e6:.1f} MB ({db.stat().st_size / args.sessions / 1e3:.1f} kB a session), "
          f"schema version {schema_version(db)}")
    print(f"indexes: {', '.join(indexes(db)) or 'none'}")
    print(f"wall seconds as a process (start-up included), medians of {args.repeat}; targets: query ≤ 0.5 s, "
          f"report ≤ 3 s")
    for label, argv in cases:
        wall, size = timed(argv, args.repeat)
        print(f"  {label:<44} {wall:6.2f} s  ({size / 1e6:.1f} MB out)")
    one = tmp / "one-more.csv"
    one.write_bytes(DEMOS[0].read_bytes() + f"# one more {time.time_ns()}\n".encode())  # new content: a new session
    wall, _ = timed(["import", str(one), *base], 1)
    print(f"  {'import of one more recording':<44} {wall:6.2f} s")
    wall, size = timed(["history", "--json", "--reps", *base], 1)
    print(f"  {'history --json --reps (once)':<44} {wall:6.2f} s  ({size / 1e6:.1f} MB out)")
    wall, _ = timed(["--help"], args.repeat)
    print(f"  {'(start-up alone: repscope --help)':<44} {wall:6.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
