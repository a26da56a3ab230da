"""The files a charter may have playbook read: its own folder tree, and what is allowed.

A charter names three files: the data (`data.path`), a later batch (`data.fresh`) and
the data contract (`data.checks`). Each must resolve (links followed) inside the
charter's folder or a folder below it, or inside a folder the charter allows by name
(`data.allowed_folders`) or the user allows on the command line (`--allow-path`).
A data file the user passes with `--data` replaces `data.path` and is read wherever
it is: the user named it. Anything else is refused before it is opened, by `playbook
check` and by `playbook run`, so a charter cannot make playbook read, and show parts
of, a file such as `../secrets/.env` or `/etc/shadow`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from playbook.charter.model import Charter
from playbook.core.language import Language
from playbook.core.messages import in_every_language, translated
from playbook.errors import CharterError

FIELDS = ("data.path", "data.fresh", "data.checks")
"""The charter's fields that name a file playbook reads."""


@dataclass(frozen=True)
class OutsidePath:
    """A file the charter names outside every folder it may read from.

    Attributes:
        field: The charter's field that names it, e.g. "data.checks".
        path: The file, links followed.
        roots: The folders the charter may read from.
    """

    field: str
    path: Path
    roots: tuple[Path, ...]

    @property
    def message(self) -> str:
        """What is wrong, for a reader: the field, the file, the folders allowed."""
        return self.message_in("en")

    @property
    def hint(self) -> str:
        """What to do about it."""
        return self.hint_in("en")

    def message_in(self, language: Language) -> str:
        """What is wrong, in the reader's language."""
        return translated(
            language,
            "%(field)s: %(file)s is outside the folders playbook may read from "
            "(%(folders)s); it was not opened",
            field=self.field,
            file=self.path,
            folders=", ".join(str(root) for root in self.roots),
        )

    def hint_in(self, language: Language) -> str:
        """What to do about it, in the reader's language."""
        return translated(
            language,
            "Move the file into the charter's folder, list its folder in "
            "data.allowed_folders, or run with --allow-path %(folder)s%(also)s.",
            folder=self.path.parent,
            also=translated(language, ", or pass the file with --data")
            if self.field == "data.path"
            else "",
        )


def outside(
    poc: Charter,
    *,
    root: Path | None = None,
    allowed: Sequence[str | Path] = (),
    data_given: bool = False,
) -> list[OutsidePath]:
    """The files the charter names outside the folders it may read from.

    Args:
        poc: The charter.
        root: The charter's own folder (default: the folder of `poc.source`; a copy
            of a charter derived for a run passes its original's).
        allowed: Folders the user allows on the command line (`--allow-path`).
        data_given: The user passed the data with `--data`: `data.path` is not read.
    """
    roots = tuple(
        dict.fromkeys(
            Path(folder).resolve()
            for folder in (
                root or poc.source.parent,
                *poc.data.allowed_folders,
                *allowed,
            )
        )
    )
    named = {
        "data.path": None if data_given else poc.data.path,
        "data.fresh": poc.data.fresh,
        "data.checks": poc.data.checks,
    }
    return [
        OutsidePath(field, Path(path).resolve(), roots)
        for field, path in named.items()
        if path is not None and not _inside(Path(path).resolve(), roots)
    ]


def require_inside(
    poc: Charter,
    *,
    root: Path | None = None,
    allowed: Sequence[str | Path] = (),
    data_given: bool = False,
) -> None:
    """Refuse a charter that names a file outside the folders it may read from.

    Arguments as for `outside`.

    Raises:
        CharterError: A file is outside them; the message names each field and what
            to do.
    """
    found = outside(poc, root=root, allowed=allowed, data_given=data_given)
    if found:
        raise CharterError(
            in_every_language(
                lambda language: (
                    "; ".join(
                        [f"{poc.source}: {found[0].message_in(language)}"]
                        + [item.message_in(language) for item in found[1:]]
                    )
                    + f". {found[0].hint_in(language)}"
                )
            )
        )


def _inside(path: Path, roots: Sequence[Path]) -> bool:
    return any(path == root or path.is_relative_to(root) for root in roots)
