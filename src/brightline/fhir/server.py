"""What the FHIR server says about itself and its answers: CapabilityStatement,
OperationOutcome, searchset Bundle (FHIR R4, RESTful API)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from brightline.fhir.chart import instant
from brightline.fhir.resources import PERSON_TYPES, PLACE_TYPES

FHIR_VERSION = "4.0.1"
FHIR_JSON = "application/fhir+json"
PERSON_SEARCH = ("_id", "patient", "subject", "_lastUpdated", "_count")
SEARCH_TYPES = {"_id": "token", "patient": "reference", "subject": "reference"}
SEARCH_TYPES |= {"_lastUpdated": "date", "_count": "number"}


def _search_params(names: Sequence[str]) -> list[dict[str, str]]:
    return [{"name": name, "type": SEARCH_TYPES[name]} for name in names]


def capability_statement(software_version: str, at: datetime) -> dict[str, Any]:
    """The server's CapabilityStatement: read and search of every resource type it maps."""
    resources = []
    for kind in (*PERSON_TYPES, *PLACE_TYPES, "AuditEvent"):
        params: tuple[str, ...]
        if kind == "Patient":
            params = ("_id", "_lastUpdated", "_count")
        elif kind in PERSON_TYPES:
            params = PERSON_SEARCH
        else:
            params = ("_id", "_lastUpdated", "_count")
        resources.append(
            {
                "type": kind,
                "interaction": [{"code": "read"}, {"code": "search-type"}],
                "searchParam": _search_params(params),
            }
        )
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": instant(at),
        "kind": "instance",
        "software": {"name": "Brightline", "version": software_version},
        "implementation": {"description": "Brightline FHIR R4 read API (pseudonymous)"},
        "fhirVersion": FHIR_VERSION,
        "format": ["json"],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "description": "Bearer token from POST /api/v1/auth/token; the purpose of "
                    "use in X-Purpose-Of-Use on every read of a person's record."
                },
                "resource": resources,
            }
        ],
    }


# Issue codes of the FHIR issue-type value set, by HTTP status.
ISSUE_CODES = {400: "invalid", 401: "login", 403: "forbidden", 404: "not-found", 413: "too-costly"}


def operation_outcome(status: int, message: str, field: str | None = None) -> dict[str, Any]:
    """An error as an OperationOutcome: its issue code from the status, the message, the field."""
    issue: dict[str, Any] = {
        "severity": "error",
        "code": ISSUE_CODES.get(status, "processing" if status < 500 else "exception"),
        "diagnostics": message,
    }
    if field:
        issue["expression"] = [field]
    return {"resourceType": "OperationOutcome", "issue": [issue]}


def searchset(
    base: str,
    resources: Sequence[dict[str, Any]],
    total: int,
    links: dict[str, str],
) -> dict[str, Any]:
    """A searchset Bundle of one page of resources, with its paging links."""
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": total,
        "link": [{"relation": relation, "url": url} for relation, url in links.items()],
        "entry": [
            {
                "fullUrl": f"{base}/{r['resourceType']}/{r['id']}",
                "resource": r,
                "search": {"mode": "match"},
            }
            for r in resources
        ],
    }
