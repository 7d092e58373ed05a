"""Audible cues for the live window: spoken coaching (`ui.speech`) when a voice is installed, else a metronome for
the prescribed tempo and a tone on a fault; `LiveSound` picks one and says honestly whether it can play.

`TempoCuer` decides what to play and when, from the live phase events (pure logic, tested): during a timed phase
(the lowering, the pauses, a timed lift) it ticks once a second, counting it out like a coach, and plays a higher
"done" tone when the phase's target time is reached — the lowering may end, the pause may end. A fault plays a low
tone (the banner shows the words). `TonePlayer` plays them with QtMultimedia when that is installed
(`pip install "repscope[audio]"`, PySide6-Addons); without it the window stays silent and says why.
"""
from __future__ import annotations

import math
import tempfile
import wave
from pathlib import Path

import numpy as np

from analysis.results import TempoTarget
from analysis.streaming import FaultDetected, PhaseChanged, SetEnded

TONES_HZ = {"tick": 880.0, "done": 1320.0, "fault": 220.0}
TONE_S = {"tick": 0.05, "done": 0.18, "fault": 0.35}


class TempoCuer:
    """Which cues are due at stream time t, given the phase events so far."""

    def __init__(self, tempo: TempoTarget | None) -> None:
        self.tempo = tempo
        self._phase: str | None = None
        self._start = 0.0
        self._next_tick = math.inf
        self._done_at = math.inf
        self._pending: list[str] = []

    def _target(self, phase: str) -> float | None:
        if self.tempo is None:
            return None
        value = getattr(self.tempo, f"{phase}_s", None)
        return value if value else None  # X (None) or 0 s: nothing to count

    def on_event(self, event) -> None:
        if isinstance(event, PhaseChanged):
            self._phase, self._start = event.phase, event.start_s
            target = self._target(event.phase)
            self._next_tick = event.start_s + 1.0 if target and target > 1.0 else math.inf
            self._done_at = event.start_s + target if target else math.inf
        elif isinstance(event, FaultDetected):
            self._pending.append("fault")
        elif isinstance(event, SetEnded):
            self._phase, self._next_tick, self._done_at = None, math.inf, math.inf

    def due(self, t_s: float) -> list[str]:
        out, self._pending = self._pending, []
        if t_s >= self._done_at:
            out.append("done")
            self._done_at = math.inf
            self._next_tick = math.inf
        while t_s >= self._next_tick:
            out.append("tick")
            self._next_tick += 1.0
            if self._next_tick >= self._done_at - 0.05:
                self._next_tick = math.inf
        return out


def tone_wav(path: Path, freq_hz: float, duration_s: float, rate: int = 22050) -> None:
    """A short sine tone with 5-ms fades (no clicks), 16-bit mono WAV."""
    t = np.arange(int(duration_s * rate)) / rate
    env = np.minimum(1.0, np.minimum(t, duration_s - t) / 0.005)
    samples = (0.5 * 32767 * env * np.sin(2 * np.pi * freq_hz * t)).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())


class TonePlayer:
    """Plays the cue tones through QtMultimedia; `available` False (with `reason`) when it is not installed or
    there is no audio output device."""

    def __init__(self) -> None:
        from ui.speech import audio_output

        self.available = False
        output = audio_output()
        self.reason = output if isinstance(output, str) else ""
        if self.reason:
            return
        from PySide6.QtCore import QUrl
        from PySide6.QtMultimedia import QSoundEffect

        self._dir = tempfile.TemporaryDirectory(prefix="repscope-tones-")
        self._effects = {}
        for kind, freq in TONES_HZ.items():
            path = Path(self._dir.name) / f"{kind}.wav"
            tone_wav(path, freq, TONE_S[kind])
            effect = QSoundEffect()
            effect.setSource(QUrl.fromLocalFile(str(path)))
            self._effects[kind] = effect
        self.available = True

    def play(self, kind: str) -> None:
        if self.available:
            self._effects[kind].play()


class LiveSound:
    """`--sound` in the live window: the spoken coach when espeak-ng synthesises, else the metronome's tones.
    `status` is what the status bar says: "sound on" only when an output device can play it."""

    def __init__(self, tempo: TempoTarget | None) -> None:
        from ui.speech import SpokenCoach, VoicePlayer

        self.voice = VoicePlayer()
        if self.voice.voice.available:
            self.coach, self.player = SpokenCoach(tempo, self.voice.lead_s), self.voice
            self.kind = "voice"
        else:
            self.coach, self.player = TempoCuer(tempo), TonePlayer()
            self.kind = "tones"
        self.played: list[str] = []  # what was handed to the player, in order (played only when it can)

    @property
    def status(self) -> str:
        if not self.player.available:
            return self.player.reason
        return "sound on: spoken coaching (espeak-ng)" if self.kind == "voice" else "sound on: metronome tones"

    def on_event(self, event) -> None:
        self.coach.on_event(event)

    def undo(self) -> None:
        """A rep undone (`u`): the spoken count follows the screen's (the metronome counts no reps)."""
        undo = getattr(self.coach, "undo", None)
        if undo is not None:
            undo()

    def tick(self, t_s: float) -> None:
        for cue in self.coach.due(t_s):
            what = getattr(cue, "text", cue)
            self.played.append(what)
            self.player.play(what)
