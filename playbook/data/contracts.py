"""Run the data contracts in `data_checks/` with Great Expectations 1.x; summarise them.

A contract is a YAML file that declares one suite and nothing else:

    suite: churn
    expectations:
      - type: expect_column_values_to_not_be_null
        column: customer_id

`type` names a GX 1.x expectation (the snake_case of its class in
`great_expectations.expectations`); the other keys are its arguments. A suite saved by
GX itself (`ExpectationSuite.to_json_dict()`, JSON) is read too (`gx_suites`), and
`export_gx` writes a contract in that form. Great
Expectations is imported only when a suite is loaded or run, so importing this module
stays cheap, and it runs in memory: no analytics, no progress bars, no files written.
What each expectation asks and what it found are put in words by
`playbook.data.expectations` and `playbook.data.contract_outcomes`.
"""

from __future__ import annotations

import datetime
import os
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from playbook.core.files import write_atomic
from playbook.core.language import Language
from playbook.core.messages import Sentence, marked, sentence, translated
from playbook.core.yaml_files import (
    described,
    is_name,
    read_yaml,
    shown_name,
    top_level_lines,
)
from playbook.data import gx_expectations, gx_suites
from playbook.data.contract_outcomes import MAX_EXAMPLES, ExpectationOutcome, outcome_of
from playbook.data.expectations import ExpectationSpec, columns_read
from playbook.errors import DataCheckError

# Read by Great Expectations when it is imported; set before any import of it.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

# What an expectation declares and what it found live in `expectations` and
# `contract_outcomes`; their names stay importable from here, as callers use them.
__all__ = [
    "MAX_EXAMPLES",
    "ContractReport",
    "ExpectationOutcome",
    "ExpectationSpec",
    "ExportedSuite",
    "Suite",
    "export_gx",
    "failure_reasons",
    "failures_table",
    "load_suite",
    "validate",
]

# Arguments that playbook sets itself when it runs a suite.
_RESERVED = ("id", "batch_id", "result_format", "rendered_content")


@dataclass(frozen=True)
class Suite:
    """A data contract read from `data_checks/`, checked against GX once."""

    name: str
    path: Path
    expectations: tuple[ExpectationSpec, ...]


@dataclass(frozen=True)
class ContractReport:
    """The result of running a suite on a frame: one outcome per expectation.

    `docs_page` is the GX Data Docs page of the validation, relative to the docs
    folder given to `validate`; None when no docs were built.
    """

    suite: str
    passed: bool
    evaluated: int
    failed: int
    results: list[ExpectationOutcome]
    source: str = ""
    docs_page: str | None = None


def load_suite(path: Path) -> Suite:
    """Read a data contract and check every expectation against Great Expectations.

    Args:
        path: The contract's YAML file, or a suite saved by GX 1.x (JSON).

    Raises:
        DataCheckError: The file is missing, not UTF-8 YAML or JSON, not a `suite`
            (or a GX suite's `name`) with a list of `expectations`, or an expectation
            has an unknown type or bad arguments. The message names the file and the
            expectation's index.
    """
    source = Path(path)
    raw = _read_yaml(source)
    saved_by_gx = gx_suites.is_gx_suite(raw)
    allowed = gx_suites.SUITE_KEYS if saved_by_gx else ("suite", "expectations")
    extra = [key for key in raw if key not in allowed]
    if extra:
        holds = (
            sentence(
                "a suite saved by Great Expectations holds only %(keys)s",
                keys=gx_suites.listed(allowed),
            )
            if saved_by_gx
            else sentence(
                "a contract holds only `suite` and `expectations`; put notes in "
                "comments"
            )
        )
        raise DataCheckError(
            sentence(
                "%(source)s: unknown top-level key(s) %(keys)s; %(holds)s.",
                source=source,
                keys=_keys(extra, source),
                holds=holds,
            )
        )
    if saved_by_gx:
        raw = gx_suites.as_contract(raw, source=source)
    name = raw.get("suite")
    if not isinstance(name, str) or not name.strip():
        got = _missing_or(name)
        key = sentence("`name` (GX's layout)") if saved_by_gx else "`suite`"
        raise DataCheckError(
            sentence(
                "%(source)s: %(key)s must name the suite, e.g. `suite: "
                'churn` (GX: `"name": "churn"`); %(got)s. Add it at the top '
                "of the file.",
                source=source,
                key=key,
                got=got,
            )
        )
    items = raw.get("expectations")
    if not isinstance(items, list) or not items:
        got = _missing_or(items)
        raise DataCheckError(
            sentence(
                "%(source)s: `expectations` must be a non-empty list of `- "
                "type: expect_...` entries; %(got)s. Add the expectations to "
                "check.",
                source=source,
                got=got,
            )
        )
    classes = gx_expectations.classes()
    specs = []
    for index, item in enumerate(items):
        where = f"{source}: expectations[{index}]"
        spec = _spec(item, where=where, classes=classes)
        gx_expectations.build(spec, classes=classes, where=where)
        specs.append(spec)
    return Suite(name=name.strip(), path=source, expectations=tuple(specs))


@dataclass(frozen=True)
class ExportedSuite:
    """A contract written as a suite Great Expectations 1.x loads."""

    name: str
    path: Path
    expectations: int


def export_gx(path: Path, *, out: Path, force: bool = False) -> ExportedSuite:
    """Write a contract as GX 1.x saves a suite (`ExpectationSuite.to_json_dict()`).

    GX reads it back with `gx.ExpectationSuite(**json.load(file))`, and so does
    `load_suite`, to the same expectations.

    Args:
        path: The contract (ours, or a suite GX saved).
        out: Where to write the JSON.
        force: Replace `out` if it exists.

    Raises:
        DataCheckError: The contract is malformed, or `out` exists and `force` is
            not set (nothing is written).
    """
    out = Path(out)
    if out.exists() and not force:
        raise DataCheckError(
            sentence(
                "%(out)s: a file is already there. Pass --out for another "
                "file, or --force to replace it.",
                out=out,
            )
        )
    suite = load_suite(path)
    with gx_expectations.quiet():
        classes = gx_expectations.classes()
        built = [
            gx_expectations.build(
                spec, classes=classes, where=f"{suite.path}: expectations[{i}]"
            )
            for i, spec in enumerate(suite.expectations)
        ]
        text = gx_suites.gx_json(suite.name, built)
    write_atomic(out, text)
    return ExportedSuite(name=suite.name, path=out, expectations=len(built))


def validate(
    frame: pd.DataFrame,
    suite: Suite,
    *,
    hidden: Iterable[str] = (),
    docs: Path | None = None,
) -> ContractReport:
    """Run a suite on a frame with Great Expectations and summarise each expectation.

    An expectation on a column the frame lacks fails with "column ... is absent"
    rather than raising. Example values are masked when their column is in `hidden`,
    and wherever they look like personal data, so the report and the manifest never
    hold raw PII.

    Args:
        frame: The data to check; it is not modified.
        suite: A contract from `load_suite`.
        hidden: Columns holding personal data.
        docs: A folder to build GX Data Docs of this validation into, offline
            (`playbook.data.data_docs`); None builds none.

    Returns:
        One outcome per expectation, in the suite's order.
    """
    present = set(frame.columns)
    hidden = set(hidden)
    with gx_expectations.quiet():
        import great_expectations as gx

        context = gx.get_context(project_config=_context_config(), mode="ephemeral")
        results, meta = _run(frame, suite, context=context, present=present)
        page: str | None = None
        if docs is not None:
            from playbook.data import data_docs

            page = data_docs.write(
                gx.get_context(
                    project_config=_context_config(docs=docs), mode="ephemeral"
                ),
                name=suite.name,
                expectations=[
                    gx_expectations.build(
                        spec, classes=gx_expectations.classes(), where=str(suite.path)
                    )
                    for spec in suite.expectations
                ],
                results=[results.get(i) for i in range(len(suite.expectations))],
                meta=meta,
                hidden=hidden,
            )
    outcomes = [
        outcome_of(spec, results.get(i), columns=present, hidden=hidden)
        for i, spec in enumerate(suite.expectations)
    ]
    failed = sum(not outcome.passed for outcome in outcomes)
    return ContractReport(
        suite=suite.name,
        passed=failed == 0,
        evaluated=len(outcomes),
        failed=failed,
        results=outcomes,
        source=str(suite.path),
        docs_page=page,
    )


def _run(
    frame: pd.DataFrame, suite: Suite, *, context: Any, present: set
) -> tuple[dict[int, Any], dict[str, Any]]:
    """GX's result for each expectation that ran, by index, and the last run's meta.

    Each group runs as `Batch.validate` of a suite that no store holds: GX then keeps
    nothing of the run (a `ValidationDefinition` would save the suite, itself and its
    results in the context's stores, serialised, for playbook to throw away).
    """
    import great_expectations as gx
    from great_expectations.constants import DATAFRAME_REPLACEMENT_STR
    from great_expectations.core.run_identifier import RunIdentifier

    classes = gx_expectations.classes()
    batch_definition = (
        context.data_sources.add_pandas("playbook")
        .add_dataframe_asset(suite.name)
        .add_batch_definition_whole_dataframe("whole frame")
    )
    results: dict[int, Any] = {}
    meta: dict[str, Any] = {}
    for number, (names, indices) in enumerate(
        _groups(suite.expectations, present=present)
    ):
        gx_suite = gx.ExpectationSuite(
            name=f"{suite.name}-{number}",
            expectations=[
                gx_expectations.build(
                    suite.expectations[i],
                    classes=classes,
                    where=f"{suite.path}: expectations[{i}]",
                )
                for i in indices
            ],
        )
        # A suite no store holds gives its expectations no id; GX copies the one
        # set here (a UUID, as GX's own) into each result, which is how a result
        # finds its expectation.
        for i, expectation in zip(indices, gx_suite.expectations, strict=True):
            expectation.id = str(uuid.UUID(int=i))
        # A column's expectations see only that column: for each rule GX copies
        # the rows it checks with every column of the frame it is given, which
        # on a million rows is the frame's size again; one column's copy is not.
        part = frame if names is None else frame[list(names)]
        with _without_gx_fingerprint():
            batch = batch_definition.get_batch(batch_parameters={"dataframe": part})
            run = batch.validate(gx_suite, result_format="SUMMARY")
        meta = dict(run.meta)
        # GX fills expectation_config on every result of a run it made.
        by_id = {result.expectation_config.id: result for result in run.results}
        for i in indices:
            results[i] = by_id[str(uuid.UUID(int=i))]
    # What a ValidationDefinition adds to a run's meta, for the Data Docs' header.
    run_id = RunIdentifier(run_time=datetime.datetime.now(datetime.UTC))
    meta.update(
        run_id=run_id,
        validation_time=run_id.run_time,
        batch_parameters={"dataframe": DATAFRAME_REPLACEMENT_STR},
    )
    return results, meta


# A failed expectation, with examples of the rows that failed it or without.
_FAILED = {
    True: marked(
        "%(where)s: %(expectation)s on %(column)s: expected %(expected)s, found "
        "%(observed)s (e.g. %(examples)s)"
    ),
    False: marked(
        "%(where)s: %(expectation)s on %(column)s: expected %(expected)s, found "
        "%(observed)s"
    ),
}


def failure_reasons(report: ContractReport, *, language: Language = "en") -> list[str]:
    """One sentence per failed expectation, naming the contract file.

    The expectation keeps its Great Expectations name in every language: it is what
    the contract file says.
    """
    where = Path(report.source).name if report.source else report.suite
    return [
        translated(
            language,
            _FAILED[bool(r.examples)],
            where=where,
            expectation=r.expectation,
            column=r.column or translated(language, "the table"),
            expected=r.expected,
            observed=r.observed,
            examples=", ".join(r.examples),
        )
        for r in report.results
        if not r.passed
    ]


def failures_table(report: ContractReport) -> pd.DataFrame:
    """One row per failed expectation, for a notebook to show."""
    rows = [
        {
            "expectation": outcome.expectation,
            "column": outcome.column or "(table)",
            "expected": outcome.expected,
            "observed": outcome.observed,
            "examples": ", ".join(outcome.examples),
        }
        for outcome in report.results
        if not outcome.passed
    ]
    return pd.DataFrame(
        rows, columns=["expectation", "column", "expected", "observed", "examples"]
    )


# --- reading and checking a contract -------------------------------------------------


def _read_yaml(source: Path) -> dict:
    raw = read_yaml(
        source,
        kind="data contract",
        missing="Check the path; contracts live in data_checks/, one suite per file.",
        error=DataCheckError,
    )
    if not isinstance(raw, dict):
        got = described(raw) if raw is not None else sentence("an empty file")
        raise DataCheckError(
            sentence(
                "%(source)s: expected a mapping with `suite` and "
                "`expectations`, got %(got)s. See data_checks/churn.yaml for "
                "the layout.",
                source=source,
                got=got,
            )
        )
    return raw


def _keys(keys: list[Any], source: Path) -> str:
    """Unknown keys for a message: a name as it is, anything else by its line."""
    lines = top_level_lines(source)
    return ", ".join(
        repr(key)
        if is_name(key)
        else f"a key at line {lines[str(key)]}"
        if str(key) in lines
        else f"a key that is {described(key)}"
        for key in keys
    )


def _spec(item: Any, *, where: str, classes: dict[str, type]) -> ExpectationSpec:
    if not isinstance(item, dict):
        raise DataCheckError(
            sentence(
                "%(where)s: expected a mapping like `- type: expect_...` "
                "plus its arguments, got %(given)s.",
                where=where,
                given=described(item),
            )
        )
    kwargs = dict(item)
    kind = kwargs.pop("type", None)
    if not isinstance(kind, str):
        got = _missing_or(kind)
        raise DataCheckError(
            sentence(
                "%(where)s: `type` must name a Great Expectations "
                "expectation, e.g. `type: "
                "expect_column_values_to_not_be_null`; %(got)s.",
                where=where,
                got=got,
            )
        )
    if kind not in classes:
        raise DataCheckError(
            sentence(
                "%(where)s: unknown expectation type "
                "%(type)s%(did_you_mean)s. Use a Great Expectations "
                "1.x name (snake_case of a class in "
                "great_expectations.expectations).",
                where=where,
                type=shown_name(kind),
                did_you_mean=gx_expectations.did_you_mean(kind, classes),
            )
        )
    bad_keys = [key for key in kwargs if not isinstance(key, str)]
    if bad_keys:
        raise DataCheckError(
            sentence(
                "%(where)s (%(kind)s): argument names must be text, got %(given)s.",
                where=where,
                kind=kind,
                given=described(bad_keys[0]),
            )
        )
    reserved = [key for key in _RESERVED if key in kwargs]
    if reserved:
        raise DataCheckError(
            sentence(
                "%(where)s (%(kind)s): %(reserved)s is set by playbook when "
                "the suite runs. Remove it from the contract.",
                where=where,
                kind=kind,
                reserved=repr(reserved[0]),
            )
        )
    return ExpectationSpec(type=kind, kwargs=kwargs)


def _missing_or(value: object) -> Sentence:
    """A required value as a message quotes it: missing, or what was there."""
    if value is None:
        return sentence("it is missing")
    return sentence("got %(given)s", given=described(value))


# --- running a suite -----------------------------------------------------------------


@contextmanager
def _without_gx_fingerprint() -> Iterator[None]:
    """Skip GX's hash of the whole frame while a suite runs.

    GX fingerprints every pandas batch under 1 GB (`pandas_data_fingerprint`) by
    hashing each value, which turns every text value into a Python object: about the
    frame's size again in memory, and seconds on a million rows. playbook fingerprints
    the data itself (`data.fingerprint`), so the hash is left out; GX's own threshold
    is put back afterwards. If a GX release drops the threshold, nothing changes.
    """
    from great_expectations.execution_engine import pandas_execution_engine as engine

    threshold = getattr(engine, "HASH_THRESHOLD", None)
    if threshold is None:
        yield
        return
    engine.HASH_THRESHOLD = 0
    try:
        yield
    finally:
        engine.HASH_THRESHOLD = threshold


def _context_config(*, docs: Path | None = None) -> Any:
    """An in-memory context: no analytics, no progress bars, no docs site.

    With `docs`, the one docs site `playbook.data.data_docs.SITE`, in that folder.
    """
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    sites = {}
    if docs is not None:
        from playbook.data import data_docs

        sites = {data_docs.SITE: data_docs.site_config(docs)}
    return DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        data_docs_sites=sites,
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
    )


def _groups(
    specs: tuple[ExpectationSpec, ...], *, present: set
) -> list[tuple[tuple[str, ...] | None, list[int]]]:
    """Expectations to run together: those on the table, then those on each column.

    An expectation on a column the frame lacks runs nowhere; its outcome says so.
    """
    groups: dict[tuple[str, ...] | None, list[int]] = {}
    for index, spec in enumerate(specs):
        names = tuple(dict.fromkeys(columns_read(spec.kwargs)))
        if any(name not in present for name in names):
            continue
        groups.setdefault(names or None, []).append(index)
    return sorted(groups.items(), key=lambda item: item[0] is not None)
