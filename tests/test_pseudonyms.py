"""Ids in scores written as keyed hashes, joinable by whoever holds the key."""

import hashlib
import hmac
import os
import stat
import threading

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from playbook.errors import PlaybookError
from playbook.serve import pseudonyms


@pytest.fixture
def no_key(monkeypatch, tmp_path):
    """No key in the environment; the key file under a fresh config folder."""
    monkeypatch.delenv(pseudonyms.KEY_VARIABLE, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return tmp_path / "config" / "playbook" / "id.key"


def test_the_documented_formula_is_the_one_used():
    key = b"team secret"
    expected = hmac.new(key, b"churn\nC-001", hashlib.sha256).hexdigest()[:20]

    assert pseudonyms.pseudonym("C-001", poc="churn", key=key) == f"id-{expected}"


@given(value=st.one_of(st.text(min_size=1), st.integers()))
def test_a_pseudonym_depends_on_the_id_the_poc_and_the_key(value):
    made = pseudonyms.pseudonym(value, poc="churn", key=b"k1")

    assert made == pseudonyms.pseudonym(value, poc="churn", key=b"k1")
    assert made != pseudonyms.pseudonym(value, poc="fraud", key=b"k1")
    assert made != pseudonyms.pseudonym(value, poc="churn", key=b"k2")
    assert len(made) == len("id-") + 20


@given(
    secret=st.binary(max_size=200),  # past SHA-256's 64-byte block: hashed first
    prefix=st.binary(max_size=80),
    message=st.binary(max_size=200),
)
def test_the_keyed_digest_is_hmac_sha256(secret, prefix, message):
    expected = hmac.new(secret, prefix + message, hashlib.sha256).hexdigest()

    assert pseudonyms.keyed_digest(secret, prefix)(message) == expected


def test_a_whole_number_read_as_a_float_gets_the_integer_pseudonym():
    assert pseudonyms.pseudonym(1001.0, poc="p", key=b"k") == pseudonyms.pseudonym(
        1001, poc="p", key=b"k"
    )


def test_scores_get_pseudonyms_unless_the_charter_says_raw(monkeypatch):
    monkeypatch.setenv(pseudonyms.KEY_VARIABLE, "secret")
    scores = pd.DataFrame({"id": ["010-1234-5678", None, 7.0], "score": [1, 2, 3]})

    hashed = pseudonyms.scores_with_ids(scores, poc="p", ids="hashed")
    raw = pseudonyms.scores_with_ids(scores, poc="p", ids="raw")

    assert hashed["id"].iloc[0] == pseudonyms.pseudonym(
        "010-1234-5678", poc="p", key=b"secret"
    )
    assert pd.isna(hashed["id"].iloc[1])
    assert hashed["id"].iloc[2] == pseudonyms.pseudonym(7, poc="p", key=b"secret")
    assert hashed["score"].tolist() == [1, 2, 3]
    assert raw is scores
    assert scores["id"].iloc[0] == "010-1234-5678"


def test_without_a_key_one_is_made_once_readable_by_its_owner_only(no_key):
    first = pseudonyms.key()

    assert no_key.is_file()
    assert stat.S_IMODE(no_key.stat().st_mode) == 0o600
    assert len(first) == 64
    assert pseudonyms.key() == first
    assert not [p for p in no_key.parent.iterdir() if p.name != "id.key"]


def test_journeys_starting_at_once_share_one_key(no_key):
    found: list[bytes] = []
    threads = [
        threading.Thread(target=lambda: found.append(pseudonyms.key()))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(set(found)) == 1
    assert no_key.read_text().strip().encode() == found[0]


def test_the_environment_key_wins_and_no_file_is_written(no_key, monkeypatch):
    monkeypatch.setenv(pseudonyms.KEY_VARIABLE, "from the vault")

    assert pseudonyms.key() == b"from the vault"
    assert not no_key.exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_key_that_cannot_be_kept_says_how_to_give_one(no_key):
    no_key.parent.parent.mkdir(parents=True)
    no_key.parent.parent.chmod(0o500)
    try:
        with pytest.raises(PlaybookError, match="Set PLAYBOOK_ID_KEY"):
            pseudonyms.key()
    finally:
        no_key.parent.parent.chmod(0o700)


def test_a_key_that_cannot_be_kept_as_root_says_how_to_give_one(no_key):
    no_key.parent.parent.mkdir(parents=True)
    no_key.parent.parent.joinpath("playbook").write_text("a file, not a folder")

    with pytest.raises(PlaybookError, match=r"id\.key: cannot keep the key"):
        pseudonyms.key()


def test_ten_thousand_phone_numbers_get_ten_thousand_pseudonyms():
    phones = [f"010-{i // 10000:04d}-{i % 10000:04d}" for i in range(10_000)]

    made = {pseudonyms.pseudonym(phone, poc="p", key=b"k") for phone in phones}

    assert len(made) == len(phones)
    assert not np.any([phone in " ".join(made) for phone in phones[:100]])


def test_stage_writers_follow_the_charters_ids_in_scores(tmp_path, monkeypatch):
    import dataclasses

    from tiny import make_example

    from playbook import charter
    from playbook.core import journey
    from playbook.serve import saved_model

    monkeypatch.setenv(pseudonyms.KEY_VARIABLE, "desk key")
    poc = charter.load(make_example(tmp_path / "example", customers=0))
    rows = pd.DataFrame({"id": ["010-1234-5678", "kim@example.com"], "score": [1, 2]})

    hashed = saved_model.save_scores(tmp_path, journey.TEST_SCORES, rows, poc=poc)
    raw_poc = dataclasses.replace(
        poc, data=dataclasses.replace(poc.data, ids_in_scores="raw")
    )
    raw = saved_model.save_scores(tmp_path, journey.FRESH_SCORES, rows, poc=raw_poc)

    assert pd.read_csv(hashed)["id"].tolist() == [
        pseudonyms.pseudonym(value, poc=poc.poc, key=b"desk key")
        for value in rows["id"]
    ]
    assert "010-1234-5678" not in hashed.read_text()
    assert pd.read_csv(raw)["id"].tolist() == rows["id"].tolist()
    assert charter.load(poc.source).data.ids_in_scores == "hashed"


def test_the_charter_accepts_only_hashed_or_raw(write_charter):
    from playbook import charter
    from playbook.errors import CharterError

    path = write_charter(lambda raw: raw["data"].update(ids_in_scores="plain"))

    with pytest.raises(CharterError, match=r"data\.ids_in_scores"):
        charter.load(path)
