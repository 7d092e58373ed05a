"""The repscope DIY sensor: our own GATT service, implemented by `sensors/firmware/repscope_imu/` for a Seeed XIAO
nRF52840 Sense or an Arduino Nano 33 BLE. Documented in docs/devices.md ("repscope DIY protocol").

One notify characteristic carries packets of consecutive samples:

    offset  size  field
    0       2     seq: packet counter, u16 LE, +1 per packet, wraps at 2^16
    2       4     t_us: sensor clock at the first sample, µs, u32 LE, wraps at 2^32 (71.6 min)
    6       1     n: samples in this packet (1–19 at a 247-byte ATT MTU)
    7       12·n  per sample: acc x, y, z, gyr x, y, z as int16 LE
                  acc: 1/4096 g per LSB (±8 g); gyr: 1/16.384 °/s per LSB (±2000 °/s)

Samples inside a packet are 1/rate apart on the sensor clock. The control characteristic takes `01 <rate u16 LE>`
(start at the nearest rate the IMU supports) and `00` (stop).
"""
from __future__ import annotations

import struct

import numpy as np

from sensors.devices.base import (
    DEG_TO_RAD,
    STANDARD_GRAVITY_MPS2,
    DeviceModel,
    GattWrite,
    RawSamples,
    StatelessDecoder,
    malformed,
)

SERVICE_UUID = "7e5c0001-5f3a-4b8e-9c21-6d0e2a1b3c4d"
DATA_UUID = "7e5c0002-5f3a-4b8e-9c21-6d0e2a1b3c4d"
CONTROL_UUID = "7e5c0003-5f3a-4b8e-9c21-6d0e2a1b3c4d"
ACC_LSB_PER_G = 4096.0
GYR_LSB_PER_DPS = 16.384
SEQ_MODULUS = 1 << 16
TIME_WRAP_S = (1 << 32) * 1e-6
HEADER = struct.Struct("<HIB")
SAMPLE_BYTES = 12
MAX_SAMPLES = 19
RATES_HZ = (50.0, 100.0, 200.0, 400.0)


def start(rate_hz: float) -> list[GattWrite]:
    rate = int(min(RATES_HZ, key=lambda r: abs(r - rate_hz)))
    return [GattWrite(CONTROL_UUID, bytes([0x01]) + struct.pack("<H", rate))]


def stop() -> list[GattWrite]:
    return [GattWrite(CONTROL_UUID, bytes([0x00]))]


def decode(payload: bytes, rate_hz: float) -> RawSamples:
    if len(payload) < HEADER.size:
        raise malformed("repscope_diy", f"packet of {len(payload)} bytes is shorter than the 7-byte header", payload)
    seq, t_us, n = HEADER.unpack_from(payload)
    if n == 0 or n > MAX_SAMPLES:
        raise malformed("repscope_diy", f"sample count {n} outside 1–{MAX_SAMPLES}", payload)
    if len(payload) != HEADER.size + SAMPLE_BYTES * n:
        raise malformed(
            "repscope_diy", f"{n} samples need {HEADER.size + SAMPLE_BYTES * n} bytes, got {len(payload)}", payload
        )
    raw = np.frombuffer(payload, dtype="<i2", offset=HEADER.size).reshape(n, 6).astype(np.float64)
    acc = raw[:, :3] / ACC_LSB_PER_G * STANDARD_GRAVITY_MPS2
    gyr = raw[:, 3:] / GYR_LSB_PER_DPS * DEG_TO_RAD
    t = t_us * 1e-6 + np.arange(n) / rate_hz  # raw (wrapping) sensor clock; the stream layer unwraps
    return RawSamples(acc, gyr, t, seq=seq, seq_modulus=SEQ_MODULUS, seq_per_packet=True)


def encode(seq: int, t_us: int, acc_mps2: np.ndarray, gyr_rads: np.ndarray) -> bytes:
    """Samples → one packet (what the firmware sends)."""
    acc = np.clip(np.round(np.asarray(acc_mps2) / STANDARD_GRAVITY_MPS2 * ACC_LSB_PER_G), -32768, 32767)
    gyr = np.clip(np.round(np.asarray(gyr_rads) / DEG_TO_RAD * GYR_LSB_PER_DPS), -32768, 32767)
    body = np.column_stack([acc, gyr]).astype("<i2").tobytes()
    return HEADER.pack(seq % SEQ_MODULUS, t_us % (1 << 32), len(acc)) + body


def make_decoder(rate_hz: float) -> StatelessDecoder:
    rate = float(min(RATES_HZ, key=lambda r: abs(r - rate_hz)))
    return StatelessDecoder(rate, DATA_UUID, decode)


MODEL = DeviceModel(
    key="diy",
    display_name="repscope DIY (XIAO nRF52840 Sense / Nano 33 BLE)",
    name_prefixes=("repscope",),
    service_uuids=(SERVICE_UUID,),
    notify_uuids=(DATA_UUID,),
    rates_hz=RATES_HZ,
    start=start,
    stop=stop,
    make_decoder=make_decoder,
    acc_range_g=8.0,
    gyr_range_dps=2000.0,
    battery=True,
    clock_wrap_s=TIME_WRAP_S,  # a 32-bit µs counter: wraps every 71.6 min
    notes="packet counter and µs sensor timestamps",
)
