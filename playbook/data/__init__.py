"""The POC's data: reading, profiles, personal data, leaks and data contracts.

Sources (CSV, Parquet, Excel, folders, SQL; `local_files` refuses URLs, devices and
pipes), fingerprints, the time column read one way for every stage (`time_column`),
the charter checked against the data (`charter_fit`) and its labels (`labels`),
profiles and time coverage, personal data (found in `pii`, replaced by placeholders
before any model sees it in `redaction`), target leaks (`leakage`; many number
columns scored at once in `leak_screen`), the Great Expectations data
contracts (ours, and suites GX saved: `gx_suites`; offline Data Docs: `data_docs`),
`playbook checks suggest`, and stage 3's evidence (`strategy_stage`).
`from playbook import data; data.read(poc)` is the way in for stages 4 to 7: the rows
checked against the charter, without those whose label is missing
(`modelling_rows`); stage 3 reads every row with `sources.read`.
"""

from playbook.data import (
    charter_fit,
    contracts,
    data_docs,
    gx_suites,
    labels,
    leak_screen,
    leakage,
    local_files,
    modelling_rows,
    pii,
    redaction,
    sources,
    strategy_stage,
    suggest,
    time_column,
)
from playbook.data.frame import (
    access_note,
    as_dates,
    label_balance,
    looks_like_dates,
    parse_time,
    period_gaps,
    profile,
    require_columns,
    require_unique_ids,
    rows_per_period,
    source_name,
    target_kind,
)
from playbook.data.modelling_rows import read
from playbook.data.sources import fingerprint, load, sha256

__all__ = [
    "access_note",
    "as_dates",
    "charter_fit",
    "contracts",
    "data_docs",
    "fingerprint",
    "gx_suites",
    "label_balance",
    "labels",
    "leak_screen",
    "leakage",
    "load",
    "local_files",
    "looks_like_dates",
    "modelling_rows",
    "parse_time",
    "period_gaps",
    "pii",
    "profile",
    "read",
    "redaction",
    "require_columns",
    "require_unique_ids",
    "rows_per_period",
    "sha256",
    "source_name",
    "sources",
    "strategy_stage",
    "suggest",
    "target_kind",
    "time_column",
]
