"""Reading HTML forms: the parsed form as a dependency, text fields, errors per field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData, UploadFile

from brightline.errors import BrightlineError
from brightline.problems import Problem, problems_of


async def form_of(request: Request) -> FormData:
    """The request's form (parsed once; the CSRF check reads the same one)."""
    return await request.form()


FormDep = Annotated[FormData, Depends(form_of)]


def text(form: FormData, name: str) -> str:
    """A text field, stripped; empty when absent."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def optional(form: FormData, name: str) -> str | None:
    """A text field, or None when left empty."""
    return text(form, name) or None


def files(form: FormData, name: str) -> list[UploadFile]:
    """The files chosen in a file input (browsers send an empty part when none is chosen)."""
    return [f for f in form.getlist(name) if isinstance(f, UploadFile) and f.filename]


FieldErrors = dict[str, Problem | str]
"""Problems keyed by the field each belongs next to; ``render`` words them in the page's
language (a plain string is shown as it is)."""


def field_errors(
    error: BrightlineError, default_field: str = "form", renamed: Mapping[str, str] | None = None
) -> FieldErrors:
    """Every problem of an error a person can fix, keyed by the field it belongs next to
    (``renamed``: the form's name of a field the pathway names otherwise)."""
    errors: FieldErrors = {}
    for found in problems_of(error, default_field):
        errors.setdefault((renamed or {}).get(found.field, found.field), found)
    return errors


def problem_errors(found: list[Problem]) -> FieldErrors:
    """Problems found before the access layer was asked (a form checked whole), by field."""
    errors: FieldErrors = {}
    for given in found:
        errors.setdefault(given.field, given)
    return errors


def safe_next(target: str | None, default: str) -> str:
    """A same-site path to go on to after a form (never an open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default
