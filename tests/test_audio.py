"""The metronome's logic: ticks each second of a timed phase, a done tone at the target, a tone per fault."""
from __future__ import annotations

import wave

import numpy as np

from analysis.streaming import FaultDetected, PhaseChanged
from analysis.tempo import parse_tempo
from ui.audio import TempoCuer, tone_wav


def _run(cuer, until_s, step_s=0.02):
    played = []
    t = 0.0
    while t <= until_s:
        played += [(round(t, 2), k) for k in cuer.due(t)]
        t += step_s
    return played


def test_lowering_is_counted_out_and_its_end_announced():
    cuer = TempoCuer(parse_tempo("3-1-1-2"))
    cuer.on_event(PhaseChanged(0.05, "eccentric", 0.0, 1))
    played = _run(cuer, 4.0)
    assert [k for _, k in played] == ["tick", "tick", "done"]
    times = [t for t, _ in played]
    assert abs(times[0] - 1.0) < 0.03 and abs(times[1] - 2.0) < 0.03 and abs(times[2] - 3.0) < 0.03


def test_explosive_lift_is_not_timed_and_faults_sound_once():
    cuer = TempoCuer(parse_tempo("3-1-X-1"))
    cuer.on_event(PhaseChanged(0.0, "concentric", 0.0, 1))
    assert _run(cuer, 2.0) == []
    cuer.on_event(FaultDetected(2.0, 1, "rushed_eccentric", "Slow the lowering"))
    assert cuer.due(2.0) == ["fault"] and cuer.due(2.1) == []


def test_no_tempo_means_no_metronome():
    cuer = TempoCuer(None)
    cuer.on_event(PhaseChanged(0.0, "eccentric", 0.0, 1))
    assert _run(cuer, 5.0) == []


def test_tone_file(tmp_path):
    path = tmp_path / "t.wav"
    tone_wav(path, 880.0, 0.1)
    with wave.open(str(path)) as w:
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
        assert w.getframerate() == 22050 and len(data) == 2205
    spectrum = np.abs(np.fft.rfft(data))
    assert abs(np.argmax(spectrum) * 22050 / len(data) - 880) < 15
    assert abs(int(data[0])) < 200  # faded in: no click


# ------------------------------------------------------------------------------------------------ spoken coaching


def _said(coach, until_s, step_s=1 / 30):
    out, t = [], 0.0
    while t <= until_s:
        out += [(round(t, 3), c.text) for c in coach.due(t)]
        t += step_s
    return out


def test_lowering_is_spoken_down_two_three_hold():
    from ui.speech import SpokenCoach

    coach = SpokenCoach(parse_tempo("3-1-1-2"))
    coach.on_event(PhaseChanged(0.05, "eccentric", 0.0, 1))
    said = _said(coach, 3.5)
    assert [w for _, w in said] == ["down", "two", "three", "hold"]
    assert [round(t) for t, _ in said[1:]] == [1, 2, 3]
    # the bottom pause's own start right after "hold": not said twice
    coach.on_event(PhaseChanged(3.1, "bottom_pause", 3.02, 1))
    assert [c.text for c in coach.due(3.2)] == []


def test_beats_are_handed_over_early_by_their_lead():
    from ui.speech import SpokenCoach

    coach = SpokenCoach(parse_tempo("3-1-1-2"), lead_s=lambda text: 0.2)
    coach.on_event(PhaseChanged(0.0, "eccentric", 0.0, 1))
    assert [c.text for c in coach.due(0.0)] == ["down"]
    half_frame = 0.5 / 30
    assert coach.due(0.79 - half_frame) == [] and [c.text for c in coach.due(0.8 - half_frame)] == ["two"]


def test_rep_count_and_each_fault_spoken_once():
    from analysis.results import Phase, Rep
    from analysis.streaming import RepCompleted, SetEnded
    from ui.speech import SpokenCoach

    def rep(i):
        return Rep(i, 0.0, 1.0, (Phase("eccentric", 0.0, 1.0),), 20.0, 50.0)

    coach = SpokenCoach(None)
    for i in (1, 2, 3):  # reps 1–3 announced together: the newest is counted
        coach.on_event(RepCompleted(5.0, rep(i)))
    coach.on_event(FaultDetected(5.0, 3, "rushed_eccentric", "Slow the lowering: 1.2 s"))
    coach.on_event(FaultDetected(9.0, 4, "rushed_eccentric", "Slow the lowering: 1.1 s"))
    assert [c.text for c in coach.due(9.0)] == ["three", "slow the lowering"]
    coach.on_event(SetEnded(20.0, None, "user", 0.0, 20.0))
    coach.on_event(FaultDetected(30.0, 1, "rushed_eccentric", "Slow the lowering"))
    assert [c.text for c in coach.due(30.0)] == ["slow the lowering"]  # a new set: said again


def test_the_spoken_count_leaves_out_the_reps_undone():
    from analysis.results import Phase, Rep
    from analysis.streaming import RepCompleted, SetEnded
    from ui.audio import LiveSound
    from ui.speech import SpokenCoach

    def rep(i):
        return Rep(i, 0.0, 1.0, (Phase("eccentric", 0.0, 1.0),), 20.0, 50.0)

    coach = SpokenCoach(None)
    coach.on_event(RepCompleted(5.0, rep(4)))
    assert [c.text for c in coach.due(5.0)] == ["four"]
    coach.undo()  # `u`: the screen shows 3
    coach.on_event(RepCompleted(9.0, rep(5)))
    assert [c.text for c in coach.due(9.0)] == ["four"]  # the screen's 4, not the analyzer's 5
    coach.on_event(SetEnded(20.0, None, "user", 0.0, 20.0))
    coach.on_event(RepCompleted(25.0, rep(1)))
    assert [c.text for c in coach.due(25.0)] == ["one"]  # a new set counts from one
    sound = LiveSound(None)  # either kind: an undo is taken (the metronome counts no reps)
    sound.undo()


def _percentiles(errors_s):
    e = np.abs(np.array(errors_s)) * 1e3
    return float(np.percentile(e, 50)), float(np.percentile(e, 99))


def test_spoken_count_lands_on_the_phase_boundary(capsys):
    """espeak-ng's latency (request → first audible sample, synthesised to a buffer) measured for every word,
    then a simulated set's tempo counted at the window's 30 fps: when each counted word is heard vs its beat,
    with the lead compensated and without. Prints p50/p99."""
    import pytest

    from ui.speech import EspeakVoice, SpeechParams, SpokenCoach

    voice = EspeakVoice()
    if not voice.available:
        pytest.skip(voice.reason)
    params = SpeechParams()
    first = {w: voice.say(w) for w in ("down", "two", "three", "hold", "up")}
    synth_ms = [u.synth_s * 1e3 for u in first.values()]
    onset_ms = [u.onset_s * 1e3 for u in first.values()]

    def heard_errors(compensate: bool, seed: int) -> list[float]:
        rng = np.random.default_rng(seed)
        lead = (lambda w: voice.say(w).onset_s + params.output_latency_s) if compensate else (lambda w: 0.0)
        coach = SpokenCoach(parse_tempo("3-1-1-2"), lead)
        errors, t, start = [], rng.uniform(0, 1 / 30), 0.0
        for _ in range(12):  # 12 reps: lowering 3 s counted, pauses and lift held by the lifter
            for phase, dur in (("concentric", 1.0), ("top_pause", 2.0), ("eccentric", 3.0), ("bottom_pause", 1.0)):
                coach.on_event(PhaseChanged(start + 0.03, phase, start, 1))
                end = start + dur + rng.normal(0, 0.15)
                while t < end:
                    for cue in coach.due(t):
                        if cue.kind == "count":  # heard: its silence and the output buffer after the request
                            errors.append(t + voice.say(cue.text).onset_s + params.output_latency_s - cue.at_s)
                    t += 1 / 30 + rng.normal(0, 0.002)  # frame jitter
                start = end
        return errors

    on = _percentiles(heard_errors(True, 1))
    off = _percentiles(heard_errors(False, 1))
    with capsys.disabled():
        print(f"\nespeak-ng: synthesis to first sample {np.median(synth_ms):.1f} ms (max {max(synth_ms):.1f}), "
              f"leading silence {np.median(onset_ms):.0f} ms (max {max(onset_ms):.0f}); output buffer assumed "
              f"{params.output_latency_s * 1e3:.0f} ms\ncounted word heard vs its beat, |error| p50/p99: "
              f"compensated {on[0]:.0f}/{on[1]:.0f} ms, uncompensated {off[0]:.0f}/{off[1]:.0f} ms")
    assert on[1] <= 0.5e3 / 30 + 8  # within half a frame (and the frames' jitter) of the beat
    assert off[0] > on[0]


def test_live_sound_says_sound_on_only_when_it_can_play():
    from ui.audio import LiveSound
    from ui.speech import audio_output

    sound = LiveSound(parse_tempo("3-1-1-2"))
    if isinstance(audio_output(), str):
        assert not sound.status.startswith("sound on") and sound.status.startswith("no ")
    else:
        assert sound.status.startswith("sound on")
    sound.on_event(PhaseChanged(0.0, "eccentric", 0.0, 1))
    sound.tick(0.0)
    assert sound.played[:1] == (["down"] if sound.kind == "voice" else [])


def test_spoken_count_against_the_true_boundary_of_a_streamed_set(capsys):
    """End to end: a simulated hip-thrust set (tempo 3-1-1-2) streamed in 40-ms batches through the analyzer,
    its phase events to the coach, the coach asked at each batch: each counted word's heard time (its leading
    silence and the output buffer after the request) against the simulator's true phase start + whole seconds.
    This includes the tracker's estimate of the phase's start. Prints p50/p99."""
    import pytest

    from analysis.pipeline import ImuSeries
    from analysis.streaming import StreamingAnalyzer, batches_in_time_order
    from sensors.simulation import SimConfig, simulate_set
    from ui.speech import EspeakVoice, SpeechParams, SpokenCoach

    voice = EspeakVoice()
    if not voice.available:
        pytest.skip(voice.reason)
    params = SpeechParams()
    sim = simulate_set(SimConfig(reps=6, rates_hz=(100.0,), fidget=False), 4)
    truth = [p for r in sim.truth["reps"] for p in r["phases"]]
    series = [ImuSeries(s.info.placement, s.t_s, s.acc_mps2, s.gyr_rads) for s in sim.streams]
    tempo = parse_tempo("3-1-1-2")
    sa = StreamingAnalyzer("hip_thrust", {"pelvis": 100.0}, tempo)
    coach = SpokenCoach(tempo, lambda w: voice.say(w).onset_s + params.output_latency_s)
    offset, errors = None, []
    for placement, t, a, g in batches_in_time_order(series, 0.04):
        for e in sa.push(placement, t, a, g):
            coach.on_event(e)
            if isinstance(e, PhaseChanged):
                same = [p["start_s"] for p in truth if p["name"] == e.phase]
                true_start = min(same, key=lambda s: abs(s - e.start_s))
                offset = e.start_s - true_start if abs(e.start_s - true_start) < 0.5 else None
        for cue in coach.due(float(t[-1])):
            if cue.kind == "count" and offset is not None:
                heard = float(t[-1]) + voice.say(cue.text).onset_s + params.output_latency_s
                errors.append(heard - (cue.at_s - offset))
    p50, p99 = _percentiles(errors)
    signed = np.median(errors) * 1e3
    with capsys.disabled():
        print(f"\nstreamed set, {len(errors)} counted words vs the true phase start + whole seconds: |error| p50/p99 "
              f"{p50:.0f}/{p99:.0f} ms (median signed {signed:+.0f} ms; includes the tracker's start estimate)")
    assert len(errors) >= 20 and p50 < 150
