"""Hold-outs that do not flatter the model: the latest periods when there is time."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupShuffleSplit, train_test_split

from playbook.charter.model import Charter
from playbook.data import calendar, time_column
from playbook.errors import DataError
from playbook.tasks.split_words import CalendarNotes, SplitAccount, described
from playbook.tasks.training_sample import TrainingSample


@dataclass(frozen=True)
class Holdout:
    """Row positions for training and testing, and how they were chosen.

    Attributes:
        kind: "time", "grouped" or "stratified".
        train: Positions of the training rows.
        test: Positions of the test rows.
        train_periods: The periods trained on (each has rows).
        test_periods: The test periods judged (each has rows).
        account: How the rows were held out, the facts its sentence is written
            from (`split_words.described`).
        missing_periods: Periods of the test window without a single row: a forecast's
            window is the latest periods of the complete calendar, so a week the data
            lacks is reported missing, never replaced by an earlier one.
    """

    kind: str
    train: np.ndarray
    test: np.ndarray
    train_periods: list[str]
    test_periods: list[str]
    account: SplitAccount
    missing_periods: list[str] = field(default_factory=list)

    @property
    def description(self) -> str:
        """How the rows were held out, in English (the model card's and evidence's)."""
        return described(self.account)

    def noted(
        self,
        *,
        calendar: CalendarNotes | None = None,
        sample: TrainingSample | None = None,
    ) -> Holdout:
        """The same split, its account noting a forecast's calendar or a sample."""
        account = self.account
        return dataclasses.replace(
            self,
            account=dataclasses.replace(
                account,
                calendar=calendar or account.calendar,
                sample=sample or account.sample,
            ),
        )


def periods_of(frame: pd.DataFrame, *, poc: Charter) -> pd.Series:
    """Each row's KPI period as text, indexed like `frame`.

    A forecast is judged per KPI period (`kpi.period`, named by its first day) whatever
    the grain of the time column; the other tasks per value of the time column
    (`data.time`), labelled so that text order is time order; without a time column
    every row is in one period, "all". Every stage reads the time column alike
    (`playbook.data.time_column`).
    """
    if poc.kpi is not None and poc.kpi.kind == "forecast":
        when = time_column.parse(frame, poc=poc).when
        return calendar.period_labels(when, period=poc.kpi.period)
    if poc.data.time:
        return time_column.period_labels(frame, poc=poc)
    return pd.Series("all", index=frame.index)


def split(
    frame: pd.DataFrame,
    *,
    poc: Charter,
    seed: int,
    periods: pd.Series | None = None,
) -> Holdout:
    """Split by time if the charter names a time column, else stratified by the target.

    Without a time column, rows that share an id (the same customer seen twice) stay
    on one side, so the model is never tested on someone it trained on.

    Args:
        frame: The data.
        poc: The charter (`data.time`, `data.id`, `data.target`, `split`).
        seed: Seed for the random split.
        periods: The KPI period of each row, when it is not the time column's value
            itself (a forecast on daily data is judged per week).

    Raises:
        DataError: There are too few periods to hold out the charter's test periods, or
            one side of the split would have a single class.
    """
    plan = poc.need("split")
    target = frame[poc.data.target]
    if poc.data.time:
        if periods is None:
            periods = periods_of(frame, poc=poc)
        result = _latest_periods(
            periods,
            held_out=plan.test_periods or 1,
            poc=poc,
            grid=_calendar_periods(frame, poc=poc),
        )
    elif poc.data.id and frame[poc.data.id].duplicated().any():
        share = plan.test_share or 0.25
        train, test = next(
            GroupShuffleSplit(n_splits=1, test_size=share, random_state=seed).split(
                frame, groups=frame[poc.data.id]
            )
        )
        result = _drawn_at_random(
            train,
            test,
            SplitAccount(kind="grouped", share=share, id_column=poc.data.id),
        )
    else:
        share = plan.test_share or 0.25
        strata = _strata(target, share)
        train, test = train_test_split(
            np.arange(len(frame)), test_size=share, stratify=strata, random_state=seed
        )
        result = _drawn_at_random(
            train,
            test,
            SplitAccount(
                kind="stratified",
                share=share,
                unstratified_target=None if strata is not None else poc.data.target,
            ),
        )
    for side, rows in (("training", result.train), ("test", result.test)):
        if target.iloc[rows].nunique() < 2:
            raise DataError(
                f"{poc.data.path}: the {side} rows hold a single value of "
                f"{poc.data.target!r}; the comparison needs both outcomes on each "
                f"side. Add data or change the split."
            )
    return result


def validation(
    frame: pd.DataFrame,
    split: Holdout,
    *,
    poc: Charter,
    seed: int,
    periods: pd.Series | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Positions (into `frame`) to fit on and to validate on, both within training.

    Tuning never sees the test rows: with time, the latest training period validates
    the settings fitted on the earlier ones; otherwise a stratified quarter of the
    training rows (grouped by id when ids repeat) does.
    """
    train = split.train
    if split.kind == "time" and len(split.train_periods) >= 2:
        if periods is None:
            periods = periods_of(frame, poc=poc)
        last = periods.iloc[train].to_numpy() == split.train_periods[-1]
        return train[~last], train[last]
    target = frame[poc.data.target].iloc[train]
    if split.kind == "grouped":
        fit, check = next(
            GroupShuffleSplit(n_splits=1, test_size=0.25, random_state=seed).split(
                train, groups=frame[poc.data.id].iloc[train]
            )
        )
    else:
        fit, check = train_test_split(
            np.arange(len(train)),
            test_size=0.25,
            stratify=_strata(target, 0.25),
            random_state=seed,
        )
    return train[np.sort(fit)], train[np.sort(check)]


def _calendar_periods(frame: pd.DataFrame, *, poc: Charter) -> list[str]:
    """A forecast's KPI periods from its first row's to its last's, rows or not."""
    if poc.kpi is None or poc.kpi.kind != "forecast":
        return []
    when = time_column.parse(frame, poc=poc).when
    return calendar.period_grid(when, period=poc.kpi.period)


def _latest_periods(
    periods: pd.Series, *, held_out: int, poc: Charter, grid: list[str]
) -> Holdout:
    """The latest `held_out` periods held out, the earlier ones trained on.

    The latest periods are those of the complete calendar (`grid`, a forecast's KPI
    periods) with the rows' own: a period without rows stays in the window and is
    reported missing, so that the window never reaches back to an earlier period.
    """
    present = set(periods.unique())
    labels = sorted(present | set(grid))
    if len(labels) <= held_out:
        raise DataError(
            f"{poc.data.path}: column {poc.data.time!r} has {len(labels)} periods, "
            f"too few to hold out the latest {held_out} (split.test_periods) and "
            f"train on the rest. Lower split.test_periods or add earlier data."
        )
    window = labels[-held_out:]
    test_labels = [label for label in window if label in present]
    train_labels = [label for label in labels[:-held_out] if label in present]
    missing = [label for label in window if label not in present]
    if not test_labels or not train_labels:
        side = "test" if not test_labels else "training"
        raise DataError(
            f"{poc.data.path}: column {poc.data.time!r} has no row in any {side} "
            f"period (the latest {held_out} periods of the calendar are the test, "
            f"split.test_periods). Add the missing rows or change "
            "split.test_periods."
        )
    is_test = periods.isin(test_labels).to_numpy()
    return Holdout(
        kind="time",
        train=np.flatnonzero(~is_test),
        test=np.flatnonzero(is_test),
        train_periods=train_labels,
        test_periods=test_labels,
        account=SplitAccount(
            kind="time",
            train_first=train_labels[0],
            train_last=train_labels[-1],
            window=window,
            missing=missing,
        ),
        missing_periods=missing,
    )


def _drawn_at_random(
    train: np.ndarray, test: np.ndarray, account: SplitAccount
) -> Holdout:
    """A holdout of rows drawn at random: one period, "all", on each side."""
    return Holdout(
        kind=account.kind,
        train=np.sort(train),
        test=np.sort(test),
        train_periods=["all"],
        test_periods=["all"],
        account=account,
    )


def _strata(target: pd.Series, share: float) -> np.ndarray | None:
    """What a random split can stratify by: the target, with one-row classes pooled.

    A class seen once cannot sit on both sides, so such classes share a stratum (a lone
    one joins the most common class); with fewer rows on a side than strata (many
    classes, little data) the split cannot be stratified and None says so.
    """
    labels = target.astype(str).to_numpy()
    values, counts = np.unique(labels, return_counts=True)
    rare = np.isin(labels, values[counts < 2])
    pooled = "\0rare" if rare.sum() >= 2 else values[counts.argmax()]
    strata = np.where(rare, pooled, labels)
    test_rows = math.ceil(share * len(labels))
    if min(test_rows, len(labels) - test_rows) < len(np.unique(strata)):
        return None
    return strata


def latest_rows(frame: pd.DataFrame, split: Holdout, *, poc: Charter) -> pd.DataFrame:
    """The test rows of the latest period (all test rows when there is no time)."""
    test = frame.iloc[split.test]
    if split.kind != "time":
        return test
    return test[periods_of(test, poc=poc) == split.test_periods[-1]]


def period_rows(periods: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """Each period's label as text, in sorted order, with its rows in their order.

    What `np.flatnonzero(periods.astype(str) == label)` gives for each label of
    `sorted(set(periods.astype(str)))`, with each value hashed once instead of
    compared with every label (500,000 rows: 0.3 -> 0.05 s of CPU).
    """
    values = np.asarray(periods)
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    if values.dtype == object and not all(isinstance(u, str) for u in uniques):
        # Missing values of different kinds (None, NaN) may share a code, and
        # their texts differ: each row is written as text first.
        values = values.astype(str)
        codes, uniques = pd.factorize(values, use_na_sentinel=False)
    # Values that differ and read the same as text (1 and "1") are one period.
    names, named = np.unique(np.asarray(uniques).astype(str), return_inverse=True)
    label = named.reshape(-1)[codes]
    order = np.argsort(label, kind="stable")
    bounds = np.searchsorted(label[order], np.arange(len(names) + 1))
    return [
        (str(name), order[bounds[i] : bounds[i + 1]]) for i, name in enumerate(names)
    ]
