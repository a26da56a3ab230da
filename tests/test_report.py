from __future__ import annotations

import copy
import dataclasses
import re
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd
import plotly
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from nbclient import NotebookClient

from playbook.report import display as view
from playbook.report import pages
from playbook.report.pages import (
    ReportError,
    ensure_plotly_asset,
    export_stage,
    write_index,
)
from playbook.tasks.decision import Decision

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"

SAMPLE_MANIFEST: dict[str, Any] = {
    "poc": "churn-retention",
    "title": "Keep customers whose contract is up for renewal",
    "run_id": "20261126-031500-123456",
    "status": "complete",
    "exit_code": 0,
    "started_at": "2026-11-26T03:15:00+00:00",
    "finished_at": "2026-11-26T03:16:02+00:00",
    "charter_path": "/abs/charter.yaml",
    "charter_sha256": "ab12" * 16,
    "data_path": "/abs/churn_SYNTHETIC.csv",
    "data_sha256": "cd34" * 16,
    "synthetic_data": True,
    "seed": 42,
    "packages": {"python": "3.11.7", "playbook": "0.1.0", "pandas": "3.1.1"},
    "stages": {
        "01_business_question": {
            "number": 1,
            "title": "Business question & culture",
            "status": "complete",
            "summary": "8 of 9 questions answered; no blockers",
            "seconds": 3.2,
            "notebook": "notebooks/01_business_question.ipynb",
            "report": "01_business_question.html",
            "error": None,
        },
        "03_data_strategy": {
            "number": 3,
            "title": "Data strategy",
            "status": "failed",
            "summary": None,
            "seconds": 2.0,
            "notebook": "notebooks/03_data_strategy.ipynb",
            "report": "03_data_strategy.html",
            "error": {
                "cell": 7,
                "name": "DataError",
                "message": "column 'tenure' is 12% empty; the contract allows 5%",
            },
        },
        "04_poc": {
            "number": 4,
            "title": "POC: baseline versus model",
            "status": "not_run",
            "summary": None,
            "seconds": None,
            "notebook": None,
            "report": None,
            "error": None,
        },
    },
    "gates": [
        {
            "gate": "charter",
            "stage": "01_business_question",
            "passed": True,
            "reasons": [],
        }
    ],
    "kpi": {
        "metric": "Net value of retention calls per month",
        "unit": "KRW",
        "period": "month",
        "baseline_name": "today's rule",
        "baseline": 9240000.0,
        "model": 12024000.0,
        "lift": 2784000.0,
        "lift_ci_low": 1584000.0,
        "lift_ci_high": 4032000.0,
        "min_lift": 1000000.0,
        "confidence": 0.95,
        "relative_lift": 0.30,
    },
    "decision": "go",
    "reasons": [
        "The model earns 2.8M KRW per month more than today's rule (95% interval "
        "1.6M KRW to 4.0M KRW); the charter asks for at least 1.0M KRW.",
        "The data passed every check of its contract.",
    ],
}


@pytest.fixture
def manifest() -> dict[str, Any]:
    return copy.deepcopy(SAMPLE_MANIFEST)


@pytest.fixture
def restore_plotly_renderer():
    default = pio.renderers.default
    yield
    pio.renderers.default = default


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run folder holding an executed stage notebook and its exported page."""
    run = tmp_path_factory.mktemp("run")
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell(
            "# Stage 4\nDoes the model beat **today's rule**?"
        ),
        nbformat.v4.new_code_cell(
            "import plotly.graph_objects as go\n"
            "from playbook.report import display\n"
            "display.use_report_renderer()\n"
            "go.Figure(go.Bar(x=['today', 'model'], y=[9.2, 12.0]))"
        ),
        nbformat.v4.new_code_cell("go.Figure(go.Scatter(x=[1, 2], y=[3, 1])).show()"),
        nbformat.v4.new_code_cell("raise ValueError('boom')"),
    ]
    NotebookClient(
        nb,
        kernel_name="python3",
        allow_errors=True,
        timeout=120,
        resources={"metadata": {"path": str(run)}},
    ).execute()
    notebooks = run / "notebooks"
    notebooks.mkdir()
    nbformat.write(nb, notebooks / "04_poc.ipynb")
    export_stage(notebooks / "04_poc.ipynb", run / "04_poc.html", title="POC: the test")
    return run


@pytest.fixture(scope="module")
def stage_html(run_dir: Path) -> str:
    return (run_dir / "04_poc.html").read_text(encoding="utf-8")


@pytest.mark.journey  # its run_dir is a notebook executed in a kernel
def test_report_renderer_gives_jupyterlab_json_and_nbconvert_html(
    run_dir: Path,
) -> None:
    nb = nbformat.read(run_dir / "notebooks" / "04_poc.ipynb", as_version=4)
    last_expression, shown = (nb.cells[1].outputs[-1], nb.cells[2].outputs[-1])
    for output in (last_expression, shown):
        assert "application/vnd.plotly.v1+json" in output["data"]
        assert "Plotly.newPlot" in output["data"]["text/html"]
        assert "<script src" not in output["data"]["text/html"]


# --- the stage page ---------------------------------------------------------------


@pytest.mark.journey  # its run_dir is a notebook executed in a kernel
def test_stage_page_loads_no_script_from_the_network(stage_html: str) -> None:
    assert "<script" in stage_html
    assert not re.search(r"<script[^>]*src=[\"']?(https?:)?//", stage_html)
    assert "require.js" not in stage_html
    assert "mathjax" not in stage_html.lower()


@pytest.mark.journey  # its run_dir is a notebook executed in a kernel
def test_stage_page_shows_an_error_as_one_line_without_traceback(
    stage_html: str,
) -> None:
    assert "ValueError: boom" in stage_html
    assert "Traceback" not in stage_html
    assert "raise ValueError" not in stage_html


@pytest.mark.journey  # its run_dir is a notebook executed in a kernel
def test_stage_page_keeps_markdown_and_the_chart_but_hides_code(
    stage_html: str,
) -> None:
    assert "today&#x27;s rule" in stage_html or "today's rule" in stage_html
    assert stage_html.count('class="plotly-graph-div"') == 2
    assert "Plotly.newPlot" in stage_html
    assert "display.use_report_renderer()" not in stage_html
    assert "In&nbsp;[" not in stage_html


@pytest.mark.journey  # its run_dir is a notebook executed in a kernel
def test_stage_page_loads_plotly_from_the_run_folder(
    run_dir: Path, stage_html: str
) -> None:
    assert '<script src="assets/plotly.min.js"></script>' in stage_html
    assert (run_dir / "assets" / "plotly.min.js").stat().st_size > 1_000_000


@pytest.mark.journey  # its run_dir is a notebook executed in a kernel
def test_stage_page_is_well_under_one_megabyte(run_dir: Path) -> None:
    assert (run_dir / "04_poc.html").stat().st_size < 500_000


@pytest.mark.journey  # its run_dir is a notebook executed in a kernel
def test_stage_page_title_is_the_title_given(stage_html: str) -> None:
    assert "<title>POC: the test</title>" in stage_html


def test_export_stage_names_the_notebook_it_cannot_read(tmp_path: Path) -> None:
    missing = tmp_path / "missing.ipynb"
    with pytest.raises(ReportError, match=r"missing\.ipynb"):
        export_stage(missing, tmp_path / "missing.html", title="Missing")


# --- the plotly asset -------------------------------------------------------------


def test_plotly_asset_is_shared_with_the_package_by_a_hard_link(
    tmp_path: Path,
) -> None:
    asset = ensure_plotly_asset(tmp_path)
    assert asset == tmp_path / "assets" / "plotly.min.js"
    if tmp_path.stat().st_dev != PLOTLY_JS.stat().st_dev:
        pytest.skip("tmp_path is on another file system than plotly; links fail")
    assert asset.samefile(PLOTLY_JS)


def test_plotly_asset_is_written_once_per_run_folder(tmp_path: Path) -> None:
    first = ensure_plotly_asset(tmp_path).stat()
    second = ensure_plotly_asset(tmp_path).stat()
    assert (first.st_ino, first.st_mtime_ns) == (second.st_ino, second.st_mtime_ns)


def test_plotly_asset_is_copied_when_hard_links_fail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self: Path, target: Path) -> None:
        raise OSError("Invalid cross-device link")

    monkeypatch.setattr(Path, "hardlink_to", refuse)
    asset = ensure_plotly_asset(tmp_path)
    assert not asset.samefile(PLOTLY_JS)
    assert asset.read_bytes() == PLOTLY_JS.read_bytes()
    assert list(asset.parent.iterdir()) == [asset]


# --- view -------------------------------------------------------------------------


def test_report_renderer_bundles_plotly_json_and_a_div_without_plotly_js(
    restore_plotly_renderer: None,
) -> None:
    view.use_report_renderer()
    bundle = go.Figure(go.Bar(x=["a"], y=[1]))._repr_mimebundle_()
    assert bundle["application/vnd.plotly.v1+json"]["data"][0]["type"] == "bar"
    assert "Plotly.newPlot" in bundle["text/html"]
    assert "<script src" not in bundle["text/html"]
    assert len(bundle["text/html"]) < 100_000


def test_synthetic_banner_shows_only_for_synthetic_data(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shown: list[dict[str, str]] = []
    monkeypatch.setattr(view, "display", lambda bundle, raw: shown.append(bundle))
    view.synthetic_banner(False)
    assert shown == []
    view.synthetic_banner(True)
    assert (
        "SYNTHETIC example data: generated, not real records" in shown[0]["text/html"]
    )


def test_table_formats_numbers_and_leaves_out_a_plain_index(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shown: list[dict[str, str]] = []
    monkeypatch.setattr(view, "display", lambda bundle, raw: shown.append(bundle))
    frame = pd.DataFrame({"segment": ["<b>", "b"], "customers": [12000, 3400]})
    view.table(frame, caption="Customers by segment")
    markup = shown[0]["text/html"]
    assert '<td class="num">12,000</td>' in markup
    assert "&lt;b&gt;" in markup
    assert "<th></th>" not in markup
    assert ">Customers by segment</p>" in markup


def test_table_says_none_when_the_frame_is_empty(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shown: list[dict[str, str]] = []
    monkeypatch.setattr(view, "display", lambda bundle, raw: shown.append(bundle))
    view.table(pd.DataFrame(columns=["expectation", "column"]))
    assert '<td colspan="2">none</td>' in shown[0]["text/html"]


def test_frame_keeps_the_asked_fields_of_dataclasses_in_order() -> None:
    @dataclasses.dataclass(frozen=True)
    class Row:
        name: str
        count: int
        note: str

    table = view.frame([Row("a", 1, "x"), Row("b", 2, "y")], columns=["count", "name"])
    assert table.to_dict("list") == {"count": [1, 2], "name": ["a", "b"]}
    assert list(view.frame([], columns=["count"]).columns) == ["count"]


def test_bullets_say_none_for_an_empty_list(monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[dict[str, str]] = []
    monkeypatch.setattr(view, "display", lambda bundle, raw: shown.append(bundle))
    view.bullets("Blockers", [])
    view.bullets("Warnings", ["<tenure> is sparse"])
    assert shown[0]["text/plain"] == "Blockers: none"
    assert "<li>&lt;tenure&gt; is sparse</li>" in shown[1]["text/html"]


def test_verdict_shows_the_sentence_for_the_outcome(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shown: list[dict[str, str]] = []
    monkeypatch.setattr(view, "display", lambda bundle, raw: shown.append(bundle))
    view.verdict(False, "The team can run the POC.", "Fill the roles first.")
    assert shown[0]["text/plain"] == "FAILED: Fill the roles first."


def test_decision_shows_the_word_in_capitals_and_its_reasons(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shown: list[dict[str, str]] = []
    monkeypatch.setattr(view, "display", lambda bundle, raw: shown.append(bundle))
    view.decision(Decision("iterate", ["The interval includes zero."]))
    assert ">ITERATE</div>" in shown[0]["text/html"]
    assert "<li>The interval includes zero.</li>" in shown[0]["text/html"]


# --- the index page ---------------------------------------------------------------


def test_index_shows_decision_reasons_kpi_and_stages(
    tmp_path: Path, manifest: dict[str, Any]
) -> None:
    page = write_index(tmp_path, manifest).read_text(encoding="utf-8")
    assert ">GO</div>" in page
    assert "the charter asks for at least 1.0M KRW." in page
    for stage in ("Business question &amp; culture", "Data strategy", "POC: baseline"):
        assert stage in page
    assert "12.0M KRW" in page and "9.2M KRW" in page
    assert "Model beats today&#x27;s rule by 2.8M KRW per month" in page
    assert "[1.6M, 4.0M]" in page
    assert "DataError: column &#x27;tenure&#x27; is 12% empty" in page
    assert "SYNTHETIC example data" in page
    assert "ab12ab12ab12" in page and "ab12" * 16 not in page


def test_index_links_only_the_stage_reports_that_exist(
    tmp_path: Path, manifest: dict[str, Any]
) -> None:
    (tmp_path / "01_business_question.html").write_text("<p>stage 1</p>")
    page = write_index(tmp_path, manifest).read_text(encoding="utf-8")
    assert 'href="01_business_question.html"' in page
    assert 'href="03_data_strategy.html"' not in page


def test_index_escapes_every_manifest_string(
    tmp_path: Path, manifest: dict[str, Any]
) -> None:
    attack = "<script>alert(1)</script>"
    manifest["title"] = attack
    manifest["charter_path"] = f"/abs/{attack}.yaml"
    manifest["reasons"] = [attack]
    manifest["kpi"]["baseline_name"] = attack
    manifest["kpi"]["unit"] = attack
    manifest["stages"]["01_business_question"]["summary"] = attack
    manifest["stages"]["03_data_strategy"]["error"]["message"] = attack
    manifest["packages"][attack] = attack
    page = write_index(tmp_path, manifest).read_text(encoding="utf-8")
    assert "<script>alert" not in page
    assert "alert(1)" in page


def test_index_prints_template_syntax_and_quotes_as_plain_text(
    tmp_path: Path, manifest: dict[str, Any]
) -> None:
    manifest["stages"]["01_business_question"]["summary"] = "{{ 7 * 7 }} \"q\" 'a' <b>"
    write_index(tmp_path, manifest)
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "{{ 7 * 7 }} &quot;q&quot; &#x27;a&#x27; &lt;b&gt;" in page
    assert not list(tmp_path.glob(".*.partial"))


def test_index_without_kpi_or_decision_says_no_decision(
    tmp_path: Path, manifest: dict[str, Any]
) -> None:
    manifest.update(kpi=None, decision=None, reasons=[], synthetic_data=False)
    manifest["gates"].append(
        {"gate": "data", "passed": False, "reasons": ["12% of tenure is missing."]}
    )
    page = write_index(tmp_path, manifest).read_text(encoding="utf-8")
    assert "No decision: stage 4 did not run in this run" in page
    assert "12% of tenure is missing." in page
    assert "plotly-graph-div" not in page
    assert "SYNTHETIC example data" not in page


def test_index_loads_plotly_from_the_run_folder_only(
    tmp_path: Path, manifest: dict[str, Any]
) -> None:
    page = write_index(tmp_path, manifest).read_text(encoding="utf-8")
    assert re.findall(r"<script[^>]*src=\"([^\"]+)\"", page) == [pages.ASSET]
    assert "https://" not in page
    assert (tmp_path / pages.ASSET).is_file()


# --- in a browser -----------------------------------------------------------------


@pytest.mark.browser
def test_pages_draw_their_charts_offline_in_chromium(
    chromium, run_dir: Path, tmp_path: Path
) -> None:
    index = write_index(run_dir, copy.deepcopy(SAMPLE_MANIFEST))
    profile = tmp_path / "profile"

    index_dom = chromium(profile, "--dump-dom", index.as_uri())
    assert re.search(r'class="decision"[^>]*>GO<', index_dom)
    assert 'class="main-svg"' in index_dom

    stage_dom = chromium(profile, "--dump-dom", (run_dir / "04_poc.html").as_uri())
    assert 'class="main-svg"' in stage_dom
    assert "ValueError: boom" in stage_dom

    shot = tmp_path / "index.png"
    chromium(
        profile,
        f"--screenshot={shot}",
        "--window-size=1280,1600",
        index.as_uri(),
    )
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000
