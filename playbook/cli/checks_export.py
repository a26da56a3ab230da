"""`playbook checks export CONTRACT`: a data contract as a Great Expectations suite.

`playbook.cli.app` registers it on the `playbook checks` group: it prints each line
the command yields and turns a `PlaybookError` into one line and its exit code.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer


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
    force: Annotated[
        bool, typer.Option("--force", help="Replace --out when it exists.")
    ] = False,
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
