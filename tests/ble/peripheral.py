"""Virtual BLE peripherals on the bumble link: a GATT server that advertises, accepts connections, answers writes
and notifies. `VirtualImu` speaks one supported sensor model's real profile (`sensors.devices`), streaming packets
that the model's own encoder makes from simulator data, paced like the device (or faster)."""
from __future__ import annotations

import asyncio
from typing import Callable

from bumble.core import UUID, AdvertisingData
from bumble.device import Device
from bumble.gatt import Characteristic, CharacteristicValue, Service

from tests.ble.backend import VirtualAir

BATTERY_SERVICE = "0000180F-0000-1000-8000-00805F9B34FB"
BATTERY_LEVEL = "00002A19-0000-1000-8000-00805F9B34FB"


def _uuid(text: str) -> UUID:
    return UUID(text.upper())


def _ad_uuid_bytes(uuids: list[str]) -> tuple[bytes, bytes]:
    """16-bit and 128-bit service UUID lists for advertising data (little-endian)."""
    short, long_ = b"", b""
    for u in uuids:
        u = u.lower()
        if u.startswith("0000") and u.endswith("-0000-1000-8000-00805f9b34fb"):  # a Bluetooth SIG 16-bit UUID
            short += int(u[4:8], 16).to_bytes(2, "little")
        else:
            long_ += _uuid(u).to_bytes(force_128=True)
    return short, long_


class VirtualPeripheral:
    """A bumble GATT server on the virtual link.

    `characteristics` maps UUID → (properties, initial value); `on_write(uuid, fn)` routes writes to `fn(bytes)`.
    Advertises its name in the advertising data and its service UUIDs in the scan response, restarts advertising
    after a disconnect (so a client can reconnect), and can drop the link from its side.
    """

    def __init__(self, air: VirtualAir, name: str, address: str) -> None:
        self.air = air
        self.name = name
        self.address = address.upper()
        self.device: Device | None = None
        self.connection = None
        self._chars: dict[str, Characteristic] = {}
        self._write_handlers: dict[str, Callable[[bytes], None]] = {}
        self.connected = asyncio.Event()
        self.connections = 0
        self.battery_pct: int | None = None

    async def start(self, services: dict[str, dict[str, tuple]], battery_pct: int | None = None,
                    advertised: list[str] | None = None) -> None:
        """`services`: service UUID → {characteristic UUID: (properties, initial bytes)}; `advertised`: the
        service UUIDs put in the advertisement (default: all of them)."""
        self.device = await self.air.new_device(self.address)
        self.device.name = self.name
        gatt_services = []
        for svc_uuid, chars in services.items():
            built = []
            for ch_uuid, (props, initial) in chars.items():
                key = ch_uuid.lower()
                perms = Characteristic.READABLE | Characteristic.WRITEABLE
                value = CharacteristicValue(
                    read=lambda conn, k=key, init=initial: (
                        self._chars[k].stored if hasattr(self._chars[k], "stored") else init
                    ),
                    write=lambda conn, data, k=key: self._on_write(k, bytes(data)),
                )
                ch = Characteristic(_uuid(ch_uuid), props, perms, value)
                ch.stored = initial
                self._chars[key] = ch
                built.append(ch)
            gatt_services.append(Service(_uuid(svc_uuid), built))
        if battery_pct is not None:
            self.battery_pct = battery_pct
            level = Characteristic(
                _uuid(BATTERY_LEVEL), Characteristic.Properties.READ | Characteristic.Properties.NOTIFY,
                Characteristic.READABLE, CharacteristicValue(read=lambda conn: bytes([self.battery_pct])),
            )
            self._chars[BATTERY_LEVEL.lower()] = level
            gatt_services.append(Service(_uuid(BATTERY_SERVICE), [level]))
        for svc in gatt_services:
            self.device.add_service(svc)
        self.device.on("connection", self._on_connection)
        self.air.peripherals[self.address] = self
        # Legacy advertising carries 31 bytes: flags, the 128-bit service UUID (if any) and as much of the name as
        # fits (a shortened name when it does not, as real devices do). The virtual controller answers scan
        # requests with the advertising data, so everything goes there.
        short, long_ = _ad_uuid_bytes(list(services) if advertised is None else advertised)
        adv = bytes([2, AdvertisingData.FLAGS, 0x06])
        if long_:
            adv += bytes([17, AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS]) + long_[:16]
        if short and len(adv) + 2 + len(short) <= 31 - 4:
            adv += bytes([len(short) + 1, AdvertisingData.COMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS]) + short
        name = self.name.encode()
        room = 31 - len(adv) - 2
        kind = AdvertisingData.COMPLETE_LOCAL_NAME if len(name) <= room else AdvertisingData.SHORTENED_LOCAL_NAME
        name = name[:room]
        adv += bytes([len(name) + 1, kind]) + name
        self._adv = adv
        await self.resume_advertising()

    async def resume_advertising(self) -> None:
        """Advertise (again), restarting after every disconnect; the virtual controller answers scan requests
        with the advertising data."""
        await self.device.start_advertising(
            auto_restart=True, advertising_data=self._adv, scan_response_data=self._adv, advertising_interval_min=20.0,
            advertising_interval_max=20.0,
        )

    async def go_silent(self) -> None:
        """Out of range: stop advertising and drop the link (until `resume_advertising`)."""
        await self.device.stop_advertising()
        self.device.auto_restart_advertising = False
        await self.drop_connection()

    def _on_connection(self, connection) -> None:
        self.connection = connection
        self.connections += 1
        self.connected.set()
        connection.on("disconnection", lambda reason: self._on_disconnection())

    def _on_disconnection(self) -> None:
        self.connection = None
        self.connected.clear()
        self.on_disconnected()

    def on_disconnected(self) -> None:
        """Hook for subclasses (stop streaming)."""

    def on_write(self, char_uuid: str, handler: Callable[[bytes], None]) -> None:
        self._write_handlers[char_uuid.lower()] = handler

    def _on_write(self, key: str, data: bytes) -> None:
        self._chars[key].stored = data
        handler = self._write_handlers.get(key)
        if handler is not None:
            handler(data)

    async def notify(self, char_uuid: str, payload: bytes) -> bool:
        """Notify the connected central (if subscribed); False when not connected."""
        if self.connection is None:
            return False
        await self.device.notify_subscriber(self.connection, self._chars[char_uuid.lower()], payload)
        return True

    async def drop_connection(self) -> None:
        """Disconnect from the peripheral's side (walked out of range, battery swap)."""
        if self.connection is not None:
            await self.connection.disconnect()
