"""Data-entry problems as codes with parameters, each worded once and rendered per language.

A form, an API body, a CSV row or an offline record is checked whole: every problem found is
reported at once, each with the field it belongs to, a stable code and plain parameters. The
English templates are gettext message ids (translations in ``brightline/web/locale``), so the
web UI shows each problem beside its field in the reader's language and the API returns the
same list. Pure: no files, no database.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

from brightline.errors import BrightlineError, InvalidInput
from brightline.timestamps import EARLIEST_DAY, latest_day


def N_(message: str) -> str:
    """Mark a message for extraction into the gettext catalogue; it is translated when shown."""
    return message


@dataclass(frozen=True)
class ProblemKind:
    """One problem code: its short English template (a gettext msgid) and its parameters."""

    code: str
    template: str
    parameters: tuple[str, ...] = ()


PROBLEM_KINDS: Final[tuple[ProblemKind, ...]] = (
    ProblemKind(
        "va_unreadable",
        N_(
            '"%(text)s" is not a visual acuity; write e.g. 6/18, 20/60, 0.33, CF 1m, HM, LP or NLP.'
        ),
        ("text",),
    ),
    ProblemKind(
        "va_beyond_chart",
        N_(
            '"%(text)s" is off the chart (6/3 to 1/60); record worse vision as CF with '
            "its distance, HM, LP or NLP."
        ),
        ("text",),
    ),
    ProblemKind(
        "va_decimal_range",
        N_('"%(text)s" as decimal acuity must be from 0.017 to 2.0.'),
        ("text",),
    ),
    ProblemKind("va_cf_distance", N_('"%(text)s": counting fingers from 10 cm to 6 m.'), ("text",)),
    ProblemKind("va_cf_unit", N_('"%(text)s": give the distance in m or cm.'), ("text",)),
    ProblemKind(
        "va_or_untestable",
        N_("Enter the presenting VA or mark the eye as not testable."),
    ),
    ProblemKind(
        "va_and_untestable",
        N_("An eye marked as not testable has no VA; clear one of the two."),
    ),
    ProblemKind("untestable_reason", N_("Choose why the eye could not be tested.")),
    ProblemKind(
        "bcva_worse",
        N_("Best-corrected VA %(bcva)s is worse than presenting VA %(va)s."),
        ("bcva", "va"),
    ),
    ProblemKind("date_range", N_("Give a date from %(low)s to %(high)s."), ("low", "high")),
    ProblemKind("date_before", N_("This date is before %(step)s on %(on)s."), ("step", "on")),
    ProblemKind("icd10_unknown", N_('"%(text)s" is not an eye-related ICD-10 code.'), ("text",)),
    ProblemKind("icd11_unknown", N_('"%(text)s" is not an eye-related ICD-11 code.'), ("text",)),
    ProblemKind(
        "age_or_birth_year", N_("Give the year of birth, or the age in years if it is unknown.")
    ),
    ProblemKind("age_range", N_("Give an age from 0 to %(most)s years."), ("most",)),
    ProblemKind("birth_year_range", N_("Give a year from %(low)s to %(high)s."), ("low", "high")),
    ProblemKind(
        "age_mismatch",
        N_("Age %(age)s does not match the year of birth %(year)s; clear one of them."),
        ("age", "year"),
    ),
    ProblemKind(
        "national_id_elsewhere",
        N_("This national ID is already registered; ask the programme office."),
    ),
    ProblemKind(
        "phone_form",
        N_(
            "Write the phone number with 5 to 15 digits; spaces, hyphens, dots, brackets and "
            "a leading + are allowed."
        ),
    ),
    ProblemKind("message", "%(text)s", ("text",)),
    # A request that does not fit its schema, each field's fault in words (api/validation.py).
    ProblemKind("required", N_("This field is required.")),
    ProblemKind("number_at_least", N_("Give a number of at least %(low)s."), ("low",)),
    ProblemKind("number_at_most", N_("Give a number of at most %(high)s."), ("high",)),
    ProblemKind("whole_number", N_("Give a whole number.")),
    ProblemKind("number", N_("Give a number.")),
    ProblemKind("text", N_("Give this as text.")),
    ProblemKind("text_too_long", N_("Write at most %(most)s characters."), ("most",)),
    ProblemKind("text_too_short", N_("Write at least %(least)s characters."), ("least",)),
    ProblemKind("too_many", N_("Give at most %(most)s items."), ("most",)),
    ProblemKind("one_of", N_("Choose one of: %(choices)s."), ("choices",)),
    ProblemKind("yes_or_no", N_("Give true or false.")),
    ProblemKind("day", N_("Give a date as YYYY-MM-DD.")),
    ProblemKind("moment", N_("Give a date and time, e.g. 2026-03-01T09:30:00Z.")),
    ProblemKind("unknown_field", N_("This field is not part of the record.")),
    ProblemKind("list", N_("Give a list.")),
    ProblemKind("malformed", N_("This value does not have the form it needs here.")),
    ProblemKind(
        "uuid",
        N_(
            "Use a UUID: 32 hex digits grouped 8-4-4-4-12, "
            "e.g. 3f2b8c1e-9a47-4d2e-8b1f-6c0d5e7a9b21."
        ),
    ),
    # The programme's settings, changed on the admin page (the programme file's rules).
    ProblemKind("setting_text", N_("Write some text here.")),
    ProblemKind(
        "setting_days",
        N_("Give a whole number of days from %(low)s to %(high)s."),
        ("low", "high"),
    ),
    ProblemKind(
        "setting_optional_days",
        N_("Give a whole number of days from %(low)s to %(high)s, or leave it empty."),
        ("low", "high"),
    ),
    ProblemKind(
        "setting_date_format",
        N_(
            "This does not show a full date; use strftime codes with a year, month and day, "
            "such as %(example)s."
        ),
        ("example",),
    ),
    ProblemKind(
        "setting_window_order",
        N_("The last day must be on or after the first day (%(first)s)."),
        ("first",),
    ),
    ProblemKind(
        "setting_reason",
        N_(
            "Say in words why the settings change: at least %(letters)s letters, or "
            "%(ideographs)s Chinese characters."
        ),
        ("letters", "ideographs"),
    ),
    # A review's eyes to operate against its recommendation (brightline.pathway.check_review).
    ProblemKind(
        "surgery_eyes_missing",
        N_("A surgery recommendation must name the eye(s) to operate: right, left or both."),
    ),
    ProblemKind(
        "surgery_eyes_unwanted",
        N_(
            "Eyes to operate go only with a surgery recommendation; recommend surgery or "
            "clear them."
        ),
    ),
)
"""Every problem code; ``message`` carries an older error's English sentence as it is."""

KINDS: Final = {kind.code: kind for kind in PROBLEM_KINDS}

STEPS: Final = {
    "referral": N_("the referral"),
    "attendance": N_("the attendance"),
    "surgery": N_("the surgery"),
}
"""Pathway steps a date may not come before (the ``step`` parameter of ``date_before``)."""


def _identity(text: str) -> str:
    return text


@dataclass(frozen=True)
class Problem:
    """One problem: the field at fault, a declared code and its parameters (plain strings)."""

    field: str
    code: str
    parameters: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        kind = KINDS.get(self.code)
        if kind is None or set(self.parameters) != set(kind.parameters):
            raise ValueError(
                f"problem {self.code!r} with {sorted(self.parameters)} is not declared"
            )

    def message(self, translate: Callable[[str], str] = _identity) -> str:
        """The problem as one short sentence in the reader's language."""
        values = dict(self.parameters)
        if self.code == "date_before":
            values["step"] = translate(STEPS.get(values["step"], values["step"]))
        if self.code == "message":
            return values["text"]
        return translate(KINDS[self.code].template) % values

    def as_json(self) -> dict[str, str]:
        """The API's form: ``{"field", "code", "message"}`` (English)."""
        return {"field": self.field, "code": self.code, "message": self.message()}


def problem(field_name: str, code: str, **parameters: str) -> Problem:
    """A problem with its parameters by name: ``problem("left_presenting_va", "va_unreadable",
    text="6/x")``."""
    return Problem(field_name, code, parameters)


class Problems(InvalidInput):
    """Every problem found in one record; the first one is also its ``field`` and message."""

    code = "invalid_input"

    def __init__(self, found: Iterable[Problem]) -> None:
        self.problems = tuple(found)
        if not self.problems:
            raise ValueError("Problems needs at least one problem")
        first = self.problems[0]
        text = " ".join(f"{p.field}: {p.message()}" for p in self.problems)
        super().__init__(text if len(self.problems) > 1 else first.message(), field=first.field)


def problems_of(error: BrightlineError, default_field: str = "form") -> tuple[Problem, ...]:
    """The problems an error carries; an older single-message error becomes one problem."""
    if isinstance(error, Problems):
        return error.problems
    return (Problem(error.field or default_field, "message", {"text": error.message}),)


def raise_if_any(found: Iterable[Problem]) -> None:
    """Refuse the record when anything was found, naming every problem at once."""
    listed = list(found)
    if listed:
        raise Problems(listed)


def catalogue(translate: Callable[[str], str] = _identity) -> dict[str, object]:
    """The problem wordings of one language as data, for renderers outside Python (offline)."""
    return {
        "templates": {k.code: translate(k.template) for k in PROBLEM_KINDS if k.code != "message"},
        "parameters": {kind.code: list(kind.parameters) for kind in PROBLEM_KINDS},
        "steps": {step: translate(text) for step, text in STEPS.items()},
    }


def day_problem(field_name: str, value: date, today: date) -> Problem | None:
    """A clinical date outside 1900-01-01 .. tomorrow (a phone's clock may run a day ahead)."""
    last = latest_day(today)
    if EARLIEST_DAY <= value <= last:
        return None
    return problem(field_name, "date_range", low=EARLIEST_DAY.isoformat(), high=last.isoformat())


def order_problem(
    field_name: str, value: date | datetime, step: str, earlier: date | datetime | None
) -> Problem | None:
    """A pathway date before the step it follows (attendance before referral, surgery before
    attendance, follow-up before surgery); a time is compared with a time, a day with a day."""
    if earlier is None or value >= earlier:
        return None
    on = earlier.date() if isinstance(earlier, datetime) else earlier
    return problem(field_name, "date_before", step=step, on=on.isoformat())


MAX_AGE: Final = 120


def birth_year_of(year_written: str, age_written: str, today: date) -> int:
    """The year of birth as written, or this year minus the age in years when it is unknown
    (the CSV import's ``age`` column); when both are given they must agree within a year."""
    year_text, age_text = year_written.strip(), age_written.strip()
    low, high = today.year - MAX_AGE, today.year
    found: list[Problem] = []
    year = age = None
    if year_text:
        if year_text.isdigit() and len(year_text) == 4 and low <= int(year_text) <= high:
            year = int(year_text)
        else:
            found.append(problem("birth_year", "birth_year_range", low=str(low), high=str(high)))
    if age_text:
        if age_text.isdigit() and int(age_text) <= MAX_AGE:
            age = int(age_text)
        else:
            found.append(problem("age", "age_range", most=str(MAX_AGE)))
    if not year_text and not age_text:
        found.append(problem("birth_year", "age_or_birth_year"))
    if year is not None and age is not None and high - year - age not in (0, 1):
        found.append(problem("age", "age_mismatch", age=str(age), year=str(year)))
    raise_if_any(found)
    if year is not None:
        return year
    assert age is not None
    return high - age
