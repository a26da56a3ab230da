"""Writing files so that a reader never sees half of one."""

from __future__ import annotations

import os
from pathlib import Path


def write_atomic(path: str | Path, text: str, *, encoding: str = "utf-8") -> Path:
    """Write `text` to `path` through a hidden sibling file and a rename.

    A crash, a full disk or a Ctrl-C leaves either the old file or the new one, never a
    truncated one: readers (the portfolio, a resumed batch, a later stage) may read the
    file at any moment.

    Returns:
        The path written.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    try:
        with partial.open("w", encoding=encoding) as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return target
