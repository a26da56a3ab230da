"""Stage 5: tomorrow's data: the fresh batch, its contract record, monitoring limits."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from playbook import data
from playbook.charter.model import Charter
from playbook.core import journey
from playbook.core.language import Language
from playbook.core.locale_format import format_money, names_listed, per_period
from playbook.core.messages import marked, translated
from playbook.data import contracts, labels, time_column
from playbook.data.contracts import ContractReport
from playbook.errors import ModelError
from playbook.serve import saved_model, scoring
from playbook.tasks.kpi import KpiReport, lift_summary


@dataclass(frozen=True)
class FreshBatch:
    """The later data the model is checked on, and where it came from."""

    rows: pd.DataFrame
    source: str
    sha256: str | None
    labelled: bool


@dataclass(frozen=True)
class ColumnRecord:
    """One column of the data contract record."""

    name: str
    dtype: str
    missing_share: float
    distinct: int


@dataclass(frozen=True)
class ContractRecord:
    """What the fresh batch looked like when it was checked: schema and fingerprint."""

    source: str
    sha256: str | None
    rows: int
    columns: list[ColumnRecord]
    suite: str
    expectations: int
    failed: int


@dataclass(frozen=True)
class Threshold:
    """A proposed monitoring threshold and what it was based on."""

    watch: str
    feature: str
    warning: str
    alert: str
    basis: str


# The thresholds table's columns, which a page heads in its reader's language.
THRESHOLD_COLUMNS = (
    marked("watch"),
    marked("feature"),
    marked("warning"),
    marked("alert"),
    marked("basis"),
)


def fresh_batch(poc: Charter) -> FreshBatch | None:
    """The charter's fresh batch (`data.fresh`); None when the charter names none.

    Without one there is no later data: the test rows are not later than the rows
    the POC judged the model on, so they never stand in for a fresh batch.

    Raises:
        DataError: The fresh file is missing, unreadable or empty.
    """
    if poc.data.fresh is None:
        return None
    rows = data.load(
        poc.data.fresh, encoding=poc.data.encoding, delimiter=poc.data.delimiter
    )
    # Judged, scored and compared with the training rows as those are: redacted.
    rows = data.redaction.redact(rows, poc=poc)
    return FreshBatch(
        rows=rows,
        source=f"{poc.data.fresh.name} (data.fresh)",
        sha256=data.sha256(poc.data.fresh),
        labelled=poc.data.target in rows.columns,
    )


# Fewer same-season training rows than this make a poor reference: use them all.
_MIN_SEASON_ROWS = 200


def drift_reference(
    train: pd.DataFrame,
    batch: FreshBatch,
    *,
    poc: Charter,
    periods: int,
    language: Language = "en",
) -> tuple[pd.DataFrame, str]:
    """The training rows the fresh batch's features are compared with, and their name.

    A forecast's features follow the seasons (temperature, holidays): a winter batch
    against two whole years of training shifts every time. So a forecast's batch is
    compared with the training rows of the same calendar months; other tasks with all
    training rows.
    """
    everything = (
        train,
        translated(language, "the %(periods)s training periods", periods=periods),
    )
    kpi, time = poc.kpi, poc.data.time
    if kpi is None or kpi.kind != "forecast" or not time or time not in batch.rows:
        return everything
    months = time_column.parse(batch.rows, poc=poc).when.dt.month
    trained = time_column.parse(train, poc=poc).when.dt.month
    same = train[trained.isin(set(months)).to_numpy()]
    if len(same) < _MIN_SEASON_ROWS:
        return everything
    numbers = sorted({int(m) for m in set(months)})
    names = (
        [f"{m}월" for m in numbers]
        if language == "ko"
        else sorted(dt.date(2000, m, 1).strftime("%b") for m in numbers)
    )
    return same, translated(
        language,
        "the training rows of the same months (%(months)s)",
        months=", ".join(names),
    )


def fresh_suite(
    suite: contracts.Suite, *, batch: FreshBatch, target: str
) -> contracts.Suite:
    """The data contract as it applies to the fresh batch.

    Unlabelled data cannot meet the label's expectations: they are left out, nothing
    else.
    """
    return suite if batch.labelled else scoring.label_free(suite, target)


# Why the fresh batch has no KPI: what the stage-5 summary says in its place.
# Why the fresh batch was not judged; pages say them with `translated`.
NO_FRESH = marked("not run: no fresh batch (the charter sets no data.fresh)")
NO_LABELS = marked("the fresh batch has no labels yet")
NO_MODEL = marked("stage 4 did not save a model in this run")


@dataclass(frozen=True)
class FreshScore:
    """The model and today's baseline on the fresh batch, or why they were not."""

    kpi: KpiReport | None
    rows: pd.DataFrame | None
    summary: str


def score_fresh(
    batch: FreshBatch | None,
    *,
    out_dir: str | Path,
    poc: Charter,
    seed: int,
    earlier: pd.DataFrame | None = None,
) -> FreshScore:
    """Score the fresh batch with stage 4's saved model and compare it with today's.

    Args:
        batch: The fresh batch; None when the charter names none.
        out_dir: The run folder (stage 4's saved model).
        poc: The charter.
        seed: Seed for the bootstrap.
        earlier: The data before the batch. A forecast reads its lags from it, so the
            batch's first days are judged with the history they would have had.
    """
    if batch is None:
        return FreshScore(None, None, NO_FRESH)
    if not batch.labelled:
        return FreshScore(None, None, NO_LABELS)
    try:
        model = saved_model.load(journey.artifact(out_dir, journey.MODEL_DIR))
    except ModelError:
        return FreshScore(None, None, NO_MODEL)
    rows = batch.rows
    if labels.ranks_one_outcome(poc):
        # A row still waiting for its outcome is not a "did not happen": as in
        # stage 4, it is left out of the KPI.
        absent = labels.missing(rows, poc=poc).to_numpy()
        if absent.all():
            return FreshScore(None, None, NO_LABELS)
        rows = rows[~absent].reset_index(drop=True)
    if model.task == "forecast" and earlier is not None:
        from playbook.tasks import forecast

        rows = forecast.after_history(rows, earlier=earlier, poc=poc, within=False)
    scored = saved_model.score_labelled(model, rows, poc=poc, seed=seed)
    return FreshScore(scored.kpi, scored.rows, lift_summary(scored.kpi))


def contract_record(batch: FreshBatch, *, contract: ContractReport) -> ContractRecord:
    """The fresh batch's schema, size and fingerprint, with its contract result."""
    return ContractRecord(
        source=batch.source,
        sha256=batch.sha256,
        rows=len(batch.rows),
        columns=[
            ColumnRecord(
                name=str(column),
                dtype=str(batch.rows[column].dtype),
                missing_share=float(batch.rows[column].isna().mean()),
                distinct=int(batch.rows[column].nunique(dropna=True)),
            )
            for column in batch.rows.columns
        ],
        suite=contract.suite,
        expectations=contract.evaluated,
        failed=contract.failed,
    )


def propose_thresholds(
    train: pd.DataFrame,
    *,
    features: list[str],
    poc: Charter,
    baseline_kpi: float | None,
) -> list[Threshold]:
    """Monitoring thresholds proposed from the training data and the charter.

    Every feature: the charter's PSI and distance thresholds, for a move that is also
    more than sampling noise at the KPI's confidence (see `drift`). Numbers: a value
    outside the training
    data's 0.5-99.5% range is a warning. Missing values: more than 2 points above the
    training share is a warning, 5 points an alert. The KPI: worse than today's
    baseline per period is an alert. These are proposals for a person to review, not
    measured facts; they are written in the charter's language (`report.language`).
    """
    settings = poc.need("drift")
    kpi = poc.need("kpi")
    language = poc.language
    proposals = [
        Threshold(
            watch="PSI",
            feature=translated(language, "every feature"),
            warning=f"PSI {settings.psi_warning:g}",
            alert=translated(
                language,
                "PSI %(psi)s, or KS distance %(ks)s for numbers",
                psi=f"{settings.psi_alert:g}",
                ks=f"{settings.ks_alert:g}",
            ),
            basis=translated(
                language,
                "charter drift thresholds, for a move larger than sampling noise at "
                "%(confidence)s (Holm's correction across %(features)s features)",
                confidence=f"{kpi.confidence:.0%}",
                features=len(features),
            ),
        )
    ]
    complete = []
    for feature in features:
        column = train[feature]
        missing = float(column.isna().mean())
        if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(
            column
        ):
            low, high = np.nanpercentile(column.to_numpy(dtype=float), [0.5, 99.5])
            proposals.append(
                Threshold(
                    watch=translated(language, "range"),
                    feature=feature,
                    warning=translated(
                        language,
                        "values outside %(low)s to %(high)s",
                        low=_number(low),
                        high=_number(high),
                    ),
                    alert=translated(
                        language,
                        "more than %(share)s of a batch outside that range",
                        share="1%",
                    ),
                    basis=translated(
                        language, "%(range)s of the training rows", range="0.5-99.5%"
                    ),
                )
            )
        if missing:
            proposals.append(_missing(feature, missing, language=language))
        else:
            complete.append(feature)
    if complete:
        named = names_listed(complete, language=language)
        proposals.append(_missing(named, 0.0, language=language))
    if baseline_kpi is not None:
        proposals.append(_kpi_threshold(poc, baseline_kpi=baseline_kpi))
    return proposals


def _kpi_threshold(poc: Charter, *, baseline_kpi: float) -> Threshold:
    kpi, language = poc.need("kpi"), poc.language
    # A value must stay above today's; a cost (a forecast's errors) below it.
    worse, margin = (
        (marked("below %(amount)s"), 1.1)
        if kpi.kind != "forecast"
        else (marked("above %(amount)s"), 0.9)
    )

    def amount(value: float) -> str:
        if language == "en":
            return f"{value:,.0f} {kpi.unit} per {kpi.period}"
        money = format_money(value, kpi.unit, language=language, digits=0)
        return per_period(money, kpi.period, language=language)

    return Threshold(
        watch="KPI",
        feature=kpi.name,
        warning=translated(language, worse, amount=amount(baseline_kpi * margin)),
        alert=translated(language, worse, amount=amount(baseline_kpi)),
        basis=translated(
            language, "today's baseline on the test periods: past it, the model loses"
        ),
    )


def _missing(feature: str, share: float, *, language: Language) -> Threshold:
    return Threshold(
        watch=translated(language, "missing values"),
        feature=feature,
        warning=translated(
            language, "more than %(share)s missing", share=f"{share + 0.02:.1%}"
        ),
        alert=translated(
            language, "more than %(share)s missing", share=f"{share + 0.05:.1%}"
        ),
        basis=translated(
            language, "%(share)s missing in training", share=f"{share:.1%}"
        ),
    )


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
