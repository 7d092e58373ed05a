"""Load in kilograms or pounds: the history stores kg; a lifter may give and read pounds."""
from __future__ import annotations

import argparse

LB_PER_KG = 2.2046226218  # international avoirdupois pound: 0.45359237 kg exactly


def lb_as_kg(text: str) -> float:
    """An argparse type: a load in pounds, returned in kg (the history's unit)."""
    try:
        return float(text) / LB_PER_KG
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid load {text!r}: a number of pounds") from None


def add_load_arguments(p, what: str) -> None:
    """--load-kg KG | --load-lb LB (both land in `args.load_kg`, in kg)."""
    g = p.add_mutually_exclusive_group()
    g.add_argument("--load-kg", type=float, metavar="KG", help=f"load of {what}, kg")
    g.add_argument("--load-lb", dest="load_kg", type=lb_as_kg, metavar="LB", help=f"load of {what}, lb")


def add_unit_argument(p) -> None:
    p.add_argument("--lb", action="store_true", help="show loads in pounds (stored in kg)")


def load_text(load_kg: float | None, pounds: bool) -> str:
    """'80 kg' or '176.4 lb' ('' without a load)."""
    if load_kg is None:
        return ""
    return f"{load_kg * LB_PER_KG:.1f} lb" if pounds else f"{load_kg:g} kg"
