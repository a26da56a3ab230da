"""Batch specs: which journeys a `playbook batch` runs, read from YAML or a folder.

A batch spec is a folder of charters, or a YAML file listing POCs and parameter grids:

    runs_dir: runs                  # optional, relative to this file
    workers: 2                      # optional, default: the number of cores
    timeout: 1800                   # optional, seconds per journey
    pocs:
      - charter: examples/churn/charter.yaml
        data: examples/churn/churn_SYNTHETIC.csv   # optional, like --data
        stages: 1-7                                # optional, like --stages
        timeout: 600                               # optional, for this entry's journeys
        grid:                                      # every combination is a journey
          seed: [1, 2]
          kpi.capacity_per_period: [200, 300]
      - charters: examples/        # every charter found under a folder

An entry may also name `notebooks:`, a folder of stage notebooks to run instead of
playbook's own (`01_business_question.ipynb` ...; playbook's tests use it for small
stand-in stages). Those notebooks are code run with your permissions, like any script:
name only a folder you trust.

Each charter and parameter set becomes one `Job`, with a fingerprint (sha256 of its
charter, data and parameters) that lets a later batch skip it once it completed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from playbook.charter import overrides as charter_overrides
from playbook.core.messages import marked, sentence
from playbook.core.printable import printable
from playbook.core.yaml_files import read_yaml
from playbook.errors import BatchSpecError, CharterError, DataError, StageSelectionError

DEFAULT_TIMEOUT = 3600.0
_SPEC_KEYS = {"runs_dir", "workers", "timeout", "pocs"}
_ENTRY_KEYS = {"charter", "charters", "data", "stages", "grid", "notebooks", "timeout"}


@dataclass(frozen=True)
class Job:
    """One journey of a batch: a charter and one parameter set."""

    index: int
    poc: str
    charter: Path
    data: Path | None
    stages: tuple[int, ...]
    seed: int | None
    overrides: Mapping[str, Any]
    notebooks: Path | None
    fingerprint: str | None
    problem: str | None = None
    timeout: float | None = None  # seconds; None: the batch's timeout

    @property
    def name(self) -> str:
        """The POC and its parameters, e.g. "churn-retention [seed=1]"."""
        given = charter_overrides.label(self.seed, self.overrides)
        return f"{self.poc} [{given}]" if given else self.poc


@dataclass(frozen=True)
class BatchSpec:
    """A parsed batch spec: where runs go, how many at once, and the journeys."""

    source: Path
    runs_dir: Path
    workers: int | None
    timeout: float
    jobs: tuple[Job, ...]


def load_spec(path: Path, *, runs_dir: Path | None = None) -> BatchSpec:
    """Read a batch spec (a YAML file or a folder of charters) into its journeys.

    Args:
        path: The spec file, or a folder whose charters each make one journey.
        runs_dir: Where runs go, instead of the spec's `runs_dir` (default: `runs`
            beside the spec file, or in the current folder for a folder of charters).

    Raises:
        BatchSpecError: The spec is not valid YAML or not a spec, names a file that
            does not exist, gives a bad grid, or a parameter the charter lacks. The
            message names the spec, the entry and the field.
    """
    path = Path(path).resolve()
    if path.is_dir():
        entries: list[Any] = [{"charters": str(path)}]
        spec: dict[str, Any] = {}
        base = path
    else:
        spec = _read_spec(path)
        entries = spec["pocs"]
        base = path.parent
    where = str(path)
    workers = spec.get("workers")
    if workers is not None and (
        isinstance(workers, bool) or not isinstance(workers, int) or workers < 1
    ):
        raise BatchSpecError(
            sentence(
                "%(where)s: workers: expected a whole number of at least 1.",
                where=where,
            )
        )
    timeout = _seconds(spec.get("timeout", DEFAULT_TIMEOUT), where=f"{where}: timeout")
    if runs_dir is None:
        runs_dir = base / str(spec.get("runs_dir") or "runs") if spec else Path("runs")
    jobs: list[Job] = []
    for number, entry in enumerate(entries):
        jobs += _entry_jobs(entry, where=f"{where}: pocs[{number}]", base=base)
    if not jobs:
        raise BatchSpecError(
            sentence(
                "%(where)s: no charters found. A charter is a YAML file with "
                "a `poc:` field; list them under `pocs:`, or point the batch "
                "at a folder that holds them.",
                where=where,
            )
        )
    seen: dict[str, str] = {}
    numbered = []
    for index, job in enumerate(jobs):
        if job.fingerprint and job.fingerprint in seen:
            raise BatchSpecError(
                sentence(
                    "%(where)s: %(name)s is listed twice (%(seen)s and "
                    "%(charter)s): the same charter, data and parameters make "
                    "the same journey. Remove one.",
                    where=where,
                    name=job.name,
                    seen=seen[job.fingerprint],
                    charter=job.charter,
                )
            )
        if job.fingerprint:
            seen[job.fingerprint] = str(job.charter)
        numbered.append(replace(job, index=index))
    return BatchSpec(
        source=path,
        runs_dir=Path(runs_dir).resolve(),
        workers=workers,
        timeout=timeout,
        jobs=tuple(numbered),
    )


def _read_spec(path: Path) -> dict[str, Any]:
    spec = read_yaml(
        path,
        kind="batch spec",
        missing="Give a YAML file listing `pocs:`, or a folder of charters.",
        error=BatchSpecError,
    )
    if isinstance(spec, dict) and "poc" in spec:
        raise BatchSpecError(
            sentence(
                "%(path)s: this is a charter, not a batch spec. Run it with "
                "`playbook run`, or list it in a spec under `pocs: "
                "[{charter: ...}]`.",
                path=path,
            )
        )
    if not isinstance(spec, dict) or not isinstance(spec.get("pocs"), list):
        raise BatchSpecError(
            sentence(
                "%(path)s: expected a mapping with a list `pocs:` of entries "
                "such as `- charter: path/to/charter.yaml`.",
                path=path,
            )
        )
    _refuse_unknown_keys(
        spec,
        _SPEC_KEYS,
        marked("%(path)s: unknown field(s) %(unknown)s; a spec has %(keys)s."),
        path=path,
    )
    return spec


def _refuse_unknown_keys(
    mapping: Mapping[Any, Any], known: set[str], refusal: str, **place: object
) -> None:
    """Raise `refusal` naming the keys of `mapping` not in `known`, if there are any.

    A key is the user's text, of any YAML type: shown with its control characters
    escaped (`printable`), so it cannot act on the terminal or start a line.

    Args:
        mapping: The spec or entry as read.
        known: The keys it may have.
        refusal: The marked message; `%(unknown)s` and `%(keys)s` are filled here.
        **place: The values that say where `mapping` is (its file or entry).
    """
    unknown = ", ".join(
        sorted(
            printable(key)
            for key in mapping
            if not isinstance(key, str) or key not in known
        )
    )
    if unknown:
        raise BatchSpecError(
            sentence(refusal, unknown=unknown, keys=", ".join(sorted(known)), **place)
        )


# Each path field of an entry: whether it names a folder, the placeholder its
# message gives the path, and the message when the path is not there.
_ENTRY_PATHS = {
    "charter": (
        False,
        "charter_path",
        marked(
            "%(where)s.charter: %(charter_path)s: no such charter file. "
            "Fix the path (it is relative to the spec's folder)."
        ),
    ),
    "charters": (
        True,
        "folder",
        marked("%(where)s.charters: %(folder)s: no such folder of charters."),
    ),
    "data": (False, "data", marked("%(where)s.data: %(data)s: no such data file.")),
    "notebooks": (
        True,
        "notebooks",
        marked("%(where)s.notebooks: %(notebooks)s: no such folder."),
    ),
}


def _entry_path(entry: dict[str, Any], key: str, *, base: Path, where: str) -> Path:
    """`entry[key]` resolved against the spec's folder, which must hold it."""
    folder, placeholder, missing = _ENTRY_PATHS[key]
    path = (base / str(entry[key])).resolve()
    if not (path.is_dir() if folder else path.is_file()):
        raise BatchSpecError(sentence(missing, where=where, **{placeholder: path}))
    return path


def _entry_jobs(entry: Any, *, where: str, base: Path) -> list[Job]:
    from playbook.run import runner

    if not isinstance(entry, dict):
        raise BatchSpecError(
            sentence(
                "%(where)s: expected `charter: FILE` or `charters: FOLDER`, "
                "got %(entry)s.",
                where=where,
                entry=repr(entry),
            )
        )
    _refuse_unknown_keys(
        entry,
        _ENTRY_KEYS,
        marked("%(where)s: unknown field(s) %(unknown)s; an entry has %(keys)s."),
        where=where,
    )
    if ("charter" in entry) == ("charters" in entry):
        raise BatchSpecError(
            sentence(
                "%(where)s: give exactly one of `charter: FILE` or `charters: FOLDER`.",
                where=where,
            )
        )
    if "charter" in entry:
        charters = [_entry_path(entry, "charter", base=base, where=where)]
    else:
        charters = _find_charters(
            _entry_path(entry, "charters", base=base, where=where)
        )
    data = None
    if entry.get("data") is not None:
        data = _entry_path(entry, "data", base=base, where=where)
    notebooks = None
    if entry.get("notebooks") is not None:
        notebooks = _entry_path(entry, "notebooks", base=base, where=where)
    try:
        stages = tuple(runner.parse_stages(_text(entry.get("stages"))))
    except StageSelectionError as error:
        raise BatchSpecError(
            sentence(
                "%(where)s.stages: %(error)s",
                where=where,
                error=error,
            )
        ) from None
    grid = _grid(entry.get("grid"), where=f"{where}.grid")
    timeout = entry.get("timeout")
    if timeout is not None:
        timeout = _seconds(timeout, where=f"{where}.timeout")
    jobs = []
    for charter_path in charters:
        jobs += _charter_jobs(
            charter_path,
            where=where,
            data=data,
            stages=stages,
            grid=grid,
            notebooks=notebooks,
            timeout=timeout,
        )
    return jobs


# Over 80 lines: a journey is built with every field named, once for a charter that
# does not load and once per parameter set; both must carry the same fields.
def _charter_jobs(
    charter_path: Path,
    *,
    where: str,
    data: Path | None,
    stages: tuple[int, ...],
    grid: Mapping[str, list[Any]],
    notebooks: Path | None,
    timeout: float | None,
) -> list[Job]:
    """The journeys of one charter, one per parameter set.

    A charter that does not load becomes one journey stopped with the charter's
    message, so that the rest of the batch still runs.
    """
    from playbook import charter
    from playbook import data as data_module

    sets = charter_overrides.expand_grid(grid)
    try:
        poc = charter.load(charter_path)
        fields = yaml.safe_load(charter_path.read_text(encoding="utf-8"))
    except CharterError as error:
        name = charter_path.stem
        return [
            Job(
                index=0,
                poc=charter_path.parent.name if name == "charter" else name,
                charter=charter_path,
                data=data,
                stages=stages,
                seed=None,
                overrides={},
                notebooks=notebooks,
                fingerprint=None,
                problem=str(error),
                timeout=timeout,
            )
        ]
    overrides_seen = [
        {k: v for k, v in chosen.items() if k != charter_overrides.SEED}
        for chosen in sets
    ]
    for overrides in overrides_seen:
        try:
            charter_overrides.check_overrides(fields, overrides, where=f"{where}.grid")
        except charter_overrides.ParameterError as error:
            raise BatchSpecError(
                sentence(
                    "%(error)s (charter %(charter_path)s)",
                    error=error,
                    charter_path=charter_path,
                )
            ) from None
    try:  # a file, a folder of files, or the rows of a SQL query
        data_sha = data_module.fingerprint(poc, path=data).sha256
    except DataError:  # the journey will say so; nothing to skip it against
        data_sha = "missing"
    charter_sha = charter.sha256(charter_path)
    jobs = []
    for chosen, overrides in zip(sets, overrides_seen, strict=True):
        seed = chosen.get(charter_overrides.SEED)
        effective = seed if seed is not None else poc.seed
        jobs.append(
            Job(
                index=0,
                poc=poc.poc,
                charter=charter_path,
                data=data,
                stages=stages,
                seed=seed,
                overrides=overrides,
                notebooks=notebooks,
                fingerprint=charter_overrides.fingerprint(
                    charter_sha256=charter_sha,
                    data_sha256=data_sha,
                    seed=effective if effective is not None else -1,
                    overrides=overrides,
                    stages=stages,
                    notebooks=notebooks,
                ),
                timeout=timeout,
            )
        )
    return jobs


def _grid(raw: Any, *, where: str) -> dict[str, list[Any]]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise BatchSpecError(
            sentence(
                "%(where)s: expected parameter names with lists of values, "
                "e.g. `seed: [1, 2]` or `kpi.capacity_per_period: [200, "
                "300]`.",
                where=where,
            )
        )
    grid: dict[str, list[Any]] = {}
    for name, values in raw.items():
        values = values if isinstance(values, list) else [values]
        if not values:
            raise BatchSpecError(
                sentence(
                    "%(where)s.%(name)s: give at least one value.",
                    where=where,
                    name=name,
                )
            )
        if name == charter_overrides.SEED and not all(
            isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in values
        ):
            raise BatchSpecError(
                sentence(
                    "%(where)s.seed: expected whole numbers of at least 0, got "
                    "%(values)s.",
                    where=where,
                    values=repr(values),
                )
            )
        grid[str(name)] = values
    return grid


def _seconds(value: Any, *, where: str) -> float:
    """A timeout from the spec, in seconds: a number above 0."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise BatchSpecError(
            sentence(
                "%(where)s: expected seconds per journey (a number above 0), "
                "got %(value)s.",
                where=where,
                value=repr(value),
            )
        )
    return float(value)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


def _find_charters(folder: Path) -> list[Path]:
    """YAML files under `folder` that are charters, or do not parse (to say why).

    A charter is a mapping with `poc:`; data contracts and other YAML are left out, and
    so are run folders and folders whose name starts with "." or "_".
    """
    found = []
    for path in sorted([*folder.rglob("*.yaml"), *folder.rglob("*.yml")]):
        parts = path.relative_to(folder).parts
        if any(part.startswith((".", "_")) for part in parts):
            continue
        if (path.parent / "manifest.json").exists():
            continue
        try:
            fields = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError):
            found.append(path)
            continue
        if isinstance(fields, dict) and "poc" in fields:
            found.append(path)
    return found
