"""Writing files so that a reader never sees half of one, and paths that can move."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def write_atomic(
    path: str | Path, text: str, *, encoding: str = "utf-8", newline: str | None = None
) -> Path:
    """Write `text` to `path` through a hidden sibling file and a rename.

    A crash, a full disk or a Ctrl-C leaves either the old file or the new one, never a
    truncated one: readers (the portfolio, a resumed batch, a later stage) may read the
    file at any moment.

    Returns:
        The path written.

    Raises:
        OSError: The file cannot be written (a full disk, a read-only folder); its
            `filename` is `path`, and nothing is left behind.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    try:
        with partial.open("w", encoding=encoding, newline=newline) as handle:
            _write(handle, text)
            handle.flush()
            os.fsync(handle.fileno())
        partial.replace(target)
    except OSError as error:
        # A write on a full disk names no file, a refused one the hidden partial
        # file: name the file playbook was writing. (OSError(errno, ...) is the
        # matching subclass, e.g. PermissionError.)
        raise OSError(error.errno, error.strerror, str(target)) from error
    finally:
        partial.unlink(missing_ok=True)
    return target


def _write(handle: Any, text: str) -> None:
    """Write `text` to an open file (the one step a full disk fails; tests fake it)."""
    handle.write(text)


# A spreadsheet reads a cell starting with one of these as a formula (or, for tab and
# carriage return, shifts it onto one): `=HYPERLINK(...)`, `-2+3+cmd|...`, `@SUM(...)`.
# OWASP's advice for CSV files: prefix such a cell with a single quote.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formulas(frame: Any) -> Any:
    """A copy of a data frame whose text cells cannot run as spreadsheet formulas.

    Text cells that start with `=`, `+`, `-`, `@`, a tab or a carriage return get a
    leading `'`; numbers, dates and missing values are left as they are (a negative
    number is not a formula), and so is the frame given.

    Args:
        frame: A pandas data frame.
    """
    safe = frame.copy()
    for column in safe.columns:
        values = safe[column]
        if values.dtype.kind not in "OSU" and str(values.dtype) != "string":
            continue  # numbers, booleans, dates: never read as formulas
        # Looked for first: most text columns hold no formula, and mapping every cell
        # of 500,000 scored rows cost more than finding none.
        if _holds_formula(values):
            safe[column] = values.map(_neutralise_cell, na_action="ignore")
    safe.columns = [_neutralise_cell(name) for name in safe.columns]
    return safe


def write_csv(path: str | Path, frame: Any) -> Path:
    """Write a data frame as CSV, its text cells made safe to open in a spreadsheet.

    The one way playbook writes a table of user values (`neutralise_formulas`),
    atomically like `write_atomic`.

    Args:
        path: Where to write.
        frame: A pandas data frame; its index is not written.
    """
    # CRLF ends rows, as RFC 4180 has it: the csv module then quotes a cell holding a
    # lone carriage return, which a spreadsheet would otherwise read as a new row.
    text = neutralise_formulas(frame).to_csv(index=False, lineterminator="\r\n")
    return write_atomic(path, text, newline="")


def _holds_formula(values: Any) -> bool:
    """Whether a text column holds a cell that starts like a formula."""
    if str(values.dtype) in ("str", "string"):
        # Text alone: looked at all at once (500,000 ids: 0.2 -> 0.03 s of CPU).
        return bool(values.str.startswith(FORMULA_STARTS).any())
    # Any kind of cell (objects, categories): each looked at in turn.
    return any(
        isinstance(cell, str) and cell.startswith(FORMULA_STARTS)
        for cell in values.tolist()
    )


def _neutralise_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def relative_path(path: str | Path, *, start: str | Path) -> str:
    """`path` relative to the folder `start`, with forward slashes.

    What a run folder keeps instead of an absolute path, so that it can be moved, zipped
    and opened elsewhere with its links and inputs where they were beside it.
    """
    return Path(os.path.relpath(Path(path).resolve(), Path(start).resolve())).as_posix()
