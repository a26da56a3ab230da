"""Every value the command line prints goes through `shown`.

Names and messages come from the user's files: a column named `x[/]y` is Rich markup
(printed as it is, it crashes the command with a MarkupError), and an ANSI escape or a
newline in a name would act on the terminal. `shown` makes any value plain text for
`console.print`: markup escaped, control characters as visible escapes.
"""

from __future__ import annotations

from rich.markup import escape
from rich.text import Text

from playbook.core.printable import printable


def shown(value: object, *, keep_newlines: bool = False) -> str:
    """`value` as text for `console.print`: no markup, no control characters.

    Args:
        value: A name, a path, a number or a message.
        keep_newlines: Keep the line breaks of a message playbook wrote over several
            lines (later lines are indented, see `printable`).
    """
    return escape(printable(value, keep_newlines=keep_newlines))


def plain(value: object, *, style: str = "") -> Text:
    """`value` as a Rich `Text` (never parsed as markup), control characters shown."""
    return Text(printable(value), style=style)
