"""`repscope annotate SESSION [SET]`: the athlete of a stored session, and a set's load, RPE and notes.

SESSION is a session id from `repscope history` or the recording's file (found by its content). SET (1-based)
may be left out when the session has one set.
"""
from __future__ import annotations

import os

from ui.errors import UserError
from ui.history.db import add_db_argument, open_history, resolve_path
from ui.history.importer import content_sha256
from ui.units import add_load_arguments
from ui.history.store import annotate, check_load_kg, check_rpe, session_id_for_hash


def register(sub) -> None:
    p = sub.add_parser("annotate", help="athlete, load, RPE and notes of a stored session/set", description=__doc__)
    p.add_argument("session", metavar="SESSION", help="session id (see `repscope history`) or its recording file")
    p.add_argument("set", metavar="SET", type=int, nargs="?", help="set number within the session (1-based)")
    p.add_argument("--athlete", metavar="NAME", help="athlete of the session")
    add_load_arguments(p, "the set")
    p.add_argument("--rpe", type=float, help="rating of perceived exertion of the set, 1–10")
    p.add_argument("--note", help="notes of the set (replaces earlier notes)")
    add_db_argument(p)
    p.set_defaults(func=run)


def session_id_of(db, text: str) -> int:
    """A session id given as a number or as its recording file (found by content)."""
    if text.isdigit():
        return int(text)
    if not os.path.isfile(text):
        raise UserError(f"SESSION {text!r}: neither a session id nor a recording file")
    found = session_id_for_hash(db, content_sha256(text))
    if found is None:
        raise UserError(f"{text}: not in the history (repscope import it first)")
    return found


def run(args) -> int:
    if args.athlete is None and args.load_kg is None and args.rpe is None and args.note is None:
        raise UserError("annotate: give at least one of --athlete, --load-kg, --rpe, --note")
    check_load_kg(args.load_kg)
    check_rpe(args.rpe)
    if args.athlete is not None and not args.athlete.strip():
        raise UserError("--athlete: empty name")
    if not resolve_path(args.db).exists():
        raise UserError(f"{resolve_path(args.db)}: no history yet (repscope import FILE… adds recordings)")
    with open_history(args.db) as db:
        session_id = session_id_of(db, args.session)
        annotate(db, session_id, args.set, athlete=args.athlete, load_kg=args.load_kg, rpe=args.rpe, note=args.note)
    where = f"session {session_id}" + (f" set {args.set}" if args.set is not None else "")
    print(f"annotated {where}")
    return 0
