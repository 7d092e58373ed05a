"""Virtual IMUs: bumble GATT servers that speak each supported model's profile and stream simulator data through
the model's own encoder, as the real device would (rate command → stream; stop; drop-outs; bad packets)."""
from __future__ import annotations

import asyncio
import struct

import numpy as np
from bumble.gatt import Characteristic

from sensors.devices import polar_pmd, repscope_diy, thingy52, witmotion
from tests.ble.backend import VirtualAir
from tests.ble.peripheral import VirtualPeripheral

P = Characteristic.Properties
POLAR_ACC_FACTOR = 2.44e-4  # g per LSB at ±8 g (Polar SDK AccDataTest)
POLAR_GYRO_FACTOR = 0.061  # °/s per LSB at ±2000 °/s
EPOCH_2000_NS = 700_000_000 * 10**9  # an arbitrary "now" on Polar's clock (ns since 2000-01-01)


class VirtualImu(VirtualPeripheral):
    """Streams (acc_mps2, gyr_rads) rows at `rate_hz` × `pace` once the central starts it.

    The sensor keeps sampling while disconnected (those samples are lost, as on a real radio): `sent` records
    which sample indices went out, so a test can check that nothing delivered was dropped on our side.
    """

    per_packet = 4

    def __init__(self, air: VirtualAir, model_key: str, name: str, address: str, acc: np.ndarray, gyr: np.ndarray,
                 rate_hz: float = 100.0, pace: float = 10.0, malformed_every: int = 0,
                 battery_pct: int | None = 80) -> None:
        super().__init__(air, name, address)
        self.model_key = model_key
        self.acc = np.asarray(acc)
        self.gyr = np.asarray(gyr)
        self.rate_hz = rate_hz
        self.pace = pace
        self.malformed_every = malformed_every
        self.battery_start = battery_pct
        self.streaming = asyncio.Event()
        self.sent: list[int] = []  # sample indices notified
        self.commands: list[bytes] = []
        self.malformed_sent = 0
        self._task: asyncio.Task | None = None
        self._index = 0
        self._packets = 0
        self._t_start: float | None = None
        self._t_us_base = 4_000_000_000  # DIY clock at sample 0: wraps at 2^32 µs after ~4.7 min of data
        self.error: str | None = None

    # -------------------------------------------------------------------------------------------- profile
    async def start(self) -> None:  # type: ignore[override]
        k = self.model_key
        if k == "witmotion":
            services = {witmotion.SERVICE_UUID: {
                witmotion.NOTIFY_UUID: (P.NOTIFY, b""), witmotion.WRITE_UUID: (P.WRITE | P.WRITE_WITHOUT_RESPONSE, b""),
            }}
            self.on_write(witmotion.WRITE_UUID, self._witmotion_command)
        elif k == "thingy52":
            services = {thingy52.SERVICE_UUID: {
                thingy52.CONFIG_UUID: (P.READ | P.WRITE, thingy52.config_bytes(10)), thingy52.RAW_UUID: (P.NOTIFY, b""),
            }}
            self.on_write(thingy52.CONFIG_UUID, self._thingy_config)
        elif k == "polar":
            services = {polar_pmd.SERVICE_UUID: {
                polar_pmd.CONTROL_UUID: (P.WRITE | P.INDICATE | P.NOTIFY, b""), polar_pmd.DATA_UUID: (P.NOTIFY, b""),
            }}
            self.on_write(polar_pmd.CONTROL_UUID, self._polar_command)
            self._polar_started: set[int] = set()
        elif k == "diy":
            services = {repscope_diy.SERVICE_UUID: {
                repscope_diy.DATA_UUID: (P.NOTIFY, b""), repscope_diy.CONTROL_UUID: (P.WRITE, b""),
            }}
            self.on_write(repscope_diy.CONTROL_UUID, self._diy_command)
        else:
            raise ValueError(k)
        # a Verity Sense advertises its name and the heart-rate service, not PMD
        advertised = ["0000180d-0000-1000-8000-00805f9b34fb"] if k == "polar" else None
        await super().start(services, battery_pct=self.battery_start, advertised=advertised)

    def _witmotion_command(self, data: bytes) -> None:
        self.commands.append(data)
        if data[:3] == bytes([0xFF, 0xAA, 0x03]):
            self._begin()

    def _thingy_config(self, data: bytes) -> None:
        self.commands.append(data)
        self._begin()

    def _diy_command(self, data: bytes) -> None:
        self.commands.append(data)
        if data[:1] == b"\x01":
            self._begin()
        elif data[:1] == b"\x00":
            self._end()

    def _polar_command(self, data: bytes) -> None:
        self.commands.append(data)
        op, kind = data[0], data[1]
        if op == polar_pmd.START:
            factor = POLAR_ACC_FACTOR if kind == polar_pmd.ACC else POLAR_GYRO_FACTOR
            response = bytes([0xF0, op, kind, 0x00, 0x00, polar_pmd.FACTOR, 1]) + struct.pack("<f", factor)
            asyncio.ensure_future(self.notify(polar_pmd.CONTROL_UUID, response))
            self._polar_started.add(kind)
            if self._polar_started == {polar_pmd.ACC, polar_pmd.GYRO}:
                self._begin()
        elif op == polar_pmd.STOP:
            self._polar_started.discard(kind)
            self._end()

    # -------------------------------------------------------------------------------------------- streaming
    def _begin(self) -> None:
        self.streaming.set()
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self._stream())

    def _end(self) -> None:
        self.streaming.clear()

    def on_disconnected(self) -> None:
        self.streaming.clear()

    def reboot(self, uptime_s: float) -> None:
        """Power-cycled (battery swap): the DIY clock restarts, reading `uptime_s` now, and the counter at 0."""
        loop_t = asyncio.get_running_loop().time()
        now_index = (loop_t - self._t_start) * self.rate_hz * self.pace
        self._t_us_base = int(round((uptime_s - now_index / self.rate_hz) * 1e6))
        self._packets = 0

    async def _stream(self) -> None:
        try:
            await self._stream_samples()
        except Exception as exc:  # surfaced by the tests (a silent dead task would look like a stalled stream)
            self.error = f"{type(exc).__name__}: {exc}"
            raise

    async def _stream_samples(self) -> None:
        loop = asyncio.get_running_loop()
        if self._t_start is None:
            self._t_start = loop.time()
        n = len(self.acc)
        while self._index < n:
            # the sensor's sampling runs on whatever happens to the link
            due = int((loop.time() - self._t_start) * self.rate_hz * self.pace)
            if due < self._index + self.per_packet:
                await asyncio.sleep(self.per_packet / (self.rate_hz * self.pace))
                continue
            i = self._index
            j = min(i + self.per_packet, n)
            self._index = j
            if not self.streaming.is_set() or self.connection is None:
                continue  # sampled while nobody listens: lost
            for payload in self._packets_for(i, j):
                self._packets += 1
                if self.malformed_every and self._packets % self.malformed_every == 0:
                    self.malformed_sent += 1
                    await self.notify(self._data_uuid(), payload[: max(1, len(payload) // 2)])
                if not await self.notify(self._data_uuid(), payload):
                    break
                # one notification per event-loop turn, as one per connection event on a real link: a burst of
                # hundreds (after the loop was starved) overruns bumble's in-process link and loses packets
                await asyncio.sleep(0)
            else:
                self.sent.extend(range(i, j))

    def _data_uuid(self) -> str:
        return {"witmotion": witmotion.NOTIFY_UUID, "thingy52": thingy52.RAW_UUID, "polar": polar_pmd.DATA_UUID,
                "diy": repscope_diy.DATA_UUID}[self.model_key]

    def _packets_for(self, i: int, j: int) -> list[bytes]:
        acc, gyr = self.acc[i:j], self.gyr[i:j]
        k = self.model_key
        if k == "witmotion":
            return [witmotion.encode(a[None], g[None]) for a, g in zip(acc, gyr)]  # one 20-byte packet per notification
        if k == "thingy52":
            return [thingy52.encode(a, g) for a, g in zip(acc, gyr)]
        if k == "diy":
            t_us = int(round(i / self.rate_hz * 1e6)) + self._t_us_base
            return [repscope_diy.encode(self._packets, t_us, acc, gyr)]
        # polar: one ACC and one GYRO delta frame per chunk, stamped with the last sample's time
        t_last = EPOCH_2000_NS + int(round((j - 1) / self.rate_hz * 1e9))
        acc_lsb = np.round(acc / 9.80665 / POLAR_ACC_FACTOR).astype(np.int64)
        gyr_lsb = np.round(np.degrees(gyr) / POLAR_GYRO_FACTOR).astype(np.int64)
        return [
            polar_pmd.frame_header(polar_pmd.ACC, t_last, 0x80) + polar_pmd.encode_delta(acc_lsb),
            polar_pmd.frame_header(polar_pmd.GYRO, t_last, 0x80) + polar_pmd.encode_delta(gyr_lsb),
        ]


NAMES = {"witmotion": "WT901BLE67", "thingy52": "Thingy", "polar": "Polar Sense B5E2F221", "diy": "repscope-imu"}
