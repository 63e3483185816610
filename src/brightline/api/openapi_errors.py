"""The error answers of the API's routes, declared in the OpenAPI with the one error schema.

A client generated from the OpenAPI then knows every status it can get and its body
(``ErrorBody``); schemathesis checks the running API against exactly these declarations.
Routers declare them (FastAPI merges a router's ``responses`` into each of its routes).
"""

from __future__ import annotations

from typing import Any

from brightline.api.schemas import ErrorBody

WHY = {
    400: "The purpose of use is missing (X-Purpose-Of-Use).",
    401: "Not signed in: the bearer token is missing, expired or revoked.",
    403: "The caller's role may never do this.",
    404: "No such record, or none the caller may see (the two answers are the same).",
    409: "The record conflicts with one already stored (e.g. a client id already used).",
    413: "The request body is larger than this endpoint accepts.",
    422: "A value is not valid; `field` names it.",
    429: "Too many failed attempts; try again after Retry-After seconds.",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for these error statuses, each with the ``ErrorBody`` schema."""
    return {status: {"model": ErrorBody, "description": WHY[status]} for status in statuses}


def errors_beside(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The same for a route whose success is not JSON (a photo, a signed note): FastAPI would
    file a ``model`` under the route's own media type, so the JSON schema is named here."""
    schema = {"$ref": "#/components/schemas/ErrorBody"}  # listed by every other route
    return {
        status: {"description": WHY[status], "content": {"application/json": {"schema": schema}}}
        for status in statuses
    }


# Every route that needs a signed-in caller can answer these.
SIGNED_IN = errors(400, 401, 403, 404, 409, 413, 422)
# Public routes that check a secret (and are throttled).
THROTTLED = errors(401, 413, 422, 429)
# Public routes that only read.
PUBLIC = errors(404, 422)
