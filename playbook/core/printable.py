"""Text from the data, shown so that it cannot act on the screen or the file it is in.

A column, a file or a job name comes from the user's data and may hold control
characters: an ANSI or OSC escape sets a terminal's title or clears its screen, a
newline starts a line that looks like playbook's own (an extra expectation in a YAML
comment, a fake "Decision: GO" in the terminal). `printable` shows each one as an
escape (backslash, x1b; backslash, n), so the text reads the same and does nothing.
"""

from __future__ import annotations

import unicodedata

# Characters that reorder what follows them on screen (Trojan Source, CVE-2021-42574):
# shown as escapes like the control characters.
_BIDI = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(value: object, *, keep_newlines: bool = False) -> str:
    """`str(value)` with every control character shown as a visible escape.

    Args:
        value: What to show (a name, a path, a message).
        keep_newlines: Keep line breaks as line breaks (a message of several lines
            playbook wrote itself); every line after the first is then indented by two
            spaces, so a line break from the data cannot pass for a line of playbook's.
    """
    text = str(value)
    if text.isprintable():  # the common case, at C speed
        return text
    if keep_newlines:
        return "\n  ".join(printable(line) for line in text.split("\n"))
    return "".join(_escaped(char) for char in text)


def _escaped(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    if unicodedata.category(char) in ("Cc", "Cs") or char in _BIDI:
        code = ord(char)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    return char
