"""The long generic CSV route (`read_generic_long`: the head from the first block, the body checked and parsed by
pandas a block of lines at a time, never held whole) reads what the whole-file route reads, bit for bit, from
the parse and from the cache; and leaves every file the whole-file route would refuse to it (and so to the
validating route, which names the line)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sensors import cache
from sensors import recording as rec_mod
from sensors.recording import ReadParams
from sensors.recording.generic import read_generic_long, read_generic_whole

BLOCKS = ReadParams(numpy_parse_max_bytes=1000, large_head_bytes=4000, large_block_bytes=3000)  # many blocks
HEADER = "time_s,acc_x_mps2,acc_y_mps2,acc_z_mps2,gyr_x_rads,gyr_y_rads,gyr_z_rads\n"


def _write(path: Path, rows: int = 400, sep: str = ",", head: str = "# an export\n# second note\n") -> Path:
    rng = np.random.default_rng(3)
    t = np.arange(rows) * 0.01
    acc = rng.normal(0.0, 0.3, (rows, 3)) + [0.0, 0.0, 9.81]
    gyr = rng.normal(0.0, 0.2, (rows, 3))
    table = np.column_stack([t, acc, gyr]).tolist()
    path.write_text(head + HEADER.replace(",", sep) + "".join(sep.join(map(repr, r)) + "\n" for r in table),
                    encoding="utf-8")
    return path


def _bits(a: np.ndarray) -> np.ndarray:
    return a.view(np.int64)


def _same_as_whole(path: Path, rec) -> None:
    whole = read_generic_whole(str(path), path.read_bytes(), "pelvis", BLOCKS)
    assert whole is not None
    w = whole.recording
    assert rec.meta == w.meta and len(rec.streams) == len(w.streams) == 1
    a, b = rec.streams[0], w.streams[0]
    assert a.info == b.info
    for name in ("t_s", "acc_mps2", "gyr_rads"):
        assert np.array_equal(_bits(getattr(a, name)), _bits(getattr(b, name)))


@pytest.mark.parametrize("sep", [",", ";"])
def test_block_by_block_equals_the_whole_file_read_and_its_cache(tmp_path, sep):
    path = _write(tmp_path / "long.csv", sep=sep)
    first = read_generic_long(str(path), "pelvis", BLOCKS)
    assert first is not None and first.route == "generic long"
    assert len(first.recording.streams[0].t_s) == 400
    _same_as_whole(path, first.recording)
    again = rec_mod.read_routed(path, placement="pelvis", params=BLOCKS)
    assert again.route == "generic long, cached"
    _same_as_whole(path, again.recording)


def test_a_short_file_is_left_to_the_whole_file_read(tmp_path):
    path = _write(tmp_path / "short.csv", rows=5)
    assert read_generic_long(str(path), "pelvis", BLOCKS) is None
    assert rec_mod.read_routed(path, placement="pelvis", params=BLOCKS).route == "generic whole"


@pytest.mark.parametrize("damage", ["torn", "comment", "quote", "extra field", "short and long", "blank line",
                                    "letter"])
def test_what_the_whole_file_read_refuses_is_left_to_it(tmp_path, damage):
    """Damage past the first block (the head's checks cannot see it): the route gives None, and the file is read
    as before (the whole-file route refuses it too, and the validating route reads it)."""
    path = _write(tmp_path / "odd.csv")
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    k = 300  # past the 4-kB head
    if damage == "torn":
        lines[-1] = lines[-1][:-1]
    elif damage == "comment":
        lines.insert(k, "# a note\n")
    elif damage == "quote":
        lines[k] = '"' + lines[k]
    elif damage == "extra field":
        lines[k] = lines[k].rstrip("\n") + ",1.0\n"
    elif damage == "short and long":  # the separators' total is right, two lines are wrong
        lines[k] = lines[k].rstrip("\n") + ",1.0\n"
        lines[k + 1] = lines[k + 1].rsplit(",", 1)[0] + "\n"
    elif damage == "blank line":
        lines.insert(k, "\n")
    else:
        lines[k] = lines[k].replace("0", "x", 1)
    path.write_text("".join(lines), encoding="utf-8")
    assert read_generic_long(str(path), "pelvis", BLOCKS) is None
    assert not cache.cache_path(path).exists()
    assert read_generic_whole(str(path), path.read_bytes(), "pelvis", BLOCKS) is None
