"""`repscope import FILE…`: add recordings to the training history (idempotent: the same content is one session).

A file that cannot be read or analysed is named on stderr in one line and skipped; the others are imported
(exit 2 if any failed). `--reanalyse` analyses known recordings again (after an analysis upgrade), keeping each
set's load, RPE and notes; without FILE it re-analyses every session from its source file.
"""
from __future__ import annotations

import os

from ui.commands.analyze import add_tempo_arguments
from ui.errors import UserError
from ui.file_analysis import ReadOptions
from ui.history.db import add_db_argument, open_history
from ui.history.importer import FailedFile, analyse_for_import
from ui.history.ingest import Tally, ingest
from ui.history.store import check_load_kg, read_options_for, session_sources
from ui.input_options import add_reading_arguments
from ui.units import add_load_arguments


def register(sub) -> None:
    p = sub.add_parser("import", help="add recordings to the training history", description=__doc__)
    p.add_argument("files", nargs="*", metavar="FILE",
                   help="recordings (v1, generic CSV, another app's export; read as `analyze` would)")
    p.add_argument("--reanalyse", action="store_true",
                   help="analyse known recordings again and replace their stored sets (all sessions when no FILE); "
                        "each is read with the options it was imported with unless new ones are given")
    add_reading_arguments(p)
    add_tempo_arguments(p)
    add_annotation_arguments(p)
    add_db_argument(p)
    p.set_defaults(func=run)


def add_annotation_arguments(p) -> None:
    """--athlete, --load-kg for newly added sessions (import, batch, record, live)."""
    p.add_argument("--athlete", metavar="NAME", help="athlete of the new sessions")
    add_load_arguments(p, "every set of the new sessions")


def _reanalyse_all(db, tally: Tally, given: ReadOptions) -> None:
    for session_id, source, sha, stored in session_sources(db):
        if not os.path.isfile(source):
            ingest(db, FailedFile(source, f"{source}: source of session {session_id} not found (moved or deleted); "
                                          "its stored analysis is kept"), tally)
            continue
        result = analyse_for_import(source, given if given != ReadOptions() else stored)
        if not isinstance(result, FailedFile) and result.sha256 != sha:
            result = FailedFile(source, f"{source}: content changed since it was imported as session {session_id}: "
                                        "import it as a new session")
        ingest(db, result, tally, reanalyse=True)


def run(args) -> int:
    if not args.files and not args.reanalyse:
        raise UserError("import: name the recordings to import (or --reanalyse to analyse every session again)")
    check_load_kg(args.load_kg)
    from ui.history.recovery import recover_unfinished

    recover_unfinished(args.db)
    tally = Tally()
    given = ReadOptions.from_args(args)
    with open_history(args.db) as db:
        if not args.files:
            _reanalyse_all(db, tally, given)
        for path in args.files:
            options = read_options_for(db, path, given) if args.reanalyse else given
            ingest(db, analyse_for_import(path, options), tally, athlete=args.athlete, load_kg=args.load_kg,
                   reanalyse=args.reanalyse)
        print(tally.line(db))
    return 2 if tally.failed else 0
