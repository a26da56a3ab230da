"""Which local files playbook reads, and how the less common kinds are read.

A data location must be a local file or folder: a URL is refused with the advice to
download it, and a device or a named pipe (`/dev/zero`, a FIFO) is named as not a
regular file without being opened, since reading it might never end. Parquet files are
read when their columns are flat (a list or struct column is named); Excel workbooks
(.xlsx) with openpyxl when it is installed. CSV files are `playbook.data.sources`'.
"""

from __future__ import annotations

import importlib.util
import stat
from pathlib import Path

import pandas as pd

from playbook.charter.data_fields import hide_password, url_in
from playbook.core.messages import marked, sentence
from playbook.errors import DataError


def require_local(path: str | Path) -> None:
    """Check that a data location is a local file or folder (or not there at all).

    Nothing is opened: a pipe or a device could block, or never end.

    Raises:
        DataError: The location is a URL, or a device, pipe or socket.
    """
    url = url_in(str(path))
    if url is not None:
        url = hide_password(url)
        raise DataError(
            sentence(
                "%(url)s: a URL; playbook reads local files only. Download "
                "the file first (e.g. curl -o data.csv '%(url)s'), then pass "
                "it with --data or set data.path to it.",
                url=url,
            )
        )
    try:
        mode = Path(path).stat().st_mode
    except OSError:
        return  # missing or unreachable: the caller says so with its own advice
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return
    kinds = (
        (stat.S_ISFIFO, marked("a named pipe (FIFO)")),
        (stat.S_ISCHR, marked("a character device")),
        (stat.S_ISBLK, marked("a block device")),
        (stat.S_ISSOCK, marked("a socket")),
    )
    kind = next((name for test, name in kinds if test(mode)), marked("a special file"))
    raise DataError(
        sentence(
            "%(path)s: %(kind)s, not a regular file; playbook reads data "
            "only from files and folders, and never opens it (reading it "
            "might not end). Save the data into a file (CSV, Parquet or "
            "Excel), then pass that with --data or set data.path to it.",
            path=path,
            kind=sentence(kind),
        )
    )


def read_parquet(path: Path) -> pd.DataFrame:
    """A Parquet file of flat columns.

    Raises:
        DataError: The file is not Parquet, or some columns hold lists or structs.
    """
    import pyarrow.parquet as pq
    import pyarrow.types as pa_types

    try:
        schema = pq.read_schema(path)
        nested = [field for field in schema if pa_types.is_nested(field.type)]
        frame = None if nested else pd.read_parquet(path)
    except Exception as error:  # pyarrow's ArrowInvalid and OSError
        raise DataError(
            sentence(
                "%(path)s: not a readable Parquet file (%(detail)s). "
                "Export it again, or give the file a .csv name if it is CSV.",
                path=path,
                detail=first_line(error),
            )
        ) from None
    if frame is None:
        shown = ", ".join(f"{field.name!r} ({field.type})" for field in nested[:8])
        raise DataError(
            sentence(
                "%(path)s: %(count)s column(s) hold nested values (lists or "
                "structs): %(shown)s. playbook reads flat tables, one value "
                "per cell: flatten them in the extract (a column per field, "
                "a list joined into text), or export the file without them.",
                path=path,
                count=len(nested),
                shown=shown,
            )
        )
    return frame


def read_excel(path: Path, *, sheet: str | None) -> pd.DataFrame:
    """The workbook's first sheet, or the one `data.sheet` names.

    Raises:
        DataError: openpyxl is not installed, the sheet is not there, or the file is
            not a workbook.
    """
    if importlib.util.find_spec("openpyxl") is None:
        raise DataError(
            sentence(
                "%(path)s: reading an Excel workbook needs the openpyxl "
                "package, which is not installed. Install it (pip install "
                '"playbook[excel]"), or save the sheet as CSV and point the '
                "charter at that.",
                path=path,
            )
        )
    try:
        with pd.ExcelFile(path, engine="openpyxl") as book:
            names = [str(name) for name in book.sheet_names]
            if sheet is not None and sheet not in names:
                raise DataError(
                    sentence(
                        "%(path)s: the workbook has no sheet %(sheet)s (data.sheet); "
                        "its sheets: %(sheets)s. Set data.sheet to one of them, or "
                        "leave it out to read the first.",
                        path=path,
                        sheet=repr(sheet),
                        sheets=", ".join(map(repr, names)),
                    )
                )
            return pd.read_excel(
                book, sheet_name=sheet if sheet is not None else names[0]
            )
    except DataError:
        raise
    except Exception as error:  # openpyxl's InvalidFileException, zipfile's errors
        raise DataError(
            sentence(
                "%(path)s: not a readable Excel workbook (%(detail)s). "
                "Save it again from Excel, or export the sheet as CSV.",
                path=path,
                detail=first_line(error),
            )
        ) from None


def first_line(error: object) -> str:
    """The first line of an error's text, for a one-line message."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
