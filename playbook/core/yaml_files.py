"""Reading a small YAML file (a data contract, a batch spec) with errors that say where.

A `.json` file is read as JSON (a suite saved by Great Expectations): PyYAML would
read a number such as `1e-05` as text.

The charter has its own reader (`playbook.charter.yaml_reader`), which also keeps every
field's line and column.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from playbook.errors import PlaybookError


def read_yaml(
    path: Path, *, kind: str, missing: str, error: type[PlaybookError]
) -> object:
    """The YAML document in `path`, as PyYAML's safe loader builds it.

    Args:
        path: The file.
        kind: What the file is, for the messages, e.g. "batch spec".
        missing: What to do when the file is not there.
        error: The error to raise, of the caller's kind.

    Raises:
        PlaybookError: Of the `error` kind: the file is missing, is not UTF-8, or is not
            valid YAML or JSON (with the line and column when the parser knows them).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{path}: no such {kind}. {missing}") from None
    except UnicodeDecodeError as exc:
        raise error(
            f"{path}: not UTF-8 text (byte {exc.start} cannot be decoded). Save the "
            f"{kind} as UTF-8."
        ) from None
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise error(
                f"{path}: not valid JSON at line {exc.lineno}, column {exc.colno}: "
                f"{exc.msg}. Fix the {kind} and run again."
            ) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise error(
            f"{path}: not valid YAML{yaml_problem(exc)}. Fix the {kind} and run again."
        ) from None


def yaml_problem(error: yaml.YAMLError) -> str:
    """Where the error is, when PyYAML knows, and what it is.

    Returns:
        E.g. " at line 3, column 5: mapping values are not allowed here" (no place
        when PyYAML gave none), to follow "not valid YAML" in a message.
    """
    mark = getattr(error, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    return f"{where}: {problem}"
