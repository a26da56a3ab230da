"""Korean pages: each text node of the index, memo and stage pages is Korean.

The pages' own words come from the catalogue; so do a run's summaries, reasons, open
items and money lines, written by the stages in the charter's language. Whole runs
(stages 4-7 from typed evidence, `verdict_runs.in_korean`) are checked node by node,
and one Korean demo journey (`korean_demo`, module scope) checks the seven stage pages
and the index it wrote; Hangul renders in Chromium.
"""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from playbook.core.journey import STAGES
from playbook.core.language import FONT_STACK
from playbook.report import pages
from tests.korean_text import (
    ENGLISH,
    HANGUL,
    LATIN_WORD,
    english_in,
    english_sentences,
    latin_words_in,
    text_nodes,
)
from tests.test_portfolio import write_run


def hangul_font_is_installed() -> None:
    """A font of the pages' stack has Hangul here (skipped without fontconfig)."""
    if shutil.which("fc-list") is None:
        pytest.skip("fontconfig is not installed")
    korean_fonts = subprocess.run(
        ["fc-list", ":lang=ko", "family"], capture_output=True, text=True, check=False
    ).stdout
    assert any(
        name.strip().strip('"') in korean_fonts for name in FONT_STACK.split(",")
    ), "no font of the pages' stack has Hangul: install fonts-nanum or fonts-noto-cjk"


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
    hangul_font_is_installed()


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


NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


@pytest.mark.parametrize("notebook", sorted(NOTEBOOKS.glob("*.ipynb")), ids=str)
def test_every_markdown_cell_of_a_stage_reads_in_korean(notebook):
    import nbformat

    from playbook.report import stage_prose

    english = nbformat.read(notebook, as_version=4)
    korean = stage_prose.in_language(nbformat.read(notebook, as_version=4), "ko")
    pairs = [
        (before.source, after.source)
        for before, after in zip(english.cells, korean.cells, strict=True)
        if before.cell_type == "markdown"
    ]
    assert pairs
    for before, after in pairs:
        assert HANGUL.search(after), f"{notebook.name}: no Korean entry for {before!r}"
        assert english_sentences(after) == [], after
    # Code cells and English are left as they are.
    unchanged = stage_prose.in_language(nbformat.read(notebook, as_version=4), "en")
    assert unchanged == english
    assert [c.source for c in korean.cells if c.cell_type == "code"] == [
        c.source for c in english.cells if c.cell_type == "code"
    ]


def test_a_changed_cell_is_found_missing_from_the_catalogue(tmp_path):
    import nbformat

    from playbook.report import stage_prose

    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("## A heading nobody translated")]
    )
    path = tmp_path / "changed.ipynb"
    nbformat.write(notebook, path)
    with path.open("rb") as source:
        (found,) = stage_prose.extract_notebook(source, {}, [], {})
    assert found == (1, None, "## A heading nobody translated", [])
    # With no entry the cell stays English, which the text-node check then finds.
    korean = stage_prose.in_language(notebook, "ko")
    assert english_sentences(f"<p>{korean.cells[0].source}</p>")


@pytest.mark.parametrize(
    ("values", "texts"),
    [
        ([-740_000, 1_120_000, 150_000], ["-100만원", "0원", "50만원", "150만원"]),
        ([120_000_000, 260_000_000], ["0원", "1억원", "2억원", "3억원"]),
        ([3_000], ["0원", "1,000원", "3,000원"]),
    ],
)
def test_won_axes_tick_in_man_and_eok_in_korean(values, texts):
    from playbook.report.page_templates import money_ticks

    ticks = money_ticks(values, unit="KRW", language="ko")
    assert set(texts) <= set(ticks["ticktext"])
    assert ticks["tickvals"][0] <= min([*values, 0])
    assert ticks["tickvals"][-1] >= max(values)
    assert len(ticks["tickvals"]) <= 12
    assert money_ticks(values, unit="KRW", language="en") is None
    assert money_ticks(values, unit="USD", language="ko") is None


@pytest.fixture(scope="module")
def korean_demo(tmp_path_factory) -> Path:
    """The churn template's Korean twin run whole by `playbook demo --lang ko`."""
    root = tmp_path_factory.mktemp("korean_demo")
    done = subprocess.run(
        [
            *(sys.executable, "-m", "playbook", "demo", "--lang", "ko"),
            *("--rows", "2000", "--quiet"),
            *("--out", str(root / "churn"), "--runs-dir", str(root / "runs")),
        ],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode in (0, 2), done.stdout + done.stderr
    (manifest,) = (root / "runs").glob("*/*/manifest.json")
    return manifest.parent


STAGE_PAGES = [f"{stage.key}.html" for stage in STAGES]


@pytest.mark.journey
@pytest.mark.parametrize("page", ["index.html", *STAGE_PAGES])
def test_a_korean_demo_has_no_english_sentence_on_its_pages(korean_demo, page):
    html = (korean_demo / page).read_text(encoding="utf-8")
    poc = json.loads((korean_demo / "manifest.json").read_text())["poc"]
    assert '<html lang="ko">' in html
    assert english_sentences(html, identifiers=(poc,)) == []


def demo_identifiers(run_dir: Path) -> set[str]:
    """The Latin words of a demo run a Korean page may show: the POC's id, the
    columns and text values of its data, the packages its manifest records and the
    hyperparameters of its candidate models (sklearn's names) and the ids of the
    charter's roles (a charter message names the field to fill, team.roles: x)."""
    import pandas as pd
    import yaml

    record = json.loads((run_dir / "manifest.json").read_text())
    charter = yaml.safe_load((run_dir / "charter.yaml").read_text(encoding="utf-8"))
    words = {record["poc"], *record["packages"], *charter["team"]["roles"]}
    for data in (run_dir.parents[2] / "churn").glob("*.csv"):
        frame = pd.read_csv(data)
        words |= set(frame.columns)
        for column in frame.select_dtypes(exclude="number").columns:
            words |= set(frame[column].dropna().astype(str))
    for candidate in journey_candidates(run_dir):
        words |= set(LATIN_WORD.findall(candidate))
    return {part for word in words for part in LATIN_WORD.findall(word)}


def journey_candidates(run_dir: Path) -> list[str]:
    """Each candidate's settings as stage 4 saved them (their names are sklearn's)."""
    saved = json.loads((run_dir / "results" / "04_poc.json").read_text())
    candidates = saved["evidence"].get("candidates") or []
    return [json.dumps(candidate.get("params")) for candidate in candidates]


@pytest.mark.journey
@pytest.mark.parametrize(
    "page", ["index.html", "memo.html", *STAGE_PAGES, "../../index.html"]
)
def test_a_korean_demo_shows_no_latin_word_but_identifiers(korean_demo, page):
    """Headers, captions and cells too: a Latin word is an identifier or a unit.

    The portfolio (`../../index.html`) frames the demo's run in its language.
    """
    html = (korean_demo / page).read_text(encoding="utf-8")
    assert '<html lang="ko">' in html
    nodes = text_nodes(html)
    assert latin_words_in(nodes, identifiers=demo_identifiers(korean_demo)) == []


def test_the_latin_word_check_finds_a_table_heading_and_a_cell():
    nodes = text_nodes(
        "<table><tr><th>found_by</th></tr><tr><td>예</td><td>whole number</td>"
        "<td>tenure_months</td><td>2,000행 (churn.csv), SHA-256, 30 ms</td>"
        "<td>지문(fingerprint) 0cbd0fd11a1a415a</td><td>지문 (file)</td></tr>"
        "</table>"
    )
    found = latin_words_in(nodes, identifiers={"tenure_months"})
    assert found == ["found_by", "whole number", "지문 (file)"]


# What a chart shows in words, in plotly's JSON: titles (of the figure and its axes),
# legend names and annotations. Text nodes never see them: they live in a script.
CHART_WORDS = re.compile(r'"(?:title":\{"text|name|text)":"((?:[^"\\]|\\.)*)"')


@pytest.mark.journey
@pytest.mark.parametrize("page", ["index.html", *STAGE_PAGES])
def test_a_korean_demo_charts_in_korean(korean_demo, page):
    html = (korean_demo / page).read_text(encoding="utf-8")
    scripts = "".join(re.findall(r"<script[^>]*>(.*?)</script>", html, flags=re.S))
    words = [json.loads(f'"{found}"') for found in CHART_WORDS.findall(scripts)]
    poc = json.loads((korean_demo / "manifest.json").read_text())["poc"]
    assert english_in(words, identifiers=(poc,)) == []


@pytest.mark.journey
@pytest.mark.parametrize("page", STAGE_PAGES)
def test_each_korean_stage_page_heads_and_explains_in_korean(korean_demo, page):
    """Headings, markdown prose, navigation and banner: the page's frame is Korean."""
    html = (korean_demo / page).read_text(encoding="utf-8")
    assert '<html lang="ko">' in html
    headings = re.findall(r"<h[1-3][^>]*>(.*?)</h[1-3]>", html, flags=re.S)
    assert headings
    for heading in headings:
        text = re.sub(r"<[^>]+>", "", heading).replace("¶", "").strip()
        assert HANGUL.search(text), text
    prose = re.findall(
        r"jp-MarkdownCell.*?jp-RenderedMarkdown[^>]*>(.*?)</div>", html, flags=re.S
    )
    assert prose and all(english_sentences(part) == [] for part in prose)
    assert "실행 개요" in html and "Run overview" not in html
    assert "SYNTHETIC(합성) 예시 데이터" in html


@pytest.mark.journey
def test_korean_stage_4_writes_money_in_man_won(korean_demo):
    html = (korean_demo / "04_poc.html").read_text(encoding="utf-8")
    assert re.search(r"\d만원", html)
    assert "M KRW" not in html and "k KRW" not in html
    # Won axes tick in 만원 (ticktext), not in plotly's SI prefixes.
    ticks = re.findall(r'"ticktext":\[([^\]]*)\]', html)
    assert ticks
    for found in ticks:  # plotly's JSON writes Hangul as \\u escapes
        assert all(text.endswith("원") for text in json.loads(f"[{found}]"))


@pytest.mark.journey
@pytest.mark.browser
def test_korean_stage_4_renders_hangul_in_chromium(chromium, korean_demo, tmp_path):
    dom = chromium(
        tmp_path / "profile", "--dump-dom", (korean_demo / "04_poc.html").as_uri()
    )
    assert '<html lang="ko"' in dom
    (title,) = re.findall(r"<h1[^>]*>(.*?)</h1>", dom, flags=re.S)
    assert "POC: 기준선 대 모델" in title
    assert 'class="main-svg"' in dom  # plotly drew the charts
    assert "NanumGothic" in dom and "Noto Sans CJK KR" in dom
    hangul_font_is_installed()
