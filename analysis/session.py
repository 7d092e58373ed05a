"""A whole workout in one recording: its sets found, each one's exercise known or recognised, each set analysed.

1. Candidate spans between the rests (`set_detection`), or the recording's own `set_start`/`set_end` events. With
   a pelvis and a thigh sensor, the union of both sensors' spans (a thigh-led set where the pelvis rests is a
   span; a set both see is one).
2. Each span is read for reps about its own movement axis, on both sensors when two are worn; a standing posture
   is read for band-walk steps.
3. The exercise is the one given, else recognised from posture and movement axis (`recognition`; with two
   sensors the thigh's movement and the pelvis's posture, `recognition.combine`).
4. The span is analysed as one set (`pipeline.analyze_set`: the exercise's primary sensor, set-up and re-rack
   moves trimmed); a set needs `min_reps` reps (or `min_steps` steps), and reps further apart than
   `split_gap_s` are two sets.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Sequence

import numpy as np

from analysis import pelvis, recognition, set_detection
from analysis.orientation import orientation_quat, up_in_sensor
from analysis.params import DEFAULT_PARAMS, AnalysisParams
from analysis.axis_reading import MovementReading, read_movement
from analysis.pipeline import analyze_set, placements_read
from analysis.segment import ImuSeries, oriented, sliced
from analysis.results import SetReport, TempoTarget
from sensors.exercises import exercise as exercise_entry
from sensors.exercises import recognised

BAND_WALK = recognised("steps", "upright")  # what a standing span of steps is read as


@dataclass(frozen=True)
class SessionParams:
    """Named defaults of the session stage, and the set analysis's (`analysis`) it runs on every set."""

    analysis: AnalysisParams = DEFAULT_PARAMS
    detection: set_detection.SetDetectionParams = set_detection.SET_DETECTION
    recognition: recognition.RecognitionParams = recognition.RECOGNITION
    min_reps: int = 3  # fewer is not told from sitting down and getting up again
    min_steps: int = 4
    split_gap_s: float = 20.0  # longer than any pause inside a set, shorter than a rest
    standing_tol_deg: float = 15.0  # a still pose this close to the upright reference is standing
    # a lying or seated lift's reps start further than this from upright (a hip thrust's bottom, shoulders on the
    # bench: ~40° and more); standing and walking sway by 15° at most
    seated_min_deg: float = 30.0


SESSION = SessionParams()


@dataclass(frozen=True)
class SessionSet:
    """One set of a workout: where it is (first concentric onset / first step to last eccentric end / last
    step, s), what it is and how that was known (`given`, `metadata`, `recognised`), and its analysis."""

    index: int
    start_s: float
    end_s: float
    exercise: str
    exercise_source: str
    exercise_confidence: float
    report: SetReport
    span_s: tuple[float, float] | None = None  # the stretch of the recording analysed as this set; None: all of it


@dataclass(frozen=True)
class SessionReport:
    sets: tuple[SessionSet, ...]
    notes: tuple[str, ...] = ()


def slice_series(series: Sequence[ImuSeries], t0: float, t1: float) -> list[ImuSeries]:
    """The samples of every series in [t0, t1) s."""
    return [sliced(s, *np.searchsorted(s.t_s, [t0, t1])) for s in series]


def _count(t_s: np.ndarray, span: tuple[float, float]) -> int:
    """How many of the times (s) fall in the span [t0, t1), as `slice_series` cuts it."""
    i0, i1 = np.searchsorted(t_s, span)
    return int(i1 - i0)


def _eccentric_end(rep) -> float:
    ecc = rep.phase("eccentric")
    return ecc.end_s if ecc is not None else rep.end_s


def set_bounds(report: SetReport) -> tuple[float, float] | None:
    """First concentric onset (first step) to last eccentric end (last step's end), s."""
    if report.steps:
        last = report.steps[-1]
        return report.steps[0].t_s, last.t_s + last.duration_s
    if report.reps:
        return report.reps[0].start_s, _eccentric_end(report.reps[-1])
    return None


def detector_of(series: Sequence[ImuSeries]) -> ImuSeries:
    """The sensor the sets are found with: the pelvis (it moves in every exercise), else the first."""
    return next((s for s in series if s.placement == "pelvis"), series[0])


def _partner(series: Sequence[ImuSeries], det: ImuSeries) -> ImuSeries | None:
    """The thigh read beside a pelvis detector (it sees the thigh-led lifts the pelvis rests in), else None."""
    if det.placement != "pelvis":
        return None
    return next((s for s in series if s.placement.startswith("thigh")), None)


def series_read(series: Sequence[ImuSeries], exercise: str | None) -> list[ImuSeries]:
    """The series whose samples `analyze_recording` reads for a known `exercise` (every one when the exercise is
    to be recognised): the set detector's and those `analyze_set` reads, in their order. The others' times still
    decide which spans hold a set (each sensor needs 50 samples there): pass them as its `timed`."""
    if exercise is None or not series:
        return list(series)
    read = placements_read(exercise, [s.placement for s in series]) | {detector_of(series).placement}
    return [s for s in series if s.placement in read]


@dataclass(frozen=True)
class _Found:
    t0: float
    t1: float
    exercise: str
    source: str
    confidence: float
    report: SetReport


def _enough(report: SetReport, params: SessionParams, marked: bool = False) -> bool:
    """A set: `min_reps` reps or `min_steps` steps; one is enough where the recording marks a set."""
    if marked:
        return bool(report.steps or report.reps)
    return len(report.steps) >= params.min_steps or len(report.reps) >= params.min_reps


@dataclass(frozen=True)
class _Walks:
    """Where the wearer walks forward: the detector's times (s) and its walking mask."""

    t_s: np.ndarray
    walking: np.ndarray

    def at(self, t_s: np.ndarray) -> np.ndarray:
        """The walking mask at other times (another sensor's samples): the sample at or after each."""
        return self.walking[np.clip(np.searchsorted(self.t_s, t_s), 0, len(self.t_s) - 1)]

    def not_walking(self, t_s: Sequence[float]) -> int:
        """How many of the times fall outside forward walking."""
        return int(np.count_nonzero(~self.at(np.asarray(t_s, dtype=float))))


@dataclass(frozen=True)
class _Reading:
    """One sensor's reading of a span before the exercise is known, its upright reference, and its verdict (None:
    too few reps on it)."""

    reading: MovementReading
    ref: recognition.PostureReference
    verdict: recognition.Recognition | None


def _read_sensor(part: ImuSeries, ref: recognition.PostureReference, need: int, params: SessionParams) -> _Reading:
    reading = read_movement(part, params.analysis)
    verdict = None
    if len(reading.spans) >= need:
        verdict = recognition.recognise(recognition.set_features(reading, ref), params.recognition)
    return _Reading(reading, ref, verdict)


def _read_sensors(part: Sequence[ImuSeries], ref, refs, need: int, params: SessionParams) -> list[_Reading]:
    """The detector's reading, and its partner's (`_partner`) when `refs` holds that one's upright reference."""
    det = detector_of(part)
    reads = [_read_sensor(det, ref, need, params)]
    partner = _partner(part, det)
    if partner is not None and refs is not None and partner.placement in refs:
        reads.append(_read_sensor(partner, refs[partner.placement], need, params))
    return reads


def _read_span(series, span, given, ref, tempo, side, params, marked: bool = False,
               walks: _Walks | None = None, timed: Sequence[np.ndarray] = (),
               refs: dict[str, recognition.PostureReference] | None = None) -> _Found | None:
    """One candidate span: its exercise and analysis, or None when it holds no set. `ref`: the detector's upright
    reference; `walks`: where the wearer walks forward, when known (no band-walk steps there); `timed`: the
    times (s) of sensors not read; `refs`: the other sensors' upright references (`references`): with the
    pelvis's partner thigh among them, both are read to recognise the exercise."""
    part = slice_series(series, *span)
    if min(len(s.t_s) for s in part) < 50 or any(_count(t, span) < 50 for t in timed):
        return None
    part = _oriented(part, None if given is None else given[0], params)
    if given is not None:
        report = analyze_set(part, given[0], tempo, side, params.analysis)
        return _Found(*span, given[0], given[1], 1.0, report) if _enough(report, params, marked) else None
    reads = _read_sensors(part, ref, refs, 1 if marked else params.min_reps, params)
    reading = reads[0].reading
    rec = reads[0].verdict if len(reads) == 1 else _combined(reads, ref, params)
    if rec is None or rec.upright:  # too few reps, or standing: a band walk, if anything
        return _band_walk(part, span, reading, ref, walks, tempo, side, params, rec.confidence if rec else 0.6)
    report = analyze_set(part, rec.exercise, tempo, side, params.analysis)
    if not _enough(report, params, marked):
        return None
    primary = next((r for r in reads if r.reading.placement == report.placement), reads[0])
    upright_start = exercise_entry(rec.exercise).primary_starts_upright  # its reps start upright anyway
    if not upright_start and not _posture_matches(report, primary.reading, primary.ref, params):  # a lying or
        return _band_walk(part, span, reading, ref, walks, tempo, side, params, 0.6)  # seated lift's reps standing
    return _Found(*span, rec.exercise, "recognised", rec.confidence, report)


def _oriented(part: Sequence[ImuSeries], exercise: str | None, params: SessionParams) -> list[ImuSeries]:
    """The span's series with their orientation computed once (`oriented`), for the readings and analyses of
    `_read_span` to share: those the given `exercise`'s analysis reads, or (None: to recognise) every one."""
    read = None if exercise is None else placements_read(exercise, [s.placement for s in part])
    return [oriented(s, params.analysis) if read is None or s.placement in read else s for s in part]


def _combined(reads: list[_Reading], ref: recognition.PostureReference,
              params: SessionParams) -> recognition.Recognition | None:
    """The pelvis's and the thigh's verdicts in one (`recognition.combine`), with the pelvis's posture at the
    thigh's reps when the pelvis has an upright reference."""
    pelvis, thigh = reads
    posture = None
    if thigh.verdict is not None and ref.up_ref is not None:
        spans = thigh.reading.spans
        posture = max(recognition.posture_deg(pelvis.reading, [s.concentric[k] for s in spans], ref) for k in (0, 1))
    return recognition.combine(pelvis.verdict, thigh.verdict, posture, params.recognition)


def _band_walk(part, span, reading, ref, walks: _Walks | None, tempo, side, params: SessionParams,
               confidence: float) -> _Found | None:
    """The span read as a band walk: enough steps outside forward walking (the strides of a walk to the bench,
    or a walk's last strides into kneeling down, move the sensor in a rhythm too), taken standing; else None."""
    report = analyze_set(part, BAND_WALK, tempo, side, params.analysis)
    times = [s.t_s for s in report.steps]
    free = len(times) if walks is None else walks.not_walking(times)
    if free < params.min_steps or not _upright_steps(report, reading, ref, params):
        return None
    return _Found(*span, BAND_WALK, "recognised", confidence, report)


def _posture_matches(report: SetReport, reading, ref: recognition.PostureReference, params: SessionParams) -> bool:
    """The reps do not start standing, as a lying or seated lift's do not (when an upright reference tells): a
    walk's strides, or bending down to put a band on, read as reps of the recognised lift start upright."""
    if ref.up_ref is None or not report.reps:
        return True
    t = [r.start_s for r in report.reps]
    return recognition.posture_deg(reading, t, ref) >= params.seated_min_deg


def _upright_steps(report: SetReport, reading, ref: recognition.PostureReference, params: SessionParams) -> bool:
    """The steps were taken standing (when there is an upright reference to tell)."""
    if ref.up_ref is None:
        return True
    t = [s.t_s for s in report.steps]
    return recognition.posture_deg(reading, t, ref) < params.recognition.upright_max_deg


def _split(found: _Found, params: SessionParams) -> list[tuple[float, float]] | None:
    """Sub-spans at the gaps between reps longer than `split_gap_s`; None when there is no such gap."""
    reps = found.report.reps
    ends = [_eccentric_end(r) for r in reps]  # a rep's end_s runs on to the next onset (its bottom pause)
    cuts = [(e + b.start_s) / 2 for e, b in zip(ends, reps[1:]) if b.start_s - e > params.split_gap_s]
    if not cuts:
        return None
    edges = [found.t0, *cuts, found.t1]
    return list(zip(edges, edges[1:]))


def _without_false_standing(span: tuple[float, float], det: ImuSeries, quat: np.ndarray,
                            ref: recognition.PostureReference, params: SessionParams,
                            gyr_level_rads: np.ndarray | None = None) -> tuple[float, float]:
    """The span, starting after its first still stretch when that stretch is not upright. The one-set analysis
    takes the still pose a recording starts with as standing (the tilt reference); a span cut out of a workout
    may start seated or lying instead, which would shift every tilt. `gyr_level_rads`: the recording's median
    gyro (3,), when the caller has it (computed once per recording, not per span)."""
    if ref.up_ref is None:
        return span
    level = np.median(det.gyr_rads, axis=0) if gyr_level_rads is None else gyr_level_rads
    i0, i1 = np.searchsorted(det.t_s, span)
    lead = pelvis.standing_pose(det.t_s[i0:i1], up_in_sensor(quat[i0:i1]), det.gyr_rads[i0:i1] - level)
    if lead is None:
        return span
    j0, j1 = np.searchsorted(det.t_s, lead[0], "left"), np.searchsorted(det.t_s, lead[1], "right")
    up = np.mean(up_in_sensor(quat[j0:j1]), axis=0)
    cos = float(up @ ref.up_ref) / max(float(np.linalg.norm(up)), 1e-9)
    if cos >= np.cos(np.radians(params.standing_tol_deg)):
        return span
    return (lead[1], span[1])


def _read_trimmed(read, span: tuple[float, float], det: ImuSeries, quat: np.ndarray,
                  ref: recognition.PostureReference, params: SessionParams, two_sensors: bool,
                  gyr_level_rads: np.ndarray | None = None) -> _Found | None:
    """A candidate span read (`read(span)`: `_read_span` bound to the recording) from after its false standing
    (`_without_false_standing`). A thigh-led lift measures no pelvis tilt, and the pelvis rests through it (seated
    or lying still all set long, so the trim can run to the span's end): with a thigh beside the pelvis
    (`two_sensors`) the whole span is read too when the trim took anything, and its thigh-led set kept."""
    trimmed = _without_false_standing(span, det, quat, ref, params, gyr_level_rads)
    found = read(trimmed)
    if trimmed == span or not two_sensors or (found is not None and not _thigh_led(found)):
        return found
    whole = read(span)
    return whole if whole is not None and _thigh_led(whole) else found


def _thigh_led(found: _Found) -> bool:
    return exercise_entry(found.exercise).thigh_led


def _leftovers(found: _Found, params: SessionParams) -> list[tuple[float, float]]:
    """The parts of a span before and after its set, long enough to hold another one (a set begun a few
    seconds after the last without walking or a long stillness between them)."""
    b0, b1 = set_bounds(found.report) or (found.t1, found.t1)
    pad = params.detection.margin_s
    out = [(found.t0, b0 - pad), (b1 + pad, found.t1)]
    return [(a, b) for a, b in out if b - a >= params.detection.min_candidate_s]


def references(series: Sequence[ImuSeries], det_t_s: np.ndarray,
               walking: np.ndarray) -> dict[str, recognition.PostureReference]:
    """The upright reference (`_reference`) of each sensor read beside the detector (its partner thigh), on that
    sensor's own orientation, with the wearer's walking as the detector tells it (`walking` at its `det_t_s`):
    the `refs` of `_read_span`."""
    partner = _partner(series, detector_of(series))
    if partner is None:
        return {}
    quat = orientation_quat(partner.t_s, partner.acc_mps2, partner.gyr_rads)
    return {partner.placement: _reference(partner, quat, _Walks(det_t_s, walking).at(partner.t_s))}


def _reference(det: ImuSeries, quat: np.ndarray, walking: np.ndarray) -> recognition.PostureReference:
    """Upright reference from walking, else from standing still at the very start (as `record` asks)."""
    ref = recognition.posture_reference(quat, det.gyr_rads, walking)
    if ref.up_ref is not None:
        return ref
    standing = pelvis.standing_pose(det.t_s, up_in_sensor(quat), det.gyr_rads - np.median(det.gyr_rads, axis=0))
    if standing is None:
        return ref
    at = (det.t_s >= standing[0]) & (det.t_s <= standing[1])
    up = np.mean(up_in_sensor(quat[at]), axis=0)
    return recognition.PostureReference(up / np.linalg.norm(up), None, "standing at the start")


def analyze_session(
    series: Sequence[ImuSeries], exercise: str | None = None, exercise_source: str = "given",
    tempo: TempoTarget | None = None, side: str | None = None, events: Sequence = (),
    params: SessionParams = SESSION,
) -> SessionReport:
    """Find, recognise and analyse every set of a recording (one or two sensors)."""
    det = detector_of(series)
    layout = _spans(det, events, params, _others(series, det))
    return _read_spans(series, det, layout, exercise, exercise_source, tempo, side, params)


def _others(series: Sequence[ImuSeries], det: ImuSeries) -> tuple[ImuSeries, ...]:
    """The sensors whose movement finds sets beside the detector's: its partner thigh (`_partner`)."""
    partner = _partner(series, det)
    return () if partner is None else (partner,)


@dataclass(frozen=True)
class _Layout:
    """Step 1 over a recording: the spans its set events mark, those with the candidates outside them (sorted),
    and where the wearer walked (the rests' marker, and the upright reference of step 3)."""

    marked: list
    spans: list
    walking: np.ndarray


def _spans(det: ImuSeries, events: Sequence, params: SessionParams, others: Sequence[ImuSeries] = ()) -> _Layout:
    """Step 1 on the detector and the `others` (their candidates merged; walking is the detector's)."""
    marked = set_detection.event_spans(events, float(det.t_s[-1]))
    walking = set_detection.walking_mask(det.t_s, det.acc_mps2, params.detection)
    walks = _Walks(det.t_s, walking)
    spans = set_detection.candidate_spans(det.t_s, det.acc_mps2, det.gyr_rads, params.detection, walking)
    for s in others:
        spans += set_detection.candidate_spans(s.t_s, s.acc_mps2, s.gyr_rads, params.detection, walks.at(s.t_s))
    found = [s for s in set_detection.merged_spans(spans)
             if not any(a < s[1] and s[0] < b for a, b in marked)]  # sets only outside the marked ones
    return _Layout(marked, sorted(marked + found), walking)


def _read_spans(series, det, layout: _Layout, exercise, exercise_source, tempo, side,
                params: SessionParams, timed: Sequence[np.ndarray] = ()) -> SessionReport:
    """Steps 2–4 of the module docstring over the spans of step 1 (`timed`: as `_read_span`'s)."""
    marked = layout.marked
    given = (exercise, exercise_source) if exercise is not None else None
    quat = orientation_quat(det.t_s, det.acc_mps2, det.gyr_rads)
    ref = _reference(det, quat, layout.walking)
    walks = _Walks(det.t_s, layout.walking)
    refs = references(series, det.t_s, layout.walking) if given is None else None
    read = partial(_read_span, series, given=given, ref=ref, tempo=tempo, side=side, params=params, walks=walks,
                   timed=timed, refs=refs)
    gyr_level = np.median(det.gyr_rads, axis=0)  # once: `_without_false_standing` reads it for every span
    found: list[_Found] = []
    queue = list(layout.spans)
    while queue:
        span = queue.pop(0)
        from_events = span in marked
        if from_events:
            f = read(span, marked=True)
        else:
            f = _read_trimmed(read, span, det, quat, ref, params, _partner(series, det) is not None, gyr_level)
        if f is None:
            continue
        parts = None if from_events else _split(f, params)
        if parts:
            queue[:0] = parts
            continue
        found.append(f)
        if not from_events:
            queue[:0] = _leftovers(f, params)
    found.sort(key=lambda f: set_bounds(f.report) or (f.t0, f.t1))
    notes = ()
    if ref.up_ref is None and given is None:
        notes = ("no walking and no standing still at the start: no upright reference, so bench and floor (hip "
                 "thrust or glute bridge) and band walks are not told apart",)
    elif given is None:
        notes = (f"upright reference from {ref.source}",)
    sets = []
    for k, f in enumerate(found, 1):
        bounds = set_bounds(f.report) or (f.t0, f.t1)
        sets.append(SessionSet(k, *bounds, f.exercise, f.source, f.confidence, f.report, (f.t0, f.t1)))
    return SessionReport(tuple(sets), notes)


def one_set(report: SetReport, exercise_source: str) -> SessionReport:
    """A recording analysed as one set (today's answer for a file that holds a single set)."""
    bounds = set_bounds(report) or (None, None)
    return SessionReport((SessionSet(1, *bounds, report.exercise, exercise_source, 1.0, report),))


def analyze_recording(
    series: Sequence[ImuSeries], exercise: str | None = None, exercise_source: str = "given",
    tempo: TempoTarget | None = None, side: str | None = None, events: Sequence = (),
    params: SessionParams = SESSION, timed: Sequence[np.ndarray] = (),
) -> SessionReport:
    """Every set of a recording. With a known exercise, a recording that holds one set (one candidate span, or
    one set found, and no set events) is analysed whole, exactly as `analyze_set` does. `timed`: the times (s)
    of the sensors left out of `series` because the exercise's analysis does not read them (`series_read`)."""
    det = detector_of(series)
    layout = _spans(det, events, params, _others(series, det))
    if exercise is not None and not layout.marked and len(layout.spans) <= 1:
        return one_set(analyze_set(series, exercise, tempo, side, params.analysis), exercise_source)
    session = _read_spans(series, det, layout, exercise, exercise_source, tempo, side, params, timed)
    if exercise is not None and not layout.marked and len(session.sets) <= 1:
        return one_set(analyze_set(series, exercise, tempo, side, params.analysis), exercise_source)
    return session


# Public names for the streaming analyzer's workout watcher (`analysis.workout_watch`): it reads a live workout as
# this module reads a recording.
read_span = _read_span


def activity_spans(series: Sequence[ImuSeries], params: SessionParams = SESSION) -> list[tuple[float, float]]:
    """Step 1 of the module docstring over unmarked samples: the candidate spans (s) between the rests, from the
    detector's movement and its partner thigh's (a thigh-led set where the pelvis rests is a span too)."""
    det = detector_of(series)
    return _spans(det, (), params, _others(series, det)).spans


def upright_references(series: Sequence[ImuSeries], params: SessionParams = SESSION, partners: bool = True
                       ) -> tuple[recognition.PostureReference, dict[str, recognition.PostureReference]]:
    """The detector's upright reference and its partner's (`references`), as `analyze_recording` takes them over a
    recording: the `ref` and `refs` of `read_span` to recognise with both sensors (`partners=False`: the detector's
    alone, the partners' left empty; nothing is recognised)."""
    det = detector_of(series)
    walking = set_detection.walking_mask(det.t_s, det.acc_mps2, params.detection)
    quat = orientation_quat(det.t_s, det.acc_mps2, det.gyr_rads)
    return _reference(det, quat, walking), references(series, det.t_s, walking) if partners else {}
