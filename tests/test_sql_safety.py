"""SQL sources only read: one SELECT, enforced by the database; no password shown."""

import getpass
import os
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from playbook import charter, data
from playbook.cli.app import app
from playbook.data import sources, sql_source
from playbook.errors import CharterError, DataError

ROWS = pd.DataFrame({"client": ["c1", "c2", "c3"], "age": [31, 45, 52]})


@pytest.fixture
def sqlite_charter(tmp_path, write_charter):
    """A charter reading `clients` from SQLite in the charter's folder."""
    database = tmp_path / "crm.db"
    with sqlite3.connect(database) as connection:
        ROWS.to_sql("clients", connection, index=False)

    def make(query="SELECT * FROM clients", url="sqlite:///crm.db"):
        def edit(raw):
            raw["data"].pop("path")
            raw["data"]["sql"] = {"url": url, "query": query}

        return write_charter(edit)

    return make


def _clients(tmp_path) -> list:
    with sqlite3.connect(tmp_path / "crm.db") as connection:
        return connection.execute("SELECT * FROM clients ORDER BY client").fetchall()


@pytest.mark.parametrize(
    "query",
    [
        "DROP TABLE clients",
        "VACUUM INTO 'copy.db'",
        "SELECT * FROM clients; DROP TABLE clients",
        "ATTACH DATABASE 'other.db' AS other",
        "PRAGMA writable_schema = ON",
        "DELETE FROM clients",
        "/* SELECT */ UPDATE clients SET age = 0",
        "-- only a comment",
    ],
    ids=[
        "drop",
        "vacuum-into",
        "two",
        "attach",
        "pragma",
        "delete",
        "comment",
        "comment-only",
    ],
)
def test_a_query_that_is_not_one_select_is_refused_before_connecting(
    sqlite_charter, tmp_path, query
):
    poc = charter.load(sqlite_charter(query=query))
    before = sorted(path.name for path in tmp_path.iterdir())
    with pytest.raises(DataError, match="playbook only reads") as caught:
        sources.read(poc)
    assert caught.value.exit_code == 2
    assert _clients(tmp_path) == [tuple(row) for row in ROWS.to_numpy()]
    assert sorted(path.name for path in tmp_path.iterdir()) == before


@pytest.mark.parametrize(
    "query",
    [
        "WITH gone AS (SELECT 1) DELETE FROM clients",
        "WITH x AS (SELECT 1) INSERT INTO clients VALUES ('c9', 1)",
    ],
    ids=["with-delete", "with-insert"],
)
def test_sqlite_itself_refuses_a_write_that_passes_the_statement_check(
    sqlite_charter, tmp_path, query
):
    with pytest.raises(DataError, match=r"not authorized|readonly"):
        sources.read(charter.load(sqlite_charter(query=query)))
    assert _clients(tmp_path) == [tuple(row) for row in ROWS.to_numpy()]


def test_the_sqlite_file_is_opened_read_only_and_never_created(
    sqlite_charter, tmp_path
):
    poc = charter.load(sqlite_charter(url="sqlite:///missing.db"))
    with pytest.raises(DataError, match="unable to open"):
        sources.read(poc)
    assert not (tmp_path / "missing.db").exists()


def test_a_read_still_reads_with_comments_quotes_and_a_final_semicolon(
    sqlite_charter,
):
    poc = charter.load(
        sqlite_charter(
            query="-- clients; all of them\n"
            "WITH c AS (SELECT * FROM clients WHERE client <> 'x;y')\n"
            "SELECT * FROM c /* ; */ ORDER BY client;"
        )
    )
    pd.testing.assert_frame_equal(sources.read(poc), ROWS)


def test_run_refuses_a_writing_query_with_one_gate_line(sqlite_charter, tmp_path):
    path = sqlite_charter(query="DROP TABLE clients")
    result = CliRunner().invoke(
        app, ["run", str(path), "--runs-dir", str(tmp_path / "runs")]
    )
    assert result.exit_code == 2, result.output
    assert result.output.strip().startswith("error: ")
    assert len(result.output.strip().splitlines()) == 1
    assert "starts with 'DROP'" in result.output
    assert not (tmp_path / "runs").exists()
    assert _clients(tmp_path) == [tuple(row) for row in ROWS.to_numpy()]


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://analyst@db/crm?password=hunter2",
        "postgresql://analyst@db/crm?sslmode=require&sslpassword=hunter2",
        "mssql+pyodbc://db/crm?odbc_connect=DRIVER=x;PWD=hunter2",
    ],
    ids=["password", "sslpassword", "odbc"],
)
def test_a_password_in_the_query_string_is_refused(write_charter, url):
    def edit(raw):
        raw["data"].pop("path")
        raw["data"]["sql"] = {"url": url, "query": "SELECT 1"}

    with pytest.raises(CharterError, match=r"data\.sql\.url holds a password") as got:
        charter.load(write_charter(edit))
    assert "hunter2" not in str(got.value)


def test_a_query_string_password_from_the_environment_is_masked_everywhere(
    write_charter, monkeypatch
):
    monkeypatch.setenv("CRM_PW", "s3cr3t-pw")
    url = "postgresql+nosuchdriver://analyst@db/crm?sslmode=require&password=${CRM_PW}"

    def edit(raw):
        raw["data"].pop("path")
        raw["data"]["sql"] = {"url": url, "query": "SELECT 1"}

    poc = charter.load(write_charter(edit))
    shown = "postgresql+nosuchdriver://analyst@db/crm?sslmode=require&password=***"
    assert poc.data.sql.shown_url == shown
    assert data.source_name(poc) == f"a SQL query on {shown}"
    with pytest.raises(DataError) as caught:
        sources.read(poc)
    assert "s3cr3t-pw" not in str(caught.value)
    assert shown in str(caught.value)


# --- PostgreSQL ----------------------------------------------------------------------


def _postgres_binaries() -> Path | None:
    for folder in (Path("/usr/local/bin"), *Path("/usr/lib/postgresql").glob("*/bin")):
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def postgres():
    """A throwaway PostgreSQL cluster on a local port; its URL and password."""
    driver = next((name for name in ("psycopg", "psycopg2") if _importable(name)), None)
    if driver is None:
        pytest.skip("no PostgreSQL driver (psycopg or psycopg2) in this environment")
    binaries = _postgres_binaries()
    if binaries is None:
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl) on this machine")
    # Not under pytest's own temporary folder: that one is private to its user, and
    # the server may have to run as another (root may not run it).
    folder = Path(tempfile.mkdtemp(prefix="playbook-postgres-"))
    folder.chmod(0o777)
    # initdb refuses to run as root: run the server as `nobody` then.
    run_as = ["runuser", "-u", "nobody", "--"] if os.geteuid() == 0 else []
    if run_as and shutil.which("runuser") is None:
        pytest.skip("running as root without runuser: cannot start PostgreSQL")
    password, port = "pg-s3cret-pw", _free_port()
    (folder / "pw").write_text(password)
    cluster = folder / "cluster"
    owner = "nobody" if run_as else getpass.getuser()
    steps = [
        [*run_as, str(binaries / "initdb"), "-D", str(cluster), "-U", owner,
         "--auth=password", f"--pwfile={folder / 'pw'}", "-E", "UTF8"],
        [*run_as, str(binaries / "pg_ctl"), "-D", str(cluster), "-w", "-t", "60",
         "-l", str(folder / "log"), "-o", f"-p {port} -k {folder} -h 127.0.0.1",
         "start"],
    ]  # fmt: skip
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, timeout=120)
        if done.returncode:
            pytest.skip(f"PostgreSQL did not start: {done.stderr.strip()[:300]}")
    try:
        import sqlalchemy

        scheme = "postgresql+psycopg" if driver == "psycopg" else "postgresql"
        admin = sqlalchemy.create_engine(
            f"{scheme}://{owner}:{password}@127.0.0.1:{port}/postgres"
        )
        with admin.begin() as connection:
            ROWS.to_sql("clients", connection, index=False)
        admin.dispose()
        yield {
            "url": f"{scheme}://{owner}:${{PG_TEST_PW}}@127.0.0.1:{port}/postgres",
            "password": password,
            "engine": f"{scheme}://{owner}:{password}@127.0.0.1:{port}/postgres",
        }
    finally:
        subprocess.run(
            [*run_as, str(binaries / "pg_ctl"), "-D", str(cluster), "-m", "immediate",
             "stop"],
            capture_output=True,
            timeout=60,
        )  # fmt: skip
        time.sleep(0.1)
        shutil.rmtree(folder, ignore_errors=True)


def _importable(name: str) -> bool:
    try:
        __import__(name)
    except ImportError:
        return False
    return True


def _pg_charter(write_charter, url: str, query: str) -> Path:
    def edit(raw):
        raw["data"].pop("path")
        raw["data"]["sql"] = {"url": url, "query": query}

    return write_charter(edit)


def _pg_rows(postgres) -> int:
    import sqlalchemy

    engine = sqlalchemy.create_engine(postgres["engine"])
    try:
        with engine.connect() as connection:
            return connection.exec_driver_sql("SELECT count(*) FROM clients").scalar()
    finally:
        engine.dispose()


def test_postgresql_reads_a_table_without_showing_the_password(
    postgres, write_charter, monkeypatch
):
    monkeypatch.setenv("PG_TEST_PW", postgres["password"])
    poc = charter.load(
        _pg_charter(write_charter, postgres["url"], "SELECT * FROM clients")
    )
    frame = sources.read(poc)
    assert sorted(frame["client"]) == ["c1", "c2", "c3"]
    found = data.fingerprint(poc, frame=frame)
    assert postgres["password"] not in repr(found)
    assert postgres["password"] not in data.source_name(poc)


@pytest.mark.parametrize(
    "query",
    [
        "WITH gone AS (DELETE FROM clients RETURNING *) SELECT * FROM gone",
        "SELECT * FROM clients; DROP TABLE clients",
        "DROP TABLE clients",
    ],
    ids=["with-delete", "two", "drop"],
)
def test_postgresql_changes_nothing_for_a_writing_query(
    postgres, write_charter, monkeypatch, query
):
    monkeypatch.setenv("PG_TEST_PW", postgres["password"])
    poc = charter.load(_pg_charter(write_charter, postgres["url"], query))
    with pytest.raises(DataError) as caught:
        sources.read(poc)
    assert postgres["password"] not in str(caught.value)
    assert _pg_rows(postgres) == len(ROWS)


def test_postgresql_run_output_holds_no_password(
    postgres, write_charter, monkeypatch, tmp_path
):
    monkeypatch.setenv("PG_TEST_PW", postgres["password"])
    path = _pg_charter(write_charter, postgres["url"], "SELECT * FROM no_such_table")
    result = CliRunner().invoke(
        app, ["run", str(path), "--runs-dir", str(tmp_path / "runs")]
    )
    assert result.exit_code == 2
    assert postgres["password"] not in result.output
    assert "***" in result.output


def test_the_statement_check_ignores_semicolons_in_quotes_and_comments():
    sql_source.check_read_only("SELECT ';' -- ;\n, \"a;b\" /* ; */;", where="q")
    with pytest.raises(DataError, match="2 statements"):
        sql_source.check_read_only("SELECT 1; SELECT 2", where="q")
