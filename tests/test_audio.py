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
