"""The messages of the package as `pybabel extract` finds them: code, templates and
the stage notebooks' markdown cells."""

import functools
from pathlib import Path

from babel.messages.extract import extract_from_dir

from playbook.core.messages import CATALOGUE_KEYWORDS

PACKAGE = Path(__file__).resolve().parents[1] / "playbook"
NOTEBOOKS = PACKAGE.parent / "notebooks"
METHODS = [
    ("**/templates/pages/**.j2", "jinja2.ext:babel_extract"),
    ("**.py", "python"),
]
KEYWORDS = {**CATALOGUE_KEYWORDS, "_": None}


@functools.cache  # the package's files do not change while the tests run
def extracted() -> dict[str, str]:
    """Each message id to the first file and line that uses it."""
    found: dict[str, str] = {}
    for filename, line, message, _comments, _context in extract_from_dir(
        PACKAGE,
        method_map=METHODS,
        options_map={"**.j2": {"extensions": "jinja2.ext.i18n"}},
        keywords=KEYWORDS,
    ):
        if isinstance(message, str) and message:
            found.setdefault(message, f"{filename}:{line}")
    for filename, line, message, _comments, _context in extract_from_dir(
        NOTEBOOKS,
        method_map=[("*.ipynb", "playbook.report.stage_prose:extract_notebook")],
    ):
        found.setdefault(message, f"notebooks/{filename}: cell {line}")
    return found
