"""Where the model loses to today's baseline, and by how much for sure (stages 4 and 6).

The test rows are split by each feature (a text column by value, a number by
quartile), and in each segment the model is compared with today's baseline on the
same footing, with an interval on the difference.

For a decision with a capacity (top-k), the footing is equal contacts within the
segment: the model's contacts there against today's policy's best use of the same
number of contacts there (its top rows by its own score). Under a shared capacity the
model moves calls to the segments where they earn most; a segment it calls less is not
a segment where it loses, and is not listed as one. Where every row gets a decision
from both policies (forecasts, routing), the footing is the same rows.

A segment is listed as one where the model loses only when its whole interval lies
below zero. The intervals are simultaneous over the segments compared (Bonferroni), so
among many segments one does not look losing by chance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

# A number is split into this many groups by quantile (quartiles): enough to see a
# trend along the number, few enough that each group keeps a quarter of the rows.
QUANTILE_GROUPS = 4
# A number with at most this many distinct values (a count, a 1-5 grade) is split by
# value instead: each value is a group a reader recognises.
MAX_VALUES_AS_GROUPS = 8
# The scored rows of a decision with a capacity carry today's score and each row's
# value if contacted; with them the segments are compared at equal contacts.
_TOP_K_COLUMNS = ("today_score", "value_if_contacted", "decision_model")


@dataclass(frozen=True)
class Segment:
    """One segment of the test rows: the model against today's baseline in it.

    Attributes:
        feature: The column the segment splits by.
        segment: The value or range.
        rows: Test rows in the segment.
        model_value: What the model's decisions in the segment earned per period.
        today_value: What today's baseline earned per period on the same footing (at
            equal contacts, or on its own decisions; see `compare`).
        lift: `model_value - today_value`.
        lift_ci_low: Low end of the lift's interval.
        lift_ci_high: High end of the lift's interval.
        confidence: The intervals' joint confidence over the segments compared.
    """

    feature: str
    segment: str
    rows: int
    model_value: float
    today_value: float
    lift: float
    lift_ci_low: float
    lift_ci_high: float
    confidence: float

    @property
    def loses(self) -> bool:
        """Whether the model loses here for sure: the whole interval is below zero."""
        return self.lift_ci_high < 0


# Over 80 lines with its docstring: both policies are costed on the same rows and
# periods of each segment in one loop, so its lift and interval cannot drift apart.
def compare(
    scores: pd.DataFrame,
    features: pd.DataFrame,
    *,
    columns: list[str],
    min_rows: int,
    confidence: float,
    equal_contacts: bool,
) -> list[Segment]:
    """Split the test rows by each column and compare the two policies in each part.

    A policy's value in a segment is what its decisions there earned per period
    (`value_model` and `value_today` of the scored rows; a cost counts as a negative
    value). With `equal_contacts` and the scored rows of a decision with a capacity,
    today's value is instead its best use of the model's contacts in the segment, each
    period: its top rows there by `today_score`, ties shared evenly (the expectation
    over random tie-breaks). The interval is a t interval on the sum of the rows'
    differences, simultaneous over the segments compared.

    Args:
        scores: Stage 4's scored test rows (`evaluation.Scored.rows`), in the same
            order as `features`.
        features: The same rows' feature columns.
        columns: The columns to split by.
        min_rows: Segments with fewer rows are left out: too small to read.
        confidence: The joint confidence of the intervals (the charter's KPI
            confidence).
        equal_contacts: Compare at equal contacts within each segment (losing
            segments); False compares each policy's own decisions (how a group fares
            under each policy, for the fairness notes).
    """
    # Periods as integer codes: comparing a million strings per segment took most of
    # stage 6's time.
    periods, named = pd.factorize(scores["period"].astype(str), use_na_sentinel=False)
    count = max(len(named), 1)
    split = [
        (column, label, mask)
        for column in columns
        for label, mask in _groups(features[column].reset_index(drop=True))
        if mask.sum() >= min_rows
    ]
    # Bonferroni: each interval at 1 - (1 - confidence) / segments, both tails.
    tail = (1 - confidence) / (2 * max(len(split), 1))
    top_k = equal_contacts and all(c in scores.columns for c in _TOP_K_COLUMNS)
    # Each column read once, not once per segment: on 500,000 test rows the
    # per-segment reads took seconds.
    if top_k:
        footing = _Footing(
            value=scores["value_if_contacted"].to_numpy(dtype=float),
            contacted=scores["decision_model"].to_numpy(dtype=float),
            today_score=np.nan_to_num(
                scores["today_score"].to_numpy(dtype=float), nan=-np.inf
            ),
            period_codes=periods,
        )
    else:
        own = (
            scores["value_model"].to_numpy(dtype=float),
            scores["value_today"].to_numpy(dtype=float),
        )
    found = []
    for column, label, mask in split:
        model, today = (
            footing.at_equal_contacts(mask) if top_k else (own[0][mask], own[1][mask])
        )
        difference = model - today
        lift = float(difference.sum() / count)
        spread = (
            stats.t.ppf(1 - tail, len(difference) - 1)
            * np.sqrt(len(difference))
            * difference.std(ddof=1)
            / count
            if len(difference) > 1
            else np.inf
        )
        found.append(
            Segment(
                feature=column,
                segment=label,
                rows=int(mask.sum()),
                model_value=float(model.sum() / count),
                today_value=float(today.sum() / count),
                lift=lift,
                lift_ci_low=float(lift - spread),
                lift_ci_high=float(lift + spread),
                confidence=confidence,
            )
        )
    return sorted(found, key=lambda segment: segment.lift)


@dataclass(frozen=True)
class _Footing:
    """The scored rows of a decision with a capacity, as arrays, for equal contacts.

    Attributes:
        value: Each row's value if contacted.
        contacted: The model's decision for each row (1 contacted, 0 not).
        today_score: Today's score (-inf where it has none).
        period_codes: Each row's period, as a number.
    """

    value: np.ndarray
    contacted: np.ndarray
    today_score: np.ndarray
    period_codes: np.ndarray

    def at_equal_contacts(self, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each segment row's value under the model and under today's best equal use.

        In each period the model contacts some of the segment's rows; today's policy
        gets as many contacts there and spends them on its own top rows by score.
        """
        value, contacted = self.value[mask], self.contacted[mask]
        score, within = self.today_score[mask], self.period_codes[mask]
        today = np.zeros(len(value))
        for period in np.unique(within):
            rows = np.flatnonzero(within == period)
            today[rows] = _top_shares(score[rows], int(contacted[rows].sum()))
        return value * contacted, value * today


def _top_shares(score: np.ndarray, contacts: int) -> np.ndarray:
    """How much of a contact each row gets when `contacts` go to the top scores.

    Rows tied at the cut share what is left evenly: the expected contacts under a
    random tie-break, so the result does not depend on a seed.
    """
    shares = np.zeros(len(score))
    if contacts <= 0:
        return shares
    if contacts >= len(score):
        return shares + 1
    cut = np.sort(score)[::-1][contacts - 1]
    above, tied = score > cut, score == cut
    shares[above] = 1
    shares[tied] = (contacts - above.sum()) / tied.sum()
    return shares


def _groups(column: pd.Series) -> list[tuple[str, np.ndarray]]:
    if (
        pd.api.types.is_numeric_dtype(column)
        and not pd.api.types.is_bool_dtype(column)
        and column.nunique() > MAX_VALUES_AS_GROUPS
    ):
        quantiles = pd.qcut(column, QUANTILE_GROUPS, duplicates="drop")
        groups = [
            (f"{interval.left:,.4g} to {interval.right:,.4g}", (quantiles == interval))
            for interval in quantiles.cat.categories
        ]
        groups.append(("missing", column.isna()))
    else:
        text = column.astype("string").fillna("missing")
        groups = [(str(value), text == value) for value in sorted(text.unique())]
    return [(label, mask.to_numpy(dtype=bool)) for label, mask in groups]
