import pandas as pd

from playbook.synthetic import churn as synthetic
from playbook.synthetic import demo


def test_demo_writes_charter_contract_data_and_dictionary(tmp_path):
    example = demo.write_example(tmp_path / "churn", rows=600, seed=3)
    names = {path.name for path in example.folder.iterdir()}
    assert {
        "charter.yaml",
        "churn.checks.yaml",
        "churn_SYNTHETIC.csv",
        "churn_SYNTHETIC_columns.md",
    } <= names
    assert example.kept == []
    assert "SYNTHETIC" in (example.folder / "churn_SYNTHETIC_columns.md").read_text()
    assert len(pd.read_csv(example.folder / "churn_SYNTHETIC.csv")) == 600


def test_demo_keeps_a_charter_a_person_edited_and_refreshes_the_rest(tmp_path):
    folder = tmp_path / "churn"
    demo.write_example(folder, rows=600, seed=3)
    edited = (
        (folder / "charter.yaml")
        .read_text()
        .replace("capacity_per_period: 250", "capacity_per_period: 90")
    )
    (folder / "charter.yaml").write_text(edited)

    again = demo.write_example(folder, rows=700, seed=3)

    assert again.kept == ["charter.yaml"]
    assert "churn_SYNTHETIC.csv" in again.written
    assert (folder / "charter.yaml").read_text() == edited
    assert len(pd.read_csv(folder / "churn_SYNTHETIC.csv")) == 700


def test_demo_never_overwrites_a_file_it_did_not_write(tmp_path):
    folder = tmp_path / "churn"
    folder.mkdir()
    (folder / "churn_SYNTHETIC.csv").write_text("mine\n")
    result = demo.write_example(folder, rows=600, seed=3)
    assert "churn_SYNTHETIC.csv" in result.kept
    assert (folder / "churn_SYNTHETIC.csv").read_text() == "mine\n"


def test_rerunning_the_demo_unchanged_rewrites_nothing(tmp_path):
    folder = tmp_path / "churn"
    demo.write_example(folder, rows=600, seed=3)
    again = demo.write_example(folder, rows=600, seed=3)
    assert again.written == [] and again.kept == []


def test_synthetic_churn_is_seeded_and_near_the_stated_churn_rate():
    first = synthetic.churn(customers=20000, seed=42)
    assert first.equals(synthetic.churn(customers=20000, seed=42))
    assert 0.12 < first["churned"].mean() < 0.18
    assert first["snapshot_month"].nunique() == 12
    assert first["customer_id"].is_unique
    assert first["data_usage_gb"].isna().mean() > 0.02


def test_demo_still_takes_the_churn_size_as_customers(tmp_path):
    example = demo.write_example(tmp_path / "churn", customers=650, seed=3)
    assert example.template == "churn"
    assert len(pd.read_csv(example.folder / "churn_SYNTHETIC.csv")) == 650
