"""``store.bulk.insert_many`` stores exactly what a Core ``insert`` of the same rows stores."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import insert, select

from brightline.records import PersonInput, ScreeningInput
from brightline.service.people import identifiers_of, person_row
from brightline.service.screenings import screening_rows
from brightline.site import Site
from brightline.store.bulk import insert_many
from brightline.store.models import Base, Person, Screening
from tests.conftest import World

TODAY = date(2026, 3, 2)


def _rows(site: Site, world: World, tag: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Two people (one with every identifier) and a screening each, as the import builds them."""
    people, screenings = [], []
    for number, (name, national_id) in enumerate((("Amina Otieno", "ID-77"), (None, None))):
        person = person_row(
            site.keys,
            PersonInput(
                facility_id=world.clinic_a,
                region_id=world.township_a,
                sex="female",
                birth_year=1950 + number,
                name=name,
                phone="0712 345 678" if name else None,
                national_id=f"{national_id}-{tag}" if national_id else None,
                address=None,
                client_record_id=f"{tag}-{number}",
            ),
            TODAY,
        )
        built = screening_rows(
            site.programme,
            ScreeningInput(
                person_id=person["id"],
                facility_id=world.clinic_a,
                screened_at=datetime(2026, 3, 2, 9, 30, 15, 120),
                right_presenting_va="6/60",
                left_presenting_va="6/9" if number else None,
                right_pinhole_va="6/36",
                left_pinhole_va=None,
                right_lens="opacity",
                left_lens=None,
                left_untestable=None if number else "not_attempted",
                symptoms=[],
                screener_id=None,
                client_record_id=f"{tag}-{number}",
            ),
            refer_to_facility_id=world.centre,
        )
        people.append(person)
        # Left out on purpose: created_at (a callable default) and symptoms (a scalar one).
        screening = {
            k: v for k, v in built.screening.items() if k not in ("created_at", "symptoms")
        }
        screenings.append(screening)
    return people, screenings


def _stored(site: Site, tag: str) -> list[tuple[Any, ...]]:
    """Everything stored for the rows of ``tag``, ids and times aside, in a fixed order."""
    with site.transaction() as session:
        people = session.execute(
            select(Person).where(Person.client_record_id.like(f"{tag}-%"))
        ).scalars()
        result = []
        for person in sorted(people, key=lambda p: str(p.client_record_id)):
            screening = session.scalars(
                select(Screening).where(Screening.person_id == person.id)
            ).one()
            result.append(
                (
                    person.sex,
                    person.birth_year,
                    person.name_ct is not None,
                    person.national_id_hmac is not None,
                    type(person.created_at),
                    screening.screened_at,
                    screening.suspected_cataract,
                    screening.symptoms,
                    screening.right_presenting_logmar,
                    screening.right_presenting_va,
                    screening.triage_decision,
                    screening.triage_reasons,
                    type(screening.created_at),
                )
            )
    return result


def test_insert_many_stores_what_core_insert_stores(site: Site, world: World) -> None:
    core_people, core_screenings = _rows(site, world, "core")
    bulk_people, bulk_screenings = _rows(site, world, "bulk")
    tables = Base.metadata.tables
    with site.transaction() as session:
        connection = session.connection()
        connection.execute(insert(tables["people"]), core_people)
        connection.execute(insert(tables["screenings"]), core_screenings)
        insert_many(connection, tables["people"], bulk_people)
        insert_many(connection, tables["screenings"], bulk_screenings)
    core, bulk = _stored(site, "core"), _stored(site, "bulk")
    assert bulk == core
    assert bulk[0][5] == datetime(2026, 3, 2, 9, 30, 15, 120)  # microseconds kept
    assert bulk[0][6] is True and bulk[0][7] == ""  # boolean and the scalar default
    # Identifiers decrypt: the ciphertext bytes went through the binary bind processor.
    with site.transaction() as session:
        person = session.scalars(select(Person).where(Person.client_record_id == "bulk-0")).one()
        assert identifiers_of(site.keys, person).name == "Amina Otieno"


def test_insert_many_refuses_unknown_columns_and_uneven_rows(site: Site, world: World) -> None:
    people, _ = _rows(site, world, "bad")
    table = Base.metadata.tables["people"]
    with (
        pytest.raises(ValueError, match="people has no column 'nickname'"),
        site.transaction() as session,
    ):
        insert_many(session.connection(), table, [{**people[0], "nickname": "x"}])
    uneven = [people[0], {k: v for k, v in people[1].items() if k != "phone_ct"}]
    with (
        pytest.raises(ValueError, match="every row must have the columns"),
        site.transaction() as session,
    ):
        insert_many(session.connection(), table, uneven)
    with site.transaction() as session:
        insert_many(session.connection(), table, [])  # nothing to do
        assert session.scalar(select(Person).where(Person.client_record_id.like("bad-%"))) is None
