"""People: registration, records (with a purpose), search within one's own facility."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from brightline.api.bounds import PathId
from brightline.api.deps import CallerDep, sent_as_is
from brightline.api.openapi_errors import SIGNED_IN
from brightline.api.schemas import PersonCreate, PersonPublic, ScreeningPublic

router = APIRouter(prefix="/people", tags=["people"], responses=SIGNED_IN)


@router.post("", response_model=PersonPublic, status_code=201)
def register(body: PersonCreate, caller: CallerDep) -> Response:
    """Register a person at your facility (a known national ID returns that person, 200)."""
    with caller.access() as access:
        view, created = access.register_person(body.to_input())
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
def read(person_id: PathId, caller: CallerDep) -> Response:
    """A person's record; requires a purpose of use."""
    purpose = caller.need_purpose()
    with caller.access() as access:
        view = access.read_person(person_id, purpose)
        public = PersonPublic.of(view.person, view.identifiers)
    return sent_as_is(public)


@router.get("/{person_id}/screenings", response_model=list[ScreeningPublic])
def screenings(person_id: PathId, caller: CallerDep) -> list[ScreeningPublic]:
    """A person's screenings, newest first (VA history); requires a purpose of use."""
    purpose = caller.need_purpose()
    with caller.access() as access:
        return [
            ScreeningPublic.of(view.screening, view.referral)
            for view in access.screening_history(person_id, purpose)
        ]


@router.post("/{person_id}/erase", response_model=PersonPublic)
def erase(person_id: PathId, caller: CallerDep) -> PersonPublic:
    """Erase a person's name, phone, national ID and address (privacy officers).

    The keys to those fields are destroyed with the ciphertexts; clinical records stay,
    pseudonymous, and the audit log still verifies.
    """
    with caller.access() as access:
        return PersonPublic.of(access.erase_person(person_id), None)
