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
from playbook.core.language import Language
from playbook.core.messages import translated
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


def sentence(found: UnlabelledRows, *, language: Language = "en") -> str:
    """The unlabelled rows in one sentence, for the reader."""
    target = repr(found.target)
    if not found.rows:
        return translated(
            language, "Every row has a label in %(target)s.", target=target
        )
    counts = {
        "rows": f"{found.rows:,}",
        "total": f"{found.total:,}",
        "share": f"{found.share:.1%}",
        "target": target,
    }
    if found.periods:
        return translated(
            language,
            "%(rows)s of %(total)s rows (%(share)s) have no label in %(target)s; no "
            "row of %(periods)s has one: they are left out of training and of the KPI.",
            periods=", ".join(found.periods),
            **counts,
        )
    return translated(
        language,
        "%(rows)s of %(total)s rows (%(share)s) have no label in %(target)s: they are "
        "left out of training and of the KPI.",
        **counts,
    )


def findings(
    frame: pd.DataFrame, *, poc: Charter, language: Language = "en"
) -> list[Finding]:
    """What keeps the target from serving a top-k KPI: each a blocker.

    Too many rows without a label, a quantity, more than two values, and a positive
    label that is not one of the values. Nothing for a forecast or a router.

    Args:
        frame: The data.
        poc: The charter.
        language: The language of the findings' sentences.
    """
    if not ranks_one_outcome(poc):
        return []
    found = _unlabelled_share(unlabelled(frame, poc=poc), language)
    present = frame[poc.data.target][~missing(frame, poc=poc)]
    if present.empty:
        return found  # label_balance says the target holds no values
    return found + _unfit_target(present.value_counts(), poc=poc, language=language)


def _unlabelled_share(found: UnlabelledRows, language: Language) -> list[Finding]:
    if found.share <= found.allowed_share:
        return []
    return [
        Finding(
            "data.max_unlabelled_share",
            True,
            translated(
                language,
                "%(rows)s of %(total)s rows (%(share)s) have no label in %(target)s, "
                "more than the %(allowed)s the charter accepts",
                rows=f"{found.rows:,}",
                total=f"{found.total:,}",
                share=f"{found.share:.1%}",
                target=repr(found.target),
                allowed=f"{found.allowed_share:.0%}",
            ),
            translated(
                language,
                "Find out why the labels are missing (outcomes not known yet, a broken "
                "join) and fix the extract; raise data.max_unlabelled_share only if "
                "waiting outcomes explain them.",
            ),
        )
    ]


def _unfit_target(
    values: pd.Series, *, poc: Charter, language: Language
) -> list[Finding]:
    """A quantity, or more than two values: a top-k KPI cannot rank by one outcome."""
    target = repr(poc.data.target)
    if target_kind(values.index.to_series()) == "quantity":
        message = translated(
            language,
            "the target %(target)s holds %(count)s different numbers (more than "
            "%(limit)s, e.g. %(examples)s): a quantity, and kpi.kind top_k ranks "
            "cases by the chance of one outcome",
            target=target,
            count=f"{len(values):,}",
            limit=QUANTITY_DISTINCT,
            examples=listed(values.iloc[:3], 3, language=language),
        )
        hint = translated(
            language,
            "Set kpi.kind: forecast to plan a quantity, or make the target yes/no in "
            "the extract (e.g. 1 when the amount passes a threshold, else 0).",
        )
    elif len(values) > 2:
        message = translated(
            language,
            "the target %(target)s holds %(count)s values (%(values)s), and kpi.kind "
            "top_k needs two: the positive label (%(label)s) and one other",
            target=target,
            count=len(values),
            values=listed(values, _SHOWN, language=language),
            label=repr(poc.data.positive_label),
        )
        hint = translated(
            language,
            "Set kpi.kind: routing to choose among the values, or map them to two in "
            "the extract (the outcome to act on, and the rest).",
        )
    else:
        return _positive_label(values, poc=poc, language=language)
    return [Finding("data.target", True, message, hint)]


def _positive_label(
    values: pd.Series, *, poc: Charter, language: Language
) -> list[Finding]:
    label = poc.data.positive_label
    if _holds(values.index, label):
        return []
    texts = [str(value) for value in values.index]
    shown = listed(values, _SHOWN, language=language)
    if isinstance(label, bool) and not pd.api.types.is_bool_dtype(values.index):
        meant = _YAML_TRUE if label else _YAML_FALSE
        guess = next((t for t in texts if t.strip().lower() in meant), None)
        message = translated(
            language,
            "data.positive_label was read as %(read)s: YAML reads an unquoted "
            "yes, no, on or off as true or false, and the target %(target)s "
            "holds %(values)s",
            read=str(label).lower(),
            target=repr(poc.data.target),
            values=shown,
        )
        hint = translated(
            language,
            "Quote the label: positive_label: '%(label)s'.",
            label=guess or texts[0],
        )
    else:
        message = translated(
            language,
            "data.positive_label %(label)s is not a value of the target "
            "%(target)s (its values: %(values)s)",
            label=repr(label),
            target=repr(poc.data.target),
            values=shown,
        )
        hint = _label_hint(label, texts, language=language)
    return [Finding("data.positive_label", True, message, hint)]


def _label_hint(label: object, texts: list[str], *, language: Language) -> str:
    """How to write a positive label that is not one of the target's `texts`."""
    same_text = next((t for t in texts if t == str(label)), None)
    if same_text is not None and isinstance(label, int | float):
        return translated(
            language,
            "The target holds it as text: quote it, positive_label: '%(label)s'.",
            label=same_text,
        )
    if same_text is not None:
        return translated(
            language,
            "The target holds it as a number: write positive_label: %(label)s.",
            label=same_text,
        )
    if (near := near_miss(str(label), texts)) is not None:
        return translated(
            language,
            "Did you mean %(near)s? Set positive_label to the value that marks the "
            "outcome the POC looks for.",
            near=repr(near),
        )
    return translated(
        language,
        "Set positive_label to the value that marks the outcome the POC looks for.",
    )


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


def listed(values: pd.Series, count: int, *, language: Language = "en") -> str:
    """The first `count` values of a value count, quoted, with how many more."""
    shown = ", ".join(repr(_plain(value)) for value in values.index[:count])
    more = len(values) - count
    if more <= 0:
        return shown
    return translated(language, "%(named)s, +%(more)s more", named=shown, more=more)


def _plain(value: object) -> object:
    """A numpy scalar as the Python value it stands for, so repr() reads plainly."""
    return value.item() if hasattr(value, "item") else value
