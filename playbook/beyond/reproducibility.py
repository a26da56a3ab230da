"""Stage 7: does stage 4's result reproduce? Proven without repeating stage 4.

Repeating stage 4's comparison (tuning every candidate again) would take as long as
stage 4 itself. Three cheaper checks cover what it proved, each exact:
  1. the saved model scores a seeded sample of the test rows again (`RESCORED_ROWS`;
     all of them when fewer) and its scores, ids included, equal the saved
     `scores/test.csv`'s for those rows to the last digit;
  2. every test row's decisions and values, and the KPI (the seeded bootstrap
     interval included), recomputed by the code stage 4 ran (`top_k.listed`)
     from the SAVED scores of every test row, with no model call, equal the saved
     columns row by row and the KPI stage 4 saved, to the last digit: a saved score
     outside the sample that was changed is caught when it moves a decision, a value
     or the KPI (one that moves none of them leaves stage 4's result as reported);
  3. the chosen model's learner fitted again on stage 4's seeded sample of the
     training rows (`tasks.reproduction`) gives the same sample fingerprint and
     predicts the same, bit for bit: fitting depends only on what the run pins.
Together: the saved predictions are the model's (on the sample), the KPI is the
predictions', and the fit is the seed's. A yes/no task replays its saved scores; the
other tasks score every test row again, as their decisions are not all saved. Beside
them, `scoring_smoke` scores rows through the saved model the way `playbook score`
does (ML Test Score I6).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from playbook.beyond.readiness import ReadinessItem, measured
from playbook.charter.model import Charter
from playbook.core import files, journey
from playbook.core.language import Language
from playbook.core.locale_format import names_listed
from playbook.core.messages import marked, translated
from playbook.errors import PlaybookError
from playbook.serve import saved_model, scoring
from playbook.tasks import reproduction, top_k
from playbook.tasks.kpi import KpiReport
from playbook.tasks.poc_stage import PocEvidence
from playbook.tasks.reproduction import SampleFit

TITLE, REFERENCE = marked("Stage 4's result reproduces"), "ML Test Score I1"
# Test rows the saved model scores again: enough that a model changed in any way
# that matters moves some of their scores, few enough that the re-scoring stays a
# small share of stage 4's time at a million rows (it is 4.8 s for 500,000 rows).
RESCORED_ROWS = 20_000
# The columns of a yes/no model's saved scores that come from the model alone, row
# by row: what the re-scored sample is compared on (decisions depend on all rows).
_RESCORED_COLUMNS = ("id", "model_score")
CONCERN = marked("reproducibility")
KPI_FIELDS = (
    *(marked("baseline"), marked("model"), marked("lift")),
    *(marked("lift_ci_low"), marked("lift_ci_high")),
)


@dataclass(frozen=True)
class Repeated:
    """What stage 7 measured again, to hold against what stage 4 saved.

    Not evidence (it holds tables): the input of `judge`.

    Attributes:
        saved_rows: The scored test rows as stage 4 saved them (`scores/test.csv`).
        rows: The same test rows recomputed: from the saved scores (a yes/no task,
            every column but the id) or scored again by the saved model.
        kpi: The KPI recomputed from `rows`.
        refit: The chosen settings fitted again on stage 4's sample.
        saved_sample: The saved rows of the re-scored sample, in its columns.
        sample: The sample re-scored by the saved model, as written.
        test_rows: How many test rows there are.
    """

    saved_rows: pd.DataFrame
    rows: pd.DataFrame
    kpi: KpiReport
    refit: SampleFit
    saved_sample: pd.DataFrame
    sample: pd.DataFrame
    test_rows: int


def check(
    stage4: PocEvidence | None,
    out_dir: str | Path,
    *,
    poc: Charter,
    held_out: tuple[pd.DataFrame, pd.DataFrame],
    seed: int,
    language: Language = "en",
) -> ReadinessItem:
    """Repeat stage 4's scoring and a sample fit, and judge them against its evidence.

    Args:
        stage4: Stage 4's evidence; None when it did not run.
        out_dir: The run folder (the saved model and `scores/test.csv`).
        poc: The charter.
        held_out: The training and test rows as stage 4 split them
            (`evaluation.held_out`).
        seed: The run's seed.
        language: The language of what is found not to reproduce.
    """
    if stage4 is None:
        return _item(
            translated(language, "stage 4 did not run"),
            translated(
                language,
                "Stage 4 did not run in this run, so there is nothing to reproduce.",
            ),
        )
    try:
        found = repeat(out_dir, poc=poc, held_out=held_out, seed=seed)
    except PlaybookError as error:
        return _item(
            str(error),
            translated(
                language,
                "Stage 7 could not score stage 4's test rows again: %(error)s",
                error=str(error),
            ),
        )
    return judge(stage4, found, language=language)


def repeat(
    out_dir: str | Path,
    *,
    poc: Charter,
    held_out: tuple[pd.DataFrame, pd.DataFrame],
    seed: int,
) -> Repeated:
    """Score a sample with the saved model, recompute the KPI, fit the training sample.

    A yes/no task scores `RESCORED_ROWS` seeded test rows again and recomputes every
    row and the KPI from the saved scores; the other tasks score every test row.

    Raises:
        ModelError: The run has no saved model, or it cannot be read.
        PlaybookError: Stage 4's scored test rows are missing from the run folder.
    """
    train, test = held_out
    model = saved_model.load(journey.artifact(out_dir, journey.MODEL_DIR))
    saved = journey.read_table(out_dir, journey.TEST_SCORES)
    refit = reproduction.sample_fit(
        train,
        model=model.pipeline,
        features=model.features,
        poc=poc,
        task=model.task,
        seed=seed,
    )
    if model.task != "top_k" or len(saved) != len(test):
        # At the saved break-even threshold, as stage 4 listed the test rows.
        again = saved_model.score_labelled(model, test, poc=poc, seed=seed)
        rows = saved_model.as_written(again.rows, poc=poc)
        # Every row was scored again: no sample to compare apart.
        none = rows.iloc[:0]
        return Repeated(saved, rows, again.kpi, refit, none, none, len(test))
    # The saved scores in the model's place (one a test row, in their order): every
    # decision, value and the KPI recomputed by the code stage 4 ran, no model call.
    replayed = top_k.listed(
        test,
        saved["model_score"].to_numpy(dtype=float),
        poc=poc,
        seed=seed,
        threshold=model.contact_threshold,
    )
    rows = files.neutralise_formulas(replayed.rows.drop(columns=[_ID]))
    picked = rescored_positions(len(test), seed=seed)
    chosen = test.iloc[picked]
    rescored = pd.DataFrame(
        {
            _ID: replayed.rows[_ID].to_numpy()[picked],
            "model_score": model.pipeline.predict_proba(chosen[model.features])[:, 1],
        }
    )
    sample = saved_model.as_written(rescored, poc=poc)[list(_RESCORED_COLUMNS)]
    saved_sample = saved.iloc[picked][list(_RESCORED_COLUMNS)].reset_index(drop=True)
    kpi = replayed.report
    return Repeated(saved, rows, kpi, refit, saved_sample, sample, len(test))


_ID = _RESCORED_COLUMNS[0]


def rescored_positions(rows: int, *, seed: int) -> np.ndarray:
    """Seeded positions of the test rows the saved model scores again, in order.

    All of them when there are at most `RESCORED_ROWS`.
    """
    if rows <= RESCORED_ROWS:
        return np.arange(rows)
    picked = np.random.default_rng(seed).choice(rows, RESCORED_ROWS, replace=False)
    return np.sort(picked)


# Over 80 lines: each of the three checks adds its own sentence, and the item says
# them all at once; split apart, the sentences would be joined far from their checks.
def judge(
    stage4: PocEvidence, found: Repeated, *, language: Language = "en"
) -> ReadinessItem:
    """The readiness item: met only when all three checks agree to the last digit.

    Args:
        stage4: Stage 4's evidence as saved (its KPI and its sample fit).
        found: What stage 7 measured again (`repeat`).
        language: The language of what is found not to reproduce.
    """
    saved = found.saved_rows
    if _ID not in found.rows.columns:
        # Recomputed from the saved scores: the ids are compared on the sample.
        saved = saved.drop(columns=[_ID], errors="ignore")
    columns, rows = differences(saved, found.rows)
    sampled, resampled = differences(found.saved_sample, found.sample)
    fields = [
        name
        for name in KPI_FIELDS
        if not _same_number(getattr(stage4.kpi, name), getattr(found.kpi, name))
    ]
    fit_said, fit_problem = _refit(stage4.sample_fit, found.refit, language=language)
    problems = []
    if sampled:
        problems.append(
            translated(
                language,
                "re-scoring %(sample)s of the %(rows)s test rows with the saved model "
                "changes %(changed)s of their saved scores in %(file)s (in "
                "%(columns)s)",
                sample=f"{len(found.sample):,}",
                rows=f"{found.test_rows:,}",
                changed=f"{resampled:,}",
                file=journey.TEST_SCORES,
                columns=names_listed(sampled, language=language),
            )
        )
    if columns:
        problems.append(
            translated(
                language,
                "recomputing the test rows changes %(rows)s of %(saved)s saved rows "
                "of %(file)s (in %(columns)s)",
                rows=f"{rows:,}",
                saved=f"{len(found.saved_rows):,}",
                file=journey.TEST_SCORES,
                columns=names_listed(columns, language=language),
            )
        )
    if fields:
        problems.append(
            translated(
                language,
                "the KPI recomputed from the test rows differs from stage 4's in "
                "%(fields)s",
                fields=_fields_said(fields, language=language),
            )
        )
    if fit_problem:
        problems.append(fit_problem)
    if problems:
        return _item(
            "; ".join(problems),
            translated(
                language,
                "Stage 4's result does not reproduce: %(problems)s. It depends on "
                "something the run does not pin (a changed file, an unseeded choice).",
                problems="; ".join(problems),
            ),
        )
    rescored = (
        _ALL_RESCORED
        if _ID in found.rows.columns
        else _SAMPLE_RESCORED
        if len(found.sample) < found.test_rows
        else _EVERY_ROW_RESCORED
    )
    evidence = translated(
        language,
        rescored,
        sample=f"{len(found.sample):,}",
        rows=f"{found.test_rows:,}",
        columns=len(found.saved_rows.columns),
        file=journey.TEST_SCORES,
        fields=_fields_said(KPI_FIELDS, language=language),
        lift=f"{found.kpi.lift:,.2f}",
        fit=fit_said,
    )
    return measured(TITLE, REFERENCE, evidence=evidence, concern=CONCERN, problem=None)


# What the check proved: every test row scored again (a task whose decisions are not
# all saved), or a seeded sample of them and the rest recomputed from saved scores.
_ALL_RESCORED = marked(
    "scored all %(rows)s test rows again with the saved model: all %(columns)s "
    "columns of %(file)s equal, row by row; the KPI recomputed from them equals "
    "stage 4's to the last digit (%(fields)s; lift %(lift)s); %(fit)s"
)
_SAMPLE_RESCORED = marked(
    "re-scored a seeded sample of %(sample)s of the %(rows)s test rows with the saved "
    "model: ids and scores identical to %(file)s; recomputed from the saved scores "
    "of every test row, all %(columns)s columns of %(file)s equal, row by row, and "
    "the KPI equals stage 4's to the last digit (%(fields)s; lift %(lift)s); %(fit)s"
)

_EVERY_ROW_RESCORED = marked(
    "re-scored all %(sample)s test rows with the saved model: ids and scores "
    "identical to %(file)s; recomputed from the saved scores, all %(columns)s "
    "columns of %(file)s equal, row by row, and the KPI equals stage 4's to the last "
    "digit (%(fields)s; lift %(lift)s); %(fit)s"
)


def differences(saved: pd.DataFrame, again: pd.DataFrame) -> tuple[list[str], int]:
    """The columns in which two scored tables differ, and how many rows differ.

    Numbers are compared exactly (NaN equal to NaN); other values as text, since a
    CSV file reads back a label "1" as the number 1. A column one table lacks, or a
    different number of rows, counts every row as changed.
    """
    names = [*again.columns, *(c for c in saved.columns if c not in again.columns)]
    if len(saved) != len(again):
        return names, max(len(saved), len(again))
    changed = np.zeros(len(saved), dtype=bool)
    differ = []
    for name in names:
        if name not in saved.columns or name not in again.columns:
            same = np.zeros(len(saved), dtype=bool)
        else:
            same = _same_values(saved[name], again[name])
        if not same.all():
            differ.append(name)
            changed |= ~same
    return differ, int(changed.sum())


def _same_values(left: pd.Series, right: pd.Series) -> np.ndarray:
    integer, numeric = pd.api.types.is_integer_dtype, pd.api.types.is_numeric_dtype
    if integer(left) and integer(right):
        # Exactly: as floats, integers beyond 2**53 that differ by one compare equal.
        return left.to_numpy() == right.to_numpy()
    if numeric(left) and numeric(right):
        a, b = left.to_numpy(dtype=float), right.to_numpy(dtype=float)
        return (a == b) | (np.isnan(a) & np.isnan(b))
    return left.astype(str).to_numpy() == right.astype(str).to_numpy()


def _same_number(first: float, again: float) -> bool:
    return first == again or (math.isnan(first) and math.isnan(again))


def _refit(
    first: SampleFit | None, again: SampleFit, *, language: Language
) -> tuple[str, str | None]:
    """What the sample fit showed, and the problem it found (None when none)."""
    if first is None:
        return (
            translated(
                language,
                "stage 4 recorded no sample fit, so the fit itself was not repeated",
            ),
            None,
        )
    if first.sample_sha256 != again.sample_sha256:
        return "", translated(
            language,
            "the seeded sample of %(rows)s training rows is not the one stage 4 "
            "fitted (its fingerprint differs): the training rows or the seed changed",
            rows=f"{again.rows:,}",
        )
    if first.predictions_sha256 is None or again.predictions_sha256 is None:
        # A fit that failed must fail again, the same way: a sample stage 4 could not
        # fit and stage 7 can (or the reverse) is a result that does not reproduce.
        if (first.problem, first.predictions_sha256) != (
            again.problem,
            again.predictions_sha256,
        ):
            return "", translated(
                language,
                "stage 4's sample fit %(first)s, stage 7's %(again)s",
                first=_fit_said(first, language=language),
                again=_fit_said(again, language=language),
            )
        return (
            translated(
                language,
                "the same %(rows)s-row training sample (sha256 %(sha)s) could not be "
                "fitted in stage 4 nor here (%(problem)s), so the fit itself was not "
                "compared",
                rows=f"{first.rows:,}",
                sha=first.sample_sha256[:12],
                problem=first.problem,
            ),
            None,
        )
    if first.predictions_sha256 != again.predictions_sha256:
        return "", translated(
            language,
            "the chosen settings fitted again on stage 4's %(rows)s-row training "
            "sample predict differently",
            rows=f"{first.rows:,}",
        )
    return (
        translated(
            language,
            "the chosen settings (%(learner)s) fitted again on stage 4's "
            "%(rows)s-row training sample (sha256 %(sample)s) predict the same, bit "
            "for bit (sha256 %(predictions)s)",
            learner=first.learner,
            rows=f"{first.rows:,}",
            sample=first.sample_sha256[:12],
            predictions=first.predictions_sha256[:12],
        ),
        None,
    )


def _fit_said(fit: SampleFit, *, language: Language) -> str:
    if fit.predictions_sha256 is None:
        return translated(language, "failed (%(problem)s)", problem=fit.problem)
    return translated(
        language,
        "succeeded (predictions sha256 %(sha)s)",
        sha=fit.predictions_sha256[:12],
    )


def _item(evidence: str, problem: str) -> ReadinessItem:
    return measured(
        TITLE, REFERENCE, evidence=evidence, concern=CONCERN, problem=problem
    )


def scoring_smoke(
    model_dir: Path, rows: pd.DataFrame, *, source: str, language: Language = "en"
) -> ReadinessItem:
    """Score rows through the saved model the way `playbook score` does.

    Args:
        model_dir: The saved model's folder.
        rows: The rows to score.
        source: Which rows they are, for the evidence ("the fresh batch"), in
            `language`.
        language: The language of the evidence and of the problem found.
    """
    text, reference = marked("The scoring entry point works"), "ML Test Score I6"
    concern = marked("the scoring entry point")
    try:
        model = saved_model.load(model_dir)
        scores = scoring.score_frame(model, rows)
    except PlaybookError as error:
        return measured(
            text,
            reference,
            evidence=str(error),
            concern=concern,
            problem=translated(
                language,
                "The saved model could not score %(source)s: %(error)s",
                source=source,
                error=str(error),
            ),
        )
    ok = len(scores) == len(rows) and _sound(scores, model.task)
    acted = scoring.acted_on(scores, model.task)
    scored = (
        marked("scored %(rows)s rows of %(source)s; %(acted)s on the list to act on")
        if model.task == "top_k"
        else marked("scored %(rows)s rows of %(source)s; %(acted)s decided")
    )
    evidence = translated(
        language,
        scored,
        rows=f"{len(scores):,}",
        source=source,
        acted=f"{acted:,}",
    )
    problem = (
        None
        if ok
        else translated(
            language,
            "The saved model scored %(source)s, but its scores are not sound "
            "(%(evidence)s).",
            source=source,
            evidence=evidence,
        )
    )
    return measured(
        text, reference, evidence=evidence, concern=concern, problem=problem
    )


def _sound(scores: pd.DataFrame, task: str) -> bool:
    """Whether scores look like what the task writes: probabilities, numbers, routes."""
    if task == "top_k":
        return bool(scores["probability"].between(0, 1).all())
    if task == "forecast":
        return bool(np.isfinite(scores["forecast"].to_numpy(dtype=float)).all())
    return bool(scores["route"].notna().all())


def _fields_said(fields: Iterable[str], *, language: Language) -> str:
    """The KPI's fields by the names the reader's pages give them."""
    return names_listed(
        (translated(language, field) for field in fields), language=language
    )
