"""Nordic Thingy:52, Motion Service (TMS) raw data.

From the Thingy:52 firmware (github NordicSemiconductor/Nordic-Thingy52-FW): base UUID
EF68xxxx-9B35-4933-9B10-52FFA9740042 (`ble_tms.c`, TMS_BASE_UUID); configuration characteristic 0x0401 is
`ble_tms_config_t` (packed: pedometer interval ms u16, temperature compensation interval ms u16, compass
interval ms u16, motion processing frequency Hz u16 (5–200), wake on motion u8; `ble_tms.h`); the raw data
characteristic 0x0406 notifies `ble_tms_raw_t`: accelerometer, gyroscope, compass, each three int16 LE.
`m_motion.c` turns the MPU-9250's 16Q16 values into Q10 for the accelerometer (`>> 6`: g × 2^10) and Q5 for the
gyroscope (`>> 11`: °/s × 2^5). `drv_motion.c` mounts the accelerometer with an inverted orientation matrix
("positive readings when axis is aligned with g (down)"), i.e. it reports gravity, not specific force: we negate
it. Subscribing to 0x0406 starts the raw stream; the rate is the motion processing frequency. No timestamps.
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


def tms_uuid(short: int) -> str:
    return f"ef68{short:04x}-9b35-4933-9b10-52ffa9740042"


SERVICE_UUID = tms_uuid(0x0400)
CONFIG_UUID = tms_uuid(0x0401)
RAW_UUID = tms_uuid(0x0406)
ACC_Q = 10  # fractional bits
GYR_Q = 5
RAW_LEN = 18
CONFIG = struct.Struct("<HHHHB")
RATES_HZ = (5.0, 10.0, 20.0, 25.0, 50.0, 100.0, 200.0)
_RAW = struct.Struct("<9h")


def config_bytes(
    rate_hz: float, pedo_ms: int = 1000, temp_ms: int = 500, compass_ms: int = 500, wake_on_motion: int = 1
) -> bytes:
    """The 9-byte configuration (firmware defaults for the intervals) with the motion processing frequency."""
    freq = int(round(min(max(rate_hz, 5.0), 200.0)))
    return CONFIG.pack(pedo_ms, temp_ms, compass_ms, freq, wake_on_motion)


def start(rate_hz: float) -> list[GattWrite]:
    return [GattWrite(CONFIG_UUID, config_bytes(rate_hz), True)]


def stop() -> list[GattWrite]:
    return []  # unsubscribing from the raw characteristic stops the stream


def decode(payload: bytes) -> RawSamples:
    if len(payload) != RAW_LEN:
        raise malformed("thingy52", f"raw motion packet must be {RAW_LEN} bytes, got {len(payload)}", payload)
    v = np.asarray(_RAW.unpack(payload), dtype=np.float64)
    acc = -v[0:3] / 2**ACC_Q * STANDARD_GRAVITY_MPS2  # the firmware reports gravity (down = +): flip to specific force
    gyr = v[3:6] / 2**GYR_Q * DEG_TO_RAD
    return RawSamples(acc[None, :], gyr[None, :])


def encode(acc_mps2: np.ndarray, gyr_rads: np.ndarray, compass: np.ndarray | None = None) -> bytes:
    """One SI sample → the 18-byte raw notification."""
    acc = np.clip(np.round(-np.asarray(acc_mps2) / STANDARD_GRAVITY_MPS2 * 2**ACC_Q), -32768, 32767).astype(int)
    gyr = np.clip(np.round(np.asarray(gyr_rads) / DEG_TO_RAD * 2**GYR_Q), -32768, 32767).astype(int)
    cmp_ = np.zeros(3, dtype=int) if compass is None else np.asarray(compass, dtype=int)
    return _RAW.pack(*acc, *gyr, *cmp_)


def make_decoder(rate_hz: float) -> StatelessDecoder:
    return StatelessDecoder(rate_hz, RAW_UUID, lambda payload, _rate: decode(payload))


MODEL = DeviceModel(
    key="thingy52",
    display_name="Nordic Thingy:52",
    name_prefixes=("Thingy",),
    service_uuids=(tms_uuid(0x0100), SERVICE_UUID),  # advertises its configuration service EF680100
    notify_uuids=(RAW_UUID,),
    rates_hz=RATES_HZ,
    start=start,
    stop=stop,
    make_decoder=make_decoder,
    acc_range_g=float("nan"),  # set by the firmware's motion driver, not exposed over BLE
    gyr_range_dps=2000.0,
    battery=True,
    notes="accelerometer in Q10 g, gyro in Q5 °/s; no timestamps",
)
