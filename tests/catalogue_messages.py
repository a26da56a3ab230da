"""The messages of the package as `make messages` finds them: code and templates.

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
PACKAGE = ROOT / "playbook"
with (ROOT / "babel.cfg").open(encoding="utf-8") as _config:
    METHODS, OPTIONS = parse_mapping_cfg(_config)
KEYWORDS = {**CATALOGUE_KEYWORDS, "_": None}


@functools.cache  # the package's files do not change while the tests run
def extracted() -> dict[str, str]:
    """Each message id to the first file and line that uses it."""
    found: dict[str, str] = {}
    for filename, line, message, _comments, _context in extract_from_dir(
        PACKAGE,
        method_map=METHODS,
        options_map=OPTIONS,
        keywords=KEYWORDS,
    ):
        if isinstance(message, str) and message:
            found.setdefault(message, f"{filename}:{line}")
    return found
