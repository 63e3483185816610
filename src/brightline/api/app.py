"""The ASGI application: ``/api/v1`` over the access layer, JSON errors, health check."""

from __future__ import annotations

import logging
import threading
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from sqlalchemy import text
from starlette.exceptions import HTTPException as StarletteHTTPException

from brightline import __version__
from brightline.analytics.snapshot_jobs import start_schedule
from brightline.api.body_limit import BodyLimit, BodyLimits
from brightline.api.docs_page import mount_docs
from brightline.api.fhir import FHIR_PREFIX, create_fhir_app
from brightline.api.routes import (
    admin,
    audit,
    auth,
    contacts,
    corrections,
    emergency,
    indicators,
    patient,
    people,
    photos,
    referrals,
    releases,
    review_work,
    screenings,
    surgery,
    sync,
)
from brightline.api.sign_in_first import SignInFirst
from brightline.api.validation import validation_problems
from brightline.errors import (
    BrightlineError,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    PurposeRequired,
    TooManyAttempts,
    TransitionRefused,
    Unauthenticated,
)
from brightline.problems import Problems
from brightline.settings import CHEAP_ARGON2_WARNING, Settings
from brightline.site import Site
from brightline.web import mount_web
from brightline.web.app import not_found_page

log = logging.getLogger("brightline.api")

STATUS = {
    PurposeRequired: 400,
    InvalidInput: 422,
    TransitionRefused: 409,
    Conflict: 409,
    NotFound: 404,
    Forbidden: 403,
    Unauthenticated: 401,
    TooManyAttempts: 429,
}
API_PREFIX = "/api/v1"


def error_response(
    status: int,
    code: str,
    message: str,
    field: str | None = None,
    problems: list[dict[str, str]] | None = None,
    **headers: str,
) -> JSONResponse:
    """Every error has this one shape: a stable code, an actionable message, the field, and
    every problem found (``problems``: a list of {field, code, message}; the first is the
    error's own field and message)."""
    listed = (
        problems
        if problems is not None
        else [{"field": field or "", "code": code, "message": message}]
    )
    return JSONResponse(
        {"error": {"code": code, "message": message, "field": field, "problems": listed}},
        status_code=status,
        headers=headers or None,
    )


def _status_of(error: BrightlineError) -> int:
    for kind in type(error).__mro__:
        if kind in STATUS:
            return STATUS[kind]
    return 400


def install_error_handlers(app: FastAPI) -> None:
    """JSON errors for every failure; never a stack trace, never a 500 for bad input."""

    @app.exception_handler(BrightlineError)
    def _brightline(_request: Request, error: BrightlineError) -> JSONResponse:
        headers: dict[str, str] = {}
        if isinstance(error, TooManyAttempts):
            headers["Retry-After"] = str(error.retry_after)
        if isinstance(error, Unauthenticated):
            headers["WWW-Authenticate"] = "Bearer"
        listed = None
        if isinstance(error, Problems):
            listed = [found.as_json() for found in error.problems]
        return error_response(
            _status_of(error), error.code, error.message, error.field, listed, **headers
        )

    @app.exception_handler(RequestValidationError)
    def _validation(_request: Request, error: RequestValidationError) -> JSONResponse:
        # Coded like every other refusal, never pydantic's English (api/validation.py).
        listed = [found.as_json() for found in validation_problems(error.errors())]
        first = listed[0]
        return error_response(422, "invalid_input", first["message"], first["field"], listed)

    @app.exception_handler(StarletteHTTPException)
    def _http(request: Request, error: StarletteHTTPException) -> Response:
        if error.status_code == 404 and _wants_a_page(request):
            return not_found_page(request)  # an unknown address typed into a browser
        code = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}.get(
            error.status_code, "http_error"
        )
        return error_response(error.status_code, code, str(error.detail))

    @app.exception_handler(Exception)
    def _unexpected(_request: Request, error: Exception) -> JSONResponse:
        # The trace goes to the server log (which holds no identifiers), never to the client.
        log.error("unexpected error: %s", type(error).__name__, exc_info=error)
        return error_response(
            500, "internal_error", "something went wrong on the server; nothing was saved"
        )


def _wants_a_page(request: Request) -> bool:
    """A browser asking for a page outside the API: it gets the web's page, not JSON."""
    outside_api = not request.url.path.startswith(f"{API_PREFIX}/")
    return outside_api and "text/html" in request.headers.get("accept", "")


def create_app(site: Site) -> FastAPI:
    """The application serving one opened installation."""
    app = FastAPI(
        title="Brightline",
        version=__version__,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,  # served by mount_docs from local files, never from a CDN
        redoc_url=None,
    )
    app.state.site = site
    if site.settings.argon2_profile == "test":
        log.warning(CHEAP_ARGON2_WARNING)
    install_error_handlers(app)
    endpoints: list[str] = []
    for module in (
        auth,
        admin,
        audit,
        people,
        screenings,
        photos,
        referrals,
        contacts,
        surgery,
        emergency,
        sync,
        patient,
        indicators,
        corrections,
        releases,
        review_work,
    ):
        app.include_router(module.router, prefix=API_PREFIX)
        endpoints += [route.path for route in module.router.routes if isinstance(route, APIRoute)]

    mount_docs(app, API_PREFIX)

    @app.get("/healthz", tags=["operations"])
    def healthz() -> dict[str, Any]:
        """Liveness and store reachability, for load balancers and monitoring."""
        with site.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return {"status": "ok", "version": __version__, "programme": site.programme.name}

    # FHIR R4 beside /api/v1: its own errors (OperationOutcome, a 401 included).
    app.mount(FHIR_PREFIX, create_fhir_app(site))
    mount_web(app)  # the web UI at /: pages, static files, their security headers
    # Before any body is read or parsed: a signed-in route without a live token answers 401,
    # and (outermost of ours) an oversized body answers 413.
    app.add_middleware(SignInFirst, site=site, prefix=API_PREFIX, paths=endpoints)
    app.add_middleware(BodyLimit, limits=BodyLimits.from_settings(site.settings))
    return app


def app_from_environment() -> FastAPI:
    """Factory for ``uvicorn --factory``: settings from ``BRIGHTLINE_*`` variables.

    A served installation also refreshes its analytics snapshot on its schedule, if set.
    """
    site = Site.open(Settings())
    app = create_app(site)
    if site.settings.snapshot_refresh_minutes:
        app.state.snapshot_schedule_stop = threading.Event()
        start_schedule(
            site, site.settings.snapshot_refresh_minutes, app.state.snapshot_schedule_stop
        )
    return app
