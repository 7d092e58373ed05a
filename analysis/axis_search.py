"""Candidate movement axes of a set, from its motion bouts.

One principal axis over the whole recording is the axis of whatever rotated most, and before a short set that
is often the set-up (walking to the bench, turning, sitting down, lying back). Reps are different: short strokes
about one axis, separated by holds. So the rate is cut into bouts of motion between rests; each bout short enough
to be a stroke gives its own principal axis, weighted by the angle it swept; axes within a cone are clustered
(sign-agnostic). The clusters, heaviest first, plus the global principal axes, are the candidates; the rep
segmentation reads the set about each and the reading with the most reps alike wins (`pipeline`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.bodyframe import true_runs


@dataclass(frozen=True)
class AxisSearchParams:
    """Named defaults of the candidate-axis search."""

    moving_frac_of_p99: float = 0.15  # moving = speed above this share of the recording's 99th-percentile speed
    rest_merge_s: float = 0.15  # motion separated by a shorter rest is one bout
    max_bout_s: float = 6.0  # longer continuous motion is set-up (walking, lying back), not one stroke
    min_bout_deg: float = 4.0  # a bout sweeping less than this is sway or fidgeting
    cluster_deg: float = 25.0  # bout axes closer than this belong to one candidate
    max_candidates: int = 4
    same_axis_deg: float = 10.0  # candidates closer than this are one


@dataclass(frozen=True)
class Bout:
    """A run of motion between rests: sample range, principal axis (unit, sensor frame), swept angle (deg)."""

    i0: int
    i1: int
    axis: np.ndarray
    swept_deg: float


def motion_bouts(rate_rads: np.ndarray, rate_hz: float, params: AxisSearchParams = AxisSearchParams()) -> list[Bout]:
    """Bouts of motion (short rests bridged), each with its principal rotation axis and swept angle."""
    speed = np.linalg.norm(rate_rads, axis=1)
    moving = speed > params.moving_frac_of_p99 * float(np.percentile(speed, 99))
    runs = true_runs(moving)
    merged: list[list[int]] = []
    for a, b in runs:
        if merged and (a - merged[-1][1]) < params.rest_merge_s * rate_hz:
            merged[-1][1] = b
        else:
            merged.append([a, b])
    bouts = []
    for a, b in merged:
        if b - a < 3 or (b - a) > params.max_bout_s * rate_hz:
            continue
        w = rate_rads[a:b]
        evals, evecs = np.linalg.eigh(w.T @ w)
        axis = evecs[:, -1]
        swept = float(np.degrees(np.sum(np.abs(w @ axis)) / rate_hz))
        if swept >= params.min_bout_deg:
            bouts.append(Bout(int(a), int(b), axis, swept))
    return bouts


def _cluster(bouts: list[Bout], params: AxisSearchParams) -> list[tuple[np.ndarray, float]]:
    """Greedy sign-agnostic clustering of bout axes, heaviest bout first: (mean axis, total swept angle)."""
    cos_tol = np.cos(np.radians(params.cluster_deg))
    clusters: list[list] = []  # [summed signed axis, weight]
    for b in sorted(bouts, key=lambda x: -x.swept_deg):
        for c in clusters:
            ref = c[0] / np.linalg.norm(c[0])
            dot = float(b.axis @ ref)
            if abs(dot) >= cos_tol:
                c[0] = c[0] + np.sign(dot) * b.axis * b.swept_deg
                c[1] += b.swept_deg
                break
        else:
            clusters.append([b.axis * b.swept_deg, b.swept_deg])
    out = [(c[0] / np.linalg.norm(c[0]), float(c[1])) for c in clusters]
    return sorted(out, key=lambda x: -x[1])


def candidate_axes(rate_rads: np.ndarray, rate_hz: float, global_axes: list[np.ndarray],
                   params: AxisSearchParams = AxisSearchParams()) -> list[np.ndarray]:
    """Distinct candidate movement axes: the bout clusters (heaviest first), then `global_axes`."""
    found = [axis for axis, _ in _cluster(motion_bouts(rate_rads, rate_hz, params), params)]
    out: list[np.ndarray] = []
    same = np.cos(np.radians(params.same_axis_deg))
    for axis in found[:params.max_candidates] + list(global_axes):
        if all(abs(float(axis @ o)) < same for o in out):
            out.append(axis / np.linalg.norm(axis))
    return out
