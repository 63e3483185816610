"""The theatre forms of the centre's patient page: an operation as the theatre register
keeps it, an eye not operated with the reason, and follow-up VA with both outcomes."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from brightline.errors import BrightlineError, InvalidInput
from brightline.records import FollowUpInput, SurgeryInput
from brightline.theatre_records import NotOperatedInput
from brightline.web.forms import FormDep, optional, text
from brightline.web.render import redirect
from brightline.web.routes.centre_page import form_date, retry
from brightline.web.session import staff_access

router = APIRouter()
SURGERY_FIELDS = (
    "eye",
    "operated_on",
    "technique",
    "surgeon_id",
    "anaesthesia",
    "iol",
    "iol_power",
    "iol_position",
    "complication_note",
)


def _number(form: FormData, name: str, kind: type[int] | type[float]) -> int | float | None:
    """A number field, or None when empty; a typed non-number names the field."""
    typed = text(form, name)
    if not typed:
        return None
    try:
        return kind(typed)
    except ValueError:
        raise InvalidInput(f"{typed[:20]!r} is not a number", field=name) from None


def _surgery(referral_id: str, form: FormData) -> SurgeryInput:
    """The operation as the form sent it (the service checks every field)."""
    surgeon = _number(form, "surgeon_id", int)
    power = _number(form, "iol_power", float)
    iol = text(form, "iol") != "no"
    return SurgeryInput(
        referral_id=referral_id,
        eye=text(form, "eye"),
        operated_on=form_date(form, "operated_on"),
        technique=text(form, "technique"),
        iol=iol,
        iol_power=power if iol else None,
        iol_position=optional(form, "iol_position") if iol else None,
        anaesthesia=optional(form, "anaesthesia"),
        complications=tuple(str(c) for c in form.getlist("complications")),
        complication_note=text(form, "complication_note"),
        surgeon_id=int(surgeon) if surgeon is not None else None,
    )


@router.post("/referrals/{referral_id}/surgery", response_model=None)
def operate(request: Request, referral_id: str, form: FormDep) -> Response:
    """An operation on one eye at this centre."""
    values: dict[str, object] = {k: text(form, k) for k in SURGERY_FIELDS}
    values["complications"] = [str(c) for c in form.getlist("complications")]
    try:
        with staff_access(request) as access:
            access.record_surgery(_surgery(referral_id, form))
    except BrightlineError as exc:
        return retry(request, referral_id, exc, values)
    return redirect(f"/centre/referrals/{referral_id}")


@router.post("/referrals/{referral_id}/not-operated", response_model=None)
def not_operated(request: Request, referral_id: str, form: FormDep) -> Response:
    """The patient came for an operation on this eye and was not operated, and why."""
    values = {f"no_{k}": text(form, k) for k in ("eye", "decided_on", "reason", "note")}
    try:
        with staff_access(request) as access:
            access.record_not_operated(
                NotOperatedInput(
                    referral_id=referral_id,
                    eye=text(form, "eye"),
                    decided_on=form_date(form, "decided_on", default=access.site.today()),
                    reason=text(form, "reason"),
                    note=text(form, "note"),
                )
            )
    except BrightlineError as exc:
        if exc.field in ("eye", "reason", "note", "decided_on"):
            exc.field = f"no_{exc.field}"
        return retry(request, referral_id, exc, values)
    return redirect(f"/centre/referrals/{referral_id}#not-operated")


@router.post("/surgeries/{surgery_id}/follow-up", response_model=None)
def follow_up(request: Request, surgery_id: str, form: FormDep) -> Response:
    """Follow-up VA of an operated eye; both outcome categories are shown on the next page."""
    referral_id = text(form, "referral_id")
    values = {k: text(form, k) for k in ("examined_on", "presenting_va", "best_corrected_va")}
    values["surgery_id"] = surgery_id
    try:
        with staff_access(request) as access:
            recorded = access.record_follow_up(
                FollowUpInput(
                    surgery_id=surgery_id,
                    examined_on=form_date(form, "examined_on"),
                    presenting_va=values["presenting_va"],
                    best_corrected_va=optional(form, "best_corrected_va"),
                )
            )
            saved = recorded.id
    except BrightlineError as exc:
        return retry(request, referral_id, exc, values)
    return redirect(f"/centre/referrals/{referral_id}?saved={saved}#surgery-{surgery_id}")
