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
PERSON_SEARCH = ("_id", "patient", "subject", "_lastUpdated", "_count", "_offset")
OTHER_SEARCH = ("_id", "_lastUpdated", "_count", "_offset")
SEARCH_TYPES = {"_id": "token", "patient": "reference", "subject": "reference"}
SEARCH_TYPES |= {"_lastUpdated": "date", "_count": "number", "_offset": "number"}
SEARCH_DOCUMENTATION = {
    "_count": "page size, 1 to 100 (default 20), given once",
    "_offset": "where the page starts in the result (0 first), given once; the paging links "
    "carry it",
    "_lastUpdated": "[eq|ge|gt|le|lt]YYYY[-MM[-DD[Thh:mm:ss(Z|+hh:mm)]]]; a time needs its zone",
}


def _search_params(names: Sequence[str]) -> list[dict[str, str]]:
    params = []
    for name in names:
        param = {"name": name, "type": SEARCH_TYPES[name]}
        if name in SEARCH_DOCUMENTATION:
            param["documentation"] = SEARCH_DOCUMENTATION[name]
        params.append(param)
    return params


BULK_DATA = "http://hl7.org/fhir/uv/bulkdata"
# Bulk Data Access v2: the system-level and Patient-level $export operations.
SYSTEM_EXPORT = {"name": "export", "definition": f"{BULK_DATA}/OperationDefinition/export"}
PATIENT_EXPORT = {
    "name": "export",
    "definition": f"{BULK_DATA}/OperationDefinition/patient-export",
}


def capability_statement(software_version: str, at: datetime) -> dict[str, Any]:
    """The server's CapabilityStatement: read and search of every resource type it maps, and
    the Bulk Data $export (system and Patient level)."""
    resources = []
    for kind in (*PERSON_TYPES, *PLACE_TYPES, "AuditEvent"):
        params: tuple[str, ...]
        params = PERSON_SEARCH if kind in PERSON_TYPES and kind != "Patient" else OTHER_SEARCH
        resource: dict[str, Any] = {
            "type": kind,
            "interaction": [{"code": "read"}, {"code": "search-type"}],
            "searchParam": _search_params(params),
        }
        if kind == "Patient":
            resource["operation"] = [PATIENT_EXPORT]
        resources.append(resource)
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": instant(at),
        "kind": "instance",
        "software": {"name": "Brightline", "version": software_version},
        "implementation": {"description": "Brightline FHIR R4 read API (pseudonymous)"},
        "instantiates": [f"{BULK_DATA}/CapabilityStatement/bulk-data"],
        "fhirVersion": FHIR_VERSION,
        "format": ["json"],  # _format=xml or Accept: application/fhir+xml answers 406
        "rest": [
            {
                "mode": "server",
                "security": {
                    "description": "Bearer token from POST /api/v1/auth/token; the purpose of "
                    "use in X-Purpose-Of-Use on every read of a person's record. $export: "
                    "administrators (records.export), Prefer: respond-async."
                },
                "resource": resources,
                "operation": [SYSTEM_EXPORT],
            }
        ],
    }


# Issue codes of the FHIR issue-type value set, by HTTP status.
ISSUE_CODES = {400: "invalid", 401: "login", 403: "forbidden", 404: "not-found", 413: "too-costly"}
ISSUE_CODES |= {405: "not-supported", 406: "not-supported"}


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
