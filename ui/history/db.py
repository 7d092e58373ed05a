"""The history database file: where it lives, opening it (migrated, WAL), transactions and one-line errors.

Write-ahead logging with `synchronous=NORMAL`: a killed process or a crash never corrupts the file and loses
nothing committed (a power cut at most the last transactions). Every write is one `BEGIN IMMEDIATE` transaction,
so processes writing at once (two imports, a batch and a `record`) take turns, waiting up to the busy timeout.
"""
from __future__ import annotations

import os
import sqlite3
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ui.errors import UserError
from ui.history.schema import APPLICATION_ID, FILLS, MIGRATIONS, SCHEMA_VERSION, statements

ENV_VAR = "REPSCOPE_DB"
FILE_NAME = "history.db"


class HistoryError(UserError):
    """The history database cannot be used (locked, corrupt, not ours, too new); one line naming the file."""


@dataclass(frozen=True)
class DbParams:
    busy_timeout_s: float = 30.0  # how long a write waits for another process's transaction


def data_dir() -> Path:
    """The user's data directory for repscope (XDG on Linux, Application Support on macOS, LOCALAPPDATA)."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = str(Path.home() / "Library" / "Application Support")
    else:
        base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "repscope"


RECORDINGS_DIR_NAME = "recordings"  # beside the history database, in the user's data folder


def default_recordings_dir() -> Path:
    """Where `live` and `record` write when not told: `recordings/` in the user's data folder (beside the
    history database)."""
    return data_dir() / RECORDINGS_DIR_NAME


def resolve_path(option: str | os.PathLike | None = None) -> Path:
    """`--db PATH`, else `$REPSCOPE_DB`, else `<data dir>/history.db`."""
    if option:
        return Path(option).expanduser()
    env = os.environ.get(ENV_VAR)
    return Path(env).expanduser() if env else data_dir() / FILE_NAME


def add_db_argument(p) -> None:
    p.add_argument("--db", metavar="PATH", help=f"history database (default ${ENV_VAR}, else {resolve_path()})")


def _explain(path: Path, exc: sqlite3.Error, params: DbParams) -> HistoryError:
    text = str(exc)
    low = text.lower()
    if "locked" in low or "busy" in low:
        return HistoryError(f"{path}: the history database is locked by another process (still busy after "
                            f"{params.busy_timeout_s:g} s); try again when it has finished")
    if "unable to open" in low:
        return HistoryError(f"{path}: cannot open the history database (is the folder there and writable?)")
    if "readonly" in low or "read-only" in low:
        return HistoryError(f"{path}: the history database is read-only")
    if "full" in low:
        return HistoryError(f"{path}: disk full while writing the history database; nothing of this write was kept")
    if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.IntegrityError):
        return HistoryError(f"{path}: not a readable history database ({text}); the recordings are untouched: "
                            f"move the file aside and import them again (repscope batch DIR)")
    return HistoryError(f"{path}: history database error: {text}")


class HistoryDB:
    """An open, migrated history database. Use `write()` / `read()` for transactions; errors are `HistoryError`."""

    def __init__(self, path: str | os.PathLike, params: DbParams = DbParams()) -> None:
        self.path = Path(path)
        self.params = params
        if self.path.is_dir():
            raise HistoryError(f"{self.path}: is a folder, not a history database file")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.conn = sqlite3.connect(str(self.path), timeout=params.busy_timeout_s, isolation_level=None)
        except sqlite3.Error as exc:
            raise _explain(self.path, exc, params) from None
        try:
            with self.errors():
                self.conn.execute("PRAGMA foreign_keys = ON")
                self._into_wal()
                self.conn.execute("PRAGMA synchronous = NORMAL")
                self._migrate()
        except HistoryError:
            self.conn.close()
            raise

    def _into_wal(self) -> None:
        """Write-ahead logging (readers never block the writer). Switching a new file's journal takes an exclusive
        lock without SQLite's busy wait: two processes opening a new history at once (two imports) deadlock on it
        and one gets "database is locked" at once, so the switch is retried until the busy timeout."""
        deadline = time.monotonic() + self.params.busy_timeout_s
        while True:
            try:
                self.conn.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc).lower() or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    @contextmanager
    def errors(self) -> Iterator[None]:
        """Turn sqlite errors into one-line `HistoryError`s naming the file."""
        try:
            yield
        except sqlite3.Error as exc:
            raise _explain(self.path, exc, self.params) from None

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (taken at once: writers queue instead of deadlocking); rolled back on error."""
        with self.errors():
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                if self.conn.in_transaction:  # sqlite may have rolled back already (disk full, I/O error)
                    self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """One read transaction: a consistent snapshot while other processes write."""
        with self.errors():
            self.conn.execute("BEGIN")
            try:
                yield self.conn
            finally:
                self.conn.execute("COMMIT")

    def version(self) -> int:
        with self.errors():
            return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def _check_ours(self) -> None:
        app = int(self.conn.execute("PRAGMA application_id").fetchone()[0])
        version = self.version()
        tables = [r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        if app not in (0, APPLICATION_ID) or (app == 0 and tables and version == 0):
            raise HistoryError(f"{self.path}: not a repscope history database (an SQLite file with tables "
                               f"{', '.join(tables[:5]) or 'none'}); use another --db")
        if version > SCHEMA_VERSION:
            raise HistoryError(f"{self.path}: history schema version {version} is newer than this repscope knows "
                               f"({SCHEMA_VERSION}); upgrade repscope")

    def _migrate(self) -> None:
        self._check_ours()
        if self.version() == SCHEMA_VERSION:
            return
        with self.write() as conn:
            version = self.version()  # another process may have migrated while we waited for the lock
            for number, script in enumerate(MIGRATIONS[version:], version + 1):
                for stmt in statements(script):
                    conn.execute(stmt)
                if number in FILLS:
                    _fill(conn, FILLS[number])
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> HistoryDB:  # noqa: PYI034
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _fill(conn: sqlite3.Connection, target: str) -> None:
    """Run a migration's fill, `module:function(conn)`."""
    import importlib

    module, name = target.split(":")
    getattr(importlib.import_module(module), name)(conn)


def open_history(option: str | os.PathLike | None = None, params: DbParams = DbParams()) -> HistoryDB:
    """The database named by `--db`, `$REPSCOPE_DB` or the default path, created and migrated as needed."""
    return HistoryDB(resolve_path(option), params)
