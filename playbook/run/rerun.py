"""Run a journey again from a run folder's manifest, wherever that folder is now.

A manifest keeps its paths relative: the charter's to the run folder, `--data`'s to the
run folder too, the data's own to the charter. So a run folder that was moved, or zipped
with the charter and data beside it and unzipped elsewhere, still says what to run:
`playbook run RUN_FOLDER` (or its `manifest.json`) starts a new run of the same charter,
data, seed, stages, overrides, tuning time and allowed folders (`--allow-path`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playbook.core.journey import MANIFEST
from playbook.core.messages import marked, sentence
from playbook.errors import CharterError

# What a manifest keeps beside the run folder, as a message names it.
_CHARTER, _DATA = marked("charter"), marked("data")


@dataclass(frozen=True)
class Rerun:
    """What an earlier run was asked for, its paths resolved where its folder is now.

    Attributes:
        manifest: The earlier run's manifest.json.
        charter: The charter it ran (the original, not the run's derived copy).
        data: The data file or folder it was given instead of the charter's, if any.
        seed: Its seed.
        stages: The stage numbers it ran.
        overrides: The charter fields it replaced, by dotted path.
        tuning_seconds: Stage 4's tuning time it was given, if any.
        data_docs: Whether it built GX Data Docs of stage 3's contract.
        allowed_paths: The folders outside the charter's it was allowed to read
            (`--allow-path`); none for a run recorded before they were kept.
    """

    manifest: Path
    charter: Path
    data: Path | None
    seed: int
    stages: list[int]
    overrides: dict[str, Any]
    tuning_seconds: float | None
    data_docs: bool
    allowed_paths: list[Path] = field(default_factory=list)


def manifest_of(path: str | Path) -> Path | None:
    """The manifest when `path` is a run folder or its manifest.json; else None."""
    given = Path(path)
    if given.name == MANIFEST and given.is_file():
        return given
    if given.is_dir() and (given / MANIFEST).is_file():
        return given / MANIFEST
    return None


def read(manifest: str | Path) -> Rerun:
    """What to run again, from a run's manifest.

    Raises:
        CharterError: The manifest cannot be read, or its charter or data are not
            where it says, relative to the run folder.
    """
    path = Path(manifest)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        parameters = record.get("parameters") or {}
        run_dir = path.parent
        charter = run_dir / str(record["charter_path"])
        data = parameters.get("data")
        again = Rerun(
            manifest=path,
            charter=charter,
            data=run_dir / str(data) if data else None,
            seed=int(record["seed"]),
            stages=[int(number) for number in parameters.get("stages") or []],
            overrides=dict(parameters.get("overrides") or {}),
            tuning_seconds=parameters.get("tuning_seconds"),
            data_docs=bool(parameters.get("data_docs")),
            allowed_paths=[
                run_dir / str(folder)
                for folder in parameters.get("allowed_paths") or []
            ],
        )
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as error:
        raise CharterError(
            sentence(
                "%(path)s: not a run's manifest that playbook can run again "
                "(%(error)s). Pass the charter instead: playbook run CHARTER.",
                path=path,
                error=error,
            )
        ) from None
    for what, wanted in ((_CHARTER, again.charter), (_DATA, again.data)):
        if wanted is not None and not wanted.exists():
            raise CharterError(
                sentence(
                    "%(path)s: the run's %(what)s is not at %(wanted)s (the "
                    "manifest keeps it relative to the run folder). Put it "
                    "there, as it was beside the run folder when it ran, or run "
                    "the charter itself: playbook run CHARTER.",
                    path=path,
                    what=sentence(what),
                    wanted=wanted,
                )
            )
    return again
