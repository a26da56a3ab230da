"""The charter against the data, and the data contract's gate, in Korean.

With `report.language: ko` (or `check --lang ko`) the findings a person reads about the
data are Korean sentences: a rule value the column lacks (with "did you mean"), a rule
that selects nobody, the YAML-boolean trap, a positive label the target lacks, too many
unlabelled rows, a target with more than two values or a quantity, and the reasons the
data contract stops stage 3. Values of the data, fields and GX names stay as written.
"""

import numpy as np
import pandas as pd
import pytest

from playbook import data
from playbook.charter import check as charter_check
from playbook.data import charter_fit, contracts, labels
from playbook.data.contract_outcomes import ExpectationOutcome
from playbook.errors import DataError
from tests.korean_text import HANGUL, english_lines

# The bank charter, its data and contract, as tests/test_real_data.py writes them.
from tests.test_real_data import BANK, FIXTURES, bank  # noqa: F401

# The values of the rule's column, as the findings list them.
VALUES = "'unknown', 'success', 'failure', 'other'"


@pytest.fixture
def korean_bank(bank):  # noqa: F811 (the fixture imported above)
    """The bank charter of tests/test_real_data.py with `report.language: ko`."""

    def make(frame: pd.DataFrame | None = None, edit=None, *, text: str = ""):
        def in_korean(raw):
            raw["report"] = {**(raw.get("report") or {}), "language": "ko"}
            if edit:
                edit(raw)

        return bank(frame, in_korean, text=text)

    return make


def korean_gate(poc, *, values: tuple[str, ...] = ()) -> str:
    """The gate's message when stages 4 to 7 read the data: Korean, exit 2."""
    with pytest.raises(DataError) as raised:
        data.read(poc)
    assert raised.value.exit_code == 2
    message = str(raised.value)
    assert HANGUL.search(message)
    assert english_lines(message, identifiers=values) == [], message
    return message


def test_a_rule_value_in_the_wrong_case_is_korean_with_did_you_mean(
    korean_bank, tmp_path
):
    def capitalised(raw):
        raw["baseline"]["rule"]["conditions"][0]["value"] = "Success"

    poc = korean_bank(edit=capitalised)

    message = korean_gate(poc, values=(VALUES,))
    report = charter_check.check(
        tmp_path / "charter.yaml",
        shown="charter.yaml",
        data_fit=charter_fit.problems,
        language="ko",
    )

    assert "'poutcome' 열에는 'Success' 값이 한 번도 나오지 않습니다" in message
    assert "아무도 선택하지 않습니다" in message
    assert "혹시 'success'입니까? 값은 데이터에 적힌 그대로 쓰십시오." in message
    assert "차터가 데이터와 맞지 않습니다(차단 항목 1건)" in message
    blocker = report.blockers[0]
    assert blocker.path == "baseline.rule.conditions[0].value"
    assert blocker.hint.startswith("혹시 'success'입니까?")
    text = f"{blocker.message} {blocker.hint}"
    assert english_lines(text, identifiers=(VALUES,)) == []


def test_check_in_english_keeps_its_english_finding_for_a_korean_charter(
    korean_bank, tmp_path
):
    korean_bank(
        edit=lambda raw: raw["baseline"]["rule"]["conditions"][0].update(value="x")
    )

    report = charter_check.check(
        tmp_path / "charter.yaml",
        shown="c.yaml",
        data_fit=charter_fit.problems,
        language="en",
    )

    assert "'x' never occurs in column 'poutcome'" in report.blockers[0].message


def test_a_rule_that_selects_nobody_in_a_test_period_is_korean(korean_bank):
    retired = {"column": "job", "op": "==", "value": "retired"}
    january = BANK["call_month"] == "2010-01"
    frame = BANK.assign(job=BANK["job"].where(~january, "unknown"))

    def retired_only(raw):
        raw["baseline"]["rule"]["conditions"] = [retired]

    message = korean_gate(korean_bank(frame, retired_only))

    assert (
        "현행 규칙은 테스트 기간 3개 중 1개(2010-01)에서 아무도 선택하지 않습니다. "
        "그 기간의 현행 기준선이 0이 되어 어떤 모델이든 실제보다 좋아 보입니다"
    ) in message
    assert "각 값을 데이터와 대조하십시오" in message


def test_a_score_empty_in_a_test_period_is_korean(korean_bank):
    def score_beside_the_rule(raw):
        raw["baseline"]["score_column"] = "propensity"

    frame = BANK.assign(propensity=np.linspace(0, 1, len(BANK)))
    frame.loc[frame["call_month"] == "2010-03", "propensity"] = np.nan

    found = charter_fit.findings(frame, poc=korean_bank(frame, score_beside_the_rule))

    assert [f.message for f in found] == [
        "'propensity' 점수는 테스트 기간 3개 중 1개(2010-03)에서 아무도 선택하지 "
        "않습니다. 그 기간에는 이 기준선이 0이 됩니다"
    ]
    assert not found[0].blocks


@pytest.mark.parametrize("written", ["yes", "on"])
def test_an_unquoted_yes_read_as_true_is_named_in_korean(korean_bank, written):
    text = (FIXTURES / "bank_months_charter.yaml").read_text()
    text = text.replace('positive_label: "yes"', f"positive_label: {written}")

    message = korean_gate(korean_bank(text=text + "report:\n  language: ko\n"))

    assert "data.positive_label이 true 값으로 읽혔습니다" in message
    assert "레이블을 따옴표로 감싸십시오: positive_label: 'yes'." in message


def test_a_positive_label_the_target_lacks_is_korean(korean_bank):
    poc = korean_bank(edit=lambda raw: raw["data"].update(positive_label="Yes"))

    message = korean_gate(poc)

    assert "data.positive_label 'Yes': 타깃 'y'에 없는 값입니다" in message
    assert "혹시 'yes'입니까? positive_label에는 POC가 찾는" in message
    assert "(으)" not in message and "(를)" not in message


def test_a_number_written_for_a_text_label_is_korean(korean_bank):
    frame = BANK.assign(y=BANK["y"].map({"yes": "1", "no": "0"}))
    found = labels.findings(
        frame.astype({"y": str}),
        poc=korean_bank(frame, lambda raw: raw["data"].update(positive_label=1)),
        language="ko",
    )

    assert found[0].hint == (
        "타깃에는 이 값이 문자로 들어 있습니다. 따옴표로 감싸십시오: "
        "positive_label: '1'."
    )


def test_a_third_label_and_a_quantity_are_korean(korean_bank):
    frame = BANK.copy()
    frame.loc[frame.index[::9], "y"] = "maybe"

    third = korean_gate(korean_bank(frame), values=("'no', 'yes', 'maybe'",))
    quantity = korean_gate(
        korean_bank(
            BANK.assign(y=BANK["balance"]),
            lambda raw: raw["data"].update(positive_label=1),
        )
    )

    assert "타깃 'y'에는 값이 3가지 있습니다('no', 'yes', 'maybe')" in third
    assert "kpi.kind: routing으로 설정하십시오" in third
    assert "타깃 'y'에는 서로 다른 숫자가 581개 있습니다" in quantity
    assert "kpi.kind: forecast로 설정하십시오" in quantity


def test_too_many_unlabelled_rows_are_korean_and_so_is_their_sentence(korean_bank):
    frame = BANK.copy()
    frame.loc[frame["call_month"] >= "2010-01", "y"] = ""

    message = korean_gate(korean_bank(frame))
    found = labels.UnlabelledRows("y", 80, 720, 0.2, periods=["2010-03"])

    assert "720행 중 240행(33.3%)은 'y'에 레이블이 없습니다" in message
    assert "차터가 허용하는 20%보다 많습니다" in message
    assert labels.sentence(found, language="ko") == (
        "720행 중 80행(11.1%)은 'y'에 레이블이 없고, 2010-03에는 레이블이 있는 행이 "
        "하나도 없습니다. 이 행들은 학습과 KPI에서 제외합니다."
    )
    assert labels.sentence(found) == (
        "80 of 720 rows (11.1%) have no label in 'y'; no row of 2010-03 has one: "
        "they are left out of training and of the KPI."
    )
    assert labels.sentence(labels.UnlabelledRows("y", 0, 720, 0.2), language="ko") == (
        "모든 행의 'y'에 레이블이 있습니다."
    )


def _failed(examples: list[str], column: str | None) -> contracts.ContractReport:
    outcome = ExpectationOutcome(
        expectation="expect_column_values_to_not_be_null",
        column=column,
        passed=False,
        expected="no missing values",
        observed="3 of 10 rows (30.0%) are missing",
        examples=examples,
    )
    return contracts.ContractReport(
        suite="people",
        passed=False,
        evaluated=1,
        failed=1,
        results=[outcome],
        source="dc/people.yaml",
    )


@pytest.mark.parametrize(
    ("examples", "column", "korean", "english"),
    [
        (
            ["row 3"],
            "phone",
            "people.yaml: phone에 대한 expect_column_values_to_not_be_null 검사를 "
            "통과하지 못했습니다. 기대: no missing values, 실제: 3 of 10 rows (30.0%) "
            "are missing (예: row 3)",
            "people.yaml: expect_column_values_to_not_be_null on phone: expected no "
            "missing values, found 3 of 10 rows (30.0%) are missing (e.g. row 3)",
        ),
        (
            [],
            None,
            "people.yaml: 표 전체에 대한 expect_column_values_to_not_be_null 검사를 "
            "통과하지 못했습니다. 기대: no missing values, 실제: 3 of 10 rows (30.0%) "
            "are missing",
            "people.yaml: expect_column_values_to_not_be_null on the table: expected "
            "no missing values, found 3 of 10 rows (30.0%) are missing",
        ),
    ],
)
def test_the_contract_gates_reasons_are_korean_around_the_gx_name(
    examples, column, korean, english
):
    report = _failed(examples, column)

    assert contracts.failure_reasons(report, language="ko") == [korean]
    assert contracts.failure_reasons(report) == [english]
