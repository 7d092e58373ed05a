"""Polar Verity Sense (and other PMD devices) accelerometer + gyroscope over the Polar Measurement Data service.

From the Polar BLE SDK (github polarofficial/polar-ble-sdk, Android `BlePMDClient.kt`, `PmdDataFrame.kt`,
`PmdSetting.kt`, `PmdControlPointResponse.kt`, `model/AccData.kt`, `model/GyrData.kt`, `PmdTimeStampUtils.kt`):

- Service FB005C80-02E7-F387-1CAD-8ACD2D8DF0C8; control point FB005C81 (write + indicate); data FB005C82 (notify).
- Control point requests: `01 <type>` get settings, `02 <type> <settings>` start, `03 <type>` stop; measurement
  types ACC = 0x02, GYRO = 0x05. Settings are TLVs `<setting> <count> <value LE>`: sample rate (0, u16),
  resolution (1, u16), range (2, u16), channels (4, u8); the start response `F0 02 <type> <status> <more>
  <settings>` carries the FACTOR (5, float32) that scales the samples.
- Data frame: type u8, timestamp u64 LE (ns since 2000-01-01, of the frame's LAST sample), frame type u8 (bit 7 =
  delta-compressed, bits 0–6 = type), then samples. ACC raw type 1: int16 ×3 in mG. ACC compressed type 0:
  reference sample int16 ×3, then blocks `<bit width> <count>` + packed little-endian signed deltas; value × factor
  is g. GYRO compressed type 0: the same with int16, value × factor is °/s. Sample times: the previous frame's
  timestamp + k·(Δ/n) (the first frame uses the sample rate).

The Verity Sense's accelerometer and gyroscope stream separately; this decoder pairs them by timestamp (same rate,
same IMU). A frame whose timestamp cannot be right is dropped and counted: one more than `MAX_FRAME_STEP_S` from its
stream's previous frame is malformed at once (a link drops long before such a gap); one that a later frame of the
same stream goes back behind is judged against the other stream (whichever is closer to it is kept) and counted in
`rejected`. Each pairing queue holds at most `PAIRING_WINDOW_S` of samples, so a stream whose partner never comes
cannot grow without bound. The H10 has no gyroscope: recognised, not supported.
"""
from __future__ import annotations

import struct
from collections import deque

import numpy as np

from sensors.devices.base import (
    DEG_TO_RAD,
    STANDARD_GRAVITY_MPS2,
    DeviceModel,
    GattWrite,
    RawSamples,
    malformed,
)

SERVICE_UUID = "fb005c80-02e7-f387-1cad-8acd2d8df0c8"
CONTROL_UUID = "fb005c81-02e7-f387-1cad-8acd2d8df0c8"
DATA_UUID = "fb005c82-02e7-f387-1cad-8acd2d8df0c8"
ACC, GYRO = 0x02, 0x05
GET_SETTINGS, START, STOP = 0x01, 0x02, 0x03
RESPONSE = 0xF0
SAMPLE_RATE, RESOLUTION, RANGE, RANGE_MILLIUNIT, CHANNELS, FACTOR = 0, 1, 2, 3, 4, 5
SETTING_SIZE = {SAMPLE_RATE: 2, RESOLUTION: 2, RANGE: 2, RANGE_MILLIUNIT: 4, CHANNELS: 1, FACTOR: 4, 6: 16}
RATES_HZ = (26.0, 52.0, 104.0, 208.0, 416.0)  # Verity Sense ACC/GYRO
ACC_RANGE_G, GYR_RANGE_DPS = 8, 2000
DELTA_BIT = 0x80
NS = 1e-9
MAX_FRAME_STEP_S = 30.0  # a frame this far (s) from its stream's last one is malformed (link timeout ≤ 32 s)
PAIRING_WINDOW_S = 3.0  # each pairing queue holds at most this much of its stream (s; frames carry up to ~1.1 s)


def settings_bytes(rate_hz: int, resolution: int, rng: int, channels: int = 3) -> bytes:
    return struct.pack(
        "<BBH BBH BBH BBB", SAMPLE_RATE, 1, rate_hz, RESOLUTION, 1, resolution, RANGE, 1, rng, CHANNELS, 1, channels
    )


def start_request(kind: int, rate_hz: float) -> bytes:
    rate = int(min(RATES_HZ, key=lambda r: abs(r - rate_hz)))
    rng = ACC_RANGE_G if kind == ACC else GYR_RANGE_DPS
    return bytes([START, kind]) + settings_bytes(rate, 16, rng)


def start(rate_hz: float) -> list[GattWrite]:
    return [GattWrite(CONTROL_UUID, start_request(ACC, rate_hz)), GattWrite(CONTROL_UUID, start_request(GYRO, rate_hz))]


def stop() -> list[GattWrite]:
    return [GattWrite(CONTROL_UUID, bytes([STOP, ACC])), GattWrite(CONTROL_UUID, bytes([STOP, GYRO]))]


def parse_settings(params: bytes) -> dict[int, float]:
    """Setting TLVs → {setting: first value} (FACTOR as float32, the rest as integers)."""
    out, i = {}, 0
    while i + 2 <= len(params):
        kind, count = params[i], params[i + 1]
        size = SETTING_SIZE.get(kind)
        if size is None or i + 2 + size * count > len(params):
            raise ValueError(f"setting 0x{kind:02X} does not fit")
        first = params[i + 2:i + 2 + size]
        out[kind] = struct.unpack("<f", first)[0] if kind == FACTOR else int.from_bytes(first, "little")
        i += 2 + size * count
    return out


def delta_frames(data: bytes, channels: int, ref_bits: int) -> np.ndarray:
    """Reference sample + delta blocks → (n, channels) int64 samples (PMD delta compression)."""
    ref_bytes = channels * (ref_bits // 8)
    if len(data) < ref_bytes:
        raise ValueError("shorter than the reference sample")
    ref = [
        int.from_bytes(data[k * (ref_bits // 8):(k + 1) * (ref_bits // 8)], "little", signed=True)
        for k in range(channels)
    ]
    rows = [ref]
    off = ref_bytes
    while off < len(data):
        if off + 2 > len(data):
            raise ValueError("delta block header cut off")
        width, count = data[off], data[off + 1]
        off += 2
        if width == 0 or width > 32:
            raise ValueError(f"delta width {width} bits")
        nbits = width * count * channels
        nbytes = (nbits + 7) // 8
        if off + nbytes > len(data):
            raise ValueError("delta block cut off")
        bits = int.from_bytes(data[off:off + nbytes], "little")
        off += nbytes
        mask, sign = (1 << width) - 1, 1 << (width - 1)
        pos = 0
        for _ in range(count):
            row = []
            for c in range(channels):
                d = (bits >> pos) & mask
                pos += width
                row.append(rows[-1][c] + (d - (1 << width) if d & sign else d))
            rows.append(row)
    return np.asarray(rows, dtype=np.int64)


def encode_delta(samples: np.ndarray, ref_bits: int = 16, block: int = 8) -> bytes:
    """(n, channels) ints → reference sample + delta blocks of `block` samples (the inverse of `delta_frames`)."""
    samples = np.asarray(samples, dtype=np.int64)
    out = bytearray()
    for v in samples[0]:
        out += int(v).to_bytes(ref_bits // 8, "little", signed=True)
    deltas = np.diff(samples, axis=0)
    for k in range(0, len(deltas), block):
        chunk = deltas[k:k + block]
        m = int(np.abs(chunk).max()) if chunk.size else 0
        width = max(2, int(m).bit_length() + 1)
        bits, pos = 0, 0
        for row in chunk:
            for d in row:
                bits |= (int(d) & ((1 << width) - 1)) << pos
                pos += width
        out += bytes([width, len(chunk)]) + bits.to_bytes((pos + 7) // 8, "little")
    return bytes(out)


def frame_header(kind: int, timestamp_ns: int, frame_type: int) -> bytes:
    return bytes([kind]) + struct.pack("<Q", timestamp_ns) + bytes([frame_type])


class Decoder:
    """Stateful: frame-to-frame timestamps, the factors from the start responses, ACC/GYRO pairing."""

    def __init__(self, rate_hz: float) -> None:
        self.rate_hz = float(min(RATES_HZ, key=lambda r: abs(r - rate_hz)))
        self.rejected = 0  # frames dropped for an impossible timestamp after the fact (reported as malformed)
        self.reset()
        self.factors = {ACC: 1.0, GYRO: 1.0}

    def reset(self) -> None:
        self._last_ts = {ACC: None, GYRO: None}
        self._queues: dict[int, deque] = {ACC: deque(), GYRO: deque()}
        self.unpaired = 0

    def feed(self, char_uuid: str, payload: bytes) -> RawSamples | None:
        char_uuid = char_uuid.lower()
        if char_uuid == CONTROL_UUID:
            self._control(payload)
            return None
        if char_uuid != DATA_UUID:
            return None
        if len(payload) < 10:
            raise malformed("polar_pmd", "data frame shorter than its 10-byte header", payload)
        kind = payload[0]
        ts = struct.unpack_from("<Q", payload, 1)[0]
        ftype = payload[9]
        content = payload[10:]
        if kind not in (ACC, GYRO):
            return None  # ECG, PPG … are not motion data
        try:
            values = self._samples(kind, ftype, content)
        except ValueError as exc:
            raise malformed(
                "polar_pmd", f"{'ACC' if kind == ACC else 'GYRO'} frame type 0x{ftype:02X}: {exc}", payload
            ) from None
        n = len(values)
        if n == 0:
            raise malformed("polar_pmd", "frame without samples", payload)
        prev = self._last_ts[kind]
        if prev is not None and abs(ts - prev) * NS > MAX_FRAME_STEP_S:
            raise malformed("polar_pmd", f"timestamp {(ts - prev) * NS:+.1f} s from the previous frame", payload)
        times = self._times(prev, ts, n)
        if not self._keep_ordered(kind, times):
            return None
        self._last_ts[kind] = ts
        self._enqueue(kind, times, values)
        return self._pairs()

    def _times(self, prev: int | None, ts: int, n: int) -> np.ndarray:
        """Sample times (ns): spread since the previous frame, else at the nominal rate; the last is `ts`."""
        if prev is not None and ts > prev:
            times = prev + (ts - prev) / n * np.arange(1, n + 1, dtype=np.float64)
        else:
            times = ts - (n - 1 - np.arange(n, dtype=np.float64)) * (1e9 / self.rate_hz)
        times[-1] = ts  # the frame timestamp is the last sample's, exactly
        return times

    def _keep_ordered(self, kind: int, times: np.ndarray) -> bool:
        """A frame behind samples already queued for its stream: one of the two has a wrong timestamp. Keep the one
        nearer the other stream (no other stream yet: the new frame); False when the new frame is the outlier."""
        q = self._queues[kind]
        if not q or times[0] > q[-1][0]:
            return True
        self.rejected += 1
        other = self._last_ts[GYRO if kind == ACC else ACC]
        if other is not None and abs(q[-1][0] - other) < abs(float(times[-1]) - other):
            return False
        while q and q[-1][0] >= times[0]:
            q.pop()
        return True

    def _enqueue(self, kind: int, times: np.ndarray, values: np.ndarray) -> None:
        q = self._queues[kind]
        for t, v in zip(times, values):
            q.append((float(t), v))
        while len(q) > PAIRING_WINDOW_S * self.rate_hz:  # the partner stream is not coming
            q.popleft()
            self.unpaired += 1

    def _samples(self, kind: int, ftype: int, content: bytes) -> np.ndarray:
        compressed, base = bool(ftype & DELTA_BIT), ftype & 0x7F
        if kind == ACC:
            if not compressed and base == 1:
                if len(content) % 6:
                    raise ValueError(f"{len(content)} bytes is not whole int16 ×3 samples")
                mg = np.frombuffer(content, dtype="<i2").reshape(-1, 3).astype(np.float64)
                return mg * 1e-3 * STANDARD_GRAVITY_MPS2
            if not compressed and base == 0:
                if len(content) % 3:
                    raise ValueError(f"{len(content)} bytes is not whole int8 ×3 samples")
                return np.frombuffer(content, dtype="i1").reshape(-1, 3) * 1e-3 * STANDARD_GRAVITY_MPS2
            if compressed and base == 0:
                return delta_frames(content, 3, 16) * self.factors[ACC] * STANDARD_GRAVITY_MPS2
            if compressed and base == 1:
                f = self.factors[ACC]
                return delta_frames(content, 3, 16) * (f if f != 1.0 else 1.0) * 1e-3 * STANDARD_GRAVITY_MPS2
        else:
            if compressed and base == 0:
                return delta_frames(content, 3, 16) * self.factors[GYRO] * DEG_TO_RAD
        raise ValueError("not a supported frame type")

    def _control(self, payload: bytes) -> None:
        if len(payload) < 4 or payload[0] != RESPONSE:
            return  # not a response (e.g. a "measurement stopped" notice)
        op, kind, status = payload[1], payload[2], payload[3]
        if op == START and status == 0 and len(payload) > 5 and kind in self.factors:
            try:
                settings = parse_settings(payload[5:])
            except ValueError:
                raise malformed("polar_pmd", "start response settings are malformed", payload) from None
            if FACTOR in settings:
                self.factors[kind] = float(settings[FACTOR])

    def _pairs(self) -> RawSamples | None:
        half = 0.5e9 / self.rate_hz
        qa, qg = self._queues[ACC], self._queues[GYRO]
        t_out, acc, gyr = [], [], []
        while qa and qg:
            ta, va = qa[0]
            tg, vg = qg[0]
            if abs(ta - tg) <= half:
                t_out.append(ta)
                acc.append(va)
                gyr.append(vg)
                qa.popleft()
                qg.popleft()
            elif ta < tg:
                qa.popleft()
                self.unpaired += 1
            else:
                qg.popleft()
                self.unpaired += 1
        if not t_out:
            return None
        return RawSamples(np.asarray(acc), np.asarray(gyr), np.asarray(t_out) * NS)


MODEL = DeviceModel(
    key="polar",
    display_name="Polar Verity Sense",
    name_prefixes=("Polar Sense",),
    service_uuids=(),  # PMD is not advertised; recognised by name
    notify_uuids=(CONTROL_UUID, DATA_UUID),
    rates_hz=RATES_HZ,
    start=start,
    stop=stop,
    make_decoder=Decoder,
    acc_range_g=ACC_RANGE_G,
    gyr_range_dps=GYR_RANGE_DPS,
    battery=True,
    notes="sensor timestamps (ns since 2000); ACC and GYRO paired by time",
)
UNSUPPORTED_PREFIXES = {"Polar H10": "Polar H10 has no gyroscope", "Polar H9": "Polar H9 has no gyroscope"}
