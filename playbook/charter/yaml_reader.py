"""Read a charter file safely, keeping the line and column of every key and value.

`read` refuses what a safe reader must refuse (a huge file, bytes that are not UTF-8,
a YAML tag that would build a Python object, a key given twice), and keeps where each
key and value is, so that every problem carries the file, line and column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from playbook.charter.problems import BLOCKER, Problem, shown_value

MAX_CHARTER_BYTES = 1_000_000


@dataclass(frozen=True)
class Document:
    """A charter's YAML, parsed, with the line and column of each key and value."""

    file: str
    data: dict[str, Any]
    keys: dict[str, tuple[int, int]] = field(default_factory=dict)
    values: dict[str, tuple[int, int]] = field(default_factory=dict)

    def where(self, path: str) -> tuple[int, int]:
        """Line and column of a field's value, else of its nearest existing parent."""
        return _nearest(self.values, path)

    def key_at(self, path: str) -> tuple[int, int]:
        """Line and column of a field's key, else of its nearest existing parent."""
        return _nearest(self.keys, path)


def _nearest(places: dict[str, tuple[int, int]], path: str) -> tuple[int, int]:
    """The place of `path` in `places`, else of its nearest parent there, else 1:1."""
    while path:
        if path in places:
            return places[path]
        path = _parent(path)
    return (1, 1)


def _parent(path: str) -> str:
    if path.endswith("]"):
        return path[: path.rindex("[")]
    return path.rpartition(".")[0]


_PLAIN_TAGS = {
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")
}
_MERGE_TAG = "tag:yaml.org,2002:merge"


def read(
    path: str | Path, *, shown: str | None = None
) -> tuple[Document | None, list[Problem]]:
    """Parse a charter file, keeping where each key and value is.

    Args:
        path: The charter file.
        shown: How to name the file in problems (default: the path as given).

    Returns:
        The document (None when the file cannot be read as a charter at all) and the
        problems found while reading it, each a blocker: a key given twice leaves a
        document to check further, with the key's last value.
    """
    file = shown if shown is not None else str(path)
    try:
        node = _compose(_text_of(Path(path)))
        walker = _Walker(file)
        walker.walk(node, "")
        if walker.refused:
            return None, walker.problems
        data = _construct(node)
    except _Unreadable as stop:
        return None, [
            Problem(file, stop.line, stop.column, "", BLOCKER, stop.message, stop.hint)
        ]
    except RecursionError:  # thousands of nested [ or {: the parser runs out of stack
        message = "not valid YAML for a charter: lists or mappings nested too deeply"
        hint = "A charter nests a few levels; remove the nesting."
        return None, [Problem(file, 1, 1, "", BLOCKER, message, hint)]
    # A key given twice is reported, and the rest of the charter is still checked.
    return Document(file, data, walker.keys, walker.values), walker.problems


class _Unreadable(Exception):
    """The file cannot be read as a charter: the one problem to report, and where."""

    def __init__(self, message: str, hint: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message, self.hint, self.line, self.column = message, hint, line, column


def _text_of(source: Path) -> str:
    """The file's text, refusing a folder, a missing or huge file and non-UTF-8."""
    if source.is_dir():
        raise _Unreadable(
            "a folder, not a charter file", "Name the charter's YAML file."
        )
    try:
        size = source.stat().st_size
    except FileNotFoundError:
        raise _Unreadable(
            "no such charter file",
            "Check the path, or start one with `playbook init` (templates/ holds "
            "examples).",
        ) from None
    except OSError as error:
        raise _Unreadable(
            f"cannot read the file ({error.strerror})", "Check the path."
        ) from None
    if size > MAX_CHARTER_BYTES:
        raise _Unreadable(
            f"the file is {size:,} bytes, over the {MAX_CHARTER_BYTES:,} a charter may "
            f"have, so it was not read",
            "A charter is one page of settings: keep data in the file data.path names.",
        )
    try:
        raw = source.read_bytes()
    except OSError as error:
        raise _Unreadable(
            f"cannot read the file ({error.strerror})", "Check its permissions."
        ) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        raise _Unreadable(
            f"not UTF-8 text (byte {error.start}, 0x{raw[error.start]:02x}, cannot be "
            f"decoded)",
            "Save the charter as UTF-8 (in most editors: Save with encoding, UTF-8).",
            line,
            column,
        ) from None


def _compose(text: str) -> yaml.Node:
    """The YAML's node tree, positions kept; nothing is built from it yet."""
    try:
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as error:  # a control character: YAML refuses it
        raise _Unreadable(
            f"not valid YAML: character {error.character!r} (position "
            f"{error.position:,}) is not allowed in YAML",
            "Remove it, or write the text in quotes with an escape such as \\t.",
        ) from None
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = error.problem or "unreadable"
        context = f" ({error.context})" if error.context else ""
        raise _Unreadable(
            f"not valid YAML at line {line}, column {column}: {problem}{context}",
            "Check the indentation and the quotes there; text holding ': ' or ' #' "
            "needs quotes.",
            line,
            column,
        ) from None
    except yaml.YAMLError as error:
        raise _Unreadable(f"not valid YAML: {error}", "Fix the file.") from None
    finally:
        loader.dispose()
    if node is None:
        raise _Unreadable(
            "an empty file: expected a mapping of fields (version, poc, business, ...)",
            "Start from a template with `playbook init`.",
        )
    return node


def _construct(node: yaml.Node) -> dict[str, Any]:
    """The charter's values from a node tree the walker let through."""
    loader = yaml.SafeLoader("")
    try:
        data = loader.construct_document(node)
    except yaml.YAMLError as error:
        raise _Unreadable(f"not valid YAML: {error}", "Fix the file.") from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise _Unreadable(
            f"expected a mapping of fields (version, poc, business, ...), got "
            f"{_kind_of(data)}",
            "Write one `field: value` per line, starting with `version: 1`.",
            *_mark(node),
        )
    return data


class _Walker:
    """Records where each key and value is; refuses tags and keys given twice."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.keys: dict[str, tuple[int, int]] = {}
        self.values: dict[str, tuple[int, int]] = {}
        self.problems: list[Problem] = []
        self.refused = False
        self.seen: set[int] = set()

    def walk(self, node: yaml.Node, path: str) -> None:
        self.values.setdefault(path, _mark(node))
        if node.tag not in _PLAIN_TAGS and node.tag != _MERGE_TAG:
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            self.refused = True
            self.problems.append(
                Problem(
                    self.file,
                    *_mark(node),
                    path,
                    BLOCKER,
                    f"not valid YAML for a charter: {path or 'the file'} carries the "
                    f"tag {tag}, which asks to build an object; a charter holds plain "
                    f"data only, so it is refused",
                    "Remove the tag and write the value as plain text or a number.",
                )
            )
            return
        # An alias points at a node already walked: its positions are known, and
        # walking it again could take exponential time.
        if id(node) in self.seen:
            return
        self.seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first: dict[str, tuple[int, int]] = {}
            for key_node, value_node in node.value:
                if key_node.tag == _MERGE_TAG:
                    self.walk(value_node, path)
                    continue
                name = str(key_node.value)
                child = f"{path}.{name}" if path else name
                where = _mark(key_node)
                if not isinstance(key_node, yaml.ScalarNode):
                    self.problems.append(
                        Problem(
                            self.file,
                            *where,
                            path,
                            BLOCKER,
                            f"{path or 'the file'} has a key that is not a name",
                            "Keys are plain names such as `poc` or `min_lift`.",
                        )
                    )
                    self.refused = True
                    continue
                if name in first:
                    line = first[name][0]
                    self.problems.append(
                        Problem(
                            self.file,
                            *where,
                            child,
                            BLOCKER,
                            f"{child} appears twice (first on line {line}); YAML "
                            f"would silently keep only this last value",
                            "Keep one of them and delete the other.",
                        )
                    )
                    continue
                first[name] = where
                self.keys[child] = where
                self.walk(value_node, child)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self.walk(item, f"{path}[{index}]")


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _kind_of(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    return f"a single value ({shown_value(value)})"
