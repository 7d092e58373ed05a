"""Where the sets are in a whole-workout recording: the time spans that can hold a set, between the rests.

A rest is walking (to the next machine, around the gym) or a long stillness (standing, sitting or lying between
sets); a set never contains either. The recording is cut at both, and each remaining span of activity is a
*candidate*: it holds a set with its set-up and re-rack, or only rest activity (sitting down, turning, fiddling
with a band). Which candidates are sets is decided by reading them for reps (`analysis/session.py`). With two
sensors each one's candidates are found (a clamshell or an abduction moves the thigh while the pelvis rests) and
their union taken (`merged_spans`): a set that both sensors see is one span.

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
    # heel strikes swing the magnitude by metres per s² at every step (a rep: tenths); a spread of percentiles,
    # not the standard deviation, so that one bump (hips touching down, a knock) is not a walk
    walk_min_acc_spread_mps2: float = 2.0  # 10th to 90th percentile
    walk_band_hz: tuple[float, float] = (1.3, 2.8)  # step frequency of walking, slow to brisk
    walk_min_band_share: float = 0.5  # of the signal's power above 0.2 Hz
    walk_min_forward_cos: float = 0.6  # |cos| of a window's horizontal sway with the walking direction
    walk_min_total_s: float = 8.0  # less rhythm than this in a whole recording is not enough to know "forward"
    still_rads: float = 0.1  # slower than this the sensor is at rest
    rest_still_s: float = 12.0  # a pause this long is a rest between sets (a tempo's pause lasts a few s)
    min_candidate_s: float = 6.0  # a span shorter than this cannot hold 3 reps
    margin_s: float = 3.0  # rest kept on either side of a candidate: the standing pose before the set-up
    walk_block: int = 256  # windows read for the step rhythm at once (memory, not results)


SET_DETECTION = SetDetectionParams()


def walking_mask(t_s: np.ndarray, acc_mps2: np.ndarray, params: SetDetectionParams = SET_DETECTION) -> np.ndarray:
    """True where the wearer walks forward: the specific force's magnitude oscillates at a step frequency, and
    the body accelerates along the direction most of the walking does (forward and back). Sideways stepping (a
    band walk) has the rhythm too, but accelerates across that direction, and is not a walk."""
    n = len(t_s)
    mask = np.zeros(n, dtype=bool)
    rate_hz = 1.0 / float(np.median(np.diff(t_s)))
    w = int(round(params.walk_window_s * rate_hz))
    if n < w or w < 8:
        return mask
    starts = np.arange(0, n - w + 1, max(1, int(round(params.walk_hop_s * rate_hz))))
    magnitude = np.linalg.norm(acc_mps2, axis=1)
    # a block of windows at a time: each is read on its own, and an hour's windows side by side (and their
    # spectra) would hold several copies of the recording
    rhythmic = np.concatenate([_step_rhythm(magnitude[b[:, None] + np.arange(w)], rate_hz, params)
                               for b in np.array_split(starts, max(1, len(starts) // params.walk_block))])
    if rhythmic.sum() * params.walk_hop_s < params.walk_min_total_s:
        return mask
    sway = _sway_directions(acc_mps2[starts[rhythmic][:, None] + np.arange(w)])
    forward = np.linalg.svd(sway, full_matrices=False)[2][0]  # the direction most rhythmic windows share
    along = np.abs(sway @ forward) >= params.walk_min_forward_cos
    for s in starts[rhythmic][along]:
        mask[s:s + w] = True
    return mask


def _step_rhythm(windows: np.ndarray, rate_hz: float, params: SetDetectionParams) -> np.ndarray:
    """Per window (rows) of acceleration magnitude: does it swing hard enough, at a step frequency?"""
    w = windows.shape[1]
    x = windows - windows.mean(axis=1, keepdims=True)
    freq = np.fft.rfftfreq(w, 1.0 / rate_hz)
    band = (freq >= params.walk_band_hz[0]) & (freq <= params.walk_band_hz[1])
    power = np.abs(np.fft.rfft(x * np.hanning(w), axis=1)) ** 2
    share = power[:, band].sum(axis=1) / np.maximum(power[:, freq > 0.2].sum(axis=1), 1e-12)
    spread = np.percentile(x, 90, axis=1) - np.percentile(x, 10, axis=1)
    return (spread >= params.walk_min_acc_spread_mps2) & (share >= params.walk_min_band_share)


def _sway_directions(windows: np.ndarray) -> np.ndarray:
    """Per window (k, w, 3) of specific force: the unit direction (sensor frame, sign-free) along which it varies
    most within the plane across the window's mean (gravity), i.e. the horizontal acceleration's main axis."""
    out = np.zeros((len(windows), 3))
    for k, win in enumerate(windows):
        g = win.mean(axis=0)
        g = g / max(float(np.linalg.norm(g)), 1e-9)
        x = win - win.mean(axis=0)
        x = x - np.outer(x @ g, g)
        out[k] = np.linalg.svd(x, full_matrices=False)[2][0]
    return out


def long_still_mask(t_s: np.ndarray, gyr_rads: np.ndarray, params: SetDetectionParams = SET_DETECTION) -> np.ndarray:
    """True inside stillnesses of at least `rest_still_s` (the sensor turning slower than `still_rads`)."""
    still = np.linalg.norm(gyr_rads, axis=1) < params.still_rads
    mask = np.zeros(len(t_s), dtype=bool)
    for i0, i1 in true_runs(still):
        if t_s[i1 - 1] - t_s[i0] >= params.rest_still_s:
            mask[i0:i1] = True
    return mask


def candidate_spans(t_s: np.ndarray, acc_mps2: np.ndarray, gyr_rads: np.ndarray,
                    params: SetDetectionParams = SET_DETECTION,
                    walking: np.ndarray | None = None) -> list[tuple[float, float]]:
    """Spans (t0_s, t1_s) between walking and long stillness, each widened by `margin_s` into the rest.
    `walking`: the recording's `walking_mask`, when the caller has it already."""
    gyr = gyr_rads - np.median(gyr_rads, axis=0)  # a constant gyro bias would hide the stillness
    walking = walking_mask(t_s, acc_mps2, params) if walking is None else walking
    rest = walking | long_still_mask(t_s, gyr, params)
    spans = []
    for i0, i1 in true_runs(~rest):
        t0, t1 = float(t_s[i0]), float(t_s[i1 - 1])
        if t1 - t0 >= params.min_candidate_s:
            spans.append((max(float(t_s[0]), t0 - params.margin_s), min(float(t_s[-1]), t1 + params.margin_s)))
    return spans


def merged_spans(spans) -> list[tuple[float, float]]:
    """The union of spans (t0_s, t1_s) found on several sensors: overlapping ones are one span, sorted."""
    out: list[tuple[float, float]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


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
