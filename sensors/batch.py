"""Uniform sample batches: what every source (BLE device, simulator, recording replay) yields."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sensors.exercises import PLACEMENTS  # noqa: F401  (re-exported: the batch's placement names)


@dataclass(frozen=True)
class SampleBatch:
    """A run of consecutive samples from one sensor.

    `t_s` is float64 seconds on the session clock, strictly increasing; `acc_mps2` and `gyr_rads` are (n, 3)
    float64 in the sensor frame (specific force incl. gravity; angular rate). `gap_before` says samples were lost
    between the previous batch of this sensor and this one (dropped packets or a disconnect); `dropped` counts the
    samples known lost there (0 when unknown).
    """

    sensor_id: str
    t_s: np.ndarray
    acc_mps2: np.ndarray
    gyr_rads: np.ndarray
    gap_before: bool = False
    dropped: int = 0

    def __post_init__(self) -> None:
        n = len(self.t_s)
        if self.acc_mps2.shape != (n, 3) or self.gyr_rads.shape != (n, 3):
            raise ValueError(
                f"sensor {self.sensor_id}: batch shapes t{self.t_s.shape} acc{self.acc_mps2.shape} "
                f"gyr{self.gyr_rads.shape} disagree"
            )

    def __len__(self) -> int:
        return len(self.t_s)


@dataclass(frozen=True)
class SensorInfo:
    """Static description of one sensor in a session (goes into the recording header)."""

    sensor_id: str
    placement: str
    model: str = "unknown"
    rate_hz: float = float("nan")
    address: str = ""
    acc_range_g: float = float("nan")
    gyr_range_dps: float = float("nan")
    extra: dict = field(default_factory=dict)
