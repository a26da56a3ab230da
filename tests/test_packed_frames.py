"""Wide frames packed once for the models: the same values, the same predictions."""

import io

import numpy as np
import pandas as pd
from sklearn.base import clone

from playbook.tasks import models

WIDTH = models.PACKED_ABOVE_COLUMNS + 20


def _as_read(columns, rows=200, seed=0):
    """A frame read from CSV text, as `playbook.data.read` reads a file.

    Numbers with gaps, whole numbers and a text column: pandas gives each column
    read from a file its own block.
    """
    rng = np.random.default_rng(seed)
    values = pd.DataFrame(
        rng.normal(size=(rows, columns - 2)),
        columns=[f"x{i}" for i in range(columns - 2)],
    )
    values.iloc[rng.integers(0, rows, 30), 1] = np.nan
    values["count"] = rng.integers(0, 5, rows)
    values["plan"] = rng.choice(["basic", "plus", "pro"], rows)
    return pd.read_csv(io.StringIO(values.to_csv(index=False)))


def test_a_wide_frame_is_packed_into_few_blocks_with_every_value_kept():
    frame = _as_read(WIDTH)
    packed = models.packed(frame)
    pd.testing.assert_frame_equal(packed, frame)
    assert packed is not frame
    # What the speed comes from (pandas' own blocks): one per type, not per column.
    assert frame._mgr.nblocks == WIDTH
    assert packed._mgr.nblocks <= 3


def test_a_narrow_frame_is_used_as_read():
    frame = _as_read(models.PACKED_ABOVE_COLUMNS)
    assert models.packed(frame) is frame


def test_a_model_fitted_on_packed_rows_predicts_rows_as_read_to_the_last_bit():
    # Stage 4 fits and scores packed rows; stage 7 and `playbook score` read the
    # file as it is: the saved scores must be the same bits either way.
    frame = _as_read(WIDTH, rows=300, seed=1)
    target = (frame["x0"] + frame["count"] > 2).to_numpy()
    features = frame.drop(columns=["x0"])
    on_packed = models.logistic().fit(models.packed(features), target)
    expected = models.logistic().fit(features, target).predict_proba(features)
    np.testing.assert_array_equal(on_packed.predict_proba(features), expected)
    np.testing.assert_array_equal(
        on_packed.predict_proba(models.packed(features)), expected
    )


def test_the_trees_encoding_of_packed_rows_is_the_same_matrix():
    # What the boosted trees read (their fit bins 0.1 s per column: too slow here).
    features = _as_read(WIDTH, rows=300, seed=2)
    encoding = models.gradient_boosting()[0]
    on_packed = clone(encoding).fit(models.packed(features))
    expected = clone(encoding).fit(features).transform(features)
    for rows in (features, models.packed(features)):
        encoded = on_packed.transform(rows)
        np.testing.assert_array_equal(encoded, expected)
        assert encoded.flags.c_contiguous == expected.flags.c_contiguous
