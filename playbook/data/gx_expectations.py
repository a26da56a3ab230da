"""Great Expectations' expectation classes by name, and one built from a contract.

`playbook.data.contracts` reads a contract's expectations as `ExpectationSpec`s; this
module finds the GX 1.x class each names (`classes`), builds it from its arguments
(`build`), and says what was wrong when it cannot: the closest names to an unknown
type, and pydantic's complaints about the arguments in one line. GX is imported only
here and in `contracts`, inside the functions that need it, with its import-time
warnings and logging hidden (`quiet`).
"""

from __future__ import annotations

import difflib
import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

from playbook.core.messages import Sentence, sentence
from playbook.data.expectations import ExpectationSpec
from playbook.errors import DataCheckError

__all__ = ["build", "classes", "did_you_mean", "quiet"]


@contextmanager
def quiet() -> Iterator[None]:
    """Hide GX's import-time deprecation warnings and its INFO logging."""
    gx_logger = logging.getLogger("great_expectations")
    level = gx_logger.level
    gx_logger.setLevel(max(level, logging.WARNING))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.simplefilter("ignore", FutureWarning)
            yield
    finally:
        gx_logger.setLevel(level)


def build(spec: ExpectationSpec, *, classes: dict[str, type], where: str) -> Any:
    """The GX expectation `spec` declares, built from its arguments.

    Raises:
        DataCheckError: GX refuses the arguments; the message names each bad one.
    """
    cls = classes[spec.type]
    try:
        return cls(**spec.kwargs)
    except (ValueError, TypeError) as exc:  # pydantic's ValidationError is a ValueError
        raise DataCheckError(
            sentence(
                "%(where)s (%(type)s): bad arguments: %(errors)s. Fix "
                "the arguments (see the expectation's page in the GX 1.x "
                "gallery).",
                where=where,
                type=spec.type,
                errors=_short_errors(exc, cls),
            )
        ) from None


def classes() -> dict[str, type]:
    """GX's expectations by type name, e.g. expect_column_values_to_not_be_null."""
    with quiet():
        import great_expectations.expectations as gxe

    # mypy does not read GX (pyproject.toml says why): to it the class is a plain type.
    return {
        cast(Any, cls).expectation_type: cls
        for name, cls in vars(gxe).items()
        if name.startswith("Expect")
        and isinstance(cls, type)
        and issubclass(cls, gxe.Expectation)
    }


def did_you_mean(kind: str, classes: dict[str, type]) -> Sentence | str:
    """The known names closest to `kind`: the best, and any nearly as close."""
    # A CamelCase class name is compared without case and underscores.
    camel = "_" not in kind

    def key(text: str) -> str:
        return text.lower().replace("_", "") if camel else text

    scored = sorted(
        (
            (difflib.SequenceMatcher(None, key(kind), key(name)).ratio(), name)
            for name in classes
        ),
        reverse=True,
    )
    best = scored[0][0] if scored else 0.0
    close = [repr(name) for score, name in scored[:3] if score >= max(0.6, best - 0.05)]
    return (
        sentence(" (did you mean %(names)s?)", names=" or ".join(close))
        if close
        else ""
    )


def _short_errors(exc: Exception, cls: type) -> str:
    """GX's pydantic message in one line: the first problem with each argument."""
    listed = getattr(exc, "errors", None)  # pydantic's ValidationError has it
    errors = listed() if callable(listed) else None
    if not errors:
        return str(exc).splitlines()[0]
    fields = list(getattr(cls, "__fields__", {}))
    by_field: dict[str, str] = {}
    general: list[str] = []
    for error in errors:
        name = ".".join(str(part) for part in error.get("loc", ()))
        message = error.get("msg", "invalid")
        if name in ("", "__root__"):
            general.append(message)
        elif name not in by_field:
            if error.get("type") == "value_error.extra":
                close = difflib.get_close_matches(name, fields, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                message = f"not an argument of this expectation{hint}"
            elif error.get("type") == "value_error.missing":
                message = "required but missing"
            by_field[name] = message
    # A failed field makes GX's whole-model checks fail too; show those only when
    # every field on its own is fine.
    parts = [f"{name}: {message}" for name, message in by_field.items()] or general
    return "; ".join(parts)
