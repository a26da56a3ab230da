"""Stage 5: has the data shifted since training, by more than sampling noise?

Each feature of the fresh batch is compared with the training rows twice:

- How far it moved (the practical size). The population stability index (PSI)
  compares shares of bins or categories. The distance, from 0 to 1, is for numbers the
  Kolmogorov-Smirnov (KS) distance, the largest gap between the two cumulative
  distributions (a missing value counts as larger than every number, so a change in the
  missing share moves it too); for text it is the share of rows that would have to
  change category for the two samples to match (total variation distance).
- Whether the move is larger than sampling noise: a two-sample KS test for numbers, a
  chi-square test for values and categories (Fisher's exact test for the rare ones
  together), corrected with Holm's method for the number of features compared, at the
  charter's confidence.

Numbers with few distinct values (0/1 flags, yes/no, counts) are compared value by
value, as text is category by category: a quantile bin cannot see a flag's share move.
A feature is on alert only when its move is both real (significant after the
correction) and large (PSI, or a number's KS distance, past the charter's alert
threshold): a small batch cannot alert on noise, and a huge batch cannot alert on a
trivial shift.

A long-term trend (growth: many amounts up by about the same factor) is reported once,
as a trend; each of its numbers is judged again after the trend is taken out, and
only what moved beyond it is a feature's own drift.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from playbook.core.messages import marked

ALERT, WARNING, STABLE, TREND, NOT_JUDGED = (
    "alert",
    "warning",
    "stable",
    "trend",
    "not judged",
)
# How a column is compared: a number as a distribution; a number with few distinct
# values (a flag, a count, yes/no) value by value; text category by category.
NUMBERS, VALUES, CATEGORIES = marked("numbers"), marked("values"), marked("categories")

# An empty bin would make the index infinite; a tiny floor keeps it finite and
# comparable.
_FLOOR = 1e-4
# Bins of a number's PSI: the reference's deciles, the usual choice for PSI.
_BINS = 10
# A number with at most this many distinct values in the training rows (0/1 flags,
# counts of calls) is compared value by value: with more, each value holds too few
# rows for a share of its own, and the number is compared as a distribution.
MAX_VALUES_ONE_BY_ONE = 20
# A fresh batch with fewer rows than this is not judged: one row moves a share by more
# than 3 points, and no test of a distribution means much.
MIN_ROWS = 30
# A chi-square test needs about 5 expected rows per category (Cochran's rule); rarer
# categories are tested together by an exact test (not pooled for the PSI).
_MIN_EXPECTED = 5.0
# A trend is reported when the common factor explains the move of at least this many
# numbers, and of at least half of the numbers it was read from: fewer are separate
# shifts, not growth.
TREND_MIN_FEATURES = 3
# Float rounding must not decide a threshold: 0.15 - 0.05 is 0.0999... in floating
# point, and a 10-point move must reach a 0.10 threshold.
_TOLERANCE = 1e-9


@dataclass(frozen=True)
class FeatureDrift:
    """How far one feature moved, whether that is more than noise, and what it means.

    Attributes:
        feature: The column.
        compared_as: "numbers" (a distribution, KS test), "values" (a number with
            few distinct values, value by value, chi-square test) or "categories"
            (text, chi-square test).
        psi: Population stability index against the training rows.
        distance: The KS distance for numbers and values; for text, the share of rows
            that would have to change category (shown, but only the PSI puts text on
            alert: the charter's `ks_alert` is a distance between numbers). None when
            a side has no rows.
        p_value: The chance of a move at least this large from sampling noise alone.
        p_adjusted: `p_value` after Holm's correction across the features compared.
        level: "alert", "warning", "stable", "trend" (moved only with the common
            trend) or "not judged" (too few fresh rows).
        psi_after_trend: The PSI once the common trend is taken out; None when the
            feature is not one of the trend's numbers.
        distance_after_trend: The distance once the common trend is taken out.
    """

    feature: str
    compared_as: str
    psi: float
    distance: float | None
    p_value: float
    p_adjusted: float
    level: str
    psi_after_trend: float | None = None
    distance_after_trend: float | None = None


@dataclass(frozen=True)
class Trend:
    """Many numbers moved by one common factor: growth, inflation, a new price list.

    Attributes:
        factor: The fresh batch's medians over the training rows', the median of that
            ratio over the numbers it was read from (1.12: about 12% higher).
        features: The numbers whose move the factor explains.
        read_from: How many numbers the factor was read from (every number with
            positive values).
    """

    factor: float
    features: list[str]
    read_from: int


@dataclass(frozen=True)
class DriftRule:
    """When a move counts: the charter's thresholds and the confidence against noise.

    Attributes:
        warning: PSI warning threshold.
        alert: PSI alert threshold.
        ks_alert: Distance alert threshold.
        confidence: The confidence a move must pass to count as more than noise,
            after Holm's correction across the features compared.
    """

    warning: float
    alert: float
    ks_alert: float
    confidence: float


@dataclass(frozen=True)
class DriftReport:
    """Drift of every feature, most shifted first, and the rule that judged it.

    Attributes:
        reference: What the fresh batch was compared with.
        current: The fresh batch.
        reference_rows: Rows of the reference.
        current_rows: Rows of the fresh batch.
        features: Every feature's drift, most shifted first.
        rule: The thresholds and the confidence that judged them.
        trend: The common trend of the numbers; None when there is none.
    """

    reference: str
    current: str
    reference_rows: int
    current_rows: int
    features: list[FeatureDrift]
    rule: DriftRule
    trend: Trend | None = None

    @property
    def alerts(self) -> list[str]:
        """Features past an alert threshold by more than noise, beyond any trend."""
        return [f.feature for f in self.features if f.level == ALERT]

    @property
    def judged(self) -> bool:
        """Whether the fresh batch has enough rows to judge drift at all."""
        return self.current_rows >= MIN_ROWS


@dataclass(frozen=True)
class _Measure:
    compared_as: str
    psi: float
    distance: float | None
    p_value: float


def psi(reference: pd.Series, current: pd.Series, *, bins: int = _BINS) -> float:
    """Population stability index of `current` against `reference`.

    Numbers are cut at the reference's quantiles (`bins` bins), with a bin of its own
    for each value many rows share (see `_number_shares`); text, yes/no and numbers
    with few distinct values are compared value by value. Missing values form a bin
    of their own in both cases.
    """
    if _compared_as(reference) == NUMBERS:
        expected, actual = _number_shares(reference, current, bins=bins)
    else:
        expected, actual = _category_counts(reference, current)
        expected = expected / max(expected.sum(), 1)
        actual = actual / max(actual.sum(), 1)
    return _index(expected, actual)


def ks_distance(reference: pd.Series, current: pd.Series) -> float | None:
    """Largest gap between the two empirical distributions; None for text columns.

    A missing value counts as larger than every number, so a change in the share of
    missing values moves the distance as much as the same share of large values.
    """
    if not _is_number(reference):
        return None
    a, b = _numbers_with_missing_last(reference), _numbers_with_missing_last(current)
    if not len(a) or not len(b):
        return None
    return float(stats.ks_2samp(a, b).statistic)


def feature_drift(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    columns: list[str],
    rule: DriftRule,
    reference_name: str,
    current_name: str,
) -> DriftReport:
    """Judge each column's move between two samples, most shifted first.

    A feature is on alert when its move is more than noise at the rule's confidence
    (Holm's correction across `columns`) and its PSI reaches `rule.alert` or, for a
    number, its KS distance reaches `rule.ks_alert`; on warning when it is more than
    noise and its PSI reaches `rule.warning`; stable otherwise. A common trend of the
    numbers is taken out first (see `Trend`). A fresh batch of fewer than `MIN_ROWS`
    rows is not judged.
    """
    measures = {c: _measure(reference[c], current[c]) for c in columns}
    judged = len(current) >= MIN_ROWS
    trend, after = (
        _trend(
            reference,
            current,
            measures,
            levels=_levels(measures, rule),
            rule=rule,
        )
        if judged
        else (None, {})
    )
    # The trend's numbers are judged as they moved beyond the trend.
    judged_on = {**measures, **after}
    levels = _levels(judged_on, rule)
    levels.update({name: TREND for name in after})
    adjusted = _holm({c: judged_on[c].p_value for c in columns})
    rows = [
        FeatureDrift(
            feature=column,
            compared_as=measures[column].compared_as,
            psi=measures[column].psi,
            distance=measures[column].distance,
            p_value=judged_on[column].p_value,
            p_adjusted=adjusted[column],
            level=levels[column] if judged else NOT_JUDGED,
            psi_after_trend=after[column].psi if column in after else None,
            distance_after_trend=after[column].distance if column in after else None,
        )
        for column in columns
    ]
    rows.sort(key=lambda row: row.psi, reverse=True)
    return DriftReport(
        reference=reference_name,
        current=current_name,
        reference_rows=len(reference),
        current_rows=len(current),
        features=rows,
        rule=rule,
        trend=trend,
    )


def _levels(measures: dict[str, _Measure], rule: DriftRule) -> dict[str, str]:
    """Each feature's level: more than noise (after Holm) and large enough."""
    adjusted = _holm({name: m.p_value for name, m in measures.items()})
    levels = {}
    for name, measure in measures.items():
        # The charter's ks_alert is a KS distance: for numbers, not for text.
        large = measure.psi >= rule.alert - _TOLERANCE or (
            measure.compared_as != CATEGORIES
            and measure.distance is not None
            and measure.distance >= rule.ks_alert - _TOLERANCE
        )
        if adjusted[name] >= 1 - rule.confidence:
            levels[name] = STABLE
        elif large:
            levels[name] = ALERT
        else:
            levels[name] = (
                WARNING if measure.psi >= rule.warning - _TOLERANCE else STABLE
            )
    return levels


def _trend(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    measures: dict[str, _Measure],
    *,
    levels: dict[str, str],
    rule: DriftRule,
) -> tuple[Trend | None, dict[str, _Measure]]:
    """The numbers' common factor, if it explains most of their moves.

    The factor is the median, over every number with positive values, of the fresh
    median over the training median. Each such number is measured again with the
    fresh values divided by the factor; the trend is kept when that leaves at least
    `TREND_MIN_FEATURES` (and at least half) of them stable that had moved before.

    Returns:
        The trend (None when there is none) and the numbers it explains, measured
        without it.
    """
    ratios = {}
    for name, measure in measures.items():
        if measure.compared_as != NUMBERS:
            continue
        before, after = _numbers(reference[name]), _numbers(current[name])
        before, after = before[~np.isnan(before)], after[~np.isnan(after)]
        if len(before) and len(after) and before.min() >= 0:
            medians = float(np.median(before)), float(np.median(after))
            if min(medians) > 0:
                ratios[name] = medians[1] / medians[0]
    if len(ratios) < TREND_MIN_FEATURES:
        return None, {}
    factor = float(np.median(list(ratios.values())))
    again = {
        name: _measure(reference[name], pd.Series(_numbers(current[name]) / factor))
        for name in ratios
    }
    now = _levels({**measures, **again}, rule)
    # Only the numbers the factor explains are judged without it: a number that did
    # not move would look shifted the other way once the factor is taken out.
    explained = [
        name for name in ratios if levels[name] != STABLE and now[name] == STABLE
    ]
    if len(explained) < max(TREND_MIN_FEATURES, len(ratios) / 2):
        return None, {}
    trend = Trend(factor=factor, features=explained, read_from=len(ratios))
    return trend, {name: again[name] for name in explained}


def _holm(p_values: dict[str, float]) -> dict[str, float]:
    """Holm's step-down adjustment: the family-wise error stays at most alpha."""
    names = sorted(p_values, key=lambda name: p_values[name])
    count = len(names)
    adjusted, running = {}, 0.0
    for rank, name in enumerate(names):
        running = max(running, min(1.0, (count - rank) * p_values[name]))
        adjusted[name] = running
    return adjusted


def _measure(reference: pd.Series, current: pd.Series) -> _Measure:
    """The feature's PSI, distance and p-value, as numbers or as categories."""
    if _compared_as(reference) == NUMBERS:
        expected, actual = _number_shares(reference, current, bins=_BINS)
        a, b = (
            _numbers_with_missing_last(reference),
            _numbers_with_missing_last(current),
        )
        if not len(a) or not len(b):
            return _Measure(NUMBERS, _index(expected, actual), None, 1.0)
        test = stats.ks_2samp(a, b)
        return _Measure(
            NUMBERS, _index(expected, actual), float(test.statistic), float(test.pvalue)
        )
    before, after = _category_counts(reference, current)
    kind = _compared_as(reference)
    if not before.sum() or not after.sum():
        return _Measure(kind, 0.0, None, 1.0)
    expected, actual = before / before.sum(), after / after.sum()
    # Values are in order, missing last: the KS distance. Text has no order: the share
    # of rows that would have to change category.
    distance = (
        np.abs(np.cumsum(expected) - np.cumsum(actual)).max()
        if kind == VALUES
        else np.abs(expected - actual).sum() / 2
    )
    return _Measure(
        kind, _index(expected, actual), float(distance), _category_test(before, after)
    )


def _index(expected: np.ndarray, actual: np.ndarray) -> float:
    expected = np.maximum(expected, _FLOOR)
    actual = np.maximum(actual, _FLOOR)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def _category_test(before: np.ndarray, after: np.ndarray) -> float:
    """p-value of the hypothesis that two samples share one distribution of categories.

    A chi-square test compares the categories expected to hold at least
    `_MIN_EXPECTED` rows in each sample (where its approximation holds); the rarer
    ones (a new category, a value never seen in training) are compared together, as
    one share, by Fisher's exact test. Pooling them into a common category instead
    would hide the move when a value shifts to a new one (a count moving from 4 to 5).
    The p-value is the smaller of the two, times two (Bonferroni).
    """
    table = np.vstack([before, after]).astype(float)
    table = table[:, table.sum(axis=0) > 0]
    expected = table.sum(axis=0) * table.sum(axis=1).min() / max(table.sum(), 1)
    common = table[:, expected >= _MIN_EXPECTED]
    rare = table[:, expected < _MIN_EXPECTED].sum(axis=1)
    p_values = []
    if common.shape[1] > 1:
        expected = np.outer(common.sum(axis=1), common.sum(axis=0)) / common.sum()
        statistic = float(((common - expected) ** 2 / expected).sum())
        p_values.append(float(stats.chi2.sf(statistic, common.shape[1] - 1)))
    if rare.sum() and common.size:
        rest = common.sum(axis=1)
        p_values.append(float(stats.fisher_exact(np.column_stack([rare, rest])).pvalue))
    return min(1.0, len(p_values) * min(p_values)) if p_values else 1.0


def _number_shares(
    reference: pd.Series, current: pd.Series, *, bins: int
) -> tuple[np.ndarray, np.ndarray]:
    """Shares of each bin of a number: the reference's quantiles and its mass points.

    The bins are the reference's quantile bins, as usual for PSI, except for a value
    many rows share (0 in an amount, a cap, the top count): it repeats among the
    quantiles, and gets a bin of its own, with the values just below and just above
    it in bins of their own. So 15% of the rows moving from a top value of 4 to 5 is
    seen, where the usual bins (distinct quantiles, top edge dropped) put both values
    in the last bin. The last share is the missing values'.
    """
    known = _numbers(reference)
    known = known[~np.isnan(known)]
    quantiles = np.quantile(known, np.linspace(0, 1, bins + 1)) if len(known) else []
    edges, repeats = np.unique(quantiles, return_counts=True)
    groups = _bin_groups(repeats > 1)

    def shares(values: pd.Series) -> np.ndarray:
        numbers = _numbers(values)
        missing = np.isnan(numbers)
        present = numbers[~missing]
        left = np.searchsorted(edges, present, side="left")
        exact = np.zeros(len(present), dtype=bool)
        inside = left < len(edges)
        exact[inside] = edges[left[inside]] == present[inside]
        counts = np.bincount(
            groups[2 * left + exact], minlength=int(groups.max(initial=0)) + 1
        )
        return np.append(counts, missing.sum()) / max(len(values), 1)

    return shares(reference), shares(current)


def _bin_groups(mass: np.ndarray) -> np.ndarray:
    """The bin of each slot around k distinct edges, slots in order of value.

    Slot 0 holds values below the first edge, slot 2i + 1 the edge i itself, slot
    2i + 2 the values between edges i and i + 1 (after the last edge: above it). An
    ordinary edge closes the bin below it, and the outermost bins take the values
    beyond the reference's range; an edge in `mass` (a value many rows share) is a bin
    of its own, and the values beyond it start a new bin.
    """
    count = len(mass)
    starts = np.zeros(2 * count + 1, dtype=bool)
    for i in range(count):
        if mass[i]:
            starts[2 * i + 1] = starts[2 * i + 2] = True
        elif 1 <= i <= count - 2:
            starts[2 * i + 2] = True
    starts[0] = False
    return np.cumsum(starts)


def _category_counts(
    reference: pd.Series, current: pd.Series
) -> tuple[np.ndarray, np.ndarray]:
    """Rows per category in each sample, over the categories of both, missing last.

    The categories are sorted: numbers by value, text alphabetically.

    A number or yes/no column's categories are its values as numbers, so 1, 1.0 and
    True are one category whatever the file's types; a value that is not a number then
    counts as missing.
    """
    numeric = _has_values(reference)
    before, after = _keys(reference, numeric=numeric), _keys(current, numeric=numeric)
    codes, categories = pd.factorize(
        pd.concat([before, after], ignore_index=True), sort=True
    )
    # Missing values get code -1: shifted to 0, they are counted first, then moved last.
    size = len(categories) + 1
    counts = [
        np.bincount(part + 1, minlength=size).astype(float)
        for part in (codes[: len(before)], codes[len(before) :])
    ]
    return tuple(np.roll(count, -1) for count in counts)  # type: ignore[return-value]


def _keys(values: pd.Series, *, numeric: bool) -> pd.Series:
    """Each value as its category: a number, or text."""
    if not numeric and isinstance(values.dtype, pd.StringDtype):
        # Text already, missing values as such: as it is (a million rows of text
        # through str() and back cost 0.5 s of CPU per column, this 0.05 s).
        return values.reset_index(drop=True)
    if not numeric:
        text = values.to_numpy(dtype=object)
        return pd.Series(np.where(pd.isna(text), None, text.astype(str)), dtype=object)
    if pd.api.types.is_numeric_dtype(values):
        return values.astype(float).reset_index(drop=True)
    return pd.to_numeric(values.astype(object), errors="coerce").astype(float)


def _numbers_with_missing_last(values: pd.Series) -> np.ndarray:
    numbers = _numbers(values)
    return np.where(np.isnan(numbers), np.inf, numbers)


def _numbers(values: pd.Series) -> np.ndarray:
    """The values as floats; anything that is not a number (text, a date) is missing."""
    if pd.api.types.is_numeric_dtype(values):
        return values.to_numpy(dtype=float, na_value=np.nan)
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)


def _compared_as(reference: pd.Series) -> str:
    if not _has_values(reference):
        return CATEGORIES
    many = reference.nunique(dropna=True) > MAX_VALUES_ONE_BY_ONE
    return NUMBERS if many and _is_number(reference) else VALUES


def _has_values(series: pd.Series) -> bool:
    """Whether a column compared value by value holds numbers (yes/no counts as 0/1)."""
    return _is_number(series) or pd.api.types.is_bool_dtype(series)


def _is_number(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(
        series
    )
