"""The command line in Korean: `--lang ko` (or a Korean charter) leaves no English
sentence in what `check`, `init`, `demo`, `run`, `batch`, `score` and `report` print,
and the portfolio's frame and rows are each in their own language."""

import datetime as dt
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from rich.console import Console
from typer.testing import CliRunner

from playbook.cli import journey_output, progress
from playbook.cli.app import app
from playbook.core.journey import STAGES
from playbook.report import portfolio
from playbook.run import runner
from playbook.run.batch import BatchEvent, BatchResult, JobResult, Outcome
from playbook.run.batch_spec import Job
from tests.korean_text import HANGUL, english_lines, english_sentences
from tests.test_portfolio import write_run

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def _invoke(*args: str):
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.output
    )
    return result


@pytest.fixture
def open_charter(tmp_path: Path) -> Path:
    """The Korean churn template with the questions it leaves open: warnings only."""
    charter = yaml.safe_load((TEMPLATES / "ko" / "churn.yaml").read_text("utf-8"))
    del charter["budget"]
    charter["team"]["process"] = ""
    charter["success"]["trade_offs"] = ""
    charter["timeline"]["end"] = "2028-12-31"
    path = tmp_path / "charter.yaml"
    path.write_text(yaml.safe_dump(charter, allow_unicode=True), encoding="utf-8")
    return path


def test_check_in_korean_has_no_english_sentence(open_charter):
    result = _invoke("check", str(open_charter), "--lang", "ko")
    assert result.exit_code == 0, result.output
    assert "경고: budget: 예산이 없습니다" in result.output
    assert "일정이" in result.output and "팀 운영 방식이 없습니다" in result.output
    assert "데이터 열을 검사하지 않았습니다" in result.output
    assert english_lines(result.output) == []


def test_check_speaks_the_charters_language_unless_told_otherwise(open_charter):
    # templates/ko sets report.language: ko; --lang overrides it.
    asked = _invoke("check", str(open_charter))
    assert "경고: budget: 예산이 없습니다" in asked.output
    assert english_lines(asked.output) == []
    english = _invoke("check", str(open_charter), "--lang", "en")
    assert ": warning: budget: no budget. Add budget.amount" in english.output


def test_check_in_english_is_unchanged(open_charter):
    result = _invoke("check", str(open_charter), "--lang", "en")
    assert ": warning: budget: no budget. Add budget.amount" in result.output
    assert "warnings: the charter is ready." in result.output


def test_check_finds_a_missing_column_in_korean(open_charter):
    charter = yaml.safe_load(open_charter.read_text("utf-8"))
    data = open_charter.parent / "data.csv"
    data.write_text("customer_id,renewal_month,churned\n1,2026-01,0\n")
    charter["data"]["path"] = data.name
    open_charter.write_text(yaml.safe_dump(charter, allow_unicode=True), "utf-8")
    result = _invoke("check", str(open_charter), "--lang", "ko")
    assert result.exit_code == 2
    assert "차단:" in result.output and "열이 없습니다" in result.output
    assert "데이터의 열: customer_id, renewal_month, churned." in result.output
    assert english_lines(result.output) == []


def test_the_line_check_finds_english_in_a_terminal_line():
    assert english_lines("결정: GO\nThe data has no column") == [
        "The data has no column"
    ]
    assert english_lines("`playbook check charter.yaml`를 실행하십시오") == []


def test_init_in_korean(tmp_path):
    result = _invoke(
        "init",
        "--template",
        str(TEMPLATES / "ko" / "churn.yaml"),
        "--out",
        str(tmp_path / "new.yaml"),
        "--set",
        "kpi.min_lift=200만원",
        "--no-interactive",
        "--lang",
        "ko",
    )
    assert result.exit_code == 0, result.output
    assert "템플릿으로" in result.output and "다음 단계" in result.output
    assert english_lines(result.output) == []


def test_demo_without_running_in_korean(tmp_path):
    result = _invoke(
        "demo", "--out", str(tmp_path / "ex"), "--rows", "500", "--no-run",
        "--lang", "ko",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "SYNTHETIC churn 예제" in result.output
    assert english_lines(result.output, identifiers=("churn",)) == []


def _korean_manifest() -> dict:
    return {
        "language": "ko",
        "stages": {
            "03_data_strategy": {
                "number": 3,
                "title": "Data strategy",
                "status": "failed",
                "notebook": "notebooks/03_data_strategy.ipynb",
                "error": {"cell": 2, "name": "DataError", "message": "열이 없습니다"},
            }
        },
        "gates": [
            {
                "gate": "data",
                "stage": "03_data_strategy",
                "passed": False,
                "reasons": ["데이터 계약을 통과하지 못했습니다"],
            }
        ],
        "decision": "iterate",
        "reasons": ["리프트가 최소 리프트에 못 미칩니다"],
        "kpi": {
            "metric": "월 순이익",
            "model": 3.2e6,
            "baseline": 1.1e6,
            "unit": "KRW",
        },
    }


def test_a_korean_runs_summary_has_no_english_sentence(tmp_path, monkeypatch):
    def run(charter, options, *, console):
        return runner.JourneyResult(tmp_path / "run", 2, _korean_manifest())

    monkeypatch.setattr(journey_output, "run_with_progress", run)
    result = _invoke("run", str(tmp_path / "c.yaml"))
    assert result.exit_code == 2
    out = result.output
    assert "결정: 보완 후 재검토 (ITERATE)" in out
    assert "월 순이익: 모델 320만원, 현행 110만원" in out
    assert "3단계(03_data_strategy)가" in out and "data 게이트가" in out
    assert "보고서:" in out
    assert english_lines(out, identifiers=("DataError",)) == []


def test_stage_lines_in_korean_and_english(tmp_path, monkeypatch):
    stage = STAGES[3]

    def journey(charter, **options):
        for event in (
            runner.StageEvent(stage, "running"),
            runner.StageEvent(stage, "complete", seconds=1.25, summary="요약"),
        ):
            options["on_event"](event)
        return runner.JourneyResult(tmp_path, 0, {})

    monkeypatch.setattr(runner, "run_journey", journey)
    lines = {}
    for language in ("ko", "en"):
        console = Console(record=True, width=200, force_terminal=False)
        options = journey_output.JourneyOptions(tmp_path, language=language)
        journey_output.run_with_progress(tmp_path / "c.yaml", options, console=console)
        lines[language] = console.export_text().strip()
    assert lines[
        "ko"
    ] == "7단계 중 4단계: POC: 기준선 대 모델: 완료 (1.2초) - 요약" or (
        lines["ko"].startswith("7단계 중 4단계:")
        and "완료 (1.2초) - 요약" in lines["ko"]
    )
    assert english_lines(lines["ko"], identifiers=("POC",)) == []
    assert (
        lines["en"] == "Stage 4 of 7: POC: baseline versus model: done in 1.2s - 요약"
    )


def _job(name: str) -> Job:
    return Job(
        index=0, poc=name, charter=Path("c.yaml"), data=None, stages=(1,), seed=None,
        overrides={}, notebooks=None, fingerprint=None,
    )  # fmt: skip


def test_batch_progress_and_table_in_korean(tmp_path):
    job = _job("churn")
    kpi = {"lift": 2.112e6, "lift_ci_low": 1e6, "lift_ci_high": 3e6, "unit": "KRW"}
    done = JobResult(job, Outcome.COMPLETE, 0, decision="go", kpi=kpi, seconds=61)
    failed = JobResult(_job("fraud"), Outcome.FAILED, 1, stage="3", message="실패")
    console = Console(record=True, width=200, force_terminal=False)
    with progress.BatchProgress(console, total=2, language="ko") as show:
        show(BatchEvent(job, "started"))
        show(BatchEvent(job, "finished", result=done))
        console.print(show._render())
    result = BatchResult("b1", tmp_path, tmp_path / "r.json", (done, failed), 61.0)
    console.print(progress.results_table(result, language="ko"))
    out = console.export_text()
    assert "종료  churn: 완료, 진행 (GO), 리프트 211만원 [100만원, 300만원]" in out
    assert "여정 2개 중 1개 종료 (완료 1건)" in out
    assert "완료하지 못한 여정과 그 이유:" in out and "- fraud (3단계): 실패" in out
    assert english_lines(out, identifiers=("churn", "fraud")) == []


def test_score_says_what_it_did_in_korean(tmp_path, monkeypatch):
    from playbook.serve import scoring

    done = SimpleNamespace(
        rows=1200, periods=3, acted=150, task="top_k", out=tmp_path / "s.csv",
        contract=SimpleNamespace(evaluated=12),
        capacity=scoring.ListCapacity(
            per_period=40, applied=5, rows=250, cases_per_period=2000.0,
            period="month", whole_file=False,
        ),
    )  # fmt: skip
    monkeypatch.setattr(scoring, "score_file", lambda *args, **kwargs: done)
    data = tmp_path / "d.csv"
    data.write_text("a\n1\n")
    result = _invoke("score", str(tmp_path), str(data), "--lang", "ko")
    assert "3개 기간의 1,200행에 점수를 매겼고, 이 중 150행이" in result.output
    assert "목록의 용량은 5건입니다. 월당 40건" in result.output
    assert english_lines(result.output) == []
    english = _invoke("score", str(tmp_path), str(data))
    assert english.output.startswith(
        "Scored 1,200 rows over 3 period(s); 150 on the list to act on. Data "
        "contract: 12 expectations met."
    )


@pytest.fixture
def mixed_runs(tmp_path: Path) -> Path:
    """A Korean run, an English one stopped by a gate, under one runs folder."""
    runs_dir = tmp_path / "runs"
    korean = write_run(runs_dir, "churn", "20261120-100000-000001", title="고객 유지")
    record = json.loads((korean / "manifest.json").read_text())
    (korean / "manifest.json").write_text(json.dumps({**record, "language": "ko"}))
    write_run(
        runs_dir, "fraud", "20261121-100000-000001", status="stopped", reached=3,
        decision=None, lift=None, owner=None,
    )  # fmt: skip
    return runs_dir


def test_report_writes_the_portfolio_frame_in_korean(mixed_runs):
    result = _invoke("report", str(mixed_runs), "--lang", "ko")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("포트폴리오:")
    html = (mixed_runs / "index.html").read_text(encoding="utf-8")
    assert '<html lang="ko">' in html and "POC 포트폴리오" in html
    rows = html.split("<tbody>", 1)[1]
    korean_row, english_row = (
        rows.split('data-decision="go"')[1],
        rows.split('data-status="stopped"')[1].split("</tr>")[0],
    )
    assert "진행 (GO)" in korean_row and "월 기준" in korean_row
    # The English run's row stays in its own language inside the Korean frame.
    assert "stopped by a gate" in english_row and "no KPI yet" in english_row


def test_a_korean_portfolio_holds_no_english_sentence(mixed_runs):
    for manifest in (mixed_runs / "fraud").glob("*/manifest.json"):
        record = json.loads(manifest.read_text())
        manifest.write_text(json.dumps({**record, "language": "ko"}))
    html = portfolio.render(
        portfolio.collect(mixed_runs),
        now=dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
        language="ko",
    )
    assert HANGUL.search(html)
    assert "10일 전" in html and "11일 전" in html
    # The runs folder and the owner are the user's words, not the page's.
    given = (str(mixed_runs.resolve()), "Retention product owner", "churn", "fraud")
    assert english_sentences(html, identifiers=given) == []
    assert "M KRW" not in html.split("<tbody>", 1)[1]


def test_the_english_portfolio_keeps_its_words(mixed_runs):
    html = portfolio.render(
        portfolio.collect(mixed_runs), now=dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    )
    assert '<html lang="en">' in html and "<h1>POC portfolio</h1>" in html
    assert "stopped by a gate" in html and "10 d ago" in html
    frame, rows = html.split("<tbody>", 1)
    english_row = rows.split('data-status="stopped"')[1].split("</tr>")[0]
    assert not HANGUL.search(frame) and not HANGUL.search(english_row)


def test_schema_problems_in_korean(open_charter):
    charter = yaml.safe_load(open_charter.read_text("utf-8"))
    charter["kpi"]["min_lift"] = "200만원"
    charter["kpi"]["period"] = "mont"
    charter["timline"] = {}
    charter["seed"] = -1
    del charter["data"]["checks"]
    open_charter.write_text(yaml.safe_dump(charter, allow_unicode=True), "utf-8")
    result = _invoke("check", str(open_charter), "--lang", "ko")
    out = result.output
    assert result.exit_code == 2
    assert "kpi.min_lift: '200만원' 값을 2,000,000으로 읽었습니다" in out
    assert "timline: 알 수 없는 필드입니다. timeline을(를) 뜻했습니까?" in out
    assert "data.checks 필드가 없습니다" in out and "이상의 정수" in out
    assert english_lines(out, identifiers=("mont",)) == []
    english = _invoke("check", str(open_charter), "--lang", "en").output
    assert "kpi.min_lift: read '200만원' as 2,000,000. Write the plain" in english
    assert "timline: unknown field. Did you mean timeline?" in english


def test_a_file_outside_the_charters_folder_is_refused_in_korean(open_charter):
    charter = yaml.safe_load(open_charter.read_text("utf-8"))
    (open_charter.parent / "x.checks.yaml").write_text("expectations: []\n")
    charter["data"]["checks"] = "../x.checks.yaml"
    inner = open_charter.parent / "project" / "charter.yaml"
    inner.parent.mkdir()
    inner.write_text(yaml.safe_dump(charter, allow_unicode=True), "utf-8")
    result = _invoke("check", str(inner), "--lang", "ko")
    assert result.exit_code == 2
    assert "폴더(" in result.output and "밖에 있어 열지 않았습니다" in result.output
    assert english_lines(result.output) == []
    english = _invoke("check", str(inner), "--lang", "en").output
    assert "is outside the folders playbook may read from" in english
