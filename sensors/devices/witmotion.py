"""WitMotion WT901BLECL / BWT901BLE (BLE 5.0 modules): the default 0x55 0x61 packet.

Protocol (WitMotion "WT901BLECL Datasheet" §6.1 and the BLE 5.0 SDK, github WITMOTION/WitBluetooth_BWT901BLE5_0):
one notification on FFE4 carries 20 bytes `55 61` + nine int16 little-endian: acceleration x, y, z
(×16 g/32768), angular velocity x, y, z (×2000 °/s/32768), angle roll, pitch, yaw (×180°/32768; not used: repscope
runs its own orientation filter). Commands go to FFE9 as `FF AA <register> <low> <high>`: unlock `FF AA 69 88 B5`,
return rate register 0x03 (`FF AA 03 06 00` = 10 Hz), save `FF AA 00 00 00`. There is no timestamp or counter:
the stream layer times samples from the nominal rate and the arrival clock. Some firmware concatenates packets in
one notification (multiples of 20 bytes); `55 71` register replies (battery, magnetometer) are not motion data.
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

SERVICE_UUID = "0000ffe5-0000-1000-8000-00805f9a34fb"
NOTIFY_UUID = "0000ffe4-0000-1000-8000-00805f9a34fb"
WRITE_UUID = "0000ffe9-0000-1000-8000-00805f9a34fb"
PACKET_LEN = 20
HEADER, FLAG_IMU, FLAG_REGISTERS = 0x55, 0x61, 0x71
ACC_G_PER_LSB = 16.0 / 32768.0
GYR_DPS_PER_LSB = 2000.0 / 32768.0
ANGLE_DEG_PER_LSB = 180.0 / 32768.0
RATE_CODES = {10.0: 0x06, 20.0: 0x07, 50.0: 0x08, 100.0: 0x09, 200.0: 0x0A}  # register 0x03 (RRATE)
UNLOCK = bytes.fromhex("FFAA6988B5")
SAVE = bytes.fromhex("FFAA000000")
_ROW = struct.Struct("<2B9h")


def rate_command(rate_hz: float) -> bytes:
    """`FF AA 03 <code> 00`: set the return rate (nearest supported)."""
    rate = min(RATE_CODES, key=lambda r: abs(r - rate_hz))
    return bytes([0xFF, 0xAA, 0x03, RATE_CODES[rate], 0x00])


def start(rate_hz: float) -> list[GattWrite]:
    # unlock, set the rate; not saved to flash: the sensor returns to its own default after a power cycle
    return [GattWrite(WRITE_UUID, UNLOCK, False), GattWrite(WRITE_UUID, rate_command(rate_hz), False)]


def stop() -> list[GattWrite]:
    return []  # the module streams whenever connected; unsubscribing is enough


def decode(payload: bytes) -> RawSamples | None:
    """One notification → samples (SI units, sensor frame); None for register replies."""
    if len(payload) == 0 or len(payload) % PACKET_LEN:
        raise malformed("witmotion", f"length {len(payload)} is not a multiple of {PACKET_LEN}", payload)
    rows = []
    for off in range(0, len(payload), PACKET_LEN):
        head, flag, *v = _ROW.unpack_from(payload, off)
        if head != HEADER:
            raise malformed("witmotion", f"packet {off // PACKET_LEN} starts with 0x{head:02X}, not 0x55", payload)
        if flag == FLAG_REGISTERS:
            continue
        if flag != FLAG_IMU:
            raise malformed("witmotion", f"unknown flag 0x{flag:02X}", payload)
        rows.append(v[:6])
    if not rows:
        return None
    raw = np.asarray(rows, dtype=np.float64)
    acc = raw[:, :3] * (ACC_G_PER_LSB * STANDARD_GRAVITY_MPS2)
    gyr = raw[:, 3:6] * (GYR_DPS_PER_LSB * DEG_TO_RAD)
    return RawSamples(acc, gyr)


def encode(acc_mps2: np.ndarray, gyr_rads: np.ndarray, angle_deg: np.ndarray | None = None) -> bytes:
    """SI samples → the notification bytes the module sends (one 20-byte packet per sample)."""
    acc = np.clip(np.round(np.asarray(acc_mps2) / (ACC_G_PER_LSB * STANDARD_GRAVITY_MPS2)), -32768, 32767)
    gyr = np.clip(np.round(np.asarray(gyr_rads) / (GYR_DPS_PER_LSB * DEG_TO_RAD)), -32768, 32767)
    ang = np.zeros_like(acc) if angle_deg is None else np.clip(np.round(angle_deg / ANGLE_DEG_PER_LSB), -32768, 32767)
    out = bytearray()
    for a, g, e in zip(acc.astype(int), gyr.astype(int), ang.astype(int)):
        out += _ROW.pack(HEADER, FLAG_IMU, *a, *g, *e)
    return bytes(out)


def make_decoder(rate_hz: float) -> StatelessDecoder:
    return StatelessDecoder(rate_hz, NOTIFY_UUID, lambda payload, _rate: decode(payload))


MODEL = DeviceModel(
    key="witmotion",
    display_name="WitMotion WT901BLECL / BWT901BLE",
    name_prefixes=("WT901BLE", "BWT901", "WT9011"),
    service_uuids=(SERVICE_UUID,),
    notify_uuids=(NOTIFY_UUID,),
    rates_hz=tuple(RATE_CODES),
    start=start,
    stop=stop,
    make_decoder=make_decoder,
    acc_range_g=16.0,
    gyr_range_dps=2000.0,
    battery=False,
    notes="no sensor timestamps: times from the nominal rate, drift-corrected against arrival",
)
