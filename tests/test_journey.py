"""The stage notebooks executed end to end by papermill on a tiny SYNTHETIC example."""

import hashlib
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from urllib.parse import unquote

import nbformat
import pandas as pd
import pytest
import yaml
from tiny import make_example

from playbook.core.journey import STAGES
from playbook.run import runner
from playbook.synthetic import churn as synthetic

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CONTRACT_FIELDS = {
    "poc",
    "run_id",
    "stages",
    "charter_sha256",
    "data_sha256",
    "packages",
    "seed",
    "gates",
    "kpi",
    "decision",
    "reasons",
}
KPI_FIELDS = {
    "metric",
    "baseline",
    "model",
    "lift",
    "lift_ci_low",
    "lift_ci_high",
    "min_lift",
}

pytestmark = pytest.mark.journey


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "playbook", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def complete_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("journey")
    charter_path = make_example(root / "example")
    result = run_cli(
        "run", str(charter_path), "--runs-dir", str(root / "runs"), cwd=root
    )
    runs = sorted((root / "runs" / "churn-tiny").iterdir())
    return result, runs[-1]


@pytest.fixture(scope="module")
def drifted_rerun(complete_run):
    """A second run of the same POC after its fresh batch has drifted strongly."""
    _, first = complete_run
    root = first.parents[2]
    example = root / "example"
    make_example(example, fresh_shift=1.0)
    result = run_cli(
        "run", str(example / "charter.yaml"), "--runs-dir", str(root / "runs"), cwd=root
    )
    second = sorted((root / "runs" / "churn-tiny").iterdir())[-1]
    return result, first, second


def test_fixture_charter_keeps_the_template_structure():
    template = yaml.safe_load((REPO / "templates" / "churn.yaml").read_text())
    tiny = yaml.safe_load((FIXTURES / "tiny_charter.yaml").read_text())

    def keys(node, prefix=""):
        if not isinstance(node, dict):
            return set()
        found = set()
        for key, value in node.items():
            found |= {prefix + key} | keys(value, prefix + key + ".")
        return found

    assert keys(tiny) == keys(template)


def test_journey_completes_with_exit_0_and_prints_the_decision(complete_run):
    result, run_dir = complete_run
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Decision:" in result.stdout
    assert str(run_dir / "index.html") in result.stdout.replace("\n", "")
    for stage in STAGES:
        assert f"Stage {stage.number} of 7: {stage.title}" in result.stdout


def test_manifest_holds_every_contract_field(complete_run):
    _, run_dir = complete_run
    record = json.loads((run_dir / "manifest.json").read_text())
    assert set(record) >= CONTRACT_FIELDS
    assert set(record["kpi"]) >= KPI_FIELDS
    assert record["poc"] == "churn-tiny"
    assert record["run_id"] == run_dir.name
    assert record["seed"] == 42
    assert record["status"] == "complete"
    assert len(record["charter_sha256"]) == len(record["data_sha256"]) == 64
    assert {"python", "pandas", "scikit-learn", "great-expectations"} <= set(
        record["packages"]
    )
    assert [entry["status"] for entry in record["stages"].values()] == ["complete"] * 7
    assert {gate["gate"]: gate["passed"] for gate in record["gates"]} == {
        "charter": True,
        "data_contract": True,
    }
    assert record["decision"] in {"go", "iterate", "stop"}
    assert record["reasons"]


def test_decision_follows_from_the_numbers_in_the_manifest(complete_run):
    _, run_dir = complete_run
    record = json.loads((run_dir / "manifest.json").read_text())
    kpi = record["kpi"]
    assert kpi["lift"] == pytest.approx(kpi["model"] - kpi["baseline"])
    assert kpi["lift_ci_low"] <= kpi["lift"] <= kpi["lift_ci_high"]
    # The strict rule (the template's): GO only when the interval's low end
    # reaches the minimum.
    if kpi["lift_ci_low"] >= kpi["min_lift"]:
        expected = "go"
    elif kpi["lift_ci_high"] < kpi["min_lift"]:
        expected = "stop"
    else:
        expected = "iterate"
    # Stage 7 can only make it worse, by the problems it found after stage 4.
    caps = [d["to"] for d in _evidence(run_dir, "07_scale_up_evaluation")["downgrades"]]
    expected = max([expected, *caps], key=["go", "iterate", "stop"].index)
    assert record["decision"] == expected


def test_every_stage_leaves_an_executed_notebook_a_report_and_an_outcome(complete_run):
    _, run_dir = complete_run
    for stage in STAGES:
        executed = nbformat.read(run_dir / "notebooks" / stage.notebook, as_version=4)
        assert any(
            cell.get("outputs") for cell in executed.cells if cell.cell_type == "code"
        )
        html = (run_dir / f"{stage.key}.html").read_text()
        assert "SYNTHETIC" in html
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
        assert (
            json.loads((run_dir / "results" / f"{stage.key}.json").read_text())["stage"]
            == stage.key
        )
    assert (run_dir / "index.html").exists()
    assert (run_dir / "assets" / "plotly.min.js").exists()


def test_stage_7_finds_the_untouched_run_reproduces_without_repeating_stage_4(
    complete_run,
):
    _, run_dir = complete_run
    stage7 = json.loads(
        (run_dir / "results" / "07_scale_up_evaluation.json").read_text()
    )
    (item,) = [
        i
        for i in stage7["evidence"]["readiness"]["items"]
        if i["concern"] == "reproducibility"
    ]
    assert item["status"] == "met", item["evidence"]
    assert "ids and scores identical" in item["evidence"]
    assert "equals stage 4's to the last digit" in item["evidence"]
    assert "bit for bit" in item["evidence"]


def test_stage_4_states_what_its_diagnostics_measured(complete_run):
    _, run_dir = complete_run
    found = _evidence(run_dir, "04_poc")
    scope, speed = found["importance_scope"], found["latency"]
    # Narrow data: every feature shuffled on (a sample of at most 2,000) test rows.
    assert scope["sample_rows"] == min(scope["test_rows"], 2000) > 0
    assert scope["shuffled"] == scope["candidates"] == scope["features"] > 0
    assert not scope["stopped_early"] and not scope["encoded_once"]
    assert speed["batch_calls"] >= 3 and speed["row_calls"] >= 3
    page = (run_dir / "04_poc.html").read_text()
    rows = (
        f"all {scope['test_rows']:,} test rows"
        if scope["sample_rows"] == scope["test_rows"]
        else f"{scope['sample_rows']:,} of the {scope['test_rows']:,} test rows"
    )
    assert f"{rows}, each feature shuffled 5 times" in page
    assert (
        f"p50 and p95 of {speed['batch_calls']} whole-batch and "
        f"{speed['row_calls']} one-row calls"
    ) in page


@pytest.mark.browser
def test_run_index_shows_the_decision_and_a_drawn_chart_offline(
    complete_run, chromium, tmp_path
):
    _, run_dir = complete_run
    record = json.loads((run_dir / "manifest.json").read_text())
    dom = chromium(
        tmp_path / "profile", "--dump-dom", (run_dir / "index.html").as_uri()
    )
    assert f">{record['decision'].upper()}<" in dom
    assert record["reasons"][0].split("(")[0].strip() in dom
    assert 'class="main-svg"' in dom
    stage = chromium(
        tmp_path / "profile", "--dump-dom", (run_dir / "04_poc.html").as_uri()
    )
    assert stage.count('class="main-svg"') >= 3


def test_every_run_has_a_memo_linked_first_with_relative_commands(complete_run):
    _, run_dir = complete_run
    record = json.loads((run_dir / "manifest.json").read_text())
    index = (run_dir / "index.html").read_text(encoding="utf-8")
    memo = (run_dir / "memo.html").read_text(encoding="utf-8")
    script = (run_dir / "next_steps.sh").read_text(encoding="utf-8")

    assert re.search(r'<a href="([^"]+)"', index)[1] == "memo.html"
    assert f">{record['decision'].upper()}<" in memo
    assert re.search(r"pays back the [\d.]+[kM]? KRW budget in|Does not pay back", memo)
    assert "playbook score . NEW_DATA.csv" in memo
    assert str(run_dir) not in memo and str(run_dir.parents[2]) not in script
    assert "../../../example/charter.yaml" in script


def test_a_journey_refreshes_the_portfolio_of_its_runs_folder(complete_run):
    result, run_dir = complete_run
    record = json.loads((run_dir / "manifest.json").read_text())
    page = (run_dir.parents[1] / "index.html").read_text()
    assert result.returncode == 0
    assert "churn-tiny" in page
    assert f"churn-tiny/{run_dir.name}/index.html" in page
    assert record["owner"] == "Retention product owner"
    assert record["journey_sha256"]


def test_a_second_run_gets_a_new_folder_and_keeps_the_first(complete_run, tmp_path):
    _, first = complete_run
    before = (first / "manifest.json").read_bytes()
    second = runner.new_run_dir(first.parent.parent, "churn-tiny")
    assert second != first and second.name > first.name
    assert (first / "manifest.json").read_bytes() == before


def test_data_gate_stops_the_journey_with_exit_2_and_names_the_column(tmp_path):
    charter_path = make_example(tmp_path / "example")
    data_file = tmp_path / "example" / "churn_SYNTHETIC.csv"
    frame = synthetic.churn(customers=3000, seed=7)
    frame.loc[frame.index[:25], "customer_id"] = None
    frame.to_csv(data_file, index=False)

    result = run_cli(
        "run", str(charter_path), "--runs-dir", str(tmp_path / "runs"), cwd=tmp_path
    )

    assert result.returncode == 2, result.stdout + result.stderr
    assert "expect_column_values_to_not_be_null" in result.stdout
    assert "customer_id" in result.stdout
    run_dir = next((tmp_path / "runs" / "churn-tiny").iterdir())
    record = json.loads((run_dir / "manifest.json").read_text())
    statuses = {key: entry["status"] for key, entry in record["stages"].items()}
    assert statuses["03_data_strategy"] == "stopped"
    assert [statuses[s.key] for s in STAGES[3:]] == ["not_run"] * 4
    assert record["status"] == "stopped"
    gate = next(g for g in record["gates"] if g["gate"] == "data_contract")
    assert gate["passed"] is False
    assert any("customer_id" in reason for reason in gate["reasons"])
    assert not (run_dir / "04_poc.html").exists()
    assert "journey stops here" in (run_dir / "03_data_strategy.html").read_text()


def test_charter_blocker_stops_the_journey_at_stage_1(tmp_path):
    charter_path = make_example(tmp_path / "example")
    raw = yaml.safe_load(charter_path.read_text())
    del raw["baseline"]
    charter_path.write_text(yaml.safe_dump(raw))

    result = run_cli(
        "run", str(charter_path), "--runs-dir", str(tmp_path / "runs"), cwd=tmp_path
    )

    assert result.returncode == 2, result.stdout + result.stderr
    assert "How is the problem solved today" in result.stdout
    run_dir = next((tmp_path / "runs" / "churn-tiny").iterdir())
    record = json.loads((run_dir / "manifest.json").read_text())
    assert record["stages"]["01_business_question"]["status"] == "stopped"
    assert record["stages"]["02_team"]["status"] == "not_run"


def test_a_column_the_data_lacks_stops_stage_3_naming_the_charter_field(tmp_path):
    charter_path = make_example(tmp_path / "example")
    data_file = tmp_path / "example" / "churn_SYNTHETIC.csv"
    synthetic.churn(customers=3000, seed=7).drop(columns=["late_payments_12m"]).to_csv(
        data_file, index=False
    )

    result = run_cli(
        "run",
        str(charter_path),
        "--stages",
        "3",
        "--runs-dir",
        str(tmp_path / "runs"),
        cwd=tmp_path,
    )

    assert result.returncode == 2, result.stdout + result.stderr
    assert (
        "baseline.rule.conditions[2].column names 'late_payments_12m'" in result.stdout
    )
    assert "Traceback" not in result.stdout + result.stderr
    run_dir = next((tmp_path / "runs" / "churn-tiny").iterdir())
    record = json.loads((run_dir / "manifest.json").read_text())
    assert record["stages"]["03_data_strategy"]["status"] == "stopped"
    assert record["gates"] == [
        {
            "gate": "data",
            "stage": "03_data_strategy",
            "passed": False,
            "reasons": [record["stages"]["03_data_strategy"]["error"]["message"]],
            "details": None,
        }
    ]


def test_a_crashing_stage_exits_1_names_the_cell_and_keeps_earlier_outputs(tmp_path):
    charter_path = make_example(tmp_path / "example")
    notebooks = tmp_path / "notebooks"
    shutil.copytree(REPO / "notebooks", notebooks)
    broken = nbformat.read(notebooks / "02_team.ipynb", as_version=4)
    broken.cells.insert(
        4, nbformat.v4.new_code_cell("raise RuntimeError('kernel fell over')")
    )
    nbformat.write(broken, notebooks / "02_team.ipynb")

    result = runner.run_journey(
        charter_path,
        runs_dir=tmp_path / "runs",
        stages=[1, 2, 3],
        notebooks_dir=notebooks,
    )

    assert result.exit_code == 1
    record = result.manifest
    assert record["status"] == "failed"
    assert record["stages"]["01_business_question"]["status"] == "complete"
    assert record["stages"]["02_team"]["status"] == "failed"
    error = record["stages"]["02_team"]["error"]
    assert (error["name"], error["message"]) == ("RuntimeError", "kernel fell over")
    executed = nbformat.read(
        result.run_dir / "notebooks" / "02_team.ipynb", as_version=4
    )
    assert "kernel fell over" in executed.cells[error["cell"] - 1].source
    assert record["stages"]["03_data_strategy"]["status"] == "not_run"
    assert (result.run_dir / "01_business_question.html").exists()
    assert (result.run_dir / "results" / "01_business_question.json").exists()
    failed_report = (result.run_dir / "02_team.html").read_text()
    assert "RuntimeError: kernel fell over" in failed_report
    assert "Traceback" not in failed_report
    assert json.loads((result.run_dir / "manifest.json").read_text()) == json.loads(
        json.dumps(record)
    )


def _evidence(run_dir, key):
    return json.loads((run_dir / "results" / f"{key}.json").read_text())["evidence"]


def test_a_drifted_fresh_batch_shows_drift_a_changed_kpi_and_both_runs(drifted_rerun):
    result, first, second = drifted_rerun
    assert result.returncode == 0, result.stdout + result.stderr
    before = _evidence(first, "05_beyond_poc")
    after = _evidence(second, "05_beyond_poc")
    assert not before["alerts"]
    assert after["alerts"], "the strongly drifted batch must put features on alert"
    assert after["fresh_kpi"]["lift"] != before["fresh_kpi"]["lift"]
    runs = _evidence(second, "06_iterate")["runs"]
    assert [run["run_id"] for run in runs] == [first.name, second.name]
    assert "fresh batch" in runs[1]["changed"]
    page = (second / "06_iterate.html").read_text()
    assert first.name in page and second.name in page
    final = json.loads((second / "manifest.json").read_text())
    # Drift is stated as found, or named in the last bullet when the decision box
    # (at most four bullets) has no room left after stage 4's own reasons.
    assert any(
        "drifted past their alerts" in reason
        or (reason.startswith("Also open:") and "drift" in reason)
        for reason in final["reasons"]
    )


def test_score_command_scores_new_data_and_refuses_a_broken_contract(
    complete_run, tmp_path
):
    _, run_dir = complete_run
    fresh = pd.read_csv(run_dir.parents[2] / "example" / "churn_fresh_SYNTHETIC.csv")
    fresh.drop(columns=["churned"]).to_csv(tmp_path / "new.csv", index=False)
    ok = run_cli("score", str(run_dir), "new.csv", "--out", "s.csv", cwd=tmp_path)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert len(pd.read_csv(tmp_path / "s.csv")) == len(fresh)

    broken = fresh.drop(columns=["churned", "plan"])
    broken.to_csv(tmp_path / "broken.csv", index=False)
    refused = run_cli(
        "score", str(run_dir), "broken.csv", "--out", "b.csv", cwd=tmp_path
    )
    assert refused.returncode == 2
    assert "plan" in refused.stdout
    assert not (tmp_path / "b.csv").exists()


def _text_files(folder: Path):
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            try:
                yield path, path.read_text(encoding="utf-8")
            except UnicodeDecodeError:  # the saved model, pictures
                continue


def test_a_zipped_run_folder_opens_and_runs_again_elsewhere(complete_run, tmp_path):
    _, run_dir = complete_run
    root = run_dir.parents[2]
    shared = tmp_path / "shared.zip"
    with zipfile.ZipFile(shared, "w") as archive:  # the run with its charter and data
        for path in [*(root / "example").rglob("*"), *run_dir.rglob("*")]:
            archive.write(path, path.relative_to(root))
    elsewhere = tmp_path / "elsewhere"
    with zipfile.ZipFile(shared) as archive:
        archive.extractall(elsewhere)
    moved = elsewhere / run_dir.relative_to(root)

    texts = dict(_text_files(moved))
    assert moved / "manifest.json" in texts and moved / "next_steps.sh" in texts
    for path, text in texts.items():
        assert str(root) not in text and str(root.resolve()) not in text, path
    for page in [path for path in texts if path.suffix == ".html"]:
        for href in re.findall(r'href="([^"#:]+)[#"]', texts[page]):
            assert (page.parent / unquote(href)).exists(), (page.name, href)
    again = run_cli(
        "run",
        str(moved),
        "--runs-dir",
        str(tmp_path / "again"),
        "--stages",
        "1",
        cwd=tmp_path,
    )
    assert again.returncode == 0, again.stdout + again.stderr
    second = next((tmp_path / "again").glob("*/*/manifest.json"))
    first, record = (
        json.loads(p.read_text()) for p in (moved / "manifest.json", second)
    )
    assert (record["seed"], record["charter_sha256"], record["data_sha256"]) == (
        first["seed"],
        first["charter_sha256"],
        first["data_sha256"],
    )
    assert (second.parent / record["charter_path"]).resolve() == (
        elsewhere / "example" / "charter.yaml"
    ).resolve()


def _fingerprints(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_executing_a_runs_notebook_again_refuses_and_keeps_its_results(
    complete_run, tmp_path
):
    _, run_dir = complete_run
    before = _fingerprints(run_dir / "results")
    executed = run_dir / "notebooks" / "02_team.ipynb"  # the quickest stage

    # As JupyterLab's "Run All" does: the kernel works in the notebook's folder.
    result = subprocess.run(
        [
            *(sys.executable, "-m", "papermill", executed, tmp_path / "out.ipynb"),
            *("--cwd", executed.parent),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )

    assert result.returncode != 0
    said = result.stdout + result.stderr
    assert "FinishedRunError" in said and "nothing in it is overwritten" in said
    assert before and _fingerprints(run_dir / "results") == before
