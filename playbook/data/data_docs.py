"""Great Expectations Data Docs of one contract's validation, built offline.

`playbook.data.contracts.validate(..., docs=FOLDER)` runs the suite as usual and then
hands GX's results here: they are put together as one validation of the whole suite,
stored in an in-memory context whose only Data Docs site is FOLDER, and GX builds its
pages there (the validation, the suite, an index). Values from personal-data columns
are masked first, as in the contract's report.

GX's pages load Bootstrap, jQuery, Vega and Font Awesome from public CDNs and its logo
from S3; a run folder must open without a network, so every remote script, stylesheet
and image is taken out, and GX's own stylesheet (copied beside the pages) with a short
one of ours (`data_docs_offline.css`) lays the pages out. The validation and suite
pages are static HTML and read in full; GX's index fills its tables with the scripts
taken out, so a reader is sent to the validation page (`write` returns it). Its
layout follows GX 1.x's site builder; a GX release that renames its folders moves it.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

from playbook.data import pii
from playbook.data.expectations import columns_read

SITE = "playbook"
"""The name of the one Data Docs site a context gets."""
STYLESHEET = "static/styles/data_docs_offline.css"
_OWN_CSS = Path(__file__).with_name("data_docs_offline.css")
_LOGO = "static/images/logo-long.png"
# What a result on a personal-data column keeps besides its masked examples: counts.
_COUNTS = (
    "element_count",
    "missing_count",
    "missing_percent",
    "unexpected_count",
    "unexpected_percent",
    "unexpected_percent_total",
    "unexpected_percent_nonmissing",
    "partial_unexpected_index_list",
)
_REMOTE = r"(?:https?:)?//"
_REMOTE_SCRIPT = re.compile(
    rf"<script\b[^>]*\bsrc=\"{_REMOTE}[^\"]*\"[^>]*>\s*</script>"
)
_REMOTE_LINK = re.compile(rf"<link\b[^>]*\bhref=\"{_REMOTE}[^\"]*\"[^>]*>")
_REMOTE_LOGO = re.compile(rf"\bsrc=\"{_REMOTE}[^\"]*/logo-long\.png[^\"]*\"")
_REMOTE_SRC = re.compile(rf"\bsrc=\"{_REMOTE}[^\"]*\"")
_REMOTE_URL = re.compile(rf"url\(\s*['\"]?{_REMOTE}[^)]*\)")


def site_config(folder: Path) -> dict[str, Any]:
    """A Data Docs site in `folder`, for a GX context's `data_docs_sites`."""
    return {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(Path(folder).resolve()),
        },
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    }


def write(
    context: Any,
    *,
    name: str,
    expectations: list[Any],
    results: list[Any],
    meta: dict[str, Any],
    hidden: set[str],
) -> str:
    """Build the Data Docs of one validation, offline, and return its page.

    Args:
        context: A GX context with one docs site, `SITE` (`site_config`).
        name: The suite's name.
        expectations: GX expectation objects, in the contract's order.
        results: GX's result for each expectation, in the same order; None for one
            that did not run (its column is absent), shown as failed.
        meta: A run's meta from GX (run id, batch), for the validation's header.
        hidden: Columns holding personal data.

    Returns:
        The validation's page, relative to the site's folder.
    """
    from great_expectations.core.expectation_validation_result import (
        ExpectationSuiteValidationResult,
    )
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    suite = context.suites.add(_suite(name, expectations))
    shown = [
        _masked(result, hidden=hidden)
        if result is not None
        else _absent(
            expectation, columns=columns_read(expectation.configuration.kwargs)
        )
        for expectation, result in zip(suite.expectations, results, strict=True)
    ]
    met = sum(bool(result.success) for result in shown)
    validation = ExpectationSuiteValidationResult(
        success=met == len(shown),
        results=shown,
        suite_name=name,
        statistics={
            "evaluated_expectations": len(shown),
            "successful_expectations": met,
            "unsuccessful_expectations": len(shown) - met,
            "success_percent": 100.0 * met / len(shown) if shown else None,
        },
        meta={**meta, "expectation_suite_name": name},
    )
    key = ValidationResultIdentifier(
        expectation_suite_identifier=ExpectationSuiteIdentifier(name=name),
        run_id=meta.get("run_id"),
        batch_identifier="data",
    )
    context.validation_results_store.set(key, validation)
    context.build_data_docs(site_names=[SITE])
    folder = Path(
        context.variables.data_docs_sites[SITE]["store_backend"]["base_directory"]
    )
    make_offline(folder)
    page = Path("validations", *map(str, key.to_tuple())).with_suffix(".html")
    return page.as_posix()


def make_offline(folder: Path) -> None:
    """Take every remote load out of the Data Docs in `folder`; add our stylesheet."""
    shutil.copyfile(_OWN_CSS, folder / STYLESHEET)
    for css in (folder / "static" / "styles").glob("*.css"):
        css.write_text(_REMOTE_URL.sub("none", css.read_text(encoding="utf-8")))
    for page in folder.rglob("*.html"):
        up = "../" * (len(page.relative_to(folder).parts) - 1)
        text = page.read_text(encoding="utf-8")
        text = _REMOTE_SCRIPT.sub("", text)
        text = _REMOTE_LINK.sub("", text)
        text = _REMOTE_LOGO.sub(f'src="{up}{_LOGO}"', text)
        text = _REMOTE_SRC.sub('src=""', text)
        own = f'<link rel="stylesheet" href="{up}{STYLESHEET}">'
        if own not in text:
            text = text.replace("</head>", f"{own}\n</head>", 1)
        page.write_text(text, encoding="utf-8")


def _suite(name: str, expectations: list[Any]) -> Any:
    import great_expectations as gx

    return gx.ExpectationSuite(name=name, expectations=expectations)


def _absent(expectation: Any, *, columns: list[str]) -> Any:
    """A failed result for an expectation that did not run: its column is absent."""
    from great_expectations.core.expectation_validation_result import (
        ExpectationValidationResult,
    )

    return ExpectationValidationResult(
        success=False,
        expectation_config=expectation.configuration,
        exception_info={
            "raised_exception": True,
            "exception_message": f"column {', '.join(map(repr, columns))} is absent",
            "exception_traceback": "Not run: the data lacks the column.",
        },
    )


def _masked(result: Any, *, hidden: set[str]) -> Any:
    """The result with personal data masked: whole columns in `hidden`, else patterns.

    A result on a personal-data column keeps only its counts and masked examples.
    """
    from great_expectations.core.expectation_validation_result import (
        ExpectationValidationResult,
    )

    found = dict(result.result or {})
    config = result.expectation_config
    if hidden & set(columns_read(config.kwargs if config is not None else {})):
        kept = {key: found[key] for key in _COUNTS if key in found}
        if "partial_unexpected_list" in found:
            kept["partial_unexpected_list"] = [
                pii.mask(value) for value in found["partial_unexpected_list"]
            ]
        found = kept
    else:
        found = _mask_text(found)
    return ExpectationValidationResult(
        success=result.success,
        expectation_config=config,
        result=found,
        meta=result.meta,
        exception_info=result.exception_info,
    )


def _mask_text(value: Any) -> Any:
    """Every text inside `value` with the parts that look like personal data masked."""
    if isinstance(value, str):
        return pii.mask_text(value)
    if isinstance(value, dict):
        return {key: _mask_text(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_mask_text(item) for item in value]
    return value
