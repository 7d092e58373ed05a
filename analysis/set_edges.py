"""A set's edges: set-up and re-rack excursions at either end of the set (legs onto the pads, a settle) are not
reps; a partial rep keeps the set's tempo, holds the top and starts from the bottom like the others."""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from analysis.rep_pairing import RepSpan, drift_slope
from analysis.segmentation_params import SegmentationParams


@dataclass(frozen=True)
class _Rhythm:
    """The set's typical rep (medians): range (deg), duration from lift onset to lowering end, top pause (s)."""

    rom_deg: float
    duration_s: float
    top_pause_s: float


def _top_pause_s(span: RepSpan) -> float:
    return span.eccentric[0] - span.concentric[1]


def _is_setup(span: RepSpan, neighbours: list[RepSpan], ref: _Rhythm, p: SegmentationParams) -> bool:
    """An excursion at a set's edge that is much smaller than a rep; short of the range and much quicker than the
    set's reps; short of half the range and without the top pause they hold; or not starting at the bottom level
    of any of the next reps, or not ending there: set-up or re-rack (legs onto the pads, a settle), not a rep. A
    partial rep keeps the set's tempo, and a rep cut to less than half its range still holds the top; it starts
    from the bottom like the others. (A bounce starts the next rep before the lowering is down: that rep's bottom
    is higher, and the edge rep's lowering ends where it begins.)"""
    tol = p.edge_level_tol * ref.rom_deg
    duration = span.eccentric[1] - span.concentric[0]
    quick = duration < p.edge_min_duration * ref.duration_s
    unpaused = ref.top_pause_s >= p.edge_paused_set_s and _top_pause_s(span) < p.edge_min_pause * ref.top_pause_s
    small = span.range_deg < p.edge_min_range * ref.rom_deg
    short = span.range_deg < p.edge_full_range * ref.rom_deg
    half = span.range_deg < p.edge_half_range * ref.rom_deg
    starts_low = min(abs(span.bottom_deg - n.bottom_deg) for n in neighbours) <= tol
    ends_low = min(abs(span.end_deg - level) for level in (span.bottom_deg, neighbours[0].bottom_deg)) <= tol
    return small or (short and quick) or (half and unpaused) or not starts_low or not ends_low


def trim_edges(spans: list[RepSpan], params: SegmentationParams) -> list[RepSpan]:
    """Drop set-up and re-rack excursions at either end of the set (`_is_setup`)."""
    if len(spans) < 3:
        return spans
    ref = _Rhythm(float(np.median([s.range_deg for s in spans])),
                  float(np.median([s.eccentric[1] - s.concentric[0] for s in spans])),
                  float(np.median([_top_pause_s(s) for s in spans])))
    n = params.edge_neighbours
    level = _without_drift(spans)
    first, last = 0, len(spans)  # the reps kept: [first, last)
    while last - first >= 3 and _is_setup(level[first], level[first + 1:first + 1 + n], ref, params):
        first += 1
    while last - first >= 3 and _is_setup(level[last - 1], level[max(first, last - 1 - n):last - 1][::-1], ref,
                                          params):
        last -= 1
    if last < len(spans):
        spans = spans[:last - 1] + [replace(spans[last - 1], next_onset_s=None)]
    return spans[first:]


def _without_drift(spans: list[RepSpan]) -> list[RepSpan]:
    """The reps' levels about the set's drift line (`drift_slope` of the bottom levels: the angle
    about a fixed axis drifts with the residual gyro bias and with turns off the axis that do not close; a real
    person's drifts by ~0.3 °/s), for comparing levels across the set; a set-up move keeps its own level."""
    slope = drift_slope(np.array([s.concentric[0] for s in spans]), np.array([s.bottom_deg for s in spans]))
    return [replace(s, bottom_deg=s.bottom_deg - slope * s.concentric[0], top_deg=s.top_deg - slope * s.concentric[0],
                    end_deg=s.end_deg - slope * s.eccentric[1]) for s in spans]
