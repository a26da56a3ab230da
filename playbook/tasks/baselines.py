"""Today's baseline: the charter's rule applied as data (never evaluated as code)."""

from __future__ import annotations

import operator
from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from playbook.charter.model import Condition
from playbook.errors import CharterError

_OPERATORS = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


class RuleBaseline(ClassifierMixin, BaseEstimator):
    """Flags rows meeting the charter's rule, ranked by how many conditions they meet.

    The rule learns nothing from the labels: `fit` only checks that the columns exist
    and can be compared with the conditions' values.

    Args:
        conditions: The rule's conditions, each `column op value`.
        match: "any" flags a row meeting at least one condition, "all" only rows meeting
            every condition.
    """

    def __init__(self, conditions: Sequence[Condition] = (), match: str = "any"):
        """Store the rule as given; `fit` checks it, as scikit-learn expects."""
        self.conditions = conditions
        self.match = match

    def fit(self, X: pd.DataFrame, y=None) -> RuleBaseline:
        """Check the rule against the columns of `X`.

        Raises:
            CharterError: A condition names a column `X` lacks, or compares a text
                column with a number.
        """
        if self.match not in ("any", "all"):
            raise CharterError(
                f"baseline.rule.match must be 'any' or 'all', got {self.match!r}."
            )
        for index, condition in enumerate(self.conditions):
            where = f"baseline.rule.conditions[{index}]"
            if condition.op not in _OPERATORS:
                raise CharterError(
                    f"{where}.op must be one of {', '.join(_OPERATORS)}, "
                    f"got {condition.op!r}."
                )
            if condition.column not in X.columns:
                raise CharterError(
                    f"{where}.column: the data has no column {condition.column!r}. "
                    f"Columns are: {', '.join(map(str, X.columns))}."
                )
            numeric_column = pd.api.types.is_numeric_dtype(X[condition.column])
            numeric_value = isinstance(condition.value, int | float)
            if condition.op not in ("==", "!=") and numeric_column != numeric_value:
                raise CharterError(
                    f"{where}: cannot compare column {condition.column!r} "
                    f"({'numbers' if numeric_column else 'text'}) with "
                    f"{condition.value!r} using {condition.op}."
                )
        self.classes_ = np.array([0, 1])
        self.n_conditions_ = len(self.conditions)
        return self

    def conditions_met(self, X: pd.DataFrame) -> np.ndarray:
        """Number of conditions each row meets (a missing value meets none)."""
        check_is_fitted(self)
        met = np.zeros(len(X), dtype=int)
        for condition in self.conditions:
            column = X[condition.column]
            hit = _OPERATORS[condition.op](column, condition.value)
            met += (hit & column.notna()).to_numpy(dtype=bool)
        return met

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """1 for rows the rule flags, else 0."""
        met = self.conditions_met(X)
        needed = 1 if self.match == "any" else self.n_conditions_
        return (met >= needed).astype(int)

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        """Priority of each row: conditions met for flagged rows, 0 for the others."""
        return self.conditions_met(X) * self.predict(X)
