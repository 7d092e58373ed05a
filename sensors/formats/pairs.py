"""Sensors whose app writes the accelerometer and the gyroscope to two files: finding one file's sibling.

The user passes either file. The sibling is the same name with the sensor's word swapped (`…_ACC.txt` →
`…_GYRO.txt`); failing that, the one file in the same folder with the other word and the same device key (MAC,
device id) in its name. None or several is a one-line error naming what was looked for.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from sensors.formats.table import error


@dataclass(frozen=True)
class PairSpec:
    """`words`: the word naming each file's sensor ('acc', 'gyr' → e.g. 'Accelerometer', 'Gyroscope');
    `device_key`: the part of a file name both files of one recording share."""

    name: str
    words: dict
    device_key: Callable[[str], str]


def other(kind: str) -> str:
    return "gyr" if kind == "acc" else "acc"


def find_sibling(path: str, spec: PairSpec, kind: str) -> Path:
    p = Path(path)
    mine, theirs = spec.words[kind], spec.words[other(kind)]
    if mine in p.name:
        swapped = p.with_name(theirs.join(p.name.rsplit(mine, 1)))
        if swapped.exists():
            return swapped
    key = spec.device_key(p.name)
    found = sorted(f for f in p.parent.glob(f"*{theirs}*{p.suffix}") if key and key in f.name and f != p)
    if len(found) == 1:
        return found[0]
    what = f"{len(found)} candidate {theirs} files" if found else f"no {theirs} file"
    listed = f" ({', '.join(f.name for f in found[:3])})" if found else ""
    raise error(path, None, f"{spec.name}: {what} beside it{listed}; the app writes the accelerometer and the"
                f" gyroscope to two files: keep both, named as the app named them (…{theirs}…{p.suffix})")
