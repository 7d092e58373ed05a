"""Rep segmentation on real thigh recordings (../shared/data/real-pt-dev), beside the simulator's technique draw.

    python benchmarks/realpt.py [--data DIR] [--exercise NAME …] [--sim-sets 6] [--seed 1] [--verbose]

The real sample (its README: one person, an Xsens MTw on the lateral right thigh, 25 Hz; thigh lifts out, hold,
back about a still pelvis) goes through the analysis as a user's file does: `analyze FILE --placement thigh_right
--json` as a process, without an exercise (recognised) and with each `--exercise` given.

- Blocks: each `*_test` session is cut into its `reference_blocks` (the block's span plus `BLOCK_PAD_S` either
  side, written as a generic CSV); a block counts where both reference detectors found 10 reps (the protocol's
  number), and is exact when the analysis reports 10 reps over all the sets it found.
- Labelled reps: each `*_template` session is analysed whole; each `official_reps` entry (the dataset authors'
  start/end of one correct, one fast and one small rep) is found when a reported rep (lift onset to lowering end)
  overlaps it with IoU ≥ 0.3, one to one; the start and end errors of the found ones are summarised (median |ms|).

Beside them, the same figures on simulated real-session sets of the technique draw (`benchmarks/accuracy.py
real_session_config`: seated abduction or clamshell on the right thigh at 25 Hz, three blocks of slow held, fast
and small reps with rests between, overshoot and settle, the hard draw's sensor errors), cut into blocks by the
simulator's truth the same way: blocks exact, and every true rep found with its start/end error.
Without ../shared the real part is skipped with a message.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DEFAULT_DATA = REPO.parent / "shared" / "data" / "real-pt-dev"
PLACEMENT = "thigh_right"
BLOCK_PAD_S = 2.0  # rest kept either side of a block's span when it is cut out
IOU_MIN = 0.3  # a labelled rep is found by a reported rep overlapping it this much (the project's rep match)
PROTOCOL_REPS = 10  # reps per test block
CSV_HEADER = "time_s,acc_x_mps2,acc_y_mps2,acc_z_mps2,gyr_x_rads,gyr_y_rads,gyr_z_rads"


@dataclass
class Score:
    """Blocks exact and labelled reps found, with their boundary errors (s, found − labelled)."""

    blocks: list = field(default_factory=list)  # (name, kind, reps found or None for a failed run, truth)
    reps_found: int = 0
    reps_labelled: int = 0
    start_err_s: list = field(default_factory=list)
    end_err_s: list = field(default_factory=list)

    def line(self) -> str:
        exact = sum(found == want for _, _, found, want in self.blocks)
        med = lambda e: f"{1000 * np.median(np.abs(e)):.0f}" if e else "–"  # noqa: E731
        return (f"blocks exact {exact}/{len(self.blocks)}; labelled reps found {self.reps_found}/"
                f"{self.reps_labelled}, |start| / |end| error median {med(self.start_err_s)} / "
                f"{med(self.end_err_s)} ms")


# ------------------------------------------------------------------------------------------------ running analyze


def analyze_json(path: Path, exercise: str | None) -> dict | None:
    """`repscope analyze PATH --placement thigh_right [--exercise E] --json` as a process; None when it fails."""
    cmd = [sys.executable, "-m", "ui.cli", "analyze", str(path), "--placement", PLACEMENT, "--json"]
    cmd += ["--exercise", exercise] if exercise else []
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        return None
    return json.loads(proc.stdout)


def rep_spans(report: dict | None) -> list[tuple[float, float]]:
    """Every reported rep's span (lift onset, lowering end), over all the sets."""
    if report is None:
        return []
    reps = report.get("reps", [])  # a workout's top level holds every set's reps
    spans = []
    for rep in reps:
        phases = {p["name"]: p for p in rep["phases"]}
        start = phases["concentric"]["start_s"] if "concentric" in phases else rep["start_s"]
        end = phases["eccentric"]["end_s"] if "eccentric" in phases else rep["end_s"]
        spans.append((start, end))
    return spans


def iou(a: tuple[float, float], b: tuple[float, float]) -> float:
    inter = max(0.0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union > 0 else 0.0


def match_labelled(labelled: list[tuple[float, float]], found: list[tuple[float, float]]) -> list[tuple[int, int]]:
    """One-to-one pairs (labelled, found) with IoU ≥ IOU_MIN, the best overlaps first."""
    cand = sorted(((iou(w, g), i, j) for i, w in enumerate(labelled) for j, g in enumerate(found)), reverse=True)
    used_i, used_j, pairs = set(), set(), []
    for v, i, j in cand:
        if v >= IOU_MIN and i not in used_i and j not in used_j:
            used_i.add(i)
            used_j.add(j)
            pairs.append((i, j))
    return pairs


def add_reps(score: Score, labelled: list[tuple[float, float]], found: list[tuple[float, float]]) -> None:
    score.reps_labelled += len(labelled)
    for i, j in match_labelled(labelled, found):
        score.reps_found += 1
        score.start_err_s.append(found[j][0] - labelled[i][0])
        score.end_err_s.append(found[j][1] - labelled[i][1])


def write_cut(path: Path, rows: np.ndarray, t0: float, t1: float) -> None:
    """The samples of `rows` (time first) in [t0, t1] as a generic CSV."""
    part = rows[(rows[:, 0] >= t0) & (rows[:, 0] <= t1)]
    np.savetxt(path, part, fmt="%.6f", delimiter=",", header=CSV_HEADER, comments="")


# ------------------------------------------------------------------------------------------------ real sample


def score_real(data: Path, work: Path, exercise: str | None, verbose: bool) -> Score:
    """Blocks of the test sessions and the labelled reps of the template sessions."""
    score = Score()
    for truth_path in sorted(data.glob("*_test.truth.json")):
        stem = truth_path.name.removesuffix(".truth.json")
        truth = json.loads(truth_path.read_text())
        rows = np.loadtxt(data / f"{stem}.{PLACEMENT}.csv", delimiter=",", skiprows=1)
        for k, block in enumerate(truth["reference_blocks"], start=1):
            if not (block["n_thigh"] == PROTOCOL_REPS and block["n_shank"] == PROTOCOL_REPS):
                continue  # the references disagree: the block's count is not known
            cut = work / f"{stem}_b{k}.{PLACEMENT}.csv"
            t0, t1 = block["block_s"]
            write_cut(cut, rows, t0 - BLOCK_PAD_S, t1 + BLOCK_PAD_S)
            found = rep_spans(analyze_json(cut, exercise))
            score.blocks.append((f"{stem} block {k}", _block_kind(k, truth), len(found), PROTOCOL_REPS))
    for truth_path in sorted(data.glob("*_template.truth.json")):
        stem = truth_path.name.removesuffix(".truth.json")
        truth = json.loads(truth_path.read_text())
        found = rep_spans(analyze_json(data / f"{stem}.{PLACEMENT}.csv", exercise))
        labelled = [(r["start_s"], r["end_s"]) for r in truth["official_reps"]]
        add_reps(score, labelled, found)
        if verbose:
            print(f"    {stem}: labelled {[(round(a, 1), round(b, 1)) for a, b in labelled]}")
            print(f"    {'':{len(stem)}}  found    {[(round(a, 1), round(b, 1)) for a, b in found]}")
    if verbose:
        for name, kind, found, want in score.blocks:
            print(f"    {name} ({kind}): {found} reps of {want}")
    return score


BLOCK_KINDS = ("correct", "fast", "low amplitude")  # the protocol's order of a test session's three blocks


def _block_kind(k: int, truth: dict) -> str:
    return BLOCK_KINDS[k - 1] if len(truth["reference_blocks"]) == len(BLOCK_KINDS) else "?"


# ------------------------------------------------------------------------------------------------ simulated


def score_simulated(n_sets: int, seed: int, work: Path, exercise_given: bool) -> Score:
    """Real-session-like simulated sets, cut into their blocks by the truth; every true rep is a labelled one."""
    from benchmarks.accuracy import real_session_config
    from sensors.simulation import simulate_set

    rng = np.random.default_rng(seed)
    score = Score()
    for n in range(n_sets):
        cfg = real_session_config(rng)
        res = simulate_set(cfg, int(rng.integers(2**31)))
        s = res.streams[0]
        rows = np.column_stack([s.t_s, s.acc_mps2, s.gyr_rads])
        reps = res.truth["reps"]
        for k in range(len(cfg.blocks)):
            mine = [r for r in reps if r["block"] == k]
            spans = [(r["start_s"], next(p["end_s"] for p in r["phases"] if p["name"] == "eccentric")) for r in mine]
            cut = work / f"sim{n}_b{k + 1}.csv"
            write_cut(cut, rows, spans[0][0] - BLOCK_PAD_S, spans[-1][1] + BLOCK_PAD_S)
            found = rep_spans(analyze_json(cut, cfg.exercise if exercise_given else None))
            score.blocks.append((f"sim {n} {cfg.exercise} block {k + 1}", BLOCK_KINDS[k], len(found), len(mine)))
            add_reps(score, spans, found)
    return score


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--exercise", nargs="*", default=["clamshell", "seated_hip_abduction"],
                    help="also run with each of these exercises given (besides none: recognised)")
    ap.add_argument("--sim-sets", type=int, default=6, help="simulated real-session sets (3 blocks each)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    t_start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if (args.data / "README.md").exists():
            for ex in [None, *args.exercise]:
                score = score_real(args.data, work, ex, args.verbose)
                print(f"real thigh recordings, exercise {ex or 'recognised'}: {score.line()}")
                by_kind = {}
                for _, kind, found, want in score.blocks:
                    ok, n = by_kind.get(kind, (0, 0))
                    by_kind[kind] = (ok + (found == want), n + 1)
                print("    blocks exact by kind: " + ", ".join(f"{k} {ok}/{n}" for k, (ok, n) in by_kind.items()))
        else:
            print(f"real-data sample not found at {args.data} (../shared is absent): real part skipped")
        for given in (False, True):
            sim = score_simulated(args.sim_sets, args.seed, work, given)
            print(f"simulated real-session sets (technique draw, {args.sim_sets} sets × 3 blocks, exercise "
                  f"{'given' if given else 'recognised'}): {sim.line()}")
            if args.verbose:
                for name, kind, found, want in sim.blocks:
                    print(f"    {name} ({kind}): {found} reps of {want}")
    print(f"({time.perf_counter() - t_start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
