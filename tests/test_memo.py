"""The sponsor's memo: its payback time, its open items and commands, its page, its PDF.

Runs are typed evidence built directly (`verdict_runs`), written as run folders; no
journey runs here. The tests marked `browser` print with headless Chromium.
"""

from __future__ import annotations

import re
import shutil
import unicodedata
from pathlib import Path

import pytest
import verdict_runs
from bs4 import BeautifulSoup
from hypothesis import given
from hypothesis import strategies as st
from printed_pages import first_page_png, page_texts, png_pixels
from typer.testing import CliRunner

from playbook.beyond import memo as memos
from playbook.charter.model import Budget
from playbook.cli.app import app
from playbook.errors import ReportError
from playbook.report import memo_page, pages

CHURN = verdict_runs.template("churn")
# The example: 24.0M KRW spent, 25.3M KRW a year earned.
PAYBACK = "pays back the 24.0M KRW budget in about 11 months"


def _kpi(lift: float, low: float | None = None, *, name: str = "churn"):
    poc = CHURN if name == "churn" else verdict_runs.template(name)
    low = lift * 0.8 if low is None else low
    return verdict_runs.kpi(poc, lift=lift, low=low, high=lift * 1.2)


# --- the payback time -----------------------------------------------------------------

KRW_24M = Budget(amount=24_000_000.0, currency="KRW")
PAYBACKS = {
    "the-issue-example": (
        _kpi(25_300_000 / 12),
        KRW_24M,
        "At about 25.3M KRW a year, the model " + PAYBACK + "; at the ends of its "
        "interval, in about 9 months and in about 14 months.",
    ),
    "no-budget": (
        _kpi(2e6),
        None,
        "The charter gives no budget, so there is no payback time to state.",
    ),
    "no-lift": (
        _kpi(0.0, low=-1e5),
        KRW_24M,
        "Does not pay back the 24.0M KRW budget: the model earns 0 KRW per month "
        "more than today's rule.",
    ),
    "a-loss": (
        _kpi(-5e5, low=-9e5),
        KRW_24M,
        "Does not pay back the 24.0M KRW budget: the model earns 500.0k KRW per month "
        "less than today's rule.",
    ),
    "another-currency": (
        _kpi(2e6),
        Budget(amount=20_000.0, currency="USD"),
        "The budget is in USD and the KPI in KRW: no payback time without a rate "
        "between them.",
    ),
    "years": (
        _kpi(5e5),
        KRW_24M,
        "At about 6.0M KRW a year, the model pays back the 24.0M KRW budget in about "
        "4.0 years; at the ends of its interval, in about 3.3 years and in about 5.0 "
        "years.",
    ),
    "within-a-month": (
        _kpi(3e7),
        KRW_24M,
        "At about 360.0M KRW a year, the model pays back the 24.0M KRW budget in less "
        "than a month; at the ends of its interval, in less than a month and in about "
        "1 month.",
    ),
    "interval-reaches-zero": (
        _kpi(2e6, low=-1e5),
        KRW_24M,
        "At about 24.0M KRW a year, the model pays back the 24.0M KRW budget in about "
        "12 months; at the low end of its interval it would not pay back.",
    ),
    "a-weekly-cost-kpi": (
        _kpi(747_000.0, name="demand_forecast"),
        Budget(amount=15_000_000.0, currency="KRW"),
        "At about 38.8M KRW a year, the model pays back the 15.0M KRW budget in about "
        "5 months; at the ends of its interval, in about 4 months and in about 6 "
        "months.",
    ),
}


def test_the_korean_payback_gives_the_times_at_the_interval_ends_too():
    run = verdict_runs.in_korean(verdict_runs.demo_runs()["go"])

    assert run.evidence.memo.payback == (
        "연 약 3,120만원의 가치로 2,400만원 예산을 약 9개월 만에 회수합니다. "
        "신뢰구간의 양 끝에서는 각각 약 8개월, 약 11개월 만에 회수합니다."
    )


@pytest.mark.parametrize(
    ("kpi", "budget", "said"), PAYBACKS.values(), ids=PAYBACKS.keys()
)
def test_payback_is_told_against_the_budget(kpi, budget, said):
    assert memos.payback(kpi, budget) == said


def test_without_stage_4_no_payback_is_told():
    assert memos.payback(None, KRW_24M).startswith("No payback time: stage 4")


@given(
    lift=st.floats(min_value=1e4, max_value=1e9),
    budget=st.floats(min_value=1e5, max_value=1e10),
)
def test_the_payback_time_stated_is_the_budget_over_a_year_of_lift(lift, budget):
    said = memos.payback(_kpi(lift), Budget(amount=budget, currency="KRW"))

    months = 12 * budget / (12 * lift)
    stated = re.search(r"in (less than a month|about ([\d.]+) (months?|years))", said)
    assert stated is not None, said
    if stated[1] == "less than a month":
        assert months < 1
    elif stated[3] == "years":
        assert months > 24 and abs(float(stated[2]) - months / 12) <= 0.05
    else:
        assert 1 <= months <= 24 and abs(int(stated[2]) - months) <= 0.5


# --- open items and commands ----------------------------------------------------------


def test_open_items_name_what_a_person_must_confirm_and_a_stop_has_none():
    run = verdict_runs.demo_runs()["go"]

    items = memos.open_items(run.ready, decision="go")

    assert (
        "Confirm that the model can be rolled back to the previous version: no run "
        "can show it." in items
    )
    assert (
        "Not checked in this run (the stage did not run): every role the POC needs "
        "is staffed." in items
    )
    assert memos.open_items(run.ready, decision="stop") == []


def test_next_steps_are_sentences_and_commands_use_paths_relative_to_the_run():
    run = verdict_runs.demo_runs()["go"]
    outcome = verdict_runs.scale_up_stage.evaluate(
        run.earlier,
        ready=run.ready,
        poc=run.poc,
        charter_file="/home/me/poc/examples/my churn/charter.yaml",
        run_dir="/home/me/poc/runs/churn/20261201-000000",
    )
    memo = outcome.evidence.memo

    assert not any("playbook" in step for step in memo.next_steps)
    assert [c.command for c in memo.commands] == [
        "playbook score . NEW_DATA.csv --out scores.csv",
        "playbook run '../../../examples/my churn/charter.yaml' --data "
        "NEW_EXTRACT.csv --runs-dir ../..",
    ]
    script = memos.next_steps_script(memo)
    assert 'cd "$(dirname "$0")"' in script
    assert "/home/me" not in script


# --- the page -------------------------------------------------------------------------


def _folder(tmp_path: Path, name: str = "go") -> Path:
    run = verdict_runs.demo_runs()[name]
    folder = run.write(tmp_path / name)
    pages.write_index(folder, run.manifest())
    return folder


def test_the_index_links_the_memo_first_and_the_memo_leads_with_decision_and_payback(
    tmp_path,
):
    folder = _folder(tmp_path)
    memo = verdict_runs.demo_runs()["go"].evidence.memo

    index = BeautifulSoup((folder / "index.html").read_text(), "html.parser")
    page = BeautifulSoup((folder / "memo.html").read_text(), "html.parser")

    assert index.find("a")["href"] == "memo.html"
    cards = page.select("section.card")
    assert cards[0].select_one("div.decision").get_text(strip=True) == "GO"
    first = cards[0].get_text(" ", strip=True)
    assert memo.headline in first and memo.payback in first
    assert "pays back the 24.0M KRW budget in about 9 months" in memo.payback
    headings = [card.h2.get_text(strip=True) for card in cards]
    assert headings == [
        "Decision",
        "The money",
        "Why",
        "Main risks",
        "Open items",
        "Next steps",
        "Timeline",
        "Appendix: the commands",
    ]
    text = page.get_text(" ", strip=True)
    assert "per month" in text and "over a year, about 31.2M KRW" in text
    assert str(tmp_path) not in (folder / "memo.html").read_text()
    assert [pre.get_text() for pre in page.select(".appendix pre")] == [
        c.command for c in memo.commands
    ]


def test_a_run_stopped_by_a_gate_gets_a_memo_that_says_where_and_why(tmp_path):
    run = verdict_runs.demo_runs()["go"]
    manifest = run.manifest()
    manifest["stages"]["03_data_strategy"].update(status="stopped")
    manifest["gates"].append(
        {
            "gate": "data_contract",
            "stage": "03_data_strategy",
            "passed": False,
            "reasons": ["churn.yaml: expect_column_values_to_not_be_null on id"],
            "details": None,
        }
    )
    manifest["decision"] = None

    pages.write_index(tmp_path, manifest)

    text = BeautifulSoup((tmp_path / "memo.html").read_text(), "html.parser").get_text(
        " ", strip=True
    )
    assert "No decision" in text
    assert "was stopped by a gate at stage 3 (Data strategy), before a decision" in text
    assert "churn.yaml: expect_column_values_to_not_be_null on id" in text


def test_both_pages_carry_a_print_stylesheet_that_keeps_cards_whole(tmp_path):
    folder = _folder(tmp_path)
    for name in ("index.html", "memo.html"):
        styles = (folder / name).read_text()
        printed = styles[styles.index("@media print") :]
        assert re.search(r"\.card \{[^}]*break-inside: avoid", printed), name
        assert "thead { display: table-header-group; }" in printed


def test_the_memo_command_refreshes_and_fails_in_one_line(tmp_path, monkeypatch):
    folder = _folder(tmp_path)
    (folder / "memo.html").unlink()

    written = CliRunner().invoke(app, ["memo", str(folder)])
    no_run = CliRunner().invoke(app, ["memo", str(tmp_path)])
    monkeypatch.setattr(memo_page, "chromium", lambda: None)
    no_browser = CliRunner().invoke(app, ["memo", str(folder), "--pdf"])

    assert written.exit_code == 0 and (folder / "memo.html").is_file()
    assert no_run.exit_code == 1 and "is not a run folder" in no_run.output
    assert no_browser.exit_code == 1
    assert (
        no_browser.output.strip()
        .splitlines()[-1]
        .startswith("error: Chromium is not installed")
    )
    assert not (folder / "memo.pdf").exists()


def test_a_browser_that_fails_leaves_no_pdf_behind(tmp_path):
    folder = _folder(tmp_path)
    false = shutil.which("false")
    assert false is not None

    with pytest.raises(ReportError, match=r"did not print .*memo.html \(exit 1\)"):
        memo_page.print_pdf(folder, browser=false)
    assert sorted(p.name for p in folder.iterdir() if "pdf" in p.name) == []


def test_an_unreadable_stage_7_outcome_still_gives_a_memo_saying_so(tmp_path):
    folder = _folder(tmp_path)
    saved = folder / "results" / "07_scale_up_evaluation.json"
    saved.write_text(saved.read_text().replace('"schema_version": ', '"was": '))

    pages.write_index(folder, verdict_runs.demo_runs()["go"].manifest())

    text = (folder / "memo.html").read_text()
    assert "No decision" in text and "could not be read" in text


# --- printed -------------------------------------------------------------------------


def _plain(text: str) -> str:
    """Text without spacing or ligatures, as a PDF's glyphs may split it."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _share(rows: list[bytes], colour: tuple[int, int, int], *, within: int) -> int:
    """How many pixels are within `within` of `colour` on every channel."""
    return sum(
        1
        for row in rows
        for i in range(0, len(row), 3)
        if all(abs(row[i + c] - colour[c]) <= within for c in range(3))
    )


@pytest.mark.browser
def test_the_memo_pdf_shows_the_decision_and_the_payback_on_page_1(tmp_path):
    browser = memo_page.chromium()
    if browser is None:
        pytest.skip("Chromium is not installed")
    # The figures: 24.0M KRW budget, 25.3M KRW a year.
    run = verdict_runs.churn_run(
        "go", lift=25_300_000 / 12, low=2_050_000.0, high=2_200_000.0
    )
    folder = run.write(tmp_path / "run")

    printed = CliRunner().invoke(app, ["memo", str(folder), "--pdf"])

    assert printed.exit_code == 0, printed.output
    pdf = folder / "memo.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-")
    texts = page_texts(pdf)
    assert 1 <= len(texts) <= 4
    first = _plain(texts[0])
    assert _plain("GO") in first
    assert _plain(PAYBACK) in first
    assert _plain("Appendix: the commands") not in first
    picture = first_page_png(
        pdf, folder / "memo.html", tmp_path / "memo-page-1.png", browser=browser
    )
    width, height, rows = png_pixels(picture)
    assert (width, height) == (794, 1123)
    inked = sum(1 for row in rows for value in row[::3] if value < 128)
    assert inked > 0.01 * width * height  # words, not a blank sheet
    # The decision word, in its green, in the top third of the sheet.
    assert _share(rows[: height // 3], (0x1B, 0x7F, 0x3B), within=24) > 800


@pytest.mark.browser
def test_the_index_prints_its_chart_with_its_heading_and_its_table_whole(tmp_path):
    browser = memo_page.chromium()
    if browser is None:
        pytest.skip("Chromium is not installed")
    folder = _folder(tmp_path)
    (folder / "memo.html").replace(folder / "memo.keep")
    shutil.copyfile(folder / "index.html", folder / "memo.html")

    pdf = memo_page.print_pdf(folder, browser=browser)

    texts = [_plain(text) for text in page_texts(pdf)]
    metric = verdict_runs.demo_runs()["go"].earlier.poc.evidence.kpi.metric
    title = _plain("Model beats today's rule by 2.6M KRW per month")
    (with_chart,) = [text for text in texts if title in text]
    assert _plain(metric) in with_chart
    stages = [text for text in texts if _plain("Scale-up & evaluation") in text]
    assert len(stages) == 1 and _plain("POC: baseline versus model") in stages[0]
