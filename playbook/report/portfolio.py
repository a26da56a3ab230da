"""The portfolio page: every POC under a runs folder on one offline page.

`playbook report RUNS_DIR` (and the end of every journey and batch) reads each run's
`manifest.json` under `RUNS_DIR/<poc>/<run-id>/` and writes `RUNS_DIR/index.html`: one
row per POC and parameter scenario with the stage its latest run reached, the decision,
the KPI lift with its interval, the trend of the lift over its runs, the owner, its age
and links to every run; a filter box, sortable columns, and a summary chart (decisions
by stage reached, value at stake per year). The page needs no network: plotly.js is
copied next to it once, and a manifest that cannot be read is listed, not fatal. The
page's words and markup live in `templates/pages/portfolio.html.j2`; this module hands
it typed rows.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from playbook.charter import overrides as charter_overrides
from playbook.core.files import write_atomic
from playbook.core.journey import STAGES
from playbook.core.language import FONT_STACK, Language
from playbook.report import page_templates

if TYPE_CHECKING:
    import plotly.graph_objects as go

INDEX = "index.html"
# Beside the POC folders; a POC id cannot start with "_", so no POC can clash with it.
ASSETS_DIR = "_portfolio"
PERIODS_PER_YEAR = {"day": 365.0, "week": 52.0, "month": 12.0, "quarter": 4.0}

# The chart's legend words and every colour; the table's words are in the template.
_DECISIONS = {
    "go": ("GO", "#1b7f3b", "#e3f4e8"),
    "iterate": ("ITERATE", "#8a5300", "#fff1d6"),
    "stop": ("STOP", "#b3261e", "#fde7e5"),
    None: ("none yet", "#5f6368", "#eef0f2"),
}
_REACHED = ("complete", "stopped", "failed", "interrupted", "abandoned", "running")


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


# A POC row's yearly lift, and how far its interval reaches below and above it.
_Lift = tuple[PocSummary, float, float, float]


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


@dataclass(frozen=True)
class Age:
    """How long ago a run started, in the largest whole unit (-1 s when unknown)."""

    seconds: float
    count: str | None
    unit: str


@dataclass(frozen=True)
class RunLink:
    """A link to one run's index page, with what it found."""

    href: str
    run_id: str
    status: str
    decision: str | None
    seed: int | None


@dataclass(frozen=True)
class Sparkline:
    """The lift of each run that measured it, drawn small; coordinates as SVG text.

    `marks` holds each run's dot (x, y, colour); `labels` each run's id and lift.
    """

    width: int
    height: int
    zero_y: str
    guide_y: str | None
    points: str
    marks: tuple[tuple[str, str, str], ...]
    labels: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class PocRow:
    """One row of the POC table: a POC under one scenario, told by its latest run.

    `runs` links every run of the row, newest first.
    """

    poc: str
    scenario: str
    title: str
    synthetic: bool
    owner: str | None
    search: str
    status: str
    status_colours: tuple[str, str]
    decision: str | None
    decision_colours: tuple[str, str]
    stage_number: int | None
    stage_title: str | None
    lift: str | None
    lift_low: str | None
    lift_high: str | None
    period: str | None
    lift_sort: str
    spark: Sparkline | None
    runs: tuple[RunLink, ...]
    first_age: Age
    last_age: Age


@dataclass(frozen=True)
class Totals:
    """The summary tiles: rows, runs, latest decisions, yearly value at stake."""

    rows: int
    runs: int
    go: int
    iterate: int
    stop: int
    undecided: int
    at_stake: tuple[str, ...]


@dataclass(frozen=True)
class PortfolioPage:
    """Everything the portfolio page shows."""

    folder: str
    written: str
    synthetic: bool
    totals: Totals
    chart: str | None
    rows: tuple[PocRow, ...]
    unreadable: tuple[str, ...]


def write(
    runs_dir: Path, *, now: dt.datetime | None = None, language: Language = "en"
) -> Path:
    """Write `runs_dir/index.html` over every run found there; atomically.

    Args:
        runs_dir: The runs folder.
        now: The time ages are counted to (default: the current time).
        language: The language of the page's frame; each run's row keeps its own.

    Returns:
        The page's path.
    """
    from playbook.report import pages

    runs_dir = Path(runs_dir)
    runs_dir.mkdir(parents=True, exist_ok=True)
    pages.ensure_plotly_asset(runs_dir / ASSETS_DIR)
    page = render(
        collect(runs_dir), now=now or dt.datetime.now(dt.UTC), language=language
    )
    return write_atomic(runs_dir / INDEX, page)


def render(portfolio: Portfolio, *, now: dt.datetime, language: Language = "en") -> str:
    """The portfolio page as HTML; every string from a manifest is escaped.

    Args:
        portfolio: What `collect` found.
        now: The time ages are counted to.
        language: The language of the page's frame.
    """
    pocs = sorted(
        portfolio.pocs,
        key=lambda poc: poc.latest.started_at or dt.datetime.min.replace(tzinfo=dt.UTC),
        reverse=True,
    )
    page = PortfolioPage(
        folder=str(portfolio.runs_dir.resolve()),
        written=f"{now:%Y-%m-%d %H:%M}",
        synthetic=any(run.synthetic for poc in portfolio.pocs for run in poc.runs),
        totals=_totals(portfolio),
        chart=_chart(portfolio) if portfolio.pocs else None,
        rows=tuple(_row(poc, now=now) for poc in pocs),
        unreadable=portfolio.unreadable,
    )
    return page_templates.render(
        "portfolio.html.j2",
        language=language,
        asset=f"{ASSETS_DIR}/assets/plotly.min.js",
        page=page,
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
        scenario=charter_overrides.label(None, overrides),
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


def _amount(value: float, unit: str) -> str:
    from playbook.tasks.kpi import format_amount

    return format_amount(value, unit).strip()


def _age(start: dt.datetime | None, now: dt.datetime) -> Age:
    if start is None:
        return Age(seconds=-1.0, count=None, unit="")
    seconds = max((now - start).total_seconds(), 0.0)
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size:
            return Age(seconds=seconds, count=f"{seconds / size:.0f}", unit=unit)
    return Age(seconds=seconds, count=f"{seconds:.0f}", unit="s")


def _totals(portfolio: Portfolio) -> Totals:
    latest = [poc.latest for poc in portfolio.pocs]
    counts = {key: sum(run.decision == key for run in latest) for key in _DECISIONS}
    at_stake: dict[str, float] = {}
    for run in latest:
        kpi = run.kpi or {}
        yearly = annual(run.lift, kpi.get("period"))
        if run.decision == "go" and yearly is not None:
            unit = str(kpi.get("unit") or "")
            at_stake[unit] = at_stake.get(unit, 0.0) + yearly
    return Totals(
        rows=len(portfolio.pocs),
        runs=portfolio.run_count,
        go=counts["go"],
        iterate=counts["iterate"],
        stop=counts["stop"],
        undecided=counts[None],
        at_stake=tuple(_amount(v, unit) for unit, v in at_stake.items()),
    )


def _lifts_by_unit(portfolio: Portfolio) -> dict[str, list[_Lift]]:
    """Each POC row's yearly lift and its error bars (down, up), by unit."""
    by_unit: dict[str, list[_Lift]] = {}
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
    return by_unit


def _chart(portfolio: Portfolio) -> str:
    """Decisions by stage reached, and the yearly lift at stake per POC row.

    Amounts in different units (KRW, EUR, cost units) never share an axis: each unit
    gets its own panel. Plotly reads HTML-like markup in its text, so manifest strings
    are escaped here.
    """
    from plotly.subplots import make_subplots

    by_unit = _lifts_by_unit(portfolio)
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
    _add_decision_bars(fig, [poc.latest for poc in portfolio.pocs])
    for row, unit in enumerate(units, start=1):
        _add_lift_panel(fig, by_unit.get(unit, []), unit=unit, row=row)
    fig.update_xaxes(title_text="POCs", dtick=1, row=1, col=1)
    fig.update_yaxes(autorange="reversed", row=1, col=1)
    fig.update_layout(
        barmode="stack",
        template="plotly_white",
        height=max(380, 110 * panels + 30 * bars),
        margin={"l": 10, "r": 20, "t": 50, "b": 90},
        legend={"orientation": "h", "y": -0.22, "x": 0},
        font={"size": 13, "family": FONT_STACK},
    )
    return page_templates.chart_div(fig, "portfolio-chart")


def _add_decision_bars(fig: go.Figure, latest: Sequence[RunSummary]) -> None:
    """Stacked bars: how many POCs' latest runs reached each stage, by decision."""
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


def _add_lift_panel(
    fig: go.Figure,
    lifts: Sequence[_Lift],
    *,
    unit: str,
    row: int,
) -> None:
    """One unit's panel: each POC row's yearly lift with its interval."""
    rows = sorted(lifts, key=lambda item: item[1])
    if not rows:
        return
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


def _row_name(poc: PocSummary) -> str:
    return f"{poc.poc} ({poc.scenario})" if poc.scenario else poc.poc


def _row(poc: PocSummary, *, now: dt.datetime) -> PocRow:
    run = poc.latest
    kpi = run.kpi or {}
    unit = str(kpi.get("unit") or "")
    lift = run.lift
    low, high = _number(kpi.get("lift_ci_low")), _number(kpi.get("lift_ci_high"))
    lift_low = lift_high = None
    if low is not None and high is not None:
        lift_low, lift_high = _amount(low, ""), _amount(high, "")
    search = " ".join(
        str(part)
        for part in (poc.poc, run.title, run.owner or "", poc.scenario)
        if part
    ).lower()
    return PocRow(
        poc=poc.poc,
        scenario=poc.scenario,
        title=run.title,
        synthetic=run.synthetic,
        owner=str(run.owner) if run.owner else None,
        search=search,
        status=run.status,
        status_colours=page_templates.status_colours(run.status),
        decision=None if run.decision is None else str(run.decision),
        decision_colours=_DECISIONS.get(run.decision, _DECISIONS[None])[1:],
        stage_number=run.stage_reached,
        stage_title=(
            STAGES[run.stage_reached - 1].title if run.stage_reached else None
        ),
        lift=None if lift is None else _amount(lift, unit),
        lift_low=lift_low,
        lift_high=lift_high,
        period=str(kpi.get("period")) if kpi.get("period") else None,
        lift_sort=f"{lift if lift is not None else '-1e300'}",
        spark=_sparkline(poc),
        runs=tuple(_run_link(one) for one in reversed(poc.runs)),
        first_age=_age(poc.runs[0].started_at, now),
        last_age=_age(run.started_at, now),
    )


def _run_link(run: RunSummary) -> RunLink:
    return RunLink(
        href=f"{quote(run.poc)}/{quote(run.run_id)}/index.html",
        run_id=run.run_id,
        status=run.status,
        decision=str(run.decision) if run.decision else None,
        seed=run.seed,
    )


def _sparkline(poc: PocSummary) -> Sparkline | None:
    """The lift of each run that measured it, oldest left; the minimum lift dashed."""
    points = [(run, run.lift) for run in poc.runs if run.lift is not None]
    if not points:
        return None
    unit = str((points[-1][0].kpi or {}).get("unit") or "")
    min_lift = _number((points[-1][0].kpi or {}).get("min_lift"))
    values = [value for _, value in points] + (
        [min_lift] if min_lift is not None else []
    )
    width, height, pad = 120, 32, 4
    top, bottom = max([*values, 0.0]), min([*values, 0.0])
    span = (top - bottom) or 1.0

    def y(value: float) -> str:
        return f"{pad + (top - value) / span * (height - 2 * pad):.1f}"

    step = (width - 2 * pad) / max(len(points) - 1, 1)
    xs = [pad + i * step if len(points) > 1 else width / 2 for i in range(len(points))]
    return Sparkline(
        width=width,
        height=height,
        zero_y=y(0.0),
        guide_y=None if min_lift is None else y(min_lift),
        points=" ".join(
            f"{x:.1f},{y(v)}" for x, (_, v) in zip(xs, points, strict=True)
        ),
        marks=tuple(
            (f"{x:.1f}", y(v), _DECISIONS.get(run.decision, _DECISIONS[None])[1])
            for x, (run, v) in zip(xs, points, strict=True)
        ),
        labels=tuple((run.run_id, _amount(v, unit)) for run, v in points),
    )
