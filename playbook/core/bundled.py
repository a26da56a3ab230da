"""Where playbook's bundled notebooks, charter templates and data contracts live."""

from __future__ import annotations

from pathlib import Path

from playbook.errors import PlaybookError

_PACKAGE = Path(__file__).resolve().parent.parent


def bundled(kind: str) -> Path:
    """Folder of a kind of bundled file: "notebooks", "templates" or "data_checks".

    A wheel carries copies inside the package (`playbook/_bundled/`); a source checkout
    (including an editable install) uses the folders at the top of the repository, where
    people edit them.
    """
    for candidate in (_PACKAGE / "_bundled" / kind, _PACKAGE.parent / kind):
        if candidate.is_dir():
            return candidate
    raise PlaybookError(
        f"playbook's {kind}/ folder is missing from {_PACKAGE}; reinstall playbook."
    )
