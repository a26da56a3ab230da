"""Hostile data files checked with `playbook check` (which reads the charter's data).

Groups: empty and ragged files, encodings, paths (Excel, URL, FIFO, device, outside the
charter's folder), times and time formats, labels and rule values, numbers and Parquet.
Exit codes (playbook/errors.py): 0 no blocker, 2 a blocker (a gate: fix the inputs).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from hostile.harness import PASSWORD, SECRET, Case, Outcome, Workspace

Edit = Callable[[dict[str, Any]], None]
Reshape = Callable[[pd.DataFrame], pd.DataFrame]
DATA = "churn_SYNTHETIC.csv"


def check(
    *,
    edit: Edit | None = None,
    reshape: Reshape | None = None,
    raw: bytes | None = None,
    name: str = DATA,
) -> Callable[[Workspace], list[str]]:
    """`playbook check` on the tiny charter, its data reshaped or replaced by `raw`."""

    def prepare(ws: Workspace) -> list[str]:
        if reshape is not None:
            ws.write_data(reshape(ws.frame()), name)
        if raw is not None:
            ws.example()
            (ws.poc / name).write_bytes(raw)

        def edited(charter: dict[str, Any]) -> None:
            if name != DATA:
                charter["data"]["path"] = name
            if edit is not None:
                edit(charter)

        return ["check", str(ws.charter(edited))]

    return prepare


def suggest(
    raw: bytes | None = None, *, name: str = "data.csv", extra: tuple[str, ...] = ()
) -> Callable[[Workspace], list[str]]:
    """`playbook checks suggest` on a file of `raw` bytes (the real data readers)."""

    def prepare(ws: Workspace) -> list[str]:
        path = ws.root / "in" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if raw is not None:
            path.write_bytes(raw)
        out = ws.work / "contract.yaml"
        return ["checks", "suggest", str(path), "--target", "churned", "--out",
                str(out), *extra]  # fmt: skip

    return prepare


def set_data(**fields: object) -> Edit:
    """An edit that sets `data.<field>` for each keyword."""

    def edit(charter: dict[str, Any]) -> None:
        charter["data"].update(fields)

    return edit


def column(name: str, values: Callable[[pd.DataFrame], object]) -> Reshape:
    """A reshape that sets column `name` to `values(frame)`."""

    def reshape(frame: pd.DataFrame) -> pd.DataFrame:
        frame[name] = values(frame)
        return frame

    return reshape


def every_nth(name: str, value: object, *, n: int = 10) -> Reshape:
    """A reshape that puts `value` in every n-th row of column `name`."""

    def reshape(frame: pd.DataFrame) -> pd.DataFrame:
        frame[name] = frame[name].astype(object)
        frame.loc[frame.index[::n], name] = value
        return frame

    return reshape


def rule_value(value: object, *, on: str = "contract") -> Edit:
    """An edit that points the baseline's first condition at `on` == `value`."""

    def edit(charter: dict[str, Any]) -> None:
        charter["baseline"]["rule"]["conditions"][0] = {
            "column": on,
            "op": "==",
            "value": value,
        }

    return edit


def _header() -> bytes:
    return b"customer_id,snapshot_month,contract,churned\n"


def _fifo(ws: Workspace) -> list[str]:
    ws.example()
    os.mkfifo(ws.poc / "pipe.csv")
    out = str(ws.work / "c.yaml")
    return ["checks", "suggest", str(ws.poc / "pipe.csv"), "--target", "churned",
            "--out", out]  # fmt: skip


def _outside(field: str, content: str) -> Callable[[Workspace], list[str]]:
    """A charter whose `field` names a planted file outside its folder tree."""

    def prepare(ws: Workspace) -> list[str]:
        ws.write("secrets/.env", content)
        target = "../secrets/.env"
        return ["check", str(ws.charter(set_data(**{field: target})))]

    return prepare


def _absolute(field: str) -> Callable[[Workspace], list[str]]:
    def prepare(ws: Workspace) -> list[str]:
        secret = ws.write("elsewhere/shadow", f"root:{SECRET}:19000:0:99999:7:::\n")
        return ["check", str(ws.charter(set_data(**{field: str(secret)})))]

    return prepare


def _bom(ws: Workspace) -> list[str]:
    ws.frame().to_csv(ws.poc / "bom.csv", index=False, encoding="utf-8-sig")
    return ["check", str(ws.charter(set_data(path="bom.csv")))]


def _xlsx(ws: Workspace) -> list[str]:
    ws.frame().to_excel(ws.poc / "data.xlsx", index=False)
    return ["check", str(ws.charter(set_data(path="data.xlsx")))]


def _empty_folder(ws: Workspace) -> list[str]:
    (ws.root / "empty").mkdir(parents=True)
    out = str(ws.work / "c.yaml")
    return ["checks", "suggest", str(ws.root / "empty"), "--target", "churned",
            "--out", out]  # fmt: skip


def _parquet(plan: Callable[[int], object]) -> Callable[[Workspace], list[str]]:
    """`checks suggest` on the example as Parquet whose `plan` column is nested."""

    def prepare(ws: Workspace) -> list[str]:
        frame = ws.frame()
        frame["plan"] = plan(len(frame))
        path = ws.write_data(frame, "data.parquet")
        return ["checks", "suggest", str(path), "--target", "churned", "--out",
                str(ws.work / "c.yaml")]  # fmt: skip

    return prepare


def _data_untouched(ws: Workspace, outcome: Outcome) -> list[str]:
    return [] if (ws.poc / "pipe.csv").exists() else ["the FIFO was removed"]


CASES = [
    # --- empty and ragged files ---------------------------------------------------
    Case(
        "empty-file",
        "empty and ragged files",
        "data file of 0 bytes",
        suggest(b""),
        (2,),
    ),
    Case(
        "header-only",
        "empty and ragged files",
        "CSV with a header and no rows",
        suggest(_header()),
        (2,),
    ),
    Case(
        "blank-lines",
        "empty and ragged files",
        "CSV of blank lines only",
        suggest(b"\n\n\n   \n"),
        (2,),
    ),
    Case(
        "ragged-rows",
        "empty and ragged files",
        "rows with more fields than the header",
        suggest(_header() + b"a,2025-01,monthly,0,extra,more\nb,2025-02\n"),
        (0, 2),
    ),
    Case(
        "binary-garbage",
        "empty and ragged files",
        "4 KB of random bytes as CSV",
        suggest(np.random.default_rng(1).bytes(4096)),
        (2,),
    ),
    Case(
        "nul-bytes",
        "empty and ragged files",
        "NUL bytes inside the CSV",
        suggest(_header() + b"a\x00,2025-01,monthly,0\n" * 20),
        (0, 2),
    ),
    Case(
        "utf8-bom", "empty and ragged files", "UTF-8 BOM before the header", _bom, (0,)
    ),
    Case(
        "duplicate-header",
        "empty and ragged files",
        "the same column name twice",
        suggest(
            b"customer_id,customer_id,snapshot_month,churned\na,b,2025-01,0\n" * 30
        ),
        (0, 2),
    ),
    Case(
        "empty-folder",
        "empty and ragged files",
        "a data folder with no file",
        _empty_folder,
        (2,),
    ),
    Case(
        "missing-data",
        "empty and ragged files",
        "a data file that is not there",
        suggest(None),
        (2,),
    ),
    Case(
        "check-empty-file",
        "empty and ragged files",
        "`check`: data.path a file of 0 bytes (check warns; stage 3 stops)",
        check(raw=b""),
        (0,),
    ),
    Case(
        "check-missing-data",
        "empty and ragged files",
        "`check`: data.path names no file (a note; stage 3 stops)",
        check(edit=set_data(path="nowhere.csv")),
        (0,),
    ),
    # --- encodings ----------------------------------------------------------------
    Case(
        "cp949-undeclared",
        "encodings",
        "cp949 (Korean) CSV read as UTF-8",
        suggest(_header() + "a,2025-01,월간,0\n".encode("cp949") * 30),
        (2,),
    ),
    Case(
        "cp949-declared",
        "encodings",
        "cp949 CSV with --encoding cp949",
        suggest(
            _header() + "a,2025-01,월간,0\n".encode("cp949") * 30,
            extra=("--encoding", "cp949"),
        ),
        (0,),
    ),
    Case(
        "utf16",
        "encodings",
        "UTF-16 CSV with its BOM",
        suggest((_header().decode() + "a,2025-01,monthly,0\n" * 30).encode("utf-16")),
        (0, 2),
    ),
    Case(
        "unknown-codec",
        "encodings",
        "data.encoding: no-such-codec",
        check(edit=set_data(encoding="no-such-codec")),
        (2,),
    ),
    Case(
        "suggest-unknown-codec",
        "encodings",
        "--encoding no-such-codec",
        suggest(_header(), extra=("--encoding", "no-such-codec")),
        (2,),
    ),
    Case(
        "codec-control-chars",
        "encodings",
        "data.encoding with an ANSI escape",
        check(edit=set_data(encoding="utf\x1b[2J-8")),
        (2,),
    ),
    Case(
        "latin1-in-utf8",
        "encodings",
        "Latin-1 bytes in a file read as UTF-8",
        suggest(_header() + "a,2025-01,mensuel\xe9,0\n".encode("latin-1") * 30),
        (2,),
    ),
    Case(
        "check-cp949",
        "encodings",
        "`check`: cp949 data without data.encoding (check warns)",
        check(raw=_header() + "a,2025-01,월간,0\n".encode("cp949") * 30),
        (0,),
    ),
    Case(
        "delimiter-bad",
        "encodings",
        "data.delimiter of three characters",
        check(edit=set_data(delimiter=";;;")),
        (2,),
    ),
    # --- paths ----------------------------------------------------------------------
    Case("xlsx", "paths", "data.path an Excel workbook (.xlsx)", _xlsx, (0,)),
    Case(
        "xls-old",
        "paths",
        "an old .xls workbook (OLE2 bytes)",
        suggest(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, name="data.xls"),
        (2,),
    ),
    Case(
        "xlsx-named-csv",
        "paths",
        "a zip (workbook) named .csv",
        suggest(b"PK\x03\x04" + b"\x00" * 200),
        (2,),
    ),
    Case(
        "url-https",
        "paths",
        "data.path https://example.com/d.csv",
        check(edit=set_data(path="https://example.com/d.csv")),
        (2,),
    ),
    Case(
        "suggest-url",
        "paths",
        "checks suggest on an https:// URL",
        lambda ws: [
            "checks",
            "suggest",
            "https://example.com/d.csv",
            "--target",
            "churned",
            "--out",
            str(ws.work / "c.yaml"),
        ],
        (2,),
    ),
    Case(
        "url-with-password",
        "paths",
        "data.path a URL with a password",
        check(edit=set_data(path=f"https://u:{PASSWORD}@example.com/d.csv")),
        (2,),
    ),
    Case(
        "suggest-url-with-password",
        "paths",
        "checks suggest on a URL with a password",
        lambda ws: [
            "checks",
            "suggest",
            f"https://u:{PASSWORD}@example.com/d.csv",
            "--target",
            "churned",
            "--out",
            str(ws.work / "c.yaml"),
        ],
        (2,),
    ),
    Case(
        "fifo",
        "paths",
        "a named pipe (FIFO) as data",
        _fifo,
        (2,),
        verify=_data_untouched,
        timeout=20,
    ),
    Case(
        "dev-zero",
        "paths",
        "/dev/zero as data",
        lambda ws: [
            "checks",
            "suggest",
            "/dev/zero",
            "--target",
            "churned",
            "--out",
            str(ws.work / "c.yaml"),
        ],
        (2,),
        timeout=20,
    ),
    Case(
        "check-dev-zero",
        "paths",
        "`check`: data.path /dev/zero",
        check(edit=set_data(path="/dev/zero")),
        (0, 2),
        timeout=20,
    ),
    Case(
        "dev-urandom-checks",
        "paths",
        "`check`: data.checks /dev/urandom (not read)",
        check(edit=set_data(checks="/dev/urandom")),
        (0, 2),
        timeout=20,
    ),
    Case(
        "env-outside",
        "paths",
        "data.path: ../secrets/.env (first line a secret)",
        _outside("path", f"{SECRET},x\n1,2\n"),
        (2,),
    ),
    Case(
        "checks-outside",
        "paths",
        "data.checks: ../secrets/.env holding a secret",
        _outside("checks", f"{SECRET},x\n1,2\n"),
        (2,),
    ),
    Case(
        "checks-shadow",
        "paths",
        "data.checks: an absolute /etc/shadow-like file",
        _absolute("checks"),
        (2,),
    ),
    Case(
        "path-shadow",
        "paths",
        "data.path: an absolute /etc/shadow-like file",
        _absolute("path"),
        (2,),
    ),
    Case(
        "path-control-chars",
        "paths",
        "data.path with ESC, BEL and a newline",
        check(edit=set_data(path="d\x1b]0;owned\x07\n.csv")),
        (0,),
    ),
    Case(
        "path-markup",
        "paths",
        "data.path named [bold]x[/].csv",
        check(edit=set_data(path="[bold]x[/].csv")),
        (0,),
    ),
    # --- times and time formats -----------------------------------------------------
    Case(
        "bad-dates",
        "times",
        "snapshot_month 2026-13-45 in every 10th row",
        check(reshape=every_nth("snapshot_month", "2026-13-45")),
        (2,),
    ),
    Case(
        "month-names",
        "times",
        "snapshot_month as month names without a year",
        check(
            reshape=column(
                "snapshot_month", lambda f: np.resize(["January", "February"], len(f))
            )
        ),
        (2,),
    ),
    Case(
        "all-empty-time",
        "times",
        "time column with no value at all",
        check(reshape=column("snapshot_month", lambda f: np.nan)),
        (2,),
    ),
    Case(
        "format-no-year",
        "times",
        "data.time_format: %m-%d",
        check(edit=set_data(time_format="%m-%d")),
        (2,),
    ),
    Case(
        "format-garbage",
        "times",
        "data.time_format: %Q%Q",
        check(edit=set_data(time_format="%Q%Q")),
        (2,),
    ),
    Case(
        "format-mismatch",
        "times",
        "data.time_format %d/%m/%Y on ISO dates",
        check(edit=set_data(time_format="%d/%m/%Y")),
        (2,),
    ),
    Case(
        "time-epoch",
        "times",
        "time column of Unix seconds",
        check(
            reshape=column(
                "snapshot_month", lambda f: np.arange(len(f)) * 86400 + 1.7e9
            )
        ),
        (0, 2),
    ),
    Case(
        "time-year-9999",
        "times",
        "dates in year 9999 and 0001",
        check(reshape=every_nth("snapshot_month", "9999-12-31", n=2)),
        (0, 2),
    ),
    Case(
        "time-zones",
        "times",
        "ISO times with mixed zone offsets",
        check(reshape=every_nth("snapshot_month", "2025-03-01T00:00:00+09:00", n=3)),
        (0, 2),
    ),
    Case(
        "time-missing-column",
        "times",
        "data.time names no column",
        check(edit=set_data(time="no_such_time")),
        (2,),
    ),
    # --- labels and rule values -----------------------------------------------------
    Case(
        "rule-wrong-case",
        "labels and rules",
        "rule value Monthly (data: monthly)",
        check(edit=rule_value("Monthly")),
        (2,),
    ),
    Case(
        "rule-yaml-yes",
        "labels and rules",
        "rule value yes (YAML reads true)",
        check(edit=rule_value(True)),
        (2,),
    ),
    Case(
        "rule-missing-column",
        "labels and rules",
        "rule on a column the data lacks",
        check(edit=rule_value("x", on="no_such_column")),
        (2,),
    ),
    Case(
        "rule-bad-op",
        "labels and rules",
        "rule operator =~",
        check(edit=lambda c: c["baseline"]["rule"]["conditions"][0].update(op="=~")),
        (2,),
    ),
    Case(
        "rule-selects-nobody",
        "labels and rules",
        "rule tenure_months > 10**9",
        check(
            edit=lambda c: c["baseline"]["rule"].update(
                match="all",
                conditions=[{"column": "tenure_months", "op": ">", "value": 10**9}],
            )
        ),
        (2,),
    ),
    Case(
        "third-label",
        "labels and rules",
        "target holds 0, 1 and 2",
        check(reshape=every_nth("churned", 2, n=7)),
        (2,),
    ),
    Case(
        "unlabelled-some",
        "labels and rules",
        "target empty in every 10th row",
        check(reshape=every_nth("churned", np.nan)),
        (0, 2),
    ),
    Case(
        "unlabelled-all",
        "labels and rules",
        "target empty in every row",
        check(reshape=column("churned", lambda f: np.nan)),
        (2,),
    ),
    Case(
        "continuous-target",
        "labels and rules",
        "target of real numbers",
        check(reshape=column("churned", lambda f: np.linspace(0, 1, len(f)))),
        (2,),
    ),
    Case(
        "positive-label-absent",
        "labels and rules",
        "positive_label: yes (absent)",
        check(edit=set_data(positive_label="yes")),
        (2,),
    ),
    Case(
        "target-missing",
        "labels and rules",
        "data.target names no column",
        check(edit=set_data(target="no_target")),
        (2,),
    ),
    # --- numbers and Parquet -------------------------------------------------------
    Case(
        "infinities",
        "numbers and Parquet",
        "inf and -inf in monthly_charge",
        check(reshape=every_nth("monthly_charge", np.inf, n=5)),
        (0, 2),
    ),
    Case(
        "nan-text",
        "numbers and Parquet",
        "text 'NaN', 'inf', '1e999' in a number",
        check(reshape=every_nth("tenure_months", "1e999", n=3)),
        (0, 2),
    ),
    Case(
        "huge-ints",
        "numbers and Parquet",
        "integers of 40 digits in a feature",
        check(reshape=every_nth("support_calls_90d", "9" * 40, n=4)),
        (0, 2),
    ),
    Case(
        "nested-parquet",
        "numbers and Parquet",
        "Parquet with a list column",
        _parquet(lambda n: [[1, 2]] * n),
        (2,),
    ),
    Case(
        "struct-parquet",
        "numbers and Parquet",
        "Parquet with a struct column",
        _parquet(lambda n: [{"a": 1}] * n),
        (2,),
    ),
    Case(
        "parquet-garbage",
        "numbers and Parquet",
        "random bytes named .parquet",
        suggest(b"PAR1" + b"\x07" * 300, name="data.parquet"),
        (2,),
    ),
]
