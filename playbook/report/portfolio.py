"""The portfolio page: every POC under a runs folder on one offline page.

`playbook report RUNS_DIR` (and the end of every journey and batch) reads each run's
`manifest.json` under `RUNS_DIR/<poc>/<run-id>/` and writes `RUNS_DIR/index.html`: one
row per POC and parameter scenario with the stage its latest run reached, the decision,
the KPI lift with its interval, the trend of the lift over its runs, the owner, its age
and links to every run; a filter box, sortable columns, and a summary chart (decisions
by stage reached, value at stake per year). The page needs no network: plotly.js is
copied next to it once, and a manifest that cannot be read is listed, not fatal.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from playbook.charter import overrides as parameters
from playbook.core.journey import STAGES

INDEX = "index.html"
# Beside the POC folders; a POC id cannot start with "_", so no POC can clash with it.
ASSETS_DIR = "_portfolio"
PERIODS_PER_YEAR = {"day": 365.0, "week": 52.0, "month": 12.0, "quarter": 4.0}

_DECISIONS = {
    "go": ("GO", "#1b7f3b", "#e3f4e8"),
    "iterate": ("ITERATE", "#8a5300", "#fff1d6"),
    "stop": ("STOP", "#b3261e", "#fde7e5"),
    None: ("none yet", "#5f6368", "#eef0f2"),
}
_STATUSES = {
    "complete": ("complete", "#1b7f3b", "#e3f4e8"),
    "stopped": ("stopped by a gate", "#8a5300", "#fff1d6"),
    "failed": ("failed", "#b3261e", "#fde7e5"),
    "interrupted": ("interrupted", "#b3261e", "#fde7e5"),
    "running": ("running", "#1f5fa8", "#e3edf9"),
}
_REACHED = ("complete", "stopped", "failed", "interrupted", "running")


@dataclass(frozen=True)
class RunSummary:
    """What the portfolio shows of one run, read from its manifest."""

    poc: str
    run_id: str
    folder: Path
    title: str
    owner: str | None
    status: str
    started_at: dt.datetime | None
    stage_reached: int | None
    decision: str | None
    kpi: Mapping[str, Any] | None
    seed: int | None
    scenario: str
    synthetic: bool

    @property
    def lift(self) -> float | None:
        """The KPI lift per period, when stage 4 measured it."""
        return _number((self.kpi or {}).get("lift"))


@dataclass(frozen=True)
class PocSummary:
    """One POC under one parameter scenario, with its runs, oldest first."""

    poc: str
    scenario: str
    runs: tuple[RunSummary, ...]

    @property
    def latest(self) -> RunSummary:
        """The most recent run."""
        return self.runs[-1]


@dataclass(frozen=True)
class Portfolio:
    """Every POC found under a runs folder, and the manifests that could not be read."""

    runs_dir: Path
    pocs: tuple[PocSummary, ...]
    unreadable: tuple[str, ...]

    @property
    def run_count(self) -> int:
        """How many runs the page covers."""
        return sum(len(poc.runs) for poc in self.pocs)


def collect(runs_dir: Path) -> Portfolio:
    """Read every run's manifest under `runs_dir/<poc>/<run-id>/`.

    Runs of the same POC with the same charter overrides form one row (different seeds
    of it are repeats, shown in the trend); a batch's capacity scenarios get a row
    each.

    Args:
        runs_dir: The runs folder.
    """
    runs_dir = Path(runs_dir)
    runs: list[RunSummary] = []
    unreadable: list[str] = []
    for path in sorted(runs_dir.glob("*/*/manifest.json")):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            runs.append(_summary(path.parent, record))
        except (OSError, ValueError, TypeError, AttributeError, KeyError):
            unreadable.append(str(path.relative_to(runs_dir)))
    groups: dict[tuple[str, str], list[RunSummary]] = {}
    for run in sorted(runs, key=lambda run: (run.poc, run.run_id)):
        groups.setdefault((run.poc, run.scenario), []).append(run)
    pocs = tuple(
        PocSummary(poc=poc, scenario=scenario, runs=tuple(group))
        for (poc, scenario), group in groups.items()
    )
    return Portfolio(runs_dir=runs_dir, pocs=pocs, unreadable=tuple(unreadable))


def write(runs_dir: Path, *, now: dt.datetime | None = None) -> Path:
    """Write `runs_dir/index.html` over every run found there; atomically.

    Args:
        runs_dir: The runs folder.
        now: The time ages are counted to (default: the current time).

    Returns:
        The page's path.
    """
    from playbook.report import pages

    runs_dir = Path(runs_dir)
    runs_dir.mkdir(parents=True, exist_ok=True)
    pages.ensure_plotly_asset(runs_dir / ASSETS_DIR)
    page = render(collect(runs_dir), now=now or dt.datetime.now(dt.UTC))
    target = runs_dir / INDEX
    partial = runs_dir / f".{INDEX}.partial"
    partial.write_text(page, encoding="utf-8")
    partial.replace(target)
    return target


def render(portfolio: Portfolio, *, now: dt.datetime) -> str:
    """The portfolio page as HTML; every string from a manifest is escaped.

    Args:
        portfolio: What `collect` found.
        now: The time ages are counted to.
    """
    rows = sorted(
        portfolio.pocs,
        key=lambda poc: poc.latest.started_at or dt.datetime.min.replace(tzinfo=dt.UTC),
        reverse=True,
    )
    body = [
        _summary_tiles(portfolio),
        _charts(portfolio),
        _table(rows, now=now),
        _unreadable(portfolio.unreadable),
    ]
    subtitle = (
        f"{len(portfolio.pocs)} POC row(s), {portfolio.run_count} run(s) under "
        f"{portfolio.runs_dir.resolve()}; written {now:%Y-%m-%d %H:%M} UTC"
    )
    synthetic = any(run.synthetic for poc in portfolio.pocs for run in poc.runs)
    banner = (
        '<div class="synthetic" role="note">&#9888; Some runs use SYNTHETIC example '
        "data (marked in the table): their numbers show how the journey works, not "
        "what a deployment would earn.</div>"
        if synthetic
        else ""
    )
    return _PAGE.substitute(
        asset=f"{ASSETS_DIR}/assets/plotly.min.js",
        subtitle=_e(subtitle),
        banner=banner,
        body="\n".join(body),
        script=_SCRIPT,
    )


def annual(value: float | None, period: str | None) -> float | None:
    """A per-period amount as a yearly one (None when the period is unknown)."""
    if value is None or period not in PERIODS_PER_YEAR:
        return None
    return value * PERIODS_PER_YEAR[period]


def _summary(folder: Path, record: Mapping[str, Any]) -> RunSummary:
    stages = record.get("stages") or {}
    reached = [
        int(entry["number"])
        for entry in stages.values()
        if entry.get("status") in _REACHED and entry.get("number") is not None
    ]
    given = record.get("parameters") or {}
    overrides = given.get("overrides") or {}
    return RunSummary(
        poc=str(record["poc"]),
        run_id=str(record.get("run_id") or folder.name),
        folder=folder,
        title=str(record.get("title") or record["poc"]),
        owner=record.get("owner"),
        status=str(record.get("status") or "unknown"),
        started_at=_time(record.get("started_at")),
        stage_reached=max(reached) if reached else None,
        decision=record.get("decision"),
        kpi=record.get("kpi"),
        seed=record.get("seed"),
        scenario=parameters.label(None, overrides),
        synthetic=bool(record.get("synthetic_data")),
    )


def _time(text: Any) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _amount(value: float | None, unit: str) -> str:
    from playbook.tasks.kpi import format_amount

    return "n/a" if value is None else format_amount(value, unit).strip()


def _age(start: dt.datetime | None, now: dt.datetime) -> tuple[float, str]:
    if start is None:
        return (-1.0, "n/a")
    seconds = max((now - start).total_seconds(), 0.0)
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size:
            return (seconds, f"{seconds / size:.0f} {unit}")
    return (seconds, f"{seconds:.0f} s")


def _pill(text: str, colour: str, background: str) -> str:
    return (
        f'<span class="pill" style="color:{colour};background:{background}">'
        f"{_e(text)}</span>"
    )


def _summary_tiles(portfolio: Portfolio) -> str:
    latest = [poc.latest for poc in portfolio.pocs]
    counts = {key: sum(run.decision == key for run in latest) for key in _DECISIONS}
    at_stake: dict[str, float] = {}
    for run in latest:
        kpi = run.kpi or {}
        yearly = annual(run.lift, kpi.get("period"))
        if run.decision == "go" and yearly is not None:
            unit = str(kpi.get("unit") or "")
            at_stake[unit] = at_stake.get(unit, 0.0) + yearly
    value = " + ".join(_amount(v, unit) for unit, v in at_stake.items()) or "n/a"
    tiles = [
        ("POC rows", f"{len(portfolio.pocs)}", f"{portfolio.run_count} runs"),
        ("GO", f"{counts['go']}", "latest run says go"),
        ("ITERATE", f"{counts['iterate']}", "latest run says iterate"),
        ("STOP", f"{counts['stop']}", "latest run says stop"),
        ("No decision yet", f"{counts[None]}", "stopped, failed or still early"),
        ("Value at stake", value, "yearly lift of the POCs that say go"),
    ]
    cells = "".join(
        f'<div class="tile"><div class="label">{_e(label)}</div>'
        f'<div class="value">{_e(number)}</div><div class="note">{_e(note)}</div></div>'
        for label, number, note in tiles
    )
    return f'<section class="tiles">{cells}</section>'


def _charts(portfolio: Portfolio) -> str:
    """Decisions by stage reached, and the yearly lift at stake per POC row.

    Amounts in different units (KRW, EUR, cost units) never share an axis: each unit
    gets its own panel.
    """
    if not portfolio.pocs:
        return (
            '<section class="card"><h2>No runs yet</h2><p>Run <code>playbook run '
            "CHARTER</code> or <code>playbook batch SPEC</code>; their runs appear "
            "here.</p></section>"
        )
    import plotly.io as pio
    from plotly.subplots import make_subplots

    latest = [poc.latest for poc in portfolio.pocs]
    by_unit: dict[str, list[tuple[PocSummary, float, float, float]]] = {}
    for poc in portfolio.pocs:
        kpi = poc.latest.kpi or {}
        period = kpi.get("period")
        value = annual(poc.latest.lift, period)
        if value is None:
            continue
        low = annual(_number(kpi.get("lift_ci_low")), period)
        high = annual(_number(kpi.get("lift_ci_high")), period)
        by_unit.setdefault(str(kpi.get("unit") or ""), []).append(
            (
                poc,
                value,
                value - low if low is not None else 0.0,
                high - value if high is not None else 0.0,
            )
        )
    units = sorted(by_unit, key=lambda unit: -len(by_unit[unit])) or [""]
    panels = len(units)
    bars = sum(len(rows) for rows in by_unit.values())
    fig = make_subplots(
        rows=panels,
        cols=2,
        column_widths=[0.42, 0.58],
        horizontal_spacing=0.22,
        vertical_spacing=min(0.12, 0.5 / panels),
        specs=[[{"rowspan": panels}, {}]] + [[None, {}] for _ in range(panels - 1)],
        subplot_titles=(
            "POCs by stage reached (latest run)",
            *(
                f"Lift over today's baseline per year, {_e(unit) or 'no unit'}"
                for unit in units
            ),
        ),
    )
    stage_names = [f"{s.number}. {s.title}" for s in STAGES]
    for decision, (word, colour, _) in _DECISIONS.items():
        counts = [
            sum(
                run.decision == decision and run.stage_reached == stage.number
                for run in latest
            )
            for stage in STAGES
        ]
        if any(counts):
            fig.add_bar(
                x=counts,
                y=stage_names,
                orientation="h",
                name=word,
                marker_color=colour,
                hovertemplate=f"%{{y}}: %{{x}} POC(s), {_e(word)}<extra></extra>",
                row=1,
                col=1,
            )
    for row, unit in enumerate(units, start=1):
        rows = sorted(by_unit.get(unit, []), key=lambda item: item[1])
        if not rows:
            continue
        fig.add_bar(
            x=[value for _, value, _, _ in rows],
            y=[_e(_row_name(poc)) for poc, _, _, _ in rows],
            orientation="h",
            marker_color=[
                _DECISIONS.get(poc.latest.decision, _DECISIONS[None])[1]
                for poc, _, _, _ in rows
            ],
            error_x={
                "type": "data",
                "symmetric": False,
                "array": [max(up, 0.0) for _, _, _, up in rows],
                "arrayminus": [max(down, 0.0) for _, _, down, _ in rows],
                "color": "#202124",
            },
            text=[_amount(value, unit) for _, value, _, _ in rows],
            hovertemplate="%{y}: %{text} a year<extra></extra>",
            showlegend=False,
            row=row,
            col=2,
        )
        fig.update_xaxes(
            tickformat="~s",
            zeroline=True,
            zerolinecolor="#5f6368",
            row=row,
            col=2,
        )
    fig.update_xaxes(title_text="POCs", dtick=1, row=1, col=1)
    fig.update_yaxes(autorange="reversed", row=1, col=1)
    fig.update_layout(
        barmode="stack",
        template="plotly_white",
        height=max(380, 110 * panels + 30 * bars),
        margin={"l": 10, "r": 20, "t": 50, "b": 90},
        legend={"orientation": "h", "y": -0.22, "x": 0},
        font={"size": 13},
    )
    chart = pio.to_html(
        fig,
        include_plotlyjs=False,
        include_mathjax=False,
        full_html=False,
        div_id="portfolio-chart",
        config={"displayModeBar": False, "responsive": True},
    )
    return f'<section class="card"><h2>Portfolio at a glance</h2>{chart}</section>'


def _row_name(poc: PocSummary) -> str:
    return f"{poc.poc} ({poc.scenario})" if poc.scenario else poc.poc


def _table(pocs: Sequence[PocSummary], *, now: dt.datetime) -> str:
    header = (
        '<tr><th data-type="text" aria-sort="none"><button>POC</button></th>'
        '<th data-type="text" aria-sort="none"><button>Owner</button></th>'
        '<th data-type="num" aria-sort="none"><button>Stage reached</button></th>'
        '<th data-type="text" aria-sort="none"><button>Decision</button></th>'
        '<th data-type="num" aria-sort="none" class="num"><button>Lift per period'
        "</button></th>"
        "<th>Trend of the lift</th>"
        '<th data-type="num" aria-sort="none" class="num"><button>Runs</button></th>'
        '<th data-type="num" aria-sort="none" class="num"><button>Age</button></th>'
        '<th data-type="num" aria-sort="descending" class="num"><button>Last run'
        "</button></th></tr>"
    )
    rows = "".join(_row(poc, now=now) for poc in pocs)
    controls = (
        '<div class="controls"><label>Filter <input id="filter" type="search" '
        'placeholder="POC, owner, scenario..."></label>'
        '<label>Decision <select id="decision"><option value="">any</option>'
        "<option>go</option><option>iterate</option><option>stop</option>"
        '<option value="none">none yet</option></select></label>'
        '<label>Status <select id="status"><option value="">any</option>'
        + "".join(f"<option>{s}</option>" for s in _STATUSES)
        + '</select></label><span id="shown" class="muted"></span></div>'
    )
    return (
        f'<section class="card"><h2>POCs</h2>{controls}'
        f'<table id="pocs"><thead>{header}</thead><tbody>{rows}</tbody></table>'
        "</section>"
    )


def _row(poc: PocSummary, *, now: dt.datetime) -> str:
    run = poc.latest
    kpi = run.kpi or {}
    unit = str(kpi.get("unit") or "")
    first_age, first_text = _age(poc.runs[0].started_at, now)
    last_age, last_text = _age(run.started_at, now)
    stage = (
        f"{run.stage_reached}. {STAGES[run.stage_reached - 1].title}"
        if run.stage_reached
        else "none"
    )
    status_word, colour, background = _STATUSES.get(
        run.status, (run.status, "#5f6368", "#eef0f2")
    )
    decision_word, d_colour, d_background = _DECISIONS.get(
        run.decision, (str(run.decision), "#5f6368", "#eef0f2")
    )
    lift = run.lift
    low, high = _number(kpi.get("lift_ci_low")), _number(kpi.get("lift_ci_high"))
    interval = (
        f'<div class="note">[{_e(_amount(low, ""))}, {_e(_amount(high, ""))}]'
        f" per {_e(kpi.get('period') or 'period')}</div>"
        if low is not None and high is not None
        else ""
    )
    name = (
        f'<div class="poc">{_e(run.title)}</div><div class="note"><code>'
        f"{_e(poc.poc)}</code>"
        + (f" &middot; {_e(poc.scenario)}" if poc.scenario else "")
        + (' &middot; <span class="synth">SYNTHETIC</span>' if run.synthetic else "")
        + "</div>"
    )
    search = " ".join(
        str(part)
        for part in (poc.poc, run.title, run.owner or "", poc.scenario)
        if part
    ).lower()
    return (
        f'<tr data-search="{_e(search)}" data-decision="{_e(run.decision or "none")}"'
        f' data-status="{_e(run.status)}">'
        f'<td data-sort="{_e(poc.poc)} {_e(poc.scenario)}">{name}</td>'
        f"<td>{_e(run.owner or 'n/a')}</td>"
        f'<td data-sort="{run.stage_reached or 0}">{_e(stage)}<div>'
        f"{_pill(status_word, colour, background)}</div></td>"
        f'<td data-sort="{_e(run.decision or "~")}">'
        f"{_pill(decision_word, d_colour, d_background)}</td>"
        f'<td class="num" data-sort="{lift if lift is not None else "-1e300"}">'
        f"{_e(_amount(lift, unit))}{interval}</td>"
        f"<td>{_sparkline(poc)}</td>"
        f'<td class="num runs" data-sort="{len(poc.runs)}">{_runs_links(poc)}</td>'
        f'<td class="num" data-sort="{first_age:.0f}">{_e(first_text)}</td>'
        f'<td class="num" data-sort="{-last_age:.0f}">{_e(last_text)} ago</td></tr>'
    )


def _runs_links(poc: PocSummary) -> str:
    def link(run: RunSummary) -> str:
        href = f"{quote(run.poc)}/{quote(run.run_id)}/index.html"
        what = ", ".join(
            part
            for part in (
                run.status,
                run.decision and run.decision.upper(),
                run.seed is not None and f"seed {run.seed}",
            )
            if part
        )
        return f'<li><a href="{_e(href)}">{_e(run.run_id)}</a> {_e(what)}</li>'

    latest = poc.latest
    items = "".join(link(run) for run in reversed(poc.runs))
    return (
        f'{len(poc.runs)} &middot; <a href="{_e(quote(latest.poc))}/'
        f'{_e(quote(latest.run_id))}/index.html">latest</a>'
        f'<details><summary>all runs</summary><ul class="runs">{items}</ul></details>'
    )


def _sparkline(poc: PocSummary) -> str:
    """The lift of each run that measured it, oldest left; the minimum lift dashed."""
    points = [(run, run.lift) for run in poc.runs if run.lift is not None]
    if not points:
        return '<span class="muted">no KPI yet</span>'
    unit = str((points[-1][0].kpi or {}).get("unit") or "")
    min_lift = _number((points[-1][0].kpi or {}).get("min_lift"))
    values = [value for _, value in points] + (
        [min_lift] if min_lift is not None else []
    )
    width, height, pad = 120, 32, 4
    top, bottom = max([*values, 0.0]), min([*values, 0.0])
    span = (top - bottom) or 1.0

    def y(value: float) -> float:
        return pad + (top - value) / span * (height - 2 * pad)

    step = (width - 2 * pad) / max(len(points) - 1, 1)
    xs = [pad + i * step if len(points) > 1 else width / 2 for i in range(len(points))]
    line = " ".join(f"{x:.1f},{y(v):.1f}" for x, (_, v) in zip(xs, points, strict=True))
    title = "; ".join(f"{run.run_id}: {_amount(v, unit)}" for run, v in points)
    marks = "".join(
        f'<circle cx="{x:.1f}" cy="{y(v):.1f}" r="2.5" '
        f'fill="{_DECISIONS.get(run.decision, _DECISIONS[None])[1]}"/>'
        for x, (run, v) in zip(xs, points, strict=True)
    )
    guide = (
        f'<line x1="0" x2="{width}" y1="{y(min_lift):.1f}" y2="{y(min_lift):.1f}" '
        'stroke="#b26a00" stroke-dasharray="3,2"/>'
        if min_lift is not None
        else ""
    )
    zero = (
        f'<line x1="0" x2="{width}" y1="{y(0.0):.1f}" y2="{y(0.0):.1f}" '
        'stroke="#c4c7c5"/>'
    )
    return (
        f'<svg class="spark" width="{width}" height="{height}" role="img" '
        f'aria-label="{_e(title)}"><title>{_e(title)}</title>{zero}{guide}'
        f'<polyline fill="none" stroke="#1f5fa8" stroke-width="1.5" '
        f'points="{line}"/>{marks}</svg>'
    )


def _unreadable(paths: Sequence[str]) -> str:
    if not paths:
        return ""
    items = "".join(f"<li><code>{_e(path)}</code></li>" for path in paths)
    return (
        '<section class="card"><h2>Runs that could not be read</h2><p>These '
        "manifests are not valid JSON or lack the POC id; open the run folder to see "
        f"what happened.</p><ul>{items}</ul></section>"
    )


_SCRIPT = """
(function () {
  var table = document.getElementById('pocs');
  if (!table) { return; }
  var body = table.tBodies[0];
  var filter = document.getElementById('filter');
  var decision = document.getElementById('decision');
  var status = document.getElementById('status');
  var shown = document.getElementById('shown');
  function apply() {
    var text = filter.value.trim().toLowerCase();
    var count = 0;
    Array.prototype.forEach.call(body.rows, function (row) {
      var ok = (!text || row.dataset.search.indexOf(text) >= 0) &&
        (!decision.value || row.dataset.decision === decision.value) &&
        (!status.value || row.dataset.status === status.value);
      row.hidden = !ok;
      if (ok) { count += 1; }
    });
    shown.textContent = count + ' of ' + body.rows.length + ' shown';
  }
  [filter, decision, status].forEach(function (el) {
    el.addEventListener('input', apply);
  });
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, column) {
    var button = th.querySelector('button');
    if (!button) { return; }
    button.addEventListener('click', function () {
      var ascending = th.getAttribute('aria-sort') !== 'ascending';
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (other) {
        if (other.hasAttribute('aria-sort')) {
          other.setAttribute('aria-sort', 'none');
        }
      });
      th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
      var numeric = th.dataset.type === 'num';
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[column].dataset.sort, y = b.cells[column].dataset.sort;
        var order = numeric ? parseFloat(x) - parseFloat(y) : x.localeCompare(y);
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
  apply();
})();
"""

_PAGE = string.Template("""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>POC portfolio</title>
<script src="$asset"></script>
<style>
body { margin: 0; background: #f4f6f8; color: #202124;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 1320px; margin: 0 auto; padding: 24px; }
h1 { font-size: 28px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 0 0 12px; color: #3c4043; }
.muted, .subtitle, .note { color: #5f6368; }
.note { font-size: 12px; }
.subtitle { margin: 0 0 16px; font-size: 14px; }
.card { background: #fff; border: 1px solid #dadce0; border-radius: 8px;
  padding: 20px 24px; margin: 16px 0; }
.synthetic { background: #fff4d6; border: 2px solid #c98a00; border-radius: 8px;
  color: #5c3d00; font-weight: 700; padding: 10px 16px; }
.synth { color: #8a5300; font-weight: 700; }
.tiles { display: grid; grid-template-columns: repeat(6, 1fr); gap: 12px;
  margin: 16px 0; }
.tile { background: #fff; border: 1px solid #dadce0; border-radius: 8px;
  padding: 10px 14px; }
.tile .label { color: #5f6368; font-size: 13px; }
.tile .value { font-size: 24px; font-weight: 700; font-variant-numeric: tabular-nums; }
.controls { display: flex; gap: 18px; align-items: center; flex-wrap: wrap;
  margin-bottom: 10px; }
.controls input, .controls select { font: inherit; padding: 3px 6px; margin-left: 4px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 8px 8px; vertical-align: top;
  border-bottom: 1px solid #e0e3e7; }
th { font-size: 13px; color: #5f6368; white-space: nowrap; }
th button { font: inherit; color: inherit; background: none; border: 0; padding: 0;
  cursor: pointer; }
th[aria-sort="ascending"] button::after { content: " \\25B2"; }
th[aria-sort="descending"] button::after { content: " \\25BC"; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.poc { font-weight: 600; }
.pill { display: inline-block; padding: 1px 9px; border-radius: 12px;
  font-size: 12px; font-weight: 700; white-space: nowrap; }
ul.runs { margin: 4px 0 0; padding-left: 18px; text-align: left; font-size: 12px;
  white-space: nowrap; }
td.runs { white-space: nowrap; }
details summary { cursor: pointer; font-size: 12px; color: #1f5fa8; }
a { color: #1f5fa8; }
@media (max-width: 900px) { .tiles { grid-template-columns: repeat(3, 1fr); } }
</style>
</head>
<body>
<main>
<h1>POC portfolio</h1>
<p class="subtitle">$subtitle</p>
$banner
$body
</main>
<script>$script</script>
</body>
</html>
""")
