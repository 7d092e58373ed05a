"""Start-up cost of the command line: whole processes, CPU seconds of the child (user + sys), medians.

    python benchmarks/startup.py [--repeat 7] [--demo hip-thrust --demo clamshell ...] [--root CHECKOUT]

Runs, interleaved `--repeat` times in the same run:
  numpy   = `python -c "import numpy"` (the reference: the least any numerical Python tool pays),
  help    = `python -m ui.cli --help` (target ≤ 1.5× numpy),
  analyze = `python -m ui.cli analyze recordings/demo/<demo>.csv --json` per demo (target ≤ 3× numpy),
each from the repository root (so this checkout's code runs; `--root` times another checkout, e.g. the one before
a change, against the same numpy figure). CPU time is read from `resource.getrusage`
(RUSAGE_CHILDREN) around each child: on a machine shared with other work the wall time varies, CPU time much less.
Also prints the import-only cost of `analyze` (everything but reading and analysing), `python -c "import …"` of
the modules it loads.
"""
from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMOS = ("hip-thrust", "clamshell", "lateral-band-walk")
ANALYZE_IMPORTS = "import ui.commands.analyze, analysis.session, sensors.recording"  # no scipy.signal, no pandas


def child_cpu_s(argv: list[str], root: Path) -> tuple[float, float]:
    """(CPU s, wall s) of one child process run to completion in `root`; its output is discarded."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(argv, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.decode()[-300:]}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--demo", action="append", help=f"demo recording name (default: {', '.join(DEMOS)})")
    ap.add_argument("--root", type=Path, default=ROOT, help="checkout to time (default: this one)")
    args = ap.parse_args()
    root = args.root.resolve()
    py = sys.executable
    cases = {
        "python -c 'import numpy'": [py, "-c", "import numpy"],
        "repscope --help": [py, "-m", "ui.cli", "--help"],
        "imports of analyze only": [py, "-c", ANALYZE_IMPORTS],
    }
    for demo in args.demo or DEMOS:
        path = f"recordings/demo/{demo}.csv"
        if not (root / path).exists():
            raise SystemExit(f"{path}: no such demo")
        cases[f"repscope analyze {demo} --json"] = [py, "-m", "ui.cli", "analyze", path, "--json"]
    cpu: dict[str, list[float]] = {k: [] for k in cases}
    wall: dict[str, list[float]] = {k: [] for k in cases}
    for _ in range(args.repeat):
        for name, argv in cases.items():
            c, w = child_cpu_s(argv, root)
            cpu[name].append(c)
            wall[name].append(w)
    ref = statistics.median(cpu["python -c 'import numpy'"])
    print(f"start-up of {root}, {args.repeat} runs each, interleaved; CPU s of the child (user + sys), medians")
    print(f"{'command':<44} {'CPU s':>7} {'wall s':>7} {'× numpy':>8}  target")
    for name in cases:
        c = statistics.median(cpu[name])
        target = "≤ 1.5×" if name.endswith("--help") else "≤ 3×" if name.startswith("repscope analyze") else ""
        print(f"{name:<44} {c:>7.3f} {statistics.median(wall[name]):>7.3f} {c / ref:>7.2f}×  {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
