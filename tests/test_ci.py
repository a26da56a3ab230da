"""CI entry points: --fail-on, JUnit reports, and the pytest plugin."""

import os
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from playbook.cli.app import app
from playbook.core.journey import STAGES
from playbook.errors import BELOW_BAR, FAILURE, GATE
from playbook.run import ci, manifest, runner

REPO = Path(__file__).resolve().parents[1]
PLUGIN = "playbook.cli.pytest_plugin"


def record_of(
    statuses: dict[int, str],
    *,
    decision: str | None = None,
    gate_reasons: tuple[str, ...] = ("no baseline",),
    error_message: str = "boom",
) -> dict:
    """A manifest as the runner writes it, with the given stage statuses."""
    record = manifest.start(
        poc="churn-ci",
        title="CI",
        run_id="20260101-000000-000000",
        charter_path=Path("charter.yaml"),
        charter_sha256="0" * 64,
        data_path="data.csv",
        data_sha256="0" * 64,
        synthetic_data=True,
        seed=1,
        selected=[stage.number for stage in STAGES],
    )
    for stage in STAGES:
        entry = record["stages"][stage.key]
        entry["status"] = statuses.get(stage.number, "not_run")
        entry["seconds"] = 1.5
        if entry["status"] == "stopped":
            record["gates"].append(
                {
                    "gate": "data",
                    "stage": stage.key,
                    "passed": False,
                    "reasons": list(gate_reasons),
                    "details": None,
                }
            )
        if entry["status"] == "failed":
            entry["notebook"] = f"notebooks/{stage.notebook}"
            entry["error"] = {"cell": 4, "name": "ValueError", "message": error_message}
    record["decision"] = decision
    record["reasons"] = ["the lift is below the bar"] if decision else []
    return record


COMPLETE = {number: "complete" for number in range(1, 8)}


@pytest.mark.parametrize(
    ("journey_code", "decision", "fail_on", "expected"),
    [
        (0, "go", "iterate", 0),
        (0, "iterate", "iterate", BELOW_BAR),
        (0, "stop", "iterate", BELOW_BAR),
        (0, "iterate", "stop", 0),
        (0, "stop", "stop", BELOW_BAR),
        (0, "stop", "never", 0),
        (0, None, "iterate", 0),
        (GATE, None, "iterate", GATE),
        (FAILURE, "stop", "iterate", FAILURE),
    ],
)
def test_fail_on_policy(journey_code, decision, fail_on, expected):
    assert ci.exit_code(journey_code, decision, fail_on=fail_on) == expected


def test_below_bar_is_its_own_exit_code():
    assert BELOW_BAR not in {0, GATE, FAILURE, 130, 143}
    with pytest.raises(ValueError, match="use one of never, iterate, stop"):
        ci.exit_code(0, "go", fail_on="always")


def test_junit_has_a_case_per_stage_and_the_decision_with_the_gates_reasons():
    record = record_of({1: "complete", 2: "complete", 3: "stopped"})
    root = ElementTree.fromstring(ci.junit_xml([ci.suite_of(record, fail_on="stop")]))
    suite = root.find("testsuite")
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert list(cases) == [stage.key for stage in STAGES] + ["decision"]
    assert suite.get("tests") == "8"
    assert suite.get("failures") == "1"
    assert suite.get("skipped") == "5"  # stages 4-7 and the decision
    failure = cases["03_data_strategy"].find("failure")
    assert "the data gate stopped the journey: no baseline" in failure.get("message")
    assert cases["01_business_question"].find("failure") is None
    skipped = cases["05_beyond_poc"].find("skipped").get("message")
    assert skipped == "not reached: stage 3 ended the journey"
    assert cases["decision"].find("skipped") is not None


def test_junit_decision_below_the_bar_fails_with_its_reasons():
    record = record_of(COMPLETE, decision="iterate")
    passing = ElementTree.fromstring(
        ci.junit_xml([ci.suite_of(record, fail_on="stop")])
    )
    failing = ElementTree.fromstring(
        ci.junit_xml([ci.suite_of(record, fail_on="iterate")])
    )
    assert passing.find(".//testcase[@name='decision']/failure") is None
    failure = failing.find(".//testcase[@name='decision']/failure")
    assert failure.get("message").startswith("decision ITERATE, below the bar")
    assert "the lift is below the bar" in failure.text


def test_junit_crash_is_an_error_naming_the_cell():
    record = record_of({1: "complete", 2: "failed"})
    root = ElementTree.fromstring(ci.junit_xml([ci.suite_of(record, fail_on="never")]))
    error = root.find(".//testcase[@name='02_team']/error")
    assert "cell 4 of notebooks/02_team.ipynb: ValueError: boom" in error.get("message")
    assert root.find("testsuite").get("errors") == "1"


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.text(max_size=80))
def test_junit_stays_valid_xml_whatever_the_messages_hold(text):
    record = record_of(
        {1: "complete", 2: "stopped"}, gate_reasons=(text,), error_message=text
    )
    record["poc"] = text or "x"
    root = ElementTree.fromstring(ci.junit_xml([ci.suite_of(record, fail_on="never")]))
    assert len(root.find("testsuite").findall("testcase")) == 8


@pytest.fixture
def fake_journey(monkeypatch, tmp_path):
    """runner.run_journey replaced: it returns the record set in `fake.record`."""

    class Fake:
        record = record_of(COMPLETE, decision="go")
        calls: list[Path] = []  # noqa: RUF012

    def run_journey(charter_path, **options):
        Fake.calls.append(Path(charter_path))
        run_dir = tmp_path / "runs" / "churn-ci" / "run"
        run_dir.mkdir(parents=True, exist_ok=True)
        code = {"stopped": 2, "failed": 1}
        statuses = [entry["status"] for entry in Fake.record["stages"].values()]
        exit_code = next((code[s] for s in statuses if s in code), 0)
        return runner.JourneyResult(run_dir, exit_code, Fake.record)

    monkeypatch.setattr(runner, "run_journey", run_journey)
    return Fake


@pytest.mark.parametrize(
    ("decision", "fail_on", "code"),
    [("go", "iterate", 0), ("iterate", "iterate", 3), ("iterate", "stop", 0)],
)
def test_run_fail_on_and_junit(fake_journey, tmp_path, decision, fail_on, code):
    fake_journey.record = record_of(COMPLETE, decision=decision)
    charter = tmp_path / "charter.yaml"
    charter.write_text("poc: x\n")
    junit = tmp_path / "out" / "junit.xml"
    result = CliRunner().invoke(
        app,
        ["run", str(charter), "--fail-on", fail_on, "--junit", str(junit)],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == code, result.output
    root = ElementTree.fromstring(junit.read_text(encoding="utf-8"))
    assert len(root.findall(".//testcase")) == 8
    failed = root.find(".//testcase[@name='decision']/failure") is not None
    assert failed == (code == BELOW_BAR)
    assert ("Below the bar" in result.output) == (code == BELOW_BAR)


def test_run_refuses_an_unknown_fail_on(tmp_path):
    result = CliRunner().invoke(app, ["run", "x.yaml", "--fail-on", "sometimes"])
    assert result.exit_code == 2
    assert "sometimes" in result.output


def test_batch_junit_has_a_suite_per_journey_and_an_error_without_a_run(tmp_path):
    from playbook.run.batch_record import JobResult, Outcome
    from playbook.run.batch_spec import Job

    run_dir = tmp_path / "run"
    manifest.write(run_dir, record_of(COMPLETE, decision="stop"))
    job = Job(0, "churn", Path("c.yaml"), None, (1, 2), None, {}, None, None)
    results = [
        JobResult(job, Outcome.COMPLETE, 0, run_dir=run_dir, decision="stop"),
        JobResult(job, Outcome.TIMED_OUT, 1, message="no answer in 60 s"),
    ]
    root = ElementTree.fromstring(
        ci.junit_xml(ci.batch_suites(results, fail_on="stop"))
    )
    suites = root.findall("testsuite")
    assert [len(suite.findall("testcase")) for suite in suites] == [8, 1]
    assert root.find(".//testcase[@name='decision']/failure") is not None
    error = suites[1].find("testcase/error").get("message")
    assert error == "timed_out: no answer in 60 s"
    assert ci.batch_exit_code(0, results, fail_on="stop") == BELOW_BAR
    assert ci.batch_exit_code(1, results, fail_on="stop") == 1
    assert ci.batch_exit_code(0, results, fail_on="never") == 0


def test_the_plugin_is_declared_as_a_pytest11_entry_point():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["entry-points"]["pytest11"]["playbook"] == PLUGIN


def plugin_args() -> list[str]:
    """Load the plugin by name unless this pytest already has it (its entry point)."""
    from importlib.metadata import entry_points

    installed = any(ep.value == PLUGIN for ep in entry_points(group="pytest11"))
    return [] if installed else ["-p", PLUGIN]


def test_plugin_collects_ini_charters_as_stage_items_and_fails_on_gates(
    pytester, fake_journey
):
    pytester.makeini(
        "[pytest]\nplaybook_charters = charters/*.yaml\nplaybook_markers = journey\n"
        "markers = journey: a journey\n"
    )
    (pytester.path / "charters").mkdir()
    (pytester.path / "charters" / "churn.yaml").write_text("poc: churn\n")
    fake_journey.record = record_of({1: "complete", 2: "complete", 3: "stopped"})
    result = pytester.runpytest_inprocess(
        *plugin_args(), "-p", "no:cacheprovider", "-rA"
    )
    result.assert_outcomes(passed=2, failed=1, skipped=5)
    result.stdout.fnmatch_lines(
        ["*churn.yaml::03_data_strategy*", "the data gate stopped the journey: no*"]
    )
    assert len(fake_journey.calls) == 1  # one journey for all eight items
    deselected = pytester.runpytest_inprocess(*plugin_args(), "-m", "not journey")
    deselected.assert_outcomes(deselected=8)


@pytest.mark.parametrize(
    ("option", "outcomes"),
    [
        ([], {"passed": 7, "failed": 1}),
        (["--playbook-fail-on", "stop"], {"passed": 8}),
    ],
)
def test_plugin_decision_policy_and_playbook_option(
    pytester, fake_journey, option, outcomes
):
    charter = pytester.path / "elsewhere" / "churn.yaml"
    charter.parent.mkdir()
    charter.write_text("poc: churn\n")
    (pytester.path / "test_other.py").write_text("def test_x(): pass\n")
    fake_journey.record = record_of(COMPLETE, decision="iterate")
    result = pytester.runpytest_inprocess(
        *plugin_args(), "--playbook", "elsewhere/churn.yaml", *option
    )
    # --playbook alone runs the charter, not the folder's other tests.
    result.assert_outcomes(**outcomes)


def test_plugin_selected_stages_and_a_journey_that_cannot_start(pytester, monkeypatch):
    from playbook.errors import CharterError

    def refuse(charter_path, **options):
        assert options["stages"] == [1, 2, 3]
        raise CharterError(f"{charter_path}: seed is missing")

    monkeypatch.setattr(runner, "run_journey", refuse)
    (pytester.path / "c.yaml").write_text("poc: c\n")
    result = pytester.runpytest_inprocess(
        *plugin_args(), "--playbook", "c.yaml", "--playbook-stages", "1-3"
    )
    result.assert_outcomes(failed=1, skipped=3)
    result.stdout.fnmatch_lines(["*the journey could not start*seed is missing*"])


def test_plugin_refuses_a_charter_that_does_not_exist(pytester):
    result = pytester.runpytest_inprocess(*plugin_args(), "--playbook", "nope.yaml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--playbook nope.yaml: no such charter*"])


def poc_ci(repo: Path, junit: Path) -> tuple[int, ElementTree.Element, str]:
    """Run the POC repository's CI (its pytest, through the plugin) as CI would."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", *plugin_args(), f"--junitxml={junit}", "-q"],
        cwd=repo,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=900,
        check=False,
    )
    return done.returncode, ElementTree.parse(junit).getroot(), done.stdout


@pytest.mark.journey
def test_a_poc_repository_ci_passes_then_fails_as_its_decision_changes(tmp_path):
    from tiny import make_example

    repo = tmp_path / "poc-repo"
    # Half the tiny example: its two CI runs of stages 1-4 take a minute less, and its
    # decision is still ITERATE (checked with `playbook run --stages 4`).
    charter = make_example(repo / "charters", customers=1500)
    # The repository's whole CI setup, as docs/ci.md tells a team to write it.
    (repo / "pytest.ini").write_text(
        "[pytest]\nplaybook_charters = charters/charter.yaml\nplaybook_stages = 1-4\n"
        "playbook_fail_on = stop\n",
        encoding="utf-8",
    )
    code, junit, out = poc_ci(repo, tmp_path / "first.xml")
    assert code == 0, out
    cases = junit.findall(".//testcase")
    assert [case.get("name") for case in cases] == [
        "01_business_question",
        "02_team",
        "03_data_strategy",
        "04_poc",
        "decision",
    ]
    assert not junit.findall(".//failure")
    record = manifest.read(next((repo / "runs" / "churn-tiny").iterdir()))
    assert record["decision"] == "iterate"  # the lift's interval includes zero

    fields = yaml.safe_load(charter.read_text(encoding="utf-8"))
    fields["kpi"]["min_lift"] = 10**12  # a bar no model can clear
    charter.write_text(yaml.safe_dump(fields, sort_keys=False), encoding="utf-8")
    # Stage 4 alone decides (it needs no earlier stage's results): the second CI run
    # need not repeat stages 1-3, whose cases the first run checked.
    (repo / "pytest.ini").write_text(
        "[pytest]\nplaybook_charters = charters/charter.yaml\nplaybook_stages = 4\n"
        "playbook_fail_on = stop\n",
        encoding="utf-8",
    )
    code, junit, out = poc_ci(repo, tmp_path / "second.xml")
    assert code == pytest.ExitCode.TESTS_FAILED, out
    failures = junit.findall(".//failure")
    assert len(failures) == 1
    message = failures[0].get("message")
    assert message.startswith("decision STOP, below the bar (--fail-on stop)")
    assert [case.get("name") for case in junit.findall(".//testcase")] == [
        "04_poc",
        "decision",
    ]


def test_the_ci_recipe_is_a_workflow_running_pytest_with_the_documented_keys():
    workflow = yaml.safe_load((REPO / "docs" / "poc-ci.yml").read_text())
    commands = [step.get("run", "") for step in workflow["jobs"]["journey"]["steps"]]
    assert "pytest --junitxml=reports/journey.xml" in commands
    page = (REPO / "docs" / "ci.md").read_text(encoding="utf-8")
    ini = page.split("```ini", 1)[1].split("```", 1)[0]
    keys = {
        line.split("=")[0].strip()
        for line in ini.splitlines()
        if "=" in line and not line.startswith("#")
    }
    import inspect

    from playbook.cli import pytest_plugin

    source = inspect.getsource(pytest_plugin.pytest_addoption)
    assert keys == {
        "playbook_charters",
        "playbook_fail_on",
        "playbook_runs_dir",
        "playbook_stages",
    }
    assert all(f'"{key}"' in source for key in keys)
