"""Hostile SQL sources, scoring inputs, batch specs, Dask schedulers and runs.

Exit codes (playbook/errors.py): 0 fine, 2 a gate (charter or data unfit, the data to
score breaks the contract), 1 any other error, 130/143 interrupted.
"""

from __future__ import annotations

import csv
import signal
import socket
import sqlite3
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import yaml
from test_dask_connect import listener

from hostile.charter_cases import CLEAR, MARKUP, TITLE, bomb
from hostile.harness import PASSWORD, SECRET, Case, Outcome, Workspace

# --- SQL -------------------------------------------------------------------------


def _sql(
    query: str, url: str = "sqlite:///crm.db", *, command: str = "run"
) -> Callable[[Workspace], list[str]]:
    """`run` (refused before any kernel) or `check` on a charter reading `query`."""

    def prepare(ws: Workspace) -> list[str]:
        ws.example()
        with sqlite3.connect(ws.poc / "crm.db") as connection:
            ws.frame().head(50).to_sql("churn", connection, index=False)

        def edit(charter: dict[str, Any]) -> None:
            charter["data"].pop("path")
            charter["data"]["sql"] = {"url": url, "query": query}

        if command == "check":
            return ["check", str(ws.charter(edit))]
        return ["run", str(ws.charter(edit)), "--runs-dir", str(ws.work / "runs")]

    return prepare


def _table_intact(ws: Workspace, outcome: Outcome) -> list[str]:
    found = []
    with sqlite3.connect(ws.poc / "crm.db") as connection:
        tables = [r[0] for r in connection.execute("SELECT name FROM sqlite_master")]
        if "churn" not in tables:
            found.append("the table was dropped")
        elif connection.execute("SELECT COUNT(*) FROM churn").fetchone()[0] != 50:
            found.append("rows of the table changed")
    made = [p.name for p in ws.root.rglob("*.db") if p.name != "crm.db"]
    return found + ([f"a database file was written: {made}"] if made else [])


def _sql_env(ws: Workspace) -> list[str]:
    ws.env["CRM_PW"] = PASSWORD
    url = "postgresql+nosuchdriver://analyst@db/crm?sslmode=require&password=${CRM_PW}"
    return _sql("SELECT * FROM churn", url, command="check")(ws)


# --- scoring ------------------------------------------------------------------


def _rows(ws: Workspace, count: int = 10) -> pd.DataFrame:
    """`count` rows of the model's own example, without the target."""
    example = ws.model().parent / "example" / "churn_SYNTHETIC.csv"
    return pd.read_csv(example).drop(columns=["churned"]).tail(count).copy()


def _score(
    change: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
    *,
    raw: bytes | None = None,
    out: str = "scores.csv",
) -> Callable[[Workspace], list[str]]:
    """`playbook score` of the shared model on rows changed by `change`."""

    def prepare(ws: Workspace) -> list[str]:
        path = ws.root / "in" / "new.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        if raw is not None:
            path.write_bytes(raw)
        else:
            rows = _rows(ws)
            (change(rows) if change else rows).to_csv(path, index=False)
        target = path if out == "INPUT" else ws.work / out
        return ["score", str(ws.model()), str(path), "--out", str(target)]

    return prepare


def _ids(*ids: str) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def change(rows: pd.DataFrame) -> pd.DataFrame:
        rows["customer_id"] = [*ids, *rows["customer_id"][len(ids) :]]
        return rows

    return change


def _set(column: str, value: object, *, rows: int = 1) -> Callable:
    def change(frame: pd.DataFrame) -> pd.DataFrame:
        frame[column] = frame[column].astype(object)
        frame.iloc[:rows, frame.columns.get_loc(column)] = value
        return frame

    return change


def _all_empty(frame: pd.DataFrame) -> pd.DataFrame:
    features = [c for c in frame.columns if c not in ("customer_id", "snapshot_month")]
    frame[features] = frame[features].astype(object)
    frame.iloc[:3, [frame.columns.get_loc(c) for c in features]] = np.nan
    return frame


def _no_formula(ws: Workspace, outcome: Outcome) -> list[str]:
    path = ws.work / "scores.csv"
    if not path.exists():
        return ["no scores written"]
    with path.open(newline="", encoding="utf-8") as file:
        ids = [row[0] for row in list(csv.reader(file))[1:]]
    return [
        f"id cell {cell!r} starts a formula" for cell in ids if cell[:1] in "=+-@\t\r"
    ]


def _empty_rows_off_list(ws: Workspace, outcome: Outcome) -> list[str]:
    if outcome.exit_code != 0:  # refused by the contract's not-null expectations
        return _nothing_scored(ws, outcome)
    scores = pd.read_csv(ws.work / "scores.csv")
    empty = scores[scores["features_empty"]]
    if len(empty) != 3:
        return [f"{len(empty)} rows flagged features_empty, expected 3"]
    return ["an all-empty row is on the call list"] if empty["contact"].any() else []


def _input_intact(ws: Workspace, outcome: Outcome) -> list[str]:
    text = (ws.root / "in" / "new.csv").read_text()
    return [] if text.startswith("customer_id,") else ["the input was overwritten"]


def _nothing_scored(ws: Workspace, outcome: Outcome) -> list[str]:
    out = ws.work / "scores.csv"
    return [f"{out} was written"] if out.exists() else []


# --- batch and Dask --------------------------------------------------------------


def _batch(spec: dict[str, Any] | str, *extra: str) -> Callable[[Workspace], list[str]]:
    """`playbook batch` on a spec (a mapping or its raw text) beside the example."""

    def prepare(ws: Workspace) -> list[str]:
        ws.example()
        text = spec if isinstance(spec, str) else yaml.safe_dump(spec)
        path = ws.poc / "spec.yaml"
        path.write_text(text, encoding="utf-8")
        return ["batch", str(path), "--runs-dir", str(ws.work / "runs"), *extra]

    return prepare


def _scheduler(answer: bytes | None) -> Callable[[Workspace], list[str]]:
    def prepare(ws: Workspace) -> list[str]:
        from playbook.run import batch_dask

        ws.patch(batch_dask, "CONNECT_TIMEOUT", 2.0)
        address = ws.stack.enter_context(listener(answer))
        return [*_batch({"pocs": [{"charter": "charter.yaml"}]})(ws), "--scheduler",
                address]  # fmt: skip

    return prepare


def _closed_port(ws: Workspace) -> list[str]:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
    spec = _batch({"pocs": [{"charter": "charter.yaml"}]})(ws)
    return [*spec, "--scheduler", f"tcp://127.0.0.1:{port}"]


def _nothing_run(ws: Workspace, outcome: Outcome) -> list[str]:
    runs = ws.work / "runs"
    made = [p for p in runs.rglob("manifest.json")] if runs.exists() else []
    return [f"a journey started: {made}"] if made else []


# --- runs ------------------------------------------------------------------------


def _read_only_runs(ws: Workspace) -> list[str]:
    # Tests run as root here, whom a chmod does not stop; sysfs refuses even root.
    return ["run", str(ws.charter()), "--runs-dir", "/sys/hostile-runs", "--stages",
            "1"]  # fmt: skip


def _runs_is_file(ws: Workspace) -> list[str]:
    runs = ws.write("work/runs", "a file where the runs folder goes\n")
    return ["run", str(ws.charter()), "--runs-dir", str(runs), "--stages", "1"]


def _run_markup_gate(ws: Workspace) -> list[str]:
    ws.write_data(ws.frame().rename(columns={"region": MARKUP}))

    def edit(charter: dict[str, Any]) -> None:
        charter["title"] = f"{MARKUP} {TITLE}"
        charter["business"]["users"] = [MARKUP, CLEAR]
        charter["baseline"]["rule"]["conditions"][0] = {
            "column": MARKUP,
            "op": "==",
            "value": "nowhere",
        }

    return ["run", str(ws.charter(edit)), "--stages", "1", "--runs-dir",
            str(ws.work / "runs")]  # fmt: skip


def _run_until_signal(ws: Workspace) -> list[str]:
    return ["run", str(ws.charter()), "--stages", "1-3", "--runs-dir",
            str(ws.work / "runs")]  # fmt: skip


def _manifest_interrupted(ws: Workspace, outcome: Outcome) -> list[str]:
    manifests = list((ws.work / "runs").rglob("manifest.json"))
    if not manifests:
        return []  # stopped before the run folder was made
    text = manifests[0].read_text()
    return [] if '"interrupted"' in text else ["the manifest is not marked interrupted"]


_FORMULAS = ("=HYPERLINK(\"http://evil\",\"x\")", "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)",
             "+1", "\t=1", "\r=1")  # fmt: skip

CASES = [
    # --- SQL ----------------------------------------------------------------------
    Case(
        "sql-drop",
        "SQL",
        "query DROP TABLE churn",
        _sql("DROP TABLE churn"),
        (2,),
        verify=_table_intact,
    ),
    Case(
        "sql-vacuum-into",
        "SQL",
        "query VACUUM INTO 'copy.db'",
        _sql("VACUUM INTO 'copy.db'"),
        (2,),
        verify=_table_intact,
    ),
    Case(
        "sql-attach",
        "SQL",
        "query ATTACH DATABASE 'x.db'",
        _sql("ATTACH DATABASE 'x.db' AS x"),
        (2,),
        verify=_table_intact,
    ),
    Case(
        "sql-two-statements",
        "SQL",
        "SELECT ...; DROP TABLE churn",
        _sql("SELECT * FROM churn; DROP TABLE churn"),
        (2,),
        verify=_table_intact,
    ),
    Case(
        "sql-comment-hides-update",
        "SQL",
        "/* SELECT */ UPDATE churn SET ...",
        _sql("/* SELECT */ UPDATE churn SET churned = 1"),
        (2,),
        verify=_table_intact,
    ),
    Case(
        "sql-pragma",
        "SQL",
        "PRAGMA writable_schema = ON",
        _sql("PRAGMA writable_schema = ON"),
        (2,),
        verify=_table_intact,
    ),
    Case(
        "sql-cte-delete",
        "SQL",
        "WITH x AS (...) DELETE FROM churn",
        _sql("WITH x AS (SELECT 1) DELETE FROM churn"),
        (2,),
        verify=_table_intact,
    ),
    Case(
        "sql-select-ok",
        "SQL",
        "a plain SELECT (reads)",
        _sql("SELECT * FROM churn", command="check"),
        (0,),
        verify=_table_intact,
    ),
    Case(
        "sql-missing-table",
        "SQL",
        "SELECT from a table that is not there",
        _sql("SELECT * FROM nowhere", command="check"),
        (0,),
        verify=_table_intact,
    ),
    Case(
        "sql-missing-file",
        "SQL",
        "sqlite URL to a file that is not there",
        _sql("SELECT 1", "sqlite:///nothere.db", command="check"),
        (0,),
        verify=_table_intact,
    ),
    Case(
        "sql-password-userinfo",
        "SQL",
        "password in the URL's user info",
        _sql("SELECT 1", f"postgresql://analyst:{PASSWORD}@db/crm"),
        (2,),
    ),
    Case(
        "sql-password-query",
        "SQL",
        "?password= in the URL's query string",
        _sql("SELECT 1", f"postgresql://analyst@db/crm?password={PASSWORD}"),
        (2,),
    ),
    Case(
        "sql-sslpassword",
        "SQL",
        "&sslpassword= in the query string",
        _sql(
            "SELECT 1", f"postgresql://a@db/crm?sslmode=require&sslpassword={PASSWORD}"
        ),
        (2,),
    ),
    Case(
        "sql-odbc-pwd",
        "SQL",
        "odbc_connect=...;PWD=... in the query string",
        _sql("SELECT 1", f"mssql+pyodbc://db/crm?odbc_connect=DRIVER=x;PWD={PASSWORD}"),
        (2,),
    ),
    Case(
        "sql-env-password",
        "SQL",
        "password from the environment (${CRM_PW})",
        _sql_env,
        (0,),
    ),
    # --- scoring and spreadsheets -------------------------------------------------
    *(
        Case(
            f"score-formula-{index}",
            "scoring and spreadsheets",
            f"score: an id {formula!r}",
            _score(_ids(formula)),
            (0,),
            verify=_no_formula,
        )
        for index, formula in enumerate(_FORMULAS, start=1)
    ),
    Case(
        "score-ten-rows",
        "scoring and spreadsheets",
        "score a 10-row batch",
        _score(),
        (0,),
    ),
    Case(
        "score-not-a-number",
        "scoring and spreadsheets",
        "score: 'abc' in a number column",
        _score(_set("tenure_months", "abc")),
        (2,),
        verify=_nothing_scored,
    ),
    Case(
        "score-empty-id",
        "scoring and spreadsheets",
        "score: an empty id",
        _score(_set("customer_id", "")),
        (2,),
        verify=_nothing_scored,
    ),
    Case(
        "score-empty-period",
        "scoring and spreadsheets",
        "score: an empty period",
        _score(_set("snapshot_month", "")),
        (2,),
        verify=_nothing_scored,
    ),
    Case(
        "score-all-empty-rows",
        "scoring and spreadsheets",
        "score: 3 rows whose features are all empty",
        _score(_all_empty),
        (0, 2),
        verify=_empty_rows_off_list,
    ),
    Case(
        "score-infinity",
        "scoring and spreadsheets",
        "score: inf in a number column",
        _score(_set("monthly_charge", "inf")),
        (0, 2),
    ),
    Case(
        "score-out-is-input",
        "scoring and spreadsheets",
        "score --out = the input",
        _score(out="INPUT"),
        (1, 2),
        verify=_input_intact,
    ),
    Case(
        "score-missing-column",
        "scoring and spreadsheets",
        "score: a feature column missing",
        _score(lambda f: f.drop(columns=["tenure_months"])),
        (2,),
        verify=_nothing_scored,
    ),
    Case(
        "score-empty-file",
        "scoring and spreadsheets",
        "score: a file of 0 bytes",
        _score(raw=b""),
        (2,),
        verify=_nothing_scored,
    ),
    Case(
        "score-secret-in-value",
        "scoring and spreadsheets",
        "score: a planted secret as a category value",
        _score(_set("region", SECRET)),
        (0, 2),
    ),
    Case(
        "score-no-model",
        "scoring and spreadsheets",
        "score: a folder without a model",
        lambda ws: [
            "score",
            str(ws.work),
            str(ws.write("in/x.csv", "a\n1\n")),
            "--out",
            str(ws.work / "s.csv"),
        ],
        (1,),
    ),
    # --- batch and Dask ------------------------------------------------------------
    Case(
        "batch-unknown-key",
        "batch and Dask",
        "spec with an unknown top-level key",
        _batch({"pocs": [{"charter": "charter.yaml"}], "evil": 1}),
        (1,),
        verify=_nothing_run,
    ),
    Case(
        "batch-notebooks-missing",
        "batch and Dask",
        "spec entry notebooks: a folder that is not there",
        _batch({"pocs": [{"charter": "charter.yaml", "notebooks": "nowhere"}]}),
        (1,),
        verify=_nothing_run,
    ),
    Case(
        "batch-top-notebooks",
        "batch and Dask",
        "spec with notebooks: at the top",
        _batch({"pocs": [{"charter": "charter.yaml"}], "notebooks": "/tmp"}),
        (1,),
        verify=_nothing_run,
    ),
    Case(
        "batch-unknown-parameter",
        "batch and Dask",
        "a grid over an unknown field",
        _batch({"pocs": [{"charter": "charter.yaml", "grid": {"nosuch.x": [1, 2]}}]}),
        (1,),
        verify=_nothing_run,
    ),
    Case(
        "batch-missing-charter",
        "batch and Dask",
        "a spec naming no charter file",
        _batch({"pocs": [{"charter": "nowhere.yaml"}]}),
        (1,),
        verify=_nothing_run,
    ),
    Case(
        "batch-empty",
        "batch and Dask",
        "an empty spec",
        _batch(""),
        (1,),
        verify=_nothing_run,
    ),
    Case(
        "batch-bomb",
        "batch and Dask",
        "a billion-laughs spec",
        _batch(bomb() + "pocs: *a8\n"),
        (1,),
        verify=_nothing_run,
        timeout=30,
    ),
    Case(
        "batch-ansi-key",
        "batch and Dask",
        "a spec key holding an OSC escape",
        _batch({"pocs": [{"charter": "charter.yaml", "t\x1b]0;owned\x07": 1}]}),
        (1,),
        verify=_nothing_run,
    ),
    Case(
        "dask-silent",
        "batch and Dask",
        "--scheduler that accepts and stays silent",
        _scheduler(None),
        (1,),
        verify=_nothing_run,
        timeout=30,
    ),
    Case(
        "dask-http",
        "batch and Dask",
        "--scheduler that answers HTTP",
        _scheduler(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"),
        (1,),
        verify=_nothing_run,
        timeout=30,
    ),
    Case(
        "dask-closed-port",
        "batch and Dask",
        "--scheduler at a closed port",
        _closed_port,
        (1,),
        verify=_nothing_run,
        timeout=30,
    ),
    Case(
        "dask-garbage-address",
        "batch and Dask",
        "--scheduler 'not an address'",
        lambda ws: [
            *_batch({"pocs": [{"charter": "charter.yaml"}]})(ws),
            "--scheduler",
            "not an address",
        ],
        (1, 2),
        verify=_nothing_run,
    ),
    Case(
        "batch-workers-zero",
        "batch and Dask",
        "batch --workers 0",
        lambda ws: [
            *_batch({"pocs": [{"charter": "charter.yaml"}]})(ws),
            "--workers",
            "0",
        ],
        (2,),
        verify=_nothing_run,
    ),
    # --- runs -----------------------------------------------------------------------
    Case(
        "run-read-only",
        "runs",
        "run --runs-dir in a folder nobody may write (/sys)",
        _read_only_runs,
        (1,),
    ),
    Case(
        "run-runs-dir-is-file",
        "runs",
        "run --runs-dir naming a file",
        _runs_is_file,
        (1,),
    ),
    Case(
        "run-markup-gate",
        "runs",
        "run stage 1: title, users and a rule column with markup and escapes",
        _run_markup_gate,
        (0, 2),
        slow=True,
        timeout=180,
    ),
    Case(
        "run-sigterm",
        "runs",
        "SIGTERM to `run` once its stage 1 runs",
        _run_until_signal,
        (143,),
        subprocess=True,
        signal_after=(signal.SIGTERM, 90.0),
        verify=_manifest_interrupted,
        slow=True,
        timeout=120,
    ),
    Case(
        "run-sigint",
        "runs",
        "SIGINT (Ctrl-C) to `run` once its stage 1 runs",
        _run_until_signal,
        (130,),
        subprocess=True,
        signal_after=(signal.SIGINT, 90.0),
        verify=_manifest_interrupted,
        slow=True,
        timeout=120,
    ),
]
