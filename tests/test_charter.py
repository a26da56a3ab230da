import dataclasses
from pathlib import Path

import pytest
import yaml

from playbook import charter
from playbook.charter import loading
from playbook.charter import review as questions
from playbook.errors import CharterError

REPO = Path(__file__).resolve().parents[1]


def test_churn_template_loads_with_every_section(churn_charter):
    assert churn_charter.poc == "churn-retention"
    assert churn_charter.seed == 42
    assert churn_charter.kpi.capacity_per_period == 250
    assert churn_charter.baseline.match == "any"
    assert [c.column for c in churn_charter.baseline.conditions] == [
        "contract",
        "support_calls_90d",
        "late_payments_12m",
    ]
    assert churn_charter.data.path.name == "churn_SYNTHETIC.csv"
    assert churn_charter.data.path.is_absolute()
    assert churn_charter.timeline.months == pytest.approx(3.8, abs=0.1)


def test_drift_and_experiment_read_every_number_of_their_section(churn_charter):
    assert churn_charter.drift == charter.Drift(
        psi_warning=0.10, psi_alert=0.25, ks_alert=0.10
    )
    assert churn_charter.experiment == charter.Experiment(significance=0.05, power=0.8)


def test_an_unchecked_section_missing_a_required_number_says_to_check_it():
    fields = yaml.safe_load((REPO / "templates" / "churn.yaml").read_text("utf-8"))
    del fields["drift"]["psi_alert"]
    with pytest.raises(CharterError, match=r"psi_alert is missing.*playbook check"):
        loading.from_fields(fields, source=REPO / "templates" / "churn.yaml")


def _drop(*path):
    def edit(raw):
        node = raw
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]

    return edit


def _set(value, *path):
    def edit(raw):
        node = raw
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return edit


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (_drop("data", "target"), r"data\.target is missing"),
        (_drop("data"), r"data is missing"),
        (_drop("poc"), r"poc is missing"),
        (_set("five percent", "kpi", "min_lift"), r"kpi\.min_lift: expected a number"),
        (
            _set(-3, "kpi", "contact_cost"),
            r"kpi\.contact_cost: expected a number of at least 0",
        ),
        (_set("soon", "timeline", "end"), r"timeline\.end: expected a date"),
        (
            _set("2025-01-01", "timeline", "end"),
            r"timeline\.end: expected a date after start",
        ),
        (
            _set("like", "baseline", "rule", "conditions", 0, "op"),
            r"conditions\[0\]\.op",
        ),
        (_set(2, "version"), r"version 2 is newer"),
        (_set("Churn POC!", "poc"), r"poc must be a short id"),
    ],
    ids=[
        "missing target",
        "missing data section",
        "missing poc id",
        "min_lift in words",
        "negative cost",
        "date in words",
        "end before start",
        "unknown rule operator",
        "future version",
        "unsafe poc id",
    ],
)
def test_load_names_the_field_and_the_file_for_bad_charters(
    write_charter, edit, message
):
    path = write_charter(edit)
    with pytest.raises(CharterError, match=message) as raised:
        charter.load(path)
    assert str(path) in str(raised.value)


def test_load_refuses_yaml_tags_that_build_python_objects(write_charter):
    path = write_charter(
        text="version: 1\npoc: !!python/object/apply:os.system ['echo hi']\n"
    )
    with pytest.raises(CharterError, match="not valid YAML"):
        charter.load(path)


def test_load_reports_line_and_column_of_a_yaml_syntax_error(write_charter):
    path = write_charter(text="version: 1\npoc: [unclosed\n")
    with pytest.raises(CharterError, match=r"line \d+, column \d+"):
        charter.load(path)


def test_load_reports_a_non_utf8_file(tmp_path):
    path = tmp_path / "charter.yaml"
    path.write_bytes("poc: 이탈".encode("euc-kr"))
    with pytest.raises(CharterError, match="not UTF-8"):
        charter.load(path)


def test_load_reports_an_empty_file(write_charter):
    with pytest.raises(CharterError, match="empty file"):
        charter.load(write_charter(text=""))


def test_load_reports_a_missing_file(tmp_path):
    with pytest.raises(CharterError, match="no such charter file"):
        charter.load(tmp_path / "nowhere.yaml")


def test_optional_sections_may_be_absent_and_need_names_them(write_charter):
    poc = charter.load(write_charter(_drop("baseline")))
    assert poc.baseline is None
    with pytest.raises(CharterError, match="'baseline' is missing"):
        poc.need("baseline")


def test_text_values_reach_the_charter_unchanged(write_charter):
    tricky = 'He said "call {them}" \\ now\nand then'
    poc = charter.load(write_charter(_set(tricky, "business", "question")))
    assert poc.business.question == tricky.strip()


def test_review_warns_when_the_minimum_lift_cannot_repay_the_budget(write_charter):
    poc = charter.load(write_charter(_set(100_000_000, "budget", "amount")))
    review = questions.review(poc)
    assert review.passed
    assert any("years to repay" in warning for warning in review.warnings)
    assert any("the model earns" in warning for warning in review.warnings)


def test_review_says_a_forecast_saves_what_it_cannot_repay():
    poc = charter.load(REPO / "templates" / "demand_forecast.yaml")
    poc = dataclasses.replace(
        poc, budget=dataclasses.replace(poc.budget, amount=10**12)
    )
    warnings = questions.review(poc).warnings
    repay = [warning for warning in warnings if "years to repay" in warning]
    assert repay and "the model saves" in repay[0]
    assert "earns" not in repay[0]


def test_review_blocks_a_charter_without_baseline_or_minimum_lift(write_charter):
    def strip(raw):
        del raw["baseline"]
        del raw["kpi"]["min_lift"]

    review = questions.review(charter.load(write_charter(strip)))
    assert not review.passed
    assert len(review.blockers) == 2
    assert any("baseline" in blocker for blocker in review.blockers)
    assert any("kpi.min_lift" in blocker for blocker in review.blockers)
