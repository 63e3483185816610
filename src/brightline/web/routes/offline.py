"""The offline screener app: its shell, service worker, manifest, rule file and sync endpoints.

The app (``static/offline/``) keeps records on the device and sends them when a connection
returns. It authenticates like every web page, with the session cookie, and proves each POST
with the session's CSRF token in the ``X-CSRF-Token`` header; the records go through the same
access-layer calls as the API's ``/api/v1/sync`` (one transaction and one audit entry each).
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from pydantic import Field

from brightline.access.layer import Access, acting_as
from brightline.api.bounds import ClientId
from brightline.api.routes.sync import SyncRecord, SyncResult, apply_with
from brightline.api.schemas import Strict
from brightline.device_rules import device_rules
from brightline.errors import BrightlineError, Forbidden, InvalidInput, Unauthenticated
from brightline.problems import catalogue, problems_of
from brightline.vocabulary import LensStatus, Sex, Symptom, Untestable
from brightline.vocabulary import values as listed
from brightline.web import offline_words, words
from brightline.web.i18n import reason_catalogue
from brightline.web.render import formats, render, signed_in_as
from brightline.web.session import (
    SESSION_COOKIE,
    SignInNeeded,
    csrf_token,
    site_of,
    staff_access,
)

router = APIRouter(prefix="/screener/app")
STATIC = Path(__file__).resolve().parents[1] / "static" / "offline"
APP_KINDS = ("person", "screening")
MAX_APP_BATCH = 50
CSRF_HEADER = "X-CSRF-Token"
APP_NAME = offline_words.WORDS["app_name"]


class AppRecord(Strict):
    uuid: ClientId
    kind: Literal["person", "screening"]
    data: dict[str, Any]


class AppBatch(Strict):
    records: Annotated[list[AppRecord], Field(max_length=MAX_APP_BATCH)]


def _refusal(status: int, reason: str) -> JSONResponse:
    """A JSON answer the app acts on (sign in again, reload), never an HTML page."""
    return JSONResponse(
        {"error": reason}, status_code=status, headers={"Cache-Control": "no-store"}
    )


def _csrf_ok(request: Request) -> bool:
    """The session's own CSRF token in the header: another site can neither read nor forge it."""
    secret = request.cookies.get(SESSION_COOKIE)
    sent = request.headers.get(CSRF_HEADER)
    if not secret or not sent:
        return False
    return hmac.compare_digest(sent.encode(), csrf_token(secret).encode())


@contextmanager
def _screener(request: Request) -> Iterator[Access]:
    """The signed-in screener's access, one transaction; only a clinic's screener may use it.

    An ended session is ``SignInNeeded`` (never a rejected record: the device keeps it);
    every other refusal stays the access layer's error, reported against the record.
    """
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise SignInNeeded(request.url.path)
    try:
        with acting_as(site_of(request), token) as access:
            access.require_general("person.create")
            yield access
    except Unauthenticated as exc:
        raise SignInNeeded(request.url.path) from exc


@router.get("/", response_class=HTMLResponse)
def shell(request: Request) -> HTMLResponse:
    """The app's one page: forms, queue and words; no personal data, so the device may keep it."""
    with staff_access(request) as access:
        access.require_general("person.create")
        signed_in_as(request, access)
        account = access.account().username
    fmt = formats(request)
    texts = {key: fmt.gettext(text) for key, text in offline_words.WORDS.items()}
    config = {
        "words": texts,
        "reasons": reason_catalogue()[fmt.language],
        "lens_statuses": {code: fmt.gettext(words.LENS[code]) for code in listed(LensStatus)},
        "symptoms": {code: fmt.gettext(words.SYMPTOM[code]) for code in listed(Symptom)},
        "sex": {code: fmt.gettext(words.SEX[code]) for code in listed(Sex)},
        "untestable": {code: fmt.gettext(words.UNTESTABLE[code]) for code in listed(Untestable)},
        # The server's problem wordings, so the device refuses a form in the same words.
        "problems": catalogue(fmt.gettext),
        "decisions": {code: fmt.gettext(t) for code, t in words.DECISION.items()},
        "warn_days": site_of(request).settings.offline_warn_days,
        # Whose records the device shows and sends (a staff username, no personal data).
        "account": account,
    }
    response = render(request, "screener/app.html", config=config)
    # The service worker stores the shell for offline use; no other cache may.
    response.headers["Cache-Control"] = "no-cache, private"
    return response


@router.get("/rules.json")
def rules(request: Request) -> JSONResponse:
    """The programme's triage rules and the VA parser's limits, with the rule version."""
    with staff_access(request) as access:
        access.require_general("person.create")
    exported = device_rules(site_of(request).programme.triage)
    return JSONResponse(exported, headers={"Cache-Control": "no-cache, private"})


@router.get("/session")
def session(request: Request) -> JSONResponse:
    """Who is signed in and this session's CSRF token; 401 when the session has ended."""
    try:
        with _screener(request) as access:
            username = access.account().username
    except SignInNeeded:
        return _refusal(401, "sign in again")
    except Forbidden:
        return _refusal(403, "only a clinic's screener may use the app")
    token = csrf_token(request.cookies[SESSION_COOKIE])
    return JSONResponse(
        {"username": username, "csrf": token}, headers={"Cache-Control": "no-store"}
    )


@router.get("/sw.js")
def service_worker() -> FileResponse:
    """The service worker, served from the app's own path so its scope is the app."""
    return FileResponse(
        STATIC / "sw.js",
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache"},
    )


@router.get("/manifest.webmanifest")
def manifest(request: Request) -> JSONResponse:
    """The web app manifest: installable from the browser, opens on the app's page."""
    fmt = formats(request)
    body = {
        "name": fmt.gettext(APP_NAME),
        "short_name": "Brightline",
        "start_url": "/screener/app/",
        "scope": "/screener/app/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#1d4e89",
        "icons": [{"src": "/static/offline/icon.svg", "sizes": "any", "type": "image/svg+xml"}],
    }
    return JSONResponse(body, media_type="application/manifest+json")


def _server_outcome(access: Access, result: SyncResult) -> dict[str, Any]:
    """The server's triage and referral of an applied screening, to confirm the device's."""
    recorded = access.recorded_before(result.id or "")
    if recorded is None:
        return {}
    screening, referral = recorded.screening, recorded.referral
    return {
        "decision": screening.triage_decision,
        "rule_version": screening.triage_rule_version,
        "reasons": [{"code": r.code, **r.parameters} for r in recorded.triage_reasons],
        "referral": {"id": referral.id, "code": referral.code} if referral else None,
        # The person's open referral took these findings: no new referral, slip or PIN.
        "attached_referral_id": screening.attached_referral_id,
    }


def _apply(request: Request, record: AppRecord) -> dict[str, Any]:
    """One record through the same path as ``/api/v1/sync``; a screening with the server's say."""
    result = apply_with(
        lambda: _screener(request), SyncRecord(uuid=record.uuid, kind=record.kind, data=record.data)
    )
    answer = result.model_dump()
    if result.status == "applied" and record.kind == "screening":
        with _screener(request) as access:
            answer["server"] = _server_outcome(access, result)
    return answer


@router.post("/sync")
def sync(request: Request, batch: AppBatch) -> JSONResponse:
    """Apply the device's records in order, each on its own; re-sending changes nothing."""
    try:
        with _screener(request):
            pass  # an ended session refuses the whole batch, so the device keeps every record
        if not _csrf_ok(request):
            return _refusal(403, "reload the app: the form token is not this session's")
        answers = [_apply(request, record) for record in batch.records]
    except SignInNeeded:
        return _refusal(401, "sign in again")
    except Forbidden:
        return _refusal(403, "only a clinic's screener may use the app")
    return JSONResponse(answers, headers={"Cache-Control": "no-store"})


@router.post("/photos")
def photo(
    request: Request,
    uuid: Annotated[ClientId, Form()],
    screening_id: Annotated[str, Form(max_length=64)],
    image: Annotated[UploadFile, File()],
    eye: Annotated[str | None, Form()] = None,
) -> JSONResponse:
    """One eye photo of a screening the server has accepted; sent twice, stored once."""
    if not _csrf_ok(request):
        return _refusal(403, "reload the app: the form token is not this session's")
    limit = site_of(request).settings.image_max_bytes
    data = image.file.read(limit + 1)
    try:
        if len(data) > limit:
            raise InvalidInput(f"the image is larger than {limit} bytes", field="image")
        with _screener(request) as access:
            photo_id = access.add_device_photo(
                uuid, screening_id, data, declared_type=image.content_type, eye=eye or None
            )
    except SignInNeeded:
        return _refusal(401, "sign in again")
    except BrightlineError as error:
        refused = {
            "message": error.message,
            "field": error.field,
            # Coded, so the app words each problem in the screener's language.
            "problems": [
                {"field": p.field, "code": p.code, "parameters": dict(p.parameters)}
                for p in problems_of(error, "image")
            ],
        }
        body = {"status": "rejected", "error": refused}
        return JSONResponse(body, status_code=422)
    return JSONResponse({"status": "applied", "id": photo_id}, status_code=201)
