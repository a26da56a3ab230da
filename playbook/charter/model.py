"""Load a POC charter (YAML) into a frozen `Charter` that the rest of playbook trusts.

The charter is read with a safe YAML loader, so a tag that would build a Python object
is refused, and its values reach the notebooks only as data. Sections the journey can
run without are optional here; stage 1 reports which evaluation questions they leave
open.
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playbook.charter import schema as charter_schema
from playbook.charter.schema import BLOCKER
from playbook.errors import CharterError

SUPPORTED_VERSION = charter_schema.SUPPORTED_VERSION
RULE_OPERATORS = ("==", "!=", "<", "<=", ">", ">=")
_POC_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


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


KPI_KINDS = ("top_k", "forecast", "routing")


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
    time.
    """

    path: Path | None
    checks: Path
    fresh: Path | None
    synthetic: bool
    target: str
    positive_label: Any
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


ACCESS_MODES = ("sandbox_copy", "platform_read")


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

    def need(self, section: str) -> Any:
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

    Args:
        path: The charter's YAML file.

    Raises:
        CharterError: The file is missing, is not UTF-8 YAML, or a field is missing or
            has the wrong type. The message names the file and the field.
    """
    source = Path(path).resolve()
    raw = _read_yaml(source)
    top = _Section(raw, "", source)
    version = top.integer("version", minimum=1)
    poc = top.text("poc")
    if not _POC_ID.match(poc):
        raise CharterError(
            f"{source}: poc must be a short id of lower-case letters, digits, '-' or "
            f"'_' (it names the run folder), got {poc!r}."
        )
    return Charter(
        source=source,
        version=version,
        poc=poc,
        title=top.text("title", required=False) or poc,
        seed=top.integer("seed", minimum=0) if "seed" in raw else None,
        business=_business(top.section("business", required=False)),
        baseline=_optional(top, "baseline", _baseline),
        kpi=_optional(top, "kpi", _kpi),
        prediction=_optional(top, "prediction", _prediction),
        success=_optional(top, "success", _success),
        team=_optional(top, "team", _team),
        data=_data(top.section("data")),
        split=_optional(top, "split", _split),
        drift=_optional(top, "drift", _drift),
        experiment=_optional(top, "experiment", _experiment),
        timeline=_optional(top, "timeline", _timeline),
        budget=_optional(top, "budget", _budget),
    )


def sha256(path: str | Path) -> str:
    """Fingerprint of a charter file's bytes, for the manifest."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _read_yaml(source: Path) -> dict:
    """The charter's fields, after the schema check found nothing that blocks.

    Every problem is listed at once, each with its line and column (see
    `playbook.charter.schema`); warnings are left to `playbook check` and stage 1.
    """
    document, problems = charter_schema.read(source, shown=str(source))
    if document is not None:
        problems = [*problems, *charter_schema.validate(document)]
    blockers = [problem for problem in problems if problem.severity == BLOCKER]
    if blockers or document is None:
        raise CharterError(charter_schema.listing(blockers, file=str(source)))
    return document.data


class _Section:
    """Typed access to one mapping of the charter, with errors that name the field."""

    def __init__(self, mapping: dict, path: str, source: Path) -> None:
        self.mapping = mapping
        self.path = path
        self.source = source

    def _where(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def _fail(self, name: str, expected: str, got: Any = None) -> CharterError:
        if got is None:
            return CharterError(
                f"{self.source}: {self._where(name)} is missing: expected {expected}. "
                f"Add it to the charter."
            )
        return CharterError(
            f"{self.source}: {self._where(name)}: expected {expected}, got {got!r}. "
            f"Edit the charter, then run again."
        )

    def get(self, name: str) -> Any:
        return self.mapping.get(name)

    def section(self, name: str, *, required: bool = True) -> _Section | None:
        value = self.mapping.get(name)
        if value is None:
            if required:
                raise self._fail(name, "a section of fields")
            return None
        if not isinstance(value, dict):
            raise self._fail(name, "a section of fields", value)
        return _Section(value, self._where(name), self.source)

    def text(self, name: str, *, required: bool = True) -> str | None:
        value = self.mapping.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise self._fail(name, "some text")
            return None
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise self._fail(name, "some text", value)
        return str(value).strip()

    def number(
        self,
        name: str,
        *,
        required: bool = True,
        minimum: float | None = None,
        maximum: float | None = None,
    ) -> float | None:
        value = self.mapping.get(name)
        if value is None:
            if required:
                raise self._fail(name, "a number")
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self._fail(name, "a number such as 0.05", value)
        if minimum is not None and value < minimum:
            raise self._fail(name, f"a number of at least {minimum}", value)
        if maximum is not None and value > maximum:
            raise self._fail(name, f"a number of at most {maximum}", value)
        return float(value)

    def integer(self, name: str, *, minimum: int | None = None) -> int:
        value = self.mapping.get(name)
        if value is None:
            raise self._fail(name, "a whole number")
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._fail(name, "a whole number", value)
        if minimum is not None and value < minimum:
            raise self._fail(name, f"a whole number of at least {minimum}", value)
        return value

    def choice(self, name: str, options: tuple[str, ...]) -> str:
        value = self.mapping.get(name)
        if value not in options:
            raise self._fail(name, "one of " + ", ".join(options), value)
        return value

    def date(self, name: str) -> dt.date:
        value = self.mapping.get(name)
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        raise self._fail(name, "a date such as 2026-01-31", value)

    def strings(self, name: str) -> tuple[str, ...]:
        value = self.mapping.get(name)
        if value is None:
            return ()
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self._fail(name, "a list of text items", value)
        return tuple(v.strip() for v in value if v.strip())


def _optional(top: _Section, name: str, build) -> Any:
    section = top.section(name, required=False)
    return build(section) if section is not None else None


def _business(section: _Section | None) -> Business:
    if section is None:
        return Business(None, None, None, (), None)
    return Business(
        question=section.text("question", required=False),
        value=section.text("value", required=False),
        decision=section.text("decision", required=False),
        users=section.strings("users"),
        sponsor=section.text("sponsor", required=False),
    )


BASELINES = ("rule", "score", "keywords", "seasonal_naive", "moving_average", "prior")


def _baseline(section: _Section) -> Baseline:
    rule = section.section("rule", required=False)
    match, conditions = (None, ()) if rule is None else _rule(rule)
    routes = _routes(section) if section.get("routes") is not None else ()
    score_column = section.text("score_column", required=False)
    default = "rule" if rule is not None else None
    today = section.get("today") or default
    if today not in BASELINES:
        raise section._fail("today", "one of " + ", ".join(BASELINES), today)
    needs = {"rule": conditions, "score": score_column, "keywords": routes}
    if today in needs and not needs[today]:
        field = {"rule": "rule", "score": "score_column", "keywords": "routes"}[today]
        raise section._fail(field, f"the {field} that today's baseline ({today}) uses")
    return Baseline(
        description=section.text("description", required=False) or "today's rule",
        today=today,
        match=match,
        conditions=conditions,
        score_column=score_column,
        routes=routes,
    )


def _rule(rule: _Section) -> tuple[str, tuple[Condition, ...]]:
    raw_conditions = rule.get("conditions")
    if not isinstance(raw_conditions, list) or not raw_conditions:
        raise rule._fail("conditions", "a list of {column, op, value} conditions")
    conditions = []
    for index, raw in enumerate(raw_conditions):
        if not isinstance(raw, dict):
            raise rule._fail(f"conditions[{index}]", "{column, op, value}", raw)
        item = _Section(raw, f"{rule.path}.conditions[{index}]", rule.source)
        value = raw.get("value")
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise item._fail("value", "a number or some text", value)
        conditions.append(
            Condition(
                column=item.text("column"),
                op=item.choice("op", RULE_OPERATORS),
                value=value,
            )
        )
    return rule.choice("match", ("any", "all")), tuple(conditions)


def _routes(section: _Section) -> tuple[Route, ...]:
    raw_routes = section.get("routes")
    if not isinstance(raw_routes, list) or not raw_routes:
        raise section._fail("routes", "a list of {label, keywords} routes", raw_routes)
    routes = []
    for index, raw in enumerate(raw_routes):
        if not isinstance(raw, dict):
            raise section._fail(f"routes[{index}]", "{label, keywords}", raw)
        item = _Section(raw, f"{section._where('routes')}[{index}]", section.source)
        keywords = item.strings("keywords")
        if not keywords:
            raise item._fail("keywords", "a list of words or phrases")
        routes.append(Route(label=item.text("label"), keywords=keywords))
    return tuple(routes)


def _kpi(section: _Section) -> Kpi:
    kind = section.get("kind") or "top_k"
    if kind not in KPI_KINDS:
        raise section._fail("kind", "one of " + ", ".join(KPI_KINDS), kind)
    common = {
        "name": section.text("name"),
        "unit": section.text("unit"),
        "period": section.choice("period", ("day", "week", "month", "quarter")),
        "min_lift": section.number("min_lift", required=False),
        "confidence": section.number("confidence", minimum=0.5, maximum=0.999),
        "bootstrap_resamples": int(section.number("bootstrap_resamples", minimum=100)),
        "kind": kind,
    }
    if kind == "forecast":
        return Kpi(
            **common,
            over_cost_per_unit=section.number("over_cost_per_unit", minimum=0),
            under_cost_per_unit=section.number("under_cost_per_unit", minimum=0),
            error_metric=section.choice("error_metric", ("wape", "mape"))
            if section.get("error_metric") is not None
            else "wape",
            season_length=section.integer("season_length", minimum=1),
            horizon=section.integer("horizon", minimum=1)
            if section.get("horizon") is not None
            else 1,
        )
    if kind == "routing":
        return Kpi(
            **common,
            value_per_correct=section.number("value_per_correct", minimum=0),
            cost_per_wrong=section.number("cost_per_wrong", minimum=0),
        )
    return Kpi(
        **common,
        capacity_per_period=int(section.number("capacity_per_period", minimum=1)),
        value_per_saved_customer=section.number("value_per_saved_customer", minimum=0),
        offer_success_rate=section.number("offer_success_rate", minimum=0, maximum=1),
        contact_cost=_contact_cost(section),
    )


def _contact_cost(section: _Section) -> float:
    """One contact's cost, given directly or as review minutes at an hourly rate."""
    if section.get("contact_cost") is not None or section.get("review_minutes") is None:
        return section.number("contact_cost", minimum=0)
    minutes = section.number("review_minutes", minimum=0)
    hourly = section.number("cost_per_review_hour", minimum=0)
    return minutes / 60 * hourly


def _prediction(section: _Section) -> Prediction:
    return Prediction(
        mode=section.choice("mode", ("batch", "real_time")),
        latency_budget_ms=section.number(
            "latency_budget_ms", required=False, minimum=0
        ),
    )


def _success(section: _Section) -> Success:
    return Success(
        metric=section.text("metric", required=False),
        trade_offs=section.text("trade_offs", required=False),
    )


def _team(section: _Section) -> Team:
    roles = section.section("roles", required=False)
    named: dict[str, str | None] = {}
    if roles is not None:
        for role in roles.mapping:
            named[str(role)] = roles.text(str(role), required=False)
    return Team(process=section.text("process", required=False), roles=named)


def _data(section: _Section) -> Data:
    folder = section.source.parent
    checks = section.text("checks")
    path = section.text("path", required=False)
    sql = section.section("sql", required=False)
    if (path is None) == (sql is None):
        raise CharterError(
            f"{section.source}: data needs either path (a CSV or Parquet file, or a "
            f"folder of them) or sql (a url and a query), "
            f"{'not both' if path else 'and has neither'}. Edit the data section."
        )
    return Data(
        path=(folder / path).resolve() if path else None,
        checks=(folder / checks).resolve(),
        fresh=(folder / fresh).resolve()
        if (fresh := section.text("fresh", required=False))
        else None,
        synthetic=bool(section.get("synthetic")),
        target=section.text("target"),
        positive_label=section.mapping.get("positive_label", 1),
        label_definition=section.text("label_definition", required=False),
        id=section.text("id", required=False),
        time=section.text("time", required=False),
        access=section.choice("access", ACCESS_MODES)
        if section.get("access")
        else None,
        sql=_sql(sql) if sql is not None else None,
        encoding=_encoding(section),
        delimiter=_delimiter(section),
        pii=section.strings("pii"),
        allow_pii=section.strings("allow_pii"),
        exclude=section.strings("exclude"),
        allow_leaks=section.strings("allow_leaks"),
        sensitive=section.strings("sensitive"),
        text=section.text("text", required=False),
        series=section.text("series", required=False),
    )


def _sql(section: _Section) -> SqlSource:
    url = section.text("url")
    query = section.text("query")
    # Checked here so that a charter with a password in it never runs.
    literal = re.match(r"^[^:/]+://[^:@/]*:(?P<password>[^@]*)@", url)
    if literal and not re.fullmatch(
        r"\$\{[A-Za-z_][A-Za-z0-9_]*\}", literal["password"]
    ):
        raise CharterError(
            f"{section.source}: {section._where('url')} holds a password. Write "
            f"${{NAME}} in its place (e.g. postgresql://analyst:${{CRM_DB_PASSWORD}}@db/"
            f"crm) and set the environment variable NAME where playbook runs."
        )
    shown = re.sub(r"^([^:/]+://[^:@/]*:)[^@]*@", r"\1***@", url)
    return SqlSource(url=url, query=query, shown_url=shown)


def _encoding(section: _Section) -> str | None:
    name = section.text("encoding", required=False)
    if name is None:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise section._fail(
            "encoding", "a text encoding such as utf-8, cp949, euc-kr or latin-1", name
        ) from None


def _delimiter(section: _Section) -> str | None:
    value = section.mapping.get("delimiter")
    if value is None:
        return None
    if not isinstance(value, str) or len(value) != 1:
        raise section._fail("delimiter", "one character such as ';' or ','", value)
    return value


def _split(section: _Section) -> Split:
    periods = section.get("test_periods")
    if periods is not None and (
        isinstance(periods, bool) or not isinstance(periods, int) or periods < 1
    ):
        raise section._fail("test_periods", "a whole number of at least 1", periods)
    return Split(
        test_periods=periods,
        test_share=section.number(
            "test_share", required=False, minimum=0.05, maximum=0.5
        ),
    )


def _drift(section: _Section) -> Drift:
    return Drift(
        psi_warning=section.number("psi_warning", minimum=0),
        psi_alert=section.number("psi_alert", minimum=0),
        ks_alert=section.number("ks_alert", minimum=0, maximum=1),
    )


def _experiment(section: _Section) -> Experiment:
    return Experiment(
        significance=section.number("significance", minimum=0.001, maximum=0.5),
        power=section.number("power", minimum=0.5, maximum=0.999),
    )


def _timeline(section: _Section) -> Timeline:
    timeline = Timeline(start=section.date("start"), end=section.date("end"))
    if timeline.end <= timeline.start:
        raise section._fail(
            "end", f"a date after start ({timeline.start})", str(timeline.end)
        )
    return timeline


def _budget(section: _Section) -> Budget:
    return Budget(
        amount=section.number("amount", minimum=0),
        currency=section.text("currency"),
    )
