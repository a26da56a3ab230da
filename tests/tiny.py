"""The tiny SYNTHETIC churn example the tests run on: a few thousand rows."""

import shutil
from pathlib import Path

from playbook.synthetic import churn as synthetic
from playbook.synthetic.timeline import Batch

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def make_example(
    folder: Path, *, customers: int = 3000, seed: int = 7, fresh_shift: float = 0.2
) -> Path:
    """Copy the tiny charter and the churn contract into `folder`, write its data.

    The fresh batch (`data.fresh` in the charter) is the quarter after, drifted by
    `fresh_shift` (see `synthetic.churn`).
    """
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURES / "tiny_charter.yaml", folder / "charter.yaml")
    shutil.copy(REPO / "data_checks" / "churn.yaml", folder / "churn.checks.yaml")
    synthetic.churn(customers=customers, seed=seed).to_csv(
        folder / "churn_SYNTHETIC.csv", index=False
    )
    synthetic.churn(
        customers=1200,
        seed=seed + 1,
        batch=Batch(
            first="2026-01-01", periods=3, shift=fresh_shift, first_id=customers + 1
        ),
    ).to_csv(folder / "churn_fresh_SYNTHETIC.csv", index=False)
    return folder / "charter.yaml"


def save_model(
    poc, frame, result, *, folder: Path, seed: int, repeats: int, single_rows: int
) -> Path:
    """Save stage 4's model of `result` into `folder/run`, its latency measured.

    Returns the run folder, laid out as stage 4 leaves it (`model/`).
    """
    from playbook import data
    from playbook.core import journey
    from playbook.serve import saved_model
    from playbook.tasks import latency

    speed = latency.measure(
        result.model,
        frame.iloc[result.holdout.test][result.features],
        prediction=poc.prediction,
        repeats=repeats,
        single_rows=single_rows,
        seed=seed,
    )
    run = folder / "run"
    saved_model.save(
        journey.artifact(run, journey.MODEL_DIR),
        poc=poc,
        comparison=result,
        data_sha256=data.sha256(poc.data.path),
        latency=speed,
    )
    return run
