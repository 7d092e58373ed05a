"""`repscope batch DIR`: import every recording (`*.csv`) in a folder tree into the training history, analysed in
parallel processes (`--jobs N`, default one per core) or on a Dask cluster (`--scheduler ADDRESS`), with a progress
bar on stderr.

Recordings already in the history (same content hash) are skipped before analysis. Only this process writes the
database; workers read and analyse. With `--scheduler` the workers must see DIR at the same path (a shared
filesystem, as usual on a cluster). A file that fails is named in one line and skipped; exit 2 if any failed.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from ui.commands.analyze import add_tempo_arguments
from ui.commands.import_ import add_annotation_arguments
from ui.errors import UserError
from ui.file_analysis import ReadOptions
from ui.history.db import add_db_argument, open_history
from ui.history.importer import AnalysedRecording, FailedFile, analyse_for_import, content_sha256, recordings_under
from ui.history.ingest import Tally, ingest
from ui.history.store import check_load_kg, known_hashes, read_options_for
from ui.input_options import add_reading_arguments
from ui.progress import ProgressBar

Result = AnalysedRecording | FailedFile
Job = tuple[Path, ReadOptions]  # a file and the options to read it with
DASK_CONNECT_TIMEOUT_S = 10.0


def register(sub) -> None:
    p = sub.add_parser("batch", help="import a folder tree of recordings in parallel", description=__doc__)
    p.add_argument("folder", metavar="DIR", help="folder searched recursively for recordings (*.csv)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, metavar="N",
                   help="worker processes (default: one per core; 1 = in this process)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run the analysis on a Dask cluster, e.g. tcp://10.0.0.5:8786 (needs repscope[cluster])")
    p.add_argument("--reanalyse", action="store_true", help="analyse known recordings again, replacing their sets "
                   "(each read with the options it was imported with unless new ones are given)")
    add_reading_arguments(p)
    add_tempo_arguments(p)
    add_annotation_arguments(p)
    add_db_argument(p)
    p.set_defaults(func=run)


def _serial(jobs: list[Job]) -> Iterator[Result]:
    for path, options in jobs:
        yield analyse_for_import(path, options)


def _processes(todo: list[Job], jobs: int) -> Iterator[Result]:
    """Results as they complete, from `jobs` fresh ("spawn") worker processes."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {pool.submit(analyse_for_import, str(p), o): p for p, o in todo}
        try:
            for fut in as_completed(futures):
                try:
                    yield fut.result()
                except Exception as exc:  # noqa: BLE001 -- the worker process died (killed, out of memory)
                    yield FailedFile(str(futures[fut]), f"{futures[fut]}: worker process failed ({exc})")
        finally:
            for fut in futures:
                fut.cancel()


def _dask(todo: list[Job], address: str) -> Iterator[Result]:
    """Results as they complete, from the workers of the Dask scheduler at `address`."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise UserError("--scheduler: Dask is not installed (pip install 'repscope[cluster]')") from None
    try:
        client = Client(address, timeout=DASK_CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError) as exc:
        raise UserError(f"--scheduler {address}: cannot connect to the Dask scheduler ({exc})") from None
    try:
        paths = [p for p, _ in todo]
        futures = client.map(analyse_for_import, [str(p.resolve()) for p in paths], [o for _, o in todo], pure=False)
        where = {f.key: p for f, p in zip(futures, paths)}
        for fut in as_completed(futures):
            try:
                yield fut.result()
            except Exception as exc:  # noqa: BLE001 -- a worker died under the task
                path = where[fut.key]
                yield FailedFile(str(path), f"{path}: Dask task failed ({type(exc).__name__}: {exc})")
            fut.release()
    finally:
        client.close()


def _results(todo: list[Job], args) -> Iterator[Result]:
    if args.scheduler:
        return _dask(todo, args.scheduler)
    if args.jobs == 1 or len(todo) <= 1:
        return _serial(todo)
    return _processes(todo, min(args.jobs, len(todo)))


def _to_do(db, files: list[Path], reanalyse: bool, tally: Tally, given: ReadOptions) -> list[Job]:
    """The files still to analyse with their reading options: known content is counted as already imported
    (unless re-analysing: then each is read with the options given, else those it was imported with)."""
    if reanalyse:
        return [(f, read_options_for(db, str(f), given)) for f in files]
    known = known_hashes(db)
    todo = []
    for f in files:
        try:
            sha = content_sha256(f)
        except OSError:
            todo.append((f, given))  # the worker names the problem
            continue
        if sha in known:
            tally.already += 1
        else:
            todo.append((f, given))
    return todo


def run(args) -> int:
    folder = Path(args.folder)
    if not folder.is_dir():
        raise UserError(f"{folder}: not a folder")
    if args.jobs < 1:
        raise UserError(f"--jobs {args.jobs}: must be 1 or more")
    check_load_kg(args.load_kg)
    files = recordings_under(folder)
    tally = Tally()
    with open_history(args.db) as db:
        todo = _to_do(db, files, args.reanalyse, tally, ReadOptions.from_args(args))
        bar = ProgressBar(len(files), "recordings", start=tally.done)
        bar.update(tally.done)
        try:
            for result in _results(todo, args):
                ingest(db, result, tally, athlete=args.athlete, load_kg=args.load_kg, reanalyse=args.reanalyse,
                       err=bar, quiet=True)
                bar.update(tally.done, len(tally.failed))
        except KeyboardInterrupt:
            bar.close()
            print(f"interrupted: {tally.line(db)}")
            return 130
        bar.close()
        print(tally.line(db))
    return 2 if tally.failed else 0
