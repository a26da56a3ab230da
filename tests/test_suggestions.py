"""`playbook checks suggest`: a starter contract inferred from the data."""

import numpy as np
import pandas as pd
import pytest
import yaml
from cli_in_process import run_cli

from playbook.cli import checks_commands
from playbook.data import contracts
from playbook.data import suggest as suggestions
from playbook.errors import DataCheckError


@pytest.fixture
def extract(tmp_path):
    rng = np.random.default_rng(4)
    n = 600
    frame = pd.DataFrame(
        {
            "client_id": np.arange(1000, 1000 + n),
            "day": pd.date_range("2024-01-01", periods=n, freq="D").strftime(
                "%Y-%m-%d"
            ),
            "age": rng.integers(18, 90, n),
            "balance": rng.normal(1500, 900, n).round(2),
            "hour": np.tile(np.arange(24), n // 24),
            "job": rng.choice(["admin.", "retired", "student", "no"], n),
            "email": [f"client{i}@example.com" for i in range(n)],
            "y": rng.choice(["no", "yes"], n, p=[0.85, 0.15]),
        }
    )
    frame.loc[::20, "balance"] = np.nan
    path = tmp_path / "bank extract.csv"
    frame.to_csv(path, sep=";", index=False)
    return path


def _by_column(text):
    found = {}
    for item in yaml.safe_load(text)["expectations"]:
        found.setdefault(item.get("column"), {})[item["type"]] = item
    return found


def test_the_suggested_suite_passes_on_its_own_data_and_loads_in_gx(extract, tmp_path):
    out = tmp_path / "data_checks" / "bank.yaml"

    result = suggestions.suggest_file(
        extract, target="y", out=out, id_column="client_id", time="day"
    )

    assert result.passes, result.failures
    assert result.warnings == []
    assert result.name == "bank_extract"
    assert (result.rows, result.columns) == (600, 8)
    assert result.expectations == len(contracts.load_suite(out).expectations)


def test_the_suggestion_covers_types_nulls_ranges_sets_ids_and_row_counts(
    extract, tmp_path
):
    out = tmp_path / "bank.yaml"
    suggestions.suggest_file(extract, target="y", out=out, id_column="client_id")
    text = out.read_text()
    found = _by_column(text)

    table = found[None]
    assert table["expect_table_row_count_to_be_between"] == {
        "type": "expect_table_row_count_to_be_between",
        "min_value": 300,
        "max_value": 6000,
    }
    assert table["expect_table_columns_to_match_set"]["exact_match"] is False
    assert "expect_column_values_to_be_unique" in found["client_id"]
    assert found["age"]["expect_column_values_to_be_in_type_list"]["type_list"] == [
        "int64",
        "float64",
    ]
    between = found["balance"]["expect_column_values_to_be_between"]
    assert between["min_value"] < 0 < 1500 < between["max_value"]
    assert found["balance"]["expect_column_values_to_not_be_null"]["mostly"] == 0.9
    assert found["hour"]["expect_column_values_to_be_between"] == {
        "type": "expect_column_values_to_be_between",
        "column": "hour",
        "min_value": 0,
        "max_value": 23,
    }
    assert set(found["job"]["expect_column_values_to_be_in_set"]["value_set"]) == {
        "admin.",
        "retired",
        "student",
        "no",
    }
    assert found["day"]["expect_column_values_to_match_regex"]["regex"] == (
        r"^\d{4}-\d{2}-\d{2}$"
    )
    assert found["y"]["expect_column_distinct_values_to_contain_set"]["value_set"] == [
        "no",
        "yes",
    ]
    assert "# --- age: int64, 0.0% missing" in text


def test_personal_data_values_are_never_written_into_a_suite(extract, tmp_path):
    out = tmp_path / "bank.yaml"
    suggestions.suggest_file(extract, target="y", out=out)
    text = out.read_text()

    assert "example.com" not in text
    assert "Personal data (e-mail address)" in text
    assert set(_by_column(text)["email"]) == {
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_unique",
    }


def test_an_existing_contract_is_kept_unless_forced(extract, tmp_path):
    out = tmp_path / "bank.yaml"
    out.write_text("suite: mine\n")

    with pytest.raises(DataCheckError, match="a contract is already there"):
        suggestions.suggest_file(extract, target="y", out=out)
    assert out.read_text() == "suite: mine\n"

    suggestions.suggest_file(extract, target="y", out=out, force=True)
    assert out.read_text().startswith("# Starter data contract")


def test_rows_with_fewer_fields_than_the_header_are_counted_and_named(tmp_path):
    lines = ["id,note,y", '1,"two\nlines",yes', "2,b,no"]
    # Seven short rows; the quoted note above spans two lines, so they end on 5, 7, ...
    lines += [f"{i},x" if i % 2 else f"{i},x,no" for i in range(3, 17)]
    source = tmp_path / "ragged.csv"
    source.write_text("\n".join(lines) + "\n\n", encoding="utf-8")

    result = suggestions.suggest_file(source, target="y", out=tmp_path / "r.yaml")

    assert result.rows == 16
    assert result.warnings == [
        f"{source}: 7 row(s) have fewer fields than the header's 3 (line(s) 5, 7, 9, "
        "11, 13 and 2 more); their missing fields were read as empty, so the "
        "contract's missing-value bounds count them. Fix those lines (a missing "
        "delimiter, or a line broken in two) and suggest again."
    ]
    printed = list(
        checks_commands.suggest(
            source, target="y", out=tmp_path / "r2.yaml", id_column=None, time=None,
            encoding=None,
        )
    )  # fmt: skip
    assert printed[1] == f"Warning: {result.warnings[0]}"


def test_a_target_the_data_lacks_is_named_with_the_columns_there(extract, tmp_path):
    with pytest.raises(DataCheckError, match=r"--target names 'outcome'.*client_id"):
        suggestions.suggest_file(extract, target="outcome", out=tmp_path / "x.yaml")


def test_the_cli_writes_the_suite_and_exits_0_or_names_the_problem_and_exits_2(
    extract, tmp_path
):
    def cli(*args):
        return run_cli("checks", "suggest", *args, cwd=tmp_path)

    done = cli(str(extract), "--target", "y")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Wrote data_checks/bank extract.yaml" in done.stdout
    assert (tmp_path / "data_checks" / "bank extract.yaml").exists()

    again = cli(str(extract), "--target", "y")
    assert again.returncode == 2
    assert "a contract is already there" in again.stdout

    missing = cli(str(tmp_path / "absent.csv"), "--target", "y")
    assert missing.returncode == 2
    assert "absent.csv: no such data file or folder" in missing.stdout
