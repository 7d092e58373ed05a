"""Every stage's named defaults in one place to pass around: `analyze_set(..., params=AnalysisParams())`.

Each stage keeps its own frozen parameters dataclass beside its code (as vqf's `VQFParams`); this one only
composes them, so a benchmark can sweep one threshold with `dataclasses.replace` instead of patching a module.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from analysis.acc_bias import ACC_BIAS, AccBiasParams
from analysis.bandwalk import StepParams
from analysis.pelvis import PELVIS, PelvisParams
from analysis.rise import RiseParams
from analysis.rise_reps import RISE_REPS, RiseRepParams
from analysis.segmentation import SEGMENTATION, SegmentationParams
from analysis.stream_params import StreamingParams
from sensors.rules import FAULT_RULES, FaultRules


@dataclass(frozen=True)
class PipelineParams:
    """Named defaults of the set pipeline's own steps (axis, rep filter, rise gate)."""

    moving_fraction: float = 0.2  # a sample moves when its speed exceeds this share of the set's 99th percentile
    axis_refine_deg: float = 5.0  # the axis re-estimated from the reps replaces the first one when it moves this far
    start_pose_tol_deg: float = 20.0  # a rep starts and ends within this of the set's common pose (gravity direction)
    max_range_factor: float = 2.0  # a rep stays within this multiple of the set's median range
    still_rads: float = 0.05  # slower than this the segment is at rest (the accelerometer's gravity calibration)
    min_rise_m: float = 0.05  # a hip-extension set whose median rise is less than this was not measured by translation
    max_off_axis_fraction: float = 0.5  # a rep turns about other axes by at most this share of its range ...
    off_axis_allowance_deg: float = 2.0  # ... plus this (soft tissue and a real limb wobble 1–3° whatever the range)
    # which way is the lift, by gravity: a hip-extension lift raises the sensor (the hips, a thigh) wherever the
    # movement axis is further than this (°) from vertical (a rotation about gravity lifts nothing), ...
    lift_axis_min_tilt_deg: float = 45.0
    lift_pad_s: float = 0.1  # ... integrated over each lift from this long before its onset to as long after its end
    lift_vote_min: float = 0.5  # ... and decisive when the two readings' votes (±1 a rep, mean) differ by 2 × this
    # momentum is a bounce: the lowering before the lift stops hard, its speed still above half its peak this close
    # to its end (share of the lowering, `pipeline._stop_share`); a touch-and-go bottom after a smooth lowering is not
    hard_stop_share: float = 0.1
    walk_min_s: float = 3.0  # this much walking rhythm in a set's recording is a walk in or out, and holds no rep


@dataclass(frozen=True)
class AnalysisParams:
    """The parameters of every stage of the offline analysis (defaults: the shipped values)."""

    acc_bias: AccBiasParams = ACC_BIAS
    pipeline: PipelineParams = field(default_factory=PipelineParams)
    segmentation: SegmentationParams = SEGMENTATION  # strokes (`StrokeParams`), pairing and the set's edges
    pelvis: PelvisParams = PELVIS
    rise: RiseParams = field(default_factory=RiseParams)
    rise_reps: RiseRepParams = RISE_REPS
    steps: StepParams = field(default_factory=StepParams)
    faults: FaultRules = FAULT_RULES
    streaming: StreamingParams = field(default_factory=StreamingParams)  # the live path (`analysis.streaming`)


DEFAULT_PARAMS = AnalysisParams()
