"""Reading a small YAML file (a data contract, a batch spec) with errors that say where.

A `.json` file is read as JSON (a suite saved by Great Expectations): PyYAML would
read a number such as `1e-05` as text.

The charter has its own reader (`playbook.charter.yaml_reader`), which also keeps every
field's line and column. A file that is not what it should be is described by where
and what kind of value is wrong (`described`, `shown_name`), never by its content: it
may be a secret named by mistake.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from playbook.core.messages import Sentence, sentence
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


# A value shown back as it is: a name such as a field or an expectation's type. Any
# other value of a file that fails to be what it should is described, not shown: the
# file may be a secret read by mistake (`data.checks: /etc/shadow`).
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")


def is_name(value: object) -> bool:
    """Whether a value from a file looks like a name (a field, a type), safe to show."""
    return isinstance(value, str) and _NAME.match(value) is not None


def shown_name(value: object) -> str | Sentence:
    """A name from a file, quoted, when it looks like one; else what kind it is."""
    return repr(value) if is_name(value) else described(value)


def described(value: object) -> Sentence:
    """What kind of value a file holds, without any of its content.

    Returns:
        E.g. "a text of 52 characters", "a number", "a list of 3 items".
    """
    if value is None:
        return sentence("nothing")
    if isinstance(value, bool):
        return sentence("true or false")
    if isinstance(value, int | float):
        return sentence("a number")
    if isinstance(value, str):
        return sentence("a text of %(count)s characters", count=f"{len(value):,}")
    if isinstance(value, list):
        if len(value) == 1:
            return sentence("a list of 1 item")
        return sentence("a list of %(count)s items", count=f"{len(value):,}")
    if isinstance(value, dict):
        if len(value) == 1:
            return sentence("a mapping of 1 key")
        return sentence("a mapping of %(count)s keys", count=f"{len(value):,}")
    return sentence("a value of type %(type)s", type=type(value).__name__)


def top_level_lines(path: Path) -> dict[str, int]:
    """The line (from 1) of each top-level key of a YAML mapping, by the key's text.

    Empty when the file is not a mapping or cannot be read again.
    """
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {
        str(key.value): key.start_mark.line + 1
        for key, _ in node.value
        if isinstance(key, yaml.ScalarNode)
    }
