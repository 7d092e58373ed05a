"""The long-file reader (`read_v1_long`: header from the first block, samples and events a block of lines at a
time, parsed by numpy) gives the recording the whole-file fast path gives, events and line numbers included; and
leaves to it whatever it does not read. Its binary cache (`sensors.cache`) gives the same recording again, and is
not used for a CSV that changed, nor when it is damaged, nor kept for values the checks refuse."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from sensors import cache
from sensors import recording as rec_mod
from sensors.recording import ReadParams

LONG = ReadParams(numpy_parse_max_bytes=1000, large_block_bytes=100_000)  # a 1-kB limit, 100-kB blocks
SHORT_LIMIT = ReadParams(numpy_parse_max_bytes=1000)
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


def test_large_reader_matches_the_whole_file_reader(tmp_path):
    path = _with_events(tmp_path)  # the whole-file reader takes the pandas parse; events across several blocks
    read = rec_mod.read_v1_long(str(path), LONG)
    assert read is not None and read.route == "v1 long"
    large = read.recording
    assert [e.kind for e in large.events] == ["set_start", "gap"]
    _same(large, rec_mod.read_v1_whole(str(path), path.read_bytes(), LONG).recording)
    _same(rec_mod.read_recording(path), large)


@pytest.mark.parametrize("damage", ["torn", "undeclared"])
def test_large_reader_leaves_odd_files_to_the_whole_file_reader(tmp_path, damage):
    text = DEMO.read_text(encoding="utf-8")
    text = text[:-5] if damage == "torn" else text + "elbow,1.0,0,0,9.8,0,0,0\n"
    path = tmp_path / "odd.csv"
    path.write_text(text, encoding="utf-8")
    assert rec_mod.read_v1_long(str(path), SHORT_LIMIT) is None


def _read(path: Path, route: str, **kw):
    """The recording read with the `LONG` limits, checked to have taken `route`."""
    read = rec_mod.read_routed(path, params=LONG, **kw)
    assert read.route == route
    return read.recording


def test_a_second_read_comes_from_the_cache_bit_for_bit(tmp_path):
    path = _with_events(tmp_path)
    first = _read(path, "v1 long")
    assert cache.cache_path(path).is_file() and not list(tmp_path.glob("*.partial"))
    again = _read(path, "v1 long, cached")
    _same(again, first)
    assert [e.line for e in again.events] == [e.line for e in first.events]


@pytest.mark.parametrize("change", ["appended", "same_size_edit", "touched"])
def test_a_changed_csv_is_parsed_again(tmp_path, change):
    path = _with_events(tmp_path)
    _read(path, "v1 long")
    raw = path.read_bytes()
    if change == "appended":  # one more sample, 10 ms after the last
        sid, t, *rest = raw[raw.rfind(b"\n", 0, len(raw) - 1) + 1:].decode().strip().split(",")
        path.write_bytes(raw + ",".join([sid, repr(float(t) + 0.01), *rest]).encode() + b"\n")
    elif change == "same_size_edit":  # the first row's last digit, size and mtime kept
        st = path.stat()
        end = raw.find(b"\n", raw.find(b"\npelvis,") + 1) - 1
        path.write_bytes(raw[:end] + (b"3" if raw[end:end + 1] == b"2" else b"2") + raw[end + 1:])
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    else:
        st = path.stat()
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    again = _read(path, "v1 long")
    fresh = rec_mod.read_v1_whole(str(path), path.read_bytes(), LONG).recording
    _same(again, fresh)
    assert cache.load(path, cache.csv_key(path), [s.info.sensor_id for s in again.streams]) is not None


@pytest.mark.parametrize("damage", ["truncated", "flipped", "other_sensors"])
def test_a_damaged_cache_is_not_used(tmp_path, damage):
    path = _with_events(tmp_path)
    first = _read(path, "v1 long")
    where = cache.cache_path(path)
    raw = where.read_bytes()
    if damage == "truncated":
        where.write_bytes(raw[:-8])
    elif damage == "flipped":  # one bit of the last value: only the CRC tells
        where.write_bytes(raw[:-1] + bytes([raw[-1] ^ 1]))
    ids = [s.info.sensor_id for s in first.streams]
    assert cache.load(path, cache.csv_key(path), ["thigh_left"] if damage == "other_sensors" else ids) is None
    _same(_read(path, "v1 long, cached" if damage == "other_sensors" else "v1 long"), first)


def test_no_cache_of_values_the_checks_refuse_nor_of_a_csv_that_changed(tmp_path):
    lines = DEMO.read_text(encoding="utf-8").splitlines(keepends=True)
    body = next(i for i, ln in enumerate(lines) if ln.startswith("sensor,"))
    lines[body + 3], lines[body + 4] = lines[body + 4], lines[body + 3]  # time not increasing: the validating path
    path = tmp_path / "disordered.csv"
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(rec_mod.RecordingError, match="non-monotonic"):
        rec_mod.read_recording(path, params=SHORT_LIMIT)
    assert not cache.cache_path(path).exists()
    stale = cache.csv_key(path)
    path.write_text("".join(lines[:-1]), encoding="utf-8")
    assert not cache.store(path, stale, ["pelvis"], [np.zeros((1, 7))], [])
    assert not cache.cache_path(path).exists()


def test_an_unwritable_cache_is_skipped_silently(tmp_path, monkeypatch):
    path = _with_events(tmp_path)

    def refuse(*_args):
        raise PermissionError("read-only")
    monkeypatch.setattr(cache.os, "replace", refuse)
    first = _read(path, "v1 long")
    assert not cache.cache_path(path).exists() and not list(tmp_path.glob("*.partial"))
    _same(first, rec_mod.read_v1_whole(str(path), path.read_bytes(), LONG).recording)


def _generic(tmp_path: Path, rows: int = 600) -> Path:
    """A long generic CSV (for a 1-kB limit): the demo's pelvis samples under repscope's column names."""
    s = rec_mod.read_recording(DEMO).streams[0]  # read as the short file it is: no cache beside the demo
    table = np.column_stack([s.t_s, s.acc_mps2, s.gyr_rads])[:rows].tolist()
    path = tmp_path / "generic.csv"
    path.write_text("# an export\ntime_s,acc_x_mps2,acc_y_mps2,acc_z_mps2,gyr_x_rads,gyr_y_rads,gyr_z_rads\n"
                    + "".join(",".join(map(repr, row)) + "\n" for row in table), encoding="utf-8")
    return path


def test_a_long_generic_csv_is_cached_too(tmp_path):
    path = _generic(tmp_path)
    first = _read(path, "generic long", placement="pelvis")
    assert cache.cache_path(path).is_file()
    _same(_read(path, "generic long, cached", placement="thigh_left"), replace_placement(first, "thigh_left"))


def replace_placement(rec, placement: str):
    from dataclasses import replace
    return replace(rec, streams=tuple(replace(s, info=replace(s.info, sensor_id=placement, placement=placement))
                                      for s in rec.streams))


def test_no_cache_of_a_generic_csv_the_checks_refuse(tmp_path):
    path = _generic(tmp_path)
    text = path.read_text(encoding="utf-8").replace("\n1.0", "\n1e4", 1)  # 1e4… s overflows: inf, skipped
    path.write_text(text, encoding="utf-8")
    with pytest.warns(rec_mod.RecordingWarning, match="time_s is inf"):
        rec_mod.read_recording(path, placement="pelvis", params=LONG)
    assert not cache.cache_path(path).exists()
