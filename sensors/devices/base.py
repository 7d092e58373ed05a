"""What every supported BLE IMU model provides: GATT UUIDs, start/stop commands, and a stateful decoder.

A device module (`witmotion.py`, `thingy52.py`, `polar_pmd.py`, `repscope_diy.py`) exports one `DeviceModel`
constant (data) and a decoder class. The decoder turns one GATT notification payload into `RawSamples` in SI
units on the *sensor's* time base; mapping that onto the session clock, detecting lost packets from counters and
reconnecting are the streaming layer's job (`sensors/clock.py`, `sensors/ble.py`), so decoders stay pure and
byte-exact testable.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Protocol

import numpy as np

STANDARD_GRAVITY_MPS2 = 9.80665
DEG_TO_RAD = np.pi / 180.0


class MalformedPacket(ValueError):
    """A notification that cannot be decoded (wrong length, bad header/checksum, unknown frame type).

    The message is one line naming the device model, the problem and the packet bytes (hex, truncated); the
    stream counts it and skips the packet.
    """


def malformed(model: str, problem: str, payload: bytes) -> MalformedPacket:
    shown = payload[:24].hex(" ")
    more = "…" if len(payload) > 24 else ""
    return MalformedPacket(f"{model}: {problem} (packet {len(payload)} B: {shown}{more})")


@dataclass(frozen=True)
class RawSamples:
    """Samples decoded from one notification (or completed by it).

    `acc_mps2`, `gyr_rads`: (n, 3) float64, sensor frame, specific force incl. gravity / angular rate.
    `sensor_t_s`: (n,) float64 seconds on the device's own clock when the device time-stamps samples, else None
    (then the stream uses `seq` and the nominal rate). `seq`: the packet/sample sequence counter of the first
    sample when the protocol has one, else None; `seq_modulus` is where it wraps (e.g. 2**16), `seq_step` how
    much it advances per sample (1) or per packet (1 with `per_packet=True`).
    """

    acc_mps2: np.ndarray
    gyr_rads: np.ndarray
    sensor_t_s: np.ndarray | None = None
    seq: int | None = None
    seq_modulus: int | None = None
    seq_per_packet: bool = False

    def __len__(self) -> int:
        return len(self.acc_mps2)


class Decoder(Protocol):
    """Stateful per-connection decoder (Polar needs to pair ACC and GYR frames; others are stateless).
    `rejected`: notifications found impossible only after later ones arrived (counted with the malformed)."""

    rejected: int

    def feed(self, char_uuid: str, payload: bytes) -> RawSamples | None:
        """Decode one notification from `char_uuid`; None when it completes no samples yet (or carries none).

        Raises `MalformedPacket` for a payload that cannot be decoded.
        """
        ...

    def reset(self) -> None:
        """Forget partial state (called after a reconnect)."""
        ...


class StatelessDecoder:
    """For devices whose every notification on one characteristic stands alone (no state across packets):
    `decode(payload, rate_hz)` is the device module's pure function."""

    def __init__(self, rate_hz: float, char_uuid: str, decode: Callable[[bytes, float], RawSamples | None]) -> None:
        self.rate_hz = float(rate_hz)
        self._uuid = char_uuid.lower()
        self._decode = decode
        self.rejected = 0  # every packet is judged on its own: never after the fact

    def feed(self, char_uuid: str, payload: bytes) -> RawSamples | None:
        if char_uuid.lower() != self._uuid:
            return None
        return self._decode(payload, self.rate_hz)

    def reset(self) -> None:
        pass


@dataclass(frozen=True)
class GattWrite:
    """One configuration write: characteristic UUID, bytes, and whether the device wants a write-with-response."""

    char_uuid: str
    value: bytes
    response: bool = True


@dataclass(frozen=True)
class DeviceModel:
    """A supported IMU model as data.

    `name_prefixes` / `service_uuids`: how a scan advertisement is recognised (either matching is enough).
    `notify_uuids`: characteristics to subscribe to (in order) once connected.
    `start(rate_hz)` / `stop()`: GATT writes that configure the sample rate and start/stop streaming; written
    after subscribing. `rates_hz`: rates the device supports (the nearest is chosen). `battery`: whether the
    standard Battery Service (0x180F/0x2A19) is expected. `clock_wrap_s`: the period after which the sensor's own
    sample timestamps wrap (s); None when they do not wrap in a session or the model sends none.
    """

    key: str  # short CLI name, e.g. "witmotion"
    display_name: str
    name_prefixes: tuple[str, ...]
    service_uuids: tuple[str, ...]
    notify_uuids: tuple[str, ...]
    rates_hz: tuple[float, ...]
    start: Callable[[float], list[GattWrite]]
    stop: Callable[[], list[GattWrite]]
    make_decoder: Callable[[float], Decoder]  # argument: the configured rate in Hz
    acc_range_g: float = float("nan")
    gyr_range_dps: float = float("nan")
    battery: bool = True
    clock_wrap_s: float | None = None
    notes: str = ""
    extra: dict = field(default_factory=dict)

    def nearest_rate(self, rate_hz: float) -> float:
        return float(min(self.rates_hz, key=lambda r: abs(r - rate_hz)))


BATTERY_SERVICE_UUID = "0000180f-0000-1000-8000-00805f9b34fb"
BATTERY_LEVEL_UUID = "00002a19-0000-1000-8000-00805f9b34fb"
