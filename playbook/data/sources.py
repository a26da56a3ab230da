"""Read the POC's data from where it lives, and fingerprint what was read.

Five kinds of source:

- a CSV file: the delimiter is sniffed (`,` `;` tab or `|`), so a `;`-separated
  export reads as it is; the encoding is UTF-8 unless the charter names another;
- a Parquet file of flat columns (a list or struct column is refused, named);
- an Excel workbook (.xlsx): its first sheet, or the one `data.sheet` names, read
  with openpyxl when it is installed;
- a folder of such files, e.g. one per day or `date=2024-01-01/part-0.parquet`:
  every file is read, in name order, and a `key=value` folder becomes a column;
- a SQL query against a database named by a SQLAlchemy URL (`data.sql`), whose
  password is read from the environment and never shown; one read-only SELECT
  (`sql_source`).

The fingerprint is what the manifest records about the data: the SHA-256 of the file's
bytes, of the folder's files (names and bytes), or, for SQL, of the query and the
rows it returned (in any order).

Only local files and folders are read (`playbook.data.local_files` refuses URLs,
devices and pipes, and reads Parquet and Excel).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from playbook.charter.model import Charter
from playbook.core.messages import marked, sentence
from playbook.data import local_files
from playbook.data.sql_source import query
from playbook.errors import DataError

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
PARQUET_SUFFIXES = (".parquet", ".pq")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
DELIMITERS = (",", ";", "\t", "|")
# Encodings tried, in order, to name the one a non-UTF-8 file is probably in.
_LIKELY_ENCODINGS = (
    ("cp949", marked("Korean, Windows")),
    ("cp1252", marked("Western European")),
)
_SNIFF_BYTES = 1 << 16
CHUNKED_BYTES = 64 << 20
"""CSV files larger than this are read in chunks of `CHUNK_ROWS` rows: the peak memory
of the read falls from about 2.3 to 1.5 times the frame's size, at the same speed."""
CHUNK_ROWS = 200_000


@dataclass(frozen=True)
class Fingerprint:
    """What the manifest records about the data a run read."""

    kind: str
    location: str
    sha256: str
    files: int | None = None
    rows: int | None = None
    query: str | None = None


def read(poc: Charter, *, path: str | Path | None = None) -> pd.DataFrame:
    """Read the charter's data: `path` when given (e.g. `--data`), else its source.

    Args:
        poc: The charter; its `data` section names the source, encoding and delimiter.
        path: A file or folder to read instead of the charter's `data.path` or
            `data.sql`; empty means the charter's own source.

    Raises:
        DataError: The source is missing, empty, unreadable or has no rows; the message
            names it and says what to do.
    """
    if not path and poc.data.sql is not None:
        return query(poc.data.sql, folder=poc.source.parent, charter=poc.source)
    return load(
        path or data_file(poc),
        encoding=poc.data.encoding,
        delimiter=poc.data.delimiter,
        sheet=poc.data.sheet,
    )


def data_file(poc: Charter) -> Path:
    """The charter's data file or folder (`data.path`).

    Raises:
        DataError: The charter names neither `data.path` nor `data.sql`.
    """
    if poc.data.path is None:
        raise DataError(
            sentence(
                "%(source)s: the charter names no data: set data.path to a "
                "file or folder, or data.sql to a query.",
                source=poc.source,
            )
        )
    return poc.data.path


def load(
    path: str | Path,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
) -> pd.DataFrame:
    """Read a CSV, Parquet or Excel file, or a folder of CSV and Parquet files.

    Args:
        path: The file or folder.
        encoding: The text encoding of CSV files (default UTF-8).
        delimiter: The CSV delimiter (default: sniffed from the file).
        sheet: The sheet of an Excel workbook (default: the first).

    Raises:
        DataError: The path is a URL, a device or pipe, or missing; a file is empty,
            not in the encoding, not CSV, Parquet or Excel, holds nested columns, or
            the data has no rows.
    """
    path = Path(path)
    local_files.require_local(path)
    if path.is_dir():
        frame = _load_folder(path, encoding=encoding, delimiter=delimiter)
    elif path.is_file():
        frame = _load_file_once(
            path, encoding=encoding, delimiter=delimiter, sheet=sheet
        )
    else:
        raise DataError(
            sentence(
                "%(path)s: no such data file or folder. Check the path "
                "(data.path in the charter, or --data).",
                path=path,
            )
        )
    if frame.empty:
        raise DataError(
            sentence(
                "%(path)s: the data has a header but no rows. Point the "
                "charter at an extract with data in it.",
                path=path,
            )
        )
    return frame


def fingerprint(
    poc: Charter, *, path: str | Path | None = None, frame: pd.DataFrame | None = None
) -> Fingerprint:
    """Fingerprint the data a run reads, for the manifest: kind, where (no password).

    The SHA-256 is of the file's bytes, of a folder's files (names and bytes), or of
    the SQL query and the rows it returned, in any order, so that folders and SQL
    sources get a fingerprint too.

    Args:
        poc: The charter.
        path: The file or folder read instead of the charter's source (`--data`).
        frame: The rows a SQL query returned, when already read; without them the
            query runs again.

    Raises:
        DataError: The file or folder is missing, or the query fails.
    """
    if path or poc.data.sql is None:
        source = Path(path) if path else data_file(poc)
        local_files.require_local(source)
        if source.is_file():
            return Fingerprint(
                kind="file", location=str(source), sha256=sha256(source), files=1
            )
        if source.is_dir():
            return Fingerprint(
                kind="folder",
                location=str(source),
                sha256=sha256(source),
                files=len(_data_files(source)),
            )
        raise DataError(
            sentence(
                "%(source)s: no such data file or folder. Check data.path in "
                "%(charter)s, or pass --data.",
                source=source,
                charter=poc.source,
            )
        )
    sql = poc.data.sql
    rows = (
        frame
        if frame is not None
        else query(sql, folder=poc.source.parent, charter=poc.source)
    )
    return Fingerprint(
        kind="sql",
        location=sql.shown_url,
        sha256=rows_sha256(rows, query=sql.query),
        rows=len(rows),
        query=sql.query,
    )


def sha256(path: str | Path) -> str:
    """Fingerprint of a file's bytes, or of a folder's data files (names and bytes)."""
    path = Path(path)
    digest = hashlib.sha256()
    if path.is_dir():
        for file in _data_files(path):
            digest.update(str(file.relative_to(path).as_posix()).encode() + b"\0")
            digest.update(bytes.fromhex(sha256(file)))
        return digest.hexdigest()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def rows_sha256(frame: pd.DataFrame, *, query: str) -> str:
    """Fingerprint of a query and the rows it returned, whatever their order."""
    digest = hashlib.sha256(query.encode())
    digest.update("\0".join(map(str, frame.columns)).encode())
    per_row = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    digest.update(np.sort(per_row).tobytes())
    return digest.hexdigest()


# --- files ---------------------------------------------------------------------------


# The last file read in this process, by what decides the frame: its bytes' SHA-256
# and the read options. A journey's stages run in one kernel, and stages 3 to 7 read
# the same file: parsing 3,000 columns took a second per stage, hashing them 0.1 s.
_LAST_READ: dict[tuple[str, str | None, str | None, str | None], pd.DataFrame] = {}


def _load_file_once(
    path: Path,
    *,
    encoding: str | None,
    delimiter: str | None,
    sheet: str | None,
) -> pd.DataFrame:
    """`_load_file`, or the frame the same bytes gave last time, read the same way.

    A shallow copy: pandas copies on write, so what one stage changes in its frame
    never reaches the next stage's.
    """
    key = (sha256(path), encoding, delimiter, sheet)
    frame = _LAST_READ.get(key)
    if frame is None:
        frame = _load_file(path, encoding=encoding, delimiter=delimiter, sheet=sheet)
        _LAST_READ.clear()
        _LAST_READ[key] = frame
    return frame.copy(deep=False)


def _load_file(
    path: Path,
    *,
    encoding: str | None,
    delimiter: str | None,
    sheet: str | None = None,
) -> pd.DataFrame:
    suffix = path.suffix.lower()
    if suffix in PARQUET_SUFFIXES:
        return local_files.read_parquet(path)
    if suffix in EXCEL_SUFFIXES:
        return local_files.read_excel(path, sheet=sheet)
    if suffix == ".xls":
        raise DataError(
            sentence(
                "%(path)s: an Excel 97-2003 workbook (.xls), which playbook "
                "does not read. Save it from Excel as .xlsx or as CSV, and "
                "point the charter at that.",
                path=path,
            )
        )
    if path.stat().st_size == 0:
        raise DataError(
            sentence(
                "%(path)s: the file is empty (0 bytes). Point the charter at "
                "the data, or export it again.",
                path=path,
            )
        )
    return _read_csv(path, encoding=encoding, delimiter=delimiter)


def _read_csv(
    path: Path, *, encoding: str | None, delimiter: str | None
) -> pd.DataFrame:
    encoding = encoding or "utf-8"
    with path.open("rb") as handle:
        if handle.read(4) == b"PK\x03\x04":
            raise DataError(
                sentence(
                    "%(path)s: a zip archive, not CSV text; an Excel workbook is "
                    "one. Give it its .xlsx name to read its first sheet, or "
                    "export it as CSV.",
                    path=path,
                )
            )
    head = _head(path, encoding=encoding)
    if not head.strip():
        raise DataError(
            sentence(
                "%(path)s: the file holds no data, only blank space. Export it again.",
                path=path,
            )
        )
    sep = delimiter or _sniff_delimiter(head)
    options = {
        "sep": sep,
        "encoding": "utf-8-sig" if encoding == "utf-8" else encoding,
    }
    try:
        if path.stat().st_size <= CHUNKED_BYTES:
            return pd.read_csv(path, low_memory=False, **options)
        with pd.read_csv(path, chunksize=CHUNK_ROWS, **options) as reader:
            return _concat_chunks(list(reader))
    except UnicodeDecodeError:
        raise _encoding_error(path, encoding) from None
    except pd.errors.EmptyDataError:
        raise DataError(
            sentence(
                "%(path)s: the file holds no columns. Export it again with a "
                "header row.",
                path=path,
            )
        ) from None
    except pd.errors.ParserError as error:
        raise DataError(
            sentence(
                "%(path)s: not readable as CSV with delimiter %(sep)s: "
                "%(detail)s. Set data.delimiter in the charter, or fix "
                "the file.",
                path=path,
                sep=repr(sep),
                detail=local_files.first_line(error),
            )
        ) from None


def short_rows(
    path: str | Path, *, encoding: str | None = None, delimiter: str | None = None
) -> list[int]:
    """The lines of a CSV file whose rows have fewer fields than its header.

    pandas reads the missing fields as empty without a word (a row with more fields
    it refuses), so whoever reads such a file must be told. Nothing for a folder or a
    Parquet or Excel file; blank lines are skipped, as pandas skips them.

    Args:
        path: The file, already read once with `load` (so it decodes and is CSV).
        encoding: Its text encoding (default UTF-8).
        delimiter: Its delimiter (default: sniffed, as `load` does).
    """
    path = Path(path)
    if not path.is_file() or path.suffix.lower() in (
        *PARQUET_SUFFIXES,
        *EXCEL_SUFFIXES,
    ):
        return []
    encoding = encoding or "utf-8"
    sep = delimiter or _sniff_delimiter(_head(path, encoding=encoding))
    text_encoding = "utf-8-sig" if encoding == "utf-8" else encoding
    with path.open(encoding=text_encoding, newline="") as handle:
        rows = csv.reader(handle, delimiter=sep)
        header = next(rows, [])
        return [rows.line_num for row in rows if row and len(row) < len(header)]


def _concat_chunks(chunks: list[pd.DataFrame]) -> pd.DataFrame:
    """The chunks as one frame, typed as if read at once.

    A text column that is empty in some chunk comes back as text, not as a mix of
    text and numbers.
    """
    frame = pd.concat(chunks, ignore_index=True)
    mixed = [c for c in frame.columns if pd.api.types.is_object_dtype(frame[c])]
    for column in mixed:
        text = [
            chunk[column].dtype
            for chunk in chunks
            if pd.api.types.is_string_dtype(chunk[column])
            and not pd.api.types.is_object_dtype(chunk[column])
        ]
        others = [
            chunk[column]
            for chunk in chunks
            if not pd.api.types.is_string_dtype(chunk[column])
        ]
        if text and all(part.isna().all() for part in others):
            frame[column] = frame[column].astype(text[0])
    return frame


def _head(path: Path, *, encoding: str) -> str:
    """The start of a text file, decoded; a partial character at the end is cut."""
    with path.open("rb") as handle:
        raw = handle.read(_SNIFF_BYTES)
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as error:
        if error.start >= len(raw) - 4 and len(raw) == _SNIFF_BYTES:
            return raw[: error.start].decode(encoding)
        raise _encoding_error(path, encoding) from None


def _encoding_error(path: Path, encoding: str) -> DataError:
    """Say where the file stops decoding, and which encoding it probably is in."""
    position, sample = _first_bad_byte(path, encoding)
    guess = next(
        (
            (candidate, language)
            for candidate, language in _LIKELY_ENCODINGS
            if candidate != encoding and _plausible(sample, candidate)
        ),
        None,
    )
    advice = (
        sentence(
            "It reads as %(encoding)s (%(language)s): set `encoding: %(encoding)s` in "
            "the charter's data section, or convert the file to UTF-8.",
            encoding=guess[0],
            language=sentence(guess[1]),
        )
        if guess
        else sentence(
            "Set data.encoding in the charter to the encoding the file was saved in "
            "(e.g. cp949, euc-kr, latin-1), or convert the file to UTF-8."
        )
    )
    return DataError(
        sentence(
            "%(path)s: not %(encoding)s text (byte %(position)s cannot be decoded). "
            "%(advice)s",
            path=path,
            encoding=encoding,
            position=f"{position:,}",
            advice=advice,
        )
    )


def _first_bad_byte(path: Path, encoding: str) -> tuple[int, bytes]:
    """Offset of the first byte that does not decode, and the bytes around it."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                # Whole lines around the bad byte, so characters are not cut.
                start = chunk.rfind(b"\n", 0, max(0, error.start - 2000)) + 1
                end = chunk.find(b"\n", error.start + 20000)
                sample = chunk[start : end if end >= 0 else len(chunk)]
                return offset + error.start, sample
            offset += len(chunk)
    return offset, b""


def _plausible(sample: bytes, encoding: str) -> bool:
    """Whether the bytes decode in `encoding` to letters, not to symbol soup."""
    text = sample.decode(encoding, errors="replace")
    foreign = [char for char in text if ord(char) > 127]
    if not foreign or "\ufffd" in text[1:-1]:
        return False
    if encoding == "cp949":
        hangul = sum("\uac00" <= char <= "\ud7a3" for char in foreign)
        return hangul >= 0.8 * len(foreign)
    return sum(char.isalpha() for char in foreign) >= 0.8 * len(foreign)


def _sniff_delimiter(head: str) -> str:
    """The delimiter that splits the header into the most fields the rows agree with.

    A candidate fits when it splits the header into two fields or more, no row into
    more fields than the header (pandas refuses those), and most rows into exactly as
    many. Rows with fewer fields are allowed, as pandas reads them (their missing
    fields empty, counted by `short_rows`): one short row among the first lines must
    not send a `;` file to `,`, where decimal commas then fail to parse.
    """
    lines = head.splitlines()[:50]
    if len(lines) > 1 and not head.endswith(("\n", "\r")):
        lines = lines[:-1]  # the last line may be cut in the middle
    best, best_fields = ",", 1
    for candidate in DELIMITERS:
        rows = [
            len(row)
            for row in csv.reader(io.StringIO("\n".join(lines)), delimiter=candidate)
            if row
        ]
        fields, body = (rows[0], rows[1:]) if rows else (0, [])
        fits = all(count <= fields for count in body) and (
            2 * sum(count == fields for count in body) >= len(body)
        )
        if fits and fields > best_fields:
            best, best_fields = candidate, fields
    return best


# --- folders -------------------------------------------------------------------------


def _data_files(folder: Path) -> list[Path]:
    files = sorted(
        file
        for file in folder.rglob("*")
        if file.is_file()
        and file.suffix.lower() in CSV_SUFFIXES + PARQUET_SUFFIXES
        and not any(
            part.startswith((".", "_")) for part in file.relative_to(folder).parts
        )
    )
    if not files:
        raise DataError(
            sentence(
                "%(folder)s: the folder holds no .csv or .parquet files. "
                "Point data.path at the folder of the extract's files, or at "
                "one file.",
                folder=folder,
            )
        )
    return files


def _load_folder(
    folder: Path, *, encoding: str | None, delimiter: str | None
) -> pd.DataFrame:
    parts = []
    for file in _data_files(folder):
        frame = _load_file(file, encoding=encoding, delimiter=delimiter)
        for segment in file.relative_to(folder).parts[:-1]:
            key, sep, value = segment.partition("=")
            if sep and key and key not in frame.columns:
                frame[key] = value
        parts.append(frame)
    columns = [list(part.columns) for part in parts]
    if any(names != columns[0] for names in columns[1:]):
        first = set(columns[0])
        odd = next(
            (file, names)
            for file, names in zip(_data_files(folder), columns, strict=True)
            if names != columns[0]
        )
        differ = sorted(set(odd[1]) ^ first)
        raise DataError(
            sentence(
                "%(folder)s: the files do not share one set of columns: "
                "%(name)s differs from the first file in %(columns)s. Export "
                "every partition with the same columns.",
                folder=folder,
                name=odd[0].name,
                columns=", ".join(map(str, differ[:8]))
                or sentence("the same names in another order"),
            )
        )
    return pd.concat(parts, ignore_index=True)
