"""`repscope` command line: one sub-command per module in `ui/commands/`.

Every command module exposes `register(subparsers)` (adds its parser and sets `func`) and its handler returns an
exit code. User errors (bad file, bad option) are raised as `UserError` and printed as one line, exit code 2.

Start-up is kept short: when the command is named on the command line only its module is imported, and command
modules import at their top only what their parser needs (names, choices, defaults); the numerical and I/O
libraries are imported inside the handlers. `repscope --help` imports every command module for the list.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys

# The analysis makes many small (n, 3) matrix products: OpenBLAS's worker threads wake for each and spin between
# them (≈ 0.5 s of CPU per hour of data, no faster). One thread unless the user chose otherwise; this must be set
# before numpy is first imported, which no module imported above does.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from ui.errors import UserError, one_line

# Order is the order in `repscope --help`. A new command is a module `ui/commands/<name>.py` with `register(sub)`
# plus its name here (and in MODULES when the name is a Python keyword).
COMMANDS = (
    "analyze",
    "exercises",
    "simulate",
    "export",
    "scan",
    "record",
    "live",
    "replay",
    "report",
    "import",
    "batch",
    "annotate",
    "edit",
    "history",
    "doctor",
)


MODULES = {"import": "import_"}  # command → module where they differ


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The `repscope` parser with every command in `COMMANDS`, or with just `only` (only its module is imported;
    all of them when `only` is not built in this checkout, so argparse names the valid choices)."""
    parser = argparse.ArgumentParser(
        prog="repscope", description="Wearable-IMU rep analyzer for glute training."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    if only is None or not _register(sub, (only,)):
        _register(sub, COMMANDS)
    return parser


def _register(sub, names) -> int:
    """Import each named command module and add its parser; returns how many were found."""
    found = 0
    for name in names:
        try:
            module = importlib.import_module(f"ui.commands.{MODULES.get(name, name)}")
        except ModuleNotFoundError as exc:
            if exc.name == f"ui.commands.{MODULES.get(name, name)}":
                continue  # command not built in this checkout
            raise
        module.register(sub)
        found += 1
    return found


def _named_command(argv: list[str]) -> str | None:
    """The command named first on the command line when it is one of `COMMANDS`, else None (build them all: the
    help lists them, argparse's 'invalid choice' names them)."""
    return argv[0] if argv and argv[0] in COMMANDS else None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(only=_named_command(argv))
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except UserError as exc:
        print(f"repscope: error: {one_line(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
