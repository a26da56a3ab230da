"""`playbook checks suggest DATA` and `playbook checks export CONTRACT`.

`suggest` writes a starter data contract inferred from the data; `export` writes a data
contract as a Great Expectations suite. `playbook.cli.app` registers both on the
`playbook checks` group: it prints each line a command yields and turns a
`PlaybookError` into one line and its exit code.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer

from playbook.cli.options import ReplaceOption


def suggest(
    data: Annotated[
        Path, typer.Argument(help="The data: a CSV or Parquet file, or a folder.")
    ],
    target: Annotated[str, typer.Option("--target", help="The target column.")],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Where to write it (default: data_checks/<data>.yaml)."
        ),
    ] = None,
    id_column: Annotated[
        str | None, typer.Option("--id", help="The id column: one row per id.")
    ] = None,
    time: Annotated[str | None, typer.Option("--time", help="The time column.")] = None,
    encoding: Annotated[
        str | None, typer.Option("--encoding", help="CSV encoding (default utf-8).")
    ] = None,
    force: ReplaceOption = False,
) -> Iterator[str]:
    """Write a starter data contract inferred from the data, for a person to edit.

    Types, missing values, ranges from quantiles, allowed values, unique ids and row
    count bounds, each with a comment saying what the data showed. Exit codes: 0
    written, 2 the data or an option is unfit (nothing is written), 1 any other error.
    """
    from playbook.data import suggest as suggestions

    stem = data.stem if data.suffix else data.name
    result = suggestions.suggest_file(
        data,
        target=target,
        out=out or Path("data_checks") / f"{stem}.yaml",
        id_column=id_column,
        time=time,
        encoding=encoding,
        force=force,
    )
    yield (
        f"Wrote {result.path}: suite {result.name!r}, {result.expectations} "
        f"expectations over {result.columns} columns, inferred from {result.rows:,} "
        "rows. Review every range and set before you commit it."
    )
    for warning in result.warnings:
        yield f"Warning: {warning}"
    if not result.passes:
        yield "Its own data breaks it:"
        for failure in result.failures:
            yield f"  - {failure}"


def export(
    contract: Annotated[
        Path, typer.Argument(help="The data contract, e.g. data_checks/churn.yaml.")
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Where to write the suite (default: beside the contract, as "
            "NAME.gx.json).",
        ),
    ] = None,
    force: ReplaceOption = False,
) -> Iterator[str]:
    """Write a data contract as a Great Expectations 1.x suite (JSON).

    The file is what GX's ExpectationSuite.to_json_dict() saves: GX loads it with
    gx.ExpectationSuite(**json.load(file)), and a charter's data.checks accepts it as
    it is. Exit codes: 0 written, 2 the contract is malformed or --out exists
    (nothing is written), 1 any other error.
    """
    from playbook.data import contracts

    result = contracts.export_gx(
        contract, out=out or contract.with_suffix(".gx.json"), force=force
    )
    yield (
        f"Wrote {result.path}: suite {result.name!r}, {result.expectations} "
        "expectations, as Great Expectations 1.x saves a suite."
    )
