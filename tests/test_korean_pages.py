"""Korean pages: each text node of the index and memo is Korean; Hangul renders.

The pages' own words come from the catalogue; so do a run's summaries, reasons, open
items and money lines, written by the stages in the charter's language. Whole runs
(stages 4-7 from typed evidence, `verdict_runs.in_korean`) are checked node by node;
stage pages are not checked here yet.
"""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from playbook.core.language import FONT_STACK
from playbook.report import pages
from tests.korean_text import ENGLISH, HANGUL, english_sentences
from tests.test_portfolio import write_run


@pytest.fixture
def korean_run(tmp_path: Path) -> Path:
    run_dir = write_run(
        tmp_path / "runs",
        "churn",
        "20261120-100000-000001",
        title="계약 갱신 고객 유지",
    )
    record = json.loads((run_dir / "manifest.json").read_text())
    record["kpi"]["metric"] = "월 순이익"
    record["kpi"]["baseline_name"] = "현행 규칙"
    pages.write_index(run_dir, {**record, "language": "ko"})
    return run_dir


@pytest.mark.parametrize("page", ["index.html", "memo.html"])
def test_korean_frame_pages_hold_no_english_sentence(korean_run, page):
    html = (korean_run / page).read_text(encoding="utf-8")
    assert '<html lang="ko">' in html
    assert HANGUL.search(html)
    assert english_sentences(html) == []


def test_the_check_finds_an_english_sentence(korean_run):
    english = (korean_run / "index.html").read_text(encoding="utf-8")
    assert english_sentences(english.replace("결정", "The decision was taken"))


def test_money_reads_in_man_won(korean_run):
    html = (korean_run / "index.html").read_text(encoding="utf-8")
    assert "300만원" in html
    assert "M KRW" not in html


@pytest.mark.browser
def test_korean_index_renders_hangul_in_chromium(chromium, korean_run, tmp_path):
    dom = chromium(
        tmp_path / "profile", "--dump-dom", (korean_run / "index.html").as_uri()
    )
    assert re.search(r'class="decision"[^>]*>진행 \(GO\)<', dom)
    assert 'class="main-svg"' in dom
    # The font stack names a font with Hangul that this machine has, so the glyphs
    # are drawn from it rather than as boxes.
    if shutil.which("fc-list") is None:
        pytest.skip("fontconfig is not installed")
    korean_fonts = subprocess.run(
        ["fc-list", ":lang=ko", "family"], capture_output=True, text=True, check=False
    ).stdout
    assert any(
        name.strip().strip('"') in korean_fonts for name in FONT_STACK.split(",")
    ), "no font of the pages' stack has Hangul: install fonts-nanum or fonts-noto-cjk"


@pytest.fixture(params=["go", "iterate", "held_back"])
def korean_journey(request, tmp_path: Path) -> Path:
    """A run's folder (stages 4-7 from typed evidence) written for a Korean reader."""
    import verdict_runs

    run = verdict_runs.in_korean(verdict_runs.demo_runs()[request.param])
    folder = run.write(tmp_path / run.name)
    record = json.loads((folder / "manifest.json").read_text())
    pages.write_index(folder, {**record, "language": "ko"})
    return folder


@pytest.mark.parametrize("page", ["index.html", "memo.html"])
def test_a_korean_run_has_no_english_sentence_on_its_index_or_memo(
    korean_journey, page
):
    html = (korean_journey / page).read_text(encoding="utf-8")
    poc = json.loads((korean_journey / "manifest.json").read_text())["poc"]
    assert '<html lang="ko">' in html
    assert HANGUL.search(html)
    assert english_sentences(html, identifiers=(poc,)) == []
    assert "pOC" not in html


def test_stages_1_and_2_summarise_in_the_charters_language():
    from playbook import charter
    from playbook.charter import business_stage, team_stage

    templates = Path(__file__).resolve().parents[1] / "templates"
    korean = charter.load(templates / "ko" / "churn.yaml")
    english = charter.load(templates / "churn.yaml")
    assert korean.language == "ko"
    for stage, said in (
        (business_stage, r"\d+ of \d+ questions answered; \d+ blocker\(s\), \d+ "),
        (team_stage, r"\d+ of \d+ roles staffed"),
    ):
        assert re.match(said, stage.build(english).summary)
        summary = stage.build(korean).summary
        assert HANGUL.search(summary) and not ENGLISH.search(summary), summary


@pytest.mark.parametrize("unlabelled", [None, 30])
def test_stage_3_summary_reads_the_same_in_english_and_whole_in_korean(unlabelled):
    from types import SimpleNamespace

    from playbook.data import strategy_stage

    evidence = SimpleNamespace(
        rows=1_200,
        pii=["phone"],
        leakage=SimpleNamespace(excluded=["refund"], warnings=[]),
        contract=SimpleNamespace(suite="churn", evaluated=12, failed=1),
        unlabelled=SimpleNamespace(rows=unlabelled) if unlabelled else None,
    )
    left_out = " (30 without a label, left out of the model)" if unlabelled else ""
    assert strategy_stage.summary(evidence) == (
        f"1,200 rows{left_out}; 1 PII column(s); 1 leaking column(s) kept out, "
        "0 leak warning(s); contract churn: 11 of 12 expectations met"
    )
    korean = strategy_stage.summary(evidence, language="ko")
    assert "1,200행" in korean and "12개 중 11개" in korean
    assert ("30행" in korean) == bool(unlabelled)
    assert not ENGLISH.search(korean), korean
