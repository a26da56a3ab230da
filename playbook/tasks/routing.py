"""Stage 4 for routing: which queue a support ticket goes to, or to a person.

A router reads a ticket's text and either sends it to one of the labels (a team's
queue) or, when it is unsure, to a person who routes it by hand. A ticket routed right
earns `kpi.value_per_correct` (a dispatcher's time saved), a ticket routed wrong costs
`kpi.cost_per_wrong` (re-routing, a slower answer), and a ticket left to a person earns
nothing. The KPI is the net value per period of the test tickets.

The candidates (`text_routers`: TF-IDF of words and of character n-grams and a linear
model) are each tuned on validation rows taken from the training side, with the
confidence threshold below which it hands a ticket to a person chosen there to maximise
the KPI (`routing_kpi`). The ladder on the test rows holds every ticket to a person
(worth 0), every ticket to the most common label (the trivial baseline), the charter's
keyword router, and the best settings of each candidate, refitted on all training rows.
"""

from __future__ import annotations

import dataclasses
import difflib

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from playbook import data
from playbook.charter.model import Baseline, Charter, Kpi
from playbook.errors import CharterError, DataError
from playbook.tasks import experiment, holdout, models, period_scaling, tuning
from playbook.tasks.comparison import (
    BASELINE,
    CANDIDATE,
    MODEL_NAME,
    TODAY,
    Candidate,
    Comparison,
    Rung,
    Scored,
)
from playbook.tasks.decision import decide_poc
from playbook.tasks.decision_words import TASK_BASELINE_NAMES
from playbook.tasks.models import CandidateSpec
from playbook.tasks.routing_kpi import (
    best_threshold,
    decision_metrics,
    kpi_report,
    model_metrics,
    row_values,
    value_per_period,
)
from playbook.tasks.text_routers import (
    CALIBRATION_FOLDS,
    PERSON,
    ROUTING_CANDIDATES,
    KeywordRouter,
    ThresholdRouter,
    linear_svm,
    texts_of,
)

# The routers live in `text_routers` and the measures in `routing_kpi`; their names
# stay importable from here, where models saved by earlier runs pickled the routers.
__all__ = [
    "BASELINE_NAMES",
    "MODEL_NAME",
    "PERSON",
    "ROUTING_CANDIDATES",
    "KeywordRouter",
    "ThresholdRouter",
    "best_threshold",
    "compare",
    "row_values",
    "score",
    "texts_of",
]

BASELINE_NAMES = TASK_BASELINE_NAMES["routing"]


def compare(
    frame: pd.DataFrame, *, poc: Charter, seed: int, budget: tuning.Budget
) -> Comparison:
    """Tune, fit and judge the text routers against the baselines on the test rows.

    Each candidate setting is fitted on part of the training rows, its threshold picked
    on the rest (the validation rows) to maximise the KPI, and the best setting of each
    candidate refitted on all training rows with that threshold. Settings are tried in
    a fixed order until the budget's seconds are spent (each candidate's first setting
    is always tried), so the same seed gives the same numbers whenever the budget lets
    the same settings run; its `trials` fix their number whatever the clock. The linear
    SVM is left out when a label has fewer than three rows to fit on (its calibration
    needs one per fold).

    Raises:
        CharterError: The charter is not a routing charter, lacks data.text or the
            baseline, or a keyword route names a label the data never has.
        DataError: The text or label column is missing, labels are missing, a label is
            "person", no ticket has text, or the split leaves too few rows.
    """
    definition, labels, features = _checked(frame, poc=poc)
    split = holdout.split(frame, poc=poc, seed=seed)
    fit, check = holdout.validation(frame, split, poc=poc, seed=seed)
    specs = _candidates(labels, sides=(fit, split.train))
    tuned, tried = _tune(
        specs,
        frame,
        labels,
        rows=(fit, check),
        features=features,
        poc=poc,
        kpi=definition,
        seed=seed,
        budget=budget,
    )
    train = frame.iloc[split.train][features]
    fitted = _refit(specs, tried, train, labels[split.train], seed=seed)
    chosen_name, model = fitted[tuned.best_spec.name]
    test = frame.iloc[split.test]
    scored = score(
        test,
        model=model,
        features=features,
        poc=poc,
        seed=seed,
        held_out_share=len(split.test) / len(frame),
    )
    return Comparison(
        task="routing",
        holdout=split,
        model=model,
        model_name=chosen_name,
        features=features,
        kpi=scored.kpi,
        decision=decide_poc(scored.kpi, rule=definition.decision_rule),
        ladder=_candidate_ladder(
            scored,
            fitted,
            chosen=tuned.best_spec.name,
            rows=test[features],
            actual=labels[split.test],
            periods=holdout.periods_of(test, poc=poc).to_numpy(),
            kpi=definition,
        ),
        candidates=tried,
        experiment_inputs=scored.experiment_inputs,
        rows=scored.rows,
        test_frame=frame.iloc[split.test],
        periods=holdout.periods_of(frame, poc=poc).to_numpy(),
        validation=check,
    )


# Over 80 lines with its docstring: the ladder, the KPI report, the A/B inputs and the
# scored table are built from the same decisions in one pass, as `top_k.score` does.
def score(
    rows: pd.DataFrame,
    *,
    model: Pipeline,
    features: list[str],
    poc: Charter,
    seed: int,
    held_out_share: float | None = None,
) -> Scored:
    """Apply a fitted router and every baseline to labelled tickets and compare them.

    Used on the held-out test rows in stage 4 and on a later labelled batch in stage 5.
    The lift over today's baseline gets a paired bootstrap interval: tickets are
    resampled within each period, both policies scored on the same draw. Tickets
    without a time column are scaled to one real period when the charter says how
    many arrive per period (`period_scaling`); `held_out_share` is their share of all
    rows, for the pages' words.

    The metrics of each rung: `accuracy` (share of all tickets routed to their label;
    a ticket left to a person counts as not routed right), `coverage` (share routed
    automatically), `routed_accuracy` (share right among those routed), `macro_f1`
    (F1 averaged over the labels the tickets have, where a ticket left to a person is
    a miss for its label and a prediction of none). The models add `top1_accuracy`
    (accuracy if every ticket were routed to its likeliest label) and `top_brier`
    (Brier score of the top probability as a forecast of being right).

    Raises:
        CharterError: The charter is not a routing charter or lacks what routing needs.
        DataError: The text or label column is missing, or labels are missing.
    """
    definition, plan, text = _routing_sections(poc)
    _check_columns(rows, poc=poc)
    actual = _labels(rows, poc=poc)
    periods = holdout.periods_of(rows, poc=poc).to_numpy()
    scaling = period_scaling.of(
        poc, held_out_rows=len(rows), held_out_share=held_out_share
    )
    decision, top, top_label = _route(model, rows[features])
    decisions = _baseline_decisions(rows, model=model, plan=plan, text=text)
    values = {
        key: row_values(actual, chosen, kpi=definition)
        for key, chosen in {**decisions, "model": decision}.items()
    }
    ladder = _score_ladder(
        {**decisions, "model": decision},
        values,
        actual=actual,
        periods=periods,
        today=plan.today,
        top=(top, top_label),
        factor=period_scaling.factor(scaling),
    )
    report = period_scaling.scaled(
        kpi_report(
            values["model"],
            values[plan.today],
            periods,
            kpi=period_scaling.held_out_terms(definition, scaling),
            baseline_name=BASELINE_NAMES[plan.today],
            seed=seed,
            periods_worth=period_scaling.periods_worth(scaling),
        ),
        scaling,
        minimum=definition.min_lift,
    )
    experiment_inputs = experiment.ExperimentInputs(
        units_per_period=period_scaling.units_per_period(
            scaling, rows=len(rows), periods=len(set(periods))
        ),
        control=experiment.value_moments(values[plan.today]),
        treatment=experiment.value_moments(values["model"]),
    )
    table = pd.DataFrame(
        {
            "id": rows[poc.data.id].to_numpy() if poc.data.id else rows.index,
            "period": periods,
            "actual": actual,
            "decision_model": decision,
            "decision_today": decisions[plan.today],
            "value_model": values["model"],
            "value_today": values[plan.today],
            "confidence": top,
            "top_label": top_label,
        }
    )
    return Scored(
        kpi=report, ladder=ladder, experiment_inputs=experiment_inputs, rows=table
    )


def _score_ladder(
    decisions: dict[str, np.ndarray],
    values: dict[str, np.ndarray],
    *,
    actual: np.ndarray,
    periods: np.ndarray,
    today: str,
    top: tuple[np.ndarray, np.ndarray],
    factor: float,
) -> list[Rung]:
    """A rung per baseline, then the model's; `top` is its confidence and top label.

    Each rung's KPI is per real period: times `factor` when the rows stand for a share
    of one (`period_scaling`).
    """
    ladder = [
        Rung(
            name=BASELINE_NAMES[key],
            role=TODAY if key == today else BASELINE,
            kpi=value_per_period(values[key], periods) * factor,
            metrics=decision_metrics(actual, chosen),
        )
        for key, chosen in decisions.items()
        if key != "model"
    ]
    ladder.append(
        Rung(
            name=MODEL_NAME,
            role=CANDIDATE,
            kpi=value_per_period(values["model"], periods) * factor,
            chosen=True,
            metrics={
                **decision_metrics(actual, decisions["model"]),
                **model_metrics(actual, *top),
            },
        )
    )
    return ladder


def _checked(frame: pd.DataFrame, *, poc: Charter) -> tuple[Kpi, np.ndarray, list[str]]:
    """The KPI, the labels and the text column, once charter and data are checked."""
    definition, plan, text = _routing_sections(poc)
    _check_columns(frame, poc=poc)
    labels = _labels(frame, poc=poc)
    _check_labels(labels, poc=poc)
    _check_routes(plan, labels, poc=poc)
    if not any(texts_of(frame[text]) != ""):
        raise DataError(
            f"{_where(poc)}: column {text!r} (data.text) holds no text in any row; a "
            f"router has nothing to read. Check the extract."
        )
    excluded = models.excluded_columns(frame, poc=poc)
    if text in excluded:
        raise CharterError(
            f"{poc.source}: data.text names {text!r}, which no model may read: "
            f"{excluded[text]}. A router reads only that column: take it out of "
            f"data.exclude or data.pii (phone numbers, e-mail addresses, resident, "
            f"card and IP numbers in it are replaced by placeholders anyway), or "
            f"list it in data.allow_pii."
        )
    return definition, labels, [text]


def _candidates(
    labels: np.ndarray, *, sides: tuple[np.ndarray, ...]
) -> list[CandidateSpec]:
    """The candidates to tune; the SVM only with a row of each label per fold.

    `sides` holds the row positions of each set a candidate is fitted on.
    """
    fewest = min(pd.Series(labels[rows]).value_counts().min() for rows in sides)
    return [
        spec
        for spec in ROUTING_CANDIDATES
        if spec.build is not linear_svm or fewest >= CALIBRATION_FOLDS
    ]


def _tune(
    specs: list[CandidateSpec],
    frame: pd.DataFrame,
    labels: np.ndarray,
    *,
    rows: tuple[np.ndarray, np.ndarray],
    features: list[str],
    poc: Charter,
    kpi: Kpi,
    seed: int,
    budget: tuning.Budget,
) -> tuple[tuning.Tuned, list[Candidate]]:
    """Tune the candidates on the fit rows, each setting's threshold on the check rows.

    Returns:
        What `tuning.tune` found, and every setting tried with its threshold added to
        its parameters.
    """
    fit, check = rows
    checked = frame.iloc[check]
    check_periods = len(set(holdout.periods_of(checked, poc=poc).to_numpy()))
    thresholds: list[float] = []

    def validate(pipeline: Pipeline) -> float:
        label, top, known = pipeline[-1].top_choice(
            pipeline[:-1].transform(checked[features])
        )
        threshold, value = best_threshold(
            top[known], label[known] == labels[check][known], kpi=kpi
        )
        thresholds.append(threshold)
        return value / check_periods

    tuned = tuning.tune(
        specs,
        fit_rows=(frame.iloc[fit][features], labels[fit]),
        validate=validate,
        budget=budget,
        seed=seed,
    )
    tried = [
        dataclasses.replace(found, params={**found.params, "threshold": threshold})
        for found, threshold in zip(tuned.tried, thresholds, strict=True)
    ]
    return tuned, tried


def _refit(
    specs: list[CandidateSpec],
    tried: list[Candidate],
    X: pd.DataFrame,
    y: np.ndarray,
    *,
    seed: int,
) -> dict[str, tuple[str, Pipeline]]:
    """Each tried candidate's best setting, refitted on `X`: its full name and model."""
    fitted: dict[str, tuple[str, Pipeline]] = {}
    for spec in specs:
        own = [found for found in tried if found.name == spec.name]
        if not own:
            continue
        best = next((found for found in own if found.chosen), None) or max(
            own, key=lambda found: found.validation_kpi
        )
        params = {k: v for k, v in best.params.items() if k != "threshold"}
        pipeline = spec.build(params, seed)
        pipeline.set_params(route__threshold=best.params["threshold"])
        fitted[spec.name] = (
            f"{spec.name} {_settings(best.params)}",
            pipeline.fit(X, y),
        )
    return fitted


def _candidate_ladder(
    scored: Scored,
    fitted: dict[str, tuple[str, Pipeline]],
    *,
    chosen: str,
    rows: pd.DataFrame,
    actual: np.ndarray,
    periods: np.ndarray,
    kpi: Kpi,
) -> list[Rung]:
    """The baselines' rungs, then every candidate's (the chosen one from `scored`).

    Per real period, as `scored`'s rungs are (`period_scaling`).
    """
    factor = period_scaling.factor(scored.kpi.scaling)
    ladder = [rung for rung in scored.ladder if rung.role != CANDIDATE]
    for name, (full_name, pipeline) in fitted.items():
        if name == chosen:
            rung = next(rung for rung in scored.ladder if rung.role == CANDIDATE)
            ladder.append(dataclasses.replace(rung, name=full_name))
            continue
        decision, top, top_label = _route(pipeline, rows)
        ladder.append(
            Rung(
                name=full_name,
                role=CANDIDATE,
                kpi=value_per_period(row_values(actual, decision, kpi=kpi), periods)
                * factor,
                metrics={
                    **decision_metrics(actual, decision),
                    **model_metrics(actual, top, top_label),
                },
            )
        )
    return ladder


def _baseline_decisions(
    rows: pd.DataFrame, *, model: Pipeline, plan: Baseline, text: str
) -> dict[str, np.ndarray]:
    """Each baseline's decisions: to a person, to the prior, by the keyword router."""
    decisions = {
        "person": np.full(len(rows), PERSON, dtype=object),
        "prior": np.full(len(rows), str(model[-1].majority_), dtype=object),
    }
    if plan.routes:
        router = KeywordRouter(routes=plan.routes).fit(rows[[text]])
        decisions["keywords"] = router.predict(rows[[text]])
    return decisions


def _route(
    model: Pipeline, X: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The router's decisions, top probabilities and likeliest labels for `X`."""
    router = model[-1]
    label, top, known = router.top_choice(model[:-1].transform(X))
    return router.decide(label, top, known), top, label.astype(object)


def _routing_sections(poc: Charter) -> tuple[Kpi, Baseline, str]:
    definition = poc.need("kpi")
    if definition.kind != "routing":
        raise CharterError(
            f"{poc.source}: kpi.kind is {definition.kind!r}; routing needs "
            f"kpi.kind: routing (with value_per_correct and cost_per_wrong)."
        )
    plan = poc.need("baseline")
    if plan.today not in ("keywords", "prior"):
        raise CharterError(
            f"{poc.source}: baseline.today is {plan.today!r}; a router's baseline is "
            f"keywords (baseline.routes) or prior (everything to the most common "
            f"label)."
        )
    if not poc.data.text:
        raise CharterError(
            f"{poc.source}: data.text is missing: a router reads the ticket text from "
            f"the column it names. Add e.g. `text: text` under data."
        )
    return definition, plan, poc.data.text


def _check_columns(frame: pd.DataFrame, *, poc: Charter) -> None:
    data.require_columns(frame, poc=poc)
    gaps = int(frame[poc.data.target].isna().sum())
    if gaps:
        raise DataError(
            f"{_where(poc)}: column {poc.data.target!r} (data.target) is missing for "
            f"{gaps:,} of {len(frame):,} tickets; a router can only be judged on "
            f"tickets whose queue is known. Drop or label them."
        )


def _labels(frame: pd.DataFrame, *, poc: Charter) -> np.ndarray:
    """The target as text, so that it compares with the charter's route labels."""
    return frame[poc.data.target].astype(str).to_numpy(dtype=object)


def _check_labels(labels: np.ndarray, *, poc: Charter) -> None:
    if PERSON in set(labels):
        raise DataError(
            f"{_where(poc)}: column {poc.data.target!r} has a label {PERSON!r}, which "
            f"playbook uses for tickets left to a person. Rename that label."
        )


def _check_routes(plan: Baseline, labels: np.ndarray, *, poc: Charter) -> None:
    known = sorted(set(labels))
    for index, route in enumerate(plan.routes):
        if route.label in known:
            continue
        close = difflib.get_close_matches(route.label, known, n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise CharterError(
            f"{poc.source}: baseline.routes[{index}].label is {route.label!r}, a label "
            f"the data never has in {poc.data.target!r}, so every ticket routed there "
            f"would count as wrong.{hint} Fix the route's label."
        )


def _where(poc: Charter) -> str:
    return str(poc.data.path) if poc.data.path else "the data"


def _settings(params: dict) -> str:
    shown = {
        key: (f"{value:.2f}" if key == "threshold" else f"{value:g}")
        for key, value in params.items()
    }
    return "(" + ", ".join(f"{key}={value}" for key, value in shown.items()) + ")"
