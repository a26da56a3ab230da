"""Leakage checks: they find leaking columns in small samples the tests make."""

import numpy as np
import pandas as pd
import pytest

from playbook import charter
from playbook.data import leakage, pii
from playbook.synthetic import churn as synthetic
from playbook.tasks import models


@pytest.fixture
def make_charter(write_charter):
    """A charter from the churn template with the data section replaced."""

    def make(**data):
        def edit(raw):
            raw["data"] = {
                "path": "data.csv",
                "checks": "checks.yaml",
                "positive_label": 1,
                **data,
            }

        return charter.load(write_charter(edit))

    return make


@pytest.fixture(scope="module")
def machines() -> pd.DataFrame:
    """Readings shaped like AI4I: sensors, a failure label and failure-mode flags."""
    rng = np.random.default_rng(3)
    n = 4000
    torque = rng.normal(40, 10, n)
    wear = rng.integers(0, 250, n)
    risk = 1 / (1 + np.exp(-(-5.5 + 0.06 * (torque - 40) + 0.012 * wear)))
    failure = (rng.random(n) < risk).astype(int)
    heat = np.where(failure == 1, rng.random(n) < 0.4, 0).astype(int)
    return pd.DataFrame(
        {
            "reading": np.arange(1, n + 1),
            "product": [f"M{code}" for code in rng.permutation(90000)[:n] + 10000],
            "torque": torque.round(1),
            "wear": wear,
            "heat_failure": heat,
            "failed": failure,
        }
    )


def _found(report):
    return {(f.column, f.check, f.level) for f in report.findings}


def test_a_flag_set_only_with_the_failure_blocks_as_a_pure_value(
    machines, make_charter
):
    poc = make_charter(target="failed")

    report = leakage.scan(machines, poc=poc)

    assert ("heat_failure", "pure value", "blocking") in _found(report)
    finding = next(f for f in report.findings if f.column == "heat_failure")
    assert "when heat_failure = 1" in finding.evidence
    assert "100% have failed = 1" in finding.evidence
    assert "torque" not in report.excluded and "wear" not in report.excluded


def test_row_numbers_and_keys_are_id_like(machines, make_charter):
    report = leakage.scan(machines, poc=make_charter(target="failed"))

    assert ("reading", "id-like", "blocking") in _found(report)
    assert ("product", "id-like", "blocking") in _found(report)
    reading = next(f for f in report.findings if f.column == "reading")
    assert "counting up from 1 in row order" in reading.evidence


def test_a_copy_of_the_target_predicts_it_alone(make_charter):
    frame = synthetic.churn(customers=2000, seed=5)
    frame["churn_flag_copy"] = frame["churned"].map({0: "stay", 1: "left"})

    report = leakage.scan(frame, poc=make_charter(target="churned", id="customer_id"))

    assert ("churn_flag_copy", "predicts alone", "blocking") in _found(report)
    assert "AUC 1.000" in report.findings[0].evidence


def test_two_columns_that_add_up_to_a_count_target_are_blocked(make_charter):
    rng = np.random.default_rng(1)
    casual, registered = rng.poisson(30, 3000), rng.poisson(150, 3000)
    frame = pd.DataFrame(
        {
            "hour": np.tile(np.arange(24), 125),
            "temp": rng.random(3000).round(2),
            "casual": casual,
            "registered": registered,
            "cnt": casual + registered,
        }
    )

    report = leakage.scan(frame, poc=make_charter(target="cnt"))

    assert report.target_kind == "quantity"
    assert report.measure == "concordance"
    assert {"casual", "registered"} <= set(report.excluded)
    finding = next(f for f in report.findings if f.check == "adds up to the target")
    assert "casual + registered equals cnt on 100.0% of rows" in finding.evidence


def test_a_date_recorded_after_the_rows_time_is_blocked(make_charter):
    frame = synthetic.churn(customers=2000, seed=5)
    snapshot = pd.to_datetime(frame["snapshot_month"])
    frame["cancelled_on"] = (snapshot + pd.Timedelta(days=45)).dt.strftime("%Y-%m-%d")
    frame["joined_on"] = (snapshot - pd.Timedelta(days=400)).dt.strftime("%Y-%m-%d")

    poc = make_charter(target="churned", id="customer_id", time="snapshot_month")
    report = leakage.scan(frame, poc=poc)

    assert ("cancelled_on", "dated after the row's time", "blocking") in _found(report)
    assert not any(f.column == "joined_on" for f in report.findings)


def test_a_call_duration_that_dominates_the_model_is_a_warning(make_charter):
    rng = np.random.default_rng(2)
    n = 6000
    frame = pd.DataFrame(
        {
            "age": rng.integers(18, 90, n),
            "balance": rng.normal(1000, 3000, n).round(),
            "housing": rng.choice(["yes", "no"], n),
        }
    )
    interest = 0.004 * (frame["age"] - 50) + 0.2 * (frame["housing"] == "no")
    duration = rng.gamma(2, 120, n)
    logit = -3 + 4 * (duration / 600) + interest
    frame["duration"] = duration.round()
    frame["y"] = np.where(rng.random(n) < 1 / (1 + np.exp(-logit)), "yes", "no")

    poc = make_charter(target="y", positive_label="yes")
    quick = leakage.scan(frame, poc=poc)
    deep = leakage.scan(frame, poc=poc, deep=True, seed=1)

    assert quick.findings == []
    assert _found(deep) == {("duration", "dominates the model", "warning")}
    assert deep.excluded == []
    assert "check when its value becomes known" in deep.findings[0].evidence


def test_the_synthetic_churn_example_has_no_leak(make_charter):
    frame = synthetic.churn(customers=5000, seed=42)
    poc = make_charter(target="churned", id="customer_id", time="snapshot_month")

    report = leakage.scan(frame, poc=poc, deep=True, seed=42)

    assert report.findings == []
    assert len(report.signals) == frame.shape[1] - 3


def test_allow_leaks_keeps_a_flagged_column_in_the_model(machines, make_charter):
    poc = make_charter(target="failed", allow_leaks=["heat_failure"])

    report = leakage.scan(machines, poc=poc)

    finding = next(f for f in report.findings if f.column == "heat_failure")
    assert finding.allowed and not finding.excluded
    assert "heat_failure" in models.feature_columns(machines, poc=poc)


def test_features_leave_out_pii_leaks_ids_and_charter_exclusions(
    machines, make_charter
):
    frame = machines.assign(
        email=[f"user{i}@example.com" for i in range(len(machines))],
        shift=np.tile(["day", "night"], len(machines) // 2),
    )
    poc = make_charter(target="failed", exclude=["shift"])

    excluded = models.excluded_columns(frame, poc=poc)

    assert models.feature_columns(frame, poc=poc) == ["torque", "wear"]
    assert excluded["failed"] == "the target"
    assert excluded["shift"] == "excluded by the charter (data.exclude)"
    assert excluded["email"].startswith("personal data (e-mail address)")
    assert excluded["heat_failure"].startswith("possible leak (pure value)")
    assert excluded["reading"].startswith("possible leak (id-like)")


def test_stage_3s_deep_scan_reused_keeps_out_the_same_columns(machines, make_charter):
    frame = machines.assign(
        email=[f"user{i}@example.com" for i in range(len(machines))]
    )
    poc = make_charter(target="failed")
    data = poc.data
    personal = pii.detect(
        frame, declared=data.pii, allowed=data.allow_pii, free_text=data.text
    )
    deep = leakage.scan(
        frame, poc=poc, skip=[p.column for p in personal], deep=True, seed=1
    )

    reused = models.excluded_columns(frame, poc=poc, personal=personal, leaks=deep)

    assert reused == models.excluded_columns(frame, poc=poc)
    assert {"email", "heat_failure", "reading"} <= set(reused)


def test_allow_pii_lets_the_model_use_a_personal_column(machines, make_charter):
    frame = machines.assign(ip=[f"10.0.{i % 250}.{i % 200}" for i in range(4000)])

    plain = make_charter(target="failed")
    allowed = make_charter(target="failed", allow_pii=["ip"])

    assert "ip" not in models.feature_columns(frame, poc=plain)
    assert "ip" in models.feature_columns(frame, poc=allowed)


def test_the_same_data_gives_the_same_features_every_time(machines, make_charter):
    poc = make_charter(target="failed")
    big = pd.concat([machines] * 20, ignore_index=True)  # 80,000 rows: sampled

    first = models.feature_columns(big, poc=poc)

    assert first == models.feature_columns(big.copy(), poc=poc)
    assert "heat_failure" not in first


def _losses_predicting_every_column(sample, columns, *, target, seed):
    """`leakage._model_losses` as it was: every shuffled column scored by the model."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import roc_auc_score

    y = sample[target].to_numpy() == 1
    categorical = [not pd.api.types.is_numeric_dtype(sample[c]) for c in columns]
    matrix = np.column_stack(
        [
            pd.factorize(sample[c])[0].astype(float) if text else sample[c].to_numpy()
            for c, text in zip(columns, categorical, strict=True)
        ]
    )
    learn = np.arange(len(sample)) % 2 == 0
    model = HistGradientBoostingClassifier(
        max_iter=leakage._MODEL_ITERATIONS,
        categorical_features=np.array(categorical),
        early_stopping=False,
        random_state=seed,
    ).fit(matrix[learn], y[learn])

    def score(x):
        auc = roc_auc_score(y[~learn], model.predict_proba(x)[:, 1])
        return max(auc, 1 - auc)

    base, rng, losses = score(matrix[~learn]), np.random.default_rng(seed), {}
    for position, column in enumerate(columns):
        shuffled = matrix[~learn].copy()
        shuffled[:, position] = rng.permutation(shuffled[:, position])
        losses[column] = round(max(0.0, base - score(shuffled)), 4)
    return losses, model


def test_shuffling_only_the_columns_a_tree_splits_on_gives_the_same_losses():
    rng = np.random.default_rng(5)
    n, noise = 200, 50
    frame = pd.DataFrame(
        rng.normal(size=(n, noise)).round(3),
        columns=[f"noise_{i}" for i in range(noise)],
    )
    # A text column: the trees see it first, the others one place later.
    frame["plan"] = rng.choice(["basic", "plus", "pro"], n)
    frame["signal"] = rng.normal(size=n)
    frame["y"] = (rng.random(n) < 1 / (1 + np.exp(-3 * frame["signal"]))).astype(int)
    columns = [c for c in frame.columns if c != "y"]

    losses = leakage._model_losses(
        frame, columns, target="y", kind="classes", positive=1, seed=7
    )
    expected, model = _losses_predicting_every_column(
        frame, columns, target="y", seed=7
    )
    read = leakage._split_columns(model, width=len(columns))

    assert losses == expected
    assert 0 < read.sum() < len(columns)  # both paths of the shortcut are taken
    assert all(
        losses[c] == 0.0 for c, used in zip(columns, read, strict=True) if not used
    )
    assert losses["signal"] == max(losses.values()) > leakage.DOMINANT_LOSS
