"""Delimited text tables from other tools: dialect sniffing, the header line, and validating cell parsing.

Other apps write CSV with commas, semicolons or tabs, with decimal commas where the locale says so, and with a
preamble of their own before the column header. `find_table` turns a file's lines into a `Table` (header cells,
data lines with their line numbers); its parsers name the first bad line and cell in a `FormatError`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Callable, Sequence

import numpy as np

DELIMITERS = ("\t", ";", ",")  # tried in this order; the one the header and the first rows agree on wins
SNIFF_ROWS = 5  # data lines compared with the header to decide the delimiter
HEADER_SCAN_LINES = 60  # a vendor preamble is at most this many lines before the column header
SHOW_CHARS = 30
_DECIMAL_COMMA = re.compile(r"^\s*[-+]?\d*,\d+(?:[eE][-+]?\d+)?\s*$")
_SEP_HINT = re.compile(r"^sep=(.)\s*$")  # Excel's "sep=," first line (Movella DOT writes it)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class FormatError(ValueError):
    """A foreign file cannot be read; the message is one line: `FILE:LINE: problem`."""


def error(path, line: int | None, problem: str) -> FormatError:
    where = f"{path}:{line}" if line else f"{path}"
    return FormatError(_CONTROL.sub(lambda m: repr(m.group())[1:-1], f"{where}: {problem}"))


def names_list(names: Sequence[str], max_chars: int = 120) -> str:
    """Column names for a message, comma separated, cut between names (never inside one): `a, b, … (+3 more)`."""
    out: list[str] = []
    for k, name in enumerate(names):
        if out and len(", ".join(out + [name])) > max_chars:
            return ", ".join(out) + f", … (+{len(names) - k} more)"
        out.append(name)
    return ", ".join(out)


def show(text: str) -> str:
    """A cell for a message: stripped, shortened, quoted."""
    return repr(text.strip()[:SHOW_CHARS])


@dataclass(frozen=True)
class Dialect:
    delimiter: str = ","
    decimal: str = "."

    @property
    def name(self) -> str:
        return {"\t": "tab", ";": "semicolon", ",": "comma"}[self.delimiter]


def unquote(cell: str) -> str:
    return cell.strip().strip('"').strip("'").strip()


def sniff(header: str, samples: Sequence[str], hint: str | None = None) -> Dialect:
    """The delimiter the header and the first data lines agree on (most fields wins), and the decimal mark:
    a comma when the delimiter is not one and the numbers look like `0,25`."""
    delimiter = hint
    if delimiter is None:
        agreeing = [d for d in DELIMITERS if header.count(d) and all(s.count(d) == header.count(d) for s in samples)]
        pool = agreeing or [d for d in DELIMITERS if header.count(d)]
        delimiter = max(pool, key=header.count) if pool else ","
    decimal = "."
    if delimiter != ",":
        cells = [c for s in samples for c in s.split(delimiter)]
        if any(_DECIMAL_COMMA.match(c) for c in cells):
            decimal = ","
    return Dialect(delimiter, decimal)


@dataclass(frozen=True)
class Table:
    """A delimited table: header cells (unquoted, stripped) and the data lines (1-based line number, text)."""

    path: str
    dialect: Dialect
    header_line: int
    columns: tuple[str, ...]
    rows: tuple[tuple[int, str], ...]
    preamble: tuple[tuple[int, str], ...] = ()  # the lines before the header (a vendor's key: value lines)

    @property
    def linenos(self) -> np.ndarray:
        return np.fromiter((r[0] for r in self.rows), dtype=np.int64, count=len(self.rows))

    def index(self, name: str) -> int:
        try:
            return self.columns.index(name)
        except ValueError:
            raise error(self.path, self.header_line, f"missing column {name!r}") from None

    @cached_property
    def cells(self) -> list[list[str]]:
        """Every data line split into cells, each line checked to have one cell per header column."""
        n, d, out = len(self.columns), self.dialect.delimiter, []
        for lineno, text in self.rows:
            parts = text.split(d)
            if len(parts) != n:
                raise error(self.path, lineno, f"expected {n} fields, found {len(parts)}{_sep_note(d)}")
            out.append(parts)
        return out

    def texts(self, name: str) -> list[str]:
        i = self.index(name)
        return [c[i].strip() for c in self.cells]

    def numbers(self, names: Sequence[str]) -> np.ndarray:
        """(n, k) float64 of the named columns (NaN/inf kept for the caller to screen); a cell that is not a
        number or a short line is an error naming the line and the cell."""
        cols = [self.index(nm) for nm in names]
        return parse_numbers(self.path, self.rows, cols, len(self.columns), names, self.dialect)

    def integers(self, name: str) -> np.ndarray:
        """int64 of one column (counters and nanosecond clocks are exact only as integers): numpy's integer parse,
        or, when a cell is not one, a cell at a time to name the first bad one."""
        i = self.index(name)
        try:
            out = np.loadtxt([r[1] for r in self.rows], delimiter=self.dialect.delimiter, usecols=[i],
                             dtype=np.int64, comments=None, ndmin=1)
        except ValueError:
            out = None
        if out is not None and len(out) == len(self.rows) and self.rows:
            return out
        out = np.empty(len(self.rows), dtype=np.int64)
        for k, (text, (lineno, _)) in enumerate(zip(self.texts(name), self.rows)):
            try:
                out[k] = int(text)
            except ValueError:
                raise error(self.path, lineno, f"{name} is not an integer: {show(text)}") from None
        return out


def parse_numbers(path, rows: Sequence[tuple[int, str]], cols: Sequence[int], n_fields: int, names: Sequence[str],
                  dialect: Dialect = Dialect()) -> np.ndarray:
    """Parse the given columns of delimited rows to float64; on a field that is not a number or a wrong field
    count, name the first bad line and cell."""
    out = np.empty((len(rows), len(cols)), dtype=np.float64)
    if not rows:
        return out
    d = dialect.delimiter
    texts = [r[1] for r in rows] if dialect.decimal == "." else [r[1].replace(",", ".") for r in rows]
    try:
        out[:] = np.loadtxt(texts, delimiter=d, usecols=cols, dtype=np.float64, ndmin=2, comments=None)
        ok = all(t.count(d) == n_fields - 1 for t in texts)
    except ValueError:
        ok = False
    if not ok:
        for (lineno, _), text in zip(rows, texts):
            fields = text.split(d)
            if len(fields) != n_fields:
                raise error(path, lineno, f"expected {n_fields} fields, found {len(fields)}" + _sep_note(d))
            for c, name in zip(cols, names):
                if not is_float(fields[c]):
                    raise error(path, lineno, f"{name} is not a number: {show(fields[c])}")
        raise error(path, rows[0][0], "could not parse the numeric columns")
    return out


def _sep_note(delimiter: str) -> str:
    return "" if delimiter == "," else f" ({Dialect(delimiter).name} separated)"


def is_float(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return False


def split_lines(lines: Sequence[str]) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """(candidate header/data lines, `#` comment lines), each as (1-based line number, stripped text)."""
    content, comments = [], []
    for i, ln in enumerate(lines, start=1):
        s = ln.strip()
        if s:
            (comments if s.startswith("#") else content).append((i, s))
    return content, comments


def find_table(path, lines: Sequence[str], is_header: Callable[[tuple[str, ...]], bool] | None = None) -> Table:
    """The table in `lines`: the header is the first content line (among the first HEADER_SCAN_LINES) whose cells
    satisfy `is_header`, else the first content line. Lines before it are the preamble."""
    content, _ = split_lines(lines)
    if not content:
        raise error(path, None, "no column header line (only comments and blank lines)")
    hint = _sep_hint(content[0][1])
    pick = 0
    if is_header is not None:
        for k, (_, text) in enumerate(content[:HEADER_SCAN_LINES]):
            if is_header(_header_cells(text, content[k + 1:k + 1 + SNIFF_ROWS], hint)[1]):
                pick = k
                break
    hline, header = content[pick]
    dialect, cells = _header_cells(header, content[pick + 1:pick + 1 + SNIFF_ROWS], hint)
    return Table(str(path), dialect, hline, cells, tuple(content[pick + 1:]), tuple(content[:pick]))


def _sep_hint(first: str) -> str | None:
    m = _SEP_HINT.match(first)
    return m.group(1) if m else None


def _header_cells(header: str, after: Sequence[tuple[int, str]], hint: str | None) -> tuple[Dialect, tuple[str, ...]]:
    dialect = sniff(header, [t for _, t in after], hint)
    return dialect, tuple(unquote(c) for c in header.split(dialect.delimiter))
