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
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from playbook.charter import overrides as charter_overrides
from playbook.core.files import write_atomic
from playbook.core.journey import STAGES
from playbook.core.language import Language, language_of
from playbook.core.locale_format import format_date, format_money
from playbook.core.messages import marked, translated
from playbook.report import page_templates
from playbook.report.page_templates import stage_title

INDEX = "index.html"
# Beside the POC folders; a POC id cannot start with "_", so no POC can clash with it.
ASSETS_DIR = "_portfolio"
PERIODS_PER_YEAR = {"day": 365.0, "week": 52.0, "month": 12.0, "quarter": 4.0}

# Each decision's word (a message id) and colours, for the chart and the table.
DECISIONS = {
    "go": (marked("GO"), "#1b7f3b", "#e3f4e8"),
    "iterate": (marked("ITERATE"), "#8a5300", "#fff1d6"),
    "stop": (marked("STOP"), "#b3261e", "#fde7e5"),
    None: (marked("none yet"), "#5f6368", "#eef0f2"),
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
    language: Language = "en"

    @property
    def lift(self) -> float | None:
        """The KPI lift per period, when stage 4 measured it."""
        return number((self.kpi or {}).get("lift"))


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


@dataclass(frozen=True)
class Age:
    """How long ago a run started, in the largest whole unit (-1 s when unknown).

    `text` is the age as its row's language writes it ("3 d", "3일").
    """

    seconds: float
    count: str | None
    unit: str
    text: str = ""


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

    `runs` links every run of the row, newest first. The row is written in its
    latest run's `language`; the page around it in the page's.
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
    language: Language = "en"


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
    from playbook.report import portfolio_chart  # it reads this module's types

    pocs = sorted(
        portfolio.pocs,
        key=lambda poc: poc.latest.started_at or dt.datetime.min.replace(tzinfo=dt.UTC),
        reverse=True,
    )
    page = PortfolioPage(
        folder=str(portfolio.runs_dir.resolve()),
        written=f"{now:%Y-%m-%d %H:%M}"
        if language == "en"
        else f"{format_date(now.date(), language=language)} {now:%H:%M}",
        synthetic=any(run.synthetic for poc in portfolio.pocs for run in poc.runs),
        totals=_totals(portfolio, language),
        chart=portfolio_chart.chart(portfolio, language=language)
        if portfolio.pocs
        else None,
        rows=tuple(_row(poc, now=now) for poc in pocs),
        unreadable=portfolio.unreadable,
    )
    return page_templates.render(
        "portfolio.html.j2",
        language=language,
        asset=f"{ASSETS_DIR}/assets/plotly.min.js",
        page=page,
        # Each row's words in its own language, the frame's through `_`.
        translated=translated,
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
        language=language_of(record.get("language")),
    )


def _time(text: Any) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def number(value: Any) -> float | None:
    """The value as a finite float, or None when it is missing or not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def amount(value: float, unit: str, language: Language = "en") -> str:
    """An amount as the page shows it, in the reader's language."""
    return format_money(value, unit, language=language).strip()


# An age's units, largest first: seconds in each, and how each language writes it.
_AGE_UNITS = (
    (86400, "d", "일"),
    (3600, "h", "시간"),
    (60, "min", "분"),
    (1, "s", "초"),
)


def _age(start: dt.datetime | None, now: dt.datetime, language: Language) -> Age:
    if start is None:
        return Age(seconds=-1.0, count=None, unit="")
    seconds = max((now - start).total_seconds(), 0.0)
    size, unit, korean = next(
        (each for each in _AGE_UNITS if seconds >= each[0]), _AGE_UNITS[-1]
    )
    count = f"{seconds / size:.0f}"
    text = f"{count}{korean}" if language == "ko" else f"{count} {unit}"
    return Age(seconds=seconds, count=count, unit=unit, text=text)


def _totals(portfolio: Portfolio, language: Language) -> Totals:
    latest = [poc.latest for poc in portfolio.pocs]
    counts = {key: sum(run.decision == key for run in latest) for key in DECISIONS}
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
        at_stake=tuple(amount(v, unit, language) for unit, v in at_stake.items()),
    )


def _row(poc: PocSummary, *, now: dt.datetime) -> PocRow:
    run = poc.latest
    kpi = run.kpi or {}
    unit = str(kpi.get("unit") or "")
    lift = run.lift
    language = run.language
    low, high = number(kpi.get("lift_ci_low")), number(kpi.get("lift_ci_high"))
    lift_low = lift_high = None
    if low is not None and high is not None:
        # English shows the interval bare (the lift beside it has the unit); Korean
        # won read only with their unit (만원).
        bare = "" if language == "en" else unit
        lift_low, lift_high = amount(low, bare, language), amount(high, bare, language)
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
        decision_colours=DECISIONS.get(run.decision, DECISIONS[None])[1:],
        stage_number=run.stage_reached,
        stage_title=(
            stage_title(STAGES[run.stage_reached - 1].title, language=language)
            if run.stage_reached
            else None
        ),
        lift=None if lift is None else amount(lift, unit, language),
        lift_low=lift_low,
        lift_high=lift_high,
        period=str(kpi.get("period")) if kpi.get("period") else None,
        lift_sort=f"{lift if lift is not None else '-1e300'}",
        spark=_sparkline(poc),
        runs=tuple(_run_link(one) for one in reversed(poc.runs)),
        first_age=_age(poc.runs[0].started_at, now, language),
        last_age=_age(run.started_at, now, language),
        language=language,
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
    min_lift = number((points[-1][0].kpi or {}).get("min_lift"))
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
            (f"{x:.1f}", y(v), DECISIONS.get(run.decision, DECISIONS[None])[1])
            for x, (run, v) in zip(xs, points, strict=True)
        ),
        labels=tuple(
            (run.run_id, amount(v, unit, poc.latest.language)) for run, v in points
        ),
    )
