"""`repscope edit SESSION [SET]`: correct what the analysis got wrong, kept beside it in the history.

Drop a miscounted rep (and restore it), relabel a set's exercise, mark a warm-up set, split a set at a rep or merge
it with the next, take back the last correction (`--undo`), or delete a whole session. SET and REP are the numbers
`repscope history --reps` shows. Corrections are applied whenever the history is read (`history`, its JSON and
report) and survive `import --reanalyse`: they name sets and reps by their time on the recording's clock.
"""
from __future__ import annotations

from sensors.exercises import EXERCISES
from ui.errors import UserError
from ui.history.db import add_db_argument, open_history, resolve_path


def register(sub) -> None:
    p = sub.add_parser("edit", help="correct a stored session: drop a rep, relabel, warm-up, split, merge, delete",
                       description=__doc__)
    p.add_argument("session", metavar="SESSION", help="session id (see `repscope history`) or its recording file")
    p.add_argument("set", metavar="SET", type=int, nargs="?", help="set number as `history` shows it (1-based)")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--drop-rep", type=int, metavar="REP", help="leave this rep out (a miscount)")
    what.add_argument("--restore-rep", type=int, metavar="REP", help="bring a dropped rep back")
    what.add_argument("--exercise", choices=EXERCISES, help="relabel the set's exercise")
    what.add_argument("--warmup", action="store_true", help="mark the set a warm-up (left out of the trends)")
    what.add_argument("--not-warmup", action="store_true", help="unmark a warm-up set")
    what.add_argument("--split-at-rep", type=int, metavar="REP", help="split the set: REP begins the second set")
    what.add_argument("--merge-next", action="store_true", help="merge the set with the next one")
    what.add_argument("--undo", action="store_true", help="take back the session's last correction")
    what.add_argument("--delete", action="store_true", help="delete the session from the history (not the file)")
    add_db_argument(p)
    p.set_defaults(func=run)


def _the_set(session, number: int | None):
    if number is None:
        if len(session.sets) != 1:
            raise UserError(f"session {session.id} has {len(session.sets)} sets: name the SET to edit")
        return session.sets[0]
    found = next((s for s in session.sets if s.index == number), None)
    if found is None:
        raise UserError(f"session {session.id} has no set {number} (it has {len(session.sets)})")
    return found


def _rep(reps, number: int, what: str, s):
    found = next((r for r in reps if r.index == number), None)
    if found is None:
        raise UserError(f"set {s.index} has no {what}rep {number} ({', '.join(str(r.index) for r in reps) or 'none'})")
    return found


def _edit_for(args, s):
    """The correction the options ask for, on set `s` as the history shows it."""
    from ui.history.edits import Edit, middle_s, span_s

    at = middle_s(*span_s(s.report, s.dropped, s.start_s))
    if args.drop_rep is not None:
        r = _rep(s.report.reps, args.drop_rep, "", s)
        return Edit(0, "drop_rep", at, middle_s(r.start_s, r.end_s))
    if args.restore_rep is not None:
        r = _rep(s.dropped, args.restore_rep, "dropped ", s)
        return Edit(0, "restore_rep", at, middle_s(r.start_s, r.end_s))
    if args.exercise is not None:
        return Edit(0, "relabel", at, value=args.exercise)
    if args.warmup or args.not_warmup:
        return Edit(0, "warmup", at, value="1" if args.warmup else "0")
    if args.split_at_rep is not None:
        r = _rep(s.report.reps, args.split_at_rep, "", s)
        if r is min(s.report.reps, key=lambda x: x.start_s):
            raise UserError(f"--split-at-rep {r.index}: the set's first rep; split at a later one")
        return Edit(0, "split", at, r.start_s)
    return Edit(0, "merge", at)


def run(args) -> int:
    from ui.commands.annotate import session_id_of
    from ui.history.store import add_edit, delete_session, load_sessions, undo_edit

    if not resolve_path(args.db).exists():
        raise UserError(f"{resolve_path(args.db)}: no history yet (repscope import FILE… adds recordings)")
    with open_history(args.db) as db:
        session_id = session_id_of(db, args.session)
        if args.delete:
            print(f"deleted session {session_id} ({delete_session(db, session_id)}; the recording file is kept)")
            return 0
        if args.undo:
            print(f"session {session_id}: " + ("last correction taken back" if undo_edit(db, session_id)
                                                 else "no correction to take back"))
            return 0
        session = next((x for x in load_sessions(db) if x.id == session_id), None)
        if session is None:
            raise UserError(f"no session {session_id} (repscope history lists them)")
        s = _the_set(session, args.set)
        if args.merge_next and s.index == len(session.sets):
            raise UserError(f"--merge-next: set {s.index} is the session's last")
        add_edit(db, session_id, _edit_for(args, s))
        after = next(x for x in load_sessions(db) if x.id == session_id)
    print(f"session {session_id}: " + "; ".join(
        f"set {x.index} {x.report.exercise} {len(x.report.reps) or len(x.report.steps)}"
        f"{' steps' if x.report.counts_steps else ' reps'}{' (warm-up)' if x.warmup else ''}" for x in after.sets))
    return 0
