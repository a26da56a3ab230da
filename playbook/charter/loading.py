"""Load a POC charter (YAML) into the frozen `Charter` of `playbook.charter.model`.

The file is read by `playbook.charter.yaml_reader` (a safe reader: a tag that would
build a Python object is refused, so values reach the notebooks only as data) and
checked by `playbook.charter.validate` against the field table, which declares every
field's kind, bounds and allowed values once. Loading refuses a charter with a blocker
and otherwise only reads it: text is stripped, numbers become floats, defaults are
filled in and paths made absolute; it checks nothing again.
"""

from __future__ import annotations

import codecs
import dataclasses
import hashlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar, get_type_hints

from playbook.charter import model, validate, yaml_reader
from playbook.charter.data_fields import forecast_calendar, hide_password
from playbook.charter.fields import MAX_UNLABELLED_SHARE, as_date, is_absent
from playbook.charter.model import Charter
from playbook.charter.problems import BLOCKER, Problem, listing
from playbook.core import bundled
from playbook.core.language import Language, language_of
from playbook.core.locale_format import parse_amount
from playbook.core.messages import in_every_language, sentence
from playbook.errors import CharterError

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

# A section of a charter's fields as YAML gives it, after `validate` found no blocker.
Fields = Mapping[str, Any]
T = TypeVar("T")
D = TypeVar("D", bound="DataclassInstance")


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
    document, blockers = _blockers(source, "en")
    if blockers or document is None:
        # The reader's language is not known until the charter loads: each language
        # lists the blockers as `playbook check` does in it.
        raise CharterError(
            in_every_language(
                lambda language: listing(
                    _blockers(source, language)[1], file=str(source), language=language
                )
            )
        )
    return from_fields(document.data, source=source)


def _blockers(
    source: Path, language: Language
) -> tuple[yaml_reader.Document | None, list[Problem]]:
    """The charter's document and the problems that block it, said in `language`."""
    document, problems = yaml_reader.read(source, shown=str(source), language=language)
    if document is not None:
        problems = [*problems, *validate.validate(document, language=language)]
    return document, [problem for problem in problems if problem.severity == BLOCKER]


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
        business=_plain(model.Business)(_section(fields, "business") or {}),
        baseline=_optional(fields, "baseline", _baseline),
        kpi=_optional(fields, "kpi", _kpi),
        prediction=_optional(fields, "prediction", _prediction),
        success=_optional(fields, "success", _plain(model.Success)),
        team=_optional(fields, "team", _team),
        data=_data(fields["data"], folder=source.parent),
        split=_optional(fields, "split", _split),
        drift=_optional(fields, "drift", _plain(model.Drift)),
        experiment=_optional(fields, "experiment", _plain(model.Experiment)),
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
        sentence(
            "%(field)s is missing: the charter was not checked before it was read. "
            "Run `playbook check` on it, or load it with `charter.load`.",
            field=name,
        )
    )


def _optional(fields: Fields, name: str, build: Callable[[Fields], T]) -> T | None:
    section = _section(fields, name)
    return build(section) if section is not None else None


# How a field of a plain section is read, by the type its dataclass declares: a
# required number, some text, a list of texts.
_READERS: dict[object, Callable[[Fields, str], Any]] = {
    float: _needed_number,
    str | None: _text,
    tuple[str, ...]: _texts,
}


def _plain(kind: type[D]) -> Callable[[Fields], D]:
    """The reader of a section whose fields are each one value `_READERS` reads.

    The fields are `kind`'s, by name and type: the business question's words, drift's
    thresholds, the experiment's error rates, the success metric.
    """
    types = get_type_hints(kind)
    readers = {
        known.name: _READERS[types[known.name]] for known in dataclasses.fields(kind)
    }

    def build(section: Fields) -> D:
        return kind(**{name: read(section, name) for name, read in readers.items()})

    return build


def _baseline(section: Fields) -> model.Baseline:
    rule = _section(section, "rule")
    conditions = tuple(
        model.Condition(column=_needed(raw, "column"), op=raw["op"], value=raw["value"])
        for raw in (_section_list(rule, "conditions") if rule is not None else ())
    )
    routes = tuple(
        model.Route(label=_needed(raw, "label"), keywords=_texts(raw, "keywords"))
        for raw in _section_list(section, "routes")
    )
    return model.Baseline(
        description=_text(section, "description") or "today's rule",
        # Without today, the validator asked for a rule: today's baseline is the rule.
        today=_text(section, "today") or "rule",
        match=rule["match"] if rule is not None else None,
        conditions=conditions,
        score_column=_text(section, "score_column"),
        routes=routes,
    )


def _kpi(section: Fields) -> model.Kpi:
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
    return model.Kpi(
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


def _prediction(section: Fields) -> model.Prediction:
    return model.Prediction(
        mode=_needed(section, "mode"),
        latency_budget_ms=_number(section, "latency_budget_ms"),
    )


def _team(section: Fields) -> model.Team:
    roles = _section(section, "roles") or {}
    named = {str(role): _text(roles, role) for role in roles}
    return model.Team(process=_text(section, "process"), roles=named)


def _data(section: Fields, *, folder: Path) -> model.Data:
    path, fresh = _text(section, "path"), _text(section, "fresh")
    sql = _section(section, "sql")
    encoding = _text(section, "encoding")
    unlabelled = _number(section, "max_unlabelled_share")
    return model.Data(
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


def _sql(section: Fields) -> model.SqlSource:
    url = _needed(section, "url")
    return model.SqlSource(
        url=url, query=_needed(section, "query"), shown_url=hide_password(url)
    )


def _split(section: Fields) -> model.Split:
    return model.Split(
        test_periods=_integer(section, "test_periods"),
        test_share=_number(section, "test_share"),
    )


def _timeline(section: Fields) -> model.Timeline:
    start, end = as_date(section.get("start")), as_date(section.get("end"))
    if start is None or end is None:
        _unchecked("timeline.start" if start is None else "timeline.end")
    return model.Timeline(start=start, end=end)


def _budget(section: Fields) -> model.Budget:
    return model.Budget(
        amount=_needed_number(section, "amount"),
        currency=_needed(section, "currency"),
    )
