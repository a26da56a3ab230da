"""No page of a run says something its decision contradicts.

The pages of a GO, an ITERATE, a STOP and a cost-KPI GO held back to ITERATE are
rendered with the real page code: the index and the sponsor's memo by
`pages.write_index` from the manifest the runner would write, and stages 4-7 by the
sections their notebooks call, put in a notebook beside the notebook's own prose and
exported by `pages.export_stage`. The runs are typed evidence built directly
(`verdict_runs`), so no journey runs here.

A page fails when it prints a checklist title as a finding, says a cost KPI's model
"earns", argues for GO on an ITERATE or STOP page (or against GO on a GO page), repeats
a sentence or an interval in one decision box, or has more than four reasons in one.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import nbformat
import plotly.io as pio
import pytest
import verdict_runs
from bs4 import BeautifulSoup

from playbook.beyond import memo as memos
from playbook.report import beyond_sections, display, pages, poc_sections

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
MOST_REASONS = 4
# Sentences that argue for GO: never on a page whose decision is ITERATE or STOP.
GO_CLAIMS = [
    r"(?<!chance )(?<!whether )the lift reaches the minimum",
    r"interval is above zero and",
    r"ready (for|to) scale",
    r"enough to build",
    r"at or above the minimum",
    r"\bGo:",
]
# Sentences that argue against GO: never in a GO decision box. (A lenient-rule GO
# gives the chance that the lift is below the minimum: that is not a claim that it is.)
NOT_GO_CLAIMS = [
    r"\blift\b[^.:;]*? is below the minimum",
    r"reaches zero",
    r"includes zero",
    r"Downgraded",
    r"drifted past",
    r"would need about",
    r"Open before scale-up",
]
# A model "earns" (or its decisions "earn"): wrong for a cost KPI, which saves.
EARNS = r"\bmodel(?:'s [a-z]+)? earns?\b"
# An interval as a reader sees it: "[1.2M KRW, 3.8M KRW]" or "1.1M KRW to 3.2M KRW".
INTERVAL = r"\[[^\]]+,[^\]]+\]|-?[\d.,]+[kMB]? [A-Z]{3} to -?[\d.,]+[kMB]? [A-Z]{3}"


@dataclass(frozen=True)
class Page:
    """A rendered page: its name, the decision it shows, its text, its boxes."""

    name: str
    decision: str | None
    text: str
    boxes: list[tuple[str, list[str]]]


def read_page(name: str, path: Path, *, decision: str | None) -> Page:
    """A page's words: visible text, chart titles, and each decision box's bullets."""
    raw = path.read_text(encoding="utf-8")
    soup = BeautifulSoup(raw, "html.parser")
    titles = [
        json.loads(f'"{title}"')
        for title in re.findall(r'"title":\{"text":"((?:[^"\\]|\\.)*)"', raw)
    ]
    boxes = [
        (
            box.find("div").get_text(" ", strip=True),
            [li.get_text(" ", strip=True) for li in box.find_all("li")],
        )
        for box in soup.select("div.playbook-decision")
    ]
    for card in soup.select("section.card"):
        word = card.select_one("div.decision")
        if word is not None:
            bullets = [li.get_text(" ", strip=True) for li in card.select("ul li")]
            boxes.append((word.get_text(" ", strip=True), bullets))
    text = " ".join([soup.get_text(" ", strip=True), *map(html.unescape, titles)])
    return Page(name, decision, text, boxes)


def contradictions(page: Page, *, titles: list[str], cost: bool) -> list[str]:
    """Every sentence on the page that contradicts its decision, as a finding."""
    found = []
    if cost:
        found += [f"{page.name}: a cost KPI {m!r}" for m in _all(EARNS, page.text)]
    if page.decision in ("iterate", "stop"):
        for claim in GO_CLAIMS:
            found += [f"{page.name}: GO word {m!r}" for m in _all(claim, page.text)]
    for word, bullets in page.boxes:
        where = f"{page.name}, the {word} box"
        if len(bullets) > MOST_REASONS:
            found.append(f"{where}: {len(bullets)} bullets")
        said = [re.sub(r"\s+", " ", b).strip().lower() for b in bullets]
        found += [f"{where}: said twice: {b!r}" for b in set(said) if said.count(b) > 1]
        intervals = [i for b in bullets for i in set(re.findall(INTERVAL, b))]
        found += [
            f"{where}: interval twice: {i!r}"
            for i in set(intervals)
            if intervals.count(i) > 1
        ]
        for bullet in bullets:
            found += [
                f"{where}: checklist title as a finding: {bullet!r}"
                for title in titles
                if title.lower() in bullet.lower()
            ]
            claims = NOT_GO_CLAIMS if word == "GO" else GO_CLAIMS
            found += [
                f"{where}: argues against {word}: {bullet!r}"
                for claim in claims
                if re.search(claim, bullet)
            ]
            if "Open before scale-up" in bullet:
                found.append(f"{where}: checklist item as a finding: {bullet!r}")
    return found


def _all(pattern: str, text: str) -> list[str]:
    return [m.group(0) for m in re.finditer(pattern, text)]


def _bundle(shown: object, raw: bool = False) -> dict:
    """What a notebook cell's output holds for what a section displayed."""
    if raw:
        return shown  # type: ignore[return-value]
    figure = shown.to_dict()  # type: ignore[attr-defined]
    return pio.renderers[display.RENDERER_NAME].to_mimebundle(figure)


def stage_page(
    folder: Path, notebook: str, sections: list, *, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """The stage's page: its notebook's prose, then what each section displays."""
    source = nbformat.read(NOTEBOOKS / f"{notebook}.ipynb", as_version=4)
    node = nbformat.v4.new_notebook()
    node.cells = [cell for cell in source.cells if cell.cell_type == "markdown"]
    shown: list[dict] = []
    monkeypatch.setattr(
        display, "display", lambda obj, raw=False: shown.append(_bundle(obj, raw))
    )
    for section in sections:
        shown.clear()
        section()
        cell = nbformat.v4.new_code_cell("")
        cell.outputs = [
            nbformat.v4.new_output("display_data", data=bundle) for bundle in shown
        ]
        node.cells.append(cell)
    path = folder / "notebooks" / f"{notebook}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(node, path)
    return pages.export_stage(path, folder / f"{notebook}.html", title=notebook)


def render(run: verdict_runs.Run, folder: Path, monkeypatch) -> list[Page]:
    """The index and the pages of stages 4-7 of the run, read back."""
    poc, earlier = run.poc, run.earlier
    stage4 = SimpleNamespace(evidence=earlier.poc.evidence)
    beyond = earlier.beyond.evidence
    iterate = SimpleNamespace(design=run.ab, outcome=earlier.iterate)
    final = run.evidence
    sections = {
        "04_poc": (
            stage4.evidence.decision.decision,
            [
                lambda: display.synthetic_banner(poc.data.synthetic),
                lambda: poc_sections.decision(stage4),
                lambda: poc_sections.kpi_by_period(stage4),
            ],
        ),
        "05_beyond_poc": (
            None,
            [
                lambda: beyond_sections.fresh_batch(beyond),
                lambda: beyond_sections.drift(beyond),
                lambda: beyond_sections.thresholds(beyond),
            ],
        ),
        "06_iterate": (
            None,
            [
                lambda: beyond_sections.run_history(earlier.iterate.evidence, poc=poc),
                lambda: beyond_sections.ab_test(iterate, poc=poc),
                lambda: beyond_sections.shadow_replay(
                    earlier.iterate.evidence, poc=poc
                ),
            ],
        ),
        "07_scale_up_evaluation": (
            final.decision.decision,
            [
                lambda: beyond_sections.readiness(run.ready),
                lambda: beyond_sections.final_evaluation(final),
                lambda: display.code(
                    "next_steps.sh", memos.next_steps_script(final.memo)
                ),
            ],
        ),
    }
    if stage4.evidence.kpi.better == "higher":
        # Stages 5 and 6 show no decision; on their pages only a cost KPI's
        # "earns" could contradict it, so a value KPI's run skips them.
        del sections["05_beyond_poc"], sections["06_iterate"]
    index = pages.write_index(run.write(folder), run.manifest())
    found = [
        read_page("index", index, decision=final.decision.decision),
        read_page("memo", folder / "memo.html", decision=final.decision.decision),
    ]
    with monkeypatch.context() as patched:
        for notebook, (decision, calls) in sections.items():
            path = stage_page(folder, notebook, calls, monkeypatch=patched)
            found.append(read_page(notebook, path, decision=decision))
    return found


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, tuple[verdict_runs.Run, list[Page]]]:
    default = pio.renderers.default
    display.use_report_renderer()
    monkeypatch = pytest.MonkeyPatch()
    try:
        root = tmp_path_factory.mktemp("pages")
        return {
            name: (run, render(run, root / name, monkeypatch))
            for name, run in verdict_runs.demo_runs().items()
        }
    finally:
        monkeypatch.undo()
        pio.renderers.default = default


RUNS = ["go", "iterate", "stop", "held_back"]


@pytest.mark.parametrize("name", RUNS)
def test_no_page_contradicts_its_decision(rendered, name):
    run, shown = rendered[name]
    titles = [item.item for item in run.ready.items]
    cost = run.earlier.poc.evidence.kpi.better == "lower"
    found = [
        f for page in shown for f in contradictions(page, titles=titles, cost=cost)
    ]
    assert found == []


@pytest.mark.parametrize("name", RUNS)
def test_every_page_that_shows_the_decision_shows_the_one_decided(rendered, name):
    run, shown = rendered[name]
    words = {page.name: [word for word, _ in page.boxes] for page in shown}
    final = run.evidence.decision.decision.upper()
    stage4 = run.earlier.poc.evidence.decision.decision.upper()
    assert words["index"] == [final]
    assert words["memo"] == [final]
    assert words["07_scale_up_evaluation"] == [final]
    assert words["04_poc"] == [stage4]
    boxes = {page.name: page.boxes for page in shown}
    assert boxes["index"][0][1] == run.evidence.decision.reasons
    assert boxes["07_scale_up_evaluation"][0][1] == run.evidence.decision.reasons


def test_the_held_back_run_names_its_downgrade_on_the_index(rendered):
    _, shown = rendered["held_back"]
    index = next(page for page in shown if page.name == "index")
    assert index.boxes[0][1][0] == (
        "Downgraded from stage 4's GO to ITERATE by drift and the fresh batch's lift."
    )
    assert "saves 747.0k KRW per week against seasonal naive" in " ".join(
        page.text for page in shown
    )


# --- the scan itself can fail ------------------------------------------------------


def test_the_scan_finds_each_contradiction_the_audit_found(tmp_path, rendered):
    run, _ = rendered["held_back"]
    manifest = run.manifest()
    manifest["reasons"] = [
        "The model's errors cost 747.0k KRW per week less than those of seasonal "
        "naive (95% interval 657.1k KRW to 860.3k KRW).",
        "The interval is above zero and the lift reaches the minimum.",
        "Open before scale-up: no feature has drifted past the alert thresholds "
        "(2 of 10 features shifted, 1 past an alert; fresh batch: lift 842.0k KRW "
        "per week [677.0k KRW, 1.0M KRW]).",
        "Open before scale-up: the lift holds on the fresh batch (interval above "
        "zero) (lift 842.0k KRW per week [677.0k KRW, 1.0M KRW]).",
        "The model earns 747.0k KRW per week more than seasonal naive.",
    ]
    page = read_page("index", pages.write_index(tmp_path, manifest), decision="iterate")
    titles = [item.item for item in run.ready.items]
    found = "\n".join(contradictions(page, titles=titles, cost=True))
    assert "5 bullets" in found
    assert "GO word 'the lift reaches the minimum'" in found
    assert "checklist title as a finding" in found
    assert "interval twice: '[677.0k KRW, 1.0M KRW]'" in found
    assert "a cost KPI 'model earns'" in found


def test_the_scan_finds_a_go_box_that_argues_against_go():
    page = Page(
        "07", "go", "", [("GO", ["The measured lift is below the minimum."] * 2)]
    )
    found = "\n".join(contradictions(page, titles=[], cost=False))
    assert "argues against GO" in found and "said twice" in found


def test_a_lenient_go_may_give_the_chance_that_the_lift_is_below_the_minimum():
    lenient = [
        "The measured lift reaches the minimum of 2.0M KRW per month, and the charter "
        "decides on the measured lift (kpi.decision_rule: lenient).",
        "The interval's low end is below the minimum: the chance that the lift is in "
        "fact below it is 38%.",
    ]
    page = Page("07", "go", "", [("GO", lenient)])
    assert contradictions(page, titles=[], cost=False) == []
