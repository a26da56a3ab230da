"""The use-case templates: each loads, and its SYNTHETIC example runs offline."""

import json
import re

import pandas as pd
import pytest
from tiny import REPO
from typer.testing import CliRunner

from playbook import charter, data
from playbook.charter import check as charter_check
from playbook.cli.app import app
from playbook.data import contracts
from playbook.errors import PlaybookError
from playbook.synthetic import demo

# Small examples: enough rows for every stage, few enough for seconds per stage.
SMALL = {
    "churn": 3000,
    "fraud": 12000,
    "marketing": 4000,
    "demand_forecast": 2200,
    "ticket_routing": 3000,
}
# The four use cases of the batch example (examples/templates_batch.yaml).
BATCHED = ("churn", "fraud", "marketing", "demand_forecast")
USE_CASES = ("fraud", "marketing", "demand_forecast")


@pytest.fixture(scope="module")
def examples(tmp_path_factory):
    """Each template's small example, written once for the module."""
    root = tmp_path_factory.mktemp("examples")
    return {
        name: demo.write_example(root / name, template=name, rows=SMALL[name], seed=5)
        for name in demo.TEMPLATES
    }


def test_every_template_has_an_example():
    assert (*BATCHED, "ticket_routing") == demo.TEMPLATES
    bundled = {path.stem for path in (REPO / "templates").glob("*.yaml")}
    assert set(demo.TEMPLATES) <= bundled


@pytest.mark.parametrize("name", demo.TEMPLATES)
def test_template_loads_and_names_the_files_its_example_writes(name, examples):
    poc = charter.load(REPO / "templates" / f"{name}.yaml")
    assert poc.data.synthetic
    assert poc.data.path.name == f"{name}_SYNTHETIC.csv"
    assert poc.data.fresh.name == f"{name}_fresh_SYNTHETIC.csv"
    assert poc.data.checks.name == f"{name}.checks.yaml"
    folder = examples[name].folder
    written = charter.load(examples[name].charter)
    for path in (written.data.path, written.data.fresh, written.data.checks):
        assert path.parent == folder.resolve() and path.exists()


@pytest.mark.parametrize(
    ("name", "kind", "today"),
    [
        ("fraud", "top_k", "score"),
        ("marketing", "top_k", "rule"),
        ("demand_forecast", "forecast", "seasonal_naive"),
    ],
    ids=USE_CASES,
)
def test_template_prices_its_own_decision(name, kind, today):
    poc = charter.load(REPO / "templates" / f"{name}.yaml")
    assert poc.kpi.kind == kind
    assert poc.baseline.today == today
    assert poc.kpi.unit == "KRW"
    assert poc.kpi.min_lift > 0


def test_fraud_review_cost_comes_from_minutes_and_hourly_cost():
    poc = charter.load(REPO / "templates" / "fraud.yaml")
    assert poc.kpi.contact_cost == pytest.approx(12 / 60 * 36000)
    assert poc.baseline.score_column == "vendor_score"
    assert poc.data.sensitive == ("customer_age_band",)


def test_demand_template_names_its_series_and_weekly_season():
    poc = charter.load(REPO / "templates" / "demand_forecast.yaml")
    assert poc.data.series == "store_item"
    assert poc.kpi.season_length == 7
    assert poc.kpi.error_metric == "wape"
    assert poc.kpi.period == "week"


@pytest.mark.parametrize("name", demo.TEMPLATES)
def test_example_is_seeded_and_labelled_synthetic(name, examples, tmp_path):
    again = demo.write_example(tmp_path, template=name, rows=SMALL[name], seed=5)
    first = examples[name].folder
    data_files = [f for f in again.written if f.endswith(".csv")]
    assert len(data_files) == 3
    for file in data_files:
        assert "SYNTHETIC" in file
        assert (tmp_path / file).read_bytes() == (first / file).read_bytes()
    other = demo.write_example(
        tmp_path / "other", template=name, rows=SMALL[name], seed=6
    )
    main = f"{name}_SYNTHETIC.csv"
    assert (other.folder / main).read_bytes() != (first / main).read_bytes()
    dictionary = (first / f"{name}_SYNTHETIC_columns.md").read_text()
    assert "SYNTHETIC" in dictionary and "seed=5" in dictionary
    frame = pd.read_csv(first / main)
    for column in frame.columns:
        assert f"`{column}`" in dictionary, column


@pytest.mark.parametrize("name", demo.TEMPLATES)
def test_contract_passes_on_every_batch_of_the_example(name, examples):
    poc = charter.load(examples[name].charter)
    suite = contracts.load_suite(poc.data.checks)
    for file in (
        poc.data.path,
        poc.data.fresh,
        poc.data.path.with_name(f"{name}_fresh_drifted_SYNTHETIC.csv"),
    ):
        frame = pd.read_csv(file)
        data.require_columns(frame, poc=poc)
        report = contracts.validate(frame, suite)
        assert report.passed, (file.name, contracts.failure_reasons(report))


def test_fraud_example_is_heavily_imbalanced_with_a_rare_category(examples):
    frame = pd.read_csv(examples["fraud"].folder / "fraud_SYNTHETIC.csv")
    assert 0.005 < frame["is_fraud"].mean() < 0.02
    assert frame["transaction_date"].nunique() == 56
    assert frame["merchant_category"].value_counts(normalize=True).min() < 0.01
    assert 0 < frame["vendor_score"].isna().mean() < 0.05
    assert frame["amount_vs_card_avg"].isna().any()


def test_marketing_example_converts_a_few_percent(examples):
    frame = pd.read_csv(examples["marketing"].folder / "marketing_SYNTHETIC.csv")
    assert 0.04 < frame["converted"].mean() < 0.12
    assert frame["customer_id"].is_unique
    assert frame["balance_krw"].isna().any()
    assert (frame["segment"] == "private").mean() < 0.05


def test_demand_example_has_one_row_per_series_and_day_and_its_traps(examples):
    frame = pd.read_csv(
        examples["demand_forecast"].folder / "demand_forecast_SYNTHETIC.csv"
    )
    assert not frame.duplicated(["store_item", "date"]).any()
    days = frame.groupby("store_item")["date"].nunique()
    assert days.max() == 728
    assert days.min() < 728  # a late launch and a store closed for refurbishment
    fresh = pd.read_csv(
        examples["demand_forecast"].folder / "demand_forecast_fresh_SYNTHETIC.csv"
    )
    assert fresh["date"].min() > frame["date"].max()
    assert set(fresh["store_item"]) == set(frame["store_item"])


def test_unknown_template_is_refused_with_the_list_and_a_suggestion(tmp_path):
    with pytest.raises(PlaybookError, match=r"Did you mean 'fraud'.*demand_forecast"):
        demo.write_example(tmp_path, template="frud")
    result = CliRunner().invoke(
        app, ["demo", "--template", "frud", "--out", str(tmp_path)]
    )
    assert result.exit_code == 1
    assert "did you mean 'fraud'" in result.output.lower()
    assert not any(tmp_path.iterdir())


def test_demo_help_lists_the_templates():
    result = CliRunner().invoke(app, ["demo", "--help"])
    assert result.exit_code == 0
    for name in demo.TEMPLATES:
        assert name in result.output


def test_edited_template_charter_is_kept_on_a_second_demo(tmp_path):
    folder = tmp_path / "fraud"
    demo.write_example(folder, template="fraud", rows=2000, seed=5)
    charter_file = folder / "charter.yaml"
    edited = charter_file.read_text().replace(
        "capacity_per_period: 20", "capacity_per_period: 30"
    )
    charter_file.write_text(edited)
    again = demo.write_example(folder, template="fraud", rows=2500, seed=5)
    assert again.kept == ["charter.yaml"]
    assert "fraud_SYNTHETIC.csv" in again.written
    assert charter_file.read_text() == edited


def _demo(name, tmp_path, *extra):
    return CliRunner().invoke(
        app,
        [
            "demo",
            "--template",
            name,
            "--rows",
            str(SMALL[name]),
            "--out",
            str(tmp_path / name),
            "--runs-dir",
            str(tmp_path / "runs"),
            *extra,
        ],
    )


def _manifest(tmp_path) -> dict:
    (found,) = (tmp_path / "runs").glob("*/*/manifest.json")
    return json.loads(found.read_text())


@pytest.mark.journey
@pytest.mark.parametrize(
    "name", ["fraud", "marketing", "demand_forecast", "ticket_routing"]
)
def test_demo_runs_the_whole_journey_on_a_use_case(name, tmp_path):
    result = _demo(name, tmp_path)
    assert result.exit_code == 0, result.output
    record = _manifest(tmp_path)
    assert all(stage["status"] == "complete" for stage in record["stages"].values())
    assert record["decision"] in ("go", "iterate", "stop")
    assert record["kpi"]["lift_ci_low"] <= record["kpi"]["lift_ci_high"]
    poc = charter.load(REPO / "templates" / f"{name}.yaml")
    stage4 = json.loads(
        next((tmp_path / "runs").glob("*/*/results/04_poc.json")).read_text()
    )
    assert stage4["evidence"]["task"] == poc.kpi.kind
    assert {r["role"] for r in stage4["evidence"]["ladder"]} >= {"today", "candidate"}


def test_demo_without_a_run_only_writes_the_example(tmp_path):
    result = CliRunner().invoke(
        app,
        [
            "demo",
            "--template",
            "marketing",
            "--rows",
            "1000",
            "--out",
            str(tmp_path / "marketing"),
            "--runs-dir",
            str(tmp_path / "runs"),
            "--no-run",
        ],
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "marketing" / "marketing_SYNTHETIC.csv").exists()
    assert not (tmp_path / "runs").exists()


def test_templates_batch_spec_lists_every_example_with_two_seeds(tmp_path):
    from playbook.run import batch

    spec = tmp_path / "templates_batch.yaml"
    spec.write_bytes((REPO / "examples" / "templates_batch.yaml").read_bytes())
    for name in BATCHED:
        demo.write_example(tmp_path / name, template=name, rows=1500, seed=5)
    plan = batch.load_spec(spec)
    assert plan.runs_dir == (tmp_path.parent / "runs").resolve()
    assert [(job.poc, job.seed) for job in plan.jobs] == [
        (charter.load(REPO / "templates" / f"{name}.yaml").poc, seed)
        for name in BATCHED
        for seed in (1, 2)
    ]
    assert not any(job.problem for job in plan.jobs)


# The yes/no templates: where the contact policy and the count of cases apply.
TOP_K = ("churn", "fraud", "marketing")


@pytest.mark.parametrize("language", ["en", "ko"])
@pytest.mark.parametrize("name", TOP_K)
def test_a_yes_no_template_offers_the_contact_policy_and_the_count_of_cases(
    name, language, tmp_path
):
    """Commented, in the template's language; uncommented, each is read as said."""
    folder = REPO / "templates" / ("ko" if language == "ko" else "")
    path = folder / f"{name}.yaml"
    assert charter_check.check(path).exit_code == 0
    lines = path.read_text(encoding="utf-8").splitlines()
    for field in ("contact_policy", "cases_per_period"):
        (at,) = [i for i, line in enumerate(lines) if line.startswith(f"  # {field}:")]
        said = " ".join(lines[at : at + 2])
        assert (language == "ko") == bool(re.search(r"[\uac00-\ud7a3]", said))
        lines[at] = lines[at].replace("# ", "", 1)
    said = " ".join(line for line in lines if "contact_policy" in line)
    assert "break_even" in said and "fill_capacity" in " ".join(lines)
    edited = tmp_path / path.name
    edited.write_text("\n".join(lines) + "\n", encoding="utf-8")
    # The template has a time column: a count beside it stops check, as it says.
    report = charter_check.check(edited)
    assert [p.path for p in report.blockers] == ["data.cases_per_period"]
    without_time = [line for line in lines if not line.startswith("  time:")]
    edited.write_text("\n".join(without_time) + "\n", encoding="utf-8")
    assert charter_check.check(edited).exit_code == 0
    poc = charter.load(edited)
    assert poc.kpi.contact_policy == "break_even"
    assert poc.data.cases_per_period is not None and poc.data.time is None
