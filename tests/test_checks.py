import dataclasses
import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from playbook.data import contracts as checks
from playbook.errors import DataCheckError, PlaybookError
from playbook.synthetic import churn as synthetic

CHURN_CONTRACT = Path(__file__).resolve().parents[1] / "data_checks" / "churn.yaml"


@pytest.fixture(scope="module")
def churn_suite() -> checks.Suite:
    return checks.load_suite(CHURN_CONTRACT)


@pytest.fixture(scope="module")
def small_churn() -> pd.DataFrame:
    return synthetic.churn(customers=3000, seed=7)


def _outcome(
    report: checks.ContractReport, expectation: str, column: str | None
) -> checks.ExpectationOutcome:
    found = [
        outcome
        for outcome in report.results
        if outcome.expectation == expectation and outcome.column == column
    ]
    assert len(found) == 1, f"expected one {expectation} on {column}, got {found}"
    return found[0]


# --- the churn contract ---------------------------------------------------------------


def test_churn_contract_declares_one_suite_of_expectations(churn_suite):
    assert churn_suite.name == "churn"
    assert churn_suite.path == CHURN_CONTRACT
    assert len(churn_suite.expectations) >= 25
    assert all(spec.type.startswith("expect_") for spec in churn_suite.expectations)


@pytest.mark.parametrize(
    ("customers", "seed"),
    [(20000, 42), (3000, 7)],
    ids=["example-20k-seed42", "fixture-3k-seed7"],
)
def test_churn_contract_passes_on_the_synthetic_example(churn_suite, customers, seed):
    report = checks.validate(
        synthetic.churn(customers=customers, seed=seed), churn_suite
    )

    assert checks.failures_table(report).empty
    assert report.passed
    assert report.failed == 0
    assert report.evaluated == len(churn_suite.expectations)


def test_outcomes_follow_the_order_of_the_contract(churn_suite, small_churn):
    report = checks.validate(small_churn, churn_suite)

    assert [(o.expectation, o.column) for o in report.results] == [
        (spec.type, spec.column) for spec in churn_suite.expectations
    ]


def test_outcomes_describe_expected_and_observed_in_words(churn_suite, small_churn):
    report = checks.validate(small_churn, churn_suite)

    tenure = _outcome(report, "expect_column_values_to_be_between", "tenure_months")
    assert tenure.expected == "between 0 and 600"
    assert tenure.observed == "0 of 3,000 rows are out of range"
    usage = _outcome(report, "expect_column_values_to_not_be_null", "data_usage_gb")
    assert usage.expected == "at most 10% missing"
    assert re.fullmatch(r"\d+ of 3,000 rows \(\d\.\d%\) are missing", usage.observed)
    rows = _outcome(report, "expect_table_row_count_to_be_between", None)
    assert rows.expected == "between 1,000 and 5,000,000 rows"
    assert rows.observed == "3,000 rows"


def test_validate_leaves_the_frame_unchanged(churn_suite, small_churn):
    frame = small_churn.copy()

    checks.validate(frame, churn_suite)

    pd.testing.assert_frame_equal(frame, small_churn)


# --- failures -------------------------------------------------------------------------


def test_nulls_in_customer_id_fail_naming_expectation_column_and_rows(
    churn_suite, small_churn
):
    frame = small_churn.copy()
    frame.loc[[3, 7, 11], "customer_id"] = None

    report = checks.validate(frame, churn_suite)

    assert not report.passed
    assert report.failed == 1
    nulls = _outcome(report, "expect_column_values_to_not_be_null", "customer_id")
    assert not nulls.passed
    assert nulls.expected == "no missing values"
    assert nulls.observed == "3 of 3,000 rows (0.1%) are missing"
    assert nulls.examples == ["row 3", "row 7", "row 11"]


def test_out_of_range_values_fail_with_the_offending_values_as_examples(
    churn_suite, small_churn
):
    frame = small_churn.copy()
    frame.loc[[5, 6, 9], "tenure_months"] = [-3, 9999, 9999]

    report = checks.validate(frame, churn_suite)

    tenure = _outcome(report, "expect_column_values_to_be_between", "tenure_months")
    assert not tenure.passed
    assert tenure.observed == "3 of 3,000 rows (0.1%) are out of range"
    assert tenure.examples == ["-3", "9999"]  # distinct, as written in the data


def test_examples_show_at_most_five_distinct_values(churn_suite, small_churn):
    frame = small_churn.copy()
    frame.loc[0:19, "plan"] = [f"gold-{i % 7}" for i in range(20)]

    report = checks.validate(frame, churn_suite)

    plan = _outcome(report, "expect_column_values_to_be_in_set", "plan")
    assert not plan.passed
    assert plan.expected == "one of basic, standard, premium"
    assert len(plan.examples) == checks.MAX_EXAMPLES
    assert len(set(plan.examples)) == len(plan.examples)


def test_too_many_missing_usage_values_fail_the_mostly_bound(churn_suite, small_churn):
    frame = small_churn.copy()
    frame.loc[: len(frame) // 5, "data_usage_gb"] = float("nan")

    report = checks.validate(frame, churn_suite)

    usage = _outcome(report, "expect_column_values_to_not_be_null", "data_usage_gb")
    assert not usage.passed


def test_a_missing_column_gives_a_failed_outcome_not_an_exception(
    churn_suite, small_churn
):
    frame = small_churn.drop(columns=["region"])

    report = checks.validate(frame, churn_suite)

    assert not report.passed
    columns = _outcome(report, "expect_table_columns_to_match_set", None)
    assert not columns.passed
    assert columns.observed == "missing columns: region"
    assert columns.examples == ["region"]
    for expectation in (
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_in_set",
    ):
        outcome = _outcome(report, expectation, "region")
        assert not outcome.passed
        assert outcome.observed == "column 'region' is absent"
        assert outcome.examples == []
    assert report.failed == 3


def test_failures_table_has_one_row_per_failed_expectation(churn_suite, small_churn):
    frame = small_churn.drop(columns=["region"])
    frame.loc[[3], "customer_id"] = None

    table = checks.failures_table(checks.validate(frame, churn_suite))

    assert list(table.columns) == [
        "expectation",
        "column",
        "expected",
        "observed",
        "examples",
    ]
    assert len(table) == 4
    assert set(table["column"]) == {"(table)", "customer_id", "region"}
    assert "row 3" in table.loc[table["column"] == "customer_id", "examples"].iloc[0]


def test_report_converts_to_json(churn_suite, small_churn):
    frame = small_churn.drop(columns=["region"])
    frame.loc[[3], "customer_id"] = None
    frame.loc[[5], "monthly_charge"] = 1e9

    report = checks.validate(frame, churn_suite)
    text = json.dumps(dataclasses.asdict(report), allow_nan=False)

    loaded = json.loads(text)
    assert loaded["suite"] == "churn"
    assert loaded["failed"] == report.failed == 5
    assert len(loaded["results"]) == report.evaluated


def test_validate_prints_no_progress_bars_or_logs(churn_suite, small_churn, capfd):
    checks.validate(small_churn, churn_suite)

    out, err = capfd.readouterr()
    assert out == ""
    assert err == ""


def test_importing_checks_does_not_import_great_expectations():
    code = (
        "import sys, playbook.data.contracts; "
        "print('great_expectations' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == "False"


# --- malformed contracts --------------------------------------------------------------

_VALID_HEAD = "suite: bad\nexpectations:\n"

MALFORMED = [
    ("missing-file", None, r"no such data contract"),
    ("not-utf8", b"suite: caf\xe9\n", r"not UTF-8 text \(byte 10"),
    (
        "yaml-syntax",
        "suite: bad\nexpectations:\n  - type: [unclosed\n",
        r"not valid YAML at line \d+",
    ),
    ("empty-file", "", r"expected a mapping .* got an empty file"),
    ("not-a-mapping", "- suite: bad\n", r"expected a mapping .* got a list of 1 item"),
    ("missing-suite", "expectations:\n  - type: expect_column_to_exist\n", r"`suite`"),
    ("missing-expectations", "suite: bad\n", r"`expectations` must be a non-empty"),
    ("empty-expectations", "suite: bad\nexpectations: []\n", r"non-empty list"),
    (
        "extra-top-level-key",
        "suite: bad\nowner: me\nexpectations:\n  - type: expect_column_to_exist\n"
        "    column: a\n",
        r"unknown top-level key\(s\) 'owner'",
    ),
    (
        "expectation-not-a-mapping",
        _VALID_HEAD + "  - expect_column_to_exist\n",
        r"expectations\[0\]: expected a mapping",
    ),
    (
        "missing-type",
        _VALID_HEAD
        + "  - type: expect_column_to_exist\n    column: a\n  - column: b\n",
        r"expectations\[1\]: `type` must name",
    ),
    (
        "unknown-type",
        _VALID_HEAD + "  - type: expect_column_values_to_be_not_null\n    column: a\n",
        r"expectations\[0\]: unknown expectation type "
        r"'expect_column_values_to_be_not_null' "
        r"\(did you mean 'expect_column_values_to_be_null' or "
        r"'expect_column_values_to_not_be_null'\?\)",
    ),
    (
        "class-name-as-type",
        _VALID_HEAD + "  - type: ExpectColumnValuesToBeUnique\n    column: a\n",
        r"did you mean 'expect_column_values_to_be_unique'\?",
    ),
    (
        "bad-argument-type",
        _VALID_HEAD + "  - type: expect_column_values_to_be_between\n"
        "    column: a\n    min_value: low\n",
        r"expectations\[0\] \(expect_column_values_to_be_between\): bad arguments: "
        r"min_value: value is not a valid float\. Fix",
    ),
    (
        "missing-argument",
        _VALID_HEAD + "  - type: expect_column_values_to_be_in_set\n    column: a\n",
        r"expectations\[0\] .*value_set: required but missing",
    ),
    (
        "misspelt-argument",
        _VALID_HEAD + "  - type: expect_column_values_to_be_between\n"
        "    column: a\n    min_value: 0\n    maxvalue: 3\n",
        r"maxvalue: not an argument of this expectation \(did you mean 'max_value'\?\)",
    ),
    (
        "mostly-above-one",
        _VALID_HEAD + "  - type: expect_column_values_to_not_be_null\n"
        "    column: a\n    mostly: 2\n",
        r"mostly: ensure this value is less than or equal to 1",
    ),
    (
        "reserved-argument",
        _VALID_HEAD + "  - type: expect_column_to_exist\n    column: a\n"
        "    result_format: COMPLETE\n",
        r"'result_format' is set by playbook",
    ),
]


@pytest.mark.parametrize(
    ("content", "problem"),
    [(content, problem) for _, content, problem in MALFORMED],
    ids=[case_id for case_id, _, _ in MALFORMED],
)
def test_malformed_contract_raises_naming_the_file_and_the_problem(
    tmp_path, content, problem
):
    path = tmp_path / "bad.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")

    with pytest.raises(DataCheckError, match=re.escape(str(path)) + ".*" + problem):
        checks.load_suite(path)


def test_contract_errors_are_playbook_errors_that_stop_the_journey(tmp_path):
    with pytest.raises(PlaybookError) as caught:
        checks.load_suite(tmp_path / "absent.yaml")

    assert caught.value.exit_code == 2


# --- personal data and wording -------------------------------------------------------


def _suite(tmp_path, body: str) -> checks.Suite:
    path = tmp_path / "people.yaml"
    path.write_text("suite: people\nexpectations:\n" + body, encoding="utf-8")
    return checks.load_suite(path)


def test_examples_from_a_personal_data_column_are_masked(tmp_path):
    frame = pd.DataFrame(
        {
            "name": ["Kim Minsu", "Lee Seoyeon", "Park Jiho"],
            "contact": ["kim@example.com", "010-1234-5678", "ok"],
        }
    )
    suite = _suite(
        tmp_path,
        "  - type: expect_column_values_to_be_in_set\n    column: name\n"
        "    value_set: [nobody]\n"
        "  - type: expect_column_values_to_be_in_set\n    column: contact\n"
        "    value_set: [ok]\n",
    )

    report = checks.validate(frame, suite, hidden=["name"])

    names, contacts = report.results
    assert names.examples == ["xxx xxxxx", "xxx xxxxxxx", "xxxx xxxx"]
    assert contacts.examples == ["xxx@xxxxxxx.xxx", "###-####-####"]
    text = json.dumps(dataclasses.asdict(report))
    assert "Kim" not in text and "kim@" not in text and "1234" not in text


def test_failure_reasons_name_the_contract_file_and_the_column(tmp_path):
    suite = _suite(
        tmp_path,
        "  - type: expect_column_values_to_not_be_null\n    column: phone\n",
    )

    report = checks.validate(pd.DataFrame({"name": ["a"]}), suite)

    assert checks.failure_reasons(report) == [
        "people.yaml: expect_column_values_to_not_be_null on phone: expected no "
        "missing values, found column 'phone' is absent"
    ]
    assert report.source == str(tmp_path / "people.yaml")


def test_a_class_missing_from_the_target_is_named(tmp_path):
    suite = _suite(
        tmp_path,
        "  - type: expect_column_distinct_values_to_contain_set\n    column: y\n"
        "    value_set: ['no', 'yes']\n",
    )

    outcome = checks.validate(pd.DataFrame({"y": ["no", "no"]}), suite).results[0]

    assert not outcome.passed
    assert outcome.expected == "every one of no, yes present"
    assert outcome.observed == "lacks yes"


def test_the_classes_missing_from_the_target_are_listed_in_one_order(tmp_path):
    # GX reports them in a set's order, which differs between processes.
    wanted = ["h", "g", "f", "e", "d", "c", "b", "a"]
    suite = _suite(
        tmp_path,
        "  - type: expect_column_distinct_values_to_contain_set\n    column: y\n"
        f"    value_set: {wanted}\n",
    )

    outcome = checks.validate(pd.DataFrame({"y": ["z"]}), suite).results[0]

    assert outcome.observed == "lacks a, b, c, d, e, f, g, h"
