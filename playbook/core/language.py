"""The languages a person can read playbook in, and which one a run uses.

A charter's `report.language` names it (default English); `--lang` on the command line
overrides it for one command. Everything a person reads (pages, memo, reasons, messages)
is then written in that language from the message catalogue
(`playbook.core.messages`) with money, dates and numbers as
`playbook.core.locale_format` writes them.
"""

from __future__ import annotations

from typing import Literal

Language = Literal["en", "ko"]
LANGUAGES: tuple[Language, ...] = ("en", "ko")
DEFAULT_LANGUAGE: Language = "en"
# The `<html lang>` of a page in each language (BCP 47).
HTML_LANG: dict[Language, str] = {"en": "en", "ko": "ko"}
# The pages' and charts' fonts: Latin system fonts first, then fonts that have Hangul
# (Noto CJK on Linux, Apple SD Gothic Neo on macOS, Malgun Gothic on Windows), so a
# Korean page never shows boxes where a font lacks a glyph.
FONT_STACK = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans CJK KR", '
    '"Noto Sans KR", "Apple SD Gothic Neo", "Malgun Gothic", NanumGothic, sans-serif'
)


def language_of(value: object) -> Language:
    """The language a value names, English for anything else (an old manifest's None).

    Args:
        value: A language code as a charter, manifest or option gives it.
    """
    text = str(value or "").strip().lower()
    return next((code for code in LANGUAGES if code == text), DEFAULT_LANGUAGE)
