"""`repscope` command line: one sub-command per module in `ui/commands/`.

Every command module exposes `register(subparsers)` (adds its parser and sets `func`) and its handler returns an
exit code. User errors (bad file, bad option) are raised as `UserError` and printed as one line, exit code 2.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from ui.errors import UserError, one_line

# Order is the order in `repscope --help`.
COMMANDS = (
    "analyze",
    "simulate",
    "export",
    "scan",
    "record",
    "live",
    "replay",
    "report",
    "import_",
    "batch",
    "annotate",
    "history",
    "doctor",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="repscope", description="Wearable-IMU rep analyzer for glute training."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"ui.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"ui.commands.{name}":
                continue  # command not built in this checkout
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
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
