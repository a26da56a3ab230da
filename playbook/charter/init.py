"""`playbook init`: a new charter from a template, asked for or given as answers.

The template's text is kept, comments included: each answer replaces one value in
place (or adds the field under its section), so the new charter reads like the
template. Answers are checked against the schema as they come, and the charter is
checked as a whole before it is written, so what `init` writes passes `playbook check`.
"""

from __future__ import annotations

import difflib
import functools
import json
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from playbook.charter import check as charter_check
from playbook.charter import yaml_reader
from playbook.charter.field_table import field_at, leaf_paths
from playbook.charter.fields import KIND_FIELDS, Field
from playbook.charter.problems import BLOCKER, listing
from playbook.charter.validate import check_value
from playbook.core import bundled
from playbook.core.language import Language
from playbook.core.locale_format import parse_amount
from playbook.core.messages import (
    Sentence,
    Written,
    in_every_language,
    said_in,
    sentence,
    translated,
)
from playbook.errors import CharterError, PlaybookError


@dataclass(frozen=True)
class Question:
    """One field `init` asks for, with the template's value as the default."""

    path: str
    help: str
    default: Any
    field: Field


@dataclass(frozen=True)
class InitResult:
    """The written charter and its check."""

    path: Path
    template: Path
    report: charter_check.CheckReport


def templates() -> list[str]:
    """Names of the bundled charter templates."""
    return sorted(path.stem for path in bundled.bundled("templates").glob("*.yaml"))


def template_path(name: str) -> Path:
    """The template called `name` (or a YAML file at that path).

    Raises:
        PlaybookError: No such template; the message lists the ones there are.
    """
    given = Path(name)
    if given.suffix in (".yaml", ".yml") and given.is_file():
        return given
    path = bundled.bundled("templates") / f"{name}.yaml"
    if path.is_file():
        return path
    names = templates()
    close = difflib.get_close_matches(name, names, n=1)
    hint = sentence("Did you mean %(name)s? ", name=close[0]) if close else ""
    raise PlaybookError(
        sentence(
            "no template called %(name)s. %(hint)sTemplates: %(names)s.",
            name=repr(name),
            hint=hint,
            names=", ".join(names),
        )
    )


def questions(template_text: str) -> list[Question]:
    """The fields to ask for, in the charter's order, with the template's values.

    KPI fields of another kind than the template's are left out.
    """
    values = yaml.safe_load(template_text) or {}
    given = values.get("kpi")
    kpi = given if isinstance(given, dict) else {}
    kind = kpi.get("kind") or "top_k"
    other = {
        f"kpi.{name}"
        for key, names in KIND_FIELDS.items()
        if key != kind
        for name in names
    }
    found = []
    for path in leaf_paths():
        item = field_at(path)
        if item is None or not item.ask or path in other:
            continue
        found.append(Question(path, item.help, _lookup(values, path), item))
    return found


def ask_all(
    template_text: str,
    ask: Callable[[Question, str | None], str],
    *,
    given: Mapping[str, Any] | None = None,
    language: Language = "en",
) -> dict[str, Any]:
    """Ask for each field not already given, again until the answer fits.

    Args:
        template_text: The template's YAML.
        ask: Shows a question (and what was wrong with the last answer, if anything)
            and returns the typed answer; an empty answer keeps the default.
        given: Answers already known (from flags or a file): not asked again.
        language: The language of what was wrong with an answer.
    """
    answers = dict(given or {})
    for question in questions(template_text):
        if question.path in answers:
            continue
        problem = None
        while True:
            typed = ask(question, problem)
            if not typed.strip():
                break
            value = parse_answer(question.path, typed)
            problem = check_value(question.path, value, language=language)
            if problem is None:
                if value != question.default:
                    answers[question.path] = value
                break
    return answers


def parse_answer(path: str, text: str) -> Any:
    """Turn a typed answer into the value the field at `path` holds.

    Text stays text; numbers, whole numbers, true/false and lists (`[a, b]`) are read
    as YAML; an empty answer is None.
    """
    item = field_at(path)
    text = text.strip()
    if not text:
        return None
    if item is None or item.kind in ("text", "choice", "date"):
        return text
    if item.kind == "texts" and not text.startswith("["):
        return [part.strip() for part in text.split(";") if part.strip()]
    amount = parse_amount(text) if item.kind == "number" else None
    if amount is not None:  # 200만원, 2억, 1,500,000원 as well as 2000000
        return int(amount) if amount.is_integer() else amount
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def read_answers(path: str | Path) -> dict[str, Any]:
    """Answers from a YAML file: dotted field paths (or nested sections) to values.

    Raises:
        CharterError: The file is not safe, readable YAML holding a mapping.
    """
    document, problems = yaml_reader.read(path)
    blockers = [problem for problem in problems if problem.severity == BLOCKER]
    if document is None or blockers:
        raise CharterError(
            in_every_language(
                lambda language: listing(
                    [
                        problem
                        for problem in yaml_reader.read(path, language=language)[1]
                        if problem.severity == BLOCKER
                    ],
                    file=str(path),
                    language=language,
                )
            )
        )
    return _flatten(document.data)


def parse_sets(items: list[str]) -> dict[str, Any]:
    """`FIELD=VALUE` flags as answers, each value read for its field's kind.

    Raises:
        CharterError: A flag has no `=`.
    """
    answers = {}
    for item in items:
        path, sep, text = item.partition("=")
        if not sep or not path.strip():
            raise CharterError(
                sentence(
                    "--set %(item)s: expected FIELD=VALUE, e.g. --set "
                    "kpi.min_lift=2000000.",
                    item=repr(item),
                )
            )
        answers[path.strip()] = parse_answer(path.strip(), text)
    return answers


def amounts_read(items: list[str], *, language: Language) -> list[str]:
    """How `init` read each `FIELD=VALUE` flag written as an amount in won (200만원).

    Args:
        items: The `--set` flags.
        language: The reader's language.

    Returns:
        One sentence per flag whose amount was read from units or separators.
    """
    found = []
    for item in items:
        path, _, text = (part.strip() for part in item.partition("="))
        item_field = field_at(path)
        amount = (
            parse_amount(text) if item_field and item_field.kind == "number" else None
        )
        if amount is not None and text != str(parse_answer(path, text)):
            found.append(
                translated(
                    language,
                    "Read %(field)s=%(typed)s as the amount %(amount)s.",
                    field=path,
                    typed=text,
                    amount=f"{amount:,.0f}",
                )
            )
    return found


def check_answers(answers: Mapping[str, Any]) -> None:
    """Check every answer names a field and fits it; report all that do not.

    Raises:
        CharterError: Some answers name no field or do not fit; all are listed.
    """
    known = list(leaf_paths())
    wrong: list[Sentence | Written] = []
    for path, value in answers.items():
        if field_at(path) is None and not path.startswith("team.roles."):
            close = difflib.get_close_matches(path, known, n=1, cutoff=0.6)
            hint = sentence(" Did you mean %(close)s?", close=close[0]) if close else ""
            wrong.append(
                sentence(
                    "%(field)s: no such field in a charter.%(hint)s",
                    field=path,
                    hint=hint,
                )
            )
            continue
        if field_at(path) is None:
            continue
        if check_value(path, value):
            wrong.append(in_every_language(functools.partial(_unfit, path, value)))
    if wrong:
        raise CharterError(
            in_every_language(
                lambda language: translated(
                    language,
                    "the answers do not fit the charter:\n%(lines)s\nFix them and run "
                    "`playbook init` again.",
                    lines="\n".join(f"  {said_in(line, language)}" for line in wrong),
                )
            )
        )


def _unfit(path: str, value: Any, language: Language) -> str:
    """What is wrong with an answer, in `language`."""
    return check_value(path, value, language=language) or ""


def apply(template_text: str, answers: Mapping[str, Any]) -> str:
    """The template's text with each answer in place, comments kept.

    A field the template has gets its value replaced where it stands; a field it lacks
    is added at the end of its section (and the section at the end of the file).
    """
    text = template_text
    for path, value in answers.items():
        text = _set(text, path.split("."), value)
    written = yaml.safe_load(text)
    for path, value in answers.items():
        if _lookup(written, path) != value:
            raise PlaybookError(
                sentence(
                    "%(path)s: could not write %(value)s into the template; edit "
                    "the charter by hand after `playbook init`.",
                    path=path,
                    value=repr(value),
                )
            )
    return text


def refuse_overwrite(out: Path, *, force: bool) -> None:
    """Stop before anything is asked when `out` cannot be written.

    Raises:
        PlaybookError: `out` is a folder, or exists and `force` is not set.
    """
    if out.is_dir():
        raise PlaybookError(
            sentence(
                "%(out)s is a folder; --out names the charter file.",
                out=out,
            )
        )
    if out.exists() and not force:
        raise PlaybookError(
            sentence(
                "%(out)s exists; playbook init never overwrites a charter. "
                "Choose another --out, or add --force to replace it.",
                out=out,
            )
        )


def write(
    template: Path,
    out: Path,
    answers: Mapping[str, Any],
    *,
    force: bool = False,
    language: Language = "en",
) -> InitResult:
    """Write a new charter from a template and answers, if it passes `check`.

    `language` is the reader's: of the check's findings and of the refusal.

    Raises:
        PlaybookError: `out` exists and `force` is not set (nothing is written).
        CharterError: An answer does not fit, or the charter would not pass
            `playbook check` (nothing is written); every problem is listed.
    """
    out = Path(out)
    refuse_overwrite(out, force=force)
    check_answers(answers)
    text = apply(template.read_text(encoding="utf-8"), answers)
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(
        prefix=f".{out.name}.", suffix=".yaml", dir=out.parent
    )
    temporary = Path(name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        report = charter_check.check(temporary, shown=str(out), language=language)
        if report.blockers:
            raise CharterError(
                listing(report.blockers, file=str(out), language=language)
                + translated(language, "\nNothing was written.")
            )
        temporary.replace(out)
    finally:
        temporary.unlink(missing_ok=True)
    return InitResult(path=out, template=template, report=report)


def shown(value: Any) -> str:
    """A value as a person would type it back."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(str(item) for item in value)
    return str(value)


def _flatten(mapping: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in mapping.items():
        path = f"{prefix}{key}"
        item = field_at(path)
        nested = item is not None and item.kind == "section"
        if isinstance(value, dict) and (nested or (item is None and "." not in path)):
            flat.update(_flatten(value, f"{path}."))
        else:
            flat[path] = value
    return flat


def _lookup(values: Any, path: str) -> Any:
    node = values
    for name in path.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(name)
    return node


def _set(text: str, names: list[str], value: Any) -> str:
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    if node is None:
        return text + _block(names, value, indent=0)
    for depth, name in enumerate(names):
        if not isinstance(node, yaml.MappingNode):
            break
        pair = next((p for p in node.value if p[0].value == name), None)
        if pair is None:
            return _insert(text, node, names[depth:], value)
        key, child = pair
        last = depth == len(names) - 1
        if last or (isinstance(child, yaml.ScalarNode) and child.tag.endswith("null")):
            rest = names[depth + 1 :]
            indent = key.start_mark.column + 2
            replacement = (
                _inline(value)
                if last
                else _block(rest, value, indent=indent).rstrip("\n")
            )
            return _replace(text, child, replacement)
        node = child
    raise PlaybookError(
        sentence(
            "%(field)s: the template holds something else there; edit the "
            "charter by hand after `playbook init`.",
            field=".".join(names),
        )
    )


def _replace(text: str, node: yaml.Node, replacement: str) -> str:
    start, end = node.start_mark.index, node.end_mark.index
    end = start + len(text[start:end].rstrip())
    before = len(text[:start].rstrip())
    if text[before - 1 : before] == ":":
        # The value starts on the key's line, whatever the template had there.
        start = before
        replacement = replacement if replacement.startswith("\n") else f" {replacement}"
    return text[:start] + replacement.rstrip(" ") + text[end:]


def _insert(text: str, mapping: yaml.MappingNode, names: list[str], value: Any) -> str:
    if mapping.flow_style:
        raise PlaybookError(
            sentence(
                "%(field)s: cannot add a field to a {...} section; edit the "
                "charter by hand.",
                field=".".join(names),
            )
        )
    indent = mapping.value[0][0].start_mark.column if mapping.value else 0
    last = mapping.value[-1][1] if mapping.value else mapping
    end = last.end_mark.index
    end = len(text[:end].rstrip())
    line_end = text.find("\n", end)
    line_end = len(text) if line_end == -1 else line_end
    block = _block(names, value, indent=indent).rstrip("\n")
    return text[:line_end] + "\n" + block + text[line_end:]


def _block(names: list[str], value: Any, *, indent: int) -> str:
    pad = " " * indent
    if len(names) == 1:
        return f"{pad}{names[0]}: {_inline(value)}".rstrip() + "\n"
    return f"{pad}{names[0]}:\n" + _block(names[1:], value, indent=indent + 2)


def _inline(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_quoted(item) for item in value) + "]"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    text = str(value)
    try:
        plain = yaml.safe_load(f"key: {text}") == {"key": text}
    except yaml.YAMLError:
        plain = False
    return (
        text if plain and "\n" not in text and text == text.strip() else _quoted(text)
    )


def _quoted(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return _inline(value)
