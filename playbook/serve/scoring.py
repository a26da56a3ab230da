"""`playbook score`: batch scoring with a saved model, behind the same data contract.

New data has no labels yet, so the contract's expectations on the target are left out;
every other expectation must hold, or nothing is scored.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from playbook import data
from playbook.data import contracts
from playbook.errors import ContractBroken, DataError, PlaybookError
from playbook.serve import saved_model
from playbook.serve.saved_model import ModelBundle
from playbook.tasks.top_k import publishes_probabilities


@dataclass(frozen=True)
class ScoreResult:
    """What a scoring run wrote."""

    out: Path
    rows: int
    acted: int
    periods: int
    contract: contracts.ContractReport
    task: str = "top_k"


def score_frame(model: ModelBundle, frame: pd.DataFrame) -> pd.DataFrame:
    """Score rows as the model's task needs.

    A yes/no model writes the probability (the score, when its calibration fell
    back), the rank within the period and whether the row makes the period's list
    (the top `capacity_per_period`, what the business acts on). A forecast writes
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
    rows = frame[model.features]
    if model.task == "forecast":
        scores["forecast"] = model.pipeline.predict(rows)
        return scores
    if model.task == "routing":
        scores["route"] = model.pipeline.predict(rows)
        scores["confidence"] = model.pipeline.predict_proba(rows).max(axis=1)
        return scores
    # An uncalibrated model's scores rank the rows but are not probabilities.
    column = "probability" if publishes_probabilities(model.pipeline) else "score"
    scores[column] = model.pipeline.predict_proba(rows)[:, 1]
    scores["rank_in_period"] = (
        scores.groupby("period")[column]
        .rank(method="first", ascending=False)
        .astype(int)
    )
    scores["contact"] = scores["rank_in_period"] <= model.capacity_per_period
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
    if out.exists() and not force:
        raise PlaybookError(
            f"{out} exists; pass --force to replace it, or choose --out."
        )
    frame = data.load(data_path)
    suite = contracts.load_suite(model.contract)
    contract = contracts.validate(frame, label_free(suite, model.target))
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
    scores = score_frame(model, frame)
    out.parent.mkdir(parents=True, exist_ok=True)
    scores.to_csv(out, index=False)
    return ScoreResult(
        out=out,
        rows=len(scores),
        acted=acted_on(scores, model.task),
        periods=scores["period"].nunique(),
        contract=contract,
        task=model.task,
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
