"""Real data nobody tuned for, made hostile: each variant and what playbook says.

The data is 720 real calls of UCI Bank Marketing, July 2009 to March 2010
(`tests/fixtures/README.md`), rewritten into the shapes real extracts come in: dates as
`MM/YYYY` or as month names, a rule value in the wrong case, a third label, the latest
month without labels, an empty time column, infinities. Each test calls the check or
gate that decides, as stage 3 (`strategy_stage.build`) and stages 4 to 7
(`data.read`, `holdout.split`) call it.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from playbook import charter, data
from playbook.charter import check as charter_check
from playbook.cli.app import app
from playbook.core import journey
from playbook.data import charter_fit, labels, strategy_stage, time_column
from playbook.data.strategy_stage import DataStrategyEvidence
from playbook.errors import DataError
from playbook.report import poc_charts
from playbook.run import runner
from playbook.tasks import holdout, models
from playbook.tasks.poc_stage import PocEvidence

FIXTURES = Path(__file__).resolve().parent / "fixtures"
BANK = pd.read_csv(FIXTURES / "bank_marketing_months.csv")
MONTHS = sorted(BANK["call_month"].unique())  # 2009-07 ... 2010-03
CONTRACT = """suite: bank_months
expectations:
  - type: expect_column_to_exist
    column: "y"
"""


@pytest.fixture
def bank(tmp_path):
    """Write the bank charter, its data and a small contract; return the charter."""

    def make(frame: pd.DataFrame | None = None, edit=None, *, text: str = ""):
        raw = yaml.safe_load((FIXTURES / "bank_months_charter.yaml").read_text())
        if edit:
            edit(raw)
        path = tmp_path / "charter.yaml"
        path.write_text(text or yaml.safe_dump(raw, sort_keys=False))
        (tmp_path / "bank_months.checks.yaml").write_text(CONTRACT)
        (BANK if frame is None else frame).to_csv(
            tmp_path / "bank_marketing_months.csv", index=False
        )
        return charter.load(path)

    return make


def as_mm_yyyy(frame: pd.DataFrame) -> pd.DataFrame:
    month = frame["call_month"]
    return frame.assign(call_month=month.str[5:7] + "/" + month.str[:4])


def as_month_names(frame: pd.DataFrame) -> pd.DataFrame:
    names = pd.to_datetime(frame["call_month"]).dt.strftime("%b").str.lower()
    return frame.assign(call_month=names)


def stage_3(poc, *, path=None):
    return strategy_stage.build(
        poc, path=path, seed=1, excluded_columns=models.excluded_columns
    )


def gate(call) -> str:
    """The message of the gate `call` stops at (a DataError, exit 2)."""
    with pytest.raises(DataError) as raised:
        call()
    assert raised.value.exit_code == 2
    return str(raised.value)


# --- the time column -----------------------------------------------------------------


def test_mm_yyyy_across_a_year_boundary_is_held_out_by_time_not_by_text(bank):
    poc = bank(as_mm_yyyy(BANK))

    split = holdout.split(data.read(poc), poc=poc, seed=1)

    assert split.train_periods == MONTHS[:-3]
    assert split.test_periods == ["2010-01", "2010-02", "2010-03"]
    assert split.description.startswith("trained on 2009-07 to 2009-12, tested on")


def test_the_split_chart_draws_mm_yyyy_months_in_time_order(bank):
    poc = bank(as_mm_yyyy(BANK))
    frame = data.read(poc)

    figure = poc_charts.holdout(frame, holdout.split(frame, poc=poc, seed=1), poc=poc)

    drawn = [list(bar.x) for bar in figure.data]
    assert drawn and all(months == sorted(months) for months in drawn)
    assert drawn[-1][-3:] == ["2010-01", "2010-02", "2010-03"]


LAYOUTS = {
    "iso-month": lambda f: f,
    "iso-date": lambda f: f.assign(call_month=f["call_month"] + "-01"),
    "mm/yyyy": as_mm_yyyy,
    "yyyymm": lambda f: f.assign(call_month=f["call_month"].str.replace("-", "")),
    "yyyymm-number": lambda f: f.assign(
        call_month=f["call_month"].str.replace("-", "").astype(int)
    ),
    "month-and-year": lambda f: f.assign(
        call_month=pd.to_datetime(f["call_month"]).dt.strftime("%b %Y")
    ),
}


@pytest.mark.parametrize("layout", list(LAYOUTS), ids=list(LAYOUTS))
def test_stages_3_and_4_order_the_same_periods_the_same_way(bank, layout):
    def declare(raw):
        if layout == "month-and-year":
            raw["data"]["time_format"] = "%b %Y"

    poc = bank(LAYOUTS[layout](BANK), declare)
    frame = data.read(poc)

    stage_3_periods = data.rows_per_period(frame, poc=poc)["period"].tolist()
    split = holdout.split(frame, poc=poc, seed=1)
    stage_4_periods = split.train_periods + split.test_periods

    assert [p[:7] for p in stage_4_periods] == stage_3_periods == MONTHS


def test_month_names_without_a_year_stop_stages_3_and_4_naming_column_and_fix(bank):
    poc = bank(as_month_names(BANK))

    for call in (lambda: stage_3(poc), lambda: data.read(poc)):
        message = gate(call)
        assert "the time column 'call_month' holds month names without a year" in (
            message
        )
        assert "'jul'" in message
        assert "Add the year to the extract" in message


def test_check_stops_on_month_names_when_the_data_is_there(bank, tmp_path):
    bank(as_month_names(BANK))

    result = CliRunner().invoke(app, ["check", str(tmp_path / "charter.yaml")])

    assert result.exit_code == 2, result.output
    assert "month names without a year" in " ".join(result.output.split())
    report = charter_check.check(
        tmp_path / "charter.yaml", shown="charter.yaml", data_fit=charter_fit.problems
    )
    assert [p.path for p in report.blockers] == ["data.time"]
    text = (tmp_path / "charter.yaml").read_text().splitlines()
    assert "call_month" in text[report.blockers[0].line - 1]


def test_an_all_empty_time_column_is_a_gate_not_a_crash(bank):
    poc = bank(BANK.assign(call_month=np.nan))

    message = gate(lambda: stage_3(poc))

    assert "the time column 'call_month' is empty in all 720 rows" in message
    assert "leave data.time out" in message


# --- the charter against the data -------------------------------------------------


def _success_capitalised(raw):
    raw["baseline"]["rule"]["conditions"][0]["value"] = "Success"


def test_a_rule_value_in_the_wrong_case_is_a_blocker_with_did_you_mean(bank):
    poc = bank(edit=_success_capitalised)

    message = gate(lambda: data.read(poc))
    blockers = [f for f in charter_fit.findings(BANK, poc=poc) if f.blocks]

    assert [f.path for f in blockers] == ["baseline.rule.conditions[0].value"]
    assert "'Success' never occurs in column 'poutcome'" in blockers[0].message
    assert "Did you mean 'success'?" in blockers[0].hint
    assert "Did you mean 'success'?" in message


def test_check_names_the_wrong_case_on_its_line_when_the_data_is_there(bank, tmp_path):
    bank(edit=_success_capitalised)

    result = CliRunner().invoke(app, ["check", str(tmp_path / "charter.yaml")])

    assert result.exit_code == 2, result.output
    assert "Did you mean 'success'?" in " ".join(result.output.split())
    report = charter_check.check(
        tmp_path / "charter.yaml", shown="charter.yaml", data_fit=charter_fit.problems
    )
    text = (tmp_path / "charter.yaml").read_text().splitlines()
    assert "Success" in text[report.blockers[0].line - 1]


def test_a_rule_that_selects_nobody_in_a_test_period_is_a_blocker(bank):
    def students_only(raw):
        raw["baseline"]["rule"]["conditions"] = [
            {"column": "job", "op": "==", "value": "student"}
        ]

    frame = BANK.copy()
    frame.loc[
        (frame["call_month"] == "2010-02") & (frame["job"] == "student"), "job"
    ] = "unknown"
    poc = bank(frame, students_only)

    message = gate(lambda: data.read(poc))

    assert "the rule selects nobody in 1 of the 3 test period(s) (2010-02)" in message
    assert "today's baseline there would be zero" in message


def test_an_existing_score_empty_in_a_test_period_is_a_blocker(bank):
    def score_today(raw):
        raw["baseline"]["today"] = "score"
        raw["baseline"]["score_column"] = "propensity"

    frame = BANK.assign(propensity=np.linspace(0, 1, len(BANK)))
    frame.loc[frame["call_month"] == "2010-03", "propensity"] = np.nan
    poc = bank(frame, score_today)

    message = gate(lambda: data.read(poc))

    assert "the score 'propensity' selects nobody in 1 of the 3 test" in message


@pytest.mark.parametrize("written", ["yes", "Yes", "on"])
def test_an_unquoted_yes_read_as_true_is_named_with_the_fix(bank, written):
    text = (FIXTURES / "bank_months_charter.yaml").read_text()
    poc = bank(text=text.replace('positive_label: "yes"', f"positive_label: {written}"))

    message = gate(lambda: data.read(poc))

    assert poc.data.positive_label is True
    assert "data.positive_label was read as true" in message
    assert "Quote the label: positive_label: 'yes'" in message


# --- labels ----------------------------------------------------------------------


def test_a_third_label_stops_a_top_k_kpi_naming_the_values(bank):
    frame = BANK.copy()
    frame.loc[frame.index[::9], "y"] = "maybe"
    poc = bank(frame)

    message = gate(lambda: data.read(poc))

    assert "the target 'y' holds 3 values ('no', 'yes', 'maybe')" in message
    assert "kpi.kind: routing" in message and "map them to two" in message


def test_a_continuous_target_for_a_top_k_kpi_says_so(bank):
    poc = bank(
        BANK.assign(y=BANK["balance"]), lambda raw: raw["data"].update(positive_label=1)
    )

    message = gate(lambda: data.read(poc))

    assert "holds 581 different numbers" in message
    assert "a quantity" in message and "kpi.kind: forecast" in message


def _latest_month_unlabelled(frame):
    frame = frame.copy()
    frame.loc[frame["call_month"] == MONTHS[-1], "y"] = np.nan
    return frame


def test_the_latest_month_unlabelled_is_left_out_of_training_and_the_kpi(bank):
    poc = bank(_latest_month_unlabelled(BANK))

    frame = data.read(poc)
    split = holdout.split(frame, poc=poc, seed=1)

    assert len(frame) == 640 and frame["y"].notna().all()
    assert split.test_periods == ["2009-12", "2010-01", "2010-02"]
    everything = pd.read_csv(poc.data.path)
    found = labels.unlabelled(
        everything, poc=poc, periods=time_column.parse(everything, poc=poc).labels
    )
    assert found == labels.UnlabelledRows(
        target="y", rows=80, total=720, allowed_share=0.2, periods=["2010-03"]
    )
    assert labels.sentence(found) == (
        "80 of 720 rows (11.1%) have no label in 'y'; no row of 2010-03 has one: "
        "they are left out of training and of the KPI."
    )


def test_more_unlabelled_rows_than_the_charter_accepts_are_a_blocker(bank):
    frame = BANK.copy()
    frame.loc[frame["call_month"] >= "2010-01", "y"] = ""

    message = gate(lambda: data.read(bank(frame)))
    accepted = bank(frame, lambda raw: raw["data"].update(max_unlabelled_share=0.4))

    assert "240 of 720 rows (33.3%) have no label in 'y'" in message
    assert "more than the 20% the charter accepts" in message
    assert len(data.read(accepted)) == 480


# --- values no model can use, and where they were read --------------------------------


def test_infinities_in_a_number_column_are_a_gate_naming_the_column(bank):
    frame = BANK.assign(balance=BANK["balance"].astype(float))
    frame.loc[[3, 9, 27], "balance"] = [np.inf, -np.inf, np.inf]
    poc = bank(frame)

    for call in (lambda: stage_3(poc), lambda: data.read(poc)):
        message = gate(call)
        assert "'balance' (3 rows)" in message and "infinite values" in message
    excluded = bank(frame, lambda raw: raw["data"].update(exclude=["balance"]))
    assert len(data.read(excluded)) == 720


def test_gate_messages_name_the_file_read_not_the_charters_data_path(bank, tmp_path):
    poc = bank()
    other = tmp_path / "extract_from_crm.csv"
    repeated = BANK.copy()
    repeated.loc[5, "call_id"] = repeated.loc[4, "call_id"]
    repeated.loc[5, "call_month"] = repeated.loc[4, "call_month"]
    repeated.to_csv(other, index=False)

    message = gate(lambda: stage_3(poc, path=other))

    assert message.startswith(f"{other}: 2 rows share a value of the id column")
    assert str(poc.data.path) not in message


# --- a journey: stages 3 and 4 on MM/YYYY with the latest month unlabelled -----------


@pytest.mark.journey
def test_stages_3_and_4_hold_out_the_latest_labelled_months_of_mm_yyyy(bank, tmp_path):
    bank(as_mm_yyyy(_latest_month_unlabelled(BANK)))

    result = runner.run_journey(
        tmp_path / "charter.yaml",
        runs_dir=tmp_path / "runs",
        stages=[3, 4],
        tuning_seconds=2,
    )

    assert result.exit_code == 0, result.manifest
    stage_3 = journey.load(result.run_dir, strategy_stage.STAGE, DataStrategyEvidence)
    stage_4 = journey.load(result.run_dir, "04_poc", PocEvidence)
    assert stage_3 is not None and stage_4 is not None
    found, poc = stage_3.evidence, stage_4.evidence
    assert poc.split == (
        "trained on 2009-07 to 2009-11, tested on the latest 3 period(s), "
        "2009-12 to 2010-02"
    )
    assert stage_3.summary.startswith("720 rows (80 without a label, left out")
    assert "80 of 720 rows (11.1%) have no label in 'y'" in " ".join(stage_3.reasons)
    assert found.time_layout == "MM/YYYY"
    assert found.unlabelled is not None and found.unlabelled.periods == ["2010-03"]
