"""Suite files saved by Great Expectations 1.x, read as contracts and written from them.

GX saves a suite as `ExpectationSuite.to_json_dict()` gives it: `name`, `id`, `meta`,
`notes`, `suite_parameters` and `expectations`, each expectation a mapping of `type`,
`kwargs`, `meta`, `id`, `severity` and a few more. `as_contract` turns that into the
layout of playbook's own contracts (`suite`, and a list of `type` plus arguments) so
that one reader (`playbook.data.contracts.load_suite`) checks both; `gx_json` is the
other way, for `playbook checks export`.

What GX keeps beside an expectation's arguments (ids, meta, notes, a description, the
severity) is read and left aside: a GX validation fails when any expectation fails,
whatever its severity (severity only routes GX's notifications), and so does playbook's
data contract gate.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from playbook.errors import DataCheckError

SUITE_KEYS = ("name", "id", "meta", "notes", "suite_parameters", "expectations")
"""The top-level keys of a suite GX saved."""
EXPECTATION_KEYS = (
    "type",
    "kwargs",
    "meta",
    "id",
    "notes",
    "description",
    "severity",
    "rendered_content",
    "expectation_context",
)
"""The keys of one expectation in a suite GX saved."""


def is_gx_suite(raw: dict) -> bool:
    """Whether a contract file's mapping is a suite saved by GX.

    It is when it has no `suite` and a key only GX writes (`name`, `id`, `meta`,
    `notes`, `suite_parameters`).
    """
    return "suite" not in raw and any(
        key in raw for key in SUITE_KEYS if key != "expectations"
    )


def as_contract(raw: dict, *, source: Path) -> dict[str, Any]:
    """A suite saved by GX as a contract's mapping: `suite`, and `type` plus arguments.

    The contract reader checks the rest as for its own files: the top-level keys
    (against `SUITE_KEYS`), the name, and expectations that are not mappings or lack
    a `type`, which are passed on unchanged.

    Raises:
        DataCheckError: An unknown expectation key, `kwargs` that is not a mapping or
            repeats `type`, or a suite parameter (playbook runs a suite without
            parameters). The message names the file and the expectation.
    """
    if raw.get("suite_parameters"):
        raise DataCheckError(
            f"{source}: the suite declares suite_parameters, which playbook does not "
            "pass when it runs a suite. Write each value into its expectation."
        )
    items = raw.get("expectations")
    converted = (
        [
            _as_item(item, where=f"{source}: expectations[{index}]")
            for index, item in enumerate(items)
        ]
        if isinstance(items, list)
        else items
    )
    return {"suite": raw.get("name"), "expectations": converted}


def gx_json(name: str, expectations: list[Any]) -> str:
    """A suite as GX saves it (`ExpectationSuite.to_json_dict()`), as JSON text.

    Args:
        name: The suite's name.
        expectations: GX expectation objects, in the contract's order.
    """
    import great_expectations as gx

    suite = gx.ExpectationSuite(name=name, expectations=expectations)
    if len(suite.expectations) != len(expectations):  # GX drops a bad one and logs
        raise DataCheckError(
            f"suite {name!r}: Great Expectations dropped "
            f"{len(expectations) - len(suite.expectations)} of its expectations while "
            "saving it; nothing was written. Check that each loads on its own."
        )
    return json.dumps(suite.to_json_dict(), indent=2, ensure_ascii=False) + "\n"


def _as_item(item: Any, *, where: str) -> Any:
    if not isinstance(item, dict) or not isinstance(item.get("type"), str):
        return item
    kind = item["type"]
    extra = sorted(str(key) for key in item if key not in EXPECTATION_KEYS)
    if extra:
        raise DataCheckError(
            f"{where} ({kind}): unknown key(s) {', '.join(map(repr, extra))}; an "
            f"expectation saved by Great Expectations holds "
            f"{listed(EXPECTATION_KEYS)}, its arguments under `kwargs`."
        )
    kwargs = item.get("kwargs") or {}
    if not isinstance(kwargs, dict):
        raise DataCheckError(
            f"{where} ({kind}): `kwargs` must be a mapping of the expectation's "
            f"arguments, got {kwargs!r:.60}."
        )
    if "type" in kwargs:
        raise DataCheckError(
            f"{where} ({kind}): `kwargs` holds a `type` argument; the expectation's "
            "type belongs beside `kwargs`, not in it."
        )
    for argument, value in kwargs.items():
        if isinstance(value, dict) and "$PARAMETER" in value:
            raise DataCheckError(
                f"{where} ({kind}): {argument} takes the suite parameter "
                f"{value['$PARAMETER']!r}, which playbook does not pass. Write the "
                "value itself."
            )
    return {"type": kind, **kwargs}


def listed(keys: tuple[str, ...]) -> str:
    """Keys as a list in words: "a, b and c"."""
    return ", ".join(keys[:-1]) + " and " + keys[-1]
