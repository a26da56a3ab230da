"""Stage 3's personal-data and leak findings, reused by stages 4 and 5 when they hold.

The columns a model leaves out (`models.excluded_columns`) follow from a PII search and
a leakage scan of every column: seconds on 3,000 columns or a million rows. Stage 3
runs both and saves them in its evidence (`DataStrategyEvidence.pii` and `.leakage`);
`from_data_strategy` hands them to the later stages when they were found on the same
data under the same charter, and None otherwise, so the caller finds them again as it
would without stage 3. Either way the excluded columns are the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from playbook.charter.model import Charter
from playbook.core import journey
from playbook.data import sources, strategy_stage
from playbook.data.leakage import LeakageReport
from playbook.data.pii import PiiColumn
from playbook.data.strategy_stage import DataStrategyEvidence
from playbook.errors import PlaybookError


@dataclass(frozen=True)
class ColumnFindings:
    """What stage 3 found in the columns: personal data and leaks.

    Attributes:
        personal: `pii.detect`'s answer with the charter's `data.pii`,
            `data.allow_pii` and `data.text`.
        leaks: `leakage.scan`'s answer skipping `personal` (stage 3's deep scan,
            whose extra findings are warnings that keep no column out).
    """

    personal: list[PiiColumn]
    leaks: LeakageReport


def from_data_strategy(
    run_dir: str | Path | None,
    *,
    poc: Charter,
    frame: pd.DataFrame,
    data_path: str | Path | None = None,
) -> ColumnFindings | None:
    """Stage 3's findings, when they were found on `frame`'s data; None otherwise.

    They are reused only when stage 3 saved them in `run_dir` under a charter with
    the same `strategy_stage.findings_key`, read as many rows and columns as
    `frame` holds (no unlabelled row was left out since), and fingerprinted the
    same data: the file's or folder's bytes, or a query's rows.

    Args:
        run_dir: The run folder; None finds nothing.
        poc: The charter.
        frame: The rows the stage reads (`playbook.data.read`).
        data_path: The file or folder read instead of the charter's source
            (`--data`); empty or None for the charter's.
    """
    if run_dir is None:
        return None
    try:
        saved = journey.load(run_dir, strategy_stage.STAGE, DataStrategyEvidence)
    except PlaybookError:  # written by another version or damaged: find them again
        return None
    if saved is None:
        return None
    found = saved.evidence
    if (
        found.findings_key != strategy_stage.findings_key(poc)
        or (found.rows, found.columns) != frame.shape
    ):
        return None
    try:
        now = sources.fingerprint(poc, path=data_path or None, frame=frame)
    except PlaybookError:  # the source moved since stage 3: nothing to compare with
        return None
    if (now.kind, now.sha256) != (found.fingerprint.kind, found.fingerprint.sha256):
        return None
    return ColumnFindings(personal=found.pii, leaks=found.leakage)
