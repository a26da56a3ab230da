import datetime as dt
import json
import re
from pathlib import Path

import pytest

from playbook.core.journey import STAGES
from playbook.report import portfolio

NOW = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)


def write_run(
    runs_dir: Path,
    poc: str,
    run_id: str,
    *,
    status: str = "complete",
    reached: int = 7,
    decision: str | None = "go",
    lift: float | None = 3e6,
    overrides: dict | None = None,
    title: str | None = None,
    owner: str | None = "Retention product owner",
) -> Path:
    folder = runs_dir / poc / run_id
    folder.mkdir(parents=True)
    stages = {
        stage.key: {
            "number": stage.number,
            "title": stage.title,
            "status": (
                "not_run"
                if stage.number > reached
                else status
                if stage.number == reached
                else "complete"
            ),
        }
        for stage in STAGES
    }
    kpi = (
        None
        if lift is None
        else {
            "metric": "Net value",
            "unit": "KRW",
            "period": "month",
            "baseline": 1e6,
            "model": 1e6 + lift,
            "lift": lift,
            "lift_ci_low": lift - 1e6,
            "lift_ci_high": lift + 1e6,
            "min_lift": 2e6,
        }
    )
    record = {
        "poc": poc,
        "title": title or f"Title of {poc}",
        "run_id": run_id,
        "status": status,
        "started_at": f"2026-11-{run_id[6:8]}T10:00:00+00:00",
        "owner": owner,
        "seed": 42,
        "synthetic_data": True,
        "parameters": {"seed": 42, "overrides": overrides or {}},
        "stages": stages,
        "kpi": kpi,
        "decision": decision,
    }
    (folder / "manifest.json").write_text(json.dumps(record))
    return folder


@pytest.fixture
def runs(tmp_path):
    runs_dir = tmp_path / "runs"
    write_run(runs_dir, "churn", "20261120-100000-000001", decision="iterate", lift=1e6)
    write_run(runs_dir, "churn", "20261124-100000-000001", decision="go", lift=3e6)
    write_run(
        runs_dir,
        "churn",
        "20261125-100000-000001",
        overrides={"kpi.capacity_per_period": 300},
        decision="stop",
        lift=-5e5,
    )
    write_run(
        runs_dir,
        "fraud",
        "20261125-110000-000001",
        status="stopped",
        reached=3,
        decision=None,
        lift=None,
        owner=None,
    )
    return runs_dir


def test_runs_group_by_poc_and_scenario_with_the_latest_last(runs):
    found = portfolio.collect(runs)
    rows = {(poc.poc, poc.scenario): poc for poc in found.pocs}
    assert set(rows) == {
        ("churn", ""),
        ("churn", "kpi.capacity_per_period=300"),
        ("fraud", ""),
    }
    churn = rows["churn", ""]
    assert [run.decision for run in churn.runs] == ["iterate", "go"]
    assert churn.latest.lift == 3e6
    assert rows["fraud", ""].latest.stage_reached == 3
    assert found.run_count == 4


def test_page_shows_each_poc_its_stage_decision_lift_trend_owner_age_and_links(runs):
    page = portfolio.render(portfolio.collect(runs), now=NOW)
    assert page.count('<tr data-search="') == 3
    assert "3. Data strategy" in page
    assert "stopped by a gate" in page
    assert ">GO<" in page and ">STOP<" in page and ">none yet<" in page
    assert "3.0M KRW" in page and "[2.0M, 4.0M] per month" in page
    assert page.count('<svg class="spark"') == 2
    assert "Retention product owner" in page
    assert "6 d" in page  # the churn row's first run, 2026-11-20, six days before NOW
    assert 'href="churn/20261124-100000-000001/index.html"' in page
    assert 'href="churn/20261120-100000-000001/index.html"' in page
    assert "36.0M KRW" in page  # value at stake: the go POC's 3M a month, a year
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)


def test_strings_from_manifests_are_escaped(tmp_path):
    write_run(
        tmp_path, "x", "20261125-100000-000001", title="<script>alert(1)</script>"
    )
    page = portfolio.render(portfolio.collect(tmp_path), now=NOW)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_an_unreadable_manifest_is_listed_and_the_rest_still_shows(runs):
    broken = runs / "churn" / "20261126-000000-000001"
    broken.mkdir()
    (broken / "manifest.json").write_text("{not json")
    found = portfolio.collect(runs)
    assert found.unreadable == ("churn/20261126-000000-000001/manifest.json",)
    page = portfolio.render(found, now=NOW)
    assert "Runs that could not be read" in page
    assert page.count('<tr data-search="') == 3


def test_write_puts_the_page_and_one_plotly_copy_in_the_runs_folder(runs):
    page = portfolio.write(runs, now=NOW)
    assert page == runs / "index.html"
    assert (runs / "_portfolio" / "assets" / "plotly.min.js").is_file()
    assert '<script src="_portfolio/assets/plotly.min.js">' in page.read_text()
    assert not list(runs.glob(".*.partial"))


def test_an_empty_runs_folder_gets_a_page_that_says_so(tmp_path):
    page = portfolio.write(tmp_path / "runs", now=NOW).read_text()
    assert "No runs yet" in page


@pytest.mark.browser
def test_portfolio_draws_its_chart_and_table_offline(runs, chromium, tmp_path):
    page = portfolio.write(runs, now=NOW)
    dom = chromium(tmp_path / "profile", "--dump-dom", page.as_uri())
    assert 'class="main-svg"' in dom
    assert "3 of 3 shown" in dom  # the filter script ran
    assert "POCs by stage reached" in dom


# A journey refreshing the portfolio of its runs folder: tests/test_journey.py, on
# its complete run (a journey of its own here cost a kernel for stage 1 alone).


def test_report_command_writes_the_page_or_names_the_missing_folder(runs, tmp_path):
    from typer.testing import CliRunner

    from playbook.cli.app import app

    written = CliRunner().invoke(app, ["report", str(runs)])
    missing = CliRunner().invoke(app, ["report", str(tmp_path / "nowhere")])

    assert written.exit_code == 0, written.output
    assert (runs / "index.html").exists()
    assert missing.exit_code == 1
    assert "nowhere: no such runs folder" in missing.output


def test_the_time_a_portfolio_was_written_reads_as_its_reader_writes_it(runs):
    found = portfolio.collect(runs)
    assert "written 2026-11-26 12:00 UTC" in portfolio.render(found, now=NOW)
    korean = portfolio.render(found, now=NOW, language="ko")
    assert "2026년 11월 26일 12:00 UTC" in korean
