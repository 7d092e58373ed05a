"""`repscope exercises`: the exercises the analysis knows, one line each (name, title, sensor, counted in, stance)."""
from __future__ import annotations

from sensors.exercises import BY_NAME


def register(sub) -> None:
    p = sub.add_parser("exercises", help="list the known exercises", description=__doc__)
    p.set_defaults(func=run)


def lines() -> list[str]:
    """One aligned line per registry entry."""
    rows = [(e.name, e.title, e.primary, e.counts, e.stance + (", one leg" if e.single_leg else ""))
            for e in BY_NAME.values()]
    widths = [max(len(r[k]) for r in rows) for k in range(4)]
    return ["  ".join(c.ljust(w) for c, w in zip(r[:4], widths)) + "  " + r[4] for r in rows]


def run(args) -> int:
    print("\n".join(lines()))
    return 0
