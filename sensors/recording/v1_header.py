"""A v1 file's `#` lines: metadata, sensor declarations and events, type-checked."""
from __future__ import annotations

import json
import math
from typing import Iterable, Sequence

from sensors.batch import PLACEMENTS, SensorInfo
from sensors.recording.model import FORMAT_VERSION, Event, RecordingMeta, error_at, show_value


SENSOR_ID_FORBIDDEN = ',#\n\r" '
SIDES = ("left", "right")
_META_KEYS = frozenset(RecordingMeta.__dataclass_fields__)
_SENSOR_NUMBERS = ("rate_hz", "acc_range_g", "gyr_range_dps")
_SENSOR_STRINGS = ("model", "address")


def _is_number(value) -> bool:
    """A finite JSON number (not a boolean)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


def _split_key(text: str) -> tuple[str, str] | None:
    """`# key: value` → (key, value text); None for a free comment."""
    key, sep, value = text[1:].strip().partition(":")
    key = key.strip()
    if not sep or not key.replace("_", "").isalnum():
        return None
    return key, value


def _json_value(path, lineno: int, key: str, value: str):
    try:
        return json.loads(value)
    except (ValueError, RecursionError):
        raise error_at(path, lineno, f"header value of {key!r} is not valid JSON: {value.strip()[:60]!r}") from None


def parse_v1_header(path, header_comments: Sequence[tuple[int, str]]) -> tuple[RecordingMeta, list[SensorInfo]]:
    fields: dict[str, tuple[int, object]] = {}
    sensors: list[tuple[int, SensorInfo]] = []
    for lineno, text in header_comments:
        kv = _split_key(text)
        if kv is None:
            continue
        key, value = kv[0], _json_value(path, lineno, *kv)
        if key == "sensor":
            sensors.append((lineno, _sensor_info(path, lineno, value)))
        elif key in _META_KEYS:
            if key in fields:
                raise error_at(path, lineno, f"duplicate header line {key!r} (first on line {fields[key][0]})")
            fields[key] = (lineno, value)
    if not sensors:
        raise error_at(path, None, "no '# sensor: {...}' header line")
    _check_sensor_set(path, sensors)
    return RecordingMeta(**{key: _meta_value(path, line, key, value) for key, (line, value) in fields.items()}), [
        info for _, info in sensors
    ]


def _meta_value(path, lineno: int, key: str, value):
    """One metadata value, type-checked (JSON `true` is not the format version 1)."""
    if key == "format_version":
        if type(value) is not int or value != FORMAT_VERSION:
            raise error_at(path, lineno, f"format_version {show_value(value)} is not {FORMAT_VERSION}"
                           " (this repscope reads v1)")
        return value
    if key == "simulated":
        if value is not None and not isinstance(value, bool):
            raise error_at(path, lineno, f"simulated must be true or false, not {show_value(value)}")
        return bool(value)
    if key == "side":
        if value is not None and value not in SIDES:
            raise error_at(path, lineno, f"side must be \"left\", \"right\" or null, not {show_value(value)}")
        return value
    if value is not None and not isinstance(value, str):
        raise error_at(path, lineno, f"{key} must be a string or null, not {show_value(value)}")
    return "" if value is None and key == "notes" else value


def _sensor_info(path, lineno: int, d) -> SensorInfo:
    if not isinstance(d, dict) or "sensor_id" not in d:
        raise error_at(path, lineno, "sensor header must be a JSON object with sensor_id")
    sid = d["sensor_id"]
    if not isinstance(sid, str) or not sid or any(c in sid for c in SENSOR_ID_FORBIDDEN):
        rule = "a non-empty string without commas, quotes, '#' or spaces"
        raise error_at(path, lineno, f"sensor_id must be {rule}, not {show_value(sid)}")
    placement = d.get("placement", sid)
    if not isinstance(placement, str) or placement not in PLACEMENTS:
        raise error_at(path, lineno, f"unknown placement {show_value(placement)}"
                       f" (expected one of {', '.join(PLACEMENTS)})")
    kwargs: dict = {"sensor_id": sid, "placement": placement}
    for key in _SENSOR_NUMBERS:
        value = d.get(key)
        if value is not None and not (_is_number(value) and value > 0):
            raise error_at(path, lineno, f"{key} must be a positive number or null, not {show_value(value)}")
        kwargs[key] = float("nan") if value is None else float(value)
    for key in _SENSOR_STRINGS:
        value = d.get(key)
        if value is not None and not isinstance(value, str):
            raise error_at(path, lineno, f"{key} must be a string, not {show_value(value)}")
        if value is not None:
            kwargs[key] = value
    extra = d.get("extra")
    if extra is not None and not isinstance(extra, dict):
        raise error_at(path, lineno, f"extra must be a JSON object, not {show_value(extra)}")
    return SensorInfo(**kwargs, extra=extra or {})


def _check_sensor_set(path, sensors: Sequence[tuple[int, SensorInfo]]) -> None:
    """Sensor ids and placements are unique (repscope tells the sensors apart by placement)."""
    ids: dict[str, int] = {}
    placements: dict[str, SensorInfo] = {}
    for lineno, info in sensors:
        if info.sensor_id in ids:
            first = ids[info.sensor_id]
            raise error_at(path, lineno, f"duplicate sensor {info.sensor_id!r} (first declared on line {first})")
        if info.placement in placements:
            other = placements[info.placement].sensor_id
            raise error_at(path, lineno,
                           f"sensors {other!r} and {info.sensor_id!r} both have placement {info.placement}")
        ids[info.sensor_id] = lineno
        placements[info.placement] = info


def parse_events(path, body_comments: Iterable[tuple[int, str]]) -> list[Event]:
    events = []
    for lineno, text in body_comments:
        kv = _split_key(text)
        if kv is not None and kv[0] == "event":
            events.append(_event(path, lineno, _json_value(path, lineno, *kv)))
    return events


def _event(path, lineno: int, d) -> Event:
    if not isinstance(d, dict) or not isinstance(d.get("kind"), str) or not d["kind"]:
        raise error_at(path, lineno, "event must be a JSON object with a 'kind' string")
    sensor = d.get("sensor")
    if sensor is not None and not isinstance(sensor, str):
        raise error_at(path, lineno, f"event sensor must be a sensor_id string or null, not {show_value(sensor)}")
    t_s = _event_time(path, lineno, d, "t_s", 0.0)
    info = {k: v for k, v in d.items() if k not in ("kind", "sensor", "t_s")}
    if d["kind"] == "gap":
        info["after_s"] = _event_time(path, lineno, d, "after_s", t_s)
    return Event(d["kind"], sensor, t_s, info, lineno)


def _event_time(path, lineno: int, d: dict, key: str, default: float) -> float:
    value = d.get(key)
    if value is None:
        return default
    if not _is_number(value):
        raise error_at(path, lineno, f"event {key} must be a number of seconds, not {show_value(value)}")
    return float(value)
