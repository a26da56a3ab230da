"""The messages of the package as `make messages` finds them: code, page templates
and the stage notebooks' markdown cells.

The files and extractors come from babel.cfg, the file `make messages` gives
`pybabel extract`, so the test and the catalogue's update cannot look in different
places.
"""

import functools
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg

from playbook.core.messages import CATALOGUE_KEYWORDS

ROOT = Path(__file__).resolve().parents[1]
with (ROOT / "babel.cfg").open(encoding="utf-8") as _config:
    METHODS, OPTIONS = parse_mapping_cfg(_config)
KEYWORDS = {**CATALOGUE_KEYWORDS, "_": None}


@functools.cache  # the package's files do not change while the tests run
def extracted() -> dict[str, str]:
    """Each message id to the first file and line (a notebook: cell) that uses it."""
    found: dict[str, str] = {}
    for directory in ("playbook", "notebooks"):
        for filename, line, message, _comments, _context in extract_from_dir(
            ROOT / directory,
            method_map=[
                (pattern.removeprefix(f"{directory}/"), method)
                for pattern, method in METHODS
                if pattern.startswith(f"{directory}/")
            ],
            options_map={
                pattern.removeprefix(f"{directory}/"): options
                for pattern, options in OPTIONS.items()
            },
            keywords=KEYWORDS,
        ):
            if isinstance(message, str) and message:
                found.setdefault(message, f"{directory}/{filename}:{line}")
    return found
