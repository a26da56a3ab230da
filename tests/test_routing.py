import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from sklearn.linear_model import LogisticRegression
from sklearn.utils.estimator_checks import parametrize_with_checks

from playbook import charter
from playbook.charter import Route, review
from playbook.data import contracts
from playbook.errors import CharterError, DataError
from playbook.synthetic.tickets import QUEUES, tickets
from playbook.synthetic.timeline import Batch
from playbook.tasks import holdout, routing, tuning
from playbook.tasks.comparison import CANDIDATE, SCORE_COLUMNS, TODAY

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = REPO / "templates" / "ticket_routing.yaml"
# Enough for every candidate setting on the small data below, on a slow machine.
ALL_SETTINGS = tuning.Budget(seconds=600.0)
# Spent before it starts: each candidate's first setting only.
SPENT = tuning.Budget(seconds=0.0)


def write(tmp_path: Path, edit=None) -> charter.Charter:
    raw = yaml.safe_load(TEMPLATE.read_text())
    if edit:
        edit(raw)
    path = tmp_path / "charter.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return charter.load(path)


@pytest.fixture(scope="module")
def poc() -> charter.Charter:
    return charter.load(TEMPLATE)


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return tickets(rows=1500, seed=7)


@pytest.fixture(scope="module")
def comparison(frame, poc):
    return routing.compare(frame, poc=poc, seed=7, budget=ALL_SETTINGS)


ROUTES = (
    Route(label="cancellation", keywords=("cancel*", "close my account")),
    Route(label="billing", keywords=("invoice", "charged")),
    Route(label="returns", keywords=("refund",)),
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I was CHARGED twice", "billing"),
        ("Please Close  My   Account", "cancellation"),
        ("cancelled order, I was charged anyway", "cancellation"),
        ("charged twice, please cancel", "cancellation"),
        ("where is my refund", "returns"),
        ("refunds are slow", "person"),
        ("the invoiced amount", "person"),
        ("my parcel is late", "person"),
        ("", "person"),
        (None, "person"),
    ],
    ids=[
        "case-insensitive",
        "phrase-across-spaces",
        "star-matches-longer-word",
        "tie-goes-to-first-route-listed",
        "whole-word",
        "no-plural-without-star",
        "no-substring",
        "no-match-to-person",
        "empty-to-person",
        "missing-to-person",
    ],
)
def test_keyword_router_routes_by_the_first_matching_route(text, expected):
    router = routing.KeywordRouter(routes=ROUTES).fit(pd.DataFrame({"text": [text]}))
    assert router.predict(pd.DataFrame({"text": [text]}))[0] == expected


def test_keyword_router_treats_keywords_as_text_not_patterns():
    router = routing.KeywordRouter(
        routes=(Route(label="odd", keywords=("a.b (x)",)),)
    ).fit(None)
    decisions = router.predict(pd.Series(["see a.b (x) here", "see aXb (x) here"]))
    assert list(decisions) == ["odd", "person"]


def test_keyword_router_without_routes_is_a_charter_error():
    with pytest.raises(CharterError, match=r"baseline\.routes"):
        routing.KeywordRouter(routes=()).fit(None)


def test_row_values_price_right_wrong_and_person(poc):
    values = routing.row_values(
        np.array(["billing", "billing", "returns", "delivery"], dtype=object),
        np.array(["billing", "returns", "person", "delivery"], dtype=object),
        kpi=poc.kpi,
    )
    assert list(values) == [1200.0, -4000.0, 0.0, 1200.0]


def test_best_threshold_routes_the_confident_tickets_that_pay(poc):
    # value 1,200 when right, cost 4,000 when wrong, most confident first:
    # 0.9 right (+1200), 0.8 right (+2400), 0.6 wrong (-1600), 0.5 right (-400)
    threshold, value = routing.best_threshold(
        np.array([0.5, 0.9, 0.6, 0.8]),
        np.array([True, True, False, True]),
        kpi=poc.kpi,
    )
    assert threshold == pytest.approx(0.7)
    assert value == pytest.approx(2400.0)


def test_best_threshold_routes_nothing_when_nothing_pays(poc):
    threshold, value = routing.best_threshold(
        np.array([0.9, 0.4]), np.array([False, True]), kpi=poc.kpi
    )
    assert (threshold, value) == (1.0, 0.0)


def test_compare_builds_the_ladder_on_the_synthetic_tickets(comparison, frame):
    ladder = {rung.name: rung for rung in comparison.ladder}
    assert ladder["every ticket to a person"].kpi == 0.0
    assert ladder["every ticket to the most common label"].kpi < 0
    today = [rung for rung in comparison.ladder if rung.role == TODAY]
    assert [rung.name for rung in today] == ["today's keyword router"]
    candidates = [rung for rung in comparison.ladder if rung.role == CANDIDATE]
    assert {rung.name.split(" (")[0] for rung in candidates} == {
        "logistic regression",
        "linear SVM",
        "complement naive Bayes",
    }
    chosen = [rung for rung in comparison.ladder if rung.chosen]
    assert [rung.name for rung in chosen] == [comparison.model_name]
    assert chosen[0].kpi == pytest.approx(comparison.kpi.model)
    assert today[0].kpi == pytest.approx(comparison.kpi.baseline)
    assert comparison.kpi.model > comparison.kpi.baseline
    assert comparison.kpi.lift_ci_low > 0
    assert comparison.decision.reasons
    assert set(chosen[0].metrics) >= {"accuracy", "macro_f1", "coverage", "top_brier"}
    assert 0 < chosen[0].metrics["coverage"] <= 1
    assert comparison.kpi.test_periods == ["2025-04", "2025-05", "2025-06"]
    assert comparison.features == ["text"]
    assert len(comparison.candidates) == 9
    assert sum(candidate.chosen for candidate in comparison.candidates) == 1
    assert all(0 <= c.params["threshold"] <= 1 for c in comparison.candidates)


def test_scored_rows_add_up_to_the_kpi(comparison):
    rows = comparison.rows
    assert tuple(rows.columns[: len(SCORE_COLUMNS)]) == SCORE_COLUMNS
    per_period = rows.groupby("period")[["value_model", "value_today"]].sum()
    assert per_period["value_model"].mean() == pytest.approx(comparison.kpi.model)
    assert per_period["value_today"].mean() == pytest.approx(comparison.kpi.baseline)
    left = rows["decision_model"] == routing.PERSON
    assert (rows.loc[left, "value_model"] == 0).all()


def test_experiment_inputs_hold_the_value_per_ticket_of_each_arm(comparison):
    inputs = comparison.experiment_inputs
    rows = comparison.rows
    assert inputs.units_per_period == len(rows) / rows["period"].nunique()
    assert inputs.treatment.mean == pytest.approx(rows["value_model"].mean())
    assert inputs.control.sd == pytest.approx(rows["value_today"].std(ddof=0))


def test_same_seed_gives_the_same_numbers(frame, poc, comparison):
    again = routing.compare(frame, poc=poc, seed=7, budget=ALL_SETTINGS)
    assert again.kpi == comparison.kpi
    assert again.ladder == comparison.ladder
    assert again.rows.equals(comparison.rows)


def test_a_tiny_budget_still_returns_a_model(frame, poc):
    quick = routing.compare(frame, poc=poc, seed=7, budget=SPENT)
    # Only each candidate's first setting runs once the budget is spent.
    assert len(quick.candidates) == len(routing.ROUTING_CANDIDATES)
    assert quick.model.predict(frame[["text"]].head(3)).shape == (3,)


def test_score_judges_a_fresh_batch(comparison, poc):
    fresh = tickets(
        rows=400, seed=99, batch=Batch(first="2025-07", periods=2, first_id=9001)
    )
    scored = routing.score(
        fresh, model=comparison.model, features=["text"], poc=poc, seed=7
    )
    assert scored.kpi.test_rows == 400
    assert scored.kpi.test_periods == ["2025-07", "2025-08"]
    assert [rung.name for rung in scored.ladder][-1] == routing.MODEL_NAME
    assert len(scored.rows) == 400


def test_score_prices_the_keyword_router_by_hand(comparison, poc):
    rows = pd.DataFrame(
        {
            "ticket_id": ["a", "b", "c", "d"],
            "received_month": ["2025-07"] * 4,
            "channel": ["app"] * 4,
            "text": [
                "I was charged twice",  # billing, right
                "please cancel my subscription",  # cancellation, right
                "my invoice is wrong, cancel it",  # cancellation first: wrong
                "the app crashes",  # no keyword: to a person
            ],
            "queue": ["billing", "cancellation", "billing", "technical_fault"],
        }
    )
    scored = routing.score(
        rows, model=comparison.model, features=["text"], poc=poc, seed=7
    )
    assert list(scored.rows["decision_today"]) == [
        "billing",
        "cancellation",
        "cancellation",
        "person",
    ]
    assert scored.kpi.baseline == pytest.approx(1200 + 1200 - 4000)
    assert scored.kpi.model == pytest.approx(scored.rows["value_model"].sum())


def test_the_fitted_model_survives_pickling(comparison, frame):
    copy = pickle.loads(pickle.dumps(comparison.model))
    sample = frame[["text"]].head(20)
    assert list(copy.predict(sample)) == list(comparison.model.predict(sample))
    assert copy.predict_proba(sample).shape == (20, len(QUEUES))


def test_tickets_without_text_go_to_a_person(comparison, frame, poc):
    rows = frame.head(30).copy()
    rows.loc[rows.index[:5], "text"] = np.nan
    scored = routing.score(
        rows, model=comparison.model, features=["text"], poc=poc, seed=7
    )
    blank = scored.rows.iloc[:5]
    assert (blank["decision_model"] == routing.PERSON).all()
    assert (blank["decision_today"] == routing.PERSON).all()
    assert (blank["value_model"] == 0).all()


def test_compare_runs_with_some_tickets_missing_their_text(frame, poc):
    gappy = frame.copy()
    gappy.loc[gappy.sample(frac=0.05, random_state=1).index, "text"] = np.nan
    result = routing.compare(gappy, poc=poc, seed=7, budget=SPENT)
    assert result.kpi.test_rows == len(result.rows)


def test_a_routing_charter_without_data_text_names_the_field(tmp_path, frame):
    poc = write(tmp_path, lambda raw: raw["data"].pop("text"))
    with pytest.raises(CharterError, match=r"data\.text is missing"):
        routing.compare(frame, poc=poc, seed=7, budget=SPENT)


def test_a_missing_text_column_names_the_field(poc, frame):
    with pytest.raises(DataError, match=r"data\.text names 'text'"):
        routing.compare(
            frame.rename(columns={"text": "body"}), poc=poc, seed=7, budget=SPENT
        )


def test_no_text_at_all_is_a_data_error(poc, frame):
    with pytest.raises(DataError, match="holds no text"):
        routing.compare(frame.assign(text=""), poc=poc, seed=7, budget=SPENT)


def test_missing_labels_are_a_data_error(poc, frame):
    gappy = frame.copy()
    gappy.loc[gappy.index[:3], "queue"] = None
    with pytest.raises(DataError, match=r"'queue' \(data.target\) is missing for 3"):
        routing.compare(gappy, poc=poc, seed=7, budget=SPENT)


def test_a_label_named_person_is_a_data_error(poc, frame):
    renamed = frame.assign(queue=frame["queue"].replace("billing", "person"))
    with pytest.raises(DataError, match="Rename that label"):
        routing.compare(renamed, poc=poc, seed=7, budget=SPENT)


def test_a_route_to_a_label_the_data_never_has_is_a_charter_error(tmp_path, frame):
    def misspell(raw):
        raw["baseline"]["routes"][1]["label"] = "acount_access"

    poc = write(tmp_path, misspell)
    with pytest.raises(
        CharterError,
        match=r"baseline\.routes\[1\]\.label .*Did you mean account_access",
    ):
        routing.compare(frame, poc=poc, seed=7, budget=SPENT)


def test_a_charter_of_another_kind_is_refused(churn_charter, frame):
    with pytest.raises(CharterError, match=r"kpi\.kind: routing"):
        routing.compare(frame, poc=churn_charter, seed=7, budget=SPENT)


def test_prior_as_today_measures_the_lift_against_the_busiest_queue(tmp_path, frame):
    def prior(raw):
        raw["baseline"]["today"] = "prior"

    poc = write(tmp_path, prior)
    result = routing.compare(frame, poc=poc, seed=7, budget=SPENT)
    assert result.kpi.baseline_name == "every ticket to the most common label"
    assert all(result.rows["decision_today"] == "delivery")


def test_rare_labels_still_split_and_leave_out_the_calibrated_svm(tmp_path, frame):
    def no_time(raw):
        raw["data"].pop("time")
        raw["split"] = {"test_share": 0.25}

    poc = write(tmp_path, no_time)
    rare = frame.copy()
    rare.loc[rare.index[0], "queue"] = "lost_property"  # one row of its own
    rare.loc[rare.index[1:3], "queue"] = "complaints"  # two rows
    result = routing.compare(rare, poc=poc, seed=7, budget=SPENT)
    assert result.holdout.kind == "stratified"
    assert "linear SVM" not in {c.name for c in result.candidates}
    assert result.kpi.test_periods == ["all"]
    assert "one month" in result.kpi.method


@pytest.mark.parametrize(
    "target",
    [
        pd.Series(["a"] * 50 + ["b"] * 50 + ["c"]),
        pd.Series([f"c{i}" for i in range(77)] * 2),
    ],
    ids=["a-label-seen-once", "more-labels-than-test-rows"],
)
def test_holdout_split_copes_with_many_and_rare_labels(tmp_path, target):
    def no_time(raw):
        raw["data"].pop("time")
        raw["split"] = {"test_share": 0.25}

    poc = write(tmp_path, no_time)
    frame = pd.DataFrame(
        {"ticket_id": range(len(target)), "text": ["x"] * len(target), "queue": target}
    )
    split = holdout.split(frame, poc=poc, seed=1)
    assert len(split.train) + len(split.test) == len(frame)
    fit, check = holdout.validation(frame, split, poc=poc, seed=1)
    assert len(fit) + len(check) == len(split.train)


def test_threshold_router_hands_unsure_and_unknown_tickets_to_a_person(comparison):
    router = comparison.model
    sure = router.predict(pd.DataFrame({"text": ["I cannot log in to my account"]}))
    assert sure[0] == "account_access"
    unknown = router.predict(pd.DataFrame({"text": ["§§§ ¤¤¤"]}))
    assert unknown[0] == routing.PERSON


@parametrize_with_checks([routing.ThresholdRouter(LogisticRegression())])
def test_threshold_router_follows_the_estimator_contract(estimator, check):
    check(estimator)


def test_the_template_and_its_contract_fit_the_synthetic_tickets(poc, frame):
    assert {route.label for route in poc.baseline.routes} <= set(QUEUES)
    suite = contracts.load_suite(REPO / "data_checks" / "ticket_routing.yaml")
    assert contracts.validate(frame, suite).passed


def test_the_banking77_charter_loads():
    poc = charter.load(REPO / "examples" / "banking77" / "charter.yaml")
    assert poc.kpi.kind == "routing"
    assert poc.data.text == "text"
    assert poc.baseline.today == "keywords"
    contracts.load_suite(poc.data.checks)
    # No time column: the held-out quarter is scaled to the week's queries.
    assert poc.data.time is None and poc.data.cases_per_period == 2500
    assert not [w for w in review.review(poc).warnings if "cases_per" in w]


def test_synthetic_tickets_are_seeded_and_labelled_synthetic():
    first = tickets(rows=300, seed=5)
    assert first.equals(tickets(rows=300, seed=5))
    assert first["ticket_id"].str.startswith("SYN-T").all()
    assert set(first["queue"]) <= set(QUEUES)
