"""`playbook demo`: write a template's SYNTHETIC example into a working folder.

Each use-case template (churn, fraud, marketing, demand_forecast) ships a seeded
generator. The folder gets the template's charter, its data contract, the generated
data, two later batches (one drifted a little, one a lot) and a data dictionary. A file
a person has edited since the demo wrote it is kept as it is: the demo remembers what it
wrote in a small ledger and only replaces files that still match it.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from playbook import charter
from playbook.core import bundled
from playbook.core.language import Language
from playbook.errors import UnknownTemplate
from playbook.synthetic import churn, demand, fraud, marketing, tickets
from playbook.synthetic.timeline import Batch

LEDGER = ".playbook-demo.json"
CHARTER = "charter.yaml"
DEFAULT_TEMPLATE = "churn"
# How far the later batches have moved from the example (see the generators' `shift`):
# the fresh batch a little, as the next weeks usually do; the drifted one a lot.
FRESH_SHIFT, DRIFTED_SHIFT = 0.2, 1.0
# Churn's file names, kept as constants for the scripts that use them.
DATA = "churn_SYNTHETIC.csv"
FRESH = "churn_fresh_SYNTHETIC.csv"
DRIFTED = "churn_fresh_drifted_SYNTHETIC.csv"

# Days of history in the demand example: two years, so that the yearly season repeats.
_DEMAND_DAYS = 728


@dataclass(frozen=True)
class ExampleFolder:
    """What the demo wrote, and which edited files it left alone."""

    folder: Path
    charter: Path
    written: list[str]
    kept: list[str]
    template: str = DEFAULT_TEMPLATE


@dataclass(frozen=True)
class _Example:
    """How to generate one template's SYNTHETIC example.

    `generate(rows, seed)` makes the example's data; `later(rows, seed, batch, shift)`
    a later batch. The data dictionary describes them with `call` (the generator's
    call), `later_text` and `span` (when the later batches fall) and `subject` (what
    a row would describe if it were real).
    """

    rows: int
    title: str
    columns: dict[str, str]
    generate: Callable[[int, int], pd.DataFrame]
    later: Callable[[int, int, int, float], pd.DataFrame]
    call: str
    later_text: str
    span: str
    subject: str


def _later_size(rows: int) -> int:
    return max(rows // 4, 1000)


def _next_batch(
    generate: Callable[..., pd.DataFrame], size: str, *, first: str, periods: int
) -> Callable[[int, int, int, float], pd.DataFrame]:
    """Later batches of a one-row-per-case example: their own seed, ids and calendar.

    Batch `b` of an example of `rows` rows has `_later_size(rows)` rows (`size` names
    the generator's argument for it), seed `seed + b`, the `periods` periods from
    `first`, and ids that follow those of the example and of the batches before it.
    """

    def later(rows: int, seed: int, number: int, shift: float) -> pd.DataFrame:
        batch = Batch(
            first=first,
            periods=periods,
            shift=shift,
            first_id=rows + (number - 1) * _later_size(rows) + 1,
        )
        return generate(**{size: _later_size(rows)}, seed=seed + number, batch=batch)

    return later


def _demand_series(rows: int) -> int:
    return max(round(rows / _DEMAND_DAYS), 2)


EXAMPLES: dict[str, _Example] = {
    "churn": _Example(
        rows=20000,
        title="churn example",
        columns=churn.CHURN_COLUMNS,
        generate=lambda rows, seed: churn.churn(customers=rows, seed=seed),
        later=_next_batch(churn.churn, "customers", first="2026-01-01", periods=3),
        call="playbook.synthetic.churn.churn(customers={rows}, seed={seed})",
        later_text="the quarter after (January to March 2026)",
        span="quarter",
        subject="customer",
    ),
    "fraud": _Example(
        rows=40000,
        title="card-fraud example",
        columns=fraud.FRAUD_COLUMNS,
        generate=lambda rows, seed: fraud.fraud(transactions=rows, seed=seed),
        later=_next_batch(fraud.fraud, "transactions", first="2025-10-27", periods=14),
        call="playbook.synthetic.fraud.fraud(transactions={rows}, seed={seed})",
        later_text="the two weeks after (27 October to 9 November 2025)",
        span="two weeks",
        subject="cardholder",
    ),
    "marketing": _Example(
        rows=24000,
        title="campaign-targeting example",
        columns=marketing.MARKETING_COLUMNS,
        generate=lambda rows, seed: marketing.marketing(customers=rows, seed=seed),
        later=_next_batch(
            marketing.marketing,
            "customers",
            first="2026-01-01",
            periods=3,
        ),
        call="playbook.synthetic.marketing.marketing(customers={rows}, seed={seed})",
        later_text="the three campaigns after (January to March 2026)",
        span="three campaigns",
        subject="customer",
    ),
    "demand_forecast": _Example(
        rows=30 * _DEMAND_DAYS,
        title="demand-forecasting example",
        columns=demand.DEMAND_COLUMNS,
        generate=lambda rows, seed: demand.demand(
            series=_demand_series(rows), seed=seed, days=_DEMAND_DAYS
        ),
        later=lambda rows, seed, batch, shift: demand.demand(
            series=_demand_series(rows),
            seed=seed,
            start=_DEMAND_DAYS,
            days=56,
            batch=batch,
            shift=shift,
        ),
        call=(
            "playbook.synthetic.demand.demand(series={series}, seed={seed}, "
            f"days={_DEMAND_DAYS})"
        ),
        later_text=(
            "the eight weeks after (the same store-item series, 30 December 2025 to "
            "23 February 2026)"
        ),
        span="eight weeks",
        subject="shop",
    ),
    "ticket_routing": _Example(
        rows=6000,
        title="ticket-routing example",
        columns=tickets.TICKET_COLUMNS,
        generate=lambda rows, seed: tickets.tickets(rows=rows, seed=seed),
        later=_next_batch(tickets.tickets, "rows", first="2025-07", periods=2),
        call="playbook.synthetic.tickets.tickets(rows={rows}, seed={seed})",
        later_text="the two months after (July and August 2025)",
        span="two months",
        subject="support ticket",
    ),
}
TEMPLATES = tuple(EXAMPLES)


def default_rows(template: str) -> int:
    """Rows of SYNTHETIC data the demo generates for a template unless told otherwise.

    Raises:
        UnknownTemplate: No example exists for `template`.
    """
    return _example(template).rows


def write_example(
    folder: Path,
    *,
    template: str = DEFAULT_TEMPLATE,
    rows: int | None = None,
    seed: int | None = None,
    customers: int | None = None,
    language: Language = "en",
) -> ExampleFolder:
    """Write (or refresh) a template's example, keeping files a person edited.

    Args:
        folder: The working folder, created when missing.
        template: The use case: churn, fraud, marketing, demand_forecast or
            ticket_routing.
        rows: Rows of SYNTHETIC data to generate (default: the template's size; the
            demand example rounds it to whole two-year series).
        seed: Seed of the data generator (default: the template's seed).
        customers: The former name of `rows`, kept for scripts that use it.
        language: ko takes the charter from the template's Korean twin in
            `templates/ko/` (its words and comments in Korean, its reports too).

    Raises:
        UnknownTemplate: No example exists for `template`; the message lists those
            that do.
    """
    example = _example(template)
    rows = rows or customers or example.rows
    templates = bundled.bundled("templates")
    source = (
        templates / language if language != "en" else templates
    ) / f"{template}.yaml"
    if seed is None:
        seed = charter.load(source).seed or 0  # every bundled template sets one
    folder.mkdir(parents=True, exist_ok=True)
    names = _file_names(template)
    batches = {
        names["data"]: example.generate(rows, seed),
        names["fresh"]: example.later(rows, seed, 1, FRESH_SHIFT),
        names["drifted"]: example.later(rows, seed, 2, DRIFTED_SHIFT),
    }
    contents = {
        CHARTER: source.read_bytes(),
        names["checks"]: (
            bundled.bundled("data_checks") / f"{template}.yaml"
        ).read_bytes(),
        **{
            name: frame.to_csv(index=False, lineterminator="\n").encode()
            for name, frame in batches.items()
        },
        names["columns"]: _data_dictionary(template, rows, seed).encode(),
    }
    ledger_path = folder / LEDGER
    ledger = json.loads(ledger_path.read_text()) if ledger_path.exists() else {}
    written, kept = [], []
    for name, content in contents.items():
        target = folder / name
        if target.exists():
            current = _sha256(target.read_bytes())
            if ledger.get(name) != current:
                kept.append(name)
                continue
            if current == _sha256(content):
                continue
        target.write_bytes(content)
        ledger[name] = _sha256(content)
        written.append(name)
    ledger_path.write_text(json.dumps(ledger, indent=2, sort_keys=True) + "\n")
    return ExampleFolder(
        folder=folder,
        charter=folder / CHARTER,
        written=written,
        kept=kept,
        template=template,
    )


def _example(template: str) -> _Example:
    if template in EXAMPLES:
        return EXAMPLES[template]
    close = difflib.get_close_matches(template, TEMPLATES, n=1, cutoff=0.5)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise UnknownTemplate(
        f"No template named {template!r}.{hint} The templates with a SYNTHETIC "
        f"example are: {', '.join(TEMPLATES)}."
    )


def _file_names(template: str) -> dict[str, str]:
    """The example's files, named after the template; SYNTHETIC in every data file."""
    return {
        "data": f"{template}_SYNTHETIC.csv",
        "fresh": f"{template}_fresh_SYNTHETIC.csv",
        "drifted": f"{template}_fresh_drifted_SYNTHETIC.csv",
        "checks": f"{template}.checks.yaml",
        "columns": f"{template}_SYNTHETIC_columns.md",
    }


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _data_dictionary(template: str, rows: int, seed: int) -> str:
    example = EXAMPLES[template]
    names = _file_names(template)
    call = example.call.format(rows=rows, seed=seed, series=_demand_series(rows))
    lines = [
        f"# {names['data']}: SYNTHETIC {example.title}",
        "",
        f"Generated by `{call}`. SYNTHETIC: no row describes a real {example.subject}.",
        "",
        f"`{names['fresh']}` is {example.later_text}, drifted a little "
        f"(shift {FRESH_SHIFT}); `{names['drifted']}` is the same {example.span} "
        f"drifted strongly (shift {DRIFTED_SHIFT}): point `data.fresh` at it to see "
        "stage 5 flag the drift.",
        "",
        "| column | meaning |",
        "| --- | --- |",
    ]
    lines += [f"| `{name}` | {text} |" for name, text in example.columns.items()]
    return "\n".join(lines) + "\n"
