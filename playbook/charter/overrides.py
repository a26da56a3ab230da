"""Parameter sets for a journey: a seed and overrides of charter fields, all as data.

A batch runs one charter with several parameter sets: seeds, call capacities, a stricter
minimum lift. An override names a field of the charter by its dotted path
(`kpi.capacity_per_period`) and gives it a plain YAML value; the journey then reads a
derived copy of the charter, written into its run folder, with the value replaced.
Nothing is evaluated: values travel as YAML data, like the rest of the charter.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from playbook.core.files import relative_path
from playbook.core.messages import marked, sentence
from playbook.errors import ParameterError

SEED = "seed"
# Fields a parameter set may not vary: they name the POC or point at its files.
FIXED = ("version", "poc", "data.path", "data.checks")
# The reader's language: `--lang` sets it, and a batch may vary it, even when the
# charter leaves it out (its section is created in the derived copy).
LANGUAGE = "report.language"
_SECTION, _LIST = marked("section"), marked("list")


def expand_grid(grid: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination of a grid's values, the first parameter varying slowest.

    Args:
        grid: Parameter name to the list of values to try.

    Returns:
        One mapping per combination; a single empty mapping for an empty grid.
    """
    names = list(grid)
    return [
        dict(zip(names, values, strict=True))
        for values in itertools.product(*(grid[name] for name in names))
    ]


def check_overrides(
    charter_fields: Mapping[str, Any], overrides: Mapping[str, Any], *, where: str
) -> None:
    """Check that each override names an existing plain field of the charter.

    Args:
        charter_fields: The charter as read from YAML (a nested mapping).
        overrides: Dotted field path to its new value.
        where: Where the overrides come from, for the message (file and entry).

    Raises:
        ParameterError: A path is fixed, names no field, names a section or a list,
            or the new value is not a plain number, text, true/false or empty.
    """
    for path, value in overrides.items():
        if path in FIXED:
            raise ParameterError(
                sentence(
                    "%(where)s: %(path)s cannot vary in a batch: it names the POC or "
                    "its files. Write a separate charter, or give the POC its own "
                    "`data:`.",
                    where=where,
                    path=path,
                )
            )
        found, current = _lookup(charter_fields, path)
        if not found and path == LANGUAGE:
            continue
        if not found:
            close = _close_paths(charter_fields, path)
            hint = (
                sentence(" Did you mean %(close)s?", close=", ".join(close))
                if close
                else ""
            )
            raise ParameterError(
                sentence(
                    "%(where)s: unknown parameter %(path)s: the charter has no such "
                    "field.%(hint)s A parameter is `%(seed)s` or the dotted path of a "
                    "field in the charter, e.g. kpi.capacity_per_period.",
                    where=where,
                    path=repr(path),
                    hint=hint,
                    seed=SEED,
                )
            )
        if isinstance(current, dict | list):
            kind = _SECTION if isinstance(current, dict) else _LIST
            raise ParameterError(
                sentence(
                    "%(where)s: %(path)s is a %(kind)s in the charter; a parameter can "
                    "only replace a single value such as a number or some text.",
                    where=where,
                    path=path,
                    kind=sentence(kind),
                )
            )
        if not _plain(value):
            raise ParameterError(
                sentence(
                    "%(where)s: %(path)s: expected a number, some text, a date, "
                    "true/false or nothing, got %(value)s.",
                    where=where,
                    path=path,
                    value=repr(value),
                )
            )


def derive_charter(
    source: Path, overrides: Mapping[str, Any], *, into: Path | None = None
) -> str:
    """The charter's YAML text with the overrides applied, ready to live elsewhere.

    The copy must find the same files from another folder, so relative paths in its
    `data` section are made absolute (against the charter's folder): `path` and
    `checks` always, `allowed_folders` too, and any other value there that looks
    like a path (it has a suffix such as `.csv` or a `/`) and names a file or folder
    beside the charter, such as a fresh batch's file. The overrides must have
    passed `check_overrides`.

    Args:
        source: The charter file.
        overrides: Dotted field path to its new value.
        into: The folder the copy will live in (a run folder): its paths are then
            relative to that folder instead of absolute, so that the folder can move.
    """
    source = Path(source).resolve()
    fields = yaml.safe_load(source.read_text(encoding="utf-8"))
    for path, value in overrides.items():
        *parents, leaf = path.split(".")
        node = fields
        for name in parents:
            node = node.setdefault(name, {})
            node = node if node is not None else {}
        node[leaf] = value
    data = fields.get("data")
    if isinstance(data, dict):
        _absolute_paths(
            data, folder=source.parent, always=("path", "checks", "fresh"), into=into
        )
        allowed = data.get("allowed_folders")
        if isinstance(allowed, str | list):
            data["allowed_folders"] = [
                _shown((source.parent / str(folder)).resolve(), into=into)
                for folder in ([allowed] if isinstance(allowed, str) else allowed)
            ]
    listed = ", ".join(f"{path}={value!r}" for path, value in overrides.items())
    header = (
        f"# Derived by playbook from {_shown(source, into=into)}\n"
        f"# with these parameters: {listed or 'none'}. Edit the original, not this.\n"
    )
    return header + yaml.safe_dump(fields, sort_keys=False, allow_unicode=True)


def fingerprint(
    *,
    charter_sha256: str,
    data_sha256: str,
    seed: int,
    overrides: Mapping[str, Any],
    stages: Sequence[int],
    notebooks: Path | None = None,
    tuning_seconds: float | None = None,
) -> str:
    """One sha256 for a journey's inputs: the same inputs give the same fingerprint.

    A batch skips a journey whose fingerprint matches a run that already completed.
    `notebooks` counts only when a journey uses its own copy of the stage notebooks,
    `tuning_seconds` only when set (so earlier fingerprints stay valid).
    """
    inputs = {
        "charter_sha256": charter_sha256,
        "data_sha256": data_sha256,
        "seed": seed,
        "overrides": dict(sorted(overrides.items())),
        "stages": sorted(stages),
    }
    if notebooks is not None:
        inputs["notebooks"] = str(Path(notebooks).resolve())
    if tuning_seconds is not None:
        inputs["tuning_seconds"] = float(tuning_seconds)
    canonical = json.dumps(inputs, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def label(seed: int | None, overrides: Mapping[str, Any]) -> str:
    """A short text for a parameter set, e.g. "seed=3, kpi.capacity_per_period=200"."""
    parts = [] if seed is None else [f"{SEED}={seed}"]
    parts += [f"{path}={value}" for path, value in overrides.items()]
    return ", ".join(parts)


def _shown(path: Path, *, into: Path | None) -> str:
    """An absolute path, or relative to `into` (forward slashes) when given."""
    return str(path) if into is None else relative_path(path, start=into)


def _absolute_paths(
    section: dict[str, Any],
    *,
    folder: Path,
    always: Sequence[str] = (),
    into: Path | None = None,
) -> None:
    for key, value in section.items():
        if isinstance(value, dict):
            _absolute_paths(value, folder=folder, into=into)
        elif isinstance(value, str) and not Path(value).is_absolute():
            looks_like_path = bool(Path(value).suffix) or "/" in value
            candidate = folder / value
            if key in always or (
                looks_like_path and "://" not in value and candidate.exists()
            ):
                section[key] = _shown(candidate.resolve(), into=into)


def _lookup(fields: Mapping[str, Any], path: str) -> tuple[bool, Any]:
    node: Any = fields
    for name in path.split("."):
        if not isinstance(node, dict) or name not in node:
            return False, None
        node = node[name]
    return True, node


def _leaf_paths(fields: Mapping[str, Any], prefix: str = "") -> list[str]:
    found = []
    for name, value in fields.items():
        path = f"{prefix}{name}"
        if isinstance(value, dict):
            found += _leaf_paths(value, f"{path}.")
        elif not isinstance(value, list):
            found.append(path)
    return found


def _close_paths(fields: Mapping[str, Any], path: str) -> list[str]:
    import difflib

    return difflib.get_close_matches(path, _leaf_paths(fields), n=3, cutoff=0.6)


def _plain(value: Any) -> bool:
    return value is None or isinstance(value, bool | int | float | str | dt.date)
