"""Offline HTML for business readers: one page per stage, and the run's index page.

Every page sits in the run folder's root and loads plotly.js from `assets/plotly.min.js`
next to it, so pages stay small and open without a network. No page shows code or a
stack trace; the executed notebooks keep both. The index page's words and markup live
in `templates/pages/run_index.html.j2`; this module hands it typed rows.
"""

from __future__ import annotations

import html
import json
import math
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import plotly
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from playbook.core.files import write_atomic
from playbook.core.language import FONT_STACK, Language, language_of
from playbook.core.locale_format import format_moment, format_money
from playbook.core.messages import translated
from playbook.errors import ReportError
from playbook.report import memo_page, page_templates
from playbook.report.page_templates import money_ticks

ASSET = "assets/plotly.min.js"


# Colours only: the words for each decision and status are in run_index.html.j2.
_DECISION_COLOURS = page_templates.DECISION_COLOURS


@dataclass(frozen=True)
class KpiPanel:
    """The KPI card: amounts already formatted (None when the manifest lacks one)."""

    metric: str | None
    unit: str
    period: str | None
    baseline_name: str | None
    baseline: str | None
    model: str | None
    lift: str | None
    lift_low: str | None
    lift_high: str | None
    min_lift: str | None
    confidence: str | None
    relative_lift: str | None
    chart: str | None


@dataclass(frozen=True)
class StageError:
    """Where and how a stage failed, in one line."""

    name: str | None
    message: str
    cell: str | None


@dataclass(frozen=True)
class StageRow:
    """One row of the stages table."""

    number: str
    title: str
    status: str
    colour: str
    background: str
    summary: str
    error: StageError | None
    seconds: str
    report_href: str | None


@dataclass(frozen=True)
class Provenance:
    """Where the run came from, for the page's footer."""

    run_id: str | None
    started_at: str | None
    finished_at: str | None
    seed: str | None
    charter_file: str | None
    charter_sha256: str | None
    data_file: str | None
    data_sha256: str | None
    packages: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class RunPage:
    """Everything the run's index page shows, read from its manifest."""

    title: str | None
    poc: str | None
    run_id: str | None
    status: str | None
    synthetic: bool
    memo_href: str | None
    decision: str | None
    decision_colour: str | None
    unknown_decision: str | None
    reasons: tuple[str, ...]
    kpi: KpiPanel | None
    stages: tuple[StageRow, ...]
    provenance: Provenance


def ensure_plotly_asset(run_dir: Path) -> Path:
    """Put plotly.js at `run_dir/assets/plotly.min.js`, once per run folder.

    The file is hard-linked to the installed plotly package's copy when the file
    system allows it (no extra 4 MB per run), and copied otherwise.

    Args:
        run_dir: The run folder whose pages will load the asset.

    Returns:
        The asset's path.

    Raises:
        ReportError: The installed plotly package has no plotly.min.js.
    """
    target = Path(run_dir) / ASSET
    if target.is_file():
        return target
    source = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    if not source.is_file():
        raise ReportError(
            f"{source} is missing, so report pages could not draw charts. "
            "Reinstall plotly: pip install --force-reinstall plotly"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    # Not `write_atomic`: the asset is a hard link to plotly's file (or a byte copy),
    # never 4 MB of text written out again; the hidden name and the rename give the
    # same all-or-nothing for a link.
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        partial.hardlink_to(source)
    except OSError:  # another file system, or links not allowed here
        shutil.copyfile(source, partial)
    partial.replace(target)
    return target


def export_stage(
    notebook: Path, html: Path, *, title: str, language: Language = "en"
) -> Path:
    """Turn an executed stage notebook into a business-view HTML page.

    Code and prompts are hidden, Markdown and outputs are kept, and an error shows as
    one line, "ErrorName: message". The page loads plotly.js from `assets/` next to
    it, which this function puts there. A journey exports its seven pages with one
    `stage_export.StageExporter` instead (its templates compiled once).

    Args:
        notebook: The executed notebook.
        html: Where to write the page; its folder is the run folder.
        title: The page's title.
        language: The reader's language (the page's `<html lang>`).

    Returns:
        The page's path.

    Raises:
        ReportError: The notebook cannot be read.
    """
    from playbook.report.stage_export import StageExporter  # it uses this module

    return StageExporter(language).export(notebook, html, title=title)


def write_index(
    run_dir: Path, manifest: Mapping[str, Any], *, language: Language | None = None
) -> Path:
    """Write the run's overview page, `run_dir/index.html`, for a business reader.

    It links the sponsor's memo first (written here too, `memo_page.write`), then
    shows the decision and its reasons, the KPI with a chart, each stage's status
    with a link to its page, and where the run came from. Every string taken from the
    manifest is HTML-escaped.

    Args:
        run_dir: The run folder.
        manifest: The run's manifest, as the runner writes it to `manifest.json`.
        language: The reader's language (default: the run's, from its manifest).

    Returns:
        The page's path.
    """
    run_dir = Path(run_dir)
    language = language or language_of(manifest.get("language"))
    ensure_plotly_asset(run_dir)
    memo_page.write(run_dir, manifest, language=language)
    page = page_templates.render(
        "run_index.html.j2",
        language=language,
        asset=ASSET,
        page=_run_page(run_dir, manifest, language=language),
    )
    return write_atomic(run_dir / "index.html", page)


def refresh(run_dir: Path, *, language: Language | None = None) -> Path:
    """Write a finished run's memo and index page again, from its `manifest.json`.

    Args:
        run_dir: The run folder.
        language: The reader's language (default: the run's).

    Returns:
        The memo's path.

    Raises:
        ReportError: The folder holds no readable manifest (it is no run folder).
    """
    path = Path(run_dir) / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReportError(
            f"{path}: no such file, so {run_dir} is not a run folder. Point at "
            "RUNS_DIR/<poc>/<run-id>, the folder `playbook run` printed."
        ) from None
    except (OSError, ValueError) as error:
        raise ReportError(f"{path}: cannot read the manifest ({error}).") from None
    write_index(Path(run_dir), manifest, language=language)
    return Path(run_dir) / memo_page.MEMO


def _run_page(
    run_dir: Path, manifest: Mapping[str, Any], *, language: Language
) -> RunPage:
    decision = manifest.get("decision")
    colour = _DECISION_COLOURS.get(decision) if isinstance(decision, str) else None
    if colour is not None:
        reasons = manifest.get("reasons") or []
    else:  # without a decision, the gates that stopped the journey say why
        failed = [g for g in manifest.get("gates") or [] if not g.get("passed", True)]
        reasons = [r for gate in failed for r in gate.get("reasons") or []]
    kpi = manifest.get("kpi")
    return RunPage(
        title=_text(manifest.get("title")) or _text(manifest.get("poc")),
        poc=_text(manifest.get("poc")),
        run_id=_text(manifest.get("run_id")),
        status=_text(manifest.get("status")),
        synthetic=bool(manifest.get("synthetic_data")),
        memo_href=memo_page.MEMO if (run_dir / memo_page.MEMO).is_file() else None,
        decision=decision if colour is not None else None,
        decision_colour=colour,
        # a value this page does not know: show it rather than hide it
        unknown_decision=None if colour is not None or not decision else str(decision),
        reasons=tuple(str(reason) for reason in reasons),
        kpi=_kpi_panel(kpi, language=language) if kpi else None,
        stages=_stage_rows(run_dir, manifest.get("stages") or {}),
        provenance=_provenance(manifest, language=language),
    )


def _text(value: Any) -> str | None:
    """The value as text, or None when it is missing or empty."""
    return str(value) if value else None


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _number(value: Any) -> float | None:
    """The value as a finite float, or None when it is missing or not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _amount(value: Any, unit: str, language: Language) -> str | None:
    number = _number(value)
    return None if number is None else format_money(number, unit, language=language)


def _period(kpi: Mapping[str, Any], language: Language) -> str:
    """The KPI's period as a word of the reader's language (the pages' own words)."""
    return translated(language, str(kpi.get("period") or "period"))


def _baseline_name(kpi: Mapping[str, Any], language: Language) -> str | None:
    """The baseline's name in the reader's language (today's rule: 현행 규칙)."""
    name = _text(kpi.get("baseline_name"))
    return translated(language, name) if name else None


def _kpi_panel(kpi: Mapping[str, Any], *, language: Language) -> KpiPanel:
    unit = str(kpi.get("unit") or "")
    confidence = _number(kpi.get("confidence"))
    relative = _number(kpi.get("relative_lift"))
    return KpiPanel(
        metric=_text(kpi.get("metric")),
        unit=unit,
        period=_text(kpi.get("period")),
        baseline_name=_baseline_name(kpi, language),
        baseline=_amount(kpi.get("baseline"), unit, language),
        model=_amount(kpi.get("model"), unit, language),
        lift=_amount(kpi.get("lift"), unit, language),
        lift_low=_amount(kpi.get("lift_ci_low"), unit, language),
        lift_high=_amount(kpi.get("lift_ci_high"), unit, language),
        min_lift=_amount(kpi.get("min_lift"), unit, language),
        confidence=None if confidence is None else f"{confidence:.0%}",
        relative_lift=None if relative is None else f"{relative:+.0%}",
        chart=_kpi_chart(kpi, language=language),
    )


def _finding(kpi: Mapping[str, Any], language: Language) -> str:
    """The chart title: by how much the model beats today's rule, with its interval.

    "Beats" and "trails" read right for a value and for a cost KPI alike (the lift is
    always the improvement), which the manifest does not say.
    """
    unit = str(kpi.get("unit") or "")
    lift = _number(kpi.get("lift"))
    baseline_name = _baseline_name(kpi, language) or translated(
        language, "today's rule"
    )
    if lift is None:
        return translated(
            language, "Model against %(baseline)s", baseline=baseline_name
        )
    values = {
        "baseline": baseline_name,
        "amount": format_money(abs(lift), unit, language=language),
        "period": _period(kpi, language),
    }
    finding = (
        translated(
            language, "Model beats %(baseline)s by %(amount)s per %(period)s", **values
        )
        if lift >= 0
        else translated(
            language, "Model trails %(baseline)s by %(amount)s per %(period)s", **values
        )
    )
    low, high = _number(kpi.get("lift_ci_low")), _number(kpi.get("lift_ci_high"))
    if low is not None and high is not None:
        # Korean writes the unit with each amount (억원, 만원); English leaves it out.
        low_text = format_money(
            low, "" if language == "en" else unit, language=language
        )
        high_text = format_money(
            high, "" if language == "en" else unit, language=language
        )
        finding += f" [{low_text.strip()}, {high_text.strip()}]"
    return finding


def _kpi_chart(kpi: Mapping[str, Any], *, language: Language) -> str | None:
    """Baseline against model, and the lift with its interval against the minimum.

    Plotly reads HTML-like markup in its text, so manifest strings are escaped here too.
    """
    unit = _e(kpi.get("unit") or "")
    baseline_name = _e(
        _baseline_name(kpi, language) or translated(language, "Baseline")
    )
    model_word = translated(language, "Model")
    baseline, model = _number(kpi.get("baseline")), _number(kpi.get("model"))
    lift, min_lift = _number(kpi.get("lift")), _number(kpi.get("min_lift"))
    low, high = _number(kpi.get("lift_ci_low")), _number(kpi.get("lift_ci_high"))
    if baseline is None or model is None or lift is None:
        return None
    fig = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.55, 0.45],
        horizontal_spacing=0.14,
        subplot_titles=(
            _e(kpi.get("metric") or "KPI"),
            translated(language, "Lift over %(baseline)s", baseline=baseline_name),
        ),
    )
    fig.add_bar(
        x=[baseline_name, model_word],
        y=[baseline, model],
        text=[
            format_money(baseline, unit, language=language),
            format_money(model, unit, language=language),
        ],
        textposition="outside",
        marker_color=["#9aa4ae", "#1f5fa8"],
        hovertemplate="%{x}: %{text}<extra></extra>",
        row=1,
        col=1,
    )
    _add_lift(fig, (lift, low, high, min_lift), unit=unit, language=language)
    _lay_out_kpi_chart(
        fig,
        kpi,
        marks=(baseline, model, lift, low, high, min_lift),
        language=language,
    )
    return page_templates.chart_div(fig, "kpi-chart")


def _add_lift(
    fig: go.Figure,
    marks: tuple[float, float | None, float | None, float | None],
    *,
    unit: str,
    language: Language,
) -> None:
    """The lift as a dot with its interval (low, high), and the charter's minimum."""
    lift, low, high, min_lift = marks
    lift_word = translated(language, "Lift")
    error_y = None
    if low is not None and high is not None:
        error_y = {
            "type": "data",
            "symmetric": False,
            "array": [max(high - lift, 0.0)],
            "arrayminus": [max(lift - low, 0.0)],
            "color": "#202124",
            "thickness": 2,
            "width": 14,
        }
    fig.add_scatter(
        x=[lift_word],
        y=[lift],
        error_y=error_y,
        mode="markers+text",
        text=[f"  {format_money(lift, unit, language=language)}"],
        textposition="middle right",
        textfont={"size": 15},
        marker={"size": 16, "color": "#1b7f3b" if lift >= 0 else "#b3261e"},
        hovertemplate=f"{lift_word}:%{{text}}<extra></extra>",
        row=1,
        col=2,
    )
    if min_lift is not None:
        fig.add_hline(
            y=min_lift,
            line_dash="dash",
            line_color="#b26a00",
            annotation_text=translated(
                language,
                "minimum %(amount)s",
                amount=format_money(min_lift, unit, language=language),
            ),
            annotation_position="top left",
            annotation_font_color="#8a5300",
            annotation_bgcolor="rgba(255,255,255,0.85)",
            row=1,
            col=2,
        )


def _lay_out_kpi_chart(
    fig: go.Figure,
    kpi: Mapping[str, Any],
    *,
    marks: tuple[float, float, float, float | None, float | None, float | None],
    language: Language,
) -> None:
    """Axes that show every bar, the interval and the minimum with room; the title."""
    baseline, model, lift, low, high, min_lift = marks
    unit = str(kpi.get("unit") or "")
    axis = translated(
        language,
        "%(unit)s per %(period)s",
        unit=_e("원" if money_ticks([1.0], unit=unit, language=language) else unit),
        period=_e(_period(kpi, language)),
    )
    top = max(baseline, model, 0.0)
    bottom = min(baseline, model, 0.0)
    # Won in Korean tick in 만원/억원; other units keep plotly's SI prefixes.
    fig.update_yaxes(
        title_text=axis,
        tickformat="~s",
        range=[bottom * 1.15, top * 1.18],
        row=1,
        col=1,
        **(money_ticks([bottom, top], unit=unit, language=language) or {}),
    )
    lifts = [v for v in (lift, low, high, min_lift, 0.0) if v is not None]
    span = (max(lifts) - min(lifts)) or abs(lift) or 1.0
    fig.update_yaxes(
        title_text=translated(language, "Lift (%(axis)s)", axis=axis),
        tickformat="~s",
        zeroline=True,
        zerolinecolor="#5f6368",
        zerolinewidth=1.5,
        range=[min(lifts) - 0.12 * span, max(lifts) + 0.15 * span],
        row=1,
        col=2,
        **(money_ticks(lifts, unit=unit, language=language) or {}),
    )
    fig.update_layout(
        title={"text": _e(_finding(kpi, language)), "x": 0.01, "font": {"size": 18}},
        template="plotly_white",
        showlegend=False,
        height=440,
        margin={"l": 70, "r": 30, "t": 90, "b": 50},
        font={"size": 13, "family": FONT_STACK},
    )


def _stage_rows(
    run_dir: Path, stages: Mapping[str, Mapping[str, Any]]
) -> tuple[StageRow, ...]:
    def order(item: tuple[str, Mapping[str, Any]]) -> tuple[float, str]:
        number = _number(item[1].get("number"))
        return (number if number is not None else math.inf, item[0])

    rows = []
    for key, stage in sorted(stages.items(), key=order):
        status = str(stage.get("status") or "not_run")
        colour, background = page_templates.status_colours(status)
        seconds = _number(stage.get("seconds"))
        report = stage.get("report")
        linked = bool(report) and (run_dir / str(report)).is_file()
        rows.append(
            StageRow(
                number=str(stage.get("number") or ""),
                title=str(stage.get("title") or key),
                status=status,
                colour=colour,
                background=background,
                summary=str(stage.get("summary") or ""),
                error=_stage_error(stage["error"]) if stage.get("error") else None,
                seconds="" if seconds is None else f"{seconds:,.1f}",
                report_href=quote(str(report)) if linked else None,
            )
        )
    return tuple(rows)


def _stage_error(error: Mapping[str, Any]) -> StageError:
    cell = error.get("cell")
    return StageError(
        name=_text(error.get("name")),
        message=str(error.get("message") or ""),
        cell=None if cell is None else str(cell),
    )


def _provenance(manifest: Mapping[str, Any], *, language: Language) -> Provenance:
    def short(digest: Any) -> str | None:
        return str(digest)[:12] if digest else None

    def name(path: Any) -> str | None:
        return Path(str(path)).name if path else None

    packages = manifest.get("packages") or {}
    return Provenance(
        run_id=_text(manifest.get("run_id")),
        started_at=format_moment(_text(manifest.get("started_at")), language=language),
        finished_at=format_moment(
            _text(manifest.get("finished_at")), language=language
        ),
        seed=None if manifest.get("seed") is None else str(manifest["seed"]),
        charter_file=name(manifest.get("charter_path")),
        charter_sha256=short(manifest.get("charter_sha256")),
        data_file=name(manifest.get("data_path")),
        data_sha256=short(manifest.get("data_sha256")),
        packages=tuple((str(k), str(v)) for k, v in packages.items()),
    )
