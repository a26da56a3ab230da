"""Hold-outs that do not flatter the model: the latest periods when there is time."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from playbook.charter import Charter
from playbook.errors import DataError


@dataclass(frozen=True)
class Holdout:
    """Row positions for training and testing, and how they were chosen."""

    kind: str
    train: np.ndarray
    test: np.ndarray
    train_periods: list[str]
    test_periods: list[str]
    description: str


def split(frame: pd.DataFrame, *, poc: Charter, seed: int) -> Holdout:
    """Split by time if the charter names a time column, else stratified by the target.

    Raises:
        DataError: There are too few periods to hold out the charter's test periods, or
            one side of the split would have a single class.
    """
    plan = poc.need("split")
    target = frame[poc.data.target]
    if poc.data.time:
        periods = frame[poc.data.time].astype(str)
        labels = sorted(periods.unique())
        held_out = plan.test_periods or 1
        if len(labels) <= held_out:
            raise DataError(
                f"{poc.data.path}: column {poc.data.time!r} has {len(labels)} periods, "
                f"too few to hold out the latest {held_out} (split.test_periods) and "
                f"train on the rest. Lower split.test_periods or add earlier data."
            )
        test_labels = labels[-held_out:]
        is_test = periods.isin(test_labels).to_numpy()
        result = Holdout(
            kind="time",
            train=np.flatnonzero(~is_test),
            test=np.flatnonzero(is_test),
            train_periods=labels[:-held_out],
            test_periods=test_labels,
            description=(
                f"trained on {labels[0]} to {labels[-held_out - 1]}, tested on the "
                f"latest {held_out} period(s), {test_labels[0]} to {test_labels[-1]}"
            ),
        )
    else:
        share = plan.test_share or 0.25
        train, test = train_test_split(
            np.arange(len(frame)), test_size=share, stratify=target, random_state=seed
        )
        result = Holdout(
            kind="stratified",
            train=np.sort(train),
            test=np.sort(test),
            train_periods=["all"],
            test_periods=["all"],
            description=f"a stratified random {share:.0%} of the rows held out",
        )
    for side, rows in (("training", result.train), ("test", result.test)):
        if target.iloc[rows].nunique() < 2:
            raise DataError(
                f"{poc.data.path}: the {side} rows hold a single value of "
                f"{poc.data.target!r}; the comparison needs both outcomes on each "
                f"side. Add data or change the split."
            )
    return result


def latest_rows(frame: pd.DataFrame, split: Holdout, *, poc: Charter) -> pd.DataFrame:
    """The test rows of the latest period (all test rows when there is no time)."""
    test = frame.iloc[split.test]
    if split.kind != "time":
        return test
    return test[test[poc.data.time].astype(str) == split.test_periods[-1]]
