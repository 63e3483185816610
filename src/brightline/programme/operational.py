"""The programme's operational settings, which an admin may change without a new file.

Name, VA notation, date format, worklist days, review turnaround target and follow-up window
are checked by the same rules as the programme file (``brightline.programme``), every problem
at once and coded, so the admin page shows each beside its field in the reader's language.
Triage rules are not among them: a clinical rule change carries a new rules version and its
review, in the file (docs/triage.md). Pure: no files, no database.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace

from brightline.acuity import NOTATIONS as VA_NOTATIONS
from brightline.problems import Problem, problem, raise_if_any
from brightline.programme import (
    DAYS_RANGE,
    Programme,
    ProgrammeError,
    is_days,
    shows_full_date,
)

FILE_KEYS: Mapping[str, str] = {
    "name": "programme.name",
    "va_notation": "programme.va_notation",
    "date_format": "programme.date_format",
    "not_attended_days": "worklist.not_attended_days",
    "turnaround_target_days": "review.turnaround_target_days",
    "window_first_day": "follow_up.window_first_day",
    "window_last_day": "follow_up.window_last_day",
}
"""Each operational setting by its form name, and its key in the programme file."""

DAYS_SETTINGS = (
    "not_attended_days",
    "turnaround_target_days",
    "window_first_day",
    "window_last_day",
)
# The page's name field is one line; the file puts no limit, the page a generous one.
NAME_LIMIT = 200


@dataclass(frozen=True)
class OperationalSettings:
    """The operational settings of a programme, as one stored version holds them."""

    name: str
    va_notation: str
    date_format: str
    not_attended_days: int
    turnaround_target_days: int | None
    window_first_day: int
    window_last_day: int

    @classmethod
    def of(cls, programme: Programme) -> OperationalSettings:
        """The operational settings a programme has now."""
        first, last = programme.follow_up_window_days
        return cls(
            name=programme.name,
            va_notation=programme.va_notation,
            date_format=programme.date_format,
            not_attended_days=programme.worklist_not_attended_days,
            turnaround_target_days=programme.review_turnaround_target_days,
            window_first_day=first,
            window_last_day=last,
        )

    def applied_to(self, programme: Programme) -> Programme:
        """``programme`` with these settings on top (its triage rules kept as they are)."""
        return replace(
            programme,
            name=self.name,
            va_notation=self.va_notation,
            date_format=self.date_format,
            worklist_not_attended_days=self.not_attended_days,
            review_turnaround_target_days=self.turnaround_target_days,
            follow_up_window_days=(self.window_first_day, self.window_last_day),
        )

    def as_json(self) -> str:
        """The stored form: JSON with sorted keys, so equal settings store equal text."""
        return json.dumps(asdict(self), sort_keys=True, ensure_ascii=False)

    def written(self) -> dict[str, str]:
        """Each setting as a form shows it (an unset target as empty)."""
        return {k: "" if v is None else str(v) for k, v in asdict(self).items()}

    def changed_from(self, earlier: OperationalSettings) -> tuple[str, ...]:
        """The form names of the settings that differ from ``earlier``."""
        return tuple(
            f.name for f in fields(self) if getattr(self, f.name) != getattr(earlier, f.name)
        )


def _days(written: Mapping[str, str], key: str, *, optional: bool) -> int | Problem | None:
    """A days setting as typed: a number by the file's rule, None when optional and empty."""
    text = written.get(key, "").strip()
    if optional and not text:
        return None
    # ASCII digits only: int() would also read other scripts' digits, which no file holds.
    value = int(text) if text.isascii() and text.isdigit() else None
    if is_days(value):
        return value
    low, high = (str(n) for n in DAYS_RANGE)
    code = "setting_optional_days" if optional else "setting_days"
    return problem(key, code, low=low, high=high)


def checked_settings(written: Mapping[str, str]) -> OperationalSettings:
    """The settings a form or command typed, checked whole by the programme file's rules;
    raises :class:`brightline.problems.Problems` naming every field at fault."""
    found: list[Problem] = []
    name = written.get("name", "").strip()
    if not name:
        found.append(problem("name", "setting_text"))
    elif len(name) > NAME_LIMIT:
        found.append(problem("name", "text_too_long", most=str(NAME_LIMIT)))
    notation = written.get("va_notation", "").strip()
    if notation not in VA_NOTATIONS:
        found.append(problem("va_notation", "one_of", choices=", ".join(VA_NOTATIONS)))
    pattern = written.get("date_format", "").strip()
    if not pattern:
        found.append(problem("date_format", "setting_text"))
    elif not shows_full_date(pattern):
        found.append(problem("date_format", "setting_date_format", example="%Y-%m-%d, %d/%m/%Y"))
    days = {
        key: _days(written, key, optional=key == "turnaround_target_days") for key in DAYS_SETTINGS
    }
    found += [value for value in days.values() if isinstance(value, Problem)]
    first, last = days["window_first_day"], days["window_last_day"]
    if isinstance(first, int) and isinstance(last, int) and last < first:
        found.append(problem("window_last_day", "setting_window_order", first=str(first)))
    raise_if_any(found)
    numbers = {key: value for key, value in days.items() if not isinstance(value, Problem)}
    return OperationalSettings(
        name=name,
        va_notation=notation,
        date_format=pattern,
        not_attended_days=_whole(numbers["not_attended_days"]),
        turnaround_target_days=numbers["turnaround_target_days"],
        window_first_day=_whole(numbers["window_first_day"]),
        window_last_day=_whole(numbers["window_last_day"]),
    )


def _whole(value: int | None) -> int:
    assert value is not None  # a required days setting has passed its check
    return value


def stored_settings(text: str, *, version: int) -> OperationalSettings:
    """One stored version's settings, checked again: a value the rules refuse (an edit made
    outside Brightline) stops the programme from loading rather than being used."""
    try:
        stored = json.loads(text)
        written = {k: "" if v is None else str(v) for k, v in dict(stored).items()}
        return checked_settings(written)
    except (ValueError, TypeError) as exc:
        raise ProgrammeError(
            f"programme settings version {version} in the store cannot be used ({exc}); "
            "change the settings again on the admin page or with 'brightline programme set'."
        ) from exc
