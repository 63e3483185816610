"""The screener's follow-up worklist: who to phone or visit, and what each attempt found."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from brightline.access.layer import MAX_OFFSET, PAGE_SIZE, Access
from brightline.contact_records import ContactAttemptInput, WorklistFilter
from brightline.errors import BrightlineError, InvalidInput
from brightline.pathway import DECLINE_NOTE_LIMIT
from brightline.vocabulary import WORKLIST_OUTCOMES, ContactOutcome, DeclineReason
from brightline.vocabulary import values as listed
from brightline.web.forms import FieldErrors, FormDep, field_errors, optional, text
from brightline.web.render import redirect, render, signed_in_as
from brightline.web.session import csrf_protect, staff_access

router = APIRouter(prefix="/screener", dependencies=[Depends(csrf_protect)])
Sort = Literal["longest_waiting", "shortest_waiting"]


@router.get("/worklist", response_class=HTMLResponse)
def worklist(
    request: Request,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    outcome: Annotated[str, Query(max_length=32)] = "",
    sort: Sort = "longest_waiting",
) -> HTMLResponse:
    """Referred people of this clinic who have not attended: phone or visit them."""
    chosen = outcome if outcome in WORKLIST_OUTCOMES else None
    shown = WorklistFilter(outcome=chosen, longest_first=sort == "longest_waiting")
    with staff_access(request) as access:
        signed_in_as(request, access)
        page = access.worklist(offset=offset, shown=shown)
        query = urlencode({k: v for k, v in (("outcome", chosen), ("sort", sort)) if v})
        return render(
            request,
            "screener/worklist.html",
            returned=access.returned_cases(),
            page=page,
            page_size=PAGE_SIZE,
            page_query=f"{query}&",
            days=access.site.programme.worklist_not_attended_days,
            outcome=chosen or "",
            sort=sort,
            outcomes=WORKLIST_OUTCOMES,
        )


def _entry_page(
    request: Request,
    access: Access,
    referral_id: str,
    values: dict[str, str],
    errors: FieldErrors,
) -> HTMLResponse:
    entry = access.worklist_entry(referral_id)
    context: dict[str, Any] = {
        "entry": entry,
        "values": values,
        "errors": errors,
        "contact_outcomes": listed(ContactOutcome),
        "decline_reasons": listed(DeclineReason),
        "note_limit": DECLINE_NOTE_LIMIT,
        "today": access.site.today().isoformat(),
    }
    return render(request, "screener/worklist_entry.html", status=422 if errors else 200, **context)


@router.get("/worklist/{referral_id}", response_class=HTMLResponse)
def entry(request: Request, referral_id: str) -> HTMLResponse:
    """One worklist entry: who, how to reach them, every attempt so far, and the form."""
    with staff_access(request) as access:
        signed_in_as(request, access)
        return _entry_page(request, access, referral_id, {}, {})


def _day(form_value: str) -> date | None:
    if not form_value:
        return None
    try:
        return date.fromisoformat(form_value)
    except ValueError:
        raise InvalidInput(
            "write the date as YYYY-MM-DD, e.g. 2026-03-15", field="will_attend_on"
        ) from None


@router.post("/worklist/{referral_id}", response_model=None)
def record_attempt(request: Request, referral_id: str, form: FormDep) -> Response:
    """Record what a call or visit found; back to the entry, now with that attempt."""
    values = {k: text(form, k) for k in ("outcome", "will_attend_on", "decline_reason", "note")}
    try:
        with staff_access(request) as access:
            signed_in_as(request, access)
            access.record_contact_attempt(
                ContactAttemptInput(
                    referral_id=referral_id,
                    outcome=values["outcome"],
                    will_attend_on=_day(values["will_attend_on"]),
                    decline_reason=optional(form, "decline_reason"),
                    note=optional(form, "note"),
                )
            )
            return redirect(f"/screener/worklist/{referral_id}")
    except BrightlineError as exc:
        errors = field_errors(exc)
    # Nothing was recorded: the form again, with what was typed and the error beside its field.
    with staff_access(request) as access:
        signed_in_as(request, access)
        return _entry_page(request, access, referral_id, values, errors)
