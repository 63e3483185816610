"""The screenings row checker on its own: CSV cells in, checked rows or problems out.

No database and no file: the checker is given the clinics and regions a row may name.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from brightline.csvfiles import ColumnReader
from brightline.identifiers import IdentifierKeys, phone_pseudonym
from brightline.programme import load_programme
from brightline.service.import_rows import (
    SCREENINGS_LAYOUT,
    TEMPLATE_COLUMNS,
    CheckedRow,
    Clinic,
    ScreeningRowChecker,
)
from brightline.service.people import reveal_fields

NOW = datetime(2026, 3, 10, 12, 0)
KEYS = IdentifierKeys.generate()
PROGRAMME = load_programme()
CLINICS = {
    "CL-A": Clinic(id=7, region_id=3, centre_id=9),
    "CL-FAR": Clinic(id=8, region_id=4, centre_id=None, centre_error="no centre serves CL-FAR"),
}
REGIONS = {"TA": 3, "TB": 5}


def checker(header: tuple[str, ...] = TEMPLATE_COLUMNS) -> ScreeningRowChecker:
    positions = [header.index(c) if c in header else -1 for c in SCREENINGS_LAYOUT.columns]
    return ScreeningRowChecker(
        keys=KEYS,
        programme=PROGRAMME,
        now=NOW,
        clinics=CLINICS,
        regions=REGIONS,
        columns=ColumnReader(SCREENINGS_LAYOUT, positions, len(header)),
        screener_id=None,
    )


def cells(header: tuple[str, ...] = TEMPLATE_COLUMNS, **values: str) -> list[str]:
    """A row of ``header``: a good screening unless ``values`` say otherwise."""
    row = {
        "client_record_id": "R-1",
        "facility_code": "CL-A",
        "screened_on": "2026-03-02",
        "sex": "female",
        "birth_year": "1950",
        "right_presenting_va": "6/6",
        "left_presenting_va": "6/9",
        **values,
    }
    return [row.get(column, "") for column in header]


def problems(row: CheckedRow) -> dict[str | None, str]:
    return {p.column: p.message for p in row.problems}


def test_good_row_builds_person_and_screening_with_sealed_identifiers() -> None:
    row = checker().check(2, cells(name="Amina Otieno", township_code=" TB "))
    assert row.problems == []
    assert row.person is not None and row.built is not None
    assert row.person["region_id"] == 5  # the township named, not the clinic's
    assert row.person["birth_year"] == 1950
    assert row.person["created_at"] == NOW
    assert row.built.screening["facility_id"] == 7
    assert row.built.referral is None
    person = row.person
    opened = reveal_fields(KEYS, person["id"], person["data_key"], {"name": person["name_ct"]})
    assert opened["name"] == "Amina Otieno"
    assert "Amina" not in repr(row.person)


def test_an_imported_phone_gets_its_keyed_pseudonym_for_search() -> None:
    row = checker().check(2, cells(phone="0712-345 678"))
    assert row.person is not None
    assert row.person["phone_hmac"] == phone_pseudonym(KEYS, "0712345678")
    assert "0712345678" not in row.person["phone_hmac"]
    assert checker().check(2, cells()).person["phone_hmac"] is None  # type: ignore[index]


def test_poor_vision_is_referred_to_the_clinics_centre() -> None:
    row = checker().check(
        2, cells(right_presenting_va="6/60", right_pinhole_va="6/60", right_lens="opacity")
    )
    assert row.problems == []
    assert row.built is not None and row.built.referral is not None
    assert row.built.referral["to_facility_id"] == 9


def test_referral_without_a_centre_is_a_problem_of_the_facility() -> None:
    row = checker().check(
        5, cells(facility_code="CL-FAR", right_presenting_va="6/60", right_pinhole_va="6/60")
    )
    assert problems(row) == {"facility_code": "no centre serves CL-FAR; this row needs a referral"}
    assert row.person is None and row.built is None


def test_every_problem_of_a_row_is_named_with_its_column_and_line() -> None:
    row = checker().check(
        4,
        cells(
            facility_code="NOPE",
            screened_on="2026-02-30",
            township_code="TX",
            sex="alien",
            birth_year="19x0",
            right_presenting_va="blurry",
            symptoms="trauma;itchy",
        ),
    )
    found = problems(row)
    assert set(found) == {
        "facility_code",
        "screened_on",
        "township_code",
        "sex",
        "birth_year",
        "right_presenting_va",
        "symptoms",
    }
    assert "no facility with code 'NOPE'" in found["facility_code"]
    assert "not a date on the calendar" in found["screened_on"]
    assert {p.line for p in row.problems} == {4}
    assert row.person is None and row.built is None


def test_identifiers_are_never_echoed_in_a_problem() -> None:
    row = checker().check(2, cells(phone="9" * 40))
    [problem] = row.problems
    assert problem.column == "phone"
    assert "9999" not in problem.message


def test_a_client_record_id_twice_names_the_first_line() -> None:
    check = checker()
    assert check.check(2, cells()).problems == []
    second = check.check(3, cells())
    assert problems(second) == {
        "client_record_id": "'R-1' is also on line 2; every row needs its own client_record_id"
    }


def test_columns_are_found_by_name_in_any_order_and_age_stands_in() -> None:
    header = (*reversed([c for c in TEMPLATE_COLUMNS if c != "birth_year"]), "age")
    row = checker(header).check(2, cells(header, age="70", name="Li Mei"))
    assert row.problems == []
    assert row.person is not None and row.built is not None
    assert row.person["birth_year"] == 2026 - 70
    assert row.identifiers["name"] == "Li Mei"
    assert row.built.screening["left_presenting_va"] == "6/9"


def test_cells_beyond_the_header_are_an_unquoted_comma() -> None:
    row = checker().check(2, [*cells(), "Village, East"])
    width = len(TEMPLATE_COLUMNS)
    assert problems(row) == {
        None: f"the row has {width + 1} cells but the header {width} columns; "
        "a value that contains a comma must be in double quotes"
    }


def test_a_short_row_reads_empty_cells() -> None:
    short = cells()[: TEMPLATE_COLUMNS.index("left_untestable") + 1]  # stops before the pinhole
    row = checker().check(2, short)
    assert row.problems == []
    assert row.identifiers == dict.fromkeys(("name", "phone", "national_id", "address"))
    assert row.built is not None
    assert row.built.screening["left_presenting_va"] == "6/9"
    assert row.built.screening["right_pinhole_va"] is None
    assert row.built.screening["symptoms"] == ""


def test_a_row_without_vision_in_an_eye_names_the_eye() -> None:
    row = checker().check(2, cells()[:6])  # stops after birth_year: no VA, no reason
    message = "Enter the presenting VA or mark the eye as not testable."
    assert problems(row) == {"right_presenting_va": message, "left_presenting_va": message}
    assert row.built is None


def test_an_untestable_eye_is_read_from_its_column() -> None:
    row = checker().check(
        2, cells(left_presenting_va="", left_untestable=" Eye_Absent ", right_presenting_va="6/6")
    )
    assert row.problems == []
    assert row.built is not None
    assert row.built.screening["left_untestable"] == "eye_absent"
    assert row.built.referral is None
    both = checker().check(2, cells(left_untestable="not_attempted"))
    assert problems(both) == {
        "left_untestable": "An eye marked as not testable has no VA; clear one of the two."
    }
    unknown = checker().check(2, cells(left_presenting_va="", left_untestable="asleep"))
    assert problems(unknown) == {"left_untestable": "Choose why the eye could not be tested."}


def test_a_screening_before_1900_is_refused() -> None:
    row = checker().check(2, cells(screened_on="1899-12-31", birth_year="1850"))
    assert "screened_on" in problems(row)
    assert "1900-01-01" in problems(row)["screened_on"]


@pytest.mark.parametrize(
    ("birth_year", "age", "column"),
    [("1950", "30", "age"), ("2027", "", "birth_year"), ("", "", "birth_year"), ("", "x", "age")],
)
def test_birth_year_and_age_must_agree(birth_year: str, age: str, column: str) -> None:
    header = (*TEMPLATE_COLUMNS, "age")
    row = checker(header).check(2, cells(header, birth_year=birth_year, age=age))
    assert column in problems(row)
    assert row.person is None


@given(st.integers(min_value=0, max_value=120))
def test_age_gives_the_birth_year_of_the_screening_year(age: int) -> None:
    header = (*TEMPLATE_COLUMNS, "age")
    row = checker(header).check(2, cells(header, birth_year="", age=str(age)))
    assert row.problems == []
    assert row.person is not None and row.person["birth_year"] == 2026 - age
