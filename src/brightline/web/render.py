"""Rendering pages: one Jinja2 environment (autoescape on), the request's language and token."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from markupsafe import Markup

from brightline.access.layer import Access
from brightline.problems import Problem
from brightline.web import words
from brightline.web.error_words import worded
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
    env.filters["data"] = data
    return env


def data(value: object) -> Markup:
    """A value shown as it is in every language (a name, code, VA, pseudonym): ``translate="no"``
    keeps it out of the walk test's word check and out of browsers' machine translation."""
    return Markup('<span translate="no">%s</span>') % value


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


def _worded(error: object, fmt: Formats) -> object:
    """A problem or an older error's English sentence, in the reader's language."""
    if isinstance(error, Problem):
        if error.code == "message":
            return worded(error.parameters["text"], fmt.gettext)
        return error.message(fmt.gettext)
    return worded(error, fmt.gettext) if isinstance(error, str) else error


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page in the caller's language, with this session's CSRF token for its forms."""
    fmt = formats(request)
    language = fmt.language
    if isinstance(context.get("errors"), dict):
        # Coded problems are worded here, in the reader's language, each beside its field.
        context["errors"] = {name: _worded(error, fmt) for name, error in context["errors"].items()}
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
