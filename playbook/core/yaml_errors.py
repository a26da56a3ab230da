"""Where a YAML file is broken and how, in the words every error message uses."""

from __future__ import annotations

import yaml


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
