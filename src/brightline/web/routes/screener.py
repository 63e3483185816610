"""Screener pages: find or register a person, screen them, triage, referral slip (the
follow-up worklist is :mod:`brightline.web.routes.worklist`)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import segno
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from starlette.datastructures import FormData

from brightline.access.layer import Access
from brightline.errors import BrightlineError, InvalidInput
from brightline.problems import birth_year_of
from brightline.records import (
    PersonInput,
    RecordedScreening,
    ReferralSlip,
    ScreeningInput,
)
from brightline.vocabulary import Eye, LensStatus, Symptom, Untestable
from brightline.vocabulary import values as listed
from brightline.web.error_words import worded
from brightline.web.forms import (
    FormDep,
    field_errors,
    files,
    optional,
    text,
)
from brightline.web.render import formats, redirect, render, signed_in_as
from brightline.web.session import csrf_protect, site_of, staff_access

router = APIRouter(prefix="/screener", dependencies=[Depends(csrf_protect)])
COMMON_VA = ("6/6", "6/9", "6/12", "6/18", "6/24", "6/36", "6/60", "3/60", "1/60")
OFF_CHART_VA = ("CF", "HM", "LP", "NLP")
VA_FIELDS = ("right_presenting_va", "left_presenting_va", "right_pinhole_va", "left_pinhole_va")
PHOTO_LIMIT = 4


def _at_the_clinic(access: Access) -> None:
    """These pages are the screening clinic's: other roles get the forbidden page (the policy
    decides, through the action a clinic's screener holds), even for a record they may read."""
    access.require_general("person.create")


def qr_svg(code: str) -> Markup:
    """The referral code as a QR code, inline SVG (no script, no external image)."""
    svg = segno.make(code, error="m").svg_inline(scale=4, dark="#000", light="#fff", omitsize=True)
    return Markup(svg)  # noqa: S704 - segno's own SVG of a code we generated


@router.get("", response_class=HTMLResponse)
def home(request: Request, name: Annotated[str, Query(max_length=200)] = "") -> HTMLResponse:
    """Find a person of this clinic by name, or register a new one."""
    found, error = None, None
    with staff_access(request) as access:
        access.require_general("person.create")
        signed_in_as(request, access)
        if name:
            try:
                found = access.search_people(name)
            except InvalidInput as exc:
                error = worded(exc.message, formats(request).gettext)
        return render(request, "screener/home.html", name=name, found=found, error=error)


@router.get("/register", response_class=HTMLResponse)
def register_form(request: Request) -> HTMLResponse:
    """The registration form."""
    with staff_access(request) as access:
        access.require_general("person.create")
        signed_in_as(request, access)
    return render(request, "screener/register.html", values={}, errors={})


@router.post("/register", response_model=None)
def register(request: Request, form: FormDep) -> Response:
    """Register a person at this clinic (a known national ID opens that person instead)."""
    values = {k: text(form, k) for k in ("name", "phone", "national_id", "address", "sex")}
    values["birth_year"], values["age"] = text(form, "birth_year"), text(form, "age")
    try:
        with staff_access(request) as access:
            signed_in_as(request, access)
            view, created = access.register_person(
                PersonInput(
                    sex=values["sex"],
                    birth_year=birth_year_of(
                        values["birth_year"], values["age"], access.site.today()
                    ),
                    name=optional(form, "name"),
                    phone=optional(form, "phone"),
                    national_id=optional(form, "national_id"),
                    address=optional(form, "address"),
                )
            )
            known = "" if created else "?known=national_id"
            return redirect(f"/screener/people/{view.person.id}{known}")
    except BrightlineError as exc:
        errors = field_errors(exc)
    return render(request, "screener/register.html", status=422, values=values, errors=errors)


def _person_page(access: Access, person_id: str) -> dict[str, Any]:
    view = access.read_person(person_id, "treatment")
    return {
        "view": view,
        "history": access.screening_history(person_id, "treatment"),
        "corrections": access.correction_history(person_id, "treatment"),
        "facility_id": access.actor.facility_id,
    }


@router.get("/people/{person_id}", response_class=HTMLResponse)
def person(
    request: Request, person_id: str, known: Annotated[str, Query(max_length=20)] = ""
) -> HTMLResponse:
    """A person of this clinic: details and screenings (purpose: treatment); ``known`` says
    the registration form found them by their national ID."""
    with staff_access(request) as access:
        _at_the_clinic(access)
        signed_in_as(request, access)
        page = _person_page(access, person_id)
        return render(request, "screener/person.html", known=known == "national_id", **page)


def _screening_form(
    request: Request, access: Access, person_id: str, values: dict[str, Any], errors: Any
) -> HTMLResponse:
    view = access.read_person(person_id, "treatment")
    return render(
        request,
        "screener/screen.html",
        status=422 if errors else 200,
        view=view,
        values=values,
        errors=errors,
        common_va=COMMON_VA,
        off_chart_va=OFF_CHART_VA,
        lens_statuses=listed(LensStatus),
        symptoms=listed(Symptom),
        untestable=listed(Untestable),
    )


@router.get("/people/{person_id}/screen", response_class=HTMLResponse)
def screening_form(request: Request, person_id: str) -> HTMLResponse:
    """The screening form: VA per eye in any notation, pinhole, lens, symptoms, photos."""
    with staff_access(request) as access:
        _at_the_clinic(access)
        signed_in_as(request, access)
        values = {"symptoms": [], "screening_id": str(uuid.uuid4())}
        return _screening_form(request, access, person_id, values, {})


def _form_screening_id(form: FormData) -> str:
    """The id the form was given when it was drawn, so a form sent twice is recorded once."""
    written = text(form, "screening_id")
    try:
        return str(uuid.UUID(written))
    except ValueError:
        return str(uuid.uuid4())


@router.post("/people/{person_id}/screen", response_model=None)
def record(request: Request, person_id: str, form: FormDep) -> Response:
    """Record the screening, attach photos, and show triage and the referral slip."""
    values: dict[str, Any] = {name: text(form, name) for name in (*VA_FIELDS, "right_lens")}
    values["left_lens"] = text(form, "left_lens")
    for eye in listed(Eye):
        values[f"{eye}_untestable"] = text(form, f"{eye}_untestable")
    values["symptoms"] = [s for s in form.getlist("symptoms") if isinstance(s, str)]
    values["screening_id"] = screening_id = _form_screening_id(form)
    # The service checks the findings whole (every VA, each eye measured or untestable).
    errors: dict[str, Any] = {}
    photos = {eye: files(form, f"photo_{eye}") for eye in listed(Eye)}
    if sum(len(p) for p in photos.values()) > PHOTO_LIMIT:
        errors["photo_right"] = f"at most {PHOTO_LIMIT} photos per screening"
    if not errors:
        try:
            with staff_access(request) as access:
                signed_in_as(request, access)
                _at_the_clinic(access)
                again = access.recorded_before(screening_id)
                if again is not None:
                    return _result(request, again, status=200, again=True)
                recorded = access.record_screening(
                    ScreeningInput.from_written(
                        person_id,
                        access.site.now(),
                        values,
                        tuple(values["symptoms"]),
                        id=screening_id,
                    ),
                    with_slip=True,
                )
                for eye, chosen in photos.items():
                    for upload in chosen:
                        try:
                            access.add_photo(
                                screening_id,
                                upload.file.read(access.site.settings.image_max_bytes + 1),
                                declared_type=upload.content_type,
                                eye=eye,
                            )
                        except InvalidInput as exc:
                            raise InvalidInput(exc.message, field=f"photo_{eye}") from exc
                return _result(request, recorded, status=201, again=False)
        except BrightlineError as exc:
            errors = field_errors(exc)
    with staff_access(request) as access:
        signed_in_as(request, access)
        return _screening_form(request, access, person_id, values, errors)


def _result(
    request: Request, recorded: RecordedScreening, *, status: int, again: bool
) -> HTMLResponse:
    """The triage result and the slip; ``again``: the form had been recorded before."""
    return render(
        request,
        "screener/result.html",
        status=status,
        view=recorded.person,
        screening=recorded.screening,
        referral=recorded.referral,
        slip=_slip(recorded.slip, request) if recorded.slip else None,
        again=again,
        attached=recorded.attached,
    )


def report_address(request: Request) -> str:
    """The full address of the patient's access report: the public base URL, else this site."""
    base = site_of(request).settings.public_base_url or str(request.base_url)
    return base.rstrip("/") + "/patient"


def _slip(slip: ReferralSlip, request: Request) -> dict[str, Any]:
    """What the referral slip shows: code, QR, where to go, who, and the PIN when just issued,
    with the access report's full address and a QR code of it (the code filled in)."""
    address = report_address(request)
    return {
        "referral": slip.referral,
        "view": slip.person,
        "facility": slip.facility_name,
        "qr": qr_svg(slip.referral.code),
        "pin": slip.access_pin,
        "report_url": address,
        # The code only, never the PIN: a link is kept in browser histories and server logs.
        "report_qr": qr_svg(f"{address}?code={slip.referral.code}"),
    }


@router.get("/referrals/{referral_id}/slip", response_class=HTMLResponse)
def slip(request: Request, referral_id: str) -> HTMLResponse:
    """Reprint a referral slip (the PIN was shown once; a new one can be issued)."""
    with staff_access(request) as access:
        _at_the_clinic(access)
        signed_in_as(request, access)
        slip = access.referral_slip(referral_id)
        return render(request, "screener/slip_page.html", slip=_slip(slip, request))


@router.post("/referrals/{referral_id}/pin", response_class=HTMLResponse)
def new_pin(request: Request, referral_id: str) -> HTMLResponse:
    """Issue a new patient PIN for a reprinted slip; the old PIN stops working."""
    with staff_access(request) as access:
        _at_the_clinic(access)
        signed_in_as(request, access)
        slip = access.referral_slip(referral_id, new_pin=True)
        return render(request, "screener/slip_page.html", slip=_slip(slip, request))
