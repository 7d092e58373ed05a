"""`repscope scan`: nearby Bluetooth LE devices with their address, signal strength and the supported sensor model
each is recognised as (or why it cannot be used)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from ui.errors import UserError

if TYPE_CHECKING:  # the BLE stack (bleak, asyncio) is imported when scanning, not for --help
    from sensors.ble import ScanResult


def register(sub) -> None:
    p = sub.add_parser("scan", help="list nearby BLE sensors", description=__doc__)
    p.add_argument("--timeout", type=float, help="seconds to listen (default 5)")
    p.add_argument("--all", action="store_true", help="also list devices that are not IMUs")
    p.set_defaults(func=run)


def format_results(results: list[ScanResult], show_all: bool) -> str:
    rows = [r for r in results if show_all or r.model is not None or r.note != "unsupported"]
    if not rows:
        return "no supported sensors found (is it switched on, charged, and not connected to a phone app?)"
    lines = [f"{'address':<20} {'RSSI':>5}  {'name':<24} model"]
    for r in rows:
        model = r.model.display_name + f" (--model {r.model.key})" if r.model else r.note
        rssi = "–" if r.rssi is None else f"{r.rssi}"
        lines.append(f"{r.address:<20} {rssi:>5}  {(r.name or '–')[:24]:<24} {model}")
    return "\n".join(lines)


def run(args, backend=None) -> int:
    import asyncio

    from sensors.ble import SCAN_TIMEOUT_S, scan
    from sensors.source import SourceError

    timeout_s = SCAN_TIMEOUT_S if args.timeout is None else args.timeout
    try:
        results = asyncio.run(scan(timeout_s, backend=backend))
    except SourceError as exc:
        raise UserError(str(exc)) from None
    print(format_results(results, args.all))
    return 0
