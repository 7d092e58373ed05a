"""A binary cache of a long recording's parsed samples (a v1 file or a generic CSV), beside it:
`.NAME.samples-cache` (the CSV stays the format; the cache is only ever a copy of what parsing the CSV gave, and
is dropped or ignored at any doubt).

What a cache holds: each part's (rows, 7) float64 values in file order (a v1 sensor's, or a generic CSV's columns
in its layout's order: time, acc x/y/z, gyr x/y/z in the file's units, exactly as parsed), the parts' names (the
sensor ids, the column names), the `#` lines after the column header with their line numbers, and the key of the
CSV it was made from: size, modification time (ns) and SHA-256 of its first and last `KEY_BYTES`. It is used only
when the key, the names, the row counts and a CRC-32 of the values all match; the reader still runs every stream
check on the values. It is written atomically (a temporary file renamed over it), and not at all when the
directory is not writable or the CSV changed while it was parsed.
"""
from __future__ import annotations

import json
import os
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

MAGIC = b"# repscope-samples-cache 1\n"
SUFFIX = ".samples-cache"
KEY_BYTES = 1 << 20  # the CSV's head and tail hashed into the key
N_VALUES = 7  # time, acc x/y/z, gyr x/y/z
_DTYPE = np.dtype("<f8")


@dataclass(frozen=True)
class CsvKey:
    """What identifies the CSV a cache was made from: size (bytes), mtime (ns), SHA-256 of its head and tail."""

    size: int
    mtime_ns: int
    head_sha256: str
    tail_sha256: str


def cache_path(csv_path: str | os.PathLike) -> Path:
    p = Path(csv_path)
    return p.with_name("." + p.name + SUFFIX)


def csv_key(csv_path: str | os.PathLike) -> CsvKey | None:
    """The CSV's key now, or None when it cannot be read."""
    import hashlib  # here: OpenSSL's library is ~4 MB resident, and short files (never cached) do without it

    try:
        with open(csv_path, "rb") as f:
            st = os.fstat(f.fileno())
            head = f.read(KEY_BYTES)
            f.seek(max(st.st_size - KEY_BYTES, 0))
            tail = f.read(KEY_BYTES)
    except OSError:
        return None
    return CsvKey(st.st_size, st.st_mtime_ns, hashlib.sha256(head).hexdigest(), hashlib.sha256(tail).hexdigest())


def load(csv_path: str | os.PathLike, key: CsvKey, names: Sequence[str]
         ) -> tuple[list[np.ndarray], list[tuple[int, str]]] | None:
    """The cached (rows, 7) values of each part (in `names`' order: a v1 file's sensor ids, a generic CSV's
    column names) and the `#` body lines, when a cache of exactly this CSV (`key`) and these parts exists and is
    whole; else None."""
    try:
        with open(cache_path(csv_path), "rb") as f:
            if f.readline() != MAGIC:
                return None
            head = json.loads(f.readline())
            if head.get("key") != asdict(key) or head.get("names") != list(names):
                return None
            rows = [int(n) for n in head["rows"]]
            parts, crc = [], 0
            for n in rows:
                part = np.fromfile(f, dtype=_DTYPE, count=n * N_VALUES)
                if part.size != n * N_VALUES:
                    return None
                crc = zlib.crc32(part.data, crc)
                parts.append(part.reshape(n, N_VALUES))
            if f.read(1) or crc != head["crc32"]:
                return None
            comments = [(int(line), str(text)) for line, text in head["comments"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return parts, comments


def store(csv_path: str | os.PathLike, key: CsvKey, names: Sequence[str], parts: Sequence[np.ndarray],
          comments: Sequence[tuple[int, str]]) -> bool:
    """Write the cache of the CSV whose key was `key` before it was parsed into `parts` and `comments`: atomically,
    and only when the CSV is still that file. Whether it was written (a read-only directory: not, silently)."""
    now = csv_key(csv_path)
    if now != key:
        return False
    target = cache_path(csv_path)
    tmp = target.with_name(f"{target.name}.{os.getpid()}.partial")
    crc = 0
    for part in parts:
        crc = zlib.crc32(np.ascontiguousarray(part, dtype=_DTYPE).data, crc)
    head = {"key": asdict(key), "names": list(names), "rows": [len(p) for p in parts], "crc32": crc,
            "comments": [list(c) for c in comments]}
    try:
        with open(tmp, "wb") as f:
            f.write(MAGIC + json.dumps(head, ensure_ascii=True).encode() + b"\n")
            for part in parts:
                np.ascontiguousarray(part, dtype=_DTYPE).tofile(f)
        os.replace(tmp, target)
    except OSError:
        _unlink(tmp)
        return False
    return True


def drop(csv_path: str | os.PathLike) -> None:
    """Remove the CSV's cache, if any (its values did not pass the reader's checks)."""
    _unlink(cache_path(csv_path))


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass
