"""Where the sets are in a whole-workout recording: the time spans that can hold a set, between the rests.

A rest is walking (to the next machine, around the gym) or a long stillness (standing, sitting or lying between
sets); a set never contains either. The recording is cut at both, and each remaining span of activity is a
*candidate*: it holds a set with its set-up and re-rack, or only rest activity (sitting down, turning, fiddling
with a band). Which candidates are sets is decided by reading them for reps (`analysis/session.py`).

Walking is told from the accelerometer's magnitude: heel strikes load and unload the body at the step frequency
(1.3–2.8 Hz for a walk), a rhythm no glute exercise has (its reps take 2–8 s, its band-walk steps are slow and
braced). Pure functions over arrays; times in s.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.bodyframe import true_runs


@dataclass(frozen=True)
class SetDetectionParams:
    walk_window_s: float = 4.0  # long enough to hold 5+ steps, so the rhythm is clear
    walk_hop_s: float = 1.0
    walk_min_acc_std_mps2: float = 1.0  # heel strikes: the magnitude swings by metres per s² (a rep: tenths)
    walk_band_hz: tuple[float, float] = (1.3, 2.8)  # step frequency of walking, slow to brisk
    walk_min_band_share: float = 0.5  # of the signal's power above 0.2 Hz
    still_rads: float = 0.1  # slower than this the sensor is at rest
    rest_still_s: float = 12.0  # a pause this long is a rest between sets (a tempo's pause lasts a few s)
    min_candidate_s: float = 6.0  # a span shorter than this cannot hold 3 reps
    margin_s: float = 1.0  # rest kept on either side of a candidate: the bottom hold before rep 1


SET_DETECTION = SetDetectionParams()


def walking_mask(t_s: np.ndarray, acc_mps2: np.ndarray, params: SetDetectionParams = SET_DETECTION) -> np.ndarray:
    """True where the wearer walks: the specific force's magnitude oscillates at a step frequency."""
    n = len(t_s)
    mask = np.zeros(n, dtype=bool)
    rate_hz = 1.0 / float(np.median(np.diff(t_s)))
    w = int(round(params.walk_window_s * rate_hz))
    if n < w or w < 8:
        return mask
    mag = np.linalg.norm(acc_mps2, axis=1)
    freq = np.fft.rfftfreq(w, 1.0 / rate_hz)
    band = (freq >= params.walk_band_hz[0]) & (freq <= params.walk_band_hz[1])
    above = freq > 0.2
    taper = np.hanning(w)
    starts = np.arange(0, n - w + 1, max(1, int(round(params.walk_hop_s * rate_hz))))
    windows = mag[starts[:, None] + np.arange(w)]
    windows = windows - windows.mean(axis=1, keepdims=True)
    power = np.abs(np.fft.rfft(windows * taper, axis=1)) ** 2
    share = power[:, band].sum(axis=1) / np.maximum(power[:, above].sum(axis=1), 1e-12)
    walking = (windows.std(axis=1) >= params.walk_min_acc_std_mps2) & (share >= params.walk_min_band_share)
    for s in starts[walking]:
        mask[s:s + w] = True
    return mask


def long_still_mask(t_s: np.ndarray, gyr_rads: np.ndarray, params: SetDetectionParams = SET_DETECTION) -> np.ndarray:
    """True inside stillnesses of at least `rest_still_s` (the sensor turning slower than `still_rads`)."""
    still = np.linalg.norm(gyr_rads, axis=1) < params.still_rads
    mask = np.zeros(len(t_s), dtype=bool)
    for i0, i1 in true_runs(still):
        if t_s[i1 - 1] - t_s[i0] >= params.rest_still_s:
            mask[i0:i1] = True
    return mask


def candidate_spans(t_s: np.ndarray, acc_mps2: np.ndarray, gyr_rads: np.ndarray,
                    params: SetDetectionParams = SET_DETECTION) -> list[tuple[float, float]]:
    """Spans (t0_s, t1_s) between walking and long stillness, each widened by `margin_s` into the rest."""
    gyr = gyr_rads - np.median(gyr_rads, axis=0)  # a constant gyro bias would hide the stillness
    rest = walking_mask(t_s, acc_mps2, params) | long_still_mask(t_s, gyr, params)
    spans = []
    for i0, i1 in true_runs(~rest):
        t0, t1 = float(t_s[i0]), float(t_s[i1 - 1])
        if t1 - t0 >= params.min_candidate_s:
            spans.append((max(float(t_s[0]), t0 - params.margin_s), min(float(t_s[-1]), t1 + params.margin_s)))
    return spans


def event_spans(events, t_end_s: float) -> list[tuple[float, float]]:
    """Spans between `set_start` and `set_end` events (as `live`/`record` write them); a start without an end
    runs to the next start or the end of the recording."""
    marks = sorted((e.t_s, e.kind) for e in events if e.kind in ("set_start", "set_end"))
    spans, start = [], None
    for t, kind in marks:
        if kind == "set_start":
            if start is not None:
                spans.append((start, t))
            start = t
        elif start is not None:
            spans.append((start, t))
            start = None
    if start is not None:
        spans.append((start, t_end_s))
    return [(a, b) for a, b in spans if b > a]
