"""What a vendor-format decoder hands the reader: one sensor's samples in SI units, before screening."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Decoded:
    """One sensor stream read from another app's file.

    `values` is (n, 7): time, acc x/y/z, gyr x/y/z, in the file's units times `scale` gives s, m/s², rad/s;
    `acc_unit` ('mps2' or 'g') and `gyr_unit` ('rads' or 'dps') are the units `values` are in (for the unit
    checks' messages); `names` label the seven columns in messages; `linenos` is the line of each sample (the
    first file's line for a merged pair). `gaps` are (t0_s, t1_s) spans without samples; `model` and `notes` go
    into the recording's sensor info and metadata; `source` names the file the line numbers are in, if another.
    """

    values: np.ndarray
    scale: np.ndarray
    names: tuple[str, ...]
    linenos: np.ndarray
    model: str
    acc_unit: str = "mps2"
    gyr_unit: str = "rads"
    gaps: tuple[tuple[float, float], ...] = ()
    notes: str = ""
    source: str = ""  # the file `linenos` refer to, when not the one passed (the gyroscope file of a pair)
    remarks: tuple[str, ...] = ()  # recoverable problems met while decoding, warned as the reader's own

