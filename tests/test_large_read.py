"""The long-file reader (`_read_fast_large`: header from the first block, samples and events a block of lines at a
time, parsed by numpy) gives the recording the whole-file fast path gives, events and line numbers included; and
leaves to it whatever it does not read."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sensors import recording as rec_mod

DEMO = Path(__file__).resolve().parents[1] / "recordings" / "demo" / "workout.csv"


def _with_events(tmp_path: Path) -> Path:
    """The workout demo with event lines in its body (a gap, a set start) and a comment without a key."""
    lines = DEMO.read_text(encoding="utf-8").splitlines(keepends=True)
    body = next(i for i, ln in enumerate(lines) if ln.startswith("sensor,"))
    lines.insert(body + 2000, '# event: {"kind": "set_start", "sensor": null, "t_s": 20.0}\n')
    lines.insert(body + 5000, '# event: {"kind": "gap", "sensor": "pelvis", "t_s": 50.0, "after_s": 49.9}\n')
    lines.insert(body + 7000, "# a note\n")
    path = tmp_path / "events.csv"
    path.write_text("".join(lines), encoding="utf-8")
    return path


def _same(a, b) -> None:
    assert a.meta == b.meta and a.events == b.events and len(a.streams) == len(b.streams)
    for x, y in zip(a.streams, b.streams):
        assert x.info.sensor_id == y.info.sensor_id and x.gaps == y.gaps
        for name in ("t_s", "acc_mps2", "gyr_rads"):
            u, v = getattr(x, name), getattr(y, name)
            assert u.shape == v.shape and np.array_equal(u.view(np.int64), v.view(np.int64))


def test_large_reader_matches_the_whole_file_reader(tmp_path, monkeypatch):
    path = _with_events(tmp_path)
    monkeypatch.setattr(rec_mod, "NUMPY_PARSE_MAX_BYTES", 1000)  # the whole-file reader takes the pandas parse
    monkeypatch.setattr(rec_mod, "LARGE_BLOCK_BYTES", 100_000)  # events across several blocks
    large = rec_mod._read_fast_large(str(path))
    assert large is not None
    assert [e.kind for e in large.events] == ["set_start", "gap"]
    _same(large, rec_mod._read_fast(str(path), path.read_bytes()))
    _same(rec_mod.read_recording(path), large)


@pytest.mark.parametrize("damage", ["torn", "undeclared"])
def test_large_reader_leaves_odd_files_to_the_whole_file_reader(tmp_path, monkeypatch, damage):
    monkeypatch.setattr(rec_mod, "NUMPY_PARSE_MAX_BYTES", 1000)
    text = DEMO.read_text(encoding="utf-8")
    text = text[:-5] if damage == "torn" else text + "elbow,1.0,0,0,9.8,0,0,0\n"
    path = tmp_path / "odd.csv"
    path.write_text(text, encoding="utf-8")
    assert rec_mod._read_fast_large(str(path)) is None
