"""Finding personal data by name and by value, and masking it wherever it is shown."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from playbook.data import pii
from playbook.report import display as view

VALUES = {
    "e-mail address": ["kim.minsu@example.com", "lee@corp.co.kr", "x_y@mail.io"],
    "phone number": ["010-1234-5678", "01098765432", "+82 10-2222-3333"],
    "resident registration number": ["900101-1234567", "851231-2345678"],
    "card number": ["4111 1111 1111 1111", "5500-0000-0000-0004", "378282246310005"],
    "IP address": ["192.168.0.1", "10.20.30.40", "2001:db8::1"],
}


@pytest.mark.parametrize("kind", list(VALUES), ids=list(VALUES))
def test_columns_are_found_by_what_their_values_look_like(kind):
    frame = pd.DataFrame(
        {"field_7": VALUES[kind] * 20, "n": range(20 * len(VALUES[kind]))}
    )

    found = pii.detect(frame)

    assert [(f.column, f.kind, f.found_by) for f in found] == [
        ("field_7", kind, "values")
    ]
    assert found[0].share == 1.0


def test_korean_landline_numbers_count_as_phone_numbers():
    frame = pd.DataFrame({"contact": ["02-123-4567", "031-987-6543"] * 10})

    assert pii.detect(frame)[0].kind == "phone number"


def test_card_numbers_must_pass_the_luhn_check():
    not_cards = pd.DataFrame({"ref": ["4111111111111112", "1234567812345678"] * 20})

    assert pii.detect(not_cards) == []


def test_long_integers_are_checked_as_card_numbers():
    cards = pd.DataFrame({"pan": [4111111111111111, 5500000000000004] * 10})

    assert pii.detect(cards)[0].kind == "card number"


@pytest.mark.parametrize(
    "values",
    [
        ["2024-01-15", "2023-12-31"],
        ["20261126-023046-852353"],
        ["1.5", "23,000", "A11", "management"],
        ["12:30:45", "08:00:00"],
        ["SYN-000123", "SYN-004567"],
    ],
    ids=["dates", "run-ids", "numbers-and-codes", "clock-times", "synthetic-ids"],
)
def test_ordinary_values_are_not_personal_data(values):
    assert pii.detect(pd.DataFrame({"v": values * 30})) == []


def test_a_column_named_like_pii_holds_it_only_with_many_values():
    frame = pd.DataFrame(
        {
            "own_telephone": ["A191", "A192"] * 50,
            "customer_email_hash": [f"h{i}" for i in range(100)],
            "name": [f"Person {i}" for i in range(100)],
        }
    )

    found = {f.column: (f.kind, f.found_by) for f in pii.detect(frame)}

    assert found == {
        "customer_email_hash": ("e-mail address", "name"),
        "name": ("person's name", "name"),
    }


def test_the_charter_declares_more_and_allows_some():
    frame = pd.DataFrame(
        {"nickname": ["a", "b"] * 5, "email": ["a@b.co", "c@d.co"] * 5}
    )

    found = pii.detect(frame, declared=["nickname"], allowed=["email"])

    assert [(f.column, f.found_by, f.allowed) for f in found] == [
        ("nickname", "charter (data.pii)", False),
        ("email", "values", True),
    ]


def test_mask_keeps_the_shape_and_hides_the_content():
    assert pii.mask("010-1234-5678") == "###-####-####"
    assert pii.mask("kim@example.com") == "xxx@xxxxxxx.xxx"
    assert pii.mask("김민수") == "xxx"


def test_mask_text_masks_only_the_personal_parts():
    text = "call 010-1234-5678 or mail kim@example.com about run 20261126-023046"

    assert pii.mask_text(text) == (
        "call ###-####-#### or mail xxx@xxxxxxx.xxx about run 20261126-023046"
    )
    assert pii.mask_text("tenure between 0 and 600; 2025-01-01") == (
        "tenure between 0 and 600; 2025-01-01"
    )


def test_a_table_shown_by_any_stage_masks_personal_data(monkeypatch):
    shown = []
    monkeypatch.setattr(view, "display", lambda bundle, raw: shown.append(bundle))
    frame = pd.DataFrame(
        {
            "customer": ["Kim Minsu", "Lee Seoyeon"],
            "note": ["mail kim@example.com", "ok"],
            "phone": ["010-1234-5678", "010-2222-3333"],
            "amount": [1500, 2300],
        }
    )

    view.table(frame, caption="Rows for 010-9999-8888", hidden=["customer"])

    html, plain = shown[0]["text/html"], shown[0]["text/plain"]
    for secret in ("Kim Minsu", "kim@example.com", "010-1234-5678", "010-9999-8888"):
        assert secret not in html
        assert secret not in plain
    assert "xxx xxxxx" in html
    assert "1,500" in html


def test_bullets_and_verdicts_mask_personal_data(monkeypatch):
    shown = []
    monkeypatch.setattr(view, "display", lambda bundle, raw: shown.append(bundle))

    view.bullets("Examples", ["kim@example.com failed"])
    view.verdict(False, "ok", "900101-1234567 is not allowed")

    text = " ".join(bundle["text/html"] + bundle["text/plain"] for bundle in shown)
    assert "kim@example.com" not in text
    assert "900101-1234567" not in text


# --- value by value: any share lists the column, the share decides exclusion ----------


def _category_with(values: list[str], *, rows: int = 1000) -> pd.DataFrame:
    plain = ["card", "transfer", "cash"] * rows
    return pd.DataFrame({"payment": values + plain[: rows - len(values)]})


def test_a_few_phone_numbers_in_a_category_list_the_column_but_keep_it():
    phones = [f"010-{1000 + i}-{5000 + i}" for i in range(30)]  # 3%: under 5%

    found = pii.detect(_category_with(phones))

    assert [(f.column, f.kind, f.found_by) for f in found] == [
        ("payment", "phone number", "values")
    ]
    assert found[0].share == pytest.approx(0.03)
    assert not found[0].excluded
    assert "010" not in found[0].example


def test_a_single_personal_value_among_a_million_categories_is_found():
    frame = pd.DataFrame({"code": [f"C{i % 500}" for i in range(999_999)]})
    frame.loc[777_777, "code"] = "kim@example.com"

    found = pii.detect(frame)

    assert [(f.column, f.kind) for f in found] == [("code", "e-mail address")]
    assert not found[0].excluded


def test_a_column_mostly_personal_is_excluded_unless_allowed():
    emails = [f"user{i}@example.com" for i in range(100)]
    frame = _category_with(emails, rows=200)

    assert pii.detect(frame)[0].excluded
    kept = pii.detect(frame, allowed=["payment"])[0]
    assert kept.allowed and not kept.excluded


def test_the_free_text_a_router_reads_is_never_excluded_by_its_share():
    texts = [f"my number is 900101-{1234560 + i}" for i in range(40)] + ["hi"] * 60
    frame = pd.DataFrame({"body": texts})

    assert pii.detect(frame)[0].excluded
    found = pii.detect(frame, free_text="body")[0]
    assert found.kind == "resident registration number"
    assert found.share == pytest.approx(0.4)
    assert not found.excluded


def test_the_charter_can_still_exclude_the_free_text():
    frame = pd.DataFrame({"body": ["refund please", "where is it"] * 10})

    found = pii.detect(frame, declared=["body"], free_text="body")

    assert [(f.column, f.excluded) for f in found] == [("body", True)]


def test_a_number_column_with_card_numbers_is_excluded_whatever_their_share():
    numbers = [4111111111111111, *range(1, 100)]

    found = pii.detect(pd.DataFrame({"ref": numbers}))

    assert [(f.column, f.kind, f.excluded) for f in found] == [
        ("ref", "card number", True)
    ]


def test_several_kinds_in_one_column_are_listed_most_common_first():
    texts = ["kim@example.com"] * 2 + ["010-1234-5678"] * 5 + ["nothing"] * 93

    found = pii.detect(pd.DataFrame({"note": texts}))[0]

    assert found.kind == "phone number, e-mail address"
    assert found.share == pytest.approx(0.07)


def test_placeholders_count_as_the_personal_data_they_replaced():
    raw = pd.DataFrame(
        {
            "payment": ["010-1234-5678"] * 3 + ["card"] * 97,
            "email": [f"u{i}@example.com" for i in range(100)],
        }
    )
    replaced = pd.DataFrame(
        {
            "payment": ["<PHONE>"] * 3 + ["card"] * 97,
            "email": [f"u{i}@example.com" for i in range(100)],
        }
    )

    def seen(frame):
        return [(f.column, f.kind, f.share, f.excluded) for f in pii.detect(frame)]

    assert seen(replaced) == seen(raw)


@pytest.mark.parametrize("offset", [0, 1, 2, 3])
def test_the_leak_search_finds_values_in_binary_files_at_any_width(tmp_path, offset):
    import joblib
    from pii_plants import Plants, leaks

    plants = Plants()
    email = plants.add("id email", "Minjun.Q17@mailbox-3.kr")
    phone = plants.add("id mobile", "010-2345-6789")
    name = plants.add("customer_name", "김민준")
    padding = b"\x00\xff" * 3 + b"x" * offset
    (tmp_path / "wide.bin").write_bytes(
        padding + email.encode("utf-16-le") + padding + name.encode("utf-32-le")
    )
    joblib.dump({"vocabulary": np.array([phone.upper(), "other"])}, tmp_path / "m.pkl")
    (tmp_path / "clean.bin").write_bytes(padding + "Minjun".encode("utf-16-le"))

    found = leaks(plants, tmp_path)

    assert sorted(entry.split(" in ")[-1].rsplit("/", 1)[-1] for entry in found) == [
        "m.pkl",
        "wide.bin",
        "wide.bin",
    ]
    assert {entry.split(" '")[0] for entry in found} == {
        "id email",
        "id mobile",
        "customer_name",
    }


# Values near every pattern: digits in runs and groups, the marks a pattern needs,
# separators, letters, a placeholder and digits of another script.
_NEAR_PII = st.lists(
    st.sampled_from(
        [
            *("0", "1", "2", "5", "9", "010", "1234", "٣"),
            *("-", " ", ".", "@", ":", "+", "(", ")", "\n"),
            *("a", "x.com", "<PHONE>", "kim"),
        ]
    ),
    max_size=14,
).map("".join)


@settings(max_examples=40, deadline=None)
@given(st.lists(_NEAR_PII, min_size=1, max_size=30))
def test_only_values_that_could_hold_pii_are_searched_and_nothing_is_missed(
    texts: list[str],
):
    series = pd.Series(texts, dtype=object)
    quick = pii._by_values(series)
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(pii, "_could_hold", lambda t: np.ones(len(t), dtype=bool))
        searched_all = pii._by_values(series)

    assert quick == searched_all


def test_distinct_ids_are_not_searched_and_the_shortest_phone_number_is():
    # A Seoul landline has the fewest digits of any pattern: 9.
    ids = pd.Series([f"SYN-{i:06d}" for i in range(1000)] + ["02-123-4567"])

    could = pii._could_hold(ids.tolist())

    assert could.sum() == 1 and could[-1]
    assert pii._by_values(ids)[0] == ["phone number"]
