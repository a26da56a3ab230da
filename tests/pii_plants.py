"""Personal data planted in the SYNTHETIC examples, and a search for it in any file.

Five kinds (Korean resident registration numbers, Korean mobile numbers, e-mail
addresses, card numbers and names) go into the id, into feature columns and into the
ticket text. Every planted value is made up here, for the tests; none is a real
person's. `leaks` looks for each value in every file of a folder as bytes, in the
forms a value takes on its way to disk: as written, lower-cased (TF-IDF lower-cases),
as its word tokens joined by a space (TF-IDF's word bigrams), as digits only, JSON's
`\\u` escapes, and UTF-16 and UTF-32 (numpy's fixed-width text arrays).
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

_KOREAN_SURNAMES = "김이박최정강조윤장임"
_KOREAN_GIVEN = ["민준", "서연", "도윤", "하은", "지호", "수아", "예준", "지유"]
_LATIN_GIVEN = ["Minjun", "Seoyeon", "Doyun", "Haeun", "Jiho", "Sua", "Yejun", "Jiyu"]
_LATIN_FAMILY = ["Kimura", "Leeson", "Parkhurst", "Choiwell", "Jungman", "Kangaroo"]


@dataclass
class Plants:
    """The values planted, by kind, and where each went."""

    values: dict[str, list[str]] = field(default_factory=dict)

    def add(self, kind: str, value: str) -> str:
        self.values.setdefault(kind, []).append(value)
        return value

    def every(self) -> list[tuple[str, str]]:
        return [(kind, v) for kind, values in self.values.items() for v in values]


def rrn(rng: np.random.Generator) -> str:
    year, month, day = rng.integers(50, 99), rng.integers(1, 13), rng.integers(1, 29)
    serial = f"{rng.integers(1, 5)}{rng.integers(0, 10**6):06d}"
    return f"{year:02d}{month:02d}{day:02d}-{serial}"


def mobile(rng: np.random.Generator) -> str:
    return f"010-{rng.integers(2000, 9999)}-{rng.integers(1000, 9999)}"


def email(rng: np.random.Generator, index: int) -> str:
    given = _LATIN_GIVEN[index % len(_LATIN_GIVEN)].lower()
    return f"{given}.q{index}{rng.integers(100, 999)}@mailbox-{index % 7}.kr"


def card(rng: np.random.Generator) -> str:
    digits = [4, *map(int, rng.integers(0, 10, size=14))]
    total = 0
    for position, digit in enumerate(reversed(digits)):
        doubled = digit * 2 if position % 2 == 0 else digit
        total += doubled - 9 if doubled > 9 else doubled
    digits.append((10 - total % 10) % 10)
    text = "".join(map(str, digits))
    return " ".join(text[i : i + 4] for i in range(0, 16, 4))


def korean_name(rng: np.random.Generator) -> str:
    surname = _KOREAN_SURNAMES[rng.integers(len(_KOREAN_SURNAMES))]
    return surname + _KOREAN_GIVEN[rng.integers(len(_KOREAN_GIVEN))]


def latin_name(rng: np.random.Generator) -> str:
    given = _LATIN_GIVEN[rng.integers(len(_LATIN_GIVEN))]
    return f"{given} {_LATIN_FAMILY[rng.integers(len(_LATIN_FAMILY))]}"


def plant_ids(
    frame: pd.DataFrame, column: str, plants: Plants, *, rng: np.random.Generator
) -> pd.DataFrame:
    """Replace every id by one of the four number-and-address kinds, unique per row."""
    frame = frame.copy()
    made: list[str] = []
    seen: set[str] = set()
    for index in range(len(frame)):
        kind = ("rrn", "mobile", "email", "card")[index % 4]
        value = _made(kind, rng, index)
        while value in seen:
            value = _made(kind, rng, index)
        seen.add(value)
        made.append(plants.add(f"id {kind}", value))
    frame[column] = made
    return frame


def _made(kind: str, rng: np.random.Generator, index: int) -> str:
    if kind == "rrn":
        return rrn(rng)
    if kind == "mobile":
        return mobile(rng)
    return email(rng, index) if kind == "email" else card(rng)


def plant_scattered(
    frame: pd.DataFrame,
    column: str,
    plants: Plants,
    *,
    rng: np.random.Generator,
    share: float,
) -> pd.DataFrame:
    """Overwrite `share` of a category column's values with the four kinds (3%: under
    the column threshold of 5%)."""
    frame = frame.copy().astype({column: object})
    rows = rng.choice(len(frame), size=max(4, int(share * len(frame))), replace=False)
    makers = (
        ("rrn", lambda i: rrn(rng)),
        ("mobile", lambda i: mobile(rng)),
        ("email", lambda i: email(rng, i)),
        ("card", lambda i: card(rng)),
    )
    for number, row in enumerate(rows):
        kind, make = makers[number % len(makers)]
        frame.iat[row, frame.columns.get_loc(column)] = plants.add(
            f"{column} {kind}", make(number)
        )
    return frame


def plant_in_text(
    frame: pd.DataFrame,
    column: str,
    plants: Plants,
    *,
    rng: np.random.Generator,
    rrn_share: float = 0.3,
) -> pd.DataFrame:
    """Add personal data to free text: resident numbers in `rrn_share` of the rows
    (over the column threshold), and phones, e-mails, cards and names in others."""
    frame = frame.copy()
    texts = frame[column].astype(str).tolist()
    for row in range(len(texts)):
        draw = rng.random()
        if draw < rrn_share:
            texts[row] += f" My resident number is {plants.add('text rrn', rrn(rng))}."
        elif draw < rrn_share + 0.05:
            texts[row] += f" Call me on {plants.add('text mobile', mobile(rng))}."
        elif draw < rrn_share + 0.10:
            texts[row] += f" Reply to {plants.add('text email', email(rng, row))}"
        elif draw < rrn_share + 0.15:
            texts[row] += f" My card {plants.add('text card', card(rng))} was used."
        elif draw < rrn_share + 0.20:
            texts[row] += f" My name is {plants.add('text name', latin_name(rng))}."
        elif draw < rrn_share + 0.25:
            texts[row] = (
                f"{plants.add('text name', korean_name(rng))} 고객님, " + (texts[row])
            )
    frame[column] = texts
    return frame


def plant_name_column(
    frame: pd.DataFrame,
    *,
    text: str | None,
    plants: Plants,
    rng: np.random.Generator,
    share: float = 0.1,
) -> pd.DataFrame:
    """Add a `customer_name` column, and have `share` of the texts (if any) mention
    their customer's name with no cue before it ("Minjun Kimura 17 here: ...")."""
    frame = frame.copy()
    names = [f"{latin_name(rng)} {row}" for row in range(len(frame))]
    frame["customer_name"] = [plants.add("customer_name", name) for name in names]
    if text is not None:
        texts = frame[text].astype(str).tolist()
        for row in np.flatnonzero(rng.random(len(frame)) < share):
            texts[row] = f"{names[row]} here: {texts[row]}"
        frame[text] = texts
    return frame


def forms(value: str) -> set[str]:
    """The forms a value may take on disk, as text (see the module's docstring)."""
    tokens = re.findall(r"\w\w+", value.lower())
    found = {value, value.lower()}
    if len(tokens) > 1:
        found |= {" ".join(pair) for pair in itertools.pairwise(tokens)}
    digits = re.sub(r"\D", "", value)
    if len(digits) >= 10:
        found.add(digits)
    # A bigram of two short tokens ("010 2345") says too little to count as a leak.
    found = {item for item in found if len(item) >= 8} | {value, value.lower()}
    return found | {json.dumps(item)[1:-1] for item in found}


# Files written as text need only their UTF-8 form searched; any other file (a pickled
# model, a numpy array) may hold text as UTF-16 or UTF-32 too.
_TEXT_SUFFIXES = {".csv", ".json", ".html", ".ipynb", ".md", ".yaml", ".sh", ".txt"}


def leaks(plants: Plants, *places: Path) -> list[str]:
    """Every planted value found in a file under `places`: "kind value in file"."""
    owners: dict[bytes, tuple[str, str]] = {}
    needles: dict[str, list[bytes]] = {}
    for kind, value in plants.every():
        for form in forms(value):
            for encoding in ("utf-8", "utf-16-le", "utf-32-le"):
                needle = form.lower().encode(encoding)
                owners.setdefault(needle, (kind, value))
                needles.setdefault(encoding, []).append(needle)
    patterns = {encoding: _any_of(found) for encoding, found in needles.items()}
    files = [
        file
        for place in places
        for file in ([place] if place.is_file() else sorted(place.rglob("*")))
        if file.is_file()
    ]
    found = []
    for file in files:
        content = file.read_bytes().lower()
        encodings = ["utf-8"]
        if file.suffix not in _TEXT_SUFFIXES:
            encodings += ["utf-16-le", "utf-32-le"]
        for encoding in encodings:
            for match in patterns[encoding].finditer(content):
                kind, value = owners[match.group(0)]
                found.append(f"{kind} {value!r} in {file}")
    return found


def _any_of(needles: list[bytes]) -> re.Pattern[bytes]:
    """One regular expression for many byte strings, as a trie: one pass per file."""
    trie: dict = {}
    for needle in needles:
        node = trie
        for byte in needle:
            node = node.setdefault(byte, {})
        node[None] = {}
    return re.compile(_trie_source(trie))


def _trie_source(node: dict) -> bytes:
    branches = [
        re.escape(bytes([byte])) + _trie_source(child)
        for byte, child in sorted((k, v) for k, v in node.items() if k is not None)
    ]
    if not branches:
        return b""
    group = branches[0] if len(branches) == 1 else b"(?:" + b"|".join(branches) + b")"
    if None in node:  # a needle ends here; a longer one may go on
        return b"(?:" + group + b")?"
    return group
