"""The one stream interface every sample source implements: BLE devices, the simulator's virtual sensor and
recording replay. The live window and `record` consume only this, so they cannot tell the sources apart.

    source: SampleSource
    await source.start()                 # connect / open; raises SourceError with a one-line message
    async for batch in source.batches(): # SampleBatch, each sensor's batches in its own time order
        ...
    source.status()                      # tuple[SourceStatus, ...], one per sensor, cheap, any time
    await source.close()

`ArraySource` plays whole arrays back in (scaled) real time, with `seek` for the replay timeline: `replay` feeds it
a recording's streams, `VirtualSensorSource` the simulator's.
"""
from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass
from typing import AsyncIterator, Protocol, Sequence

import numpy as np

from sensors.batch import SampleBatch, SensorInfo
from sensors.recording import SensorStream

BATCH_S = 0.04  # what one BLE connection event carries at typical intervals


class SourceError(RuntimeError):
    """A source cannot start or has given up; the message is one line for the user."""


@dataclass(frozen=True)
class SourceStatus:
    """Health of one sensor's stream, for the status bar / status line.

    `state`: connecting | streaming | reconnecting | stopped | failed. `rate_hz` is measured over the last
    seconds; `dropped` samples known lost (counters/gaps), `malformed` packets skipped, `late` packets that
    arrived out of order and were discarded; `battery_pct` None when the device does not report it.
    """

    sensor_id: str
    state: str
    rate_hz: float = math.nan
    samples: int = 0
    dropped: int = 0
    malformed: int = 0
    late: int = 0
    battery_pct: int | None = None
    message: str = ""


@dataclass(frozen=True)
class SourceCapabilities:
    """What a source can do beyond streaming, as data (the window asks these, never the source's type).

    `can_seek`: `seek(t_s)`, `pause()`/`resume()`, `set_speed(x)` and `position_s` work (a recording or the
    simulator; a BLE sensor streams what happens now); `simulated`: the samples are not from a body."""

    can_seek: bool = False
    simulated: bool = False


LIVE = SourceCapabilities()  # a real sensor streaming now


class SampleSource(Protocol):
    sensors: tuple[SensorInfo, ...]
    capabilities: SourceCapabilities

    async def start(self) -> None: ...

    def batches(self) -> AsyncIterator[SampleBatch]: ...

    def status(self) -> tuple[SourceStatus, ...]: ...

    async def close(self) -> None: ...


class RateMeter:
    """Sample rate over a sliding window of arrival counts (Hz)."""

    def __init__(self, window_s: float = 2.0) -> None:
        self.window_s = window_s
        self._marks: list[tuple[float, int]] = []
        self.total = 0

    def add(self, t_s: float, n: int) -> None:
        self.total += n
        self._marks.append((t_s, self.total))
        while len(self._marks) > 2 and self._marks[1][0] < t_s - self.window_s:
            self._marks.pop(0)

    @property
    def rate_hz(self) -> float:
        if len(self._marks) < 2:
            return math.nan
        (t0, n0), (t1, n1) = self._marks[0], self._marks[-1]
        return (n1 - n0) / (t1 - t0) if t1 > t0 else math.nan


class ArraySource:
    """Plays recorded or simulated streams as a live source.

    `speed`: 1 = real time, 2, 4 …, `math.inf` = as fast as the consumer takes them. Batches of `batch_s` of each
    sensor are interleaved in time order; a recorded gap is passed on as `gap_before`. `seek(t_s)` jumps (the
    next batch starts there); `pause()`/`resume()` hold the clock.
    """

    capabilities = SourceCapabilities(can_seek=True)

    def __init__(self, streams: Sequence[SensorStream], speed: float = 1.0, batch_s: float = BATCH_S) -> None:
        if not streams:
            raise SourceError("no sensor streams to play")
        if not (speed > 0):
            raise SourceError(f"speed must be > 0 (got {speed})")
        self.streams = tuple(streams)
        self.sensors = tuple(s.info for s in streams)
        self.speed = float(speed)
        self.batch_s = float(batch_s)
        self.t_start_s = min(float(s.t_s[0]) for s in streams if len(s.t_s))
        self.t_end_s = max(float(s.t_s[-1]) for s in streams if len(s.t_s))
        self._cursor = {s.info.sensor_id: 0 for s in streams}
        self._meters = {s.info.sensor_id: RateMeter() for s in streams}
        self._state = "stopped"
        self._position_s = self.t_start_s
        self._clock0: tuple[float, float] | None = None  # (wall, stream) at the last (re)start of the clock
        self._paused = False
        self._closed = False

    @property
    def position_s(self) -> float:
        """Stream time of the newest sample delivered."""
        return self._position_s

    async def start(self) -> None:
        self._state = "streaming"

    def seek(self, t_s: float) -> None:
        t_s = float(np.clip(t_s, self.t_start_s, self.t_end_s))
        for s in self.streams:
            self._cursor[s.info.sensor_id] = int(np.searchsorted(s.t_s, t_s))
        self._position_s = t_s
        self._clock0 = None

    def pause(self) -> None:
        self._paused = True

    def resume(self) -> None:
        self._paused = False
        self._clock0 = None

    def set_speed(self, speed: float) -> None:
        self.speed = float(speed)
        self._clock0 = None

    def status(self) -> tuple[SourceStatus, ...]:
        return tuple(
            SourceStatus(
                s.info.sensor_id, self._state, self._meters[s.info.sensor_id].rate_hz,
                self._meters[s.info.sensor_id].total, sum(1 for _ in s.gaps),
            )
            for s in self.streams
        )

    def _next_chunk(self):
        """The sensor whose next batch ends earliest, and that batch's index range."""
        best = None
        for s in self.streams:
            i = self._cursor[s.info.sensor_id]
            if i >= len(s.t_s):
                continue
            j = int(np.searchsorted(s.t_s, s.t_s[i] + self.batch_s - 1e-9))
            j = max(j, i + 1)
            end = float(s.t_s[j - 1])
            if best is None or end < best[0]:
                best = (end, s, i, j)
        return best

    async def batches(self) -> AsyncIterator[SampleBatch]:
        while not self._closed:
            if self._paused:
                await asyncio.sleep(0.02)
                continue
            chunk = self._next_chunk()
            if chunk is None:
                self._state = "stopped"
                return
            end, s, i, j = chunk
            if math.isfinite(self.speed):
                now = time.monotonic()
                if self._clock0 is None:
                    self._clock0 = (now, self._position_s)
                due = self._clock0[0] + (end - self._clock0[1]) / self.speed
                if due > now:
                    await asyncio.sleep(due - now)
            else:
                await asyncio.sleep(0)  # let the consumer's other tasks run
            if self._closed:
                return
            sid = s.info.sensor_id
            if self._cursor[sid] != i:
                continue  # a seek happened while we slept
            t = s.t_s[i:j]
            gap = i > 0 and any(t0 >= s.t_s[i - 1] and t0 <= t[0] for t0, _ in s.gaps)
            self._cursor[sid] = j
            self._position_s = max(self._position_s, end)
            self._meters[sid].add(end, j - i)
            yield SampleBatch(sid, t, s.acc_mps2[i:j], s.gyr_rads[i:j], gap_before=gap)

    async def close(self) -> None:
        self._closed = True
        self._state = "stopped"


class VirtualSensorSource(ArraySource):
    """The simulator's virtual sensor(s): a simulated set streamed in real time (or faster), no hardware."""

    capabilities = SourceCapabilities(can_seek=True, simulated=True)

    def __init__(self, sim_result, speed: float = 1.0) -> None:
        self.sim = sim_result
        super().__init__(sim_result.streams, speed)
