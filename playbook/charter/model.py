"""The frozen `Charter` that the rest of playbook trusts, and its sections.

`playbook.charter.loading` builds it from a checked file. Sections the journey can run
without are optional here (None); `Charter.need` hands one to a stage that needs it, or
says where to add it. Stage 1 reports which evaluation questions they leave open.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, overload

from playbook.charter.data_fields import ForecastCalendar
from playbook.charter.fields import MAX_UNLABELLED_SHARE
from playbook.core.language import Language
from playbook.core.messages import sentence
from playbook.errors import CharterError

# The optional sections `Charter.need` hands out.
SectionName = Literal[
    "baseline",
    "kpi",
    "prediction",
    "success",
    "team",
    "split",
    "drift",
    "experiment",
    "timeline",
    "budget",
]


@dataclass(frozen=True)
class Condition:
    """One condition of a rule: `column op value`."""

    column: str
    op: str
    value: float | str


@dataclass(frozen=True)
class Route:
    """A keyword router's route: tickets whose text holds a keyword go to `label`."""

    label: str
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class Baseline:
    """How the business decides today, and the other baselines the model must beat.

    `today` names the baseline the lift is measured against: `rule` (conditions over
    columns, for yes/no decisions), `score` (an existing score column, higher first),
    `keywords` (a keyword router, for routing), `seasonal_naive` or `moving_average`
    (for forecasts), or `prior` (the trivial baseline). Stage 4 reports every baseline
    it can build from the charter, whichever is today's.
    """

    description: str
    today: str
    match: str | None = None
    conditions: tuple[Condition, ...] = ()
    score_column: str | None = None
    routes: tuple[Route, ...] = ()


@dataclass(frozen=True)
class Business:
    """The business question, its value, the decision it feeds and its users."""

    question: str | None
    value: str | None
    decision: str | None
    users: tuple[str, ...]
    sponsor: str | None


@dataclass(frozen=True)
class Kpi:
    """The business KPI, in money per period; `kind` says which decision it prices.

    top_k: a yes/no decision with a capacity (churn calls, fraud reviews, campaign
        contacts): the net value of acting on the top `capacity_per_period` cases.
    forecast: a number planned ahead (demand): the cost of over- and under-forecasts,
        lower is better, so the lift is the cost saved.
    routing: a choice among many labels (support tickets): the value of routing right
        minus the cost of routing wrong; unsure tickets go to a person at no value.
    """

    name: str
    unit: str
    period: str
    min_lift: float | None
    confidence: float
    bootstrap_resamples: int
    kind: str = "top_k"
    capacity_per_period: int | None = None
    value_per_saved_customer: float | None = None
    offer_success_rate: float | None = None
    contact_cost: float | None = None
    over_cost_per_unit: float | None = None
    under_cost_per_unit: float | None = None
    error_metric: str | None = None
    season_length: int | None = None
    horizon: int | None = None
    value_per_correct: float | None = None
    cost_per_wrong: float | None = None
    # "strict" (go when the interval's low end reaches min_lift) or "lenient" (go when
    # the measured lift does).
    decision_rule: str = "strict"
    # top_k: "break_even" (never a contact whose expected value is below its cost) or
    # "fill_capacity" (always the full capacity).
    contact_policy: str = "break_even"


@dataclass(frozen=True)
class Prediction:
    """How fast the model must answer."""

    mode: str
    latency_budget_ms: float | None


@dataclass(frozen=True)
class Success:
    """The success metric in words and the trade-offs the business accepts."""

    metric: str | None
    trade_offs: str | None


@dataclass(frozen=True)
class Team:
    """The core team: role name to who holds it (None when nobody does)."""

    process: str | None
    roles: dict[str, str | None]


@dataclass(frozen=True)
class SqlSource:
    """A query against a database, for data that is read rather than copied.

    `url` is a SQLAlchemy URL as the charter wrote it: a `${NAME}` part is read from
    the environment when playbook connects, so a password never sits in the charter.
    `shown_url` is the same URL with any password replaced by `***`, for reports.
    """

    url: str
    query: str
    shown_url: str


@dataclass(frozen=True)
class Data:
    """Where the data is and what its columns mean.

    `path` is a CSV or Parquet file, or a folder of them (partitioned by date); it is
    None when the data comes from `sql` instead. `pii` names columns that hold personal
    data the value patterns cannot see (names, addresses); `allow_pii` and
    `allow_leaks` name flagged columns the model may use anyway; `exclude` names
    columns the model must never use. `sensitive` names attributes (age group, sex)
    whose segments the model card reports for fairness; `text` names the free-text
    column a routing model reads; `series` names the column that tells separate time
    series apart in a forecast (store and item, say): rows are unique per series and
    time. `ids_in_scores` says how scores files write the id ("hashed": a keyed
    hash, `playbook.serve.pseudonyms`; or "raw"). `allowed_folders` are folders
    outside the charter's own that `path`, `fresh` and `checks` may point into.
    """

    path: Path | None
    checks: Path
    fresh: Path | None
    synthetic: bool
    target: str
    positive_label: str | int | float | bool | None
    label_definition: str | None
    id: str | None
    time: str | None
    access: str | None
    sql: SqlSource | None = None
    encoding: str | None = None
    delimiter: str | None = None
    pii: tuple[str, ...] = ()
    allow_pii: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    allow_leaks: tuple[str, ...] = ()
    sensitive: tuple[str, ...] = ()
    text: str | None = None
    series: str | None = None
    time_format: str | None = None
    sheet: str | None = None
    max_unlabelled_share: float = MAX_UNLABELLED_SHARE
    ids_in_scores: str = "hashed"
    allowed_folders: tuple[Path, ...] = ()
    calendar: ForecastCalendar = field(default_factory=ForecastCalendar)
    # Without a time column: how many cases arrive per KPI period, so the held-out
    # rows' KPI is scaled to a real period.
    cases_per_period: float | None = None


@dataclass(frozen=True)
class Split:
    """How the evaluation holds out data: the latest periods, or a stratified share."""

    test_periods: int | None
    test_share: float | None


@dataclass(frozen=True)
class Drift:
    """Population stability index thresholds for stage 5."""

    psi_warning: float
    psi_alert: float
    ks_alert: float


@dataclass(frozen=True)
class Experiment:
    """Error rates for the A/B test that would confirm the POC online."""

    significance: float
    power: float


@dataclass(frozen=True)
class Timeline:
    """Planned start and end of the POC."""

    start: dt.date
    end: dt.date

    @property
    def months(self) -> float:
        """Length in months (30.44 days each)."""
        return (self.end - self.start).days / 30.44


@dataclass(frozen=True)
class Budget:
    """The POC's budget."""

    amount: float
    currency: str


@dataclass(frozen=True)
class Charter:
    """A loaded, checked charter. Paths are absolute."""

    source: Path
    version: int
    poc: str
    title: str
    seed: int | None
    business: Business
    baseline: Baseline | None
    kpi: Kpi | None
    prediction: Prediction | None
    success: Success | None
    team: Team | None
    data: Data
    split: Split | None
    drift: Drift | None
    experiment: Experiment | None
    timeline: Timeline | None
    budget: Budget | None
    # report.language: what the pages, memo and messages of its runs are written in.
    language: Language

    @overload
    def need(self, section: Literal["baseline"]) -> Baseline: ...
    @overload
    def need(self, section: Literal["kpi"]) -> Kpi: ...
    @overload
    def need(self, section: Literal["prediction"]) -> Prediction: ...
    @overload
    def need(self, section: Literal["success"]) -> Success: ...
    @overload
    def need(self, section: Literal["team"]) -> Team: ...
    @overload
    def need(self, section: Literal["split"]) -> Split: ...
    @overload
    def need(self, section: Literal["drift"]) -> Drift: ...
    @overload
    def need(self, section: Literal["experiment"]) -> Experiment: ...
    @overload
    def need(self, section: Literal["timeline"]) -> Timeline: ...
    @overload
    def need(self, section: Literal["budget"]) -> Budget: ...

    def need(self, section: SectionName) -> object:
        """Return an optional section, or say which stage needs it and where to add it.

        Raises:
            CharterError: The section is missing from the charter.
        """
        value = getattr(self, section)
        if value is None:
            raise CharterError(
                sentence(
                    "%(file)s: the section '%(section)s' is missing, and this stage "
                    "needs it. Add it (templates/churn.yaml shows an example), then "
                    "run again.",
                    file=self.source,
                    section=section,
                )
            )
        return value
