"""The winning model saved with what it needs to score new data, and its model card.

A model folder holds `model.joblib` (the fitted pipeline and the columns it reads),
`contract.yaml` (a copy of the data contract it was trained under, so that scoring can
refuse data that breaks it) and the model card as `model_card.md` and `model_card.json`.
`model.joblib` is a pickle: load only models your own runs wrote. `save_stage` writes
what stage 4 hands on: this folder (`<run>/model`) and the scored test rows.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import pandas as pd
from sklearn.pipeline import Pipeline

from playbook import data
from playbook.charter.model import Charter
from playbook.core import files, journey
from playbook.core.journey import to_jsonable
from playbook.data import frame
from playbook.errors import ModelError
from playbook.serve import pseudonyms
from playbook.tasks import evaluation
from playbook.tasks.contact_policy import BREAK_EVEN
from playbook.tasks.evaluation import Comparison, Scored
from playbook.tasks.kpi import format_amount
from playbook.tasks.latency import LatencyReport
from playbook.tasks.poc_stage import PocStage

MODEL_FILE, CONTRACT_FILE = "model.joblib", "contract.yaml"
CARD_FILE = "model_card.md"  # the card a reader opens; stage 7 checks it was written


@dataclass(frozen=True)
class ModelBundle:
    """A fitted model and what scoring needs to know about its data.

    `poc` and `ids_in_scores` say how scores write the id (`playbook.serve.pseudonyms`;
    a model saved before they were kept writes pseudonyms); `declared_pii` is the
    charter's `data.pii`, whose values scoring replaces in text as training did.
    """

    pipeline: Pipeline
    features: list[str]
    target: str
    id_column: str | None
    time_column: str | None
    capacity_per_period: int | None
    contract: Path
    card: dict[str, Any]
    task: str = "top_k"
    history: dict[str, Any] | None = None
    poc: str = ""
    ids_in_scores: str = pseudonyms.HASHED
    declared_pii: tuple[str, ...] = ()
    # A yes/no model's break-even: no contact below this probability (None: the
    # model fills its capacity).
    contact_threshold: float | None = None
    # Without a time column: cases that arrive per KPI period (`data.cases_per_period`),
    # to scale the capacity to the rows scored; and the KPI period's name.
    cases_per_period: float | None = None
    period: str = ""


def save(
    folder: Path,
    *,
    poc: Charter,
    comparison: Comparison,
    data_sha256: str,
    latency: LatencyReport,
    groups: list | None = None,
) -> Path:
    """Write the model, its contract and its model card into `folder`.

    Args:
        folder: The model folder (created; usually `<run>/model`).
        poc: The charter the model was built for.
        comparison: Stage 4's `evaluation.Comparison`.
        data_sha256: Fingerprint of the training data.
        latency: Stage 4's `latency.LatencyReport`.
        groups: Segments by sensitive attribute, for the fairness notes.

    Returns:
        The model folder.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    card = model_card(
        poc=poc,
        comparison=comparison,
        data_sha256=data_sha256,
        latency=latency,
        groups=groups,
    )
    joblib.dump(
        {
            "pipeline": comparison.model,
            "features": list(comparison.features),
            "target": poc.data.target,
            "id_column": poc.data.id,
            "time_column": poc.data.time,
            "capacity_per_period": poc.need("kpi").capacity_per_period,
            "card": card,
            "task": comparison.task,
            "history": _history(poc) if comparison.task == "forecast" else None,
            "poc": poc.poc,
            "ids_in_scores": poc.data.ids_in_scores,
            "declared_pii": list(poc.data.pii),
            "contact_threshold": _contact_threshold(comparison),
            "cases_per_period": poc.data.cases_per_period,
            "period": poc.need("kpi").period,
        },
        folder / MODEL_FILE,
    )
    shutil.copyfile(poc.data.checks, folder / CONTRACT_FILE)
    (folder / "model_card.json").write_text(json.dumps(card, indent=2) + "\n")
    (folder / CARD_FILE).write_text(card_markdown(card))
    return folder


@dataclass(frozen=True)
class SavedStage:
    """Where stage 4 saved its hand-off files: the model folder and the test scores."""

    run_dir: Path
    model_dir: Path
    test_scores: Path


def save_stage(
    out_dir: str | Path, stage: PocStage, *, data_path: str | Path | None = None
) -> SavedStage:
    """Save what stage 4 hands on: the model with its contract and card, the scores.

    Args:
        out_dir: The run folder; the model goes to `model/`, every policy's decisions
            on the test rows to `scores/test.csv`.
        stage: What `poc_stage.build` returned.
        data_path: The file or folder the stage read instead of the charter's source
            (`--data`); empty or None for the charter's own. The model card records
            its fingerprint.

    Raises:
        DataError: The data source can no longer be read to fingerprint it.
        FinishedRunError: `out_dir` holds a finished run (`journey.open_run`).
    """
    fingerprint = data.fingerprint(stage.poc, path=data_path or None, frame=stage.frame)
    model_dir = save(
        journey.artifact(journey.open_run(out_dir), journey.MODEL_DIR),
        poc=stage.poc,
        comparison=stage.comparison,
        data_sha256=fingerprint.sha256,
        latency=stage.evidence.latency,
        groups=stage.evidence.fairness_groups,
    )
    scores = save_scores(
        out_dir, journey.TEST_SCORES, stage.comparison.rows, poc=stage.poc
    )
    return SavedStage(run_dir=Path(out_dir), model_dir=model_dir, test_scores=scores)


def save_scores(
    out_dir: str | Path, name: str, rows: pd.DataFrame | None, *, poc: Charter
) -> Path:
    """Write scored rows into the run folder, their ids as the charter allows.

    Args:
        out_dir: The run folder.
        name: The file, e.g. `journey.TEST_SCORES` or `journey.FRESH_SCORES`.
        rows: The scored rows; nothing is written when None (no fresh batch).
        poc: The charter: `data.ids_in_scores` "raw" writes the ids as read, else
            they are written as keyed hashes (`playbook.serve.pseudonyms`).

    Raises:
        PlaybookError: Ids are to be hashed and no key can be had.
    """
    journey.save_table(
        out_dir, name, None if rows is None else as_written(rows, poc=poc)
    )
    return journey.artifact(out_dir, name)


def as_written(rows: pd.DataFrame, *, poc: Charter) -> pd.DataFrame:
    """Scored rows as written: what stage 7 compares a re-scoring with.

    Ids are written as the charter allows, text cells made safe in a spreadsheet.

    Raises:
        PlaybookError: Ids are to be hashed and no key can be had.
    """
    written = pseudonyms.scores_with_ids(rows, poc=poc.poc, ids=poc.data.ids_in_scores)
    return files.neutralise_formulas(written)


def card_path(run_dir: str | Path) -> Path:
    """Where stage 4 saved the model card of a run (`<run>/model/model_card.md`)."""
    return journey.artifact(run_dir, journey.MODEL_DIR) / CARD_FILE


def load(path: str | Path) -> ModelBundle:
    """Load a model from a run folder, a model folder or a `model.joblib` file.

    Raises:
        ModelError: There is no model there, or it cannot be read.
    """
    path = Path(path)
    candidates = [path, path / MODEL_FILE, path / "model" / MODEL_FILE]
    found = next((c for c in candidates if c.is_file()), None)
    if found is None:
        raise ModelError(
            f"{path}: no saved model here. Point at a run folder whose stage 4 ran "
            f"(runs/<poc>/<run-id>), its model/ folder, or a {MODEL_FILE} file."
        )
    try:
        saved = joblib.load(found)
    except Exception as error:  # a truncated or foreign file
        raise ModelError(
            f"{found}: cannot read the model ({type(error).__name__}: {error}). "
            f"Run stage 4 again to rebuild it."
        ) from None
    contract = found.parent / CONTRACT_FILE
    if not contract.is_file():
        raise ModelError(
            f"{found.parent}: the model's data contract ({CONTRACT_FILE}) is missing; "
            f"scoring refuses to run without it. Run stage 4 again."
        )
    return ModelBundle(
        pipeline=saved["pipeline"],
        features=saved["features"],
        target=saved["target"],
        id_column=saved["id_column"],
        time_column=saved["time_column"],
        capacity_per_period=saved["capacity_per_period"],
        contract=contract,
        card=saved["card"],
        task=saved.get("task", "top_k"),
        history=saved.get("history"),
        poc=saved.get("poc") or str(saved["card"].get("poc", "")),
        ids_in_scores=saved.get("ids_in_scores", pseudonyms.HASHED),
        declared_pii=tuple(saved.get("declared_pii", ())),
        contact_threshold=saved.get("contact_threshold"),
        cases_per_period=saved.get("cases_per_period"),
        period=saved.get("period", ""),
    )


def score_labelled(
    model: ModelBundle, rows: pd.DataFrame, *, poc: Charter, seed: int
) -> Scored:
    """Labelled rows scored by the saved model as stage 4 scored its test rows.

    A yes/no model lists at its saved break-even threshold (`contact_threshold`),
    as stage 4 did: without it the list would fill the capacity, rows expected to
    lose money included.

    Args:
        model: The saved model (`load`).
        rows: Labelled rows with the model's features.
        poc: The charter.
        seed: Seed for the lift's interval.
    """
    return evaluation.score(
        rows,
        model=model.pipeline,
        features=model.features,
        poc=poc,
        seed=seed,
        contact_threshold=model.contact_threshold,
    )


def _contact_threshold(comparison: Comparison) -> float | None:
    """The probability below which the model does not contact, when it stops there."""
    policies = comparison.contact_policies
    if policies is None or policies.chosen != BREAK_EVEN:
        return None
    return policies.threshold


def _periods(periods: list[str]) -> str:
    """Training periods for a reader: all of them when few, else the first and last."""
    if len(periods) <= 6:
        return "periods " + ", ".join(periods)
    return f"{len(periods)} periods, {periods[0]} to {periods[-1]}"


def _history(poc: Charter) -> dict[str, Any]:
    """What scoring needs to rebuild a forecast's lag columns from recent rows."""
    definition = poc.need("kpi")
    return {
        "target": poc.data.target,
        "time": poc.data.time,
        "series": poc.data.series,
        "horizon": definition.horizon,
        "season_length": definition.season_length,
        "time_format": poc.data.time_format,
        "country": poc.data.calendar.country,
        "observed_same_day": list(poc.data.calendar.observed_same_day),
    }


def model_card(
    *,
    poc: Charter,
    comparison: Comparison,
    data_sha256: str,
    latency: LatencyReport,
    groups: list | None = None,
) -> dict[str, Any]:
    """The model card's fields (after Mitchell et al., 2019), as plain JSON values.

    Args:
        poc: The charter the model was built for.
        comparison: Stage 4's `evaluation.Comparison`.
        data_sha256: Fingerprint of the training data.
        latency: Stage 4's `latency.LatencyReport`.
        groups: The segments of the test rows by each sensitive attribute the charter
            names (`segments.compare` over `data.sensitive`), for the fairness notes.
    """
    report = comparison.kpi
    split = comparison.holdout
    limits = [
        "Evaluated offline on held-out past periods; not yet confirmed in an A/B test.",
        "Trained on the periods listed under training data; behaviour that changes "
        "after them (see stage 5) can make it worse than today's baseline.",
    ]
    if poc.data.synthetic:
        limits.insert(0, "Trained on SYNTHETIC example data: not for real decisions.")
    fairness = fairness_notes(poc, groups=groups)
    return to_jsonable(
        {
            "poc": poc.poc,
            "title": poc.title,
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "model": f"scikit-learn pipeline: {comparison.model_name} "
            f"({TASKS[comparison.task]}), the best of the candidates tuned on "
            f"validation rows",
            "intended_use": {
                "decision": poc.business.decision,
                "users": list(poc.business.users),
                "capacity_per_period": poc.need("kpi").capacity_per_period,
            },
            "training_data": {
                "file": frame.source_name(poc),
                "sha256": data_sha256,
                "synthetic": poc.data.synthetic,
                "periods": split.train_periods,
                "rows": len(split.train),
                "target": poc.data.target,
                "label_definition": poc.data.label_definition,
            },
            "features": list(comparison.features),
            "evaluation": {
                "split": split.description,
                "kpi": report,
                "decision": comparison.decision,
                "ladder": comparison.ladder,
                "candidates": comparison.candidates,
            },
            "latency": latency,
            "limits": limits,
            "fairness": fairness,
        }
    )


TASKS = {
    "top_k": "yes/no, ranked for a capacity",
    "forecast": "a forecast of a number",
    "routing": "one label among many, from text",
}


def fairness_notes(poc: Charter, *, groups: list | None) -> str:
    """The fairness section: the model against today's baseline in each group."""
    if not poc.data.sensitive:
        return (
            "The charter names no sensitive attribute (data.sensitive); no per-group "
            "analysis was run."
        )
    if not groups:
        return (
            f"The charter names {', '.join(poc.data.sensitive)} as sensitive, but no "
            "group of the test rows was large enough to compare."
        )
    unit = poc.need("kpi").unit
    lines = [
        f"Per group of {', '.join(poc.data.sensitive)} on the test rows, what the "
        "model's decisions earned per period against today's baseline (a negative "
        "lift means the group fares worse under the model):",
        "",
    ]
    for group in groups:
        lines.append(
            f"- {group.feature} = {group.segment} ({group.rows:,} rows): model "
            f"{format_amount(group.model_value, unit)}, today "
            f"{format_amount(group.today_value, unit)}, lift "
            f"{format_amount(group.lift, unit)}"
        )
    return "\n".join(lines)


def card_markdown(card: dict[str, Any]) -> str:
    """The model card as Markdown for a reader."""
    kpi = card["evaluation"]["kpi"]
    unit = kpi["unit"]
    lines = [
        f"# Model card: {card['title']}",
        "",
        f"- POC: `{card['poc']}`; created {card['created']}",
        f"- Model: {card['model']}",
        f"- Intended use: {card['intended_use']['decision']}",
        f"- Training data: {card['training_data']['file']} "
        f"(sha256 {card['training_data']['sha256'][:12]}), "
        f"{card['training_data']['rows']:,} rows, "
        f"{_periods(card['training_data']['periods'])}",
        f"- Evaluation: {card['evaluation']['split']}",
        f"- KPI: {kpi['metric']}: model {format_amount(kpi['model'], unit)}, "
        f"{kpi['baseline_name']} {format_amount(kpi['baseline'], unit)}, lift "
        f"{format_amount(kpi['lift'], unit)} "
        f"[{format_amount(kpi['lift_ci_low'], unit)}, "
        f"{format_amount(kpi['lift_ci_high'], unit)}]",
        f"- Decision: {card['evaluation']['decision']['decision']}",
        f"- Features: {', '.join(card['features'])}",
        "",
        "## Every policy on the test rows",
        "",
        *[
            f"- {rung['name']} ({rung['role']}): "
            f"{format_amount(rung['kpi'], unit)} per {kpi['period']}"
            for rung in card["evaluation"].get("ladder", [])
        ],
        "",
        "## Limits",
        "",
        *[f"- {limit}" for limit in card["limits"]],
        "",
        "## Fairness",
        "",
        card["fairness"],
        "",
    ]
    return "\n".join(lines)
