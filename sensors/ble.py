"""BLE sensors with bleak: scan, connect one or two IMUs, configure and stream them, reconnect after drop-outs.

`BleSensorSource` is a `SampleSource` (sensors/source.py): the live window and `repscope record` read it exactly as
they read the simulator. Each notification is decoded by the device model (sensors/devices), timed on the session
clock (sensors/clock.py) and queued as a `SampleBatch`. A malformed notification is counted and skipped. When a
sensor drops out it is reconnected with a back-off capped at 1 s; the first batch after the gap carries
`gap_before=True` (the recording gets a gap marker); after `give_up_s` without a link the source stops with a
one-line reason, and everything received so far has already been delivered.

Only the public `BleakScanner` / `BleakClient` API is used. `backend`, when given, is an object with
`scanner_backend` and `client_backend` classes that are passed to bleak's `backend=` argument (the tests run a
bumble-based backend; the product uses the platform's own).
"""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field

from bleak import BleakClient, BleakScanner
from bleak.exc import BleakError

from sensors.batch import PLACEMENTS, SampleBatch, SensorInfo
from sensors.clock import SampleClock
from sensors.devices import model_by_key, recognise, unsupported_reason
from sensors.devices.base import BATTERY_LEVEL_UUID, Decoder, DeviceModel, MalformedPacket
from sensors.source import LIVE, RateMeter, SourceError, SourceStatus

log = logging.getLogger(__name__)

SCAN_TIMEOUT_S = 5.0
CONNECT_TIMEOUT_S = 15.0
# Wait before each reconnect attempt (s), then the last one between attempts. Each attempt scans for up to
# `scan_timeout_s` and connects the moment the sensor advertises, so with the wait capped at 1 s a sensor that is
# back streams within about a second, however long it was away.
BACKOFF_S = (0.25, 0.5, 1.0)
MIN_SCAN_S = 0.1  # the shortest reconnect scan (s)


@dataclass(frozen=True)
class ScanResult:
    name: str | None
    address: str
    rssi: int | None
    model: DeviceModel | None
    note: str  # "" when supported, else why not


def _unavailable(exc: Exception) -> str:
    return (f"Bluetooth is not available ({type(exc).__name__}: {exc}): is there an adapter, is it switched on, and is "
            "the bluetooth service running? (docs/devices.md → Troubleshooting; `repscope doctor` checks it)")


def _kw(backend, which: str) -> dict:
    return {} if backend is None else {"backend": getattr(backend, which)}


async def scan(timeout_s: float = SCAN_TIMEOUT_S, backend=None) -> list[ScanResult]:
    """Nearby BLE devices, strongest first, each with the supported model it is recognised as (or why not)."""
    try:
        found = await BleakScanner.discover(timeout=timeout_s, return_adv=True, **_kw(backend, "scanner_backend"))
    except (BleakError, OSError) as exc:
        raise SourceError(f"scan failed: {_unavailable(exc)}") from None
    out = []
    for device, adv in found.values():
        name = adv.local_name or device.name
        model = recognise(name, adv.service_uuids)
        note = "" if model else (unsupported_reason(name) or "unsupported")
        out.append(ScanResult(name, device.address, adv.rssi, model, note))
    return sorted(out, key=lambda r: (r.model is None, -(r.rssi if r.rssi is not None else -999)))


@dataclass
class DeviceSpec:
    """One sensor to stream: BLE address, where it is strapped, and optionally its model (else recognised)."""

    address: str
    placement: str
    model: str | None = None


@dataclass(frozen=True)
class _Setup:
    """What a link holds once its sensor is known: the model, the rate it streams at (Hz), its decoder and clock."""

    model: DeviceModel
    rate_hz: float
    decoder: Decoder
    clock: SampleClock


@dataclass
class _Link:
    spec: DeviceSpec
    setup: _Setup | None = None  # set by the first connect, kept over reconnects
    client: BleakClient | None = None
    state: str = "connecting"
    malformed: int = 0
    last_problem: str = ""
    battery: int | None = None
    gap_pending: bool = False
    meter: RateMeter = field(default_factory=RateMeter)
    down_since: float | None = None


class BleSensorSource:
    """Streams one or two BLE IMUs as `SampleBatch`es on a common session clock."""

    capabilities = LIVE  # what happens now: no seeking, real bodies

    def __init__(
        self, devices: list[DeviceSpec], rate_hz: float = 100.0, backend=None, give_up_s: float = 60.0,
        scan_timeout_s: float = 10.0,
    ) -> None:
        if not devices:
            raise SourceError("no --device given")
        placements = [d.placement for d in devices]
        for p in placements:
            if p not in PLACEMENTS:
                raise SourceError(f"placement {p!r}: one of {', '.join(PLACEMENTS)}")
        if len(set(placements)) != len(placements):
            raise SourceError("each sensor needs its own placement (e.g. --placement pelvis --placement thigh_left)")
        self.rate_hz = float(rate_hz)
        self.backend = backend
        self.give_up_s = float(give_up_s)
        self.scan_timeout_s = scan_timeout_s
        self.links = [_Link(d) for d in devices]
        self._queue: asyncio.Queue = asyncio.Queue()
        self._t0 = time.monotonic()
        self._closing = False
        self._tasks: set[asyncio.Task] = set()
        self.error: str | None = None
        self.sensors: tuple[SensorInfo, ...] = ()

    def _now(self) -> float:
        return time.monotonic() - self._t0

    # ------------------------------------------------------------------------------------------- connect

    async def start(self) -> None:
        """Find, connect and configure every sensor (concurrently); SourceError names the one that failed."""
        self._t0 = time.monotonic()  # the session clock: samples of every sensor are placed on it
        results = await asyncio.gather(*(self._first_connect(link) for link in self.links), return_exceptions=True)
        for link, res in zip(self.links, results):
            if isinstance(res, Exception):
                await self.close()
                if isinstance(res, SourceError):
                    raise res
                raise SourceError(f"{link.spec.address}: {type(res).__name__}: {res}") from None
        self.sensors = tuple(
            SensorInfo(
                link.spec.placement, link.spec.placement, model=setup.model.key, rate_hz=setup.rate_hz,
                address=link.spec.address, acc_range_g=setup.model.acc_range_g, gyr_range_dps=setup.model.gyr_range_dps,
            )
            for link, setup in zip(self.links, results) if isinstance(setup, _Setup)  # every one: none failed
        )

    async def _find(self, link: _Link, timeout_s: float | None = None):
        """The advertising device (SourceError when not seen within `timeout_s`, default `scan_timeout_s`)."""
        timeout_s = self.scan_timeout_s if timeout_s is None else timeout_s
        try:
            device = await BleakScanner.find_device_by_address(
                link.spec.address, timeout=timeout_s, **_kw(self.backend, "scanner_backend")
            )
        except (BleakError, OSError) as exc:
            raise SourceError(f"{link.spec.address}: {_unavailable(exc)}") from None
        if device is None:
            raise SourceError(
                f"{link.spec.address}: not found within {timeout_s:g} s — is the sensor on, charged and "
                "in range, and not connected to another app? (`repscope scan` lists what is nearby)"
            )
        return device

    async def _first_connect(self, link: _Link) -> _Setup:
        device = await self._find(link)
        model = self._model(link, device.name)
        rate_hz = model.nearest_rate(self.rate_hz)
        # ready before the first notification: one sensor may stream while the other is still connecting
        setup = _Setup(model, rate_hz, model.make_decoder(rate_hz), SampleClock(rate_hz, model.clock_wrap_s))
        link.setup = setup
        await self._connect(link, setup, device)
        return setup

    @staticmethod
    def _model(link: _Link, name: str | None) -> DeviceModel:
        """The model `--model` names, else the one the advertised `name` is recognised as (SourceError if none)."""
        if link.spec.model is not None:
            try:
                return model_by_key(link.spec.model)
            except KeyError as exc:
                raise SourceError(str(exc.args[0])) from None
        model = recognise(name, [])
        if model is None:
            why = unsupported_reason(name) or "not a supported sensor model"
            raise SourceError(f"{link.spec.address} ({name or 'no name'}): {why}; pass --model if it is one of ours")
        return model

    async def _connect(self, link: _Link, setup: _Setup, device) -> None:
        client = BleakClient(
            device, disconnected_callback=lambda _client: self._on_disconnect(link), timeout=CONNECT_TIMEOUT_S,
            **_kw(self.backend, "client_backend"),
        )
        try:
            await client.connect()
            link.client = client
            for uuid in setup.model.notify_uuids:
                await client.start_notify(uuid, lambda char, data: self._on_notify(link, char, data))
            for w in setup.model.start(setup.rate_hz):
                await client.write_gatt_char(w.char_uuid, w.value, response=w.response)
            if setup.model.battery:
                try:
                    link.battery = int((await client.read_gatt_char(BATTERY_LEVEL_UUID))[0])
                except (BleakError, IndexError, KeyError, ValueError):
                    link.battery = None
        except (BleakError, asyncio.TimeoutError, OSError) as exc:
            try:
                await client.disconnect()
            except (BleakError, OSError):
                pass
            link.client = None
            raise SourceError(f"{link.spec.address}: could not set up the {setup.model.display_name}: {exc}") from None
        link.state = "streaming"
        link.down_since = None

    # ------------------------------------------------------------------------------------------- stream

    def _on_notify(self, link: _Link, char, data: bytearray) -> None:
        arrival = self._now()
        if link.setup is None:
            return
        try:
            raw = link.setup.decoder.feed(char.uuid, bytes(data))
        except MalformedPacket as exc:
            link.malformed += 1
            link.last_problem = str(exc)
            log.debug("%s", exc)
            return
        if raw is None or len(raw) == 0:
            return
        placed = link.setup.clock.place(raw.sensor_t_s, len(raw), arrival, raw.seq, raw.seq_modulus)
        if placed.late:
            return
        gap = placed.gap_before or link.gap_pending
        link.gap_pending = False
        link.meter.add(arrival, len(raw))
        self._queue.put_nowait(
            SampleBatch(link.spec.placement, placed.t_s, raw.acc_mps2, raw.gyr_rads, gap_before=gap,
                        dropped=placed.dropped)
        )

    def _on_disconnect(self, link: _Link) -> None:
        if self._closing or link.state in ("reconnecting", "failed", "stopped"):
            return
        link.state = "reconnecting"
        link.down_since = down_since = time.monotonic()
        link.gap_pending = True
        task = asyncio.ensure_future(self._reconnect(link, down_since))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _reconnect(self, link: _Link, down_since: float) -> None:
        """Reconnect a link that dropped at `down_since` (monotonic s), until `give_up_s` has passed."""
        setup = link.setup
        if setup is None:  # it never connected: `start` reports that
            return
        attempt = 0
        while not self._closing:
            delay = BACKOFF_S[min(attempt, len(BACKOFF_S) - 1)]
            waited = time.monotonic() - down_since
            if waited + delay > self.give_up_s:
                link.state = "failed"
                self.error = (
                    f"{link.spec.placement} sensor {link.spec.address}: "
                    f"no connection for {self.give_up_s:g} s, gave up "
                    f"after {attempt} attempts — everything up to the drop-out is kept"
                )
                self._queue.put_nowait(None)
                return
            await asyncio.sleep(delay)
            attempt += 1
            try:
                # scan no longer than the give-up time leaves
                left = self.give_up_s - (time.monotonic() - down_since)
                device = await self._find(link, max(min(self.scan_timeout_s, left), MIN_SCAN_S))
                setup.decoder.reset()
                setup.clock.reset_link()
                await self._connect(link, setup, device)
                return
            except SourceError as exc:
                link.last_problem = str(exc)

    async def batches(self):
        while True:
            item = await self._queue.get()
            if item is None:
                if self._closing or self.error:
                    return
                continue
            yield item

    def status(self) -> tuple[SourceStatus, ...]:
        out = []
        for link in self.links:
            clock = link.setup.clock if link.setup is not None else None
            out.append(SourceStatus(
                link.spec.placement, link.state, link.meter.rate_hz, link.meter.total,
                clock.dropped_total if clock else 0, self._malformed(link), clock.late_total if clock else 0,
                link.battery, link.last_problem if link.state != "streaming" else "",
            ))
        return tuple(out)

    @staticmethod
    def _malformed(link: _Link) -> int:
        """Bad packets: undecodable, rejected by the decoder after the fact, or with timestamps not believed."""
        rejected = link.setup.decoder.rejected if link.setup is not None else 0
        repaired = link.setup.clock.repaired_total if link.setup is not None else 0
        return link.malformed + rejected + repaired

    async def close(self) -> None:
        """Stop streaming and disconnect (stop commands are best effort: the link may already be gone)."""
        self._closing = True
        for task in list(self._tasks):
            task.cancel()
        for link in self.links:
            client, setup = link.client, link.setup
            if client is not None and setup is not None and client.is_connected:
                try:
                    for w in setup.model.stop():
                        await client.write_gatt_char(w.char_uuid, w.value, response=w.response)
                    for uuid in setup.model.notify_uuids:
                        await client.stop_notify(uuid)
                except (BleakError, OSError, KeyError):
                    pass
                try:
                    await client.disconnect()
                except (BleakError, OSError):
                    pass
            link.state = "stopped" if link.state != "failed" else "failed"
        self._queue.put_nowait(None)

