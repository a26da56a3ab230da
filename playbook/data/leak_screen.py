"""The quick leakage checks of many number columns at once, for a yes/no target.

`playbook.data.leakage.scan` looks at one column at a time: two AUCs, the column's
bins twice (for the predicts-alone and the pure-value checks), each call tens of
milliseconds of pandas and scikit-learn overhead. On 3,000 columns that was three
minutes of stage 4. Here the number columns are scored together, as a matrix, a block
of columns at a time:

- the same bins as `leakage._codes`: 20 quantile bins with the edges of `pd.qcut`
  (the same quantiles through the same `DataFrame.quantile`, duplicate edges dropped,
  the lowest value in the first bin), or one bin per value for a column with 20 values
  or fewer;
- the same out-of-fold bin means as `leakage._out_of_fold` (the same sums, added in
  the same order);
- AUC from ranks (ties sharing their average rank): the Mann-Whitney form of what
  `roc_auc_score` computes, equal to it up to rounding in the last bits;
- the pure-value rule on the bins' exact row and outcome counts.

Only number columns with every value present and finite are scored here; the scan
checks the others (text, flags, dates, gaps) one by one, as before. A column this
screen cannot clear (a score within `RECHECK_MARGIN` of a threshold, a bin that may be
a pure value, an integer column that may be an id) is checked one by one too, so
every finding's figures and words come from the scan's own checks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

BINS = 20
"""Quantile bins of a number column, as `leakage._codes` cuts it."""
BLOCK_CELLS = 2_000_000
"""Cells (rows x columns) scored at once: about 16 MB per matrix of floats, so the
memory stays flat however wide or long the sample is."""
RECHECK_MARGIN = 1e-6
"""A screened score this close to a threshold is checked again one column at a time:
far wider than the rounding between the rank form of the AUC and `roc_auc_score`."""


@dataclass(frozen=True)
class Screened:
    """What the screen settled, and what it leaves to the per-column checks.

    Attributes:
        alone: Each cleared column's predicts-alone score (AUC), as the scan's
            `_alone` gives it up to rounding in the last bits.
        recheck: Columns to check one by one: scored here, but near a threshold, with
            a bin that may be a pure value, or an integer column that may be an id.
        skipped: Columns not scored here (not numbers, a flag, missing or infinite
            values).
    """

    alone: dict[str, float]
    recheck: list[str]
    skipped: list[str]


def screen(
    sample: pd.DataFrame,
    target: np.ndarray,
    *,
    columns: list[str],
    warn_at: float,
    pure_share: float,
    pure_min_rows: int,
    pure_min_cover: float,
    id_distinct: float,
    id_min_rows: int,
) -> Screened:
    """Score the number columns of `sample` against a yes/no `target` together.

    Args:
        sample: The rows the scan looks at.
        target: True for the outcome the scan scores (one value per row).
        columns: The columns to look at.
        warn_at: The predicts-alone score worth a finding (`leakage.ALONE_WARN`).
        pure_share: A bin is pure at this share of the rare outcome or more.
        pure_min_rows: ... and with at least this many rows.
        pure_min_cover: ... holding at least this share of the rare outcome's rows.
        id_distinct: An integer column with this share of distinct values or more
            may be an id (`leakage.ID_DISTINCT`) ...
        id_min_rows: ... when it has at least this many rows.
    """
    target = np.asarray(target, dtype=bool)
    rows = len(sample)
    usable = [c for c in columns if _scorable(sample[c])]
    scored = set(usable)
    skipped = [c for c in columns if c not in scored]
    if rows < 2 or target.all() or not target.any():
        return Screened({}, [], list(columns))
    alone: dict[str, float] = {}
    recheck: list[str] = []
    step = max(1, BLOCK_CELLS // rows)
    rare = target if target.mean() <= 0.5 else ~target
    for start in range(0, len(usable), step):
        block = usable[start : start + step]
        values = np.ascontiguousarray(sample[block].to_numpy(dtype=float).T)
        scores, distinct, codes = _scores(values, target)
        pure = _pure(
            codes,
            rare,
            share=pure_share,
            min_rows=pure_min_rows,
            min_cover=pure_min_cover,
        )
        for position, column in enumerate(block):
            may_be_id = (
                pd.api.types.is_integer_dtype(sample[column])
                and rows >= id_min_rows
                and distinct[position] >= id_distinct * rows
            )
            near = scores[position] >= warn_at - RECHECK_MARGIN
            if may_be_id or pure[position] or near:
                recheck.append(column)
            else:
                alone[column] = float(scores[position])
    return Screened(alone, recheck, skipped)


def _scorable(series: pd.Series) -> bool:
    """A plain number column (not a flag) with every value present and finite."""
    if not isinstance(series.dtype, np.dtype) or series.dtype.kind not in "iuf":
        return False
    values = series.to_numpy(dtype=float)
    return bool(np.isfinite(values).all())


def _scores(
    values: np.ndarray, target: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each column's predicts-alone AUC, its distinct values and its bin codes.

    `values` holds one column per row (columns x rows): sorting each column is then
    a sort of contiguous memory, several times faster than down a frame's columns.
    """
    order = np.argsort(values, axis=1)
    starts = _starts(np.take_along_axis(values, order, axis=1))
    distinct = starts.sum(axis=1)
    raw = _auc(target, order=order, starts=starts)
    codes = _codes(values, order=order, starts=starts, distinct=distinct)
    return np.maximum(raw, _out_of_fold_auc(codes, target)), distinct, codes


def _starts(ordered: np.ndarray) -> np.ndarray:
    """Where each run of equal values begins in each sorted column."""
    starts = np.ones(ordered.shape, dtype=bool)
    starts[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    return starts


def _codes(
    values: np.ndarray,
    *,
    order: np.ndarray,
    starts: np.ndarray,
    distinct: np.ndarray,
) -> np.ndarray:
    """Bin codes from 0: `pd.qcut`'s 20 bins, or one per value for 20 values or fewer.

    A column with few values is cut by `pd.factorize` in the scan, numbered by first
    appearance; here by value. The numbering differs, the groups do not, and the
    scores depend on the groups only.
    """
    codes = np.empty(values.shape, dtype=np.int64)
    np.put_along_axis(codes, order, np.cumsum(starts, axis=1) - 1, axis=1)
    many = np.flatnonzero(distinct > BINS)
    if len(many):
        cut = values[many]
        edges = pd.DataFrame(cut.T).quantile(_quantiles()).to_numpy().T
        # `pd.qcut` drops a repeated edge, counts the edges below each value
        # (searchsorted, left), and puts the lowest value in the first bin.
        new = np.ones(edges.shape, dtype=bool)
        new[:, 1:] = edges[:, 1:] != edges[:, :-1]
        below = np.zeros(cut.shape, dtype=np.int64)
        for edge, counted in zip(edges.T, new.T, strict=True):
            below += (cut > edge[:, None]) & counted[:, None]
        below[cut == edges[:, :1]] = 1
        codes[many] = below - 1
    return codes


def _quantiles() -> np.ndarray:
    """The quantiles `pd.qcut(x, 20)` asks for, rounded up where not exact in base 2."""
    quantiles = np.linspace(0, 1, BINS + 1)
    np.putmask(
        quantiles,
        BINS * quantiles != np.arange(BINS + 1),
        np.nextafter(quantiles, 1),
    )
    return quantiles


def _out_of_fold_auc(codes: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Each column's AUC of its out-of-fold bin means (`leakage._out_of_fold`).

    Every row of one half gets its bin's mean of the other half, so a column's scores
    take at most two values per bin: the AUC is counted over those groups (their
    positives and negatives) instead of over the rows, with the same exact counts.
    """
    width, rows = codes.shape
    values = target.astype(float)
    fold = np.arange(rows) % 2
    size = int(codes.max()) + 1
    # One bincount over all columns: column j's bins are j*size ... j*size+size-1,
    # and each bin's sum is added up in row order, as the per-column check adds it.
    flat = codes + (np.arange(width) * size)[:, None]
    scores, positives, negatives = [], [], []
    for part in (0, 1):
        learn, apply = fold != part, fold == part
        spots = flat[:, learn].ravel()
        sums = np.bincount(
            spots, weights=np.tile(values[learn], width), minlength=width * size
        ).reshape(width, size)
        counts = np.bincount(spots, minlength=width * size).reshape(width, size)
        overall = values[learn].mean() if learn.any() else 0.0
        scores.append(np.where(counts > 0, sums / np.maximum(counts, 1), overall))
        applied = flat[:, apply].ravel()
        rows_here = np.bincount(applied, minlength=width * size).reshape(width, size)
        hits = np.bincount(
            applied, weights=np.tile(values[apply], width), minlength=width * size
        ).reshape(width, size)
        positives.append(hits)
        negatives.append(rows_here - hits)
    return _grouped_auc(np.hstack(scores), np.hstack(positives), np.hstack(negatives))


def _grouped_auc(
    scores: np.ndarray, positives: np.ndarray, negatives: np.ndarray
) -> np.ndarray:
    """AUC per row of groups sharing a score, folded above 0.5.

    Each positive counts the negatives scored below it, and half of those scored the
    same: the Mann-Whitney count that the rank form also reaches, exact in integers
    and halves, over the same pairs.
    """
    order = np.argsort(scores, axis=1)
    ordered = np.take_along_axis(scores, order, axis=1)
    up = np.take_along_axis(positives, order, axis=1)
    down = np.take_along_axis(negatives, order, axis=1)
    first, last = _runs(_starts(ordered))
    below = np.cumsum(down, axis=1)
    before = np.take_along_axis(below - down, first, axis=1)
    tied = np.take_along_axis(below, last, axis=1) - before
    pairs = up.sum(axis=1) * down.sum(axis=1)
    area = (up * (before + tied / 2)).sum(axis=1) / pairs
    return np.maximum(area, 1 - area)


def _runs(starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each sorted position, where its run of equal values begins and ends."""
    positions = np.arange(starts.shape[1])
    first = np.maximum.accumulate(np.where(starts, positions, 0), axis=1)
    ends = np.ones(starts.shape, dtype=bool)
    ends[:, :-1] = starts[:, 1:]
    last = np.minimum.accumulate(
        np.where(ends, positions, starts.shape[1])[:, ::-1], axis=1
    )[:, ::-1]
    return first, last


def _auc(target: np.ndarray, *, order: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Each column's AUC for `target`, folded above 0.5 (0.5 for a constant column).

    Mann-Whitney: the positives' rank sum, less its least possible value, over the
    pairs of a positive and a negative; tied values share their average rank.
    `order` sorts each column, `starts` marks where its runs of equal values begin.
    """
    rows = order.shape[1]
    first, last = _runs(starts)
    ranks = np.empty(order.shape)
    np.put_along_axis(ranks, order, (first + last) / 2 + 1, axis=1)
    positives = int(target.sum())
    negatives = rows - positives
    area = (ranks[:, target].sum(axis=1) - positives * (positives + 1) / 2) / (
        positives * negatives
    )
    return np.maximum(area, 1 - area)


def _pure(
    codes: np.ndarray,
    rare: np.ndarray,
    *,
    share: float,
    min_rows: int,
    min_cover: float,
) -> np.ndarray:
    """Whether each column has a bin that may be pure (`leakage._pure_value`)."""
    width, rows = codes.shape
    size = int(codes.max()) + 1
    flat = (codes + (np.arange(width) * size)[:, None]).ravel()
    counts = np.bincount(flat, minlength=width * size).reshape(width, size)
    hits = np.bincount(
        flat, weights=np.tile(rare.astype(float), width), minlength=width * size
    ).reshape(width, size)
    pure = (
        (counts >= min_rows)
        & (hits / np.maximum(counts, 1) >= share)
        & (hits >= min_cover * rare.sum())
        & (counts < 0.5 * rows)
    )
    return pure.any(axis=1)
