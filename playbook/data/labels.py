"""The target's labels: which rows have one, and whether they fit a top-k KPI.

A top-k KPI ranks cases by the chance of one outcome, so its target holds two values,
the charter's positive label among them. A target with more values, or a quantity,
stops the journey with what to do instead, and so does a positive label the target
lacks (a YAML true/false read from an unquoted yes, no, on or off is named).

Rows without a label (an outcome not known yet, say the latest month) are left out of
training and of the KPI: counted, reported by stage 3, and a blocker when they are more
than `data.max_unlabelled_share` of the rows.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import pandas as pd

from playbook.charter.model import Charter
from playbook.charter.review import Finding
from playbook.data.frame import QUANTITY_DISTINCT, target_kind

# YAML reads these, unquoted, as true or false.
_YAML_TRUE = {"yes", "y", "on", "true"}
_YAML_FALSE = {"no", "n", "off", "false"}
# How many of a column's values a message lists.
_SHOWN = 8


@dataclass(frozen=True)
class UnlabelledRows:
    """The rows without a label, left out of training and of the KPI.

    Attributes:
        target: The target column (`data.target`).
        rows: Rows whose target is missing or blank.
        total: All rows read.
        allowed_share: The charter's `data.max_unlabelled_share`.
        periods: Periods of the time column in which no row has a label, oldest first.
    """

    target: str
    rows: int
    total: int
    allowed_share: float
    periods: list[str] = field(default_factory=list)

    @property
    def share(self) -> float:
        """The unlabelled rows' share of all rows."""
        return self.rows / self.total if self.total else 0.0


def ranks_one_outcome(poc: Charter) -> bool:
    """Whether the KPI ranks cases by one outcome (top-k, the default kind)."""
    return poc.kpi is None or poc.kpi.kind == "top_k"


def missing(frame: pd.DataFrame, *, poc: Charter) -> pd.Series:
    """True for the rows whose target is missing or blank text."""
    target = frame[poc.data.target]
    absent = target.isna()
    if not pd.api.types.is_numeric_dtype(target):
        absent |= target.astype(str).str.strip() == ""
    return absent


def unlabelled(
    frame: pd.DataFrame, *, poc: Charter, periods: pd.Series | None = None
) -> UnlabelledRows:
    """Count the rows without a label, and the periods that have no label at all.

    Args:
        frame: The data.
        poc: The charter (`data.target`, `data.max_unlabelled_share`).
        periods: Each row's period label, when the data has a time column.
    """
    absent = missing(frame, poc=poc)
    empty: list[str] = []
    if periods is not None and absent.any():
        labelled_share = (~absent).groupby(periods.to_numpy()).mean()
        empty = sorted(str(p) for p in labelled_share.index[labelled_share == 0])
    return UnlabelledRows(
        target=poc.data.target,
        rows=int(absent.sum()),
        total=len(frame),
        allowed_share=poc.data.max_unlabelled_share,
        periods=empty,
    )


def sentence(found: UnlabelledRows) -> str:
    """The unlabelled rows in one sentence, for the reader."""
    target = found.target
    if not found.rows:
        return f"Every row has a label in {target!r}."
    where = f"; no row of {', '.join(found.periods)} has one" if found.periods else ""
    return (
        f"{found.rows:,} of {found.total:,} rows ({found.share:.1%}) have no label "
        f"in {target!r}{where}: they are left out of training and of the KPI."
    )


def findings(frame: pd.DataFrame, *, poc: Charter) -> list[Finding]:
    """What keeps the target from serving a top-k KPI: each a blocker.

    Too many rows without a label, a quantity, more than two values, and a positive
    label that is not one of the values. Nothing for a forecast or a router.
    """
    if not ranks_one_outcome(poc):
        return []
    found = _unlabelled_share(unlabelled(frame, poc=poc))
    present = frame[poc.data.target][~missing(frame, poc=poc)]
    if present.empty:
        return found  # label_balance says the target holds no values
    return found + _unfit_target(present.value_counts(), poc=poc)


def _unlabelled_share(found: UnlabelledRows) -> list[Finding]:
    if found.share <= found.allowed_share:
        return []
    return [
        Finding(
            "data.max_unlabelled_share",
            True,
            f"{found.rows:,} of {found.total:,} rows ({found.share:.1%}) have no "
            f"label in {found.target!r}, more than the {found.allowed_share:.0%} the "
            "charter "
            "accepts",
            "Find out why the labels are missing (outcomes not known yet, a broken "
            "join) and fix the extract; raise data.max_unlabelled_share only if "
            "waiting outcomes explain them.",
        )
    ]


def _unfit_target(values: pd.Series, *, poc: Charter) -> list[Finding]:
    """A quantity, or more than two values: a top-k KPI cannot rank by one outcome."""
    target = poc.data.target
    if target_kind(values.index.to_series()) == "quantity":
        message = (
            f"the target {target!r} holds {len(values):,} different numbers (more "
            f"than {QUANTITY_DISTINCT}, e.g. {listed(values.iloc[:3], 3)}): a "
            "quantity, and kpi.kind top_k ranks cases by the chance of one outcome"
        )
        hint = (
            "Set kpi.kind: forecast to plan a quantity, or make the target yes/no in "
            "the extract (e.g. 1 when the amount passes a threshold, else 0)."
        )
    elif len(values) > 2:
        message = (
            f"the target {target!r} holds {len(values)} values "
            f"({listed(values, _SHOWN)}), and kpi.kind top_k needs two: the positive "
            f"label ({poc.data.positive_label!r}) and one other"
        )
        hint = (
            "Set kpi.kind: routing to choose among the values, or map them to two in "
            "the extract (the outcome to act on, and the rest)."
        )
    else:
        return _positive_label(values, poc=poc)
    return [Finding("data.target", True, message, hint)]


def _positive_label(values: pd.Series, *, poc: Charter) -> list[Finding]:
    label = poc.data.positive_label
    if _holds(values.index, label):
        return []
    texts = [str(value) for value in values.index]
    if isinstance(label, bool) and not pd.api.types.is_bool_dtype(values.index):
        meant = _YAML_TRUE if label else _YAML_FALSE
        guess = next((t for t in texts if t.strip().lower() in meant), None)
        return [
            Finding(
                "data.positive_label",
                True,
                f"data.positive_label was read as {str(label).lower()}: YAML reads an "
                f"unquoted yes, no, on or off as true or false, and the target "
                f"{poc.data.target!r} holds {listed(values, _SHOWN)}",
                f"Quote the label: positive_label: '{guess or texts[0]}'.",
            )
        ]
    same_text = next((t for t in texts if t == str(label)), None)
    if same_text is not None and isinstance(label, int | float):
        hint = f"The target holds it as text: quote it, positive_label: '{same_text}'."
    elif same_text is not None:
        hint = f"The target holds it as a number: write positive_label: {same_text}."
    else:
        near = near_miss(str(label), texts)
        hint = (f"Did you mean {near!r}? " if near else "") + (
            "Set positive_label to the value that marks the outcome the POC looks for."
        )
    return [
        Finding(
            "data.positive_label",
            True,
            f"data.positive_label {label!r} is not a value of the target "
            f"{poc.data.target!r} (its values: {listed(values, _SHOWN)})",
            hint,
        )
    ]


def _holds(values: pd.Index, label: object) -> bool:
    """Whether `label` equals one of `values` as pandas compares them."""
    try:
        return bool((values == label).any())
    except TypeError:
        return False


def near_miss(value: str, candidates: list[str]) -> str | None:
    """The candidate `value` was probably meant to be: same letters, or close."""
    folded = {candidate.strip().casefold(): candidate for candidate in candidates}
    if value.strip().casefold() in folded:
        return folded[value.strip().casefold()]
    close = difflib.get_close_matches(
        value.strip().casefold(), list(folded), n=1, cutoff=0.75
    )
    return folded[close[0]] if close else None


def listed(values: pd.Series, count: int) -> str:
    """The first `count` values of a value count, quoted, with how many more."""
    shown = ", ".join(repr(_plain(value)) for value in values.index[:count])
    more = len(values) - count
    return f"{shown}, +{more} more" if more > 0 else shown


def _plain(value: object) -> object:
    """A numpy scalar as the Python value it stands for, so repr() reads plainly."""
    return value.item() if hasattr(value, "item") else value
