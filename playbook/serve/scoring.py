"""`playbook score`: batch scoring with a saved model, behind the same data contract.

The scoring contract is the training one without what new data cannot have: the
expectations on the target (no labels yet) and the row-count bounds (a batch of 10 rows
is a batch). Every other expectation must hold, every value the model reads as a number
must be one, and every row needs its id and period, or nothing is scored. Rows whose
features are all empty are scored as nothing known: flagged, and never on the list.
Personal data in the text the model reads is replaced by placeholders first, as it was
when the model learnt (`playbook.data.redaction`), and the ids are written as keyed
hashes unless the charter said `data.ids_in_scores: raw` (`playbook.serve.pseudonyms`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from playbook import data
from playbook.core.files import write_csv
from playbook.core.language import Language
from playbook.core.messages import translated
from playbook.data import contracts, pii, redaction
from playbook.errors import ContractBroken, DataError, PlaybookError
from playbook.serve import pseudonyms, saved_model
from playbook.serve.saved_model import ModelBundle
from playbook.tasks.calibration import publishes_probabilities

# Expectations on the number of rows: a training extract's size, not a scoring batch's.
_ROW_COUNTS = ("expect_table_row_count",)
# Bad values shown per column in a refusal.
_SHOWN = 5


@dataclass(frozen=True)
class ListCapacity:
    """How many rows of each period a yes/no model's list may hold, and why.

    Attributes:
        per_period: The charter's capacity per KPI period (`kpi.capacity_per_period`).
        applied: The capacity applied to each period of the rows scored.
        rows: The rows scored.
        cases_per_period: Cases per KPI period (`data.cases_per_period`) when the
            rows have no time column and the capacity was scaled to them; else None.
        period: The KPI period's name ("" for a model saved before it was kept).
        whole_file: True when the rows have no time column and the file is scored
            as one period with the whole capacity (no `data.cases_per_period`).
    """

    per_period: int
    applied: int
    rows: int
    cases_per_period: float | None
    period: str
    whole_file: bool


@dataclass(frozen=True)
class ScoreResult:
    """What a scoring run wrote."""

    out: Path
    rows: int
    acted: int
    periods: int
    contract: contracts.ContractReport
    task: str = "top_k"
    capacity: ListCapacity | None = None


def list_capacity(model: ModelBundle, *, rows: int) -> ListCapacity | None:
    """The capacity a yes/no model's list gets on `rows` rows (None for other tasks).

    Rows without a time column are one draw of cases, not a period: as in stage 4
    (`playbook.tasks.period_scaling`), they stand for `rows / cases_per_period` of a
    period and the capacity shrinks (or grows) by that share, rounded to whole rows.
    Without `data.cases_per_period` the whole file is one period.
    """
    if model.task != "top_k" or model.capacity_per_period is None:
        return None
    per_period = int(model.capacity_per_period)
    scaled = not model.time_column and bool(model.cases_per_period)
    applied = (
        round(per_period * rows / float(model.cases_per_period or 1))
        if scaled
        else per_period
    )
    return ListCapacity(
        per_period=per_period,
        applied=applied,
        rows=rows,
        cases_per_period=model.cases_per_period if scaled else None,
        period=model.period,
        whole_file=not model.time_column and not scaled,
    )


def capacity_words(capacity: ListCapacity, *, language: Language = "en") -> str:
    """What capacity the list got, in a sentence for the terminal."""
    period = translated(language, capacity.period or "period")
    if capacity.cases_per_period is not None:
        return translated(
            language,
            "Capacity %(applied)s on the list: %(per_period)s per %(period)s "
            "(kpi.capacity_per_period) scaled to the %(rows)s rows scored, %(rows)s "
            "of the %(cases)s cases that arrive per %(period)s "
            "(data.cases_per_period), as stage 4 scales it.",
            applied=f"{capacity.applied:,}",
            per_period=f"{capacity.per_period:,}",
            period=period,
            rows=f"{capacity.rows:,}",
            cases=f"{capacity.cases_per_period:,.0f}",
        )
    if capacity.whole_file:
        return translated(
            language,
            "Capacity %(applied)s on the list: the data has no time column and the "
            "charter sets no data.cases_per_period, so the whole file is one "
            "%(period)s with the full kpi.capacity_per_period. Set "
            "data.cases_per_period to scale it to the rows scored.",
            applied=f"{capacity.applied:,}",
            period=period,
        )
    return translated(
        language,
        "Capacity %(applied)s on the list in each %(period)s of the time column "
        "(kpi.capacity_per_period).",
        applied=f"{capacity.applied:,}",
        period=period,
    )


def score_frame(model: ModelBundle, frame: pd.DataFrame) -> pd.DataFrame:
    """Score rows as the model's task needs.

    A yes/no model writes the probability (the score, when its calibration fell
    back), the rank within the period and whether the row makes the period's list
    (the top `capacity_per_period`, what the business acts on, and at break-even
    none below the model's `contact_threshold`). A forecast writes
    the forecast; its lag columns come from the rows' own earlier values of the
    target, so pass recent history with the rows to forecast (their target left
    empty). A router writes the route, or "person" when it is
    unsure, and its confidence.

    Raises:
        DataError: A column the model reads is missing.
    """
    if model.task == "forecast":
        from playbook.tasks import forecast

        frame = forecast.with_history(frame, **(model.history or {}))
        frame = frame.reset_index(drop=True)
    missing = [column for column in model.features if column not in frame.columns]
    if missing:
        raise DataError(
            f"the data lacks columns the model reads: {', '.join(missing)}. Score an "
            f"extract with the same columns as the training data."
        )
    # The model learnt from text whose personal data was replaced: so is this text.
    found = pii.detect(frame, declared=model.declared_pii)
    rows = redaction.replace_personal(
        frame[model.features],
        columns=model.features,
        names=redaction.known_names(frame, found),
    )
    period = (
        frame[model.time_column].astype(str).to_numpy()
        if model.time_column
        else np.full(len(frame), "all")
    )
    scores = pd.DataFrame(
        {
            "id": frame[model.id_column].to_numpy() if model.id_column else frame.index,
            "period": period,
        }
    )
    # Nothing is known about such a row: its score would be the model's prior.
    empty = frame[model.features].isna().all(axis=1).to_numpy()
    if model.task == "forecast":
        scores["forecast"] = np.where(empty, np.nan, model.pipeline.predict(rows))
    elif model.task == "routing":
        from playbook.tasks.routing import PERSON

        scores["route"] = np.where(empty, PERSON, model.pipeline.predict(rows))
        confidence = model.pipeline.predict_proba(rows).max(axis=1)
        scores["confidence"] = np.where(empty, np.nan, confidence)
    else:
        # An uncalibrated model's scores rank the rows but are not probabilities.
        column = "probability" if publishes_probabilities(model.pipeline) else "score"
        probability = model.pipeline.predict_proba(rows)[:, 1]
        scores[column] = np.where(empty, np.nan, probability)
        scores["rank_in_period"] = (
            scores.groupby("period")[column]
            .rank(method="first", ascending=False)
            .astype("Int64")
        )
        capacity = list_capacity(model, rows=len(frame))
        listed = scores["rank_in_period"] <= (
            capacity.applied if capacity else model.capacity_per_period
        )
        if model.contact_threshold is not None:
            # Break-even: a contact below the threshold is expected to lose money.
            listed &= scores[column] >= model.contact_threshold
        scores["contact"] = listed.fillna(False).astype(bool)
    scores["features_empty"] = empty
    return scores


def acted_on(scores: pd.DataFrame, task: str) -> int:
    """Rows the business acts on: listed for contact, forecast, or routed."""
    if task == "top_k":
        return int(scores["contact"].sum())
    if task == "routing":
        from playbook.tasks.routing import PERSON

        return int((scores["route"] != PERSON).sum())
    return int(scores["forecast"].notna().sum())


def score_file(
    model_path: Path, data_path: Path, *, out: Path, force: bool
) -> ScoreResult:
    """Validate a data file against the model's contract, score it, write a CSV.

    Raises:
        ModelError: No readable model at `model_path`.
        ContractBroken: The data breaks the contract; nothing is written.
        PlaybookError: `out` exists and `force` is false.
    """
    model = saved_model.load(model_path)
    _refuse_input_as_out(
        out, inputs=[data_path, model.contract, *_model_files(model_path)]
    )
    if out.exists() and not force:
        raise PlaybookError(
            f"{out} exists; pass --force to replace it, or choose --out."
        )
    frame = check_values(data.load(data_path), model, source=data_path)
    suite = contracts.load_suite(model.contract)
    contract = contracts.validate(frame, scoring_contract(suite, model.target))
    if not contract.passed:
        failures = "; ".join(
            f"{r.expectation} on {r.column or 'the table'}: expected {r.expected}, "
            f"found {r.observed}"
            for r in contract.results
            if not r.passed
        )
        raise ContractBroken(
            f"{data_path}: breaks the model's data contract ({contract.failed} of "
            f"{contract.evaluated} expectations failed): {failures}. Nothing was "
            f"scored; fix the extract or review the contract."
        )
    scores = pseudonyms.scores_with_ids(
        score_frame(model, frame), poc=model.poc, ids=model.ids_in_scores
    )
    write_csv(out, scores)
    return ScoreResult(
        out=out,
        rows=len(scores),
        acted=acted_on(scores, model.task),
        periods=scores["period"].nunique(),
        contract=contract,
        task=model.task,
        capacity=list_capacity(model, rows=len(scores)),
    )


def scoring_contract(suite: contracts.Suite, target: str) -> contracts.Suite:
    """The training contract for new data: no target, no bounds on the row count."""
    free = label_free(suite, target)
    kept = tuple(
        spec for spec in free.expectations if not spec.type.startswith(_ROW_COUNTS)
    )
    return dataclasses.replace(free, expectations=kept)


def check_values(
    frame: pd.DataFrame, model: ModelBundle, *, source: Path
) -> pd.DataFrame:
    """The frame with the model's number columns as numbers, or why it cannot be.

    Raises:
        ContractBroken: A value the model reads as a number is not one, or a row has
            no id or period; the message names the column, the row (1 is the first
            row under the header) and the value.
    """
    frame = frame.copy()
    wrong: list[str] = []
    found = 0
    for column in _number_features(model, frame):
        values = frame[column]
        numbers = pd.to_numeric(values, errors="coerce")
        bad = values.notna() & numbers.isna()
        found += int(bad.sum())
        wrong += [
            f"column {column!r}, row {row + 1}: {values.iloc[row]!r} is not a number"
            for row in np.flatnonzero(bad.to_numpy())[:_SHOWN]
        ]
        frame[column] = numbers
    for key, role in ((model.id_column, "id"), (model.time_column, "period")):
        if key and key in frame.columns:
            blank = frame[key].isna() | (frame[key].astype(str).str.strip() == "")
            found += int(blank.sum())
            wrong += [
                f"column {key!r}, row {row + 1}: empty (every row needs its {role})"
                for row in np.flatnonzero(blank.to_numpy())[:_SHOWN]
            ]
    if wrong:
        more = (
            f" ({found - len(wrong):,} more like these)" if found > len(wrong) else ""
        )
        raise ContractBroken(
            f"{source}: {'; '.join(wrong)}{more}. Nothing was scored; fix the "
            "values in the extract and score again."
        )
    return frame


def _number_features(model: ModelBundle, frame: pd.DataFrame) -> list[str]:
    """The features the model reads as numbers: those its encoder does not take as text.

    The encoder (a fitted ColumnTransformer) may sit inside a calibration wrapper;
    a model without one (a text router) declares no number columns.
    """
    encoder = _fitted_encoder(model.pipeline)
    if encoder is None:
        return []
    text = {
        str(column)
        for name, _, columns in encoder.transformers_
        if name == "categories" and isinstance(columns, list)
        for column in columns
    }
    return [f for f in model.features if f not in text and f in frame.columns]


def _fitted_encoder(estimator: Any, depth: int = 0) -> Any:
    """The first fitted ColumnTransformer in a pipeline, however it is wrapped."""
    if hasattr(estimator, "transformers_"):
        return estimator
    if depth > 6:  # a cycle of references, or a model this code does not know
        return None
    inner = [step for _, step in getattr(estimator, "steps", [])]
    for calibrated in getattr(estimator, "calibrated_classifiers_", []):
        inner.append(getattr(calibrated, "estimator", None))
    inner += [getattr(estimator, name, None) for name in ("estimator_", "estimator")]
    for part in inner:
        found = _fitted_encoder(part, depth + 1) if part is not None else None
        if found is not None:
            return found
    return None


def _model_files(model_path: Path) -> list[Path]:
    path = Path(model_path)
    return [
        path,
        path / saved_model.MODEL_FILE,
        path / "model" / saved_model.MODEL_FILE,
    ]


def _refuse_input_as_out(out: Path, *, inputs: list[Path]) -> None:
    """Stop before `--out` overwrites the data or the model it reads."""
    target = Path(out).resolve()
    for path in inputs:
        if Path(path).exists() and Path(path).resolve() == target:
            raise PlaybookError(
                f"--out {out} is an input of this scoring ({path}); scoring would "
                "overwrite it. Choose another --out."
            )


def label_free(suite: contracts.Suite, target: str) -> contracts.Suite:
    """The suite without what it expects of the label, which new data lacks."""
    kept = []
    for spec in suite.expectations:
        columns = spec.kwargs.get("column_set")
        if columns is not None:
            trimmed = [column for column in columns if column != target]
            spec = dataclasses.replace(
                spec, kwargs={**spec.kwargs, "column_set": trimmed}
            )
        elif target in (spec.column or "").split(", "):
            continue
        kept.append(spec)
    return dataclasses.replace(suite, expectations=tuple(kept))
