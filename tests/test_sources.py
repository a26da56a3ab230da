"""Reading data from files, folders and SQL, and fingerprinting what was read."""

import hashlib
import sqlite3

import pandas as pd
import pytest

from playbook import charter, data
from playbook.data import sources
from playbook.errors import CharterError, DataError

ROWS = pd.DataFrame(
    {
        "client": ["c1", "c2", "c3", "c4"],
        "age": [31, 45, 52, 28],
        "job": ["technician", "retired", "services", "student"],
        "y": ["no", "yes", "no", "yes"],
    }
)


@pytest.fixture
def sql_charter(tmp_path, write_charter):
    """A charter reading the tiny table above from SQLite in the charter's folder."""
    connection = sqlite3.connect(tmp_path / "crm.db")
    ROWS.to_sql("clients", connection, index=False)
    connection.close()

    def make(url="sqlite:///crm.db", query="SELECT * FROM clients"):
        def edit(raw):
            raw["data"].pop("path")
            raw["data"]["sql"] = {"url": url, "query": query}

        return charter.load(write_charter(edit))

    return make


# --- CSV -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "delimiter", [",", ";", "\t", "|"], ids=["comma", "semicolon", "tab", "pipe"]
)
def test_csv_delimiter_is_sniffed(tmp_path, delimiter):
    path = tmp_path / "extract.csv"
    ROWS.to_csv(path, sep=delimiter, index=False)

    frame = sources.load(path)

    assert list(frame.columns) == list(ROWS.columns)
    assert frame["age"].tolist() == [31, 45, 52, 28]


def test_a_semicolon_file_with_quoted_strings_reads_like_the_bank_export(tmp_path):
    path = tmp_path / "bank.csv"
    path.write_text(
        '"age";"job";"balance";"y"\n58;"management";2143;"no"\n44;"a;b";29;"yes"\n'
    )

    frame = sources.load(path)

    assert frame.shape == (2, 4)
    assert frame.loc[1, "job"] == "a;b"


def test_a_byte_order_mark_does_not_end_up_in_the_first_column_name(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufeffa,b\n1,2\n".encode())

    assert list(sources.load(path).columns) == ["a", "b"]


def test_charter_delimiter_overrides_the_sniffer(tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("a,b;c\n1,2;3\n4,5;6\n")

    assert list(sources.load(path, delimiter=";").columns) == ["a,b", "c"]


@pytest.mark.parametrize(
    ("text", "encoding", "named"),
    [
        ("고객,나이\n김민수,31\n이서연,45\n", "cp949", "cp949"),
        ("client,city\nAndré,Köln\nSøren,Århus\n", "cp1252", "cp1252"),
    ],
    ids=["korean-cp949", "western-cp1252"],
)
def test_a_non_utf8_file_names_the_file_and_the_encoding_to_pass(
    tmp_path, text, encoding, named
):
    path = tmp_path / "legacy.csv"
    path.write_bytes(text.encode(encoding))

    with pytest.raises(DataError) as caught:
        sources.load(path)

    message = str(caught.value)
    assert str(path) in message
    assert "not utf-8 text" in message
    assert f"encoding: {named}" in message
    assert caught.value.exit_code == 2
    assert sources.load(path, encoding=encoding).shape == (2, 2)


def test_a_file_that_stops_decoding_late_says_at_which_byte(tmp_path):
    path = tmp_path / "late.csv"
    head = "a,b\n" + "x,1\n" * 30000
    path.write_bytes(head.encode() + "김,2\n".encode("cp949"))

    with pytest.raises(DataError, match=f"byte {len(head):,} cannot be decoded"):
        sources.load(path)


def test_the_charter_encoding_is_used_when_reading(tmp_path, write_charter):
    (tmp_path / "extract.csv").write_bytes("고객,y\n김,1\n이,0\n".encode("cp949"))

    def edit(raw):
        raw["data"]["path"] = "extract.csv"
        raw["data"]["encoding"] = "cp949"

    poc = charter.load(write_charter(edit))

    assert sources.read(poc)["고객"].tolist() == ["김", "이"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, r"no such data file or folder"),
        (b"", r"the file is empty \(0 bytes\)"),
        (b"\n\n  \n", r"holds no data, only blank space"),
        (b"client,age,y\n", r"has a header but no rows"),
    ],
    ids=["missing-file", "empty-file", "blank-file", "header-only"],
)
def test_unusable_files_raise_a_data_error_naming_the_file(tmp_path, content, message):
    path = tmp_path / "extract.csv"
    if content is not None:
        path.write_bytes(content)

    with pytest.raises(DataError, match=str(path) + ".*" + message) as caught:
        sources.load(path)

    assert caught.value.exit_code == 2


# --- Parquet and folders -------------------------------------------------------------


def test_parquet_reads_with_its_types(tmp_path):
    path = tmp_path / "extract.parquet"
    ROWS.assign(when=pd.to_datetime(["2024-01-01"] * 4)).to_parquet(path)

    frame = sources.load(path)

    assert frame["age"].dtype == "int64"
    assert pd.api.types.is_datetime64_any_dtype(frame["when"])


def test_a_file_named_parquet_that_is_not_says_so(tmp_path):
    path = tmp_path / "extract.parquet"
    path.write_text("a,b\n1,2\n")

    with pytest.raises(DataError, match="not a readable Parquet file"):
        sources.load(path)


def test_a_folder_partitioned_by_date_reads_every_file_with_its_date(tmp_path):
    folder = tmp_path / "extract"
    for day, rows in (("2024-01-01", ROWS[:2]), ("2024-01-02", ROWS[2:])):
        (folder / f"date={day}").mkdir(parents=True)
        rows.to_parquet(folder / f"date={day}" / "part-0.parquet")
    (folder / "_SUCCESS").write_text("")

    frame = sources.load(folder)

    assert len(frame) == 4
    assert frame["date"].tolist() == ["2024-01-01"] * 2 + ["2024-01-02"] * 2
    assert frame["client"].tolist() == ROWS["client"].tolist()


def test_a_folder_of_daily_csv_files_is_read_in_name_order(tmp_path):
    folder = tmp_path / "daily"
    folder.mkdir()
    ROWS[2:].to_csv(folder / "2024-01-02.csv", sep=";", index=False)
    ROWS[:2].to_csv(folder / "2024-01-01.csv", sep=";", index=False)

    assert sources.load(folder)["client"].tolist() == ["c1", "c2", "c3", "c4"]


def test_a_folder_without_data_files_says_what_it_looks_for(tmp_path):
    (tmp_path / "notes.md").write_text("nothing here")

    with pytest.raises(DataError, match=r"holds no \.csv or \.parquet files"):
        sources.load(tmp_path)


def test_partitions_with_different_columns_are_refused(tmp_path):
    ROWS.to_csv(tmp_path / "a.csv", index=False)
    ROWS.drop(columns=["job"]).to_csv(tmp_path / "b.csv", index=False)

    with pytest.raises(DataError, match=r"b\.csv differs from the first file in job"):
        sources.load(tmp_path)


# --- SQL -----------------------------------------------------------------------------


def test_sql_query_reads_rows_from_sqlite_next_to_the_charter(sql_charter):
    poc = sql_charter(query="SELECT client, age, y FROM clients WHERE age > 30")

    frame = sources.read(poc)

    assert frame["client"].tolist() == ["c1", "c2", "c3"]
    assert data.source_name(poc) == "a SQL query on sqlite:///crm.db"


def test_a_failing_query_names_the_field_the_database_and_the_error(sql_charter):
    poc = sql_charter(query="SELECT * FROM no_such_table")

    with pytest.raises(DataError) as caught:
        sources.read(poc)

    message = str(caught.value)
    assert "data.sql.query failed on sqlite:///crm.db" in message
    assert "no such table: no_such_table" in message
    assert "Traceback" not in message
    assert caught.value.exit_code == 2


def test_a_query_returning_no_rows_is_refused(sql_charter):
    with pytest.raises(DataError, match="returned no rows"):
        sources.read(sql_charter(query="SELECT * FROM clients WHERE age > 200"))


def test_a_password_written_in_the_charter_is_refused(write_charter):
    def edit(raw):
        raw["data"].pop("path")
        raw["data"]["sql"] = {
            "url": "postgresql://analyst:hunter2@db.internal/crm",
            "query": "SELECT 1",
        }

    with pytest.raises(
        CharterError, match=r"data\.sql\.url holds a password"
    ) as caught:
        charter.load(write_charter(edit))

    assert "hunter2" not in str(caught.value)


def test_a_password_from_the_environment_never_reaches_a_message(
    sql_charter, monkeypatch
):
    monkeypatch.setenv("CRM_DB_PASSWORD", "s3cr3t-pw")
    poc = sql_charter(url="postgresql+nosuchdriver://analyst:${CRM_DB_PASSWORD}@db/crm")

    with pytest.raises(DataError) as caught:
        sources.read(poc)

    message = str(caught.value)
    assert "s3cr3t-pw" not in message
    assert "postgresql+nosuchdriver://analyst:***@db/crm" in message
    assert poc.data.sql.shown_url == "postgresql+nosuchdriver://analyst:***@db/crm"


def test_an_unset_environment_variable_is_named(sql_charter, monkeypatch):
    monkeypatch.delenv("CRM_DB_PASSWORD", raising=False)
    poc = sql_charter(url="postgresql://analyst:${CRM_DB_PASSWORD}@db/crm")

    with pytest.raises(DataError, match="environment variable CRM_DB_PASSWORD"):
        sources.read(poc)


def test_charter_needs_exactly_one_of_path_and_sql(write_charter):
    def both(raw):
        raw["data"]["sql"] = {"url": "sqlite:///x.db", "query": "SELECT 1"}

    with pytest.raises(CharterError, match=r"gives both data.path and data.sql"):
        charter.load(write_charter(both))

    def neither(raw):
        del raw["data"]["path"]

    with pytest.raises(CharterError, match=r"data\.path|data\.sql"):
        charter.load(write_charter(neither))


# --- fingerprints --------------------------------------------------------------------


def test_a_file_fingerprint_is_the_sha256_of_its_bytes(tmp_path, churn_charter):
    path = tmp_path / "extract.csv"
    ROWS.to_csv(path, index=False)

    found = data.fingerprint(churn_charter, path=path)

    assert found.kind == "file"
    assert found.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_folder_fingerprint_changes_when_any_file_changes(tmp_path, churn_charter):
    ROWS.to_csv(tmp_path / "a.csv", index=False)
    ROWS.to_csv(tmp_path / "b.csv", index=False)
    before = data.fingerprint(churn_charter, path=tmp_path)

    ROWS.assign(age=1).to_csv(tmp_path / "b.csv", index=False)
    after = data.fingerprint(churn_charter, path=tmp_path)

    assert (before.kind, before.files) == ("folder", 2)
    assert before.sha256 != after.sha256
    assert data.sha256(tmp_path) == after.sha256


def test_a_sql_fingerprint_is_the_query_and_the_rows_in_any_order(sql_charter):
    ordered = sql_charter(query="SELECT * FROM clients ORDER BY age")
    reversed_ = sql_charter(query="SELECT * FROM clients ORDER BY age DESC")

    first = data.fingerprint(ordered)
    rows = sources.read(ordered)

    assert first.kind == "sql"
    assert first.rows == 4
    assert first.query == "SELECT * FROM clients ORDER BY age"
    assert first.location == "sqlite:///crm.db"
    assert data.fingerprint(ordered, frame=rows) == first
    assert sources.rows_sha256(rows[::-1], query=first.query) == first.sha256
    assert data.fingerprint(reversed_).sha256 != first.sha256  # another query


def test_fingerprint_of_a_missing_path_says_where_to_fix_it(tmp_path, churn_charter):
    with pytest.raises(DataError, match=r"no such data file or folder.*pass --data"):
        data.fingerprint(churn_charter, path=tmp_path / "absent.csv")


def test_the_charter_records_new_data_fields(tmp_path, write_charter):
    def edit(raw):
        raw["data"].update(
            encoding="EUC-KR",
            delimiter=";",
            pii=["name"],
            allow_pii=["region"],
            exclude=["discount_pct"],
            allow_leaks=["plan"],
        )

    poc = charter.load(write_charter(edit))

    assert poc.data.encoding == "euc_kr"
    assert poc.data.delimiter == ";"
    assert (poc.data.pii, poc.data.allow_pii) == (("name",), ("region",))
    assert (poc.data.exclude, poc.data.allow_leaks) == (("discount_pct",), ("plan",))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("encoding", "klingon-8", r"data\.encoding: expected a text encoding"),
        ("delimiter", ";;", r"data\.delimiter: expected one character"),
        ("access", "copy", r"data\.access: expected one of sandbox_copy, platform"),
        ("exclude", "a, b", None),
    ],
    ids=["unknown-encoding", "long-delimiter", "unknown-access", "exclude-as-text"],
)
def test_bad_data_fields_name_the_field(write_charter, field, value, message):
    def edit(raw):
        raw["data"][field] = value

    path = write_charter(edit)
    if message is None:  # one name as text is a list of one
        assert charter.load(path).data.exclude == ("a, b",)
        return
    with pytest.raises(CharterError, match=message):
        charter.load(path)


def test_a_short_row_does_not_send_a_semicolon_file_to_the_comma(tmp_path):
    """A `;` file with decimal commas and a row missing its last field: read with
    `;`, so that the short row is counted and named, not a tokenizing error."""
    path = tmp_path / "meter.csv"
    path.write_text("id;reading;label\n1;2,5;a\n2;3,1\n3;4,0;b\n4;5,2;c\n")

    frame = sources.load(path)

    assert list(frame.columns) == ["id", "reading", "label"]
    assert frame["reading"].tolist() == ["2,5", "3,1", "4,0", "5,2"]
    assert frame["label"].isna().tolist() == [False, True, False, False]
    assert sources.short_rows(path) == [3]


@pytest.mark.parametrize(
    "text",
    [
        "a;b\n1;2;3\n4;5\n",  # a row longer than the header: not `;`
        "a;b;c\n1;2\n3;4\n5;6;7\n",  # most rows short: not `;`
    ],
    ids=["longer-row", "mostly-short"],
)
def test_a_delimiter_the_rows_disagree_with_is_not_chosen(text):
    assert sources._sniff_delimiter(text) == ","


def test_a_file_read_again_comes_back_unchanged_by_what_a_reader_did(
    tmp_path, monkeypatch
):
    path = tmp_path / "rows.csv"
    ROWS.to_csv(path, index=False)
    first = sources.load(path)
    first["age"] = 0  # one stage's change never reaches the next stage's rows
    first.loc[0, "job"] = "changed"
    parsed = []
    monkeypatch.setattr(
        sources, "_load_file", lambda *a, **k: parsed.append(a) or ROWS.iloc[:0]
    )

    again = sources.load(path)

    assert not parsed  # the same bytes, read the same way: not parsed again
    pd.testing.assert_frame_equal(again, pd.read_csv(path))
    monkeypatch.undo()
    # New bytes of the same size are read anew; so is another delimiter.
    path.write_text(path.read_text().replace("no", "ok"))
    assert set(sources.load(path)["y"]) == {"ok", "yes"}
    assert list(sources.load(path, delimiter=";").columns) == ["client,age,job,y"]
