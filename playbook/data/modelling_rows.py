"""The rows stages 4 to 7 model on: read, checked against the charter, labelled.

`read` is `playbook.data.read`: the source read as stage 3 reads it, stopped (exit 2)
where stage 3 would stop on the charter's fit or on values no model can use, and
without the rows whose label is missing, so that no stage trains on them or prices them
as "did not happen". Stage 3 reads every row (`playbook.data.sources.read`) and reports
how many were left out. Personal data in the columns a model may read comes back as
placeholders (`playbook.data.redaction`), so no model, score or later stage holds it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from playbook.charter.model import Charter
from playbook.data import charter_fit, labels, redaction, sources, time_column
from playbook.errors import DataError

# How many columns a message names before it counts the rest.
_NAMED_COLUMNS = 8


def read(poc: Charter, *, path: str | Path | None = None) -> pd.DataFrame:
    """The charter's data as the model sees it: checked, labelled rows, redacted.

    Args:
        poc: The charter.
        path: A file or folder to read instead of the charter's source (`--data`).

    Raises:
        DataError: The source cannot be read, a number column holds infinities, or
            the charter does not fit the data (a rule that selects nobody, a target
            unfit for the KPI, too many rows without a label, an unreadable time
            column); the message names the file read.
    """
    frame = sources.read(poc, path=path)
    require_finite(frame, poc=poc, source=path)
    charter_fit.require(frame, poc=poc, source=path)
    if labels.ranks_one_outcome(poc):
        absent = labels.missing(frame, poc=poc).to_numpy()
        if absent.any():
            frame = frame[~absent].reset_index(drop=True)
    return redaction.redact(frame, poc=poc)


def require_finite(
    frame: pd.DataFrame, *, poc: Charter, source: str | Path | None = None
) -> None:
    """Check that no number column the model may read holds an infinity.

    Columns in `data.exclude` are left alone: the model never reads them.

    Raises:
        DataError: Some do; the message names each column and how many infinities.
    """
    excluded = set(poc.data.exclude)
    # Only a float column can hold an infinity: integers and booleans cannot. Picked
    # from the dtypes at once (`select_dtypes` took 0.2 s on 3,000 columns).
    positions = [
        position
        for position, (column, dtype) in enumerate(frame.dtypes.items())
        if column not in excluded and pd.api.types.is_float_dtype(dtype)
    ]
    numbers = frame.iloc[:, positions]
    counts = pd.Series(
        np.isinf(numbers.to_numpy(dtype=float, na_value=np.nan)).sum(axis=0),
        index=numbers.columns,
    )
    infinite = counts[counts > 0]
    if infinite.empty:
        return
    named = ", ".join(
        f"{column!r} ({count:,} rows)"
        for column, count in infinite.head(_NAMED_COLUMNS).items()
    )
    more = len(infinite) - _NAMED_COLUMNS
    raise DataError(
        f"{time_column.data_source(poc, source)}: {len(infinite)} number column(s) "
        f"hold infinite values (inf or -inf): {named}"
        f"{f', +{more} more' if more > 0 else ''}. No model can learn from them: "
        "replace them in the extract (an empty cell where the value is unknown), or "
        "list the column in data.exclude."
    )
