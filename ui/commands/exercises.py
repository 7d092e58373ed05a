"""`repscope exercises`: the exercises the analysis knows, one line each (name, title, sensor, counted in, stance);
`repscope exercises show NAME`: one exercise's traits and its coaching cues;
`repscope exercises add NAME --sensor thigh|pelvis --like EXISTING [--title T]` adds a lifter's own to
`exercises.toml` in the user's config folder (counted, phased and timed like EXISTING, generic timing faults)."""
from __future__ import annotations

import json
import sys

from sensors.exercises import BUILT_IN, BY_NAME, USER_ERRORS, exercise, user_entry, user_exercises_path
from ui.errors import UserError


def register(sub) -> None:
    p = sub.add_parser("exercises", help="list the known exercises, or add your own", description=__doc__)
    p.set_defaults(func=run, action=None)
    actions = p.add_subparsers(dest="action")
    add = actions.add_parser("add", help="add your own exercise (no code)")
    add.add_argument("name")
    add.add_argument("--sensor", required=True, help="the sensor that sees the movement: thigh or pelvis")
    add.add_argument("--like", required=True, help="a known exercise it moves like (its counting and phases)")
    add.add_argument("--title", help="the name shown (default: NAME capitalised)")
    show = actions.add_parser("show", help="one exercise: what the analysis knows of it and its coaching cues")
    show.add_argument("name")


def lines() -> list[str]:
    """One aligned line per registry entry (a user's marked "(yours)")."""
    rows = [(e.name, e.title, e.primary, e.counts, e.stance + (", one leg" if e.single_leg else "")
             + ("" if e.name in BUILT_IN else " (yours)")) for e in BY_NAME.values()]
    widths = [max(len(r[k]) for r in rows) for k in range(4)]
    return ["  ".join(c.ljust(w) for c, w in zip(r[:4], widths)) + "  " + r[4] for r in rows]


def details(name: str) -> list[str]:
    """An entry's traits, one per line, then its coaching cues (UserError naming the known ones)."""
    try:
        e = exercise(name)
    except ValueError as err:
        raise UserError(str(err)) from None
    recognised_text = "yes" if e.recognisable else "no (name it with --exercise)"
    out = [f"{e.title} ({e.name})", f"  sensor: {e.primary}   counted in: {e.counts}   stance: {e.stance}"
           + ("   one leg" if e.single_leg else ""),
           f"  faults seen: {', '.join(e.faults) or 'none'}", f"  recognised unasked: {recognised_text}"]
    return out + [f"  - {cue}" for cue in e.cues]


def add(name: str, sensor: str, like: str, title: str | None) -> str:
    """Validates the entry against the known ones and appends it to the user's file; the file's path."""
    table = {"like": like, "sensor": sensor, **({"title": title} if title else {})}
    _, errors = user_entry(name, table, BY_NAME)
    if errors:
        raise UserError(errors[0]) if len(errors) == 1 else _Mistakes(errors)
    path = user_exercises_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    body = "".join(f"{k} = {json.dumps(v)}\n" for k, v in table.items())  # a JSON string is a TOML basic string
    with path.open("a", encoding="utf-8") as f:
        f.write(f"\n[{name}]\n{body}")
    return str(path)


class _Mistakes(Exception):
    """Several mistakes in one entry: printed one line each."""


def run(args) -> int:
    if args.action == "add":
        try:
            print(f"added {args.name} to {add(args.name, args.sensor, args.like, args.title)}")
        except _Mistakes as err:
            print("\n".join(f"repscope: error: {line}" for line in err.args[0]), file=sys.stderr)
            return 2
        return 0
    if args.action == "show":
        print("\n".join(details(args.name)))
        return 0
    print("\n".join(lines() + USER_ERRORS))
    return 2 if USER_ERRORS else 0
