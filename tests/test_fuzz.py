"""Seeded fuzzing of the file reader and `analyze`: every mutated file gives a result or one clean error line.

Mutated copies of the demo recordings and of generic CSVs made from them (byte flips, truncations, duplicated,
deleted or swapped lines, numbers replaced by huge/NaN/text values, time jumps, header and event mutations,
other text encodings) go through `read_recording`; a sample of them also through `repscope analyze` in a worker
process with a per-run timeout. `python -m tests.test_fuzz N K SEED`: a larger campaign (N files read, K analysed).
"""
from __future__ import annotations

import contextlib
import io
import json
import multiprocessing
import random
import re
import sys
import time
import traceback
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from sensors.recording import RecordingError, RecordingWarning, read_recording
from tests.conftest import DEMO_DIR, REPO

READER_CASES = 320
CLI_CASES = 24
CLI_TIMEOUT_S = 20.0
SEED = 20260124
MAX_NUL_ESCAPES = 2  # one corrupt cell may show as '\x00'; a wide-encoded file must not fill a message with them
ERROR_LINE = re.compile(r"^repscope: error: \S.*$")

BAD_NUMBERS = ("1e30", "-1e30", "1e308", "-1.7e308", "nan", "inf", "-inf", "NaN", "abc", "", "0", "-0", "1e5", "-1",
               "9" * 400, "true", "0x1F", "1,5", " ", "1e-320", "12.5.3", "\x00", "é")
BAD_JSON = ("true", "false", "null", "0", "-1", "1e400", "\"x\"", "[]", "{}", "[1, 2]", "\"pelvis\"", "nan", "{", "abc",
            "\"fast\"", "1.5", "{\"a\": 1}")
EVENT_LINES = (
    '# event: {"kind": "gap", "sensor": "pelvis", "t_s": "abc", "dropped": 1, "after_s": 1.0}',
    '# event: {"kind": "gap", "sensor": "pelvis", "t_s": 5.0, "dropped": 1, "after_s": "x"}',
    '# event: {"kind": "gap", "sensor": 7, "t_s": 5.0, "after_s": null}',
    '# event: {"kind": "note", "sensor": null, "t_s": [1]}',
    '# event: {"kind": null, "t_s": 1}',
    '# event: {"kind": "gap", "sensor": "pelvis", "t_s": 1e400, "after_s": -1e400}',
    '# event: ["gap"]',
    '# event: {"kind": "skipped", "t_s": true, "count": "x"}',
)
SENSOR_FIELDS = ("sensor_id", "placement", "rate_hz", "acc_range_g", "gyr_range_dps", "model", "extra", "address")


# ---------------------------------------------------------------------------------------------------------- seeds


def seed_files(workdir: Path) -> list[tuple[Path, str | None]]:
    """The demo recordings plus generic CSVs made from them: (path, placement to pass or None)."""
    seeds: list[tuple[Path, str | None]] = [(p, None) for p in sorted(DEMO_DIR.glob("*.csv"))]
    for k, demo in enumerate(sorted(DEMO_DIR.glob("*.csv"))):
        s = read_recording(demo).streams[0]
        si = k % 2 == 0
        acc = s.acc_mps2 if si else s.acc_mps2 / 9.80665
        gyr = s.gyr_rads if si else np.degrees(s.gyr_rads)
        acc_unit, gyr_unit = ("mps2", "rads") if si else ("g", "dps")
        names = ["time_s"] + [f"acc_{a}_{acc_unit}" for a in "xyz"] + [f"gyr_{a}_{gyr_unit}" for a in "xyz"]
        out = workdir / f"generic-{demo.stem}.csv"
        block = np.column_stack([s.t_s, acc, gyr])
        np.savetxt(out, block, fmt="%.9g", delimiter=",", header=",".join(names), comments="")
        seeds.append((out, s.placement))
    return seeds


# ---------------------------------------------------------------------------------------------------------- mutations


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def _data_line(lines: list[bytes], rng: random.Random, last: bool = False) -> int:
    body = [i for i, ln in enumerate(lines) if ln and not ln.startswith(b"#") and b"time_s" not in ln]
    return body[-1] if last else rng.choice(body)


def byte_flips(data: bytes, rng: random.Random) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        b[rng.randrange(len(b))] = rng.randrange(256)
    return bytes(b)


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(len(data))]


def duplicate_line(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    i = rng.randrange(len(lines))
    return b"\n".join(lines[: i + 1] + [lines[i]] + lines[i + 1 :])


def delete_line(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    i = rng.randrange(min(len(lines), 20)) if rng.random() < 0.5 else rng.randrange(len(lines))
    return b"\n".join(lines[:i] + lines[i + 1 :])


def swap_lines(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    i = _data_line(lines, rng)
    j = min(len(lines) - 1, i + rng.randint(1, 3))
    lines[i], lines[j] = lines[j], lines[i]
    return b"\n".join(lines)


def replace_number(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    i = _data_line(lines, rng, last=rng.random() < 0.2)
    cells = lines[i].split(b",")
    c = rng.randrange(len(cells))
    cells[c] = rng.choice(BAD_NUMBERS).encode()
    lines[i] = b",".join(cells)
    return b"\n".join(lines)


def time_jump(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    i = _data_line(lines, rng, last=rng.random() < 0.6)
    cells = lines[i].split(b",")
    c = 1 if lines[0].startswith(b"# repscope") else 0
    try:
        cells[c] = repr(float(cells[c]) + rng.choice((-1, 1)) * 10 ** rng.uniform(2, 12)).encode()
    except ValueError:
        return data
    lines[i] = b",".join(cells)
    return b"\n".join(lines)


def repeat_time(data: bytes, rng: random.Random) -> bytes:
    """A sample's time set to the previous sample's of the same sensor (an export rounded to 10 ms, a spreadsheet):
    two differing samples at one time."""
    lines = _lines(data)
    body = [i for i, ln in enumerate(lines) if ln and not ln.startswith(b"#") and b"time_s" not in ln]
    c = 1 if lines[0].startswith(b"# repscope") else 0
    i = rng.choice(body[1:])
    sensor = lines[i].split(b",")[0]
    prev = next(k for k in reversed(body[:body.index(i)]) if c == 0 or lines[k].split(b",")[0] == sensor)
    cells = lines[i].split(b",")
    cells[c] = lines[prev].split(b",")[c]
    lines[i] = b",".join(cells)
    return b"\n".join(lines)


def repeat_sample(data: bytes, rng: random.Random) -> bytes:
    """A sample's line written twice."""
    lines = _lines(data)
    i = _data_line(lines, rng)
    return b"\n".join(lines[: i + 1] + [lines[i]] + lines[i + 1:])


def header_value(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    heads = [i for i, ln in enumerate(lines[:20]) if re.match(rb"# \w+: ", ln)]
    if not heads:
        return replace_column_name(data, rng)
    i = rng.choice(heads)
    key, _, value = lines[i].partition(b": ")
    if key == b"# sensor" and rng.random() < 0.7:
        d = json.loads(value)
        d[rng.choice(SENSOR_FIELDS)] = json.loads(rng.choice([j for j in BAD_JSON if j not in ("{", "abc", "nan")]))
        lines[i] = key + b": " + json.dumps(d).encode()
    elif rng.random() < 0.2:
        lines.insert(i, lines[i])  # duplicated header line (e.g. a second, identical sensor)
    else:
        lines[i] = key + b": " + rng.choice(BAD_JSON).encode()
    return b"\n".join(lines)


def replace_column_name(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    i = next(k for k, ln in enumerate(lines) if b"time_s" in ln and not ln.startswith(b"#"))
    cells = lines[i].split(b",")
    c = rng.randrange(len(cells))
    cells[c] = rng.choice((b"", b"acc_q", cells[c] + b"x", cells[(c + 1) % len(cells)], b'"' + cells[c]))
    lines[i] = b",".join(cells)
    return b"\n".join(lines)


def insert_event(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    i = _data_line(lines, rng)
    return b"\n".join(lines[:i] + [rng.choice(EVENT_LINES).encode()] + lines[i:])


def reencode(data: bytes, rng: random.Random) -> bytes:
    codec = rng.choice(("utf-16-le", "utf-16-be", "utf-16", "utf-32-le", "utf-32", "latin-1", "utf-8-sig"))
    return data.decode("utf-8").encode(codec)


SAMPLE_MUTATIONS = ("replace_number", "time_jump", "swap_lines", "duplicate_line", "delete_line")
MUTATIONS = (byte_flips, truncate, duplicate_line, delete_line, swap_lines, replace_number, replace_number, time_jump,
             time_jump, header_value, header_value, replace_column_name, insert_event, reencode)


def mutated_cases(workdir: Path, n: int, seed: int = SEED) -> list[tuple[Path, str | None, str]]:
    """`n` mutated files written to `workdir`: (path, placement, mutation name)."""
    rng = random.Random(seed)
    seeds = [(p, placement, p.read_bytes()) for p, placement in seed_files(workdir)]
    cases = []
    for k in range(n):
        src, placement, data = seeds[k % len(seeds)]
        mutation = MUTATIONS[rng.randrange(len(MUTATIONS))]
        out = workdir / f"m{k:05d}-{mutation.__name__}-{src.name}"
        out.write_bytes(mutation(data, rng))
        cases.append((out, placement, mutation.__name__))
    return cases


# ---------------------------------------------------------------------------------------------------------- outcomes


def read_outcome(path: Path, placement: str | None) -> str:
    """'ok', 'ok+warn', 'error' (a clean one-line RecordingError naming the file) or 'crash: …'."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            read_recording(path, placement=placement)
        except RecordingError as exc:
            msg = str(exc)
            if "\n" in msg or "\r" in msg or not msg.startswith(str(path)) or msg.count("\\x00") > MAX_NUL_ESCAPES:
                return f"crash: bad message {msg[:200]!r}"
            return "error"
        except Exception as exc:  # noqa: BLE001 — the point of the test
            return f"crash: {type(exc).__name__}: {exc!s:.200} at {traceback.extract_tb(exc.__traceback__)[-1]}"
    stray = [w for w in caught if not issubclass(w.category, RecordingWarning)]
    if stray:
        return f"crash: stray warning {stray[0].category.__name__}: {stray[0].message}"
    return "ok+warn" if caught else "ok"


def cli_run(argv: list[str]) -> tuple[int, str, str]:
    """`repscope analyze …` in this process: (exit code, stdout, stderr); an escaped exception is a traceback."""
    from ui.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), warnings.catch_warnings():
        warnings.simplefilter("default")
        try:
            rc = main(argv)
        except SystemExit as exc:
            rc = exc.code if isinstance(exc.code, int) else 1
        except BaseException:  # noqa: BLE001
            traceback.print_exc()
            rc = -1
    return rc, out.getvalue(), err.getvalue()


def cli_outcome(rc: int, stdout: str, stderr: str) -> tuple[str, int | None]:
    """('ok' | 'ok+warn' | 'error' | 'crash: …', rep count of an ok run)."""
    lines = stderr.splitlines()
    errors = [ln for ln in lines if ln.startswith("repscope: error:")]
    warned = any(ln.startswith("repscope: warning:") for ln in lines)
    others = [ln for ln in lines if not ln.startswith(("repscope: error:", "repscope: warning:"))]
    if "Traceback" in stderr or others:
        return f"crash: rc {rc}: {stderr[-300:]!r}", None
    if rc == 0 and not errors:
        return ("ok+warn" if warned else "ok"), len(json.loads(stdout)["reps"])
    if rc == 2 and len(errors) == 1 and ERROR_LINE.match(errors[0]) and errors[0].count("\\x00") <= MAX_NUL_ESCAPES:
        return "error", None
    return f"crash: rc {rc}: {stderr[-300:]!r}", None


def run_cli_cases(argvs: list[list[str]], timeout_s: float = CLI_TIMEOUT_S) -> list[tuple[str, int | None]]:
    """Outcomes of `analyze` runs in a worker process; a run over `timeout_s` is a 'hang' (worker restarted)."""
    ctx = multiprocessing.get_context("spawn")
    outcomes: list[tuple[str, int | None]] = []
    pool = ctx.Pool(1)
    try:
        for argv in argvs:
            try:
                outcomes.append(cli_outcome(*pool.apply_async(cli_run, (argv,)).get(timeout=timeout_s)))
            except multiprocessing.TimeoutError:
                outcomes.append(("hang", None))
                pool.terminate()
                pool = ctx.Pool(1)
    finally:
        pool.terminate()
    return outcomes


def _argv(path: Path, placement: str | None) -> list[str]:
    argv = ["analyze", str(path), "--json"]
    return argv + (["--placement", placement, "--exercise", "hip_thrust"] if placement else [])


def check_cli(cases: list[tuple[Path, str | None, str]], k: int, seed: int) -> tuple[Counter, list[str]]:
    """Run `k` of the cases (and their unmutated sources) through `analyze`: outcome counts and problems found.

    Beyond crashes and hangs, a run that succeeds without a warning after a mutation of the samples must give the
    source's rep count: one bad sample never silently changes the answer."""
    picked = random.Random(seed).sample(cases, k)
    sources = sorted({(_source_of(p), pl) for p, pl, _ in picked})
    results = run_cli_cases([_argv(p, pl) for p, pl in sources] + [_argv(p, pl) for p, pl, _ in picked])
    expected = {src: reps for src, (_, reps) in zip(sources, results)}
    problems = []
    for (p, pl, m), (outcome, reps) in zip(picked, results[len(sources):]):
        if outcome not in ("ok", "ok+warn", "error"):
            problems.append(f"{m} {p.name}: {outcome}")
        elif outcome == "ok" and m in SAMPLE_MUTATIONS and reps != expected[(_source_of(p), pl)]:
            problems.append(f"{m} {p.name}: silently {reps} reps instead of {expected[(_source_of(p), pl)]}")
    return Counter(o.split(":")[0] for o, _ in results[len(sources):]), problems


def _source_of(path: Path) -> Path:
    name = path.name.split("-", 2)[2]
    return path.parent / name if name.startswith("generic-") else DEMO_DIR / name


# ---------------------------------------------------------------------------------------------------------- tests


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    return mutated_cases(tmp_path_factory.mktemp("fuzz"), READER_CASES)


def test_fuzzed_files_read_or_fail_cleanly(cases):
    outcomes = [(read_outcome(p, placement), m, p) for p, placement, m in cases]
    crashes = [f"{m} {p.name}: {o}" for o, m, p in outcomes if o.startswith("crash")]
    assert not crashes, "\n".join(crashes[:10])
    kinds = Counter(o for o, _, _ in outcomes)
    assert kinds["error"] > 0 and kinds["ok"] + kinds["ok+warn"] > 0


@pytest.mark.parametrize("mutation", [repeat_time, repeat_sample])
def test_a_repeated_time_is_never_a_silently_different_answer(tmp_path, mutation):
    """A sample at the time of the one before it (differing values: averaged) or a line repeated (dropped) is read
    with a warning that says so, or refused in one line: never read as if nothing happened."""
    rng = random.Random(SEED)
    for src, placement in seed_files(tmp_path):
        data = src.read_bytes()
        for k in range(3):
            out = tmp_path / f"{mutation.__name__}-{k}-{src.name}"
            mutated = mutation(data, rng)
            if mutated != data:
                out.write_bytes(mutated)
                assert read_outcome(out, placement) in ("ok+warn", "error"), (out.name, read_outcome(out, placement))


def test_fuzzed_files_through_analyze(cases):
    counts, problems = check_cli(cases, CLI_CASES, SEED)
    assert not problems, "\n".join(problems)
    assert counts["error"] > 0 and counts["ok"] + counts["ok+warn"] > 0


def _kinds(outcomes) -> dict:
    return dict(Counter(o.split(":")[0] for o in outcomes))


def main(n: int, k: int, seed: int = SEED + 1) -> int:
    """A larger campaign: counts of outcomes per mutation, and the first problems."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        cases_ = mutated_cases(Path(tmp), n, seed)
        results = [(read_outcome(p, pl), m, p) for p, pl, m in cases_]
        print(f"reader: {n} files in {time.perf_counter() - t0:.1f} s:", _kinds(o for o, _, _ in results))
        for m in sorted({m for _, m, _ in results}):
            print(f"  {m:20s}", _kinds(o for o, mm, _ in results if mm == m))
        for o, m, p in [r for r in results if r[0].startswith("crash")][:15]:
            print("  ", m, p.name, o[:300])
        t0 = time.perf_counter()
        counts, problems = check_cli(cases_, min(n, k), seed)
        print(f"analyze: {min(n, k)} files in {time.perf_counter() - t0:.1f} s:", dict(counts))
        for line in problems:
            print("  ", line[:300])
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    args = [int(a) for a in sys.argv[1:4]]
    sys.exit(main(*(args or [1000, 40])))
