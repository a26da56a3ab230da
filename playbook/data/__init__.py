"""The POC's data: reading, profiles, personal data, leaks and data contracts.

Sources (CSV, Parquet, folders, SQL), fingerprints, profiles and time coverage,
personal data, target leaks, the Great Expectations data contracts, `playbook checks
suggest`, and stage 3's evidence (`strategy_stage`). `from playbook import data;
data.read(poc)` is the way in.
"""

from playbook.data import contracts, leakage, pii, sources, strategy_stage, suggest
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
from playbook.data.sources import fingerprint, load, read, sha256

__all__ = [
    "access_note",
    "as_dates",
    "contracts",
    "fingerprint",
    "label_balance",
    "leakage",
    "load",
    "looks_like_dates",
    "parse_time",
    "period_gaps",
    "pii",
    "profile",
    "read",
    "require_columns",
    "require_unique_ids",
    "rows_per_period",
    "sha256",
    "source_name",
    "sources",
    "strategy_stage",
    "suggest",
    "target_kind",
]
