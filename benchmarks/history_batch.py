"""`repscope batch` on a season of simulated recordings: one process vs all cores (and a Dask LocalCluster).

    python benchmarks/history_batch.py [--files 240] [--reps 8] [--dir FOLDER] [--dask]

Each run is `python -m ui.cli batch DIR --jobs N` into a fresh database, timed by wall clock and by the CPU time
of the command and its worker processes (`RUSAGE_CHILDREN`): CPU / wall above 1 means more than one core
worked. Then the same command again on the full database (everything known: hashing only). The machine's load
average is printed too: other processes share the cores.
"""
from __future__ import annotations

import argparse
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def timed(argv: list[str]) -> tuple[float, float, str]:
    """(wall s, CPU s of the child and its children, last stdout line)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "ui.cli", *argv], cwd=REPO, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({r.returncode}): {r.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, r.stdout.strip().splitlines()[-1]


def sessions(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT COUNT(*) FROM sessions").fetchone()[0]
    finally:
        conn.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=240)
    ap.add_argument("--reps", type=int, default=8)
    ap.add_argument("--dir", type=Path, help="season folder to reuse (made if missing)")
    ap.add_argument("--dask", action="store_true", help="also run on a 2-worker Dask LocalCluster")
    args = ap.parse_args()
    from tests.season import write_season

    tmp = Path(tempfile.mkdtemp(prefix="repscope-bench-"))
    folder = args.dir or tmp / "season"
    existing = sorted(folder.rglob("*.csv")) if folder.exists() else []
    t0 = time.perf_counter()
    if len(existing) != args.files:
        write_season(folder, args.files, reps=args.reps, days_apart=1.0)
        print(f"simulated {args.files} recordings ({args.reps} reps each) in {time.perf_counter() - t0:.0f} s")
    size_mb = sum(p.stat().st_size for p in folder.rglob("*.csv")) / 1e6
    cores = os.cpu_count() or 1
    print(f"{args.files} recordings, {size_mb:.0f} MB, {cores} cores, load average {os.getloadavg()[0]:.1f}")
    print(f"{'run':<34} {'wall s':>7} {'CPU s':>7} {'CPU/wall':>8} {'files/s':>8}")
    runs = [("--jobs 1", ["--jobs", "1"]), (f"--jobs {cores}", ["--jobs", str(cores)])]
    walls = {}
    for name, extra in runs:
        db = tmp / f"{name.replace(' ', '').replace('-', '')}.db"
        wall, cpu, _ = timed(["batch", str(folder), "--db", str(db), *extra])
        assert sessions(db) == args.files
        walls[name] = wall
        print(f"{name:<34} {wall:>7.1f} {cpu:>7.1f} {cpu / wall:>8.2f} {args.files / wall:>8.1f}")
    again, cpu, line = timed(["batch", str(folder), "--db", str(db), "--jobs", str(cores)])
    known = "again, all known (" + line.split(",")[1].strip() + ")"
    print(f"{known:<34} {again:>7.1f} {cpu:>7.1f} {cpu / again:>8.2f}")
    if args.dask:
        from distributed import LocalCluster

        with LocalCluster(n_workers=cores, threads_per_worker=1, processes=True, dashboard_address=None) as c:
            db = tmp / "dask.db"
            wall, cpu, _ = timed(["batch", str(folder), "--db", str(db), "--scheduler", c.scheduler_address])
            assert sessions(db) == args.files
            walls["dask"] = wall
            print(f"{'--scheduler (LocalCluster, ' + str(cores) + ' workers)':<34} {wall:>7.1f} {'–':>7} {'–':>8} "
                  f"{args.files / wall:>8.1f}")
    print(f"speed-up --jobs {cores} vs --jobs 1: {walls['--jobs 1'] / walls[f'--jobs {cores}']:.2f}×"
          f" (load average now {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
