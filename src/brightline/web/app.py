"""Mounting the web UI on the application: pages, static files, security headers, errors."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from brightline.web.render import render
from brightline.web.routes import (
    account,
    admin,
    centre,
    corrections,
    manager,
    offline,
    patient,
    photos,
    privacy,
    public_releases,
    release_desk,
    reviewer,
    screener,
    start,
    worklist,
)
from brightline.web.session import (
    SESSION_COOKIE,
    CsrfRejected,
    PageForbidden,
    PageNotFound,
    SignInNeeded,
)

STATIC = Path(__file__).parent / "static"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
# Paths that are not web pages: the JSON API (and its docs page, which loads its own
# scripts) and the health check keep their own headers.
NOT_WEB = ("/api/", "/healthz")


class WebPageHeaders:
    """Security headers and gzip for web pages and their assets only."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.gzip = GZipMiddleware(self._with_headers, minimum_size=512)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope["path"]).startswith(NOT_WEB):
            await self.app(scope, receive, send)
            return
        await self.gzip(scope, receive, send)

    async def _with_headers(self, scope: Scope, receive: Receive, send: Send) -> None:
        static = str(scope["path"]).startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "no-referrer"
                headers["X-Frame-Options"] = "DENY"
                if static:
                    headers["Cache-Control"] = "public, max-age=86400"
                elif "cache-control" not in headers:
                    # Pages show personal data: never keep them in any cache.
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _sign_in_needed(_request: Request, error: Exception) -> Response:
    assert isinstance(error, SignInNeeded)
    return RedirectResponse(f"/sign-in?next={quote(error.next_path)}", status_code=303)


def not_found_page(request: Request) -> HTMLResponse:
    """The web's "no such page" (404), also for an unknown address typed into a browser."""
    # Someone without a staff session (a reader of the published figures) has no start page.
    staff = request.cookies.get(SESSION_COOKIE) is not None
    return render(request, "not_found.html", status=404, staff=staff)


def _not_found(request: Request, _error: Exception) -> HTMLResponse:
    return not_found_page(request)


def _forbidden(request: Request, _error: Exception) -> HTMLResponse:
    return render(request, "forbidden.html", status=403)


def _csrf(request: Request, _error: Exception) -> HTMLResponse:
    return render(request, "csrf.html", status=403)


def mount_web(app: FastAPI) -> None:
    """Add the web UI to the API application: one site, one access layer, one audit log."""
    for module in (
        start,
        screener,
        offline,
        worklist,
        reviewer,
        centre,
        manager,
        privacy,
        patient,
        photos,
        corrections,
        public_releases,
        release_desk,
        admin,
        account,
    ):
        app.include_router(module.router, include_in_schema=False)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(WebPageHeaders)
    app.add_exception_handler(SignInNeeded, _sign_in_needed)
    app.add_exception_handler(PageNotFound, _not_found)
    app.add_exception_handler(PageForbidden, _forbidden)
    app.add_exception_handler(CsrfRejected, _csrf)
