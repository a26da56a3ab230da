"""Offline HTML for business readers: one page per stage, and the run's index page.

Every page sits in the run folder's root and loads plotly.js from `assets/plotly.min.js`
next to it, so pages stay small and open without a network. No page shows code or a
stack trace; the executed notebooks keep both.
"""

from __future__ import annotations

import html
import math
import shutil
import string
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import nbformat
import plotly
import plotly.io as pio
from nbconvert import HTMLExporter
from plotly.subplots import make_subplots

from playbook.errors import PlaybookError
from playbook.tasks.kpi import format_amount

ASSET = "assets/plotly.min.js"

_TEMPLATES = Path(__file__).parent / "templates"
_STAGE_TEMPLATE = "playbook_stage"

_DECISIONS = {
    "go": ("GO", "#1b7f3b"),
    "iterate": ("ITERATE", "#b26a00"),
    "stop": ("STOP", "#b3261e"),
}
_STATUSES = {
    "complete": ("Complete", "#1b7f3b", "#e3f4e8"),
    "stopped": ("Stopped by a gate", "#8a5300", "#fff1d6"),
    "failed": ("Failed", "#b3261e", "#fde7e5"),
    "not_run": ("Not run", "#5f6368", "#eef0f2"),
    "running": ("Running", "#1f5fa8", "#e3edf9"),
    "pending": ("Pending", "#5f6368", "#eef0f2"),
    "interrupted": ("Interrupted", "#b3261e", "#fde7e5"),
}
_NO_DECISION = "No decision: stage 4 did not run in this run"


class ReportError(PlaybookError):
    """A report page cannot be written."""


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
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        partial.hardlink_to(source)
    except OSError:  # another file system, or links not allowed here
        shutil.copyfile(source, partial)
    partial.replace(target)
    return target


def export_stage(notebook: Path, html: Path, *, title: str) -> Path:
    """Turn an executed stage notebook into a business-view HTML page.

    Code and prompts are hidden, Markdown and outputs are kept, and an error shows as
    one line, "ErrorName: message". The page loads plotly.js from `assets/` next to
    it, which this function puts there.

    Args:
        notebook: The executed notebook.
        html: Where to write the page; its folder is the run folder.
        title: The page's title.

    Returns:
        The page's path.

    Raises:
        ReportError: The notebook cannot be read.
    """
    try:
        node = nbformat.read(notebook, as_version=4)
    except (OSError, ValueError) as error:
        raise ReportError(
            f"{notebook}: cannot read the executed notebook ({error}). "
            "Run the stage again to recreate it."
        ) from error
    node.metadata["title"] = title
    exporter = HTMLExporter(
        template_name=_STAGE_TEMPLATE,
        extra_template_basedirs=[str(_TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    body, _ = exporter.from_notebook_node(node)
    html = Path(html)
    html.parent.mkdir(parents=True, exist_ok=True)
    ensure_plotly_asset(html.parent)
    html.write_text(body, encoding="utf-8")
    return html


def write_index(run_dir: Path, manifest: Mapping[str, Any]) -> Path:
    """Write the run's overview page, `run_dir/index.html`, for a business reader.

    It shows the decision and its reasons, the KPI with a chart, each stage's status
    with a link to its page, and where the run came from. Every string taken from the
    manifest is HTML-escaped.

    Args:
        run_dir: The run folder.
        manifest: The run's manifest, as the runner writes it to `manifest.json`.

    Returns:
        The page's path.
    """
    run_dir = Path(run_dir)
    ensure_plotly_asset(run_dir)
    title = str(manifest.get("title") or manifest.get("poc") or "Playbook run")
    kpi = manifest.get("kpi")
    sections = [
        _synthetic_banner(manifest),
        _decision_section(manifest),
        _kpi_section(kpi) if kpi else "",
        _stages_section(run_dir, manifest.get("stages") or {}),
        _footer(manifest),
    ]
    subtitle = " &middot; ".join(
        _e(part)
        for part in (
            manifest.get("poc"),
            manifest.get("run_id") and f"run {manifest['run_id']}",
            manifest.get("status") and f"journey {manifest['status']}",
        )
        if part
    )
    page = _PAGE.substitute(
        title=_e(title), subtitle=subtitle, asset=ASSET, body="\n".join(sections)
    )
    index = run_dir / "index.html"
    index.write_text(page, encoding="utf-8")
    return index


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _number(value: Any) -> float | None:
    """The value as a finite float, or None when it is missing or not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _amount(value: Any, unit: str) -> str:
    number = _number(value)
    return "n/a" if number is None else format_amount(number, unit)


def _synthetic_banner(manifest: Mapping[str, Any]) -> str:
    if not manifest.get("synthetic_data"):
        return ""
    return (
        '<div class="synthetic" role="alert">&#9888; SYNTHETIC example data: '
        "generated, not real records. The numbers below show how the journey "
        "works, not what a real deployment would earn.</div>"
    )


def _decision_section(manifest: Mapping[str, Any]) -> str:
    decision = manifest.get("decision")
    if decision in _DECISIONS:
        word, colour = _DECISIONS[decision]
        headline = f'<div class="decision" style="color:{colour}">{word}</div>'
        reasons: Sequence[Any] = manifest.get("reasons") or []
    else:
        headline = f'<div class="decision none">{_e(_NO_DECISION)}</div>'
        failed = [g for g in manifest.get("gates") or [] if not g.get("passed", True)]
        reasons = [r for gate in failed for r in gate.get("reasons") or []]
        if decision:  # a value this page does not know: show it rather than hide it
            reasons = [f"The manifest says: {decision}", *reasons]
    items = "".join(f"<li>{_e(reason)}</li>" for reason in reasons)
    listed = f'<ul class="reasons">{items}</ul>' if items else ""
    return f'<section class="card"><h2>Decision</h2>{headline}{listed}</section>'


def _finding(kpi: Mapping[str, Any]) -> str:
    """The chart title: what the model earns over today's rule, with its interval."""
    unit = str(kpi.get("unit") or "")
    lift = _number(kpi.get("lift"))
    baseline_name = str(kpi.get("baseline_name") or "today's rule")
    if lift is None:
        return f"Model against {baseline_name}"
    direction = "more" if lift >= 0 else "less"
    finding = (
        f"Model earns {format_amount(abs(lift), unit)} {direction} "
        f"per {kpi.get('period') or 'period'} than {baseline_name}"
    )
    low, high = _number(kpi.get("lift_ci_low")), _number(kpi.get("lift_ci_high"))
    if low is not None and high is not None:
        low_text = format_amount(low, "").strip()
        high_text = format_amount(high, "").strip()
        finding += f" [{low_text}, {high_text}]"
    return finding


def _kpi_section(kpi: Mapping[str, Any]) -> str:
    unit = str(kpi.get("unit") or "")
    confidence = _number(kpi.get("confidence"))
    interval = f"{confidence:.0%} interval" if confidence is not None else "interval"
    relative = _number(kpi.get("relative_lift"))
    baseline_name = str(kpi.get("baseline_name") or "Baseline")
    low, high = kpi.get("lift_ci_low"), kpi.get("lift_ci_high")
    lift_notes = [f"{interval}: {_amount(low, unit)} to {_amount(high, unit)}"]
    if relative is not None:
        lift_notes.append(f"{relative:+.0%} on {baseline_name}")
    min_note = (
        "asked by the charter"
        if _number(kpi.get("min_lift")) is not None
        else "not set in the charter"
    )
    cards = [
        (baseline_name, _amount(kpi.get("baseline"), unit), []),
        ("Model", _amount(kpi.get("model"), unit), []),
        ("Lift", _amount(kpi.get("lift"), unit), lift_notes),
        ("Minimum lift", _amount(kpi.get("min_lift"), unit), [min_note]),
    ]
    tiles = "".join(
        f'<div class="tile"><div class="label">{_e(label)}</div>'
        f'<div class="value">{_e(value)}</div>'
        f'<div class="note">{"<br>".join(_e(note) for note in notes)}</div></div>'
        for label, value, notes in cards
    )
    period = _e(kpi.get("period") or "period")
    return (
        f'<section class="card"><h2>{_e(kpi.get("metric") or "KPI")}</h2>'
        f'<p class="muted">{_e(unit)} per {period}, averaged over the test '
        f'{period}s</p><div class="tiles">{tiles}</div>{_kpi_chart(kpi)}</section>'
    )


def _kpi_chart(kpi: Mapping[str, Any]) -> str:
    """Baseline against model, and the lift with its interval against the minimum.

    Plotly reads HTML-like markup in its text, so manifest strings are escaped here too.
    """
    unit = _e(kpi.get("unit") or "")
    period = _e(kpi.get("period") or "period")
    baseline_name = _e(kpi.get("baseline_name") or "Baseline")
    baseline, model = _number(kpi.get("baseline")), _number(kpi.get("model"))
    lift, min_lift = _number(kpi.get("lift")), _number(kpi.get("min_lift"))
    low, high = _number(kpi.get("lift_ci_low")), _number(kpi.get("lift_ci_high"))
    if baseline is None or model is None or lift is None:
        return ""
    axis = f"{unit} per {period}"
    fig = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.55, 0.45],
        horizontal_spacing=0.14,
        subplot_titles=(
            _e(kpi.get("metric") or "KPI"),
            f"Lift over {baseline_name}",
        ),
    )
    fig.add_bar(
        x=[baseline_name, "Model"],
        y=[baseline, model],
        text=[format_amount(baseline, unit), format_amount(model, unit)],
        textposition="outside",
        marker_color=["#9aa4ae", "#1f5fa8"],
        hovertemplate="%{x}: %{text}<extra></extra>",
        row=1,
        col=1,
    )
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
        x=["Lift"],
        y=[lift],
        error_y=error_y,
        mode="markers+text",
        text=[f"  {format_amount(lift, unit)}"],
        textposition="middle right",
        textfont={"size": 15},
        marker={"size": 16, "color": "#1b7f3b" if lift >= 0 else "#b3261e"},
        hovertemplate="Lift:%{text}<extra></extra>",
        row=1,
        col=2,
    )
    if min_lift is not None:
        fig.add_hline(
            y=min_lift,
            line_dash="dash",
            line_color="#b26a00",
            annotation_text=f"minimum {format_amount(min_lift, unit)}",
            annotation_position="top left",
            annotation_font_color="#8a5300",
            annotation_bgcolor="rgba(255,255,255,0.85)",
            row=1,
            col=2,
        )
    top = max(baseline, model, 0.0)
    bottom = min(baseline, model, 0.0)
    fig.update_yaxes(
        title_text=axis,
        tickformat="~s",
        range=[bottom * 1.15, top * 1.18],
        row=1,
        col=1,
    )
    marks = [v for v in (lift, low, high, min_lift, 0.0) if v is not None]
    span = (max(marks) - min(marks)) or abs(lift) or 1.0
    fig.update_yaxes(
        title_text=f"Lift ({axis})",
        tickformat="~s",
        zeroline=True,
        zerolinecolor="#5f6368",
        zerolinewidth=1.5,
        range=[min(marks) - 0.12 * span, max(marks) + 0.15 * span],
        row=1,
        col=2,
    )
    fig.update_layout(
        title={"text": _e(_finding(kpi)), "x": 0.01, "font": {"size": 18}},
        template="plotly_white",
        showlegend=False,
        height=440,
        margin={"l": 70, "r": 30, "t": 90, "b": 50},
        font={"size": 13},
    )
    return pio.to_html(
        fig,
        include_plotlyjs=False,
        include_mathjax=False,
        full_html=False,
        div_id="kpi-chart",
        config={"displayModeBar": False, "responsive": True},
    )


def _stages_section(run_dir: Path, stages: Mapping[str, Mapping[str, Any]]) -> str:
    def order(item: tuple[str, Mapping[str, Any]]) -> tuple[float, str]:
        number = _number(item[1].get("number"))
        return (number if number is not None else math.inf, item[0])

    rows = []
    for key, stage in sorted(stages.items(), key=order):
        status = str(stage.get("status") or "not_run")
        label, colour, background = _STATUSES.get(
            status, (status, "#5f6368", "#eef0f2")
        )
        pill = (
            f'<span class="pill" style="color:{colour};background:{background}">'
            f"{_e(label)}</span>"
        )
        summary = _e(stage.get("summary") or "")
        error = stage.get("error")
        if error:
            where = (
                f" in cell {_e(error['cell'])}" if error.get("cell") is not None else ""
            )
            text = f"{error.get('name') or 'Error'}: {error.get('message') or ''}"
            summary += f'<div class="error">Failed{where}: {_e(text)}</div>'
        seconds = _number(stage.get("seconds"))
        report = stage.get("report")
        link = ""
        if report and (run_dir / str(report)).is_file():
            link = f'<a href="{_e(quote(str(report)))}">Open report</a>'
        rows.append(
            f'<tr><td class="num">{_e(stage.get("number") or "")}</td>'
            f"<td>{_e(stage.get('title') or key)}</td><td>{pill}</td>"
            f"<td>{summary}</td>"
            f'<td class="num">{"" if seconds is None else f"{seconds:,.1f}"}</td>'
            f"<td>{link}</td></tr>"
        )
    return (
        '<section class="card"><h2>Stages</h2><table class="stages"><thead><tr>'
        '<th class="num">#</th><th>Stage</th><th>Status</th><th>Summary</th>'
        '<th class="num">Seconds</th><th>Report</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )


def _footer(manifest: Mapping[str, Any]) -> str:
    def short(digest: Any) -> str:
        return _e(str(digest)[:12]) if digest else "n/a"

    def name(path: Any) -> str:
        return _e(Path(str(path)).name) if path else "n/a"

    packages = manifest.get("packages") or {}
    versions = " &middot; ".join(f"{_e(k)} {_e(v)}" for k, v in packages.items())
    facts = [
        ("Run", _e(manifest.get("run_id") or "n/a")),
        ("Started", _e(manifest.get("started_at") or "n/a")),
        ("Finished", _e(manifest.get("finished_at") or "n/a")),
        (
            "Seed",
            _e(manifest.get("seed") if manifest.get("seed") is not None else "n/a"),
        ),
        (
            "Charter",
            f"{name(manifest.get('charter_path'))} "
            f"<code>sha256 {short(manifest.get('charter_sha256'))}</code>",
        ),
        (
            "Data",
            f"{name(manifest.get('data_path'))} "
            f"<code>sha256 {short(manifest.get('data_sha256'))}</code>",
        ),
        ("Packages", versions or "n/a"),
    ]
    cells = "".join(f"<dt>{label}</dt><dd>{value}</dd>" for label, value in facts)
    return f"<footer><dl>{cells}</dl></footer>"


_PAGE = string.Template("""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title</title>
<script src="$asset"></script>
<style>
body { margin: 0; background: #f4f6f8; color: #202124;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 24px; }
h1 { font-size: 28px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 0 0 12px; color: #3c4043; }
.muted, .subtitle { color: #5f6368; }
.subtitle { margin: 0 0 16px; font-size: 14px; }
.card { background: #fff; border: 1px solid #dadce0; border-radius: 8px;
  padding: 20px 24px; margin: 16px 0; }
.synthetic { background: #fff4d6; border: 2px solid #c98a00; border-radius: 8px;
  color: #5c3d00; font-weight: 700; font-size: 17px; padding: 12px 18px; }
.decision { font-size: 56px; font-weight: 800; letter-spacing: 2px; line-height: 1.1; }
.decision.none { font-size: 26px; letter-spacing: 0; color: #5f6368; }
.reasons { margin: 12px 0 0; padding-left: 22px; font-size: 16px; }
.reasons li { margin: 4px 0; }
.tiles { display: grid; grid-template-columns: repeat(4, 1fr); gap: 12px;
  margin: 12px 0 8px; }
.tile { border: 1px solid #e0e3e7; border-radius: 6px; padding: 10px 14px; }
.tile .label { color: #5f6368; font-size: 13px; }
.tile .value { font-size: 24px; font-weight: 700; font-variant-numeric: tabular-nums; }
.tile .note { color: #5f6368; font-size: 12px; }
table.stages { border-collapse: collapse; width: 100%; }
.stages th, .stages td { text-align: left; padding: 8px 10px; vertical-align: top;
  border-bottom: 1px solid #e0e3e7; }
.stages th { font-size: 13px; color: #5f6368; }
.stages .num { text-align: right; font-variant-numeric: tabular-nums; }
.pill { display: inline-block; padding: 2px 10px; border-radius: 12px;
  font-size: 13px; font-weight: 600; white-space: nowrap; }
.error { color: #b3261e; margin-top: 4px; }
.stages td:last-child { white-space: nowrap; }
a { color: #1f5fa8; }
footer { color: #5f6368; font-size: 13px; padding: 8px 4px 24px; }
footer dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px;
  margin: 0; }
footer dt { font-weight: 600; }
footer dd { margin: 0; }
@media (max-width: 720px) { .tiles { grid-template-columns: repeat(2, 1fr); } }
</style>
</head>
<body>
<main>
<h1>$title</h1>
<p class="subtitle">$subtitle</p>
$body
</main>
</body>
</html>
""")
