"""Stage 3 executed by papermill: bad inputs, the gate, personal data and SQL."""

import json
import re
import shutil
import sqlite3
from pathlib import Path
from urllib.parse import unquote

import great_expectations as gx
import papermill
import pytest
import yaml
from test_gx_suites import remote_loads

from playbook.core import journey
from playbook.data import contracts, strategy_stage
from playbook.data.strategy_stage import DataStrategyEvidence
from playbook.errors import exit_code_for
from playbook.run import runner
from playbook.synthetic import churn as synthetic

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"

pytestmark = pytest.mark.journey


def example(folder: Path, *, frame=None, contract: str | None = None) -> Path:
    """The tiny churn charter and contract in `folder`, with `frame` as its data."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURES / "tiny_charter.yaml", folder / "charter.yaml")
    (folder / "churn.checks.yaml").write_text(
        contract or (REPO / "data_checks" / "churn.yaml").read_text()
    )
    if frame is None:
        frame = synthetic.churn(customers=1500, seed=7)
    frame.to_csv(folder / "churn_SYNTHETIC.csv", index=False)
    return folder / "charter.yaml"


def stage_3(charter_path: Path, runs: Path) -> tuple[int, dict, str]:
    """Run stage 3 alone; return the exit code, the manifest and what stopped it."""
    result = runner.run_journey(charter_path, runs_dir=runs, stages=[3])
    entry = result.manifest["stages"]["03_data_strategy"]
    reasons = [r for g in result.manifest["gates"] for r in g["reasons"]]
    return result.exit_code, result.manifest, " ".join(reasons) + str(entry["error"])


def _duplicate_ids(frame):
    frame.loc[[20, 21], ["customer_id", "snapshot_month"]] = frame.loc[
        3, ["customer_id", "snapshot_month"]
    ].to_numpy()
    return frame


def _bad_time(frame):
    frame.loc[[7, 8], "snapshot_month"] = ["2025-13-01", "last month"]
    return frame


BAD_DATA = [
    ("duplicate-ids", _duplicate_ids, "3 rows share a value of the id column"),
    ("time-not-dates", _bad_time, "values of the time column 'snapshot_month' are"),
]


@pytest.mark.parametrize(
    ("mangle", "message"),
    [(mangle, message) for _, mangle, message in BAD_DATA],
    ids=[case for case, _, _ in BAD_DATA],
)
def test_bad_data_stops_stage_3_with_exit_2_and_names_what(tmp_path, mangle, message):
    frame = mangle(synthetic.churn(customers=1500, seed=7))

    code, record, stopped = stage_3(example(tmp_path / "ex", frame=frame), tmp_path)

    assert code == 2
    assert record["stages"]["03_data_strategy"]["status"] == "stopped"
    assert message in stopped
    assert str(tmp_path / "ex" / "churn_SYNTHETIC.csv") in stopped


def test_a_non_utf8_file_stops_stage_3_naming_the_encoding(tmp_path):
    charter_path = example(tmp_path / "ex")
    data_file = tmp_path / "ex" / "churn_SYNTHETIC.csv"
    frame = synthetic.churn(customers=1500, seed=7)
    frame.loc[5, "region"] = "서울"
    data_file.write_bytes(frame.to_csv(index=False).encode("cp949"))

    code, _, stopped = stage_3(charter_path, tmp_path)

    assert code == 2
    assert f"{data_file}: not utf-8 text" in stopped
    assert "encoding: cp949" in stopped


def test_a_contract_naming_a_missing_column_fails_the_gate(tmp_path):
    contract = (REPO / "data_checks" / "churn.yaml").read_text() + (
        "  - type: expect_column_values_to_not_be_null\n    column: loyalty_tier\n"
    )
    charter_path = example(tmp_path / "ex", contract=contract)

    code, record, _ = stage_3(charter_path, tmp_path)

    assert code == 2
    gate = next(g for g in record["gates"] if g["gate"] == "data_contract")
    assert gate["reasons"] == [
        "churn.checks.yaml: expect_column_values_to_not_be_null on loyalty_tier: "
        "expected no missing values, found column 'loyalty_tier' is absent"
    ]
    passed = [r for r in gate["details"]["results"] if r["passed"]]
    assert len(passed) == gate["details"]["evaluated"] - 1
    run_dir = next((tmp_path / "churn-tiny").iterdir())
    assert "loyalty_tier" in (run_dir / "03_data_strategy.html").read_text()


def test_a_suite_saved_by_gx_gates_stage_3_and_its_data_docs_are_linked(tmp_path):
    charter_path = example(tmp_path / "ex")
    exported = tmp_path / "churn.gx.json"
    contracts.export_gx(REPO / "data_checks" / "churn.yaml", out=exported)
    document = json.loads(exported.read_text(encoding="utf-8"))
    document["expectations"].append(
        {
            "type": "expect_column_max_to_be_between",
            "kwargs": {"column": "tenure_months", "max_value": 1},
        }
    )
    saved = gx.get_context(mode="ephemeral").suites.add(gx.ExpectationSuite(**document))
    (tmp_path / "ex" / "churn.checks.json").write_text(
        json.dumps(saved.to_json_dict()), encoding="utf-8"
    )
    charter_path.write_text(
        charter_path.read_text().replace("churn.checks.yaml", "churn.checks.json")
    )

    result = runner.run_journey(
        charter_path, runs_dir=tmp_path / "runs", stages=[3], data_docs=True
    )

    assert result.exit_code == 2
    gate = next(g for g in result.manifest["gates"] if g["gate"] == "data_contract")
    (reason,) = gate["reasons"]
    assert reason.startswith(
        "churn.checks.json: expect_column_max_to_be_between on tenure_months: "
        "expected maximum at most 1, found max is "
    )
    assert gate["details"]["evaluated"] == len(document["expectations"])
    page = (result.run_dir / "03_data_strategy.html").read_text(encoding="utf-8")
    link = re.search(r'href="(data_docs/validations/[^"]+\.html)"', page)
    assert link is not None
    docs_page = result.run_dir / unquote(link.group(1))
    assert "tenure_months" in docs_page.read_text(encoding="utf-8")
    assert remote_loads(result.run_dir / "data_docs") == []


def test_a_malformed_contract_stops_stage_3_naming_the_file(tmp_path):
    contract = "suite: churn\nexpectations:\n  - type: expect_colum_to_exist\n"
    charter_path = example(tmp_path / "ex", contract=contract)

    code, _, stopped = stage_3(charter_path, tmp_path)

    assert code == 2
    assert "churn.checks.yaml: expectations[0]: unknown expectation type" in stopped


def test_personal_data_never_reaches_the_report_the_manifest_or_the_terminal(
    tmp_path,
):
    frame = synthetic.churn(customers=1500, seed=7)
    frame["email"] = [f"customer{i}@example.com" for i in range(len(frame))]
    frame["phone"] = [f"010-{1000 + i % 9000:04d}-{i % 10000:04d}" for i in range(1500)]
    contract = (REPO / "data_checks" / "churn.yaml").read_text() + (
        "  - type: expect_column_values_to_match_regex\n    column: email\n"
        "    regex: '@corp\\.example$'\n"
    )
    charter_path = example(tmp_path / "ex", frame=frame, contract=contract)

    code, _, stopped = stage_3(charter_path, tmp_path)

    assert code == 2  # the e-mail rule fails; its examples are masked
    run_dir = next((tmp_path / "churn-tiny").iterdir())
    found = journey.load(run_dir, strategy_stage.STAGE, DataStrategyEvidence).evidence
    assert {p.column for p in found.pii} == {"email", "phone"}
    assert "email" in found.excluded
    written = [
        (run_dir / "03_data_strategy.html").read_text(),
        (run_dir / "manifest.json").read_text(),
        (run_dir / "results" / "03_data_strategy.json").read_text(),
        (run_dir / "notebooks" / "03_data_strategy.ipynb").read_text(),
        stopped,
    ]
    for text in written:
        assert "@example.com" not in text
        assert "010-1000-0000" not in text
    assert "xxxxxxxx#@xxxxxxx.xxx" in stopped


def test_stage_3_reads_sql_and_records_the_query_and_row_hash(tmp_path):
    folder = tmp_path / "ex"
    charter_path = example(folder)
    connection = sqlite3.connect(folder / "crm.db")
    synthetic.churn(customers=1500, seed=7).to_sql("customers", connection, index=False)
    connection.close()
    raw = yaml.safe_load(charter_path.read_text())
    raw["data"].pop("path")
    raw["data"]["sql"] = {"url": "sqlite:///crm.db", "query": "SELECT * FROM customers"}
    charter_path.write_text(yaml.safe_dump(raw))

    papermill.execute_notebook(
        str(REPO / "notebooks" / "03_data_strategy.ipynb"),
        str(tmp_path / "out.ipynb"),
        parameters={
            "charter_path": str(charter_path),
            "data_path": "",
            "out_dir": str(tmp_path),
        },
        kernel_name="python3",
        progress_bar=False,
        cwd=str(tmp_path),
    )

    outcome = journey.load(tmp_path, strategy_stage.STAGE, DataStrategyEvidence)
    found = outcome.evidence.fingerprint
    assert (found.kind, found.rows, found.location) == (
        "sql",
        1500,
        "sqlite:///crm.db",
    )
    assert found.query == "SELECT * FROM customers"
    assert outcome.status == "passed"


def test_a_failing_sql_query_stops_stage_3_with_a_data_error(tmp_path):
    folder = tmp_path / "ex"
    charter_path = example(folder)
    sqlite3.connect(folder / "crm.db").close()
    raw = yaml.safe_load(charter_path.read_text())
    raw["data"].pop("path")
    raw["data"]["sql"] = {"url": "sqlite:///crm.db", "query": "SELECT * FROM customers"}
    charter_path.write_text(yaml.safe_dump(raw))

    with pytest.raises(papermill.PapermillExecutionError) as caught:
        papermill.execute_notebook(
            str(REPO / "notebooks" / "03_data_strategy.ipynb"),
            str(tmp_path / "out.ipynb"),
            parameters={
                "charter_path": str(charter_path),
                "data_path": "",
                "out_dir": str(tmp_path),
            },
            kernel_name="python3",
            progress_bar=False,
            cwd=str(tmp_path),
        )

    assert caught.value.ename == "DataError"
    assert exit_code_for(caught.value.ename) == 2
    assert "data.sql.query failed on sqlite:///crm.db" in caught.value.evalue
    assert "no such table: customers" in caught.value.evalue
