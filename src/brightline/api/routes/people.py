"""People: registration, records (with a purpose), search within one's own facility."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from brightline.access.layer import Access, PersonView
from brightline.api.deps import CallerDep, sent_as_is
from brightline.api.schemas import PersonCreate, PersonPublic, ScreeningPublic
from brightline.errors import InvalidInput
from brightline.service.places import region_by_code
from brightline.service.referrals import referral_of_screening
from brightline.store.db import checkpoint_wal
from brightline.store.models import Facility

router = APIRouter(prefix="/people", tags=["people"])


def register_from_body(access: Access, body: PersonCreate) -> tuple[PersonView, bool]:
    """Register a person at the caller's facility, living in the township given or its own."""
    facility_id = access.actor.facility_id
    if facility_id is None:
        raise InvalidInput("only facility staff register people", field="facility")
    facility = access.session.get(Facility, facility_id)
    assert facility is not None
    region_id = (
        region_by_code(access.session, body.township, field="township").id
        if body.township
        else facility.region_id
    )
    return access.register_person(body.to_input(facility_id, region_id))


@router.post("", response_model=PersonPublic, status_code=201)
def register(body: PersonCreate, caller: CallerDep) -> Response:
    """Register a person at your facility (a known national ID returns that person, 200)."""
    with caller.access() as access:
        view, created = register_from_body(access, body)
        public = PersonPublic.of(view.person, view.identifiers)
    return sent_as_is(public, status_code=201 if created else 200)


@router.get("", response_model=list[PersonPublic])
def search(
    caller: CallerDep, name: Annotated[str, Query(min_length=2, max_length=200)]
) -> list[PersonPublic]:
    """Find people of your own facility by part of their name."""
    with caller.access() as access:
        return [PersonPublic.of(v.person, v.identifiers) for v in access.search_people(name)]


@router.get("/{person_id}", response_model=PersonPublic)
def read(person_id: str, caller: CallerDep) -> Response:
    """A person's record; requires a purpose of use."""
    purpose = caller.need_purpose()
    with caller.access() as access:
        view = access.read_person(person_id, purpose)
        public = PersonPublic.of(view.person, view.identifiers)
    return sent_as_is(public)


@router.get("/{person_id}/screenings", response_model=list[ScreeningPublic])
def screenings(person_id: str, caller: CallerDep) -> list[ScreeningPublic]:
    """A person's screenings, newest first (VA history); requires a purpose of use."""
    purpose = caller.need_purpose()
    with caller.access() as access:
        return [
            ScreeningPublic.of(s, referral_of_screening(access.session, s.id))
            for s in access.screenings_of(person_id, purpose)
        ]


@router.post("/{person_id}/erase", response_model=PersonPublic)
def erase(person_id: str, caller: CallerDep) -> PersonPublic:
    """Erase a person's name, phone, national ID and address (privacy officers).

    The keys to those fields are destroyed with the ciphertexts; clinical records stay,
    pseudonymous, and the audit log still verifies.
    """
    with caller.access() as access:
        erased = PersonPublic.of(access.erase_person(person_id), None)
    checkpoint_wal(caller.site.engine)  # the WAL's copies of the wrapped key go too
    return erased
