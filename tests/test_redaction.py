"""Personal data replaced by typed placeholders before any model sees it."""

import dataclasses
import io
import re
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pii_plants as plants_module
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tiny import make_example

from playbook import charter, data
from playbook.data import pii, redaction
from playbook.errors import CharterError
from playbook.synthetic.tickets import tickets
from playbook.tasks import evaluation, models, routing, tuning

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("call 010-1234-5678 today", "call <PHONE> today"),
        ("call +82 10-2222-3333", "call <PHONE>"),
        ("mail kim.minsu@example.co.kr now", "mail <EMAIL> now"),
        ("RRN 900101-1234567.", "RRN <RRN>."),
        ("card 4111 1111 1111 1111 declined", "card <CARD> declined"),
        ("from 192.168.0.1", "from <IP>"),
        ("order 123456 of 2025-01-15", "order 123456 of 2025-01-15"),
        ("ref 4111111111111112", "ref 4111111111111112"),
    ],
    ids=[
        "mobile",
        "international",
        "email",
        "rrn",
        "card",
        "ip",
        "order-and-date-stay",
        "not-luhn-stays",
    ],
)
def test_each_kind_becomes_its_placeholder_and_the_rest_stays(text, expected):
    assert redaction.redact_text(text) == expected


CUED_NAMES = [
    ("my-name-is", "Hi, my name is Minjun Kimura", "Hi, my name is <NAME>"),
    ("regards", "Kind regards, Jane Doe", "Kind regards, <NAME>"),
    ("title", "Dear Mr. Park, thanks", "Dear Mr. <NAME>, thanks"),
    (
        "korean-honorific",
        "김민준 고객님, 배송이 늦어요",
        "<NAME> 고객님, 배송이 늦어요",
    ),
    ("korean-nim", "이서연님 안녕하세요", "<NAME>님 안녕하세요"),
    ("customer-is-no-name", "고객님 배송 문의", "고객님 배송 문의"),
    ("lower-case-is-no-name", "this is urgent", "this is urgent"),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [case[1:] for case in CUED_NAMES],
    ids=[case[0] for case in CUED_NAMES],
)
def test_names_after_a_cue_become_a_name_placeholder(text, expected):
    assert redaction.redact_text(text) == expected


def test_names_known_from_a_name_column_are_replaced_anywhere():
    names = frozenset({"Minjun Kimura", "김민준"})

    redacted = redaction.redact_text(
        "Minjun Kimura here; 김민준님 also wrote, Minjun alone stays", names=names
    )

    assert redacted == "<NAME> here; <NAME>님 also wrote, Minjun alone stays"


_PLANTS = {
    "rrn": (plants_module.rrn, "<RRN>"),
    "mobile": (plants_module.mobile, "<PHONE>"),
    "card": (plants_module.card, "<CARD>"),
    "email": (None, "<EMAIL>"),
}


@settings(max_examples=60, deadline=None)
@given(
    words=st.lists(
        st.sampled_from(["my", "order", "refund", "Hi", "late", "배송", "12", "x"]),
        max_size=6,
    ),
    kinds=st.lists(st.sampled_from(list(_PLANTS)), min_size=1, max_size=3),
    seed=st.integers(0, 10_000),
    glue=st.sampled_from([" ", ", ", " (", ": "]),
)
def test_each_planted_value_and_only_it_becomes_its_placeholder(
    words, kinds, seed, glue
):
    rng = np.random.default_rng(seed)
    planted = [
        plants_module.email(rng, seed) if kind == "email" else _PLANTS[kind][0](rng)
        for kind in kinds
    ]
    placeholders = [_PLANTS[kind][1] for kind in kinds]

    redacted = redaction.redact_text(glue.join([*words, *planted, *words]))

    assert redacted == glue.join([*words, *placeholders, *words])
    assert redaction.redact_text(redacted) == redacted


def _frame() -> pd.DataFrame:
    rows = 200
    payment = ["card", "cash", "transfer", "card"] * (rows // 4)
    payment[:4] = ["010-9999-0000"] * 4  # 2%: the column stays a feature
    return pd.DataFrame(
        {
            "customer_id": [f"010-{1000 + i}-{2000 + i}" for i in range(rows)],
            "month": ["2025-01"] * rows,
            "churned": [i % 2 for i in range(rows)],
            "customer_name": [f"Name{i} Family{i}" for i in range(rows)],
            "email": [f"u{i}@example.com" for i in range(rows)],
            "payment": payment,
            "note": [f"Name{i} Family{i} called" for i in range(rows)],
            "amount": np.arange(rows, dtype=float),
        }
    )


def _searched_all(frame: pd.DataFrame, *, poc: charter.Charter) -> pd.DataFrame:
    """What redaction gave when it searched every column's values."""
    found = pii.detect(frame, declared=poc.data.pii, allowed=poc.data.allow_pii)
    kept = {poc.data.id, poc.data.time, poc.data.target}
    kept |= {f.column for f in found if f.excluded}
    return redaction.replace_personal(
        frame,
        columns=[column for column in frame.columns if column not in kept],
        names=redaction.known_names(frame, found),
    )


@pytest.fixture(scope="module")
def tiny_charter(tmp_path_factory) -> charter.Charter:
    folder = tmp_path_factory.mktemp("redaction")
    return charter.load(make_example(folder / "example", customers=1500))


def test_redact_replaces_what_a_model_reads_and_leaves_the_rest(tiny_charter):
    poc = dataclasses.replace(
        tiny_charter,
        data=dataclasses.replace(
            tiny_charter.data, id="customer_id", time="month", target="churned"
        ),
    )
    frame = _frame()

    redacted = redaction.redact(frame, poc=poc)

    # The id is written as a keyed hash by the scores; the rest as read.
    for column in ("customer_id", "month", "churned", "customer_name", "email"):
        assert redacted[column].equals(frame[column]), column
    assert set(redacted["payment"]) == {"<PHONE>", "card", "cash", "transfer"}
    assert (redacted["payment"] == "<PHONE>").sum() == 4
    assert redacted["note"].iloc[7] == "<NAME> called"
    assert redacted["amount"].equals(frame["amount"])
    assert frame["payment"].iloc[0] == "010-9999-0000"  # the input is not changed


@pytest.mark.parametrize(
    ("id_column", "declared"),
    [("customer_id", ()), ("customer_name", ()), ("customer_id", ("customer_id",))],
)
def test_columns_left_as_read_are_searched_only_where_they_could_teach_names(
    tiny_charter, id_column, declared
):
    poc = dataclasses.replace(
        tiny_charter,
        data=dataclasses.replace(
            tiny_charter.data,
            id=id_column,
            time="month",
            target="churned",
            pii=tuple(declared),
        ),
    )
    frame = _frame()

    redacted = redaction.redact(frame, poc=poc)

    pd.testing.assert_frame_equal(redacted, _searched_all(frame, poc=poc))
    # An id that holds names still teaches them: the note's name is replaced.
    assert redacted["note"].iloc[7] == "<NAME> called"
    assert redacted[id_column].equals(frame[id_column])


def test_number_columns_are_left_as_read_and_text_ones_still_redacted(tiny_charter):
    poc = dataclasses.replace(
        tiny_charter,
        data=dataclasses.replace(
            tiny_charter.data,
            id="customer_id",
            time="month",
            target="churned",
            pii=("phone",),
        ),
    )
    frame = _frame()
    # Numbers pii.detect finds (Luhn-valid card numbers; a column named or declared
    # personal): no text to replace in them, no name to learn from them.
    frame["card"] = np.full(len(frame), 4111111111111111, dtype=np.int64)
    frame["phone"] = np.arange(len(frame), dtype=float)
    frame["contact_email"] = np.arange(len(frame))
    found = pii.detect(frame, declared=poc.data.pii, allowed=poc.data.allow_pii)
    assert {"card", "phone", "contact_email"} <= {f.column for f in found}

    redacted = redaction.redact(frame, poc=poc)

    pd.testing.assert_frame_equal(redacted, _searched_all(frame, poc=poc))
    for column in ("card", "phone", "contact_email", "amount"):
        assert redacted[column].equals(frame[column]), column
    assert (redacted["payment"] == "<PHONE>").sum() == 4
    assert redacted["note"].iloc[7] == "<NAME> called"


def test_a_frame_without_personal_data_comes_back_as_it_is():
    frame = pd.DataFrame({"a": ["x", "y", None], "b": [1, 2, 3]})

    assert redaction.replace_personal(frame, columns=["a", "b"]) is frame


def test_data_read_hands_later_stages_placeholders(tiny_charter):
    source = tiny_charter.data.path
    frame = pd.read_csv(source)
    frame.loc[::40, "payment_method"] = "010-7777-1234"
    changed = tiny_charter.source.parent / "planted.csv"
    frame.to_csv(changed, index=False)

    read = data.read(tiny_charter, path=changed)

    assert "010-7777-1234" not in set(read["payment_method"])
    assert "<PHONE>" in set(read["payment_method"])
    assert "payment_method" in models.feature_columns(read, poc=tiny_charter)


def test_allow_pii_lets_a_personal_column_into_the_model(tiny_charter):
    frame = pd.read_csv(tiny_charter.data.path)
    frame["contact"] = [f"user{i}@example.com" for i in range(len(frame))]

    assert "contact" not in models.feature_columns(frame, poc=tiny_charter)
    allowed = dataclasses.replace(
        tiny_charter,
        data=dataclasses.replace(tiny_charter.data, allow_pii=("contact",)),
    )
    assert "contact" in models.feature_columns(frame, poc=allowed)


def test_a_top_k_model_learns_placeholders_not_the_phone_numbers(tiny_charter):
    source = pd.read_csv(tiny_charter.data.path)
    rng = np.random.default_rng(3)
    rows = rng.choice(len(source), size=int(0.03 * len(source)), replace=False)
    phones = [f"010-{5000 + i}-{6000 + i}" for i in range(len(rows))]
    source.loc[rows, "payment_method"] = phones  # 3%: under the column threshold
    planted = tiny_charter.source.parent / "phones.csv"
    source.to_csv(planted, index=False)

    frame = data.read(tiny_charter, path=planted)
    result = evaluation.compare(frame, poc=tiny_charter, seed=1, trials=1)

    assert "payment_method" in result.features
    buffer = io.BytesIO()
    joblib.dump(result.model, buffer)
    dumped = buffer.getvalue()
    assert not [phone for phone in phones if phone.encode() in dumped]
    assert b"<PHONE>" in dumped


def _planted_tickets(rows: int = 600) -> tuple[pd.DataFrame, list[str]]:
    frame = tickets(rows=rows, seed=11)
    rng = np.random.default_rng(11)
    numbers = [plants_module.rrn(rng) for _ in range(rows // 3)]
    texts = frame["text"].tolist()
    for row, number in enumerate(numbers):
        texts[row * 3] += f" My resident number is {number}."
    frame["text"] = texts
    return frame, numbers


@pytest.fixture(scope="module")
def routing_charter() -> charter.Charter:
    return charter.load(REPO / "templates" / "ticket_routing.yaml")


def test_a_router_learns_the_text_around_resident_numbers_not_the_numbers(
    routing_charter,
):
    frame, numbers = _planted_tickets()
    redacted = redaction.redact(frame, poc=routing_charter)

    result = routing.compare(
        redacted,
        poc=routing_charter,
        seed=3,
        budget=tuning.Budget(seconds=60.0, trials=1),
    )

    vocabulary = result.model.named_steps["tfidf"].transformer_list[0][1].vocabulary_
    pairs = {" ".join(re.findall(r"\w\w+", number)) for number in numbers}
    assert not pairs & set(vocabulary)
    tails = {number.split("-")[1] for number in numbers}  # 7 digits: no order number
    assert not {word for word in vocabulary if set(word.split()) & tails}
    assert "rrn" in vocabulary and "resident number" in vocabulary


@pytest.mark.parametrize(
    "field", ["pii", "exclude"], ids=["declared-personal", "excluded"]
)
def test_a_router_refuses_text_the_charter_keeps_out_of_every_model(
    routing_charter, field
):
    frame, _ = _planted_tickets()
    poc = dataclasses.replace(
        routing_charter,
        data=dataclasses.replace(routing_charter.data, **{field: ("text",)}),
    )

    with pytest.raises(CharterError, match=r"data\.text names 'text', which no model"):
        routing.compare(
            frame, poc=poc, seed=3, budget=tuning.Budget(seconds=60.0, trials=1)
        )
