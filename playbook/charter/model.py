"""Load a POC charter (YAML) into a frozen `Charter` that the rest of playbook trusts.

The file is read by `playbook.charter.yaml_reader` (a safe reader: a tag that would
build a Python object is refused, so values reach the notebooks only as data) and
checked by `playbook.charter.validate` against the field table, which declares every
field's kind, bounds and allowed values once. Loading refuses a charter with a blocker
and otherwise only reads it: text is stripped, numbers become floats, defaults are
filled in and paths made absolute; it checks nothing again. Sections the journey can
run without are optional here; stage 1 reports which evaluation questions they leave
open.
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NoReturn, TypeVar, overload

from playbook.charter import validate, yaml_reader
from playbook.charter.data_fields import (
    ForecastCalendar,
    forecast_calendar,
    hide_password,
)
from playbook.charter.fields import MAX_UNLABELLED_SHARE, as_date, is_absent
from playbook.charter.problems import BLOCKER, listing
from playbook.core import bundled
from playbook.core.language import Language, language_of
from playbook.core.locale_format import parse_amount
from playbook.errors import CharterError

# A section of a charter's fields as YAML gives it, after `validate` found no blocker.
Fields = Mapping[str, Any]
T = TypeVar("T")
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
                f"{self.source}: the section '{section}' is missing, and this stage "
                f"needs it. Add it (templates/churn.yaml shows an example), then run "
                f"again."
            )
        return value


def load(path: str | Path) -> Charter:
    """Read and check a charter file.

    Every problem that blocks is listed at once, each with its line and column;
    warnings are left to `playbook check` and stage 1.

    Args:
        path: The charter's YAML file; an empty string reads the tiny SYNTHETIC
            example shipped inside playbook (the stage notebooks' default).

    Raises:
        CharterError: The file is missing, is not UTF-8 YAML, or a field is missing,
            unknown, of the wrong kind or out of bounds. The message names the file,
            the line and the field, and says what to write instead.
    """
    source = Path(path).resolve() if str(path) else bundled.tiny_example()
    document, problems = yaml_reader.read(source, shown=str(source))
    if document is not None:
        problems = [*problems, *validate.validate(document)]
    blockers = [problem for problem in problems if problem.severity == BLOCKER]
    if blockers or document is None:
        raise CharterError(listing(blockers, file=str(source)))
    return from_fields(document.data, source=source)


def from_fields(fields: Fields, *, source: Path) -> Charter:
    """The `Charter` of a charter's fields that `validate.validate` found no blocker in.

    Args:
        fields: The charter's fields, as `yaml_reader.read` parsed them.
        source: The charter file, absolute: data paths are relative to its folder.
    """
    poc = _needed(fields, "poc")
    return Charter(
        source=source,
        version=fields["version"],
        poc=poc,
        title=_text(fields, "title") or poc,
        seed=_integer(fields, "seed"),
        business=_business(_section(fields, "business") or {}),
        baseline=_optional(fields, "baseline", _baseline),
        kpi=_optional(fields, "kpi", _kpi),
        prediction=_optional(fields, "prediction", _prediction),
        success=_optional(fields, "success", _success),
        team=_optional(fields, "team", _team),
        data=_data(fields["data"], folder=source.parent),
        split=_optional(fields, "split", _split),
        drift=_optional(fields, "drift", _drift),
        experiment=_optional(fields, "experiment", _experiment),
        timeline=_optional(fields, "timeline", _timeline),
        budget=_optional(fields, "budget", _budget),
        language=language_of((_section(fields, "report") or {}).get("language")),
    )


def sha256(path: str | Path) -> str:
    """Fingerprint of a charter file's bytes, for the manifest."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# Readers of one field. The kinds, bounds and required fields are the validator's;
# these only turn a value that passed into what the dataclasses hold.


def _integer(section: Fields, name: str) -> int | None:
    value: Any = section.get(name)
    return None if is_absent(value) else int(value)


def _text(section: Fields, name: str) -> str | None:
    value: Any = section.get(name)
    return None if is_absent(value) else str(value).strip()


def _number(section: Fields, name: str) -> float | None:
    value: Any = section.get(name)
    if isinstance(value, str):  # an amount such as 200만원, which `validate` read
        return parse_amount(value)
    return None if is_absent(value) else float(value)


def _texts(section: Fields, name: str) -> tuple[str, ...]:
    value: Any = section.get(name)
    if is_absent(value):
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(item.strip() for item in value if item.strip())


def _section(section: Fields, name: str) -> Fields | None:
    value = section.get(name)
    return value if isinstance(value, dict) else None


def _section_list(section: Fields, name: str) -> list[Fields]:
    value = section.get(name)
    return value if isinstance(value, list) else []


def _needed(section: Fields, name: str) -> str:
    """A required text field's value (the validator refused a charter without it)."""
    return _text(section, name) or _unchecked(name)


def _needed_number(section: Fields, name: str) -> float:
    """A required number's value (the validator refused a charter without it)."""
    found = _number(section, name)
    return _unchecked(name) if found is None else found


def _unchecked(name: str) -> NoReturn:
    # Only a caller that skipped `validate.validate` gets here.
    raise CharterError(
        f"{name} is missing: the charter was not checked before it was read. Run "
        "`playbook check` on it, or load it with `charter.load`."
    )


def _optional(fields: Fields, name: str, build: Callable[[Fields], T]) -> T | None:
    section = _section(fields, name)
    return build(section) if section is not None else None


def _business(section: Fields) -> Business:
    return Business(
        question=_text(section, "question"),
        value=_text(section, "value"),
        decision=_text(section, "decision"),
        users=_texts(section, "users"),
        sponsor=_text(section, "sponsor"),
    )


def _baseline(section: Fields) -> Baseline:
    rule = _section(section, "rule")
    conditions = tuple(
        Condition(column=_needed(raw, "column"), op=raw["op"], value=raw["value"])
        for raw in (_section_list(rule, "conditions") if rule is not None else ())
    )
    routes = tuple(
        Route(label=_needed(raw, "label"), keywords=_texts(raw, "keywords"))
        for raw in _section_list(section, "routes")
    )
    return Baseline(
        description=_text(section, "description") or "today's rule",
        # Without today, the validator asked for a rule: today's baseline is the rule.
        today=_text(section, "today") or "rule",
        match=rule["match"] if rule is not None else None,
        conditions=conditions,
        score_column=_text(section, "score_column"),
        routes=routes,
    )


def _kpi(section: Fields) -> Kpi:
    kind = _text(section, "kind") or "top_k"
    specific: dict[str, Any]
    if kind == "forecast":
        specific = {
            "over_cost_per_unit": _needed_number(section, "over_cost_per_unit"),
            "under_cost_per_unit": _needed_number(section, "under_cost_per_unit"),
            "error_metric": _text(section, "error_metric") or "wape",
            "season_length": _integer(section, "season_length"),
            "horizon": _integer(section, "horizon") or 1,
        }
    elif kind == "routing":
        specific = {
            "value_per_correct": _needed_number(section, "value_per_correct"),
            "cost_per_wrong": _needed_number(section, "cost_per_wrong"),
        }
    else:
        specific = {
            "capacity_per_period": int(_needed_number(section, "capacity_per_period")),
            "value_per_saved_customer": _needed_number(
                section, "value_per_saved_customer"
            ),
            "offer_success_rate": _needed_number(section, "offer_success_rate"),
            "contact_cost": _contact_cost(section),
        }
    return Kpi(
        name=_needed(section, "name"),
        unit=_needed(section, "unit"),
        period=_needed(section, "period"),
        min_lift=_number(section, "min_lift"),
        confidence=_needed_number(section, "confidence"),
        bootstrap_resamples=int(_needed_number(section, "bootstrap_resamples")),
        kind=kind,
        decision_rule=_text(section, "decision_rule") or "strict",
        contact_policy=_text(section, "contact_policy") or "break_even",
        **specific,
    )


def _contact_cost(section: Fields) -> float:
    """One contact's cost, given directly or as review minutes at an hourly rate."""
    given = _number(section, "contact_cost")
    if given is not None or _number(section, "review_minutes") is None:
        return _needed_number(section, "contact_cost")
    minutes = _needed_number(section, "review_minutes")
    hourly = _needed_number(section, "cost_per_review_hour")
    return minutes / 60 * hourly


def _prediction(section: Fields) -> Prediction:
    return Prediction(
        mode=_needed(section, "mode"),
        latency_budget_ms=_number(section, "latency_budget_ms"),
    )


def _success(section: Fields) -> Success:
    return Success(
        metric=_text(section, "metric"), trade_offs=_text(section, "trade_offs")
    )


def _team(section: Fields) -> Team:
    roles = _section(section, "roles") or {}
    named = {str(role): _text(roles, role) for role in roles}
    return Team(process=_text(section, "process"), roles=named)


def _data(section: Fields, *, folder: Path) -> Data:
    path, fresh = _text(section, "path"), _text(section, "fresh")
    sql = _section(section, "sql")
    encoding = _text(section, "encoding")
    unlabelled = _number(section, "max_unlabelled_share")
    return Data(
        path=(folder / path).resolve() if path else None,
        checks=(folder / _needed(section, "checks")).resolve(),
        fresh=(folder / fresh).resolve() if fresh else None,
        synthetic=bool(section.get("synthetic")),
        target=_needed(section, "target"),
        positive_label=section.get("positive_label", 1),
        label_definition=_text(section, "label_definition"),
        id=_text(section, "id"),
        time=_text(section, "time"),
        access=_text(section, "access"),
        sql=_sql(sql) if sql is not None else None,
        encoding=codecs.lookup(encoding).name if encoding else None,
        delimiter=section.get("delimiter"),
        pii=_texts(section, "pii"),
        allow_pii=_texts(section, "allow_pii"),
        exclude=_texts(section, "exclude"),
        allow_leaks=_texts(section, "allow_leaks"),
        sensitive=_texts(section, "sensitive"),
        text=_text(section, "text"),
        series=_text(section, "series"),
        time_format=_text(section, "time_format"),
        sheet=_text(section, "sheet"),
        max_unlabelled_share=MAX_UNLABELLED_SHARE if unlabelled is None else unlabelled,
        ids_in_scores=_text(section, "ids_in_scores") or "hashed",
        allowed_folders=tuple(
            (folder / allowed).resolve()
            for allowed in _texts(section, "allowed_folders")
        ),
        calendar=forecast_calendar(section),
        cases_per_period=_number(section, "cases_per_period"),
    )


def _sql(section: Fields) -> SqlSource:
    url = _needed(section, "url")
    return SqlSource(
        url=url, query=_needed(section, "query"), shown_url=hide_password(url)
    )


def _split(section: Fields) -> Split:
    return Split(
        test_periods=_integer(section, "test_periods"),
        test_share=_number(section, "test_share"),
    )


def _drift(section: Fields) -> Drift:
    return Drift(
        psi_warning=_needed_number(section, "psi_warning"),
        psi_alert=_needed_number(section, "psi_alert"),
        ks_alert=_needed_number(section, "ks_alert"),
    )


def _experiment(section: Fields) -> Experiment:
    return Experiment(
        significance=_needed_number(section, "significance"),
        power=_needed_number(section, "power"),
    )


def _timeline(section: Fields) -> Timeline:
    start, end = as_date(section.get("start")), as_date(section.get("end"))
    if start is None or end is None:
        _unchecked("timeline.start" if start is None else "timeline.end")
    return Timeline(start=start, end=end)


def _budget(section: Fields) -> Budget:
    return Budget(
        amount=_needed_number(section, "amount"),
        currency=_needed(section, "currency"),
    )
