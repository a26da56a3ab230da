"""The message catalogue: every sentence a person reads, in the reader's language.

Sentences are written in English in the code and the page templates, each with its
numbers and names as placeholders (`%(lift)s`), and looked up in the language's gettext
catalogue, `playbook/locale/<language>/LC_MESSAGES/playbook.po`, whose translation
places the placeholders where its grammar wants them. The `.po` sources are the only
copy in the repository; Babel compiles one in memory the first time a process needs
it, so a fresh clone, an editable install and a wheel read the same file.

Python code calls `translated(language, "English sentence %(name)s", name=...)`; the
page templates call `_()` through Jinja2's i18n extension (`install`). `pybabel
extract` finds both (see `CATALOGUE_KEYWORDS`), and tests/test_messages.py fails when
a message has no Korean entry.

An error is raised where its reader's language is often not known yet (a charter that
does not load cannot say which language it asks for), so its message is a `Sentence`:
the English sentence and its values, written in a language only when it is shown.
`str(error)` is the English; the command that prints it calls
`PlaybookError.in_language` with the language the command speaks.
"""

from __future__ import annotations

import functools
import gettext
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from playbook.core.korean_particles import with_particles
from playbook.core.language import LANGUAGES, Language

LOCALE = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "playbook"
# What `pybabel extract -k` needs to find the messages of the Python code.
CATALOGUE_KEYWORDS = {
    "translated": (2,),
    "marked": None,
    "said": None,
    "sentence": None,
}


def catalogue_path(language: Language) -> Path:
    """The `.po` source of a language's catalogue."""
    return LOCALE / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def translations(language: Language) -> gettext.NullTranslations:
    """The compiled catalogue of a language; English needs none (its ids are English).

    Compiled once per process: the catalogue is a file of the package, never changed
    while it runs.
    """
    if language == "en":
        return gettext.NullTranslations()
    with catalogue_path(language).open("rb") as source:
        catalogue = read_po(source, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue, use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def translated(language: Language, message: str, /, **values: object) -> str:
    """One sentence in the reader's language, its placeholders filled in.

    Args:
        language: The reader's language.
        message: The English sentence, placeholders as `%(name)s`.
        **values: What the placeholders stand for.
    """
    text = translations(language).gettext(message)
    text = text % values if values else text
    # Korean particles depend on the value before them (260만원으로, 56%로).
    return with_particles(text) if language == "ko" else text


def marked(message: str) -> str:
    """Mark a message for the catalogue where it is written, not where it is read.

    For words other modules name (a baseline's name) and a page translates later with
    `translated(language, name)`; gettext calls this `gettext_noop`.
    """
    return message


@dataclass(frozen=True)
class Sentence:
    """A sentence written in the reader's language only when it is read.

    Its values may be sentences themselves (a reason inside a message): they are
    written in the same language. `str()` is the English sentence.
    """

    message: str
    values: Mapping[str, object] = field(default_factory=dict)

    def in_language(self, language: Language) -> str:
        """The sentence in `language`, its placeholders filled in."""
        values = {name: said_in(value, language) for name, value in self.values.items()}
        return translated(language, self.message, **values)

    def __str__(self) -> str:
        """The English sentence."""
        return self.in_language("en")


def sentence(message: str, /, **values: object) -> Sentence:
    """A sentence for a message that is shown later, in its reader's language.

    Args:
        message: The English sentence, placeholders as `%(name)s`.
        **values: What the placeholders stand for (text, numbers, paths or
            sentences).
    """
    return Sentence(message, values)


@dataclass(frozen=True)
class Written:
    """A message written in every language at once.

    For text built from parts that are each written in one language, such as a
    charter's problems, one per line.
    """

    texts: Mapping[str, str]

    def in_language(self, language: Language) -> str:
        """The message as written for `language`."""
        return self.texts[language]

    def __str__(self) -> str:
        """The English message."""
        return self.texts["en"]


def in_every_language(write: Callable[[Language], str]) -> Written:
    """A message written by `write` once for each language playbook speaks."""
    return Written({language: write(language) for language in LANGUAGES})


def said_in(value: object, language: Language) -> object:
    """A sentence, an error or a written message in `language`; anything else as is."""
    render = getattr(value, "in_language", None)
    return render(language) if callable(render) else value


def install(environment: jinja2.Environment, language: Language) -> None:
    """Give a Jinja2 environment (with `jinja2.ext.i18n`) the language's catalogue.

    Templates then write `{{ _("Stages") }}` or `{{ _("run %(id)s", id=run) }}`;
    values are escaped before they are placed (new-style gettext).
    """
    environment.install_gettext_translations(  # type: ignore[attr-defined]
        translations(language), newstyle=True
    )
