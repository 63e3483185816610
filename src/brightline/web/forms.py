"""Reading HTML forms: the parsed form as a dependency, text fields, errors per field."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData, UploadFile

from brightline.errors import BrightlineError


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


def field_errors(error: BrightlineError, default_field: str = "form") -> dict[str, str]:
    """An error a person can fix, keyed by the field it belongs next to (every one of them
    when the error holds several, so a form shows them all at once)."""
    problems = getattr(error, "problems", None)
    if isinstance(problems, dict) and problems:
        return {str(name): str(message) for name, message in problems.items()}
    return {error.field or default_field: error.message}


def safe_next(target: str | None, default: str) -> str:
    """A same-site path to go on to after a form (never an open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default
