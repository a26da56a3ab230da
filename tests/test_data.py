"""Checking and describing the data: ids, time, labels, periods and the profile."""

import pandas as pd
import pytest

from playbook import charter, data
from playbook.errors import DataError
from playbook.synthetic import churn as synthetic


@pytest.fixture(scope="module")
def churn() -> pd.DataFrame:
    return synthetic.churn(customers=1500, seed=11)


@pytest.fixture
def make_charter(write_charter):
    def make(**fields):
        def edit(raw):
            raw["data"].update(fields)

        return charter.load(write_charter(edit))

    return make


def test_duplicate_ids_stop_the_journey_naming_the_column_and_examples(
    churn, churn_charter
):
    frame = churn.copy()
    frame.loc[[10, 11], "customer_id"] = frame.loc[3, "customer_id"]
    frame.loc[[10, 11], "snapshot_month"] = frame.loc[3, "snapshot_month"]

    with pytest.raises(DataError) as caught:
        data.require_unique_ids(frame, poc=churn_charter)

    message = str(caught.value)
    assert "3 rows share a value of the id column 'customer_id'" in message
    assert "within the same snapshot_month" in message
    assert repr(frame.loc[3, "customer_id"]) in message
    assert caught.value.exit_code == 2


def test_the_same_id_in_two_periods_is_two_cases(churn, churn_charter):
    frame = churn.copy()
    other = frame.index[frame["snapshot_month"] != frame.loc[3, "snapshot_month"]][0]
    frame.loc[other, "customer_id"] = frame.loc[3, "customer_id"]

    sentence = data.require_unique_ids(frame, poc=churn_charter)

    assert sentence.startswith("Every row has its own customer_id within the same")


def test_duplicate_ids_holding_personal_data_are_masked(make_charter):
    frame = pd.DataFrame(
        {
            "email": ["kim@example.com", "kim@example.com", "lee@example.com"],
            "churned": [0, 1, 0],
        }
    )
    poc = make_charter(id="email", time=None)

    with pytest.raises(DataError) as caught:
        data.require_unique_ids(frame, poc=poc, hidden=["email"])

    assert "kim@example.com" not in str(caught.value)
    assert "xxx@xxxxxxx.xxx" in str(caught.value)


def test_missing_ids_are_left_to_the_contract(churn, churn_charter):
    frame = churn.copy()
    frame.loc[[1, 2, 3], "customer_id"] = None

    assert "one per case" in data.require_unique_ids(frame, poc=churn_charter)


def test_a_time_column_that_does_not_parse_names_the_values(churn, churn_charter):
    frame = churn.copy()
    frame.loc[[5, 6], "snapshot_month"] = ["2025-13-45", "soon"]

    with pytest.raises(DataError) as caught:
        data.parse_time(frame, poc=churn_charter)

    message = str(caught.value)
    assert (
        "2 of 1,500 values of the time column 'snapshot_month' are not dates" in message
    )
    assert "'2025-13-45'" in message and "'soon'" in message
    assert caught.value.exit_code == 2


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ([1] * 20, r"the target 'churned' holds a single value"),
        ([None] * 20, r"the target 'churned' holds no values \(20 of 20 rows missing"),
    ],
    ids=["one-class", "all-missing"],
)
def test_a_target_without_two_outcomes_stops_the_journey(
    churn_charter, labels, message
):
    frame = pd.DataFrame({"churned": labels})

    with pytest.raises(DataError, match=message) as caught:
        data.label_balance(frame, poc=churn_charter)

    assert caught.value.exit_code == 2


def test_a_positive_label_the_target_lacks_is_named_with_a_yaml_hint(make_charter):
    poc = make_charter(target="y", positive_label=True)
    frame = pd.DataFrame({"y": ["no", "yes", "no"]})

    with pytest.raises(DataError, match=r"positive_label True is not a value.*'yes'"):
        data.label_balance(frame, poc=poc)


def test_a_quantity_target_is_described_by_its_spread(make_charter):
    poc = make_charter(target="cnt")
    frame = pd.DataFrame({"cnt": range(1, 101)})

    table = data.label_balance(frame, poc=poc)

    assert dict(zip(table["statistic"], table["value"], strict=True)) == {
        "rows with a value": 100,
        "missing": 0,
        "minimum": 1,
        "median": 50.5,
        "mean": 50.5,
        "maximum": 100,
    }


def test_rows_per_period_shows_empty_periods_and_gaps_are_named(churn, churn_charter):
    frame = churn[~churn["snapshot_month"].isin(["2025-04-01", "2025-05-01"])]

    periods = data.rows_per_period(frame, poc=churn_charter)

    assert periods.loc[periods["period"] == "2025-04", "rows"].item() == 0
    assert data.period_gaps(periods) == ["2025-04 to 2025-05 (2 periods)"]


def test_rows_per_period_of_a_quantity_gives_its_mean(make_charter):
    poc = make_charter(target="cnt", time="day", id=None)
    frame = pd.DataFrame(
        {"day": ["2024-01-05", "2024-01-20", "2024-03-02"] * 10, "cnt": range(30)}
    )

    periods = data.rows_per_period(frame, poc=poc)

    assert periods["period"].tolist() == ["2024-01", "2024-02", "2024-03"]
    assert "mean" in periods and "positive_share" not in periods
    assert data.period_gaps(periods) == ["2024-02"]


def test_require_columns_names_every_charter_field_the_data_lacks(churn, make_charter):
    poc = make_charter(exclude=["duration"], pii=["name"])

    with pytest.raises(DataError) as caught:
        data.require_columns(churn, poc=poc)

    message = str(caught.value)
    assert "data.pii[0] names 'name'" in message
    assert "data.exclude[0] names 'duration'" in message


def test_profile_gives_type_missing_distinct_and_distribution(churn):
    frame = churn.assign(email=[f"u{i}@example.com" for i in range(len(churn))])

    profile = data.profile(frame, hidden=["email"]).set_index("column")

    assert profile.loc["tenure_months", "type"] == "whole number"
    assert profile.loc["snapshot_month", "type"] == "date"
    assert profile.loc["snapshot_month", "distribution"] == "2025-01-01 to 2025-12-01"
    assert profile.loc["churned", "type"] == "yes/no"
    assert profile.loc["data_usage_gb", "missing"].endswith("%")
    assert "median" in profile.loc["monthly_charge", "distribution"]
    assert profile.loc["plan", "distribution"].startswith("basic")
    assert profile.loc["email", "distribution"] == "personal data: values hidden"
    korean = data.profile(frame, hidden=["email"], language="ko").set_index("column")
    assert korean.loc["tenure_months", "type"] == "정수"
    assert korean.loc["snapshot_month", "distribution"] == (
        "2025년 1월 1일 ~ 2025년 12월 1일"
    )
    assert korean.loc["churned", "type"] == "예/아니요"
    assert "중앙값" in korean.loc["monthly_charge", "distribution"]
    assert korean.loc["email", "distribution"] == "개인정보: 값 숨김"
    assert korean.loc["customer_id", "distribution"].startswith("서로 다른 값 ")
    assert korean["missing"].tolist() == profile["missing"].tolist()
    assert "example.com" not in profile.to_string()


def test_access_note_explains_the_charters_access_mode(make_charter):
    assert "snapshot" in data.access_note(make_charter(access="sandbox_copy"))
    assert "live tables" in data.access_note(make_charter(access="platform_read"))
    assert "not stated" in data.access_note(make_charter(access=None))


def test_period_chart_of_a_quantity_shows_its_mean_and_marks_gaps():
    from playbook.report import charts

    periods = pd.DataFrame(
        {"period": ["2024-01", "2024-02", "2024-03"], "rows": [10, 0, 12]}
    ).assign(mean=[150.0, 0.0, 180.0])

    figure = charts.rows_per_period(periods, target="cnt")

    title = figure.layout.title.text
    assert "cnt mean 150 to 180" in title
    assert "1 period(s) missing: 2024-02" in title
    assert [trace.name for trace in figure.data] == ["rows", "mean cnt", "no rows"]


def test_leak_chart_title_names_the_columns_kept_out(write_charter):
    from playbook.data import leakage
    from playbook.report import charts

    frame = pd.DataFrame(
        {"hour": list(range(24)) * 50, "a": range(1200), "b": range(1200)}
    ).assign(cnt=lambda f: f["a"] * 2 + 5)
    frame["b"] = frame["cnt"] - frame["a"]

    def edit(raw):
        raw["data"] = {"path": "x.csv", "checks": "x.yaml", "target": "cnt"}

    report = leakage.scan(frame, poc=charter.load(write_charter(edit)))

    title = charts.leak_signals(report).layout.title.text
    assert title.startswith("2 column(s) leak cnt and stay out of the model: a, b")
