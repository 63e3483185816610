"""The FHIR R4 read API at /fhir/R4: metadata, read and search, errors as OperationOutcome.

A sub-application mounted beside /api/v1, with the same bearer tokens, the same policy and
purpose of use (``X-Purpose-Of-Use``) and the same audit entries, through the access layer.
Its errors, a missing sign-in (401) included, are OperationOutcomes, as FHIR clients expect.
Search of a person's resources needs the person (``patient``/``subject``) or the ids
(``_id``): there is no search across the population.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from brightline import __version__
from brightline.access.layer import Access
from brightline.api.bounds import PathId
from brightline.api.deps import Caller, CallerDep
from brightline.api.fhir_bulk import base_url, install_bulk_data
from brightline.api.fhir_search import (
    PERSON_PARAMETERS,
    NotAcceptable,
    Search,
    check_accept,
    parse_search,
)
from brightline.errors import (
    BrightlineError,
    Forbidden,
    InvalidInput,
    NotFound,
    TooManyAttempts,
    Unauthenticated,
)
from brightline.fhir.audit import audit_event
from brightline.fhir.places import directory_resources
from brightline.fhir.resources import PERSON_TYPES, PLACE_TYPES, RESOURCE_TYPES, chart_resources
from brightline.fhir.server import FHIR_JSON, capability_statement, operation_outcome, searchset
from brightline.site import Site

FHIR_PREFIX = "/fhir/R4"
STATUS: dict[type[BrightlineError], int] = {InvalidInput: 400, NotFound: 404, Forbidden: 403}
STATUS |= {Unauthenticated: 401, TooManyAttempts: 429, NotAcceptable: 406}
log = logging.getLogger("brightline.api.fhir")
SEARCH_PARAMETERS = frozenset(PERSON_PARAMETERS)
HEADERS = frozenset({"X-Purpose-Of-Use", "Accept", "Prefer"})


class FhirResponse(JSONResponse):
    """JSON as FHIR's media type."""

    media_type = FHIR_JSON


def _outcome(status: int, message: str, field: str | None = None, **headers: str) -> FhirResponse:
    return FhirResponse(operation_outcome(status, message, field), status, headers or None)


def _install_errors(app: FastAPI) -> None:
    """Every error as an OperationOutcome; never a stack trace."""

    @app.exception_handler(BrightlineError)
    def _brightline(request: Request, error: BrightlineError) -> FhirResponse:
        status = next((STATUS[k] for k in type(error).__mro__ if k in STATUS), 400)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
        return _outcome(status, error.message, _expression(request, error.field), **headers)

    @app.exception_handler(RequestValidationError)
    def _validation(request: Request, error: RequestValidationError) -> FhirResponse:
        first = error.errors()[0]
        # The only validated input is the id in the path: named as FHIRPath, <Type>.id.
        kind = str(request.path_params.get("kind", ""))
        where = f"{kind}.id" if kind in RESOURCE_TYPES else None
        return _outcome(400, str(first.get("msg", "invalid value")), where)

    @app.exception_handler(StarletteHTTPException)
    def _http(_request: Request, error: StarletteHTTPException) -> FhirResponse:
        return _outcome(error.status_code, str(error.detail))

    @app.exception_handler(Exception)
    def _unexpected(_request: Request, error: Exception) -> FhirResponse:
        log.error("unexpected error: %s", type(error).__name__, exc_info=error)
        return _outcome(500, "something went wrong on the server")


def _expression(request: Request, field: str | None) -> str | None:
    """What an issue's expression names: a search parameter or header as written, or the id
    element of the resource read (``Patient.id``); nothing else (no internal names)."""
    if field is None:
        return None
    if field in SEARCH_PARAMETERS or field in HEADERS or field in request.query_params:
        return field
    kind = str(request.path_params.get("kind", ""))
    if "fhir_id" in request.path_params and kind in RESOURCE_TYPES:
        return f"{kind}.id"
    return None


def _known(kind: str, request: Request) -> str:
    check_accept(request.headers.get("accept"))
    if kind not in RESOURCE_TYPES:
        # No expression: the fault is the URL, not an element or a parameter.
        raise NotFound(
            f"no resource type {kind[:40]!r}; this server has {', '.join(RESOURCE_TYPES)}"
        )
    return kind


def _page(
    request: Request, kind: str, found: list[dict[str, Any]], search: Search, total: int
) -> dict[str, Any]:
    """One page of a search, with self, next and previous links (``_offset``)."""
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "_offset"]

    def url(offset: int) -> str:
        return f"{base_url(request)}/{kind}?{urlencode([*query, ('_offset', str(offset))])}"

    links = {"self": url(search.offset)}
    if search.offset + search.count < total:
        links["next"] = url(search.offset + search.count)
    if search.offset > 0:
        # Past the end, the page before is the last page that holds anything.
        links["previous"] = url(max(0, min(search.offset, total) - search.count))
    return searchset(base_url(request), found, total, links)


def _person_resources(
    access: Access, kind: str, search: Search, purpose: str | None
) -> list[dict[str, Any]]:
    """The matching resources of the one person a search names (by patient or by _id)."""
    person: str | None = search.person
    asked = search.person or ""
    if person is None:
        if not search.ids:
            # Patient is searched by _id only: patient= is for the resources about one.
            ask = "_id=<id>" if kind == "Patient" else "patient=<id> or _id=<id>"
            raise InvalidInput(
                f"say whose {kind} you search: give {ask} (there is no search across people)",
                field="patient" if kind != "Patient" else "_id",
            )
        owners = {access.fhir_owner(kind, i) for i in search.ids}
        if len(owners) > 1:
            raise InvalidInput("search one patient's resources at a time", field="_id")
        person, asked = owners.pop(), search.ids[0]
    chart, directory = access.fhir_chart(person, purpose, kind=kind, asked=asked)
    return [
        r
        for r in chart_resources(chart, directory)
        if r["resourceType"] == kind
        and (not search.ids or r["id"] in search.ids)
        and search.window.holds(r)
    ]


def _search(request: Request, kind: str, caller: Caller) -> dict[str, Any]:
    params: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        params.setdefault(key, []).append(value)
    search = parse_search(kind, params, about_people=kind in PERSON_TYPES)
    with caller.access() as access:
        if kind == "AuditEvent":
            positions = [
                int(i[6:]) for i in search.ids if i.startswith("audit-") and i[6:].isdigit()
            ]
            if search.ids and not positions:
                return _page(request, kind, [], search, 0)
            total, entries = access.fhir_audit_events(
                position=positions[0] if positions else None,
                after=search.window.after,
                before=search.window.before,
                limit=search.count,
                offset=search.offset,
            )
            return _page(request, kind, [audit_event(e) for e in entries], search, total)
        if kind in PLACE_TYPES:
            found = [
                r
                for r in directory_resources(access.fhir_directory())
                if r["resourceType"] == kind
                and (not search.ids or r["id"] in search.ids)
                and search.window.holds(r)
            ]
        else:
            found = _person_resources(access, kind, search, caller.need_purpose())
    page = found[search.offset : search.offset + search.count]
    return _page(request, kind, page, search, len(found))


def _read(kind: str, fhir_id: str, caller: Caller) -> dict[str, Any]:
    missing = NotFound(f"no {kind} {fhir_id[:80]!r}", field="id")
    with caller.access() as access:
        if kind == "AuditEvent":
            position = fhir_id.removeprefix("audit-")
            if not position.isdigit():
                raise missing
            _total, entries = access.fhir_audit_events(
                position=int(position), after=None, before=None, limit=1, offset=0
            )
            if not entries:
                raise missing
            return audit_event(entries[0])
        if kind in PLACE_TYPES:
            found = directory_resources(access.fhir_directory())
        else:
            owner = access.fhir_owner(kind, fhir_id)
            purpose = caller.need_purpose()
            chart, directory = access.fhir_chart(owner, purpose, kind=kind, asked=fhir_id)
            found = iter(chart_resources(chart, directory))
        for resource in found:
            if resource["resourceType"] == kind and resource["id"] == fhir_id:
                return resource
    raise missing


def create_fhir_app(site: Site) -> FastAPI:
    """The FHIR R4 sub-application (mounted at /fhir/R4 by ``api.app.create_app``)."""
    app = FastAPI(
        title="Brightline FHIR R4",
        version=__version__,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.site = site
    _install_errors(app)

    @app.get("/metadata")
    def metadata(request: Request) -> FhirResponse:
        """The CapabilityStatement: what this server reads and searches (public)."""
        check_accept(request.headers.get("accept"))
        formats = request.query_params.getlist("_format")
        if formats:
            parse_search("CapabilityStatement", {"_format": formats}, about_people=False)
        return FhirResponse(capability_statement(__version__, site.now()))

    # Before the /{kind} routes, which would take "$export" for a resource type.
    install_bulk_data(app)

    @app.get("/{kind}")
    def search(request: Request, kind: str, caller: CallerDep) -> FhirResponse:
        """Search one resource type; a person's resources need patient= or _id=."""
        return FhirResponse(_search(request, _known(kind, request), caller))

    @app.get("/{kind}/{fhir_id}")
    def read(request: Request, kind: str, fhir_id: PathId, caller: CallerDep) -> FhirResponse:
        """Read one resource by id; out of the caller's scope reads as missing (404)."""
        formats = request.query_params.getlist("_format")
        if formats:
            parse_search(kind, {"_format": formats}, about_people=False)
        return FhirResponse(_read(_known(kind, request), fhir_id, caller))

    return app
