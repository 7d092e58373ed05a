"""The consumer-IMU error model (BMI270/ICM-42688 class): the exact sensor-frame rate and specific force of a
moving segment, soft-tissue wobble, the on-chip low-pass, and sampling with noise, bias, bias walk, scale errors,
16-bit quantisation, saturation, clock drift, host time-stamp jitter and lost samples."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sensors.batch import SensorInfo
from sensors.simulation.profiles import min_jerk

if TYPE_CHECKING:
    from scipy.spatial.transform import Rotation as R

G_MPS2 = 9.80665
INTERNAL_RATE_HZ = 1000.0


@dataclass(frozen=True)
class ImuModel:
    """Consumer IMU error model. Noise densities per √Hz; biases drawn uniformly in ±range per axis."""

    acc_noise_ug_rthz: float = 180.0
    gyr_noise_dps_rthz: float = 0.007
    acc_bias_mg: float = 30.0
    gyr_bias_dps: float = 0.5
    gyr_bias_walk_dps_rts: float = 0.004
    acc_range_g: float = 8.0
    gyr_range_dps: float = 2000.0
    bits: int = 16
    timestamp_jitter_s: float = 0.0015
    clock_drift_ppm: float = 40.0
    # sensor errors beyond noise and bias, all off by default (see docs/conventions.md, "Time")
    lowpass_delay_s: float = 0.0  # on-chip low-pass: a causal 2nd-order Butterworth with this group delay (s)
    clock_error: float = 0.0  # the sample clock runs this fraction fast (+) or slow (−): more or fewer samples/s
    scale_error: float = 0.0  # per-axis scale factor errors of both sensors drawn uniformly in ±this
    drop_fraction: float = 0.0  # isolated samples lost in transit, unmarked (the time stamps jump)
    wobble_deg: float = 0.0  # soft-tissue wobble: peak sensor-on-segment swing after a 45° move in 0.3 s (deg)
    wobble_hz: float = 5.0  # its natural frequency
    wobble_damping: float = 0.2  # its damping ratio


IDEAL = ImuModel(0.0, 0.0, 0.0, 0.0, 0.0, 1e6, 1e6, 0, 0.0, 0.0)


# ------------------------------------------------------------------------------------------------ IMU model


def ideal_imu(grid: np.ndarray, rot_seg: R, pos_m: np.ndarray, mount: R,
              wobble_rotvec: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, R]:
    """Exact sensor-frame angular rate (rad/s) and specific force (m/s²) on the grid, and the sensor orientation.
    `wobble_rotvec` (rad, segment frame, per grid sample): the sensor's soft-tissue swing on the segment."""
    from scipy.spatial.transform import Rotation as R

    rot_s = rot_seg * mount if wobble_rotvec is None else rot_seg * R.from_rotvec(wobble_rotvec) * mount
    gyr = body_rate(grid, rot_s)
    acc_lin = np.gradient(np.gradient(pos_m, grid, axis=0), grid, axis=0)
    f_earth = acc_lin + np.array([0.0, 0.0, G_MPS2])
    acc = rot_s.inv().apply(f_earth)
    return gyr, acc, rot_s


def body_rate(grid: np.ndarray, rot: R) -> np.ndarray:
    """Body-frame angular rate (rad/s) from consecutive orientations: exact for a constant rate over each step."""
    step = (rot[:-1].inv() * rot[1:]).as_rotvec() / np.diff(grid)[:, None]
    rate = np.empty((len(grid), 3))
    rate[1:-1] = 0.5 * (step[:-1] + step[1:])
    rate[0], rate[-1] = step[0], step[-1]
    return rate


WOBBLE_REFERENCE = (45.0, 0.3)  # deg, s: the minimum-jerk move whose wobble peak is `ImuModel.wobble_deg`


def tissue_wobble(grid: np.ndarray, rot_seg: R, imu: ImuModel) -> np.ndarray | None:
    """Soft-tissue wobble of a sensor strapped on a segment (rad, rotation vector in the segment frame, per grid
    sample), or None when `imu.wobble_deg` is 0: a damped oscillator (`wobble_hz`, `wobble_damping`) driven by
    the segment's angular acceleration, so fast moves and hard stops excite it and slow ones barely do. Its gain
    makes the reference move (WOBBLE_REFERENCE) leave a peak of `wobble_deg`."""
    if imu.wobble_deg <= 0:
        return None
    from scipy.signal import bilinear, lfilter

    w0 = 2 * math.pi * imu.wobble_hz
    b, a = bilinear([1.0], [1.0, 2 * imu.wobble_damping * w0, w0 * w0], fs=INTERNAL_RATE_HZ)
    alpha = np.gradient(body_rate(grid, rot_seg), grid, axis=0)
    swing = lfilter(b, a, -alpha, axis=0)  # the tissue lags the segment's acceleration
    ref_deg, ref_s = WOBBLE_REFERENCE
    t = np.arange(0.0, ref_s + 10.0 / imu.wobble_hz, 1.0 / INTERNAL_RATE_HZ)
    ref_alpha = np.gradient(np.gradient(math.radians(ref_deg) * min_jerk(t / ref_s), t), t)
    return swing * (math.radians(imu.wobble_deg) / np.abs(lfilter(b, a, ref_alpha)).max())


def onchip_lowpass(x: np.ndarray, delay_s: float) -> np.ndarray:
    """The sensor's own low-pass on the internal grid (columns of `x`): a causal 2nd-order Butterworth whose
    low-frequency group delay is `delay_s` (cut-off √2 / (2π·delay)), started at rest on the first sample."""
    from scipy.signal import butter, lfilter, lfilter_zi

    fc_hz = min(math.sqrt(2.0) / (2 * math.pi * delay_s), 0.4 * INTERNAL_RATE_HZ)
    b, a = butter(2, fc_hz, fs=INTERNAL_RATE_HZ)
    zi = lfilter_zi(b, a)
    return np.column_stack([lfilter(b, a, x[:, k], zi=zi * x[0, k])[0] for k in range(x.shape[1])])


def sample_imu(
    grid: np.ndarray, gyr: np.ndarray, acc: np.ndarray, rate_hz: float, imu: ImuModel, rng: np.random.Generator,
    gaps: bool,
):
    if imu.lowpass_delay_s > 0:
        gyr, acc = onchip_lowpass(gyr, imu.lowpass_delay_s), onchip_lowpass(acc, imu.lowpass_delay_s)
    # the sample clock: crystal drift (ppm) and a gross rate error; time stamps are the host's (true time)
    drift = (1.0 + rng.uniform(-1, 1) * imu.clock_drift_ppm * 1e-6) / (1.0 + imu.clock_error)
    n = int((grid[-1] - grid[0]) * rate_hz * max(1.0, 1.0 + imu.clock_error)) - 1
    t_true = grid[0] + 0.01 + np.arange(n) / rate_hz * drift
    t_true = t_true[t_true < grid[-1]]
    # integrate the rate over the sample interval (what a real gyro's filter does) ≈ interpolate the rate here
    g = np.column_stack([np.interp(t_true, grid, gyr[:, k]) for k in range(3)])
    a = np.column_stack([np.interp(t_true, grid, acc[:, k]) for k in range(3)])
    m = len(t_true)
    if imu.scale_error:
        a = a * (1.0 + rng.uniform(-1, 1, 3) * imu.scale_error)
        g = g * (1.0 + rng.uniform(-1, 1, 3) * imu.scale_error)
    if imu.acc_noise_ug_rthz or imu.gyr_noise_dps_rthz or imu.acc_bias_mg or imu.gyr_bias_dps:
        bw = math.sqrt(rate_hz / 2.0)
        a = a + rng.normal(0, imu.acc_noise_ug_rthz * 1e-6 * G_MPS2 * bw, (m, 3))
        a = a + rng.uniform(-1, 1, 3) * imu.acc_bias_mg * 1e-3 * G_MPS2
        g = g + rng.normal(0, math.radians(imu.gyr_noise_dps_rthz) * bw, (m, 3))
        walk = np.cumsum(rng.normal(0, math.radians(imu.gyr_bias_walk_dps_rts) / math.sqrt(rate_hz), (m, 3)), axis=0)
        g = g + rng.uniform(-1, 1, 3) * math.radians(imu.gyr_bias_dps) + walk
    if imu.bits:
        a = _quantised(a, imu.acc_range_g * G_MPS2, imu.bits)
        g = _quantised(g, math.radians(imu.gyr_range_dps), imu.bits)
    # Host timestamp jitter, bounded to ±40 % of the period so samples keep their order (as a sequence-numbered
    # stream does after the clock mapping).
    jitter_s = min(imu.timestamp_jitter_s, 0.15 / rate_hz)
    t = t_true + (np.clip(rng.normal(0, jitter_s, m), -0.4 / rate_hz, 0.4 / rate_hz) if jitter_s else 0.0)
    burst = np.zeros(m, dtype=bool)  # marked gaps (a link drop the transport reports)
    gap_list = []
    if gaps:
        for _ in range(2):
            i0 = int(rng.integers(int(0.3 * m), int(0.8 * m)))
            i1 = i0 + int(rng.uniform(0.05, 0.2) * rate_hz)
            burst[i0:i1] = True
    keep = ~burst
    if imu.drop_fraction > 0:  # isolated losses nobody marks
        keep &= rng.random(m) >= imu.drop_fraction
    idx = np.flatnonzero(keep)
    for j in np.flatnonzero(np.diff(idx) > 1):
        if burst[idx[j] + 1:idx[j + 1]].any():
            gap_list.append((float(t[idx[j]]), float(t[idx[j + 1]])))
    # Host timestamps have µs resolution and the IMU far less than 1e-6 in SI units: rounding keeps files small.
    return np.round(t[keep], 6), np.round(a[keep], 6), np.round(g[keep], 7), tuple(gap_list)


# ------------------------------------------------------------------------------------------------ truth

def sensor_info(placement: str, rate_hz: float, imu: ImuModel) -> SensorInfo:
    return SensorInfo(
        placement, placement, model="repscope simulator (BMI270-class IMU model)", rate_hz=float(rate_hz),
        acc_range_g=imu.acc_range_g, gyr_range_dps=imu.gyr_range_dps,
    )


def _quantised(x: np.ndarray, full_scale: float, bits: int) -> np.ndarray:
    """`x` on a `bits`-bit converter of ±`full_scale` (same units): rounded to its step and saturated."""
    lsb = 2 * full_scale / 2**bits
    return np.clip(np.round(x / lsb), -(2 ** (bits - 1)), 2 ** (bits - 1) - 1) * lsb
