"""Where data may come from (local files, Excel, flat Parquet), and a bounded seed.

Each input here once crashed or was misnamed: a URL became a mangled local path,
`/dev/zero` and a FIFO were "no such file", an .xlsx was asked for its encoding, a
nested Parquet column crashed the profile, and a seed out of numpy's range crashed a
stage with exit 1.
"""

import importlib.util
import os
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from typer.testing import CliRunner

from playbook import charter
from playbook.charter import check as charter_check
from playbook.charter.fields import SEED_MAXIMUM
from playbook.cli.app import app
from playbook.data import sources
from playbook.errors import CharterError, DataError

ROWS = pd.DataFrame({"client": ["c1", "c2", "c3"], "y": ["no", "yes", "no"]})


def refused(path) -> str:
    with pytest.raises(DataError) as raised:
        sources.load(path)
    assert raised.value.exit_code == 2
    return str(raised.value)


@pytest.mark.parametrize(
    "url",
    ["https://example.com/exports/churn.csv", "s3://bucket/churn.parquet"],
    ids=["https", "s3"],
)
def test_a_url_is_refused_with_the_advice_to_download_it(url):
    message = refused(url)

    assert message.startswith(f"{url}: a URL; playbook reads local files only")
    assert "Download the file first" in message


def test_a_url_that_a_path_mangled_is_still_named_as_the_url(tmp_path, churn_charter):
    mangled = (Path.cwd() / Path("https://example.com/a.csv")).resolve()

    with pytest.raises(DataError, match=r"^https://example.com/a.csv: a URL"):
        sources.fingerprint(churn_charter, path=mangled)


def test_a_charter_whose_data_path_is_a_url_is_a_blocker(write_charter):
    path = write_charter(
        lambda raw: raw["data"].update(path="https://example.com/churn.csv")
    )

    report = charter_check.check(path)

    assert [p.path for p in report.blockers] == ["data.path"]
    assert "is a URL" in report.blockers[0].message
    assert "Download the file first" in report.blockers[0].hint


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_a_device_is_named_as_not_a_regular_file_and_never_read():
    message = refused("/dev/zero")

    assert message.startswith("/dev/zero: a character device, not a regular file")
    assert "no such" not in message


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_is_named_without_being_opened(tmp_path, churn_charter):
    pipe = tmp_path / "export.csv"
    os.mkfifo(pipe)  # opening it for reading would block: the test would hang

    message = refused(pipe)
    with pytest.raises(DataError, match="named pipe"):
        sources.fingerprint(churn_charter, path=pipe)

    assert message.startswith(f"{pipe}: a named pipe (FIFO), not a regular file")
    assert "Save the data into a file" in message


def test_nested_parquet_columns_are_named_instead_of_crashing(tmp_path):
    table = pa.table(
        {
            "client": ["c1", "c2"],
            "products": [["card", "loan"], ["card"]],
            "address": [
                {"city": "Seoul", "zip": "04524"},
                {"city": "Busan", "zip": ""},
            ],
            "y": ["no", "yes"],
        }
    )
    pq.write_table(table, tmp_path / "clients.parquet")

    message = refused(tmp_path / "clients.parquet")

    assert "2 column(s) hold nested values" in message
    assert "'products' (list<" in message and "'address' (struct<" in message
    assert "flatten them in the extract" in message


def test_an_xlsx_without_openpyxl_names_the_package_not_an_encoding(
    tmp_path, monkeypatch
):
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *rest: None if name == "openpyxl" else find_spec(name, *rest),
    )
    book = tmp_path / "clients.xlsx"
    book.write_bytes(b"PK\x03\x04 not really a workbook")

    message = refused(book)

    assert "needs the openpyxl package, which is not installed" in message
    assert "playbook[excel]" in message
    assert "encoding" not in message


def test_a_workbook_named_csv_is_recognised_as_a_zip(tmp_path):
    renamed = tmp_path / "clients.csv"
    renamed.write_bytes(b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)))

    message = refused(renamed)

    assert "a zip archive, not CSV text" in message and ".xlsx" in message


def test_an_old_xls_workbook_says_to_save_it_as_xlsx_or_csv(tmp_path):
    old = tmp_path / "clients.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0 old workbook")

    assert "Save it from Excel as .xlsx or as CSV" in refused(old)


def test_an_xlsx_reads_its_first_sheet_or_the_charters_sheet(tmp_path, write_charter):
    pytest.importorskip("openpyxl")
    book = tmp_path / "clients.xlsx"
    with pd.ExcelWriter(book) as writer:
        ROWS.to_excel(writer, sheet_name="Summary", index=False)
        ROWS.assign(y="yes").to_excel(writer, sheet_name="Renewals", index=False)
    poc = charter.load(
        write_charter(
            lambda raw: raw["data"].update(path="clients.xlsx", sheet="Renewals")
        )
    )

    assert sources.load(book).equals(ROWS)
    assert (sources.read(poc)["y"] == "yes").all()
    with pytest.raises(DataError, match=r"no sheet 'Gone'.*'Summary', 'Renewals'"):
        sources.load(book, sheet="Gone")


@pytest.mark.parametrize("seed", ["-1", str(2**64)], ids=["negative", "2**64"])
def test_a_seed_out_of_numpys_range_is_a_usage_error(write_charter, seed):
    result = CliRunner().invoke(app, ["run", str(write_charter()), "--seed", seed])

    assert result.exit_code == 2
    assert "--seed" in result.output
    assert "Traceback" not in result.output


def test_the_charters_seed_has_the_same_bounds_as_seed(write_charter):
    largest = write_charter(lambda raw: raw.update(seed=SEED_MAXIMUM))
    assert charter.load(largest).seed == 2**32 - 1

    too_big = write_charter(lambda raw: raw.update(seed=SEED_MAXIMUM + 1))
    with pytest.raises(CharterError, match=r"seed.*4294967295"):
        charter.load(too_big)


def test_a_time_format_without_a_year_is_a_blocker(write_charter):
    path = write_charter(lambda raw: raw["data"].update(time_format="%d.%m."))

    report = charter_check.check(path)

    assert [p.path for p in report.blockers] == ["data.time_format"]
    assert "with the year" in report.blockers[0].message


def test_new_data_fields_reach_the_charter(write_charter):
    def edit(raw):
        raw["data"].update(
            time_format="%d.%m.%Y", sheet="Renewals", max_unlabelled_share=0.05
        )

    poc = charter.load(write_charter(edit))

    assert (poc.data.time_format, poc.data.sheet) == ("%d.%m.%Y", "Renewals")
    assert poc.data.max_unlabelled_share == 0.05
    assert yaml.safe_load(Path(poc.source).read_text())["data"]["sheet"] == "Renewals"
