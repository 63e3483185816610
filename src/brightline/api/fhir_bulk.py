"""FHIR Bulk Data Access (v2) at /fhir/R4: the asynchronous ``$export``, system and Patient.

Kick-off (``GET $export`` or ``GET Patient/$export`` with ``Prefer: respond-async``) answers
202 with the status URL in ``Content-Location``; the status answers 202 with ``X-Progress``
while the job runs, then 200 with the manifest; each output file is served as
``application/fhir+ndjson`` to the account that asked; ``DELETE`` on the status URL cancels
the job and removes its files. The export is ``brightline export fhir``'s, through the
access layer: the policy action ``records.export``, one audit entry per person exported.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, Response

from brightline.access.export_jobs import DONE, FAILED, ExportJob
from brightline.access.fhir_export import ALL_TYPES, ExportAsk
from brightline.api.deps import CallerDep
from brightline.api.fhir_search import MAX_VALUE_LENGTH, check_accept
from brightline.errors import InvalidInput, NotFound
from brightline.fhir.chart import instant
from brightline.fhir.resources import PERSON_TYPES
from brightline.fhir.server import FHIR_JSON, operation_outcome

NDJSON = "application/fhir+ndjson"
KICK_OFF_PARAMETERS = ("_since", "_type", "_outputFormat")
OUTPUT_FORMATS = ("application/fhir+ndjson", "application/ndjson", "ndjson")
STATUS_PATH = "/$export-status"
FILE_PATH = "/$export-file"
# How long a client should wait between polls while a job runs (seconds).
RETRY_AFTER = "2"


def base_url(request: Request) -> str:
    """The FHIR base URL the request came to (absolute, as Bulk Data's URLs must be)."""
    return f"{request.url.scheme}://{request.url.netloc}{request.scope.get('root_path', '')}"


def _informational(message: str) -> dict[str, Any]:
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "information", "code": "informational", "diagnostics": message}],
    }


def _respond_async(prefer: str | None) -> None:
    """Bulk Data's kick-off must ask for the asynchronous pattern (``Prefer: respond-async``)."""
    tokens = [part.strip().lower() for part in (prefer or "").replace(";", ",").split(",")]
    if "respond-async" not in tokens:
        raise InvalidInput(
            "a bulk export runs asynchronously: send 'Prefer: respond-async'", field="Prefer"
        )


def _since(values: Sequence[str]) -> datetime | None:
    """``_since``: one FHIR instant (a time with its zone), as naive UTC."""
    if not values:
        return None
    if len(values) > 1:
        raise InvalidInput("give _since once", field="_since")
    text = values[0]
    try:
        if "T" not in text:
            raise ValueError(text)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            raise ValueError(text)
    except ValueError:
        raise InvalidInput(
            f"_since {text[:MAX_VALUE_LENGTH]!r} is not a FHIR instant: write "
            "YYYY-MM-DDThh:mm:ssZ (or with its offset, +08:00)",
            field="_since",
        ) from None
    return moment.astimezone(UTC).replace(tzinfo=None)


def _types(values: Sequence[str], offered: tuple[str, ...]) -> tuple[str, ...]:
    """``_type``: resource types, comma-separated and repeatable; all offered when absent."""
    asked = [kind.strip() for value in values for kind in value.split(",") if kind.strip()]
    unknown = [kind for kind in asked if kind not in offered]
    if unknown:
        raise InvalidInput(
            f"_type {unknown[0][:MAX_VALUE_LENGTH]!r} is not exported here; valid types: "
            f"{', '.join(offered)}",
            field="_type",
        )
    return tuple(kind for kind in offered if kind in asked) if asked else offered


def parse_kick_off(request: Request, offered: tuple[str, ...], purpose: str) -> ExportAsk:
    """What a kick-off asks for, or the first thing wrong with it (named)."""
    _respond_async(request.headers.get("prefer"))
    check_accept(request.headers.get("accept"))
    params: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        params.setdefault(key, []).append(value)
    for name in params:
        if name not in KICK_OFF_PARAMETERS:
            raise InvalidInput(
                f"{name[:MAX_VALUE_LENGTH]!r} is not a parameter of $export here; valid: "
                f"{', '.join(KICK_OFF_PARAMETERS)}",
                field=name,
            )
    for output_format in params.get("_outputFormat", []):
        if output_format not in OUTPUT_FORMATS:
            raise InvalidInput(
                f"_outputFormat {output_format[:MAX_VALUE_LENGTH]!r} is not offered; valid: "
                f"{', '.join(OUTPUT_FORMATS)}",
                field="_outputFormat",
            )
    since = _since(params.get("_since", []))
    return ExportAsk(since=since, types=_types(params.get("_type", []), offered), purpose=purpose)


def manifest(job: ExportJob, base: str) -> dict[str, Any]:
    """The Bulk Data manifest of a finished job: absolute URLs, one output per file."""
    at = datetime.fromisoformat(job.transaction_time or job.requested_at)
    return {
        "transactionTime": instant(at),
        "request": job.request,
        "requiresAccessToken": True,
        "output": [
            {"type": kind, "url": f"{base}{FILE_PATH}/{job.id}/{kind}.ndjson", "count": count}
            for kind, count in job.output
        ],
        "error": [],
    }


def _status(job: ExportJob, base: str) -> Response:
    if job.state == FAILED:
        outcome = operation_outcome(500, f"the export failed: {job.message}")
        return JSONResponse(outcome, 500, media_type=FHIR_JSON)
    if job.state != DONE:
        progress = f"{job.people_done} of {job.people_total} people read"
        headers = {"X-Progress": progress, "Retry-After": RETRY_AFTER}
        return Response(status_code=202, headers=headers)
    expires = datetime.fromisoformat(job.expires_at or job.requested_at).replace(tzinfo=UTC)
    headers = {"Expires": format_datetime(expires, usegmt=True)}
    return JSONResponse(manifest(job, base), 200, headers=headers, media_type="application/json")


def install_bulk_data(app: FastAPI) -> None:
    """Add the ``$export`` routes to the FHIR app (before its ``/{kind}`` routes)."""

    def kick_off(request: Request, caller: CallerDep, offered: tuple[str, ...]) -> Response:
        ask = parse_kick_off(request, offered, caller.need_purpose())
        with caller.access() as access:
            job = access.fhir_export_start(str(request.url), ask)
        location = f"{base_url(request)}{STATUS_PATH}/{job.id}"
        body = _informational(f"export started; poll {location}")
        return JSONResponse(body, 202, {"Content-Location": location}, media_type=FHIR_JSON)

    @app.get("/$export")
    def system_export(request: Request, caller: CallerDep) -> Response:
        """Kick off an export of every person's resources and the places."""
        return kick_off(request, caller, ALL_TYPES)

    @app.get("/Patient/$export")
    def patient_export(request: Request, caller: CallerDep) -> Response:
        """Kick off an export of every patient's resources (the Patient compartment)."""
        return kick_off(request, caller, PERSON_TYPES)

    @app.get(STATUS_PATH + "/{job_id}")
    def export_status(request: Request, job_id: str, caller: CallerDep) -> Response:
        """202 with X-Progress while the job runs; 200 with the manifest once done."""
        with caller.access() as access:
            job = access.fhir_export_job(job_id)
        return _status(job, base_url(request))

    @app.delete(STATUS_PATH + "/{job_id}")
    def export_cancel(job_id: str, caller: CallerDep) -> Response:
        """Cancel the job and remove its files."""
        with caller.access() as access:
            access.fhir_export_cancel(job_id)
        body = _informational("export cancelled; its files are removed")
        return JSONResponse(body, 202, media_type=FHIR_JSON)

    @app.get(FILE_PATH + "/{job_id}/{file_name}")
    def export_file(job_id: str, file_name: str, caller: CallerDep) -> Response:
        """One output file of a finished job, as NDJSON."""
        kind = file_name.removesuffix(".ndjson")
        if kind == file_name:
            raise NotFound(f"no file {file_name[:MAX_VALUE_LENGTH]!r}", field="file")
        with caller.access() as access:
            found = access.fhir_export_file(job_id, kind)
        return FileResponse(found.path, media_type=NDJSON)
