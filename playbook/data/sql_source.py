"""Read the POC's data with one read-only SQL query (`data.sql`).

playbook only reads. The query must be one `SELECT` (or `WITH ... SELECT`) statement,
checked before anything connects, and the database enforces it where it can:

- SQLite opens the file read-only (`mode=ro`), with `PRAGMA query_only` and an
  authorizer that allows reading and nothing else: `VACUUM INTO`, `ATTACH` and
  writes are refused by SQLite itself, and a missing file is not created;
- PostgreSQL runs the query in a read-only transaction (`SET TRANSACTION READ ONLY`);
- MySQL and MariaDB in a read-only session (`SET SESSION TRANSACTION READ ONLY`);
- other databases rely on the statement check: connect as a user that may only read.

The URL's password comes from the environment (`${NAME}`) and never appears in a
message: the values of the variables it names are scrubbed from every error.
"""

from __future__ import annotations

import os
import re
import urllib.parse
from contextlib import suppress
from pathlib import Path
from typing import Any

import pandas as pd

from playbook.charter.model import SqlSource
from playbook.core.messages import sentence
from playbook.errors import DataError

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
# The first word a read-only query may start with (after any opening parentheses).
READ_ONLY_STARTS = ("select", "with")
# SQLite authorizer actions a read needs: SELECT, READ (a column), FUNCTION, RECURSIVE.
_SQLITE_READS = frozenset({21, 20, 31, 33})
_SQLITE_OK, _SQLITE_DENY = 0, 1


def check_read_only(text: str, *, where: str) -> None:
    """Refuse anything but one SELECT or WITH statement (comments allowed).

    Args:
        text: The query.
        where: The field, for the message (e.g. "charter.yaml: data.sql.query").

    Raises:
        DataError: More than one statement, or one that does not start with SELECT
            or WITH (e.g. DROP TABLE, VACUUM INTO, ATTACH, PRAGMA).
    """
    statements = [part for part in _statements(text) if part.strip()]
    if len(statements) != 1:
        raise DataError(
            sentence(
                "%(where)s holds %(count)s statements; give exactly one SELECT "
                "(or WITH ... SELECT) query. playbook only reads the data.",
                where=where,
                count=len(statements),
            )
        )
    first = re.match(r"[\s(]*([A-Za-z_]+)", statements[0])
    word = first.group(1).lower() if first else statements[0].strip()[:20]
    if word not in READ_ONLY_STARTS:
        raise DataError(
            sentence(
                "%(where)s starts with %(word)s: only a SELECT (or WITH ... "
                "SELECT) query may run; playbook only reads the data. Write "
                "the query that returns the rows, and change the database "
                "with your own tools.",
                where=where,
                word=repr(word.upper()),
            )
        )


def query(sql: SqlSource, *, folder: Path, charter: Path) -> pd.DataFrame:
    """Run the charter's SQL query, read-only, and return its rows.

    Args:
        sql: The charter's `data.sql`.
        folder: Folder a relative SQLite path is read from (the charter's).
        charter: The charter file, for messages.

    Raises:
        DataError: The query is not one SELECT or WITH statement, an environment
            variable the URL names is unset, the database cannot be reached, the
            query fails (a write included) or returns no rows. The message shows the
            URL without its password.
    """
    sqlalchemy = _sqlalchemy(charter)
    check_read_only(sql.query, where=f"{charter}: data.sql.query")
    url = _expand(sql.url, charter=charter, shown=sql.shown_url)
    secrets = [value for value in _secrets(sql.url) if value]
    with suppress(Exception):  # an unparsable URL fails below, with the message
        password = sqlalchemy.engine.make_url(url).password
        if password:
            secrets.append(str(password))
    try:
        engine = sqlalchemy.create_engine(_read_only_url(url, folder))
        _enforce_read_only(engine)
    except Exception as error:  # bad URL or missing driver
        raise DataError(
            sentence(
                "%(charter)s: data.sql.url %(shown_url)s cannot be used: "
                "%(error)s. Check the URL, and install the database driver "
                "it names (e.g. pip install psycopg).",
                charter=charter,
                shown_url=repr(sql.shown_url),
                error=_scrub(error, secrets),
            )
        ) from None
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "postgresql":  # the transaction's first statement
                connection.exec_driver_sql("SET TRANSACTION READ ONLY")
            frame = pd.read_sql_query(sqlalchemy.text(sql.query), connection)
            connection.rollback()  # nothing the query did is kept
    except Exception as error:  # SQLAlchemy's DBAPIError and friends
        raise DataError(
            sentence(
                "%(charter)s: data.sql.query failed on %(shown_url)s: "
                "%(error)s. Run the query in a SQL client against the same "
                "database, fix it in the charter, then run again. playbook "
                "only reads: a query that writes fails here.",
                charter=charter,
                shown_url=sql.shown_url,
                error=_scrub(error, secrets),
            )
        ) from None
    finally:
        engine.dispose()
    if frame.empty:
        raise DataError(
            sentence(
                "%(charter)s: data.sql.query returned no rows from "
                "%(shown_url)s. Check its WHERE clause and the database.",
                charter=charter,
                shown_url=sql.shown_url,
            )
        )
    return frame


def _statements(text: str) -> list[str]:
    """The statements of a SQL text, split at `;` outside quotes, comments removed."""
    parts, current, position = [], [], 0
    while position < len(text):
        char = text[position]
        if text.startswith("--", position):
            end = text.find("\n", position)
            position = len(text) if end < 0 else end
            continue
        if text.startswith("/*", position):
            end = text.find("*/", position + 2)
            position = len(text) if end < 0 else end + 2
            current.append(" ")
            continue
        if char in "'\"`":
            end = position + 1
            while end < len(text):  # a doubled quote is an escaped one
                if text[end] == char and not text.startswith(char * 2, end):
                    break
                end += 2 if text.startswith(char * 2, end) else 1
            current.append(text[position : end + 1])
            position = end + 1
            continue
        if char == ";":
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        position += 1
    parts.append("".join(current))
    return parts


def _read_only_url(url: str, folder: Path) -> str:
    """The URL, with a SQLite file opened read-only and a relative path resolved."""
    match = re.match(r"^(sqlite(?:\+pysqlite)?:///)(.+)$", url)
    if not match or match.group(2).startswith(":memory:"):
        return url
    path, _, options = match.group(2).partition("?")
    if path.startswith("file:"):
        given = dict(urllib.parse.parse_qsl(options))
        given.update(mode="ro", uri="true")
        return f"{match.group(1)}{path}?{urllib.parse.urlencode(given)}"
    resolved = (folder / path).resolve() if not path.startswith("/") else Path(path)
    # A file: URI, so that SQLite itself opens the file read-only.
    quoted = urllib.parse.quote(str(resolved))
    return f"{match.group(1)}file:{quoted}?mode=ro&uri=true"


def _sqlalchemy(charter: object) -> Any:
    """SQLAlchemy, which only SQL sources need (the `sql` extra).

    Raises:
        DataError: It is not installed; the message says how to install it.
    """
    try:
        import sqlalchemy
    except ImportError:
        raise DataError(
            sentence(
                "%(charter)s: data.sql needs SQLAlchemy, which is not "
                "installed. Install playbook with its sql extra: pip install "
                '"playbook[sql]" (and the database\'s driver, e.g. psycopg).',
                charter=charter,
            )
        ) from None
    return sqlalchemy


def _enforce_read_only(engine: Any) -> None:
    """Make every connection of `engine` read-only, where the database can."""
    from sqlalchemy import event

    name = engine.dialect.name
    if name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite(connection: Any, record: Any) -> None:
            connection.execute("PRAGMA query_only = ON")
            connection.set_authorizer(_sqlite_reads_only)

    elif name in ("mysql", "mariadb"):

        @event.listens_for(engine, "connect")
        def _mysql(connection: Any, record: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("SET SESSION TRANSACTION READ ONLY")
            cursor.close()


def _sqlite_reads_only(action: int, *_: Any) -> int:
    return _SQLITE_OK if action in _SQLITE_READS else _SQLITE_DENY


def _expand(url: str, *, charter: Path, shown: str) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise DataError(
                sentence(
                    "%(charter)s: data.sql.url (%(shown)s) reads the environment "
                    "variable %(name)s, which is not set. Set it where playbook "
                    "runs, then run again.",
                    charter=charter,
                    shown=shown,
                    name=name,
                )
            )
        return os.environ[name]

    return _ENV.sub(value, url)


def _secrets(url: str) -> list[str]:
    """Values of the environment variables a URL names: never shown anywhere."""
    return [os.environ.get(name, "") for name in _ENV.findall(url)]


def _scrub(error: Exception, secrets: list[str]) -> str:
    """The error's first line, without any secret (SQLAlchemy's may quote the URL)."""
    text = str(getattr(error, "orig", None) or error).strip()
    text = text.splitlines()[0] if text else type(error).__name__
    for secret in secrets:
        text = text.replace(secret, "***")
    return text
