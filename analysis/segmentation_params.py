"""Named defaults of rep segmentation: the stroke finder's (`analysis.strokes`, `analysis.stroke_edges`) and
pairing strokes into reps and trimming a set's edges (`analysis.rep_pairing`, `analysis.set_edges`)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StrokeParams:
    """Named defaults of the stroke finder (`find_strokes`); speeds in °/s, times in s."""

    floor_percentile: float = 20.0  # the noise floor: this percentile of |speed| (a set rests most of the time)
    ref_percentile: float = 99.0  # the set's movement speed
    floor_factor: float = 3.0  # moving: above this × the floor, ...
    ref_fraction: float = 0.04  # ... this share of the movement speed ...
    min_threshold_dps: float = 1.5  # ... and this
    merge_gap_s: float = 0.25  # a hesitation shorter than this inside one direction of travel is not a pause
    # the speed fit ends at this share of the stroke's peak (wide enough to average sway), ...
    edge_fit_fraction: float = 0.5
    fit_low_fraction: float = 0.1  # ... starts at this share (and above floor_factor × floor and fit_low_min_dps)
    fit_low_min_dps: float = 0.6
    walk_fraction: float = 0.5  # walking down a ramp from the threshold stops at this share of the fit's start
    max_speed_fit_shift_s: float = 0.15  # the speed fit may move a boundary this far beyond the quiet samples
    angle_fit_lo: float = 0.01  # the angle fit: from this share of the stroke's range ...
    angle_fit_hi: float = 0.06  # ... to this one ...
    angle_fit_lo_min_deg: float = 0.3  # ... but from at least this ...
    angle_fit_hi_min_deg: float = 1.0  # ... to at least this
    rest_min_s: float = 0.1  # a rest window shorter than this (or than rest_min_samples) is not trusted
    rest_min_samples: int = 4
    # the first rest window ends this far before the threshold crossing, or closer: this share of the ramp's rise
    # time (onset → half peak speed) before where the speed fit put the onset (a held pose may creep on slowly
    # right up to a fast stroke, and a window further out reads another level; a slow start is less sure), ...
    rest_gap_s: float = 0.35
    rest_gap_share: float = 0.1
    rest_window_s: float = 0.25  # ... and is this long
    refinements: int = 2  # the angle fit is repeated from the rest before its own estimate
    # a run of movement that turns the segment less than this (°), or than this share of the set's big strokes
    # (their 90th percentile), is tremor, sway or soft-tissue wobble: it belongs to the rest around it, which an
    # angle fit may read through it
    rest_travel_min_deg: float = 0.5
    rest_travel_fraction: float = 0.05
    rest_wander_factor: float = 1.0  # the angle fit's band starts at least this × the rest window's peak-to-peak
    # a held pose drifts (a squeeze at the top, settling at the bottom, postural sway): the rest is a line fitted
    # over its window and carried on through the stroke's edge, its slope weighted by how much of the window's
    # wandering the line explains (R²) to this power: a tremor or a noisy rest is not a drift
    rest_drift: float = 8.0
    max_angle_fit_shift_s: float = 0.6  # an angle fit moves a boundary at most this far
    # a turn back by this much (°) bounds a stroke (a stop's ringing, a rocking hold: 0.5–3°; tremor and sensor
    # noise stay under ~0.15°), looked for this far (s) on either side
    reversal_min_deg: float = 0.25
    reversal_window_s: float = 1.0
    rest_clearance_s: float = 0.05  # a repeated fit's rest window ends this far before the previous estimate
    # the powers a start may grow with (displacement ∝ time since onset ** p): 2 where the acceleration steps at
    # onset, 3 where the jerk does
    start_orders: tuple[float, float] = (2.0, 3.0)
    order_evidence: float = 2.0  # standard errors by which a start's read must differ from the cube's to count


@dataclass(frozen=True)
class SegmentationParams:
    """Named defaults of pairing strokes into reps and trimming the set's edges (shares of the set's rep range
    unless the name gives a unit)."""

    strokes: StrokeParams = StrokeParams()
    min_stroke_deg: float = 3.0
    # a stroke under this share of both strokes beside it is not a phase: the settle out of an overshoot (3–12 %
    # of the range) and a set-up's small lift (5–15 %) belong to the hold before the next stroke of their direction
    leg_part_min: float = 0.25
    # two strokes of one direction closer than this (s) are one leg (a hesitation: a held pause is longer, a clean
    # top pause at least 0.35 s)
    leg_join_gap_s: float = 0.35
    return_ratio: tuple[float, float] = (0.5, 2.0)  # a lowering returns between these multiples of its lift
    reference_band: tuple[float, float] = (0.5, 2.5)  # candidates within these × their median set the rep range
    rep_sized: tuple[float, float] = (0.5, 1.5)  # rep-sized candidates give the bottom level
    level_tol: float = 0.3  # reps start and end within this of the bottom level
    partial_min: float = 0.18
    max_range: float = 1.8  # a rep stays within this of the set's range
    # the smallest rep: a partial (40 %) glute bridge, the shortest range here (~20°), still turns the segment ~8°;
    # a set small throughout (a person's small reps, 5–25°) is still a set: at least `small_set_reps` excursions of
    # one size (a set-up move is one) may be as small as `small_rep_deg`, clearly more than a rocking hold or a
    # stop's ringing (0.5–3°, `StrokeParams`)
    min_rep_deg: float = 8.0
    small_rep_deg: float = 5.0
    small_set_reps: int = 3
    edge_min_range: float = 0.25  # the first and last rep reach this share (a settle: 5–15 %; a partial rep more)
    edge_full_range: float = 0.85  # (the partial-rep threshold of sensors/rules.py)
    edge_min_duration: float = 0.5  # ... or, short of that range, take at least this share of the rep duration
    edge_level_tol: float = 0.15  # ... and start and end within this share of it from the next reps' bottom level
    edge_half_range: float = 0.5  # ... and, short of half the range in a set that pauses at the top, hold at least
    edge_min_pause: float = 0.3  # this share of its pause (a deliberate rep holds the top; a settle does not)
    edge_paused_set_s: float = 0.3  # a set whose median top pause is at least this pauses at the top
    edge_neighbours: int = 3  # an edge rep starts at the bottom level of one of this many next reps
    # two readings with as many reps: one whose lowering (median) takes over the upper × its lift is right, one
    # under the lower × is the wrong one (prescribed tempos lower slower than they lift); between, no say
    lowering_to_lifting: tuple[float, float] = (0.8, 1.25)


SEGMENTATION = SegmentationParams()
