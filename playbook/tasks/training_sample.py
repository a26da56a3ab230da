"""A seeded sample of the training rows when there are more than a model needs.

A yes/no model's fit grows with its rows (gradient boosting's binning and histograms,
the logistic regression's passes), and stage 4 fits each tuning setting and then the
chosen one. On a million rows that is most of a journey. Above
`MAX_TRAINING_ROWS` the candidates are tuned and the chosen one fitted on a seeded
random sample of the training rows (the same rows for every setting, drawn across all
training periods); the validation rows score every setting in full, and the KPI is
computed on every test row, so the judgement of the model is not sampled. The pages
and the evidence say "trained on a sample of N of M rows".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from playbook.core.language import Language
from playbook.core.messages import translated

# Training rows a yes/no model is fitted on at most: a hundred thousand rows hold
# thousands of positives even at a few percent, and both candidates fit them in
# seconds. That more rows would not move the KPI is expected, not measured here, so
# the page says that a sample was used and of how many rows.
MAX_TRAINING_ROWS = 100_000


@dataclass(frozen=True)
class TrainingSample:
    """The model was fitted on a seeded sample of the training rows.

    Attributes:
        rows: Training rows the chosen model was fitted on.
        of_rows: Training rows there were.
    """

    rows: int
    of_rows: int

    def words(self, *, language: Language = "en") -> str:
        """The sample in words, for the split's description.

        Args:
            language: The reader's language.
        """
        return translated(
            language,
            "the model trained on a seeded random sample of %(rows)s of the "
            "%(of_rows)s training rows, to bound the time of the fits; the KPI is "
            "computed on every test row",
            rows=f"{self.rows:,}",
            of_rows=f"{self.of_rows:,}",
        )


def draw(
    train: np.ndarray, *, seed: int, limit: int | None = None
) -> tuple[np.ndarray, TrainingSample | None]:
    """The training positions to fit on: all of them, or a seeded sample of `limit`.

    Args:
        train: Positions of the training rows.
        seed: The run's seed: the same seed draws the same rows.
        limit: The most rows to fit on; `MAX_TRAINING_ROWS` unless given.

    Returns:
        Whether each training position is fitted on (a mask in `train`'s order), and
        the sample's size against all, None when every row is kept.
    """
    limit = MAX_TRAINING_ROWS if limit is None else limit
    keep = np.ones(len(train), dtype=bool)
    if len(train) <= limit:
        return keep, None
    keep[:] = False
    keep[np.random.default_rng(seed).choice(len(train), limit, replace=False)] = True
    return keep, TrainingSample(rows=limit, of_rows=len(train))
