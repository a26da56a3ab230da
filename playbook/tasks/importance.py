"""Which features the model leans on: permutation importance on the test rows.

Every shuffle scores a seeded sample of `SAMPLE_ROWS` test rows, `REPEATS` times per
feature. Beyond `MOST_PERMUTED` features only the `SCREENED_PERMUTED` the model's
score moves with most are shuffled, picked by one prediction of the sample (`screen`),
at least `MIN_SHUFFLED` of them and the rest while the stage's time allowance lasts
(`Deadline`); the others are not measured, and the page says so (`ImportanceScope`).

On wide data a prediction costs most in the model's encoding step (scikit-learn
checks each of thousands of columns on every call), so the sample is encoded once and
each feature's encoded columns are shuffled instead (`EncodedSample`): the same rows
through the same fitted steps, checked equal on one shuffle of every feature before
it is used, hundreds of times cheaper per shuffle.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.inspection import permutation_importance
from sklearn.metrics import get_scorer
from sklearn.pipeline import Pipeline

from playbook.tasks.calibration import SigmoidCalibrated
from playbook.tasks.deadline import Deadline, unlimited

# Permuting every feature of a large test set several times costs many predictions;
# a sample this size ranks features steadily and keeps the stage fast.
SAMPLE_ROWS = 2000
REPEATS = 5
# A chart shows the top 15; shuffling this many keeps the cost flat in the columns.
MOST_PERMUTED = 50
# Beyond that, the screen's first 20 are shuffled: the chart shows 15 and the
# segments split 20 (`poc_stage.SEGMENT_FEATURES`).
SCREENED_PERMUTED = 20
# However short the time allowance, the screen's first this many are shuffled: a
# chart of fewer would not say which feature the model leans on beside the first.
MIN_SHUFFLED = 5
# Rows shuffled and encoded again to check that the encoding reads each row alone.
VERIFIED_ROWS = 200
SCORING = {
    "top_k": ("average_precision", "average precision"),
    "forecast": ("neg_mean_absolute_error", "mean absolute error"),
    "routing": ("accuracy", "accuracy"),
}


@dataclass(frozen=True)
class Importance:
    """How much the model's score drops when one feature is shuffled."""

    feature: str
    drop: float
    spread: float


@dataclass(frozen=True)
class ImportanceScope:
    """What permutation importance measured: which rows, which features, how often.

    Attributes:
        sample_rows: Test rows in the seeded sample every shuffle was scored on.
        test_rows: The test rows the sample was drawn from.
        features: Features the model reads.
        candidates: Features to be shuffled: every one, or the screen's first
            `SCREENED_PERMUTED` on wide data.
        shuffled: Features shuffled (the ranking's length).
        repeats: Shuffles of each feature.
        stopped_early: The time allowance ran out before every candidate was
            shuffled (at least `MIN_SHUFFLED` were).
        encoded_once: The sample was encoded once and the encoded columns shuffled.
        seconds: Wall seconds it took.
    """

    sample_rows: int
    test_rows: int
    features: int
    candidates: int
    shuffled: int
    repeats: int
    stopped_early: bool
    encoded_once: bool
    seconds: float


@dataclass(frozen=True)
class Ranking:
    """Permutation importance: the features, largest drop first, and its scope.

    `screened` is the screen's order of every feature on wide data (empty when every
    feature was shuffled).
    """

    found: list[Importance]
    score: str
    scope: ImportanceScope
    screened: list[str] = field(default_factory=list)


# Over 80 lines with its docstring: the sample, the screen, the deadline and the
# shuffles share one seeded random stream, whose order is what makes a run repeat.
def importance(
    model: Pipeline,
    rows: pd.DataFrame,
    target: np.ndarray,
    *,
    features: list[str],
    task: str,
    seed: int,
    deadline: Deadline | None = None,
) -> Ranking:
    """Permutation importance of each feature on a seeded sample of the test rows.

    Args:
        model: The fitted pipeline.
        rows: The test rows.
        target: Their outcomes.
        features: The columns the model reads.
        task: "top_k", "forecast" or "routing" (which score drops).
        seed: Fixes the sample and the shuffles.
        deadline: On wide data, stops the shuffling once `MIN_SHUFFLED` features
            are ranked; every feature of narrow data is shuffled whatever the clock.

    Returns:
        The features shuffled (every one, or those the screen puts first), largest
        drop first, the score's name, and what was measured.
    """
    deadline = deadline or unlimited()
    scoring, label = SCORING[task]
    rng = np.random.default_rng([seed, 5])
    keep = np.sort(rng.permutation(len(rows))[:SAMPLE_ROWS])
    # Every test row (fewer than `SAMPLE_ROWS`): no copy of them before the features'.
    picked = rows if len(keep) == len(rows) else rows.iloc[keep]
    sample, outcome = picked[features], np.asarray(target)[keep]
    encoded, candidates, screened = None, features, []
    if len(features) > MOST_PERMUTED:
        encoded = EncodedSample.of(model, sample, seed=seed)
        output = (
            _output(encoded.tail, encoded.matrix, task=task)
            if encoded is not None
            else None
        )
        screened = screen(model, sample, task=task, output=output)
        candidates = screened[:SCREENED_PERMUTED]
        found = _shuffled(
            model,
            sample,
            outcome,
            candidates,
            scoring,
            seed,
            deadline=deadline,
            encoded=encoded,
        )
    else:
        result = permutation_importance(
            model,
            sample,
            outcome,
            scoring=scoring,
            n_repeats=REPEATS,
            random_state=seed,
        )
        found = sorted(
            (
                Importance(feature, float(mean), float(std))
                for feature, mean, std in zip(
                    features,
                    result.importances_mean,
                    result.importances_std,
                    strict=True,
                )
            ),
            key=lambda item: -item.drop,
        )
    scope = ImportanceScope(
        sample_rows=len(sample),
        test_rows=len(rows),
        features=len(features),
        candidates=len(candidates),
        shuffled=len(found),
        repeats=REPEATS,
        stopped_early=len(found) < len(candidates),
        encoded_once=encoded is not None,
        seconds=deadline.spent(),
    )
    return Ranking(found, label, scope, screened)


def screen(
    model: Pipeline,
    rows: pd.DataFrame,
    *,
    task: str,
    output: np.ndarray | None = None,
) -> list[str]:
    """The columns of `rows`, those the model's output moves with most first.

    One prediction of the rows (none when `output`, the model's output on them, is
    given): a number column's strength is the absolute rank correlation of its values
    with the output, any other column's the correlation ratio (the share of the
    output's spread its values explain, square-rooted). A constant column or output
    scores zero. Ties keep the columns' order.
    """
    if output is None:
        output = _output(model, rows, task=task)
    # The output's ranks once, and every number column ranked and correlated in one
    # matrix: column by column took seconds on 3,000 columns.
    output_ranks = _ranks(output)
    strength = np.zeros(len(rows.columns))
    # By dtype, not column by column: `rows.items()` built 3,000 Series (0.7 s).
    number_dtypes = {
        dtype: pd.api.types.is_numeric_dtype(dtype)
        and not pd.api.types.is_bool_dtype(dtype)
        for dtype in set(rows.dtypes)
    }
    numbers = [i for i, dtype in enumerate(rows.dtypes) if number_dtypes[dtype]]
    if numbers:
        # Every column (wide data is mostly numbers): no copy of the frame's columns.
        picked = rows if len(numbers) == len(rows.columns) else rows.iloc[:, numbers]
        strength[numbers] = np.abs(_correlations(_column_ranks(picked), output_ranks))
    for i in sorted(set(range(len(rows.columns))) - set(numbers)):
        labels = rows.iloc[:, i].astype("string").fillna("")
        strength[i] = _correlation_ratio(labels, output)
    strength = np.nan_to_num(strength, nan=0.0)
    order = np.argsort(-strength, kind="stable")
    return [str(rows.columns[i]) for i in order]


@dataclass(frozen=True)
class EncodedSample:
    """Rows encoded once by the model's encoding step, for shuffles without it.

    Attributes:
        tail: The model without its encoding step: reads `matrix`'s rows and
            predicts what the model predicts of the rows before encoding.
        matrix: The rows, encoded.
        columns: Each feature's columns of `matrix` (none for a feature the
            encoding drops).
    """

    tail: Any
    matrix: np.ndarray
    columns: dict[str, np.ndarray]

    @classmethod
    def of(cls, model: Any, rows: pd.DataFrame, *, seed: int) -> EncodedSample | None:
        """The rows encoded by `model`'s encoding step, or None when that is unsafe.

        None when the model has no `ColumnTransformer` first (behind a calibration),
        when its output columns cannot each be traced to one feature by their names,
        or when one shuffle of every feature, encoded, differs from the same shuffle
        of the encoded columns: then an encoded column depends on more than its own
        row's feature, and only predictions of the rows themselves are right.
        """
        split = _split_encoding(model)
        if split is None:
            return None
        encoder, tail = split
        try:
            matrix = np.asarray(encoder.transform(rows), dtype=float)
            columns = _encoded_columns(encoder, list(rows.columns))
        except (AttributeError, TypeError, ValueError):
            return None
        # The first `VERIFIED_ROWS` rows show whether a column reads other rows as
        # well as all of them do; on 3,000 columns encoding every shuffled row again
        # took 0.7 s.
        if columns is None or not _verified(
            encoder,
            rows.iloc[:VERIFIED_ROWS],
            matrix[:VERIFIED_ROWS],
            columns,
            seed=seed,
        ):
            return None
        return cls(tail=tail, matrix=matrix, columns=columns)


def _split_encoding(model: Any) -> tuple[ColumnTransformer, Any] | None:
    """The model's first step if it is a `ColumnTransformer`, and the model after it.

    Looks through the wrappers stage 4 puts around a fitted pipeline (a one-step
    pipeline, a `SigmoidCalibrated`) and rebuilds them around the rest.
    """
    if isinstance(model, SigmoidCalibrated):
        inner = _split_encoding(model.estimator)
        if inner is None:
            return None
        return inner[0], SigmoidCalibrated(inner[1], model.sigmoid)
    if not isinstance(model, Pipeline):
        return None
    name, first = model.steps[0]
    if isinstance(first, ColumnTransformer) and len(model.steps) > 1:
        return first, model[1:]
    if len(model.steps) == 1:
        inner = _split_encoding(first)
        if inner is None:
            return None
        return inner[0], Pipeline([(name, inner[1])])
    return None


def _encoded_columns(
    encoder: ColumnTransformer, features: list[str]
) -> dict[str, np.ndarray] | None:
    """Each feature's output columns, traced by the encoder's output names.

    An output named like a feature or `missingindicator_<feature>` belongs to that
    feature, one named `<feature>_<category>` to the only feature whose name fits.
    None when an output fits no feature or more than one ("plan_type_x" of text
    columns "plan" and "plan_type"). What the names say is then checked by
    `_verified`.
    """
    names_in = list(encoder.feature_names_in_)
    owned: dict[str, list[int]] = {name: [] for name in features}
    for name, transformer, columns in encoder.transformers_:
        part = encoder.output_indices_.get(name)
        if part is None or part.stop == part.start:
            continue
        if isinstance(columns, slice | str) or not len(columns):
            return None
        inputs = [
            names_in[c] if isinstance(c, int | np.integer) else str(c) for c in columns
        ]
        outputs = (
            inputs
            if transformer == "passthrough"
            else [str(o) for o in transformer.get_feature_names_out(inputs)]
        )
        if len(outputs) != part.stop - part.start:
            return None
        exact: dict[str, list[str]] = {}
        for c in inputs:
            for said in (c, f"missingindicator_{c}"):
                exact.setdefault(said, []).append(c)
        known = set(inputs)
        for offset, output in enumerate(outputs):
            owner = _owner(output, exact=exact, inputs=known)
            if owner not in owned:
                return None
            owned[owner].append(part.start + offset)
    return {name: np.asarray(found, dtype=int) for name, found in owned.items()}


def _owner(output: str, *, exact: dict[str, list[str]], inputs: set[str]) -> str | None:
    """The one input an encoded column named `output` comes from, if only one fits.

    `exact` maps each input's name and its missing flag's to the input(s).
    """
    fits = exact.get(output) or [
        output[:i] for i, letter in enumerate(output) if letter == "_"
    ]
    fits = [c for c in fits if c in inputs]
    return fits[0] if len(fits) == 1 else None


def _verified(
    encoder: ColumnTransformer,
    rows: pd.DataFrame,
    matrix: np.ndarray,
    columns: dict[str, np.ndarray],
    *,
    seed: int,
) -> bool:
    """Whether shuffling every feature, then encoding, equals shuffling the encoding."""
    rng = np.random.default_rng([seed, 7])
    names = list(rows.columns)
    # One order of the rows per column (a row of `orders` each).
    orders = rng.permuted(np.tile(np.arange(len(rows)), (len(names), 1)), axis=1)
    place = {name: i for i, name in enumerate(names)}
    by_dtype: dict[Any, list[str]] = {}
    for name, dtype in rows.dtypes.items():
        by_dtype.setdefault(dtype, []).append(str(name))
    parts = []
    for dtype, group in by_dtype.items():
        where = [place[name] for name in group]
        if isinstance(dtype, np.dtype) and dtype.kind != "O":
            # A block of one NumPy type shuffled at once, its type kept.
            values = np.take_along_axis(rows[group].to_numpy(), orders[where].T, 0)
            parts.append(pd.DataFrame(values, columns=group, index=rows.index))
        else:
            parts += [
                rows[name].take(orders[i]).set_axis(rows.index).to_frame()
                for name, i in zip(group, where, strict=True)
            ]
    shuffled = pd.concat(parts, axis=1)[names]
    # Each encoded column's rows in its feature's order, all in one gather (a copy
    # per feature took 0.7 s on 3,000 features); a column no feature owns keeps its.
    column_orders = np.tile(np.arange(len(rows)), (matrix.shape[1], 1))
    for name, owned in columns.items():
        column_orders[owned] = orders[place[name]]
    expected = np.take_along_axis(matrix, column_orders.T, axis=0)
    encoded = np.asarray(encoder.transform(shuffled), dtype=float)
    return encoded.shape == expected.shape and bool(
        np.array_equal(encoded, expected, equal_nan=True)
    )


def _output(model: Any, rows: Any, *, task: str) -> np.ndarray:
    if task == "forecast":
        return np.asarray(model.predict(rows), dtype=float)
    # A yes/no model's chance of yes; a router's confidence in its label.
    probability = model.predict_proba(rows)
    return probability[:, 1] if task == "top_k" else probability.max(axis=1)


def _ranks(values: np.ndarray) -> np.ndarray:
    return pd.Series(values).rank().to_numpy(float)


def _column_ranks(numbers: pd.DataFrame) -> np.ndarray:
    """Each column's average ranks (as `DataFrame.rank`), a gap its column's mean rank.

    One NumPy sort of all columns at once: pandas ranked Arrow-backed columns one by
    one (1.4 s on 3,000 columns), SciPy's `rankdata` skipping gaps slice by slice
    (1.1 s). The ranks are halves and their sums exact, so the mean is the same
    whatever the order of the sum.
    """
    values = numbers.to_numpy(dtype=float, na_value=np.nan).T.copy()
    ranked = np.full(values.shape, np.nan)
    if values.size:
        # Gaps sort last; the order within a tie does not change its mean rank.
        order = np.argsort(values, axis=1)
        ordered = np.take_along_axis(values, order, axis=1)
        where = np.broadcast_to(np.arange(values.shape[1]), values.shape)
        # A run of equal values shares the mean of its first and last positions.
        starts = np.ones(values.shape, dtype=bool)
        starts[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
        ends = np.ones(values.shape, dtype=bool)
        ends[:, :-1] = starts[:, 1:]
        first = np.maximum.accumulate(np.where(starts, where, 0), axis=1)
        last = np.minimum.accumulate(
            np.where(ends, where, values.shape[1])[:, ::-1], axis=1
        )[:, ::-1]
        np.put_along_axis(ranked, order, (first + last) / 2 + 1, axis=1)
        ranked[np.isnan(values)] = np.nan
    present = ~np.isnan(ranked)
    with np.errstate(divide="ignore", invalid="ignore"):
        means = np.where(present, ranked, 0.0).sum(axis=1) / present.sum(axis=1)
    return np.where(present, ranked, means[:, None]).T


def _correlations(columns: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Pearson's correlation of each column with `values`; 0 where one is constant."""
    centred = _unit_deviations(columns - columns.mean(axis=0))
    target = _unit_deviations(values - values.mean())
    spread = np.sqrt((centred**2).sum(axis=0)) * np.sqrt((target**2).sum())
    constant = (columns.max(axis=0) == columns.min(axis=0)) | (
        values.max() == values.min()
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        found = centred.T @ target / spread
    return np.where(constant, 0.0, np.clip(found, -1.0, 1.0))


def _unit_deviations(centred: np.ndarray) -> np.ndarray:
    """Deviations scaled so the largest is 1 (per column), the correlation's own.

    Without it the squares of values about 1e-150 apart underflow to zero and a
    column's correlation with itself came out infinite.
    """
    largest = np.abs(centred).max(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(largest > 0, centred / largest, 0.0)


def _correlation_ratio(labels: pd.Series, output: np.ndarray) -> float:
    spread = output.var()
    if spread == 0:
        return 0.0
    means = pd.Series(output).groupby(labels.to_numpy()).transform("mean")
    return float(np.sqrt(means.to_numpy(float).var() / spread))


class _Shuffler:
    """One feature of the sample shuffled at a time, in one working copy.

    The rows themselves (one copy: a copy per shuffle moved the whole sample, 48 MB
    on 3,000 columns, for every shuffle), or their encoding, each feature's encoded
    columns shuffled together.
    """

    def __init__(self, model: Any, rows: pd.DataFrame, encoded: EncodedSample | None):
        self.model = model if encoded is None else encoded.tail
        self.rows, self.encoded = rows, encoded
        self.data: Any = rows.copy() if encoded is None else encoded.matrix.copy()

    @contextmanager
    def shuffled(self, name: str, order: np.ndarray) -> Iterator[Any]:
        if self.encoded is None:
            self.data[name] = self.rows[name].to_numpy()[order]
            yield self.data
            return
        owned = self.encoded.columns[name]
        self.data[:, owned] = self.encoded.matrix[np.ix_(order, owned)]
        yield self.data
        self.data[:, owned] = self.encoded.matrix[:, owned]

    def restore(self, name: str) -> None:
        if self.encoded is None:
            self.data[name] = self.rows[name]


def _shuffled(
    model: Any,
    rows: pd.DataFrame,
    target: np.ndarray,
    columns: list[str],
    scoring: str,
    seed: int,
    *,
    deadline: Deadline | None = None,
    encoded: EncodedSample | None = None,
) -> list[Importance]:
    """Permutation importance of `columns` in order, each shuffled `REPEATS` times.

    Stops once `MIN_SHUFFLED` are ranked and the deadline has passed.
    """
    deadline = deadline or unlimited()
    scorer = get_scorer(scoring)
    rng = np.random.default_rng([seed, 6])
    work = _Shuffler(model, rows, encoded)
    before = scorer(work.model, work.data, target)
    found: list[Importance] = []
    for name in columns:
        if len(found) >= MIN_SHUFFLED and deadline.passed():
            break
        drops = []
        for _ in range(REPEATS):
            with work.shuffled(name, rng.permutation(len(rows))) as data:
                drops.append(before - scorer(work.model, data, target))
        work.restore(name)
        found.append(Importance(name, float(np.mean(drops)), float(np.std(drops))))
    return sorted(found, key=lambda item: -item.drop)
