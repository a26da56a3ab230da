"""Personal data replaced by typed placeholders before any model sees a row.

Stages 4 to 7 read the data through `playbook.data.read`, which hands them the rows
from `redact`; the fresh batch and `playbook score` go through it too, so a model is
trained, judged and used on the same kind of text. In every text column the model may
read, each e-mail address, phone number, resident registration number, card number
and IP address becomes `<EMAIL>`, `<PHONE>`, `<RRN>`, `<CARD>` or `<IP>`
(`pii.PLACEHOLDERS`), so a router still learns from the rest of a ticket and a
category with a few phone numbers among its values keeps its other values.

Names are found where they can be: the values of the data's own name columns (a
column named like `customer_name`, or listed in `data.pii`) wherever they appear in
the text, and a capitalised name after a cue ("my name is", "Mr.", "regards,", or a
Korean name before 님, 씨 or 고객님). They become `<NAME>`. A name with no cue and no
column to learn it from stays: list such columns in `data.pii`, or keep names out of
the extract.

Left as read: the id (scores write it as a keyed hash, `playbook.serve.pseudonyms`),
the target and time columns, and the columns kept out of the model as personal data
(`pii.PiiColumn.excluded`), which no model reads and whose format the data contract
may check.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import partial

import pandas as pd

from playbook.charter.model import Charter
from playbook.data import pii

# A name needs letters; shorter values ("Li", "a") would blank words that are not names.
_MIN_NAME_LENGTH = 3
# The longest name, in words, looked up among the known ones.
_MAX_NAME_WORDS = 4
# The Korean particles and honorifics that may follow a known name in one word.
_KOREAN_SUFFIX = re.compile(r"^(?:님|씨|고객님|고객|이|가|은|는|을|를|의|에게|께)$")
_CUED_NAME = re.compile(
    r"(?:\b(?:[Mm]y name is|[Nn]ame is|[Nn]ame:|[Tt]his is|[Rr]egards,?|"
    r"[Ss]incerely,?|[Cc]heers,|Mr\.?|Mrs\.?|Ms\.?|Miss|Dr\.?)\s+)"
    r"(?P<name>[A-Z][a-z]+(?:[ -][A-Z][a-z]+){0,2})"
)
# Common Korean surnames, for a name before an honorific; "고객님" alone is no name.
_KOREAN_CUED_NAME = re.compile(
    r"(?<![가-힣])(?P<name>[김이박최정강조윤장임한오서신권황안송류전홍고문양손배백허유남심노하곽성"
    r"차주우구민진지엄채원천방공현함변염여추도소석선설마길연위표명기반왕금옥육인맹제모탁국어은편용]"
    r"[가-힣]{1,3}?)(?=\s?(?:고객님|님|씨))"
    r"|(?:이름은|이름:|성함은|성함:)\s*(?P<after>[가-힣]{2,4})"
)
_NOT_KOREAN_NAMES = frozenset(
    {"고객", "회원", "기사", "담당자", "선생", "사장", "팀장"}
)
_WORD = re.compile(r"[^\W_]+")


def redact(frame: pd.DataFrame, *, poc: Charter) -> pd.DataFrame:
    """The rows with personal data in the columns a model may read replaced.

    Args:
        frame: The rows as read.
        poc: The charter: its id, target and time columns are left as read, and its
            `data.pii`, `data.allow_pii` and `data.text` decide which columns are
            personal data as a whole (also left as read: no model reads them).

    Returns:
        A copy with placeholders in place of personal data (the frame itself when
        there is nothing to replace).
    """
    kept = {poc.data.id, poc.data.target, poc.data.time}
    # A column left as read changes what is replaced only as a source of names
    # (`known_names`): one named like a name column, or listed in `data.pii`. The
    # others' values are not searched (a million distinct ids took a second). A
    # number column is never searched: it holds no text to replace and no name to
    # learn (3,000 of them took 1.5 s).
    numbers = _number_columns(frame)
    searched = [
        column
        for column in frame.columns
        if column not in numbers
        and (column not in kept or pii.named_personal(column) or column in poc.data.pii)
    ]
    found = pii.detect(
        frame[searched],
        declared=poc.data.pii,
        allowed=poc.data.allow_pii,
        free_text=poc.data.text,
    )
    kept |= {column.column for column in found if column.excluded}
    return replace_personal(
        frame,
        columns=[column for column in frame.columns if column not in kept],
        names=known_names(frame, found),
    )


def _number_columns(frame: pd.DataFrame) -> set[str]:
    """The columns of a number (or boolean) dtype, found from the dtypes at once."""
    return {
        column
        for column, dtype in frame.dtypes.items()
        if pd.api.types.is_numeric_dtype(dtype)
    }


def known_names(frame: pd.DataFrame, found: Iterable[pii.PiiColumn]) -> frozenset[str]:
    """The values of the frame's name columns (and of those `data.pii` lists)."""
    columns = [
        column.column
        for column in found
        if column.kind == "person's name" or column.found_by.startswith("charter")
    ]
    names: set[str] = set()
    for column in columns:
        values = frame[column].dropna()
        names |= {
            " ".join(str(value).split())
            for value in values.unique()
            if isinstance(value, str) and len(value.strip()) >= _MIN_NAME_LENGTH
        }
    return frozenset(names)


def replace_personal(
    frame: pd.DataFrame, *, columns: Iterable[str], names: frozenset[str] = frozenset()
) -> pd.DataFrame:
    """A copy of `frame` with personal data in the text of `columns` replaced.

    Each distinct value is redacted once, so a category column costs its categories.
    """
    redacted = frame
    text = {
        column
        for column, dtype in frame.dtypes.items()
        if pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)
    }
    for column in columns:
        if column not in text:
            continue
        series = frame[column]
        distinct = series.dropna().unique()
        changed = {
            value: new
            for value in distinct
            if isinstance(value, str)
            and (new := redact_text(value, names=names)) != value
        }
        if not changed:
            continue
        if redacted is frame:
            redacted = frame.copy()
        redacted[column] = series.map(partial(_changed, changed))
    return redacted


def _changed(changed: dict[str, str], value: object) -> object:
    return changed.get(value, value) if isinstance(value, str) else value


def redact_text(text: str, *, names: frozenset[str] = frozenset()) -> str:
    """Text with personal data replaced by typed placeholders (`<PHONE>`, `<NAME>`).

    Args:
        text: Any text.
        names: Names known from the data's name columns, replaced wherever they
            appear as whole words (a Korean name also before a particle: 김민준님).
    """
    if not isinstance(text, str) or not text:
        return text
    for kind, pattern in pii.PATTERNS.items():
        text = pattern.sub(partial(_placeholder, kind), text)
    if names:
        text = _known(text, names)
    text = _CUED_NAME.sub(_cued, text)
    return _KOREAN_CUED_NAME.sub(_korean_cued, text)


def _placeholder(kind: str, match: re.Match[str]) -> str:
    found = match.group(0)
    return pii.PLACEHOLDERS[kind] if pii.confirmed(kind, found) else found


def _cued(match: re.Match[str]) -> str:
    start, end = match.span("name")
    whole = match.group(0)
    offset = match.start()
    return whole[: start - offset] + pii.NAME_PLACEHOLDER + whole[end - offset :]


def _korean_cued(match: re.Match[str]) -> str:
    group = "name" if match.group("name") else "after"
    if match.group(group) in _NOT_KOREAN_NAMES:
        return match.group(0)
    start, end = match.span(group)
    offset = match.start()
    whole = match.group(0)
    return whole[: start - offset] + pii.NAME_PLACEHOLDER + whole[end - offset :]


def _known(text: str, names: frozenset[str]) -> str:
    """Replace the words of `text` that spell a known name (longest first)."""
    words = list(_WORD.finditer(text))
    spans: list[tuple[int, int]] = []
    index = 0
    while index < len(words):
        for size in range(min(_MAX_NAME_WORDS, len(words) - index), 0, -1):
            last = words[index + size - 1]
            candidate = " ".join(word.group(0) for word in words[index : index + size])
            if candidate in names:
                spans.append((words[index].start(), last.end()))
                index += size
                break
            if size == 1 and (end := _korean_name_end(last.group(0), names)):
                spans.append((last.start(), last.start() + end))
                index += 1
                break
        else:
            index += 1
    for start, end in reversed(spans):
        text = text[:start] + pii.NAME_PLACEHOLDER + text[end:]
    return text


def _korean_name_end(word: str, names: frozenset[str]) -> int:
    """Where a known Korean name ends inside a word that adds a particle (김민준님)."""
    for length in range(min(len(word) - 1, 5), 1, -1):
        if word[:length] in names and _KOREAN_SUFFIX.match(word[length:]):
            return length
    return 0
