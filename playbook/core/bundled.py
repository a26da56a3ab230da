"""Where playbook's bundled notebooks, templates, data contracts and example live."""

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


def tiny_example() -> Path:
    """The tiny SYNTHETIC example's charter: what a notebook runs with no charter_path.

    It lives in a package folder (`playbook/synthetic/tiny_example/`, with 1,500
    generated customers and its README), so that a source checkout and a wheel find it
    at the same place, and each stage runs on it in seconds.
    """
    return _PACKAGE / "synthetic" / "tiny_example" / "charter.yaml"
