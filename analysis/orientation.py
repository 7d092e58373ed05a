"""Sensor orientation from accelerometer + gyroscope with VQF (Laidig & Seel), 6D: no magnetometer.

Quaternions are `w, x, y, z`, sensor-to-earth (earth z up), heading arbitrary. The sampling interval given to VQF
is the median of the timestamps' differences: a BLE host stamps packets with a few ms of jitter while the IMU
itself samples on its own steady clock, so the median is the sensor's true period.
"""
from __future__ import annotations

import numpy as np
import vqf


def sample_period_s(t_s: np.ndarray) -> float:
    """Nominal sample period (s): median timestamp difference, robust to jitter and short gaps."""
    if len(t_s) < 2:
        raise ValueError("need at least two samples to know the sample rate")
    return float(np.median(np.diff(t_s)))


def orientation_quat(
    t_s: np.ndarray, acc_mps2: np.ndarray, gyr_rads: np.ndarray, *, offline: bool = True
) -> np.ndarray:
    """(n, 4) unit quaternions wxyz, sensor-to-earth, gravity-aligned.

    `offline=True` runs `offlineVQF` (forward-backward, uses the whole recording: best accuracy, for files);
    `offline=False` the real-time filter, as the live path sees it.
    """
    ts = sample_period_s(t_s)
    gyr = np.ascontiguousarray(gyr_rads, dtype=np.float64)
    acc = np.ascontiguousarray(acc_mps2, dtype=np.float64)
    if offline:
        quat = vqf.offlineVQF(gyr, acc, None, ts)["quat6D"]
    else:
        quat = vqf.VQF(ts).updateBatch(gyr, acc)["quat6D"]
    return np.asarray(quat, dtype=np.float64)


def orientation_and_bias(t_s: np.ndarray, acc_mps2: np.ndarray, gyr_rads: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Offline orientation (n,4) wxyz and VQF's gyro bias estimate (n,3) rad/s, in one pass."""
    out = vqf.offlineVQF(
        np.ascontiguousarray(gyr_rads, dtype=np.float64), np.ascontiguousarray(acc_mps2, dtype=np.float64), None,
        sample_period_s(t_s),
    )
    return np.asarray(out["quat6D"], dtype=np.float64), np.asarray(out["bias"], dtype=np.float64)


class RealtimeOrientation:
    """Stateful real-time VQF for the streaming path; batches give the same as `orientation_quat(offline=False)`."""

    def __init__(self, rate_hz: float) -> None:
        self._filter = vqf.VQF(1.0 / rate_hz)

    def update(self, acc_mps2: np.ndarray, gyr_rads: np.ndarray) -> np.ndarray:
        return self.update_with_bias(acc_mps2, gyr_rads)[0]

    def update_with_bias(self, acc_mps2: np.ndarray, gyr_rads: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Like `update`, plus VQF's running gyro bias estimate (n,3) rad/s."""
        out = self._filter.updateBatch(
            np.ascontiguousarray(gyr_rads, dtype=np.float64), np.ascontiguousarray(acc_mps2, dtype=np.float64)
        )
        return np.asarray(out["quat6D"], dtype=np.float64), np.asarray(out["bias"], dtype=np.float64)


def rotate_to_earth(quat_wxyz: np.ndarray, v_sensor: np.ndarray) -> np.ndarray:
    """Rotate sensor-frame vectors (n,3) into the earth frame with the quaternions (n,4)."""
    w = quat_wxyz[:, :1]
    q = quat_wxyz[:, 1:]
    t = 2.0 * np.cross(q, v_sensor)
    return v_sensor + w * t + np.cross(q, t)


def up_in_sensor(quat_wxyz: np.ndarray) -> np.ndarray:
    """Earth's up direction expressed in the sensor frame, per sample (n,3) unit vectors."""
    w, x, y, z = quat_wxyz.T
    # third row of the sensor-to-earth rotation matrix = R^T e_z
    return np.column_stack([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)])


def up_at(t_s: np.ndarray, quat_wxyz: np.ndarray, times) -> np.ndarray:
    """Earth's up in the sensor frame (k,3) at the first sample at or after each of `times` (s; clipped to the
    recording): the posture at a rep's start, top or end."""
    idx = np.clip(np.searchsorted(t_s, times), 0, len(t_s) - 1)
    return up_in_sensor(quat_wxyz[idx])
