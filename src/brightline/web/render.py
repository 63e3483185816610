"""Rendering pages: one Jinja2 environment (autoescape on), the request's language and token."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from brightline.access.layer import Access
from brightline.problems import Problem
from brightline.web import words
from brightline.web.i18n import HTML_LANG, LANG_COOKIE, LANGUAGES, Formats, choose_language
from brightline.web.session import csrf_token, ensure_presession, remember_presession, site_of

TEMPLATES = Path(__file__).parent / "templates"
ROLE_HOME = {
    "screener": "/screener",
    "reviewer": "/reviewer",
    "surgeon": "/centre",
    "manager": "/manager",
    "privacy_officer": "/privacy",
    "admin": "/admin",
}


@cache
def environment() -> jinja2.Environment:
    """The template environment; autoescaping everywhere, undefined names are errors."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def language_of(request: Request) -> str:
    """The language of this request: the switch's cookie, else Accept-Language."""
    return choose_language(request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"))


def formats(request: Request) -> Formats:
    """Words, dates, numbers and VA for this request."""
    return Formats(language_of(request), site_of(request).programme)


def signed_in_as(request: Request, access: Access) -> None:
    """Note who is signed in, for the page header (the staff account, no personal data)."""
    account = access.account()
    request.state.who = {"username": account.username, "role": account.role}


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page in the caller's language, with this session's CSRF token for its forms."""
    fmt = formats(request)
    language = fmt.language
    if isinstance(context.get("errors"), dict):
        # Coded problems are worded here, in the reader's language, each beside its field.
        context["errors"] = {
            name: error.message(fmt.gettext) if isinstance(error, Problem) else error
            for name, error in context["errors"].items()
        }
    page = (
        environment()
        .get_template(template)
        .render(
            _=fmt.gettext,
            pgettext=fmt.pgettext,
            fmt=fmt,
            lang=language,
            html_lang=HTML_LANG[language],
            languages=LANGUAGES,
            csrf=csrf_token(ensure_presession(request)),
            who=getattr(request.state, "who", None),
            role_home=ROLE_HOME,
            path=request.url.path,
            programme=site_of(request).programme.name,
            words=words,
            **context,
        )
    )
    response = HTMLResponse(page, status_code=status)
    remember_presession(request, response)
    return response


def redirect(url: str) -> RedirectResponse:
    """After a successful POST: see the result with a GET (no resubmission on reload)."""
    return RedirectResponse(url, status_code=303)
