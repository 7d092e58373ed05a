"""A bleak backend over bumble: real BLE stacks in-process, so the shipped code's `BleakScanner`/`BleakClient`
calls run real advertising, scanning, connections, GATT discovery, writes and notifications without a radio.

    air = VirtualAir()                                  # inside a running event loop
    peripheral = await VirtualPeripheral.create(air, name, address, services)   (peripheral.py)
    await BleakScanner.discover(backend=air.scanner_backend)
    BleakClient(address, backend=air.client_backend)

Every client gets its own bumble central (controller + host) on the shared `LocalLink`, as two phone apps
would; peripherals advertise on the same link. This is test infrastructure: the product chooses the platform
backend (BlueZ, CoreBluetooth, WinRT) because it never passes `backend=`.
"""
from __future__ import annotations

import asyncio
import itertools
import uuid as uuidlib
from typing import Any

from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData, BaseBleakScanner
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import BleakDeviceNotFoundError, BleakError
from bumble.controller import Controller
from bumble.core import AdvertisingData
from bumble.device import Device, Peer
from bumble.gatt import Characteristic
from bumble.hci import Address
from bumble.host import Host
from bumble.link import LocalLink
from bumble.transport.common import AsyncPipeSink

RSSI_DBM = -58  # what the virtual radio reports for every advertisement


def bleak_uuid(u) -> str:
    """A bumble UUID as bleak's canonical lower-case 128-bit string."""
    raw = u.to_bytes(force_128=True)  # little-endian
    return str(uuidlib.UUID(bytes=bytes(reversed(raw))))


_PROPERTY_NAMES = (
    (Characteristic.Properties.BROADCAST, "broadcast"),
    (Characteristic.Properties.READ, "read"),
    (Characteristic.Properties.WRITE_WITHOUT_RESPONSE, "write-without-response"),
    (Characteristic.Properties.WRITE, "write"),
    (Characteristic.Properties.NOTIFY, "notify"),
    (Characteristic.Properties.INDICATE, "indicate"),
)


class VirtualAir:
    """The shared radio: a bumble LocalLink plus a counter for unique device addresses."""

    def __init__(self) -> None:
        self.link = LocalLink()
        self._ids = itertools.count(1)
        self.peripherals: dict[str, Any] = {}
        air = self

        class _Scanner(BumbleScanner):
            pass

        class _Client(BumbleClient):
            pass

        _Scanner.air = air  # type: ignore[attr-defined]
        _Client.air = air  # type: ignore[attr-defined]
        self.scanner_backend = _Scanner
        self.client_backend = _Client

    async def new_device(self, address: str | None = None) -> Device:
        """A powered-on bumble device with its own virtual controller on the link."""
        n = next(self._ids)
        address = address or f"C0:DE:00:00:{n >> 8:02X}:{n & 0xFF:02X}"
        controller = Controller(f"ctrl-{n}", link=self.link)
        device = Device(address=Address(address), host=Host(controller, AsyncPipeSink(controller)))
        device.static_address = Address(address)
        await device.power_on()
        return device


class BumbleScanner(BaseBleakScanner):
    """`BaseBleakScanner` over a bumble central that scans the virtual link."""

    air: VirtualAir

    def __init__(self, detection_callback, service_uuids, scanning_mode="active", **kwargs: Any) -> None:
        super().__init__(detection_callback, service_uuids)
        self._device: Device | None = None
        self._merged: dict[str, dict] = {}

    async def start(self) -> None:
        self.seen_devices = {}
        self._merged = {}
        if self._device is None:
            self._device = await self.air.new_device()
            self._device.on("advertisement", self._on_advertisement)
        await self._device.start_scanning(filter_duplicates=False)

    async def stop(self) -> None:
        if self._device is not None:
            await self._device.stop_scanning()
            await self._device.power_off() if hasattr(self._device, "power_off") else None
            self._device = None

    def _on_advertisement(self, adv) -> None:
        address = str(adv.address).split("/")[0]
        # the name and the service UUIDs may come in the advertisement or in the scan response: merge them
        seen = self._merged.setdefault(address, {"name": None, "uuids": [], "mfr": {}})
        data = adv.data
        name = data.get(AdvertisingData.COMPLETE_LOCAL_NAME) or data.get(AdvertisingData.SHORTENED_LOCAL_NAME)
        if name:
            seen["name"] = name if isinstance(name, str) else bytes(name).decode("utf-8", "replace")
        for kind in (
            AdvertisingData.COMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS,
            AdvertisingData.INCOMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS,
            AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
            AdvertisingData.INCOMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
        ):
            for u in data.get(kind) or []:
                s = bleak_uuid(u)
                if s not in seen["uuids"]:
                    seen["uuids"].append(s)
        mfr = data.get(AdvertisingData.MANUFACTURER_SPECIFIC_DATA)
        if mfr:
            company, payload = mfr
            seen["mfr"][int(company)] = bytes(payload)
        ad = AdvertisementData(
            local_name=seen["name"], manufacturer_data=dict(seen["mfr"]), service_data={},
            service_uuids=list(seen["uuids"]), tx_power=None, rssi=RSSI_DBM, platform_data=(adv,),
        )
        if not self.is_allowed_uuid(ad.service_uuids):
            return
        device = self.create_or_update_device(address, address, seen["name"], adv, ad)
        self.call_detection_callbacks(device, ad)


class BumbleClient(BaseBleakClient):
    """`BaseBleakClient` over a bumble central: a real LE connection and GATT client on the virtual link."""

    air: VirtualAir

    def __init__(self, address_or_ble_device: BLEDevice | str, **kwargs: Any) -> None:
        super().__init__(
            address_or_ble_device, disconnected_callback=kwargs.get("disconnected_callback"),
            timeout=kwargs.get("timeout", 10.0),
        )
        self._device: Device | None = None
        self._connection = None
        self._peer: Peer | None = None
        self._closing = False
        self._name = getattr(address_or_ble_device, "name", None) or ""

    @property
    def name(self) -> str:
        return self._name

    @property
    def mtu_size(self) -> int:
        return int(self._connection.att_mtu) if self._connection is not None else 23

    @property
    def is_connected(self) -> bool:
        return self._connection is not None

    async def connect(self, pair: bool, **kwargs: Any) -> None:
        if self.address.upper() not in self.air.peripherals:
            raise BleakDeviceNotFoundError(self.address, f"Device with address {self.address} was not found.")
        if self._device is None:
            self._device = await self.air.new_device()
        self._closing = False
        try:
            connection = await asyncio.wait_for(
                self._device.connect(Address(self.address.upper(), Address.RANDOM_DEVICE_ADDRESS)), self._timeout
            )
        except asyncio.TimeoutError:
            raise BleakError(f"{self.address}: connection timed out") from None
        self._connection = connection
        connection.on("disconnection", self._on_disconnection)
        self._peer = Peer(connection)
        # BlueZ, CoreBluetooth and WinRT all exchange a larger ATT MTU right after connecting; so does this backend
        await self._peer.request_mtu(247)
        await self._peer.discover_services()
        await self._peer.discover_characteristics()
        self.services = self._collection()

    def _collection(self) -> BleakGATTServiceCollection:
        services = BleakGATTServiceCollection()
        for svc in self._peer.services:
            bsvc = BleakGATTService(svc, svc.handle, bleak_uuid(svc.uuid))
            services.add_service(bsvc)
            for ch in svc.characteristics:
                props = [name for flag, name in _PROPERTY_NAMES if ch.properties & flag]
                bchar = BleakGATTCharacteristic(
                    ch, ch.handle, bleak_uuid(ch.uuid), props, lambda: self.mtu_size - 3, bsvc
                )
                services.add_characteristic(bchar)
        return services

    def _on_disconnection(self, reason) -> None:
        self._connection = None
        self._peer = None
        if not self._closing and self._disconnected_callback is not None:
            self._disconnected_callback()

    async def disconnect(self) -> None:
        self._closing = True
        if self._connection is not None:
            try:
                await self._connection.disconnect()
            except Exception:  # already gone
                pass
        self._connection = None

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        return None  # the virtual devices need no bonding (the real ones in docs/devices.md don't either)

    async def unpair(self) -> None:
        return None

    def _require(self) -> None:
        if self._connection is None:
            raise BleakError("Not connected")

    async def read_gatt_char(self, characteristic: BleakGATTCharacteristic, **kwargs: Any) -> bytearray:
        self._require()
        return bytearray(await characteristic.obj.read_value())

    async def read_gatt_descriptor(self, descriptor, **kwargs: Any) -> bytearray:
        self._require()
        return bytearray(await descriptor.obj.read_value())

    async def write_gatt_char(self, characteristic: BleakGATTCharacteristic, data, response: bool) -> None:
        self._require()
        await characteristic.obj.write_value(bytes(data), with_response=response)

    async def write_gatt_descriptor(self, descriptor, data) -> None:
        self._require()
        await descriptor.obj.write_value(bytes(data), with_response=True)

    async def start_notify(self, characteristic: BleakGATTCharacteristic, callback, **kwargs: Any) -> None:
        self._require()
        await characteristic.obj.subscribe(lambda value: callback(bytearray(value)))

    async def stop_notify(self, characteristic: BleakGATTCharacteristic) -> None:
        self._require()
        await characteristic.obj.unsubscribe()
