"""The pelvis's posture over a set: its frame (superior and mediolateral axes), the standing reference where the body
is shown upright, and tilt and drop at every rep's top (`pelvis_metrics`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis import pelvis
from analysis.params import AnalysisParams
from analysis.segment import Segment, flip, grid_up, mean_over, vertical_acc, walking_on_grid
from analysis.segmentation import RepSpan
from sensors.exercises import Exercise

@dataclass(frozen=True)
class PelvisResult:
    tilt_deg: list
    drop_deg: list
    drop_side: list
    reference: str | None
    frame: pelvis.PelvisFrame | None
    standing: tuple[float, float] | None
    top_angle_median_deg: float
    notes: tuple[str, ...]
    seg: Segment | None
    up_top_median: np.ndarray | None = None


def pelvis_metrics(ex: Exercise, pel: Segment, spans: list[RepSpan], primary_is_pelvis: bool,
                   params: AnalysisParams, walking: np.ndarray | None = None,
                   acc_up: np.ndarray | None = None) -> PelvisResult:
    """1. the pelvis's own axis signed by the lifts; 2. the standing reference, where the body is shown upright
    (`_standing_reference`); 3. the mediolateral axis; 4. drop and tilt at every top (the standing reference on
    the lifts read against it when the tops are torso-horizontal, else the set's median lockout). `walking`,
    `acc_up`: the pelvis's walking mask (grid) and vertical acceleration (samples) when already computed."""
    t = pel.grid.t_s
    up = grid_up(pel)
    notes = []
    if not primary_is_pelvis:
        pel = _pelvis_signed_by_lifts(pel, spans)
    assert pel.angle_deg is not None, "the pelvis read about its axis"
    standing, up_standing, why = _standing_reference(pel, up, spans, params, walking, acc_up)
    up_bottom = np.median([mean_over(t, up, s.concentric[0] - 0.2, s.concentric[0]) for s in spans], axis=0)
    in_set = (t >= spans[0].concentric[0]) & (t <= spans[-1].eccentric[1])
    # a lying lift's bottom is reached by lying back (a posterior turn from standing), a standing hinge's by
    # tipping forward: the frame's standing-to-bottom sign holds only for the lying ones
    frame = pelvis.pelvis_frame(up[in_set], pel.axis, up_standing, None if ex.upright else up_bottom)
    tops = [pelvis.top_window(s.concentric[1], s.eccentric[0], params.pelvis) for s in spans]
    up_tops = np.array([mean_over(t, up, a, b) for a, b in tops])
    up_tops /= np.linalg.norm(up_tops, axis=1, keepdims=True)
    drops = [pelvis.drop_at(u, frame) for u in up_tops]
    top_angles = np.array([float(mean_over(t, pel.angle_deg, a, b)) for a, b in tops])
    up_top_median = np.median(up_tops, axis=0)
    reference = "set"
    if ex.tilt_reference == "standing":
        if frame.superior_axis is None:
            notes.append(f"{why}: tilt is relative to the set's median lockout")
        elif pelvis.lockout_is_torso_horizontal(up_tops, frame, params.pelvis):
            reference = "standing"
            notes.append(why)
        else:
            notes.append("standing pose found, but the tops are not torso-horizontal: tilt is relative to the set")
    if reference == "standing":
        tilts = [pelvis.tilt_from_standing(u, frame) for u in up_tops]
    else:
        tilts = [pelvis.tilt_from_set(u, up_top_median, frame) for u in up_tops]
    return PelvisResult(
        [float(x) for x in tilts], [d for d, _ in drops], [s for _, s in drops], reference, frame, standing,
        float(np.median(top_angles)), tuple(notes), pel, up_top_median,
    )


def _pelvis_signed_by_lifts(pel: Segment, spans: list[RepSpan]) -> Segment:
    """The pelvis segment read about its own axis, signed so that it turns positively (posteriorly) during every
    concentric of the primary's reps."""
    t = pel.grid.t_s
    conc = np.zeros_like(t, dtype=bool)
    assert pel.speed_dps is not None, "the pelvis read about its axis"
    for s in spans:
        conc |= (t >= s.concentric[0]) & (t <= s.concentric[1])
    return flip(pel, -1) if pel.speed_dps[conc].mean() < 0 else pel


def _standing_reference(pel: Segment, up: np.ndarray, spans: list[RepSpan], params: AnalysisParams,
                        walking: np.ndarray | None = None, acc_up: np.ndarray | None = None
                        ) -> tuple[tuple[float, float] | None, np.ndarray | None, str]:
    """The still pose the recording starts with (`pelvis.standing_pose`) if the body is shown upright in it
    (`pelvis.standing_evidence`: the walking pelvis, else the descent from it to the lift): its interval and mean
    up vector (sensor frame), or None and None; and a note saying which and why."""
    t = pel.grid.t_s
    standing = pelvis.standing_pose(t, up, pel.rate_rads, params.pelvis)
    if standing is None:
        return None, None, "no standing pose at the start"
    up_candidate = mean_over(t, up, *standing)
    walking = walking_on_grid(pel, params.pipeline) if walking is None else walking
    first, last = spans[0].concentric[0], spans[-1].eccentric[1]
    walk = None if walking is None else walking & ((t < first) | (t > last))
    up_walking = None if walk is None or walk.sum() < pel.grid.rate_hz else np.median(up[walk], axis=0)
    descent = None
    if up_walking is None:
        acc_up = vertical_acc(pel, params.pipeline) if acc_up is None else acc_up
        # from the pose's middle: its end may be the slow start of sitting down, already moving
        descent = pelvis.descent_m(pel.series.t_s, acc_up, 0.5 * (standing[0] + standing[1]), first, params.pelvis)
    upright, why = pelvis.standing_evidence(up_candidate, up_walking, descent, params.pelvis)
    return (standing, up_candidate, why) if upright else (None, None, why)
