"""Imports a journey pays for and never uses, deferred until something uses them.

jsonschema, which nbformat (the runner's papermill, the kernel's plotly renderer) and
Great Expectations import, checks the "iri" string format with `rfc3987_syntax` when
it is installed (here through JupyterLab's `jupyter_events`). That package compiles
38 Lark grammars when it is imported: 2 to 3 s of CPU, in the runner and again in the
journey's kernel, for a format no notebook, data contract or GX configuration of a
journey is checked against. `defer_iri_grammar` puts a stand-in module in its place
whose `is_valid_syntax` (the one name jsonschema takes from it) and every other name
import the real package the first time they are used: the checks stay the same, only
their cost moves to the first IRI checked, which a journey never reaches.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from collections.abc import Callable
from typing import Any

IRI_GRAMMAR = "rfc3987_syntax"
# The names jsonschema imports from it when it is imported itself.
_IRI_FUNCTIONS = ("is_valid_syntax",)


def defer_iri_grammar() -> bool:
    """Let `rfc3987_syntax` be imported only when one of its names is used.

    Call it before nbformat, papermill or Great Expectations is imported; once
    jsonschema has taken the real package, or when it is not installed, nothing is
    changed.

    Returns:
        Whether the stand-in was put in place.
    """
    return defer(IRI_GRAMMAR, functions=_IRI_FUNCTIONS)


def defer(name: str, *, functions: tuple[str, ...]) -> bool:
    """Put a stand-in for module `name` that imports it when a name of it is used.

    Args:
        name: The module to defer; nothing is done when it is already imported or
            cannot be found.
        functions: Its functions that other modules import by name when they are
            imported themselves (`from name import f`): the stand-in has each one,
            importing the real module when called. Any other name imports it when
            looked up.

    Returns:
        Whether the stand-in was put in place.
    """
    if name in sys.modules or importlib.util.find_spec(name) is None:
        return False
    stand_in = types.ModuleType(name, "Imported on first use (playbook).")

    def real() -> types.ModuleType:
        if sys.modules.get(name) is stand_in:
            del sys.modules[name]
        return importlib.import_module(name)

    def calls_real(function: str) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            return getattr(real(), function)(*args, **kwargs)

        call.__name__ = call.__qualname__ = function
        return call

    def any_other_name(attribute: str) -> Any:
        if attribute.startswith("__"):  # import machinery probing, not a use
            raise AttributeError(attribute)
        return getattr(real(), attribute)

    for function in functions:
        setattr(stand_in, function, calls_real(function))
    stand_in.__getattr__ = any_other_name  # type: ignore[method-assign]
    sys.modules[name] = stand_in
    return True
