"""Spoken coaching, offline: the rep count, the tempo's phase cue ("down… two… three… hold") and each fault's cue
once, synthesised by espeak-ng on this machine (through pyttsx3's binding of libespeak-ng: `pip install
"repscope[speech]"`, and the espeak-ng library: `apt install espeak-ng`, `brew install espeak-ng`).

`SpokenCoach` decides what to say and when, from the live events (pure logic, tested). A count falls on a known
instant (the phase's start + whole seconds, the target's end) and is handed over early by its utterance's
measured latency — the time from the request to its first audible sample (synthesis to a buffer, the voice's
leading silence, the audio output's buffer) — so the word lands on the beat. Words that answer an event (the
phase's first word, the rep count, a fault) are said when the event arrives. `EspeakVoice` synthesises into
buffers and measures that latency; `VoicePlayer` plays them through QtMultimedia when it has an output device.
"""
from __future__ import annotations

import math
import tempfile
import time
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from analysis.results import TempoTarget
from analysis.streaming import FaultDetected, PhaseChanged, RepCompleted, SetEnded

# what the coach says for each fault (once per set): the banner carries the full sentence with its numbers
SPOKEN_FAULTS = {
    "rushed_eccentric": "slow the lowering", "no_top_pause": "pause at the top", "momentum": "no bouncing",
    "lumbar_arch": "tuck, don't arch", "pelvic_drop": "keep the hips level", "partial_rom": "full range",
}
PHASE_WORDS = {"concentric": "up", "top_pause": "hold", "eccentric": "down", "bottom_pause": "hold"}
NEXT_PHASE = {"concentric": "top_pause", "top_pause": "eccentric", "eccentric": "bottom_pause",
              "bottom_pause": "concentric"}
COUNT_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


@dataclass(frozen=True)
class SpeechParams:
    """Voice and timing. `output_latency_s`: the audio output's buffer when it cannot be read from the device
    (PulseAudio/PipeWire's default is ≈ 20–40 ms); `onset_level`: the first sample louder than this fraction of
    full scale starts the word."""

    words_per_min: int = 200
    buffer_ms: int = 20  # espeak hands samples over in buffers this long
    onset_level: float = 0.02
    output_latency_s: float = 0.03
    start_word_after_s: float = 0.6  # a phase's first word is skipped when its boundary word came this recently
    frame_s: float = 1.0 / 30.0  # how often `due` is asked (the window's frame): a beat within half of it starts now


@dataclass(frozen=True)
class Utterance:
    """One synthesised phrase: 16-bit mono samples and how long after the request its first sound plays."""

    text: str
    pcm: np.ndarray
    rate_hz: int
    synth_s: float  # request → first sample synthesised (wall time)
    onset_s: float  # leading silence in the samples before the first audible one

    @property
    def latency_s(self) -> float:
        return self.synth_s + self.onset_s


def onset_s(pcm: np.ndarray, rate_hz: int, level: float) -> float:
    """Leading silence (s): the first sample above `level` of full scale."""
    loud = np.flatnonzero(np.abs(pcm.astype(np.int32)) > level * 32767)
    return float(loud[0]) / rate_hz if len(loud) else 0.0


# The espeak-ng library is one per process, with one synthesis callback: initialised once and shared by every
# voice (a second `Initialize` while the first's buffers are in use crashed the interpreter in a test run).
_ENGINE: dict = {}


def _engine(params: SpeechParams):
    """(the binding, the output's sample rate): espeak-ng initialised on first use; ImportError/OSError when the
    binding or the library is missing."""
    if "es" not in _ENGINE:
        from pyttsx3.drivers import _espeak as es  # the espeak-ng binding of pyttsx3

        rate_hz = int(es.Initialize(es.AUDIO_OUTPUT_SYNCHRONOUS, params.buffer_ms, None, 0))
        if rate_hz > 0:
            es.SetSynthCallback(_to_sink)
        _ENGINE.update(es=es, rate_hz=rate_hz, sink=None)
    return _ENGINE["es"], _ENGINE["rate_hz"]


def _to_sink(wav, n: int, events) -> int:
    sink = _ENGINE.get("sink")
    return 0 if sink is None else sink._on_samples(wav, n, events)


class EspeakVoice:
    """espeak-ng, synthesising into buffers (no audio device needed). `available` False (with `reason`) when the
    binding or the library is missing; each phrase is synthesised once and kept."""

    def __init__(self, params: SpeechParams = SpeechParams()) -> None:
        self.params = params
        self.available, self.reason = False, ""
        self._cache: dict[str, Utterance] = {}
        self._chunks: list[np.ndarray] = []
        self._first_at: float | None = None
        try:
            es, self.rate_hz = _engine(params)
        except ImportError as exc:
            self.reason = f'no voice: pyttsx3 not installed ({exc}); pip install "repscope[speech]"'
            return
        except Exception as exc:  # the binding loads libespeak-ng on import: not installed
            self.reason = f"no voice: espeak-ng library not found ({exc}); apt install espeak-ng"
            return
        self._es = es
        if self.rate_hz <= 0:
            self.reason = "no voice: espeak-ng failed to initialise (its data files are missing?)"
            return
        self.available = True

    def _on_samples(self, wav, n: int, events) -> int:
        if n > 0:
            if self._first_at is None:
                self._first_at = time.perf_counter()
            self._chunks.append(np.ctypeslib.as_array(wav, shape=(n,)).copy())
        return 0

    def say(self, text: str) -> Utterance:
        """The phrase's samples (cached) and its measured latency."""
        if text not in self._cache:
            self._cache[text] = self._synthesise(text)
        return self._cache[text]

    def _synthesise(self, text: str) -> Utterance:
        self._chunks, self._first_at = [], None
        self._es.SetParameter(self._es.RATE, self.params.words_per_min, 0)
        _ENGINE["sink"] = self  # the one library's callback hands this phrase's buffers to this voice
        t0 = time.perf_counter()
        self._es.Synth(text)  # synchronous output: returns when every buffer has been handed over
        _ENGINE["sink"] = None
        pcm = np.concatenate(self._chunks) if self._chunks else np.zeros(0, dtype=np.int16)
        first = self._first_at if self._first_at is not None else time.perf_counter()
        return Utterance(text, pcm, self.rate_hz, first - t0, onset_s(pcm, self.rate_hz, self.params.onset_level))


def count_word(n: int) -> str:
    return COUNT_WORDS[n - 1] if 1 <= n <= len(COUNT_WORDS) else str(n)


@dataclass(frozen=True)
class Cue:
    """A phrase to say: `at_s` the stream time it should be heard (a beat), or NaN for "now" (an answer)."""

    text: str
    at_s: float
    kind: str  # "count" (a beat of the tempo), "phase" (a phase's first word), "rep", "fault"


class SpokenCoach:
    """What to say when, from the live events. `lead_s(text)`: how early a phrase must be started to be heard
    on time (its measured latency; 0 without compensation)."""

    def __init__(self, tempo: TempoTarget | None, lead_s: Callable[[str], float] = lambda text: 0.0,
                 params: SpeechParams = SpeechParams()) -> None:
        self.tempo, self.lead_s, self.params = tempo, lead_s, params
        self._beats: list[Cue] = []  # scheduled, in time order
        self._now: list[Cue] = []
        self._faults_said: set[str] = set()
        self._last_rep = 0
        self._undone = 0  # reps of this set the lifter undid (`u`): the spoken count leaves them out
        self._last_boundary_word_s = -math.inf

    def _target(self, phase: str) -> float | None:
        value = getattr(self.tempo, f"{phase}_s", None) if self.tempo is not None else None
        return value if value else None  # X (None) or 0 s: nothing to count

    def on_event(self, event) -> None:
        if isinstance(event, PhaseChanged):
            self._phase_started(event.phase, event.start_s, event.t_s)
        elif isinstance(event, RepCompleted) and event.rep.index > self._last_rep:
            self._last_rep = event.rep.index  # reps 1–3 announced together: the count says the newest
            said = count_word(event.rep.index - self._undone)
            self._now = [c for c in self._now if c.kind != "rep"] + [Cue(said, math.nan, "rep")]
        elif isinstance(event, FaultDetected) and event.kind not in self._faults_said:
            self._faults_said.add(event.kind)
            self._now.append(Cue(SPOKEN_FAULTS.get(event.kind, event.kind.replace("_", " ")), math.nan, "fault"))
        elif isinstance(event, SetEnded):
            self._beats, self._faults_said, self._last_rep, self._undone = [], set(), 0, 0

    def undo(self) -> None:
        """The lifter undid a rep: the next count is one lower (the count said is the one on the screen)."""
        self._undone += 1

    def _phase_started(self, phase: str, start_s: float, t_s: float) -> None:
        """The phase's word now (unless its target's end was just said), its seconds counted from two, and the
        next phase's word at the target."""
        self._beats = []
        if t_s - self._last_boundary_word_s > self.params.start_word_after_s:
            self._now.append(Cue(PHASE_WORDS[phase], math.nan, "phase"))
        target = self._target(phase)
        if target is None:
            return
        k = 1
        while k < target - 0.05:
            self._beats.append(Cue(count_word(k + 1), start_s + k, "count"))
            k += 1
        self._beats.append(Cue(PHASE_WORDS[NEXT_PHASE[phase]], start_s + target, "count"))

    def due(self, t_s: float) -> list[Cue]:
        """The cues to start at stream time `t_s`: answers at once, beats once `t_s` reaches the beat less its
        lead (less half a frame: the nearest frame starts it)."""
        out, self._now = self._now, []
        early = 0.5 * self.params.frame_s
        while self._beats and t_s >= self._beats[0].at_s - self.lead_s(self._beats[0].text) - early:
            cue = self._beats.pop(0)
            out.append(cue)
            if cue.text in PHASE_WORDS.values():
                self._last_boundary_word_s = cue.at_s
        return out


class VoicePlayer:
    """Plays the voice's phrases through QtMultimedia. `available` only when the voice synthesises AND Qt has an
    audio output device; `reason` says honestly why not."""

    def __init__(self, voice: EspeakVoice | None = None, params: SpeechParams = SpeechParams()) -> None:
        self.voice = voice if voice is not None else EspeakVoice(params)
        self.params = params
        self.available, self.reason = False, self.voice.reason
        self.output_latency_s = params.output_latency_s
        self._effects: dict[str, object] = {}
        if not self.voice.available:
            return
        output = audio_output()
        if isinstance(output, str):
            self.reason = output
            return
        self._dir = tempfile.TemporaryDirectory(prefix="repscope-voice-")
        self.available = True

    def lead_s(self, text: str) -> float:
        """How early `text` must be started to be heard on its beat (s): its leading silence and the output's
        buffer (asking synthesises it now, so it plays from the cache, without the synthesis time)."""
        return self.voice.say(text).onset_s + self.output_latency_s if self.voice.available else 0.0

    def play(self, text: str) -> None:
        if not self.available:
            return
        if text not in self._effects:
            from PySide6.QtCore import QUrl
            from PySide6.QtMultimedia import QSoundEffect

            path = Path(self._dir.name) / f"{len(self._effects)}.wav"
            write_wav(path, self.voice.say(text))
            effect = QSoundEffect()
            effect.setSource(QUrl.fromLocalFile(str(path)))
            self._effects[text] = effect
        self._effects[text].play()


def audio_output() -> str | object:
    """Qt's default audio output device, or a sentence saying why sound cannot play."""
    try:
        from PySide6.QtMultimedia import QMediaDevices
    except ImportError as exc:  # not installed, or the system lacks its audio libraries (libpulse)
        return f'no sound: QtMultimedia unavailable ({exc}); pip install "repscope[audio]"'
    from PySide6 import QtCore

    _app = QtCore.QCoreApplication.instance() or QtCore.QCoreApplication([])  # noqa: F841
    if not QMediaDevices.audioOutputs():
        return "no sound: no audio output device (QtMultimedia sees none)"
    return QMediaDevices.defaultAudioOutput()


def write_wav(path: Path, u: Utterance) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(u.rate_hz)
        w.writeframes(u.pcm.astype("<i2").tobytes())
