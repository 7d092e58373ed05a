"""Supported BLE IMU models (one module each); see base.py for the interface and docs/devices.md for protocols."""
from __future__ import annotations

from sensors.devices import polar_pmd, repscope_diy, thingy52, witmotion
from sensors.devices.base import DeviceModel

MODELS: tuple[DeviceModel, ...] = (witmotion.MODEL, thingy52.MODEL, polar_pmd.MODEL, repscope_diy.MODEL)
UNSUPPORTED = dict(polar_pmd.UNSUPPORTED_PREFIXES)


def model_by_key(key: str) -> DeviceModel:
    for m in MODELS:
        if m.key == key:
            return m
    raise KeyError(f"unknown device model {key!r} (one of {', '.join(m.key for m in MODELS)})")


def recognise(name: str | None, service_uuids: list[str] | tuple[str, ...] = ()) -> DeviceModel | None:
    """The supported model an advertisement belongs to (by service UUID, then by name prefix), else None."""
    uuids = {u.lower() for u in service_uuids}
    for m in MODELS:
        if uuids & set(m.service_uuids):
            return m
    for m in MODELS:
        if name and any(name.startswith(p) for p in m.name_prefixes):
            return m
    return None


def unsupported_reason(name: str | None) -> str | None:
    """Why a known IMU-less or gyro-less device cannot be used (e.g. a Polar H10), else None."""
    for prefix, why in UNSUPPORTED.items():
        if name and name.startswith(prefix):
            return why
    return None
