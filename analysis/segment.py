"""A sensor's samples and what the set analysis derives from them once: its orientation (`oriented`, VQF over the
samples, sliceable with them), and its processed segment (`process`): the uniform grid, the smoothed body rate,
the samples that move, the movement axis and the angle and speed about it.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from analysis import acc_bias, rise, set_detection
from analysis.bodyframe import UniformSeries, about_axis, lowpass, movement_axis, quat_on_grid, resample_uniform
from analysis.orientation import orientation_and_bias, up_in_sensor
from analysis.params import DEFAULT_PARAMS, AnalysisParams, PipelineParams

GRID_UP_BLOCK = 1 << 16  # grid samples whose up vector is computed at a time


@dataclass(frozen=True)
class Orientation:
    """A sensor's orientation over its samples (`oriented`): `quat_wxyz` (n,4) sensor-to-earth and VQF's gyro bias
    `gyr_bias_rads` (n,3), from the accelerometer without its fitted bias `acc_bias_mps2` (3,) (None: none)."""

    quat_wxyz: np.ndarray
    gyr_bias_rads: np.ndarray
    acc_bias_mps2: np.ndarray | None


@dataclass(frozen=True)
class ImuSeries:
    """One sensor's samples: placement (`pelvis`, `thigh_left`, `thigh_right`), `t_s` (n,) strictly increasing
    seconds, `acc_mps2` (n,3) specific force and `gyr_rads` (n,3) angular rate, both in the sensor frame.
    `orientation`: computed once over a longer recording (`oriented`) and sliced with it (`sliced`); None: the
    analysis computes it over these samples."""

    placement: str
    t_s: np.ndarray
    acc_mps2: np.ndarray
    gyr_rads: np.ndarray
    orientation: Orientation | None = None


def oriented(series: ImuSeries, params: AnalysisParams = DEFAULT_PARAMS) -> ImuSeries:
    """The series with its orientation (`Orientation`), as `analyze_set` computes it over these samples: the
    accelerometer's bias fitted on the still poses (`acc_bias`) and removed, then one offline VQF pass."""
    if series.orientation is not None:
        return series
    acc, acc_bias_mps2 = acc_bias.without_bias(series.t_s, series.acc_mps2, series.gyr_rads, params.acc_bias)
    quat, bias = orientation_and_bias(series.t_s, acc, series.gyr_rads)
    return replace(series, orientation=Orientation(quat, bias, acc_bias_mps2))


def sliced(series: ImuSeries, i0: int, i1: int) -> ImuSeries:
    """Samples [i0, i1) of the series, its orientation (when known) with them (views, no copies)."""
    o = series.orientation
    part = None if o is None else Orientation(o.quat_wxyz[i0:i1], o.gyr_bias_rads[i0:i1], o.acc_bias_mps2)
    return ImuSeries(series.placement, series.t_s[i0:i1], series.acc_mps2[i0:i1], series.gyr_rads[i0:i1], part)


@dataclass(frozen=True)
class Segment:
    """A processed series on its uniform grid. What is cheap to compute again is not held (an hour's arrays are
    megabytes each): the bias-free accelerometer (`acc_mps2`) and the grid's orientation (`grid_up`)."""

    series: ImuSeries  # as measured
    acc_bias_mps2: np.ndarray | None  # (3,) the accelerometer's fitted bias; None: none removed
    quat: np.ndarray  # at the original samples
    grid: UniformSeries  # without its orientation
    rate_rads: np.ndarray  # smoothed body rate on the grid
    rate_norm_rads: np.ndarray  # its norm (n,)
    moving: np.ndarray  # (n,) bool: the grid samples that move (`moving_samples`)
    axis: np.ndarray
    axis_confidence: float
    angle_deg: np.ndarray | None  # on the grid; None: not read yet (`with_axis`)
    speed_dps: np.ndarray | None  # on the grid, signed along the axis

    @property
    def acc_mps2(self) -> np.ndarray:
        """(n, 3) the accelerometer samples without their fitted bias (m/s²)."""
        acc = self.series.acc_mps2
        return acc if self.acc_bias_mps2 is None else acc - self.acc_bias_mps2


def process(series: ImuSeries, params: AnalysisParams, read_axis: bool = True) -> Segment:
    """Orientation, uniform grid, movement axis, angle and speed of one sensor (`read_axis` False: not the angle
    and speed, which the candidate axes of `best_reading` replace). The accelerometer's bias, fitted on the
    recording's still poses (`acc_bias`), is removed first: it would lean the orientation differently in each pose
    (the tilt compares two) and leak into the vertical acceleration."""
    if len(series.t_s) < 20:
        raise ValueError(f"{series.placement}: only {len(series.t_s)} samples, too short to analyse")
    o = oriented(series, params).orientation
    assert o is not None  # `oriented` sets it
    quat, bias, acc_bias_mps2 = o.quat_wxyz, o.gyr_bias_rads, o.acc_bias_mps2
    # Angular rate for timing comes from the gyro itself (minus VQF's bias estimate): the orientation also carries
    # the accelerometer's corrections, which smear motion onsets when the segment accelerates.
    grid = resample_uniform(series.t_s, quat, series.gyr_rads - bias, with_quat=False)
    rate = lowpass(grid.gyr_rads, grid.rate_hz)
    rate_norm = np.linalg.norm(rate, axis=1)
    moving = moving_samples(rate_norm, params.pipeline)
    ax = movement_axis(rate, moving)
    seg = Segment(series, acc_bias_mps2, quat, grid, rate, rate_norm, moving, ax.axis_sensor, ax.confidence, None,
                   None)
    return with_axis(seg, ax.axis_sensor, ax.confidence) if read_axis else seg


def grid_up(seg: Segment, times=None) -> np.ndarray:
    """Earth's up in the sensor frame (k, 3) on the segment's grid: at every grid time, or at the first at or after
    each of `times` (s; clipped to the grid), as `up_at` reads a grid's orientation."""
    t = seg.grid.t_s
    at = t if times is None else t[np.clip(np.searchsorted(t, times), 0, len(t) - 1)]
    up = np.empty((len(at), 3))
    for i in range(0, len(at), GRID_UP_BLOCK):  # a block's orientation at a time, not the grid's (n, 4)
        up[i:i + GRID_UP_BLOCK] = up_in_sensor(quat_on_grid(seg.series.t_s, seg.quat, at[i:i + GRID_UP_BLOCK]))
    return up


def moving_samples(speed_rads: np.ndarray, params: PipelineParams) -> np.ndarray:
    """The samples that move: speed (the rate's norm, rad/s) above a share of the set's near-peak speed."""
    return speed_rads > params.moving_fraction * np.percentile(speed_rads, 99)


def with_axis(seg: Segment, axis: np.ndarray, confidence: float) -> Segment:
    angle, speed = about_axis(seg.grid, seg.rate_rads, axis)
    return replace(seg, axis=axis, axis_confidence=confidence, angle_deg=angle, speed_dps=speed)


def flip(seg: Segment, polarity: int) -> Segment:
    if polarity == 1:
        return seg
    assert seg.angle_deg is not None and seg.speed_dps is not None, "flip a segment read about its axis"
    return replace(seg, axis=-seg.axis, angle_deg=-seg.angle_deg, speed_dps=-seg.speed_dps)


def mean_over(t: np.ndarray, values: np.ndarray, t0: float, t1: float) -> np.ndarray:
    """Mean of `values` over [t0, t1] (or the nearest sample for a zero-length window); `t` sorted."""
    i0 = int(np.searchsorted(t, t0, side="left"))
    i1 = int(np.searchsorted(t, t1, side="right"))
    if i1 <= i0:
        return values[int(np.clip(i0, 0, len(t) - 1))]
    return values[i0:i1].mean(axis=0)


def walking_on_grid(seg: Segment, params: PipelineParams) -> np.ndarray | None:
    """Where the wearer walks (`set_detection.walking_mask`, here from a single walk-in), on the segment's grid;
    None: nowhere."""
    mask = set_detection.walking_mask(seg.series.t_s, seg.acc_mps2,
                                      replace(set_detection.SET_DETECTION, walk_min_total_s=params.walk_min_s))
    if not mask.any():
        return None
    return np.interp(seg.grid.t_s, seg.series.t_s, mask.astype(float)) > 0.0


def vertical_acc(seg: Segment, params: PipelineParams) -> np.ndarray:
    """The segment's gravity-removed vertical acceleration at its samples (m/s²), scale-calibrated at rest."""
    t = seg.series.t_s
    still = np.interp(t, seg.grid.t_s, seg.rate_norm_rads) < params.still_rads
    return rise.vertical_acceleration(seg.quat, seg.acc_mps2, still)
