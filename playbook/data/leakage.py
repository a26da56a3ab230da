"""Find columns that leak the target: known only after the outcome, or ids.

A model trained with a leaking column looks brilliant in the POC and fails in
production, where the column is not known yet when the prediction is needed. The checks
look at the data only; nobody tells them which columns leak:

- **predicts alone**: the column on its own orders the target almost perfectly
  (AUC for a yes/no target, concordance for a quantity; 0.5 is chance, 1 perfect);
- **pure value**: one value of the column (or one range of it, or its being missing)
  comes with the rare outcome every time, e.g. a failure-mode flag;
- **adds up to the target**: two columns sum (or differ) to the target on every row;
- **dated after the row's time**: a date column lies after the row's time column;
- **id-like**: a different value on every row (a row number or a key);
- **dominates the model** (warning only, `deep=True`, yes/no targets): shuffling the
  column costs a model as much as shuffling all other columns together, which is how
  a field recorded during or after the outcome (a call's duration) usually shows.

Blocking findings keep the column out of the model unless the charter lists it in
`data.allow_leaks`; warnings are shown for a person to judge. The cheap checks run on an
evenly spaced sample, so every stage can call them.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from playbook.charter.model import Charter
from playbook.data import leak_screen
from playbook.data.frame import as_dates, looks_like_dates, target_kind

BLOCKING, WARNING = "blocking", "warning"
SAMPLE_ROWS = 50_000
"""Rows (evenly spaced) the checks look at."""
MODEL_ROWS = 20_000
"""Rows (evenly spaced) of the model the dominance check shuffles columns in."""
ALONE_BLOCK, ALONE_WARN = 0.98, 0.90
"""AUC or concordance of one column alone that blocks it / that is worth a look."""
PURE_SHARE, PURE_MIN_ROWS, PURE_MIN_COVER = 0.99, 20, 0.01
"""A value is pure when at least 99% of its (20 or more) rows have the rare outcome,
and it holds at least 1% of the rare outcome's rows."""
SUM_SHARE = 0.99
"""Share of rows on which two columns must add up to the target."""
AFTER_BLOCK, AFTER_WARN = 0.5, 0.05
"""Share of rows whose date lies after the row's time period."""
ID_DISTINCT, ID_MIN_ROWS = 0.99, 50
"""A column is id-like when 99% of its values differ (with at least 50 values)."""
DOMINANT_SHARE, DOMINANT_LOSS = 0.5, 0.05
"""A column dominates when shuffling it costs the model at least 0.05 and at least
half of what shuffling each column costs, added up."""
_BINS = 20
_MODEL_ITERATIONS = 60


@dataclass(frozen=True)
class LeakFinding:
    """One column that may leak the target, with the evidence and what follows."""

    column: str
    check: str
    level: str
    evidence: str
    allowed: bool = False

    @property
    def excluded(self) -> bool:
        """Whether the finding keeps the column out of the model."""
        return self.level == BLOCKING and not self.allowed


@dataclass(frozen=True)
class ColumnSignal:
    """How much one column tells about the target, alone and inside a model."""

    column: str
    alone: float
    model_loss: float | None = None


@dataclass(frozen=True)
class LeakageReport:
    """What the leakage checks found."""

    target: str
    target_kind: str
    measure: str
    rows_checked: int
    findings: list[LeakFinding] = field(default_factory=list)
    signals: list[ColumnSignal] = field(default_factory=list)

    @property
    def excluded(self) -> list[str]:
        """Columns the findings keep out of the model, in the frame's order."""
        return list(dict.fromkeys(f.column for f in self.findings if f.excluded))

    @property
    def warnings(self) -> list[LeakFinding]:
        """Findings for a person to judge; they keep nothing out of the model."""
        return [finding for finding in self.findings if finding.level == WARNING]


def scan(
    frame: pd.DataFrame,
    *,
    poc: Charter,
    skip: Iterable[str] = (),
    deep: bool = False,
    seed: int = 0,
) -> LeakageReport:
    """Run the leakage checks on every column but the target, id, time and text.

    A free-text column (`data.text`, what a router reads) is unique per row by nature;
    it is the input, not a key or a leak.

    Args:
        frame: The data.
        poc: The charter: target, positive label, id, time, period and
            `data.allow_leaks`.
        skip: Columns not to look at (personal data, which stays out anyway).
        deep: Also fit a small model and shuffle each column in it (the dominance
            check): seconds rather than a fraction of one; stage 3 does it.
        seed: Seed of the model and of the shuffles.

    Returns:
        The findings, blocking ones first, and each column's signal.
    """
    # Long: one pass over the columns in a fixed order of checks (ids, time, alone,
    # deep); splitting it would pass the same half-built report between four functions.
    data = poc.data
    rows = frame[frame[data.target].notna()]
    sample = _spaced(rows, SAMPLE_ROWS)
    kind = target_kind(sample[data.target])
    target = _target_values(
        sample[data.target], kind=kind, positive=data.positive_label
    )
    label = _positive_value(sample[data.target], positive=data.positive_label)
    skipped = {data.target, data.id, data.time, data.text, *skip}
    columns = [column for column in frame.columns if column not in skipped]
    allowed = set(data.allow_leaks)
    findings: list[LeakFinding] = []
    signals: dict[str, float] = {}

    def found(column: str, check: str, level: str, evidence: str) -> None:
        findings.append(
            LeakFinding(str(column), check, level, evidence, column in allowed)
        )

    # A yes/no target's plain number columns are scored together first; the loop
    # checks one by one only the rest and those the screen could not clear.
    quick = (
        leak_screen.screen(
            sample,
            target,
            columns=columns,
            warn_at=ALONE_WARN,
            pure_share=PURE_SHARE,
            pure_min_rows=PURE_MIN_ROWS,
            pure_min_cover=PURE_MIN_COVER,
            id_distinct=ID_DISTINCT,
            id_min_rows=ID_MIN_ROWS,
        )
        if kind == "classes"
        else None
    )
    for column in columns:
        if quick is not None and column in quick.alone:
            signals[column] = quick.alone[column]
            continue
        series = sample[column]
        if series.notna().sum() == 0:
            continue
        if _id_like(series):
            found(column, "id-like", BLOCKING, _id_evidence(series, len(sample)))
            continue
        alone = _alone(series, target, kind=kind)
        signals[column] = alone
        measure = "AUC" if kind == "classes" else "concordance"
        if alone >= ALONE_WARN:
            found(
                column,
                "predicts alone",
                BLOCKING if alone >= ALONE_BLOCK else WARNING,
                f"alone it predicts {data.target} with {measure} {alone:.3f} "
                f"(1 is perfect, 0.5 is chance)",
            )
        if kind == "classes":
            pure = _pure_value(
                series, target, column=column, outcome=f"{data.target} = {label}"
            )
            if pure:
                found(column, "pure value", BLOCKING, pure)
    if kind == "quantity":
        for columns_pair, evidence in _sums(
            sample, target, columns=columns, name=data.target
        ):
            for column in columns_pair:
                found(column, "adds up to the target", BLOCKING, evidence)
    if data.time:
        period = poc.kpi.period if poc.kpi else "day"
        for column, share, evidence in _after_time(
            sample, columns=columns, time=data.time, period=period
        ):
            level = BLOCKING if share >= AFTER_BLOCK else WARNING
            found(column, "dated after the row's time", level, evidence)
    losses: dict[str, float] = {}
    # For a quantity over time the calendar (hour, weekday) rightly dominates a model;
    # the sum and predicts-alone checks cover that case.
    if deep and kind == "classes":
        blocked = {f.column for f in findings if f.level == BLOCKING}
        usable = [c for c in columns if c in signals and c not in blocked]
        losses = _model_losses(
            _spaced(rows, MODEL_ROWS),
            usable,
            target=data.target,
            kind=kind,
            positive=data.positive_label,
            seed=seed,
        )
        dominant = _dominant(losses)
        if dominant:
            column, loss, share, runner_up = dominant
            found(
                column,
                "dominates the model",
                WARNING,
                f"shuffling it costs a model {loss:.2f} "
                f"{'AUC' if kind == 'classes' else 'concordance'}, {share:.0%} of what "
                f"shuffling each column costs added up (next: {runner_up}). A column "
                f"this strong is often recorded during or after the outcome: check "
                f"when its value becomes known",
            )
    # A warning on a column that another check blocks adds nothing.
    blocked = {f.column for f in findings if f.level == BLOCKING}
    findings = [f for f in findings if f.level == BLOCKING or f.column not in blocked]
    order = {BLOCKING: 0, WARNING: 1}
    findings.sort(key=lambda f: (order[f.level], columns.index(f.column)))
    return LeakageReport(
        target=str(data.target),
        target_kind=kind,
        measure="AUC" if kind == "classes" else "concordance",
        rows_checked=len(sample),
        findings=findings,
        signals=[
            ColumnSignal(str(column), round(alone, 4), losses.get(column))
            for column, alone in sorted(signals.items(), key=lambda item: -item[1])
        ],
    )


# --- the checks ----------------------------------------------------------------------


def _spaced(frame: pd.DataFrame, limit: int) -> pd.DataFrame:
    """Evenly spaced rows, so a sample needs no seed and keeps the time spread."""
    if len(frame) <= limit:
        return frame
    return frame.iloc[:: -(-len(frame) // limit)]


def _target_values(target: pd.Series, *, kind: str, positive: object) -> np.ndarray:
    if kind == "quantity":
        return target.to_numpy(dtype=float)
    values = target.to_numpy()
    if positive in set(target.unique()):
        return values == positive
    # The positive label is checked elsewhere; use the rarer value meanwhile.
    rare = target.value_counts().index[-1]
    return values == rare


def _positive_value(target: pd.Series, *, positive: object) -> object:
    """The value `_target_values` treats as the positive outcome."""
    if positive in set(target.dropna().unique()):
        return positive
    return target.value_counts().index[-1]


def _is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(
        series
    )


def _is_text(series: pd.Series) -> bool:
    return pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series)


def _id_like(series: pd.Series) -> bool:
    values = series.dropna()
    if len(values) < ID_MIN_ROWS:
        return False
    if not (pd.api.types.is_integer_dtype(values) or _is_text(values)):
        return False
    return values.nunique() >= ID_DISTINCT * len(values)


def _id_evidence(series: pd.Series, rows: int) -> str:
    values = series.dropna()
    text = f"{values.nunique():,} different values in {rows:,} rows"
    if pd.api.types.is_integer_dtype(values):
        steps = np.diff(values.to_numpy())
        if len(steps) and (steps > 0).all():
            text += f", counting up from {values.iloc[0]:,} in row order"
    return text + ": a row number or a key, which says nothing that carries over"


def _codes(series: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Bin codes for a column (-1 for missing) and a label for each bin."""
    present = series.notna().to_numpy()
    if _is_numeric(series) and series.nunique() > _BINS:
        binned, edges = pd.qcut(
            series, _BINS, labels=False, retbins=True, duplicates="drop"
        )
        codes = np.where(present, binned.fillna(-1).to_numpy(), -1).astype(int)
        labels = [
            f"between {_short(low)} and {_short(high)}"
            for low, high in itertools.pairwise(edges)
        ]
        return codes, labels
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    return codes.astype(int), [f"= {value}" for value in uniques]


def _alone(series: pd.Series, target: np.ndarray, *, kind: str) -> float:
    """The better of: the column's bins (out of fold), and its raw order if a number."""
    codes, _ = _codes(series)
    scores = [_concordance(_out_of_fold(codes, target), target, kind=kind)]
    if _is_numeric(series):
        present = series.notna().to_numpy()
        if present.sum() > 1:
            scores.append(
                _concordance(
                    series.to_numpy(dtype=float)[present], target[present], kind=kind
                )
            )
    return float(max(scores))


def _out_of_fold(codes: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Each row's bin mean of the target, learnt on the other half of the rows."""
    values = target.astype(float)
    fold = np.arange(len(codes)) % 2
    encoded = np.empty(len(codes))
    shift = codes + 1  # missing (-1) becomes bin 0
    size = shift.max() + 1
    for part in (0, 1):
        learn, apply = fold != part, fold == part
        sums = np.bincount(shift[learn], weights=values[learn], minlength=size)
        counts = np.bincount(shift[learn], minlength=size)
        overall = values[learn].mean() if learn.any() else 0.0
        means = np.where(counts > 0, sums / np.maximum(counts, 1), overall)
        encoded[apply] = means[shift[apply]]
    return encoded


def _concordance(score: np.ndarray, target: np.ndarray, *, kind: str) -> float:
    """AUC for yes/no, (1 + Kendall's tau) / 2 for a quantity; folded above 0.5."""
    if len(score) < 2:
        return 0.5
    if kind == "classes":
        from sklearn.metrics import roc_auc_score

        if target.all() or not target.any():
            return 0.5
        value = roc_auc_score(target, score)
    else:
        from scipy.stats import kendalltau

        tau = kendalltau(score, target).statistic
        value = 0.5 if np.isnan(tau) else (1 + tau) / 2
    return float(max(value, 1 - value))


def _pure_value(
    series: pd.Series, target: np.ndarray, *, column: str, outcome: str
) -> str | None:
    rare_is_positive = target.mean() <= 0.5
    rare = target if rare_is_positive else ~target
    if rare.sum() == 0:
        return None
    codes, labels = _codes(series)
    shift = codes + 1
    rows = np.bincount(shift)
    hits = np.bincount(shift, weights=rare.astype(float), minlength=len(rows))
    best = None
    for code in np.flatnonzero(rows >= PURE_MIN_ROWS):
        share = hits[code] / rows[code]
        if (
            share >= PURE_SHARE
            and hits[code] >= PURE_MIN_COVER * rare.sum()
            and rows[code] < 0.5 * len(target)
            and (best is None or hits[code] > hits[best])
        ):
            best = code
    if best is None:
        return None
    where = "is missing" if best == 0 else labels[best - 1]
    if not rare_is_positive:
        outcome = outcome.replace(" = ", " other than ", 1)
    share = hits[best] / rows[best]
    return (
        f"when {column} {where} ({int(rows[best]):,} rows), {share:.0%} have "
        f"{outcome}, against {rare.mean():.1%} of all rows: the value is probably "
        f"recorded with the outcome"
    )


def _sums(
    sample: pd.DataFrame, target: np.ndarray, *, columns: list[str], name: str
) -> list[tuple[tuple[str, str], str]]:
    numeric = [c for c in columns if _is_numeric(sample[c])]
    values = {c: sample[c].to_numpy(dtype=float) for c in numeric}
    tolerance = 1e-9 * max(1.0, float(np.nanmax(np.abs(target))))
    found = []
    for first, second in itertools.combinations(numeric, 2):
        a, b = values[first], values[second]
        for sign, word in ((1, "+"), (-1, "-")):
            close = np.abs(a + sign * b - target) <= tolerance
            share = close.mean()
            if share >= SUM_SHARE:
                found.append(
                    (
                        (first, second),
                        f"{first} {word} {second} equals {name} on {share:.1%} of "
                        f"rows: together they are the target, not a predictor of it",
                    )
                )
    return found


def _after_time(
    sample: pd.DataFrame, *, columns: list[str], time: str, period: str
) -> list[tuple[str, float, str]]:
    times = as_dates(sample[time])
    if times.isna().all():
        return []
    ends = times.dt.to_period(
        {"day": "D", "week": "W", "month": "M", "quarter": "Q"}[period]
    ).dt.end_time
    found = []
    for column in columns:
        if not looks_like_dates(sample[column]):
            continue
        dates = as_dates(sample[column])
        both = dates.notna() & ends.notna()
        if not both.any():
            continue
        after = (dates[both] > ends[both]).to_numpy()
        share = float(after.mean())
        if share >= AFTER_WARN:
            example = int(np.flatnonzero(after)[0]) if after.any() else 0
            found.append(
                (
                    column,
                    share,
                    f"{share:.0%} of its dates lie after the {period} of {time} "
                    f"(e.g. {dates[both].iloc[example]:%Y-%m-%d} for "
                    f"{times[both].iloc[example]:%Y-%m-%d}): it was recorded after "
                    f"the moment the prediction is made",
                )
            )
    return found


def _model_losses(
    sample: pd.DataFrame,
    columns: list[str],
    *,
    target: str,
    kind: str,
    positive: object,
    seed: int,
) -> dict[str, float]:
    """How much shuffling each column costs a small gradient-boosted model."""
    from sklearn.ensemble import (
        HistGradientBoostingClassifier,
        HistGradientBoostingRegressor,
    )
    from threadpoolctl import threadpool_limits

    if len(columns) < 2 or len(sample) < 200:
        return {}
    y = _target_values(sample[target], kind=kind, positive=positive)
    features, categorical = [], []
    for column in columns:
        series = sample[column]
        if _is_numeric(series) or pd.api.types.is_bool_dtype(series):
            features.append(series.to_numpy(dtype=float, na_value=np.nan))
            categorical.append(False)
        else:
            codes, uniques = pd.factorize(series, use_na_sentinel=True)
            features.append(np.where(codes < 0, np.nan, codes).astype(float))
            categorical.append(len(uniques) <= 250)
    matrix = np.column_stack(features)
    learn = np.arange(len(sample)) % 2 == 0
    test = ~learn
    if kind == "classes" and (y[learn].all() or not y[learn].any()):
        return {}
    model_class = (
        HistGradientBoostingClassifier
        if kind == "classes"
        else HistGradientBoostingRegressor
    )
    model = model_class(
        max_iter=_MODEL_ITERATIONS,
        categorical_features=np.array(categorical),
        early_stopping=False,
        random_state=seed,
    )
    rng = np.random.default_rng(seed)

    def score(x: np.ndarray) -> float:
        if kind == "classes":
            return _concordance(model.predict_proba(x)[:, 1], y[test], kind=kind)
        return _concordance(model.predict(x), y[test], kind=kind)

    # One thread: on a busy machine OpenMP's spinning threads slow this tenfold.
    with threadpool_limits(limits=1, user_api="openmp"):
        model.fit(matrix[learn], y[learn])
        tested = matrix[test]
        base = score(tested)
        read = _split_columns(model, width=len(columns))
        losses = {}
        for position, column in enumerate(columns):
            # Every column's shuffle is drawn, so each gets the same one as ever.
            shuffled = rng.permutation(tested[:, position])
            if not read[position]:
                # No tree splits on it: the predictions cannot change, the loss is 0.
                losses[column] = 0.0
                continue
            kept = tested[:, position].copy()
            tested[:, position] = shuffled
            losses[column] = round(max(0.0, base - score(tested)), 4)
            tested[:, position] = kept
    return losses


def _split_columns(model: object, *, width: int) -> np.ndarray:
    """Whether some tree of a fitted gradient-boosted model splits on each column.

    A prediction reads only the columns its trees split on; on wide data most columns
    are in no tree. Every column counts as read when scikit-learn no longer exposes
    the trees' nodes this way.
    """
    read = np.zeros(width, dtype=bool)
    try:
        # With categorical columns the trees see them first, then the others.
        categorical = getattr(model, "is_categorical_", None)
        position = (
            np.arange(width)
            if categorical is None
            else np.concatenate(
                [np.flatnonzero(categorical), np.flatnonzero(~categorical)]
            )
        )
        # No public API names the columns a histogram gradient-boosting model splits
        # on (it has no `feature_importances_`), so its fitted trees are read; when
        # that fails, every column is scored as before.
        for iteration in model._predictors:  # type: ignore[attr-defined]
            for tree in iteration:
                nodes = tree.nodes
                read[position[nodes["feature_idx"][nodes["is_leaf"] == 0]]] = True
    except (AttributeError, KeyError, TypeError, ValueError, IndexError):
        read[:] = True
    return read


def _dominant(losses: dict[str, float]) -> tuple[str, float, float, str] | None:
    if len(losses) < 2:
        return None
    ranked = sorted(losses.items(), key=lambda item: -item[1])
    total = sum(loss for _, loss in ranked)
    (column, loss), (runner, runner_loss) = ranked[0], ranked[1]
    if total <= 0 or loss < DOMINANT_LOSS or loss / total < DOMINANT_SHARE:
        return None
    return column, loss, loss / total, f"{runner}, {runner_loss:.2f}"


def _short(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
