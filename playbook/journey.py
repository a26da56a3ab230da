"""The seven stages of the journey, and how a stage hands its outcome to the others.

A stage notebook ends by saving a `StageOutcome` under `<run>/results/`; later stages,
the runner and the manifest read it from there. Outcomes are plain JSON so that a person
can read them too.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from playbook.errors import PlaybookError


@dataclass(frozen=True)
class Stage:
    """One stage of the journey."""

    number: int
    key: str
    title: str
    needs: tuple[int, ...] = ()

    @property
    def notebook(self) -> str:
        """File name of the stage's notebook."""
        return f"{self.key}.ipynb"


STAGES = (
    Stage(1, "01_business_question", "Business question & culture"),
    Stage(2, "02_team", "Team"),
    Stage(3, "03_data_strategy", "Data strategy"),
    Stage(4, "04_poc", "POC: baseline versus model"),
    Stage(5, "05_beyond_poc", "Data beyond the POC"),
    Stage(6, "06_iterate", "Iterate", needs=(4,)),
    Stage(7, "07_scale_up_evaluation", "Scale-up & evaluation"),
)
PASSED, STOPPED = "passed", "stopped"


@dataclass(frozen=True)
class StageOutcome:
    """A stage's result: passed or stopped (by a gate), in one line and in detail."""

    stage: str
    status: str
    summary: str
    reasons: list[str] = field(default_factory=list)
    gate: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)


def stage(key_or_number: str | int) -> Stage:
    """Look a stage up by its key ("04_poc") or number (4)."""
    for candidate in STAGES:
        if key_or_number in (candidate.key, candidate.number):
            return candidate
    raise KeyError(f"no stage {key_or_number!r}; stages are 1-7")


def save(out_dir: str | Path, outcome: StageOutcome) -> Path:
    """Write a stage's outcome where the runner and later stages look for it."""
    path = Path(out_dir) / "results" / f"{outcome.stage}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(to_jsonable(outcome), indent=2, allow_nan=False) + "\n")
    return path


def load(out_dir: str | Path, key: str) -> StageOutcome | None:
    """Read a stage's outcome from a run folder; None if the stage recorded none."""
    path = Path(out_dir) / "results" / f"{key}.json"
    if not path.exists():
        return None
    return StageOutcome(**json.loads(path.read_text()))


def to_jsonable(value: Any) -> Any:
    """Turn dataclasses, numpy values, paths and NaN into plain JSON (NaN -> None)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: to_jsonable(getattr(value, f.name))
            for f in dataclasses.fields(value)
        }
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return to_jsonable(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Path):
        return str(value)
    return value


# Files stages hand to later stages, relative to the run folder.
MODEL_DIR = "model"
TEST_SCORES = "scores/test.csv"
FRESH_SCORES = "scores/fresh.csv"


def artifact(out_dir: str | Path, name: str) -> Path:
    """Where a hand-off file lives in a run folder."""
    return Path(out_dir) / name


def save_table(out_dir: str | Path, name: str, table: Any) -> Path | None:
    """Write a data frame as CSV for later stages; nothing when there is no table."""
    if table is None:
        return None
    path = artifact(out_dir, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(path, index=False)
    return path


def save_json(out_dir: str | Path, name: str, value: Any) -> Path:
    """Write a result (dataclasses included) as JSON into the run folder."""
    path = artifact(out_dir, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(to_jsonable(value), indent=2, allow_nan=False) + "\n")
    return path


def save_text(out_dir: str | Path, name: str, text: str) -> Path:
    """Write a text file (a script, a note) into the run folder."""
    path = artifact(out_dir, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def read_table(out_dir: str | Path, name: str) -> Any:
    """Read a hand-off table an earlier stage of this run wrote.

    Raises:
        PlaybookError: The earlier stage did not run in this run.
    """
    import pandas as pd

    path = artifact(out_dir, name)
    if not path.exists():
        raise PlaybookError(
            f"{path}: missing; the stage that writes it must run before this one, in "
            "the same run"
        )
    return pd.read_csv(path)


def latest_scores(out_dir: str | Path) -> tuple[str, Any]:
    """The most recent scored rows of this run: the fresh batch's, else the test rows'.

    Raises:
        PlaybookError: Stage 4 has not scored anything in this run.
    """
    import pandas as pd

    for name, source in (
        (FRESH_SCORES, "the fresh batch"),
        (TEST_SCORES, "the test periods"),
    ):
        path = artifact(out_dir, name)
        if path.exists():
            return source, pd.read_csv(path)
    raise PlaybookError(
        f"{out_dir}: no scored rows; stage 4 must run before this stage in the same run"
    )
