"""A training session: one `SampleSource` → the `StreamingAnalyzer` (and optionally a recording) on a worker thread,
with events and display snapshots handed to the UI thread through a queue.

The analysis runs off the UI thread so a settling re-analysis never stalls a frame; the UI only drains
`poll()` at its frame rate and draws. Commands (end/start a set, toggle recording, seek, speed) go the other way.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import math
import queue
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from analysis.results import Rep, Step, TempoTarget
from analysis.streaming import Event, LiveTrace, PelvisNow, PhaseChanged, SetEnded, StreamingAnalyzer
from analysis.tempo import format_tempo
from sensors.batch import SensorInfo
from sensors.recording import RecordingMeta, RecordingWriter
from sensors.source import SampleSource, SourceStatus
from ui.history.db import default_recordings_dir

SNAPSHOT_INTERVAL_S = 1.0 / 60.0  # twice the frame rate: every frame finds a fresh one
TRACE_WINDOW_S = 10.0
COMMAND_POLL_S = 0.1  # commands wait at most this long when no batch arrives


@dataclass(frozen=True)
class Snapshot:
    """What the window draws, as of stream time `t_s`."""

    t_s: float
    traces: dict  # placement -> LiveTrace
    pelvis: PelvisNow | None
    status: tuple[SourceStatus, ...]
    reps: tuple[Rep, ...]
    steps: tuple[Step, ...]
    live_phase: tuple[str, float] | None  # the phase the lifter is in now (provisional) and its start
    live_phases: tuple[tuple[str, float], ...]  # recent provisional phase starts (name, s), oldest first
    set_active: bool
    recording: Path | None
    position_s: float = math.nan  # replay position / duration (NaN for live sources)
    duration_s: float = math.nan
    finished: bool = False
    message: str = ""
    held: bool = False  # the feed is held at this time (`Session.hold_at`): nothing newer comes until resumed


def default_recording_path(exercise: str | None, directory: Path | None = None) -> Path:
    """A new file name in `directory` (default: `default_recordings_dir()`), stamped with the local time."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return (directory or default_recordings_dir()) / f"{stamp}-{exercise or 'workout'}.csv"


def interrupted_end_s(live_phase: tuple[str, float] | None, live_phases, last_rep: Rep | None, now_s: float) -> float:
    """Where a set stopped mid-rep ends (s): before the interrupted rep's lift began, so a half rep is no rep.

    At the bottom (or with no phase seen) the set is whole: it ends now. In a lift, a top hold or a lowering, it
    ends at the start of that rep's lift (the newest `concentric` start), never before the last announced rep's end.
    """
    if live_phase is None or live_phase[0] == "bottom_pause":
        return now_s
    lifts = [start for name, start in live_phases if name == "concentric" and start <= now_s]
    end = lifts[-1] if lifts else now_s
    if last_rep is not None:
        end = max(end, last_rep.phase("eccentric").end_s)
    return min(end, now_s)


class TraceSigns:
    """Keeps each live trace's sign steady. The analyzer's display angle follows its current movement axis; when a
    settle reverses that axis (the first rep decides which way is the lift, or a later settle re-decides it), the
    samples already buffered were integrated about the old sense and the trace would turn upside down from that
    instant. This records each reversal and flips the older samples on the way to the window (shifted so the
    angle stays continuous), so the whole visible trace reads in the newest sense (+ toward contraction)."""

    def __init__(self, keep_s: float = 60.0) -> None:
        self.keep_s = keep_s
        self._axes: dict[str, np.ndarray] = {}
        self._flips: dict[str, list[tuple[float, float]]] = {}  # (time, angle) of the last old-sense sample

    def observe(self, placement: str, axis: np.ndarray | None, last_t_s: float, angle_deg: float) -> None:
        """After each push: the sensor's movement axis now, its newest sample's time and display angle."""
        if axis is None:
            return
        old = self._axes.get(placement)
        if old is not None and float(np.dot(old, axis)) < 0:
            flips = self._flips.setdefault(placement, [])
            flips.append((last_t_s, angle_deg))
            flips[:] = [f for f in flips if f[0] > last_t_s - self.keep_s]
        self._axes[placement] = np.array(axis, dtype=float)

    def apply(self, placement: str, trace: LiveTrace) -> LiveTrace:
        """The trace in the newest sense: each segment before a reversal negated and offset to join the next."""
        flips = self._flips.get(placement)
        if not flips or len(trace.t_s) == 0:
            return trace
        angle, speed = trace.angle_deg.copy(), trace.speed_dps.copy()
        sign, offset = 1.0, 0.0
        for t_f, a_f in reversed(flips):  # newest first: each pass rewrites everything older than its reversal
            # the older segment's last sample (raw `a_f`) must land where the newer one starts
            offset = sign * a_f + offset + sign * a_f
            sign = -sign
            seg = slice(0, int(np.searchsorted(trace.t_s, t_f, side="right")))
            angle[seg] = sign * trace.angle_deg[seg] + offset
            speed[seg] = sign * trace.speed_dps[seg]
        return LiveTrace(trace.t_s, angle, speed)


@dataclass
class _Out:
    events: list = field(default_factory=list)
    snapshot: Snapshot | None = None
    reset: bool = False


class Session:
    """Owns the worker thread. `poll()` returns (reset?, new events, latest snapshot or None)."""

    def __init__(
        self,
        source: SampleSource,
        exercise: str | None,
        tempo: TempoTarget | None = None,
        side: str | None = None,
        *,
        auto_end_rest_s: float | None = None,
        recordings_dir: Path | None = None,
        record_path: Path | None = None,
        on_wake: Callable[[], None] | None = None,
        unfinished_dir: Path | None = None,
        history: bool = True,
    ) -> None:
        self.source = source
        self.exercise = exercise
        self.tempo = tempo
        self.side = side
        self.auto_end_rest_s = auto_end_rest_s
        self.recordings_dir = Path(recordings_dir) if recordings_dir is not None else default_recordings_dir()
        self._record_path = record_path
        # each recording's marker of a session in progress (`ui.history.recovery`), when `unfinished_dir` is given
        self.unfinished_dir = unfinished_dir
        self.history = history
        self.unfinished: list = []
        self.undone_s: list[float] = []  # the middles of the reps the lifter undid (`u`), recording clock
        # a BLE source knows its sensors only once connected: the analyzer is built when the worker has started it
        self.infos: tuple[SensorInfo, ...] = tuple(source.sensors)
        self.placement_of = {s.sensor_id: s.placement for s in self.infos}
        self.analyzer: StreamingAnalyzer | None = None
        self._commands: queue.SimpleQueue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._out = _Out()
        self._thread: threading.Thread | None = None
        self.error: str | None = None
        self.finished = False
        self._writer: RecordingWriter | None = None
        self.recorded_paths: list[Path] = []  # every recording this session wrote (they go into the history)
        self.ended: list[SetEnded] = []  # every set the window was shown ending, in order
        self._set_active = True
        self._speed = getattr(source, "speed", 1.0)
        self._fast_until: float | None = None
        self._live_phase: tuple[str, float] | None = None
        self._live_phases: list[tuple[str, float]] = []
        self._signs = TraceSigns()
        self._hold_at: float | None = None
        self.holding = threading.Event()  # set while the feed is held at `hold_at`'s time

    # ---------------------------------------------------------------------------------------------- UI side

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="repscope-session", daemon=True)
        self._thread.start()

    def poll(self) -> tuple[bool, list[Event], Snapshot | None]:
        with self._lock:
            out, self._out = self._out, _Out()
        return out.reset, out.events, out.snapshot

    def end_or_start_set(self) -> None:
        self._commands.put(("set",))

    def toggle_recording(self) -> None:
        self._commands.put(("record",))

    def undo_rep(self, at_s: float) -> None:
        """The lifter undid the rep whose middle is `at_s`: kept in the recording as a `drop_rep` event, which
        the history applies as an edit (a killed session's too)."""
        self.undone_s.append(float(at_s))
        self._commands.put(("undo", float(at_s)))

    def release_unfinished(self) -> None:
        """The session ended and its recordings went to the history: their markers go."""
        for marker in self.unfinished:
            marker.done()
        self.unfinished = []

    def hold_at(self, t_s: float) -> None:
        """Hold the feed when it reaches stream time `t_s` (s), whatever the speed: no batch ending after it is
        analysed until `resume()`; the held snapshot (`Snapshot.held`) is the stream at `t_s` within one batch.
        Call before `start()` (a screenshot at a stream time)."""
        self._hold_at = float(t_s)

    def resume(self) -> None:
        self._commands.put(("resume",))

    def seek(self, t_s: float) -> None:
        self._commands.put(("seek", float(t_s)))

    def set_speed(self, speed: float) -> None:
        self._commands.put(("speed", float(speed)))

    def stop(self, timeout_s: float = 5.0) -> None:
        self._commands.put(("stop",))
        if self._thread is not None:
            self._thread.join(timeout_s)

    @property
    def speed(self) -> float:
        """Replay speed (1 = real time, inf = as fast as possible)."""
        return self._speed

    @property
    def recording_path(self) -> Path | None:
        return self._writer.path if self._writer is not None else None

    # ---------------------------------------------------------------------------------------------- worker

    def _sensors_known(self) -> None:
        """The started source lists its sensors (a BLE source: as connected, with the rates configured)."""
        self.infos = tuple(self.source.sensors)
        self.placement_of = {s.sensor_id: s.placement for s in self.infos}
        self._new_analyzer()

    def _rates(self) -> dict[str, float]:
        rates = {info.placement: info.rate_hz if info.rate_hz > 0 else 100.0 for info in self.infos}
        if self.source.capabilities.can_seek:
            for s in self.source.streams:  # measured rate of the recorded samples
                if len(s.t_s) > 2:
                    rates[s.info.placement] = 1.0 / float(np.median(np.diff(s.t_s)))
        return rates

    def _new_analyzer(self) -> None:
        self.analyzer = StreamingAnalyzer(
            self.exercise, self._rates(), self.tempo, self.side, auto_end_rest_s=self.auto_end_rest_s
        )
        self._live_phase = None
        self._live_phases = []
        self._signs = TraceSigns()

    def _emit(self, events: list[Event], snapshot: Snapshot | None = None, reset: bool = False) -> None:
        self.ended += [e for e in events if isinstance(e, SetEnded)]
        with self._lock:
            if reset:
                self._out = _Out(reset=True)
            self._out.events.extend(events)
            if snapshot is not None:
                self._out.snapshot = snapshot

    def _snapshot(self, finished: bool = False, message: str = "", held: bool = False) -> Snapshot:
        a = self.analyzer
        pos = dur = math.nan
        if self.source.capabilities.can_seek:
            pos, dur = self.source.position_s, self.source.t_end_s
        if a is None:  # the source failed to start
            return Snapshot(math.nan, {}, None, self.source.status(), (), (), None, (), False, self.recording_path,
                            pos, dur, finished, message)
        traces = {p: self._signs.apply(p, a.trace(p, TRACE_WINDOW_S)) for p in a.sensors}
        return Snapshot(
            a.now_s, traces, a.pelvis_now(), self.source.status(), tuple(a.reps), tuple(a.steps), self._live_phase,
            tuple(self._live_phases), self._set_active, self.recording_path, pos, dur, finished, message, held,
        )

    def _handle(self, cmd) -> bool:
        """Apply one command; False to stop."""
        kind = cmd[0]
        if kind == "stop":
            self._end_interrupted()
            return False
        if kind == "set":
            if self._set_active:
                events = self.analyzer.end_set("user")
                self._mark_sets(events)
                self._emit(events)
                self._set_active = False
            else:
                self._new_analyzer()
                self._set_active = True
                self._emit([], reset=True)
        elif kind == "undo":
            if self._writer is not None:
                from ui.history.recovery import UNDO_EVENT

                self._writer.event(UNDO_EVENT, None, cmd[1])
        elif kind == "record":
            if self._writer is None:
                self._open_writer()
            else:
                self._writer.close()
                self._writer = None
        elif kind == "seek" and self.source.capabilities.can_seek:
            # the analysis is causal: replay from the start as fast as possible up to the target, then carry on
            self._new_analyzer()
            self._set_active = True
            self.source.seek(self.source.t_start_s)
            self._fast_until = cmd[1]
            self.source.set_speed(math.inf)
            self._emit([], reset=True)
        elif kind == "speed" and self.source.capabilities.can_seek:
            self._speed = cmd[1]
            if self._fast_until is None:
                self.source.set_speed(cmd[1])
        return True

    def _end_interrupted(self) -> None:
        """Quitting (q, closing the window, Ctrl-C) during a set ends it at its last completed rep: the rep in
        progress is not a rep, neither in what is printed nor in the recording's set marks the history reads."""
        a = self.analyzer
        if a is None or not self._set_active or not math.isfinite(a.now_s):
            return
        last = max(a.reps, key=lambda r: r.index) if a.reps else None
        end = interrupted_end_s(self._live_phase, self._live_phases, last, a.now_s)
        events = a.end_set("quit", end)
        self._mark_sets(events)
        self._set_active = False
        self._emit(events)

    def _open_writer(self) -> None:
        path = self._record_path
        if path is None:
            path = default_recording_path(self.exercise, self.recordings_dir)
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = RecordingMeta(
            exercise=self.exercise, side=self.side, tempo=format_tempo(self.tempo) if self.tempo else None,
            start_utc=dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            simulated=self.source.capabilities.simulated,
        )
        self._writer = RecordingWriter(path, meta, list(self.infos))
        self.recorded_paths.append(path)
        if self.unfinished_dir is not None:
            from ui.history.recovery import Unfinished

            self.unfinished.append(Unfinished(self.unfinished_dir, path, self.history))
        self._record_path = None  # a second recording in the same session gets its own name

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except Exception as exc:  # the UI shows it; nothing recorded so far is lost (the writer flushes per batch)
            self.error = f"{type(exc).__name__}: {exc}"
            self._emit([], self._snapshot(finished=True, message=self.error))
        finally:
            if self._writer is not None:
                self._writer.close()
            self.finished = True

    async def _main(self) -> None:
        await self.source.start()
        self._sensors_known()
        if self._record_path is not None:
            self._open_writer()
        try:
            while await self._stream() and await self._wait_for_seek():
                pass
        finally:
            await self.source.close()

    def _drain_commands(self) -> str:
        """Apply the queued commands: "stop", "seek" (one of them moved the replay) or ""."""
        sought = False
        while not self._commands.empty():
            cmd = self._commands.get()
            if not self._handle(cmd):
                return "stop"
            sought = sought or cmd[0] == "seek"
        return "seek" if sought else ""

    async def _stream(self) -> bool:
        """Analyse the source's batches until it runs out (True) or a stop command comes (False). Commands are
        applied between batches and also while the sensors send nothing (space ends a set at any time)."""
        last_snap = 0.0
        batches = self.source.batches().__aiter__()
        pending: asyncio.Future | None = None
        try:
            while True:
                if pending is None:
                    pending = asyncio.ensure_future(batches.__anext__())
                await asyncio.wait({pending}, timeout=COMMAND_POLL_S)
                state = self._drain_commands()
                if state == "stop":
                    return False
                if not pending.done():
                    continue
                done, pending = pending, None
                try:
                    batch = done.result()
                except StopAsyncIteration:
                    break
                if state == "seek":
                    continue  # read before the seek: it belongs to the old position, not to the fresh analyzer
                if self._due_hold(batch) and not await self._hold():
                    return False
                self._push(batch)
                now = time.monotonic()
                if self._fast_until is None and now - last_snap >= SNAPSHOT_INTERVAL_S:
                    self._emit([], self._snapshot())
                    last_snap = now
        finally:
            if pending is not None:
                pending.cancel()
                await asyncio.gather(pending, return_exceptions=True)
        # the source ran out (end of a replay or simulated set): close the set, keep the window open
        if self._set_active:
            events = self.analyzer.end_set("stream end")
            self._mark_sets(events)
            self._set_active = False
            self._emit(events)
        self._emit([], self._snapshot(finished=True, message="end of stream"))
        return True

    def _push(self, batch) -> None:
        """One batch into the recording and the analyzer; its events to the UI."""
        placement = self.placement_of.get(batch.sensor_id, batch.sensor_id)
        if self._writer is not None:
            self._writer.write(batch)  # marks a gap itself when the batch says so
        events = self.analyzer.push(placement, batch.t_s, batch.acc_mps2, batch.gyr_rads)
        self._mark_sets(events)
        for p, sensor in self.analyzer.sensors.items():  # a settle may have turned any sensor's axis
            self._signs.observe(p, sensor.axis, sensor.last_t, sensor.angle_deg)
        self._track(events)
        if not self._set_active:
            events = [e for e in events if isinstance(e, PhaseChanged)]
        if self._fast_until is not None and self.source.position_s >= self._fast_until:
            self._fast_until = None
            self.source.set_speed(self._speed)
        self._emit(events)

    def _mark_sets(self, events: list[Event]) -> None:
        """Each ended set's span into the recording (`set_start`/`set_end` events): `analyze` reads the same sets."""
        if self._writer is None:
            return
        for e in events:
            if isinstance(e, SetEnded) and e.report.reps + e.report.steps and math.isfinite(e.start_s):
                self._writer.event("set_start", None, e.start_s)
                self._writer.event("set_end", None, e.end_s if math.isfinite(e.end_s) else e.t_s)

    def _due_hold(self, batch) -> bool:
        return self._hold_at is not None and len(batch.t_s) > 0 and float(batch.t_s[-1]) > self._hold_at

    async def _hold(self) -> bool:
        """The feed reached `hold_at`'s time: the snapshot as of now, then wait for `resume` (True) or stop."""
        self._hold_at = None
        self._emit([], self._snapshot(held=True))
        self.holding.set()
        try:
            while True:
                cmd = await asyncio.get_running_loop().run_in_executor(None, self._commands.get)
                if cmd[0] == "resume":
                    return True
                if not self._handle(cmd):
                    return False
        finally:
            self.holding.clear()

    async def _wait_for_seek(self) -> bool:
        """After the end of the stream: True on a seek (replay again), False on stop."""
        while True:
            cmd = await asyncio.get_running_loop().run_in_executor(None, self._commands.get)
            if not self._handle(cmd):
                return False
            if cmd[0] == "seek":
                return True

    def _track(self, events: list[Event]) -> None:
        for e in events:
            if isinstance(e, PhaseChanged):
                self._live_phase = (e.phase, e.start_s)
                self._live_phases.append((e.phase, e.start_s))
                del self._live_phases[:-16]  # a rep is at most 4 phases: the newest lift start is always kept
            elif isinstance(e, SetEnded):
                self._live_phase = None

