"""Ids written to scores as keyed hashes, so a list of scores names nobody by itself.

The id a charter names (`data.id`) is often personal data itself: a phone number, an
e-mail address, a customer number the call centre types into its CRM. Every scores
file (`scores/test.csv`, `scores/fresh.csv`, `playbook score`'s output) therefore
writes it as a pseudonym unless the charter says `data.ids_in_scores: raw`:

    pseudonym = "id-" + HMAC-SHA256(key, poc + newline + id) as hex, first 20 digits

- Keyed (HMAC), not a plain hash: a phone number has only about 10^8 values, so a
  plain or salted hash whose salt sits beside the scores is reversed by trying them
  all. Without the key nobody can reverse or recompute a pseudonym.
- The same key and POC give the same pseudonym in every run and every scoring, so the
  test scores, the fresh batch's and `playbook score`'s join on the id column; a POC's
  name in the message keeps two POCs' pseudonyms of one customer apart.
- Whoever holds the key joins the scores back to the customers: compute the pseudonym
  of each id in their own table (`pseudonym(id, poc=..., key=...)`) and join on it.

The key is the environment variable `PLAYBOOK_ID_KEY` when it is set (a team sets it
from its secret store, the same wherever it runs and scores). Otherwise it is a random
key made on first use and kept in `$XDG_CONFIG_HOME/playbook/id.key` (by default
`~/.config/playbook/id.key`, readable by its owner only): outside every run folder, so
sharing runs shares no key. 80 bits of HMAC make a collision among even a billion ids
unlikely (about 1 in 2.4 million).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

import pandas as pd

from playbook.errors import PlaybookError

KEY_VARIABLE = "PLAYBOOK_ID_KEY"
"""The environment variable that holds the key, when a team manages it."""
HASHED, RAW = "hashed", "raw"
"""The values of `data.ids_in_scores`."""
_PREFIX = "id-"
_HEX_DIGITS = 20  # 80 bits


def key() -> bytes:
    """The key pseudonyms are made with: `PLAYBOOK_ID_KEY`, else the user's key file.

    Raises:
        PlaybookError: There is no key and none can be written.
    """
    given = os.environ.get(KEY_VARIABLE)
    if given:
        return given.encode()
    path = key_file()
    try:
        if not path.exists():
            _create_key(path)
        return path.read_text(encoding="ascii").strip().encode()
    except OSError as error:
        raise PlaybookError(
            f"{path}: cannot keep the key that scores' ids are hashed with "
            f"({error.strerror or type(error).__name__}). Set {KEY_VARIABLE} to a "
            "secret of your own, or set data.ids_in_scores: raw in the charter if "
            "the ids are no personal data."
        ) from None


def key_file() -> Path:
    """Where the key lives when `PLAYBOOK_ID_KEY` is not set."""
    config = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(config) / "playbook" / "id.key"


def pseudonym(value: object, *, poc: str, key: bytes) -> str:
    """The pseudonym of one id of a POC (an integer-valued float as the integer)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    digest = hmac.new(key, f"{poc}\n{value}".encode(), hashlib.sha256).hexdigest()
    return _PREFIX + digest[:_HEX_DIGITS]


def scores_with_ids(
    scores: pd.DataFrame, *, poc: str, ids: str, column: str = "id"
) -> pd.DataFrame:
    """Scores as written: their id column as pseudonyms unless `ids` is "raw".

    Args:
        scores: Scored rows with an id column.
        poc: The POC's name (`poc` in the charter).
        ids: `data.ids_in_scores`: "hashed" or "raw".
        column: The id column of `scores`.
    """
    if ids == RAW or column not in scores.columns:
        return scores
    keyed = keyed_digest(key(), f"{poc}\n".encode())

    def hashed(value: object) -> str:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return _PREFIX + keyed(str(value).encode())[:_HEX_DIGITS]

    written = scores.copy()
    written[column] = [
        value if _missing(value) else hashed(value) for value in scores[column]
    ]
    return written


def keyed_digest(secret: bytes, prefix: bytes) -> Callable[[bytes], str]:
    """HMAC-SHA256(secret, prefix + message) in hex, for many messages.

    The same digest as `hmac.new(secret, prefix + message, hashlib.sha256)`, RFC 2104
    spelt out: the key's inner and outer SHA-256 states (and the prefix) are hashed
    once, and each message costs two copies of a state in C. `hmac`'s own copy()
    builds a Python object per message: the digests of 250,000 ids took 0.88 s
    of CPU, now 0.45 s.

    Args:
        secret: The key.
        prefix: What every message starts with (the POC's name and a newline).
    """
    block = hashlib.sha256().block_size
    padded = (hashlib.sha256(secret).digest() if len(secret) > block else secret).ljust(
        block, b"\0"
    )
    inner = hashlib.sha256(bytes(byte ^ 0x36 for byte in padded) + prefix)
    outer = hashlib.sha256(bytes(byte ^ 0x5C for byte in padded))

    def digest(message: bytes) -> str:
        state = inner.copy()
        state.update(message)
        final = outer.copy()
        final.update(state.digest())
        return final.hexdigest()

    return digest


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _create_key(path: Path) -> None:
    """Write a new random key, readable by its owner only, unless one appears first.

    The key is written to a file of its own, then linked to its name, which fails
    when another journey linked its key first: every reader sees a whole key.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(32) + "\n")
        with suppress(FileExistsError):
            os.link(draft, path)
    finally:
        draft.unlink(missing_ok=True)
