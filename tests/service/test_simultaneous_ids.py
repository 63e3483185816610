"""Two transactions storing a record with the same new id at the same moment: a 409, not a 500.

On PostgreSQL the id check of ``service/claims`` cannot see the other transaction's row until
it commits; the unique index then refuses the second insert, and the transaction answers that
as a conflict to send again. (SQLite takes the write lock at BEGIN, so the check always sees it.)
"""

from __future__ import annotations

import threading
import time
import uuid
from datetime import date

import pytest
from sqlalchemy import func, select, text

from brightline.errors import Conflict
from brightline.records import PersonInput
from brightline.service.people import register_person
from brightline.site import Site
from brightline.store.models import Person
from tests.conftest import World


def _person(world: World, person_id: str, national_id: str | None = None) -> PersonInput:
    return PersonInput(
        id=person_id,
        facility_id=world.clinic_a,
        region_id=world.township_a,
        sex="female",
        birth_year=1950,
        name="Ma Long",
        national_id=national_id,
    )


def _waiting_for_a_lock(site: Site) -> bool:
    with site.engine.connect() as connection:
        waiting = connection.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        )
    return bool(waiting)


@pytest.mark.parametrize("clash", ["id", "national ID"])
def test_the_second_of_two_simultaneous_inserts_is_a_conflict(
    site: Site, world: World, clash: str
) -> None:
    if site.engine.url.get_backend_name() != "postgresql":
        pytest.skip("SQLite serialises writers at BEGIN: the clash cannot happen there")
    shared = str(uuid.uuid4())
    first = _person(world, shared, "NID-7")
    second = _person(world, shared) if clash == "id" else _person(world, str(uuid.uuid4()), "NID-7")
    outcome: list[BaseException | None] = []

    def store_second() -> None:
        try:
            with site.transaction() as session:
                register_person(session, site.keys, second, date(2026, 6, 1))
            outcome.append(None)
        except BaseException as exc:  # the thread hands it to the test
            outcome.append(exc)

    with site.transaction() as session:
        register_person(session, site.keys, first, date(2026, 6, 1))
        session.flush()
        racer = threading.Thread(target=store_second)
        racer.start()
        deadline = time.monotonic() + 30
        while not _waiting_for_a_lock(site):  # the second insert waits on the unique index
            assert time.monotonic() < deadline, "the second insert never reached the index"
            time.sleep(0.05)
    racer.join(30)
    assert len(outcome) == 1 and isinstance(outcome[0], Conflict), outcome
    message = str(outcome[0])
    assert "send it again" in message and shared not in message and "NID-7" not in message
    with site.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 1
    # Sent again, the record meets the stored one the ordinary way.
    if clash == "id":
        with pytest.raises(Conflict, match="already used"), site.transaction() as session:
            register_person(session, site.keys, second, date(2026, 6, 1))
    else:
        with site.transaction() as session:
            stored, created = register_person(session, site.keys, second, date(2026, 6, 1))
        assert not created and stored.id == shared
