"""Read a charter file safely, keeping the line and column of every key and value.

`read` refuses what a safe reader must refuse (a huge file, bytes that are not UTF-8,
a YAML tag that would build a Python object, a key given twice), and keeps where each
key and value is, so that every problem carries the file, line and column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from playbook.charter.problems import BLOCKER, Problem, shown_value
from playbook.core.language import Language
from playbook.core.messages import Sentence, marked, sentence, translated

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
_THE_FILE = marked("the file")


def read(
    path: str | Path, *, shown: str | None = None, language: Language = "en"
) -> tuple[Document | None, list[Problem]]:
    """Parse a charter file, keeping where each key and value is.

    Args:
        path: The charter file.
        shown: How to name the file in problems (default: the path as given).
        language: The language of the problems.

    Returns:
        The document (None when the file cannot be read as a charter at all) and the
        problems found while reading it, each a blocker: a key given twice leaves a
        document to check further, with the key's last value.
    """
    file = shown if shown is not None else str(path)
    try:
        node = _compose(_text_of(Path(path)))
        walker = _Walker(file, language)
        walker.walk(node, "")
        if walker.refused:
            return None, walker.problems
        data = _construct(node)
    except _Unreadable as stop:
        message = stop.message.in_language(language)
        hint = stop.hint.in_language(language)
        return None, [Problem(file, stop.line, stop.column, "", BLOCKER, message, hint)]
    except RecursionError:  # thousands of nested [ or {: the parser runs out of stack
        message = translated(
            language,
            "not valid YAML for a charter: lists or mappings nested too deeply",
        )
        hint = translated(language, "A charter nests a few levels; remove the nesting.")
        return None, [Problem(file, 1, 1, "", BLOCKER, message, hint)]
    # A key given twice is reported, and the rest of the charter is still checked.
    return Document(file, data, walker.keys, walker.values), walker.problems


class _Unreadable(Exception):
    """The file cannot be read as a charter: the one problem to report, and where."""

    def __init__(
        self, message: Sentence, hint: Sentence, line: int = 1, column: int = 1
    ) -> None:
        super().__init__(message)
        self.message, self.hint, self.line, self.column = message, hint, line, column


def _text_of(source: Path) -> str:
    """The file's text, refusing a folder, a missing or huge file and non-UTF-8."""
    if source.is_dir():
        raise _Unreadable(
            sentence("a folder, not a charter file"),
            sentence("Name the charter's YAML file."),
        )
    try:
        size = source.stat().st_size
    except FileNotFoundError:
        raise _Unreadable(
            sentence("no such charter file"),
            sentence(
                "Check the path, or start one with `playbook init` (templates/ holds "
                "examples)."
            ),
        ) from None
    except OSError as error:
        raise _Unreadable(
            sentence("cannot read the file (%(error)s)", error=error.strerror),
            sentence("Check the path."),
        ) from None
    if size > MAX_CHARTER_BYTES:
        raise _Unreadable(
            sentence(
                "the file is %(size)s bytes, over the %(most)s a charter may have, so "
                "it was not read",
                size=f"{size:,}",
                most=f"{MAX_CHARTER_BYTES:,}",
            ),
            sentence(
                "A charter is one page of settings: keep data in the file data.path "
                "names."
            ),
        )
    try:
        raw = source.read_bytes()
    except OSError as error:
        raise _Unreadable(
            sentence("cannot read the file (%(error)s)", error=error.strerror),
            sentence("Check its permissions."),
        ) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        raise _Unreadable(
            sentence(
                "not UTF-8 text (byte %(position)s, %(byte)s, cannot be decoded)",
                position=error.start,
                byte=f"0x{raw[error.start]:02x}",
            ),
            sentence(
                "Save the charter as UTF-8 (in most editors: Save with encoding, "
                "UTF-8)."
            ),
            line,
            column,
        ) from None


def _compose(text: str) -> yaml.Node:
    """The YAML's node tree, positions kept; nothing is built from it yet."""
    try:
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as error:  # a control character: YAML refuses it
        raise _Unreadable(
            sentence(
                "not valid YAML: character %(character)s (position %(position)s) is "
                "not allowed in YAML",
                character=repr(error.character),
                position=f"{error.position:,}",
            ),
            sentence(
                "Remove it, or write the text in quotes with an escape such as \\t."
            ),
        ) from None
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise _Unreadable(
            sentence(
                "not valid YAML at line %(line)s, column %(column)s: %(problem)s",
                line=line,
                column=column,
                problem=_parser_words(error),
            ),
            sentence(
                "Check the indentation and the quotes there; text holding ': ' or "
                "' #' needs quotes."
            ),
            line,
            column,
        ) from None
    except yaml.YAMLError as error:
        raise _Unreadable(_not_yaml(error), sentence("Fix the file.")) from None
    finally:
        loader.dispose()
    if node is None:
        raise _Unreadable(
            sentence(
                "an empty file: expected a mapping of fields (version, poc, business, "
                "...)"
            ),
            sentence("Start from a template with `playbook init`."),
        )
    return node


def _construct(node: yaml.Node) -> dict[str, Any]:
    """The charter's values from a node tree the walker let through."""
    loader = yaml.SafeLoader("")
    try:
        data = loader.construct_document(node)
    except yaml.YAMLError as error:
        raise _Unreadable(_not_yaml(error), sentence("Fix the file.")) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise _Unreadable(
            sentence(
                "expected a mapping of fields (version, poc, business, ...), got "
                "%(kind)s",
                kind=_kind_of(data),
            ),
            sentence("Write one `field: value` per line, starting with `version: 1`."),
            *_mark(node),
        )
    return data


class _Walker:
    """Records where each key and value is; refuses tags and keys given twice."""

    def __init__(self, file: str, language: Language) -> None:
        self.file = file
        self.language = language
        self.keys: dict[str, tuple[int, int]] = {}
        self.values: dict[str, tuple[int, int]] = {}
        self.problems: list[Problem] = []
        self.refused = False
        self.seen: set[int] = set()

    def _blocker(
        self, where: tuple[int, int], path: str, message: str, hint: str
    ) -> None:
        self.problems.append(Problem(self.file, *where, path, BLOCKER, message, hint))

    def walk(self, node: yaml.Node, path: str) -> None:
        self.values.setdefault(path, _mark(node))
        if node.tag not in _PLAIN_TAGS and node.tag != _MERGE_TAG:
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            self.refused = True
            self._blocker(
                _mark(node),
                path,
                translated(
                    self.language,
                    "not valid YAML for a charter: %(field)s carries the tag "
                    "%(tag)s, which asks to build an object; a charter holds "
                    "plain data only, so it is refused",
                    field=path or translated(self.language, _THE_FILE),
                    tag=tag,
                ),
                translated(
                    self.language,
                    "Remove the tag and write the value as plain text or a number.",
                ),
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
                    self._blocker(
                        where,
                        path,
                        translated(
                            self.language,
                            "%(field)s has a key that is not a name",
                            field=path or translated(self.language, _THE_FILE),
                        ),
                        translated(
                            self.language,
                            "Keys are plain names such as `poc` or `min_lift`.",
                        ),
                    )
                    self.refused = True
                    continue
                if name in first:
                    line = first[name][0]
                    self._blocker(
                        where,
                        child,
                        translated(
                            self.language,
                            "%(field)s appears twice (first on line %(line)s); "
                            "YAML would silently keep only this last value",
                            field=child,
                            line=line,
                        ),
                        translated(
                            self.language, "Keep one of them and delete the other."
                        ),
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


def _kind_of(value: Any) -> Sentence:
    if isinstance(value, list):
        return sentence("a list")
    return sentence("a single value (%(value)s)", value=shown_value(value))


# What PyYAML says most often, as sentences of the catalogue: its English exactly, with
# the parts that vary as placeholders. Anything else is quoted as the parser wrote it.
_PARSER_WORDS = [
    (re.compile(pattern), message)
    for pattern, message in (
        (
            r"mapping values are not allowed here",
            marked("mapping values are not allowed here"),
        ),
        (r"could not find expected ':'", marked("could not find expected ':'")),
        (r"found unexpected end of stream", marked("found unexpected end of stream")),
        (
            r"found character (?P<character>.+) that cannot start any token",
            marked("found character %(character)s that cannot start any token"),
        ),
        (
            r"found undefined alias (?P<name>.+)",
            marked("found undefined alias %(name)s"),
        ),
        (
            r"expected (?P<expected>.+), but found (?P<found>.+)",
            marked("expected %(expected)s, but found %(found)s"),
        ),
        (
            r"expected (?P<expected>.+), but got (?P<found>.+)",
            marked("expected %(expected)s, but got %(found)s"),
        ),
        (r"while parsing a block mapping", marked("while parsing a block mapping")),
        (
            r"while parsing a block collection",
            marked("while parsing a block collection"),
        ),
        (r"while parsing a flow sequence", marked("while parsing a flow sequence")),
        (r"while parsing a flow mapping", marked("while parsing a flow mapping")),
        (r"while scanning a quoted scalar", marked("while scanning a quoted scalar")),
        (r"while scanning a simple key", marked("while scanning a simple key")),
        (
            r"while scanning for the next token",
            marked("while scanning for the next token"),
        ),
    )
]


def _parser_words(error: yaml.MarkedYAMLError) -> Sentence | str:
    """What the parser found wrong, and while doing what, as a sentence if it can be."""
    problem = _in_catalogue(error.problem or "unreadable")
    if not error.context:
        return problem
    context = _in_catalogue(error.context)
    return sentence("%(problem)s (%(context)s)", problem=problem, context=context)


def _in_catalogue(words: str) -> Sentence | str:
    for pattern, message in _PARSER_WORDS:
        found = pattern.fullmatch(words)
        if found:
            return Sentence(message, found.groupdict())
    return words


def _not_yaml(error: yaml.YAMLError) -> Sentence:
    return sentence("not valid YAML: %(error)s", error=str(error))
