"""The seven stages of the journey, and how a stage hands its evidence to the others.

A stage notebook ends by saving a `StageOutcome` under `<run>/results/NN_stage.json`:
whether it passed or was stopped by a gate, and its evidence, a frozen dataclass of what
it found. Later stages, the runner, `playbook score`, the portfolio and the memo read it
back into the same type with `load(out_dir, key, EvidenceType)`; nothing reads evidence
by string keys. The file is plain JSON with a schema version, so a person can read it
and an older file is recognised as older rather than misread.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

import numpy as np

from playbook.core.files import write_atomic, write_csv
from playbook.core.messages import marked
from playbook.errors import EvidenceError, FinishedRunError, PlaybookError

# Raised when the JSON's layout changes in a way an older reader would misread.
SCHEMA_VERSION = 1


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
    Stage(1, "01_business_question", marked("Business question & culture")),
    Stage(2, "02_team", marked("Team")),
    Stage(3, "03_data_strategy", marked("Data strategy")),
    Stage(4, "04_poc", marked("POC: baseline versus model")),
    Stage(5, "05_beyond_poc", marked("Data beyond the POC")),
    Stage(6, "06_iterate", marked("Iterate"), needs=(4,)),
    Stage(7, "07_scale_up_evaluation", marked("Scale-up & evaluation")),
)
PASSED, STOPPED = "passed", "stopped"

E = TypeVar("E")


@dataclass(frozen=True)
class StageOutcome(Generic[E]):
    """A stage's result: passed or stopped (by a gate), in one line and in detail.

    Attributes:
        stage: The stage's key, e.g. "04_poc".
        status: PASSED or STOPPED.
        summary: One line for the runner's progress and the index page.
        evidence: The stage's typed evidence (a frozen dataclass); None when read
            without asking for a type (the runner reads only the envelope).
        reasons: Why the stage stopped, or what a reader must know first.
        gate: The gate that stopped or passed the journey ("charter", "data_contract");
            what the gate found is part of the evidence.
    """

    stage: str
    status: str
    summary: str
    evidence: E
    reasons: list[str] = field(default_factory=list)
    gate: str | None = None


def stage(key_or_number: str | int) -> Stage:
    """Look a stage up by its key ("04_poc") or number (4)."""
    for candidate in STAGES:
        if key_or_number in (candidate.key, candidate.number):
            return candidate
    raise KeyError(f"no stage {key_or_number!r}; stages are 1-7")


# The runner's record of a run, in the run folder (`playbook.run.manifest`).
MANIFEST = "manifest.json"


def open_run(out_dir: str | Path) -> Path:
    """The run folder a stage may write into: any folder but a finished run's.

    A run the runner finished (its manifest has `finished_at`) is fingerprinted and
    its pages point at its files, so executing one of its notebooks again (JupyterLab's
    "Run All", papermill) must not rewrite them.

    Raises:
        FinishedRunError: `out_dir` holds a finished run.
    """
    folder = Path(out_dir)
    try:
        record = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):  # no manifest: a folder of a notebook run by hand
        return folder
    finished = record.get("finished_at") if isinstance(record, dict) else None
    if finished:
        raise FinishedRunError(
            f"{folder.resolve()} is a run that finished at {finished}; nothing in it "
            "is overwritten. Run the journey again into a new run folder with "
            f"`playbook run {(folder / MANIFEST).as_posix()}`, or set out_dir in this "
            "notebook's parameters to another folder."
        )
    return folder


def save(out_dir: str | Path, outcome: StageOutcome[Any]) -> Path:
    """Write a stage's outcome where the runner and later stages look for it.

    Raises:
        EvidenceError: The evidence is not a dataclass (or None): later stages read
            it back by type, never by string keys.
        FinishedRunError: `out_dir` holds a finished run (`open_run`).
    """
    evidence = outcome.evidence
    if evidence is not None and not (
        dataclasses.is_dataclass(evidence) and not isinstance(evidence, type)
    ):
        raise EvidenceError(
            f"stage {outcome.stage}: its evidence is a {type(evidence).__name__}; save "
            "the stage's evidence dataclass (see ARCHITECTURE.md), not a mapping."
        )
    payload = {
        "schema_version": SCHEMA_VERSION,
        "evidence_type": _type_name(type(outcome.evidence)),
        **to_jsonable(outcome),
    }
    return write_atomic(
        open_run(out_dir) / "results" / f"{outcome.stage}.json",
        json.dumps(payload, indent=2, allow_nan=False) + "\n",
    )


@typing.overload
def load(out_dir: str | Path, key: str) -> StageOutcome[None] | None: ...
@typing.overload
def load(
    out_dir: str | Path, key: str, evidence_type: type[E]
) -> StageOutcome[E] | None: ...
def load(
    out_dir: str | Path, key: str, evidence_type: type[Any] | None = None
) -> StageOutcome[Any] | None:
    """Read a stage's outcome from a run folder; None if the stage recorded none.

    Args:
        out_dir: The run folder.
        key: The stage's key, e.g. "04_poc".
        evidence_type: The dataclass the stage saved as evidence; without it only the
            envelope (status, summary, reasons, gate) is read, and `evidence` is None.

    Raises:
        EvidenceError: The file was written by another schema version, or its
            evidence does not fit `evidence_type`.
    """
    path = Path(out_dir) / "results" / f"{key}.json"
    if not path.exists():
        return None
    raw = json.loads(path.read_text(encoding="utf-8"))
    version = raw.get("schema_version")
    if version != SCHEMA_VERSION:
        raise EvidenceError(
            f"{path}: written with evidence schema {version!r}, this playbook reads "
            f"schema {SCHEMA_VERSION}; re-run the journey to compare with it."
        )
    evidence = None
    # A stage may save its envelope alone (evidence None); it reads back as None.
    if evidence_type is not None and raw.get("evidence") is not None:
        saved_type = raw.get("evidence_type")
        if saved_type not in (None, _type_name(evidence_type)):
            raise EvidenceError(
                f"{path}: holds {saved_type} evidence, not {_type_name(evidence_type)}"
            )
        try:
            evidence = from_jsonable(evidence_type, raw["evidence"])
        except (TypeError, ValueError, KeyError) as error:
            expected = _type_name(evidence_type)
            raise EvidenceError(
                f"{path}: its evidence does not fit {expected}: {error}"
            ) from error
    return StageOutcome(
        stage=raw["stage"],
        status=raw["status"],
        summary=raw["summary"],
        evidence=evidence,
        reasons=list(raw.get("reasons") or []),
        gate=raw.get("gate"),
    )


def _type_name(cls: type) -> str | None:
    if cls is type(None):
        return None
    return f"{cls.__module__}.{cls.__qualname__}"


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


def from_jsonable(tp: Any, value: Any) -> Any:
    """Rebuild a value of type `tp` from what `to_jsonable` wrote.

    Handles dataclasses (by their type hints), lists, tuples, dicts, `X | None`,
    floats saved as None (NaN) and plain values; `Any` passes the value through.

    Raises:
        TypeError: The value does not fit the type.
    """
    if tp is Any:
        return value
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        arms = typing.get_args(tp)
        if value is None and type(None) in arms:
            return None
        others = [arm for arm in arms if arm is not type(None)]
        if len(others) == 1:
            return from_jsonable(others[0], value)
        for arm in others:  # unions of plain types: the first that fits
            if _fits(arm, value):
                return from_jsonable(arm, value)
        raise TypeError(f"{value!r} fits none of {tp}")
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        if not isinstance(value, dict):
            raise TypeError(f"expected a mapping for {tp.__name__}, got {value!r}")
        hints = _init_hints(tp)
        return tp(
            **{
                name: from_jsonable(hints[name], item)
                for name, item in value.items()
                if name in hints
            }
        )
    if origin in (list, tuple, dict) or tp in (list, tuple, dict):
        return _container(tp, origin or tp, value)
    if origin is typing.Literal:
        if value not in typing.get_args(tp):
            raise TypeError(f"{value!r} is not one of {typing.get_args(tp)}")
        return value
    if tp is float:
        return math.nan if value is None else float(value)
    if tp is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if tp in (str, bool) and isinstance(value, tp):
        return value
    if tp is Path and isinstance(value, str):
        return Path(value)
    raise TypeError(f"expected {getattr(tp, '__name__', tp)}, got {value!r}")


@functools.cache
def _init_hints(tp: type) -> dict[str, Any]:
    """The type hints of a dataclass's `__init__` fields, worked out once per class.

    `typing.get_type_hints` evaluates every annotation anew: once per object, it was
    most of reading back stage 3's evidence on 3,000 columns (0.5 s).
    """
    hints = typing.get_type_hints(tp)
    return {f.name: hints[f.name] for f in dataclasses.fields(tp) if f.init}


def _container(tp: Any, origin: type, value: Any) -> Any:
    args = typing.get_args(tp)
    if origin is dict:
        if not isinstance(value, dict):
            raise TypeError(f"expected a mapping, got {value!r}")
        item_type = args[1] if args else Any
        return {key: from_jsonable(item_type, item) for key, item in value.items()}
    if not isinstance(value, list):
        raise TypeError(f"expected a list, got {value!r}")
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(from_jsonable(args[0], item) for item in value)
        if args:
            return tuple(
                from_jsonable(a, item) for a, item in zip(args, value, strict=True)
            )
        return tuple(value)
    item_type = args[0] if args else Any
    return [from_jsonable(item_type, item) for item in value]


def _fits(tp: Any, value: Any) -> bool:
    try:
        from_jsonable(tp, value)
    except (TypeError, ValueError):
        return False
    return True


# Files stages hand to later stages, relative to the run folder.
MODEL_DIR = "model"
TEST_SCORES = "scores/test.csv"
FRESH_SCORES = "scores/fresh.csv"


def artifact(out_dir: str | Path, name: str) -> Path:
    """Where a hand-off file lives in a run folder."""
    return Path(out_dir) / name


def save_table(out_dir: str | Path, name: str, table: Any) -> Path | None:
    """Write a table as CSV for later stages (`files.write_csv`); nothing if None."""
    if table is None:
        return None
    return write_csv(artifact(open_run(out_dir), name), table)


def save_json(out_dir: str | Path, name: str, value: Any) -> Path:
    """Write a result (dataclasses included) as JSON into the run folder."""
    return write_atomic(
        artifact(open_run(out_dir), name),
        json.dumps(to_jsonable(value), indent=2, allow_nan=False) + "\n",
    )


def save_text(out_dir: str | Path, name: str, text: str) -> Path:
    """Write a text file (a script, a note) into the run folder."""
    return write_atomic(artifact(open_run(out_dir), name), text)


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
