"""The one exception type the CLI turns into a one-line message and exit code 2."""
from __future__ import annotations

import re

MESSAGE_MAX_CHARS = 1000
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


class UserError(Exception):
    """Bad input from the user: file, option, device. The message is one line and names the culprit."""


def one_line(message: str) -> str:
    """`message` as a single printable line: control characters escaped, length capped."""
    text = _CONTROL_CHARS.sub(lambda m: repr(m.group())[1:-1], str(message))
    return text if len(text) <= MESSAGE_MAX_CHARS else text[: MESSAGE_MAX_CHARS - 1] + "…"
