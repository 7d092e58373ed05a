"""Readers for the files other apps write, detected from their column headers (one module per vendor format).

`FORMATS` is the registry: each entry says how to recognise a header (`matches(columns)`) and how to decode the
table into one sensor's samples (`decode(table, sibling)` → `Decoded`; `sibling(path)` reads a second file, for
apps that write the accelerometer and the gyroscope separately). The reader (`sensors/recording/foreign.py`) finds
the header line, asks `detect`, then screens the decoded samples as it screens every file.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from sensors.formats import metawear, movella_dot, phyphox, polar_logger, sensor_logger, witmotion_app


@dataclass(frozen=True)
class Format:
    key: str
    name: str
    matches: Callable
    decode: Callable
    encodings: tuple[str, ...] = ()  # text encodings the app writes besides UTF-8


FORMATS = tuple(
    Format(m.KEY, m.NAME, m.matches, m.decode, m.ENCODINGS)
    for m in (movella_dot, metawear, polar_logger, witmotion_app, sensor_logger, phyphox)
)


def other_encodings() -> tuple[tuple[Format, str], ...]:
    """(format, encoding) for every non-UTF-8 encoding some app writes, to try on a file that is not UTF-8."""
    return tuple((f, e) for f in FORMATS for e in f.encodings)


def detect(columns: tuple[str, ...]) -> Format | None:
    """The vendor format whose header these columns are, or None."""
    return next((f for f in FORMATS if f.matches(columns)), None)
