"""Korean particles chosen by the word before them: 260만원으로, 56%로, 알 수 없음으로.

A catalogue entry cannot know the word a placeholder stands for, so it writes a
particle whose form depends on that word in both forms, as Korean editors do:
`(으)로`, `을(를)`, `이(가)`, `은(는)`, `과(와)`. `with_particles` picks each one's
form from the last syllable's final consonant once the values are in place. Digits
are read as Korean numbers (1 일, 3 삼, 6 육), % as 퍼센트, a Latin letter as its name.
"""

from __future__ import annotations

import re

_FIRST_SYLLABLE, _LAST_SYLLABLE = 0xAC00, 0xD7A3
_FINALS_PER_VOWEL = 28
_RIEUL = 8  # ㄹ as a final consonant: 로, not 으로, follows it
# The final consonant of each digit read as a Korean number: None, "ㄹ" or another.
_DIGIT_FINALS = {
    "0": "ㅇ",
    "1": "ㄹ",
    "2": None,
    "3": "ㅁ",
    "4": None,
    "5": None,
    "6": "ㄱ",
    "7": "ㄹ",
    "8": "ㄹ",
    "9": None,
}
# Latin letters whose names end in a consonant (엘, 엠, 엔, 알).
_LETTER_FINALS = {"l": "ㄹ", "m": "ㅁ", "n": "ㄴ", "r": "ㄹ"}
# Each written pair: (form after a final consonant, form after a vowel, after ㄹ).
_PAIRS = {
    "(으)로": ("으로", "로", "로"),
    "을(를)": ("을", "를", "을"),
    "이(가)": ("이", "가", "이"),
    "은(는)": ("은", "는", "은"),
    "과(와)": ("과", "와", "과"),
}
_PARTICLE = re.compile("|".join(map(re.escape, _PAIRS)))
# What a reader skips when reading the word before a particle: closing brackets
# and quotes ("(kpi.min_lift)을(를)" reads after "lift").
_CLOSERS = ")]'\"\u2019\u201d "
# A word of two or more letters ending in a small letter is read as a word (not
# spelled out as KPI or AUC are).
_ENGLISH_WORD_END = re.compile(r"[A-Za-z][a-z]$")


def final_consonant(text: str) -> str | None:
    """The final consonant of the last readable character, None after a vowel.

    Args:
        text: The words before a particle.
    """
    last = text.rstrip(_CLOSERS)[-1:]
    if not last:
        return None
    code = ord(last)
    if _FIRST_SYLLABLE <= code <= _LAST_SYLLABLE:
        final = (code - _FIRST_SYLLABLE) % _FINALS_PER_VOWEL
        return None if final == 0 else "ㄹ" if final == _RIEUL else "final"
    if last.isdigit():
        return _DIGIT_FINALS.get(last)
    return _LETTER_FINALS.get(last.lower())


def particle(word: str, written: str) -> str:
    """The form of a written particle pair (`(으)로`, `을(를)` ...) after `word`.

    After an English word (`timeline`) both forms stay: a reader says the word, not
    its letters, and no rule of spelling tells how it ends aloud.

    Raises:
        KeyError: `written` is no pair this module knows.
    """
    after_final, after_vowel, after_rieul = _PAIRS[written]
    if _ENGLISH_WORD_END.search(word.rstrip(_CLOSERS)):
        return written
    final = final_consonant(word)
    return (
        after_vowel if final is None else after_rieul if final == "ㄹ" else after_final
    )


def with_particles(text: str) -> str:
    """The text with every written particle pair in the form its word calls for."""
    parts: list[str] = []
    position = 0
    for match in _PARTICLE.finditer(text):
        parts.append(text[position : match.start()])
        parts.append(particle(text[: match.start()], match.group()))
        position = match.end()
    parts.append(text[position:])
    return "".join(parts)
