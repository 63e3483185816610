"""A request that does not fit its schema, as coded problems (``brightline.problems``).

Pydantic words its refusals in English for programmers ("Input should be greater than or
equal to 1900"); every refusal a person can see is a catalogue code with plain parameters
instead, so the web UI, the API and the offline app word it beside its field in the reader's
language. Used by the API's request-validation handler and by each record of a sync batch.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Final

from brightline.problems import Problem, problem

QUOTED: Final = re.compile(r"'([^']*)'")
LOCATIONS: Final = ("body", "query", "path", "header", "form", "cookie")
"""Where a value came from; not part of the field's name."""

_PLAIN: Final = {
    "missing": "required",
    "int_parsing": "whole_number",
    "int_type": "whole_number",
    "int_from_float": "whole_number",
    "float_parsing": "number",
    "float_type": "number",
    "decimal_parsing": "number",
    "decimal_type": "number",
    "string_type": "text",
    "string_unicode": "text",
    "bool_parsing": "yes_or_no",
    "bool_type": "yes_or_no",
    "date_parsing": "day",
    "date_type": "day",
    "date_from_datetime_parsing": "day",
    "date_from_datetime_inexact": "day",
    "datetime_parsing": "moment",
    "datetime_type": "moment",
    "datetime_from_date_parsing": "moment",
    "timezone_aware": "moment",
    "extra_forbidden": "unknown_field",
    "list_type": "list",
    "uuid_text": "uuid",
}
"""Pydantic error types whose problem needs no parameter."""


def field_of(location: Iterable[Any], drop: int = 0) -> str:
    """The field's dotted name without where it came from (``body.birth_year`` -> ``birth_year``);
    ``drop`` leading parts are the envelope around a record (a sync record's ``data``)."""
    parts = [str(p) for p in location if p not in LOCATIONS][drop:]
    return ".".join(parts) or "form"


def _bounded(kind: str, context: Mapping[str, Any]) -> tuple[str, dict[str, str]] | None:
    """A number or length out of its bounds, with the bound it crossed."""
    for name, code, parameter in (
        ("ge", "number_at_least", "low"),
        ("gt", "number_at_least", "low"),
        ("le", "number_at_most", "high"),
        ("lt", "number_at_most", "high"),
    ):
        if name in context and kind.startswith(("greater", "less")):
            return code, {parameter: str(context[name])}
    if kind == "string_too_long":
        return "text_too_long", {"most": str(context.get("max_length", ""))}
    if kind == "string_too_short":
        return "text_too_short", {"least": str(context.get("min_length", ""))}
    if kind == "too_long":
        return "too_many", {"most": str(context.get("max_length", ""))}
    if kind == "date_out_of_range" and {"low", "high"} <= set(context):
        return "date_range", {"low": str(context["low"]), "high": str(context["high"])}
    if kind in ("enum", "literal_error"):
        # pydantic words the choices in English ("'female' or 'male'"): keep the codes only.
        expected = str(context.get("expected", ""))
        return "one_of", {"choices": ", ".join(QUOTED.findall(expected)) or expected}
    return None


def validation_problem(found: Mapping[str, Any], drop: int = 0) -> Problem:
    """One pydantic error (``ValidationError.errors()`` item) as a coded problem."""
    kind = str(found.get("type", ""))
    if kind == "json_invalid":
        return problem("form", "malformed")  # its location is a character offset, no field
    field = field_of(found.get("loc", ()), drop)
    if kind in _PLAIN:
        return problem(field, _PLAIN[kind])
    bounded = _bounded(kind, found.get("ctx") or {})
    if bounded is not None:
        return problem(field, bounded[0], **bounded[1])
    return problem(field, "malformed")


def validation_problems(errors: Iterable[Mapping[str, Any]], drop: int = 0) -> list[Problem]:
    """Every pydantic error of one request or record as coded problems, in order."""
    return [validation_problem(found, drop) for found in errors]
