"""The FHIR search parameters the API accepts, each bounded, and how results are filtered.

``_lastUpdated`` takes a FHIR date or dateTime with an optional prefix (eq, ge, gt, le, lt);
``_count`` a page size from 1 to 100 and ``_offset`` (the paging links') a start within the
result, each given once; ``_format`` JSON only. Anything else is refused with a message that
names the parameter and the valid ones.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from brightline.api.bounds import MAX_ID_LENGTH
from brightline.errors import BrightlineError, InvalidInput
from brightline.fhir.chart import instant

DEFAULT_COUNT = 20
MAX_COUNT = 100
MAX_OFFSET = 1_000_000
MAX_VALUE_LENGTH = 100
MAX_REPEATS = 4
# FHIR's id: letters, digits, '-' and '.', 1 to 64 characters.
FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
# A dateTime with a time has a zone (FHIR R4 dateTime: "If hours and minutes are specified, a
# time zone SHALL be populated").
_DATE = re.compile(
    r"(eq|ge|gt|le|lt)?(\d{4}(?:-\d{2}(?:-\d{2}(?:T[0-9:.]+(?:Z|[+-]\d{2}:\d{2}))?)?)?)"
)
# A search parameter's name as FHIR writes them: what an OperationOutcome's expression may echo.
PARAMETER_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]{0,63}")
# The response formats: JSON only (FHIR's _format and Accept values for it).
JSON_FORMATS = ("json", "application/json", "application/fhir+json")
PERSON_PARAMETERS = ("_id", "patient", "subject", "_lastUpdated", "_count", "_offset", "_format")
OTHER_PARAMETERS = ("_id", "_lastUpdated", "_count", "_offset", "_format")


class NotAcceptable(BrightlineError):
    """A response format this server does not produce (XML): HTTP 406."""

    code = "not_acceptable"


def check_accept(accept: str | None) -> None:
    """Refuse an Accept header that takes no JSON (``application/fhir+xml`` alone)."""
    if not accept:
        return
    kinds = [part.split(";")[0].strip().lower() for part in accept.split(",")]
    if any(k in ("*/*", "application/*") or k in JSON_FORMATS for k in kinds):
        return
    raise NotAcceptable(
        f"Accept {accept[:MAX_VALUE_LENGTH]!r} takes no JSON: this server answers "
        f"{', '.join(JSON_FORMATS[1:])} only",
        field="Accept",
    )


@dataclass(frozen=True)
class Window:
    """A time window [after, before) of ``_lastUpdated``, either side open."""

    after: datetime | None = None
    before: datetime | None = None

    def holds(self, resource: dict[str, Any]) -> bool:
        """Whether a resource's ``meta.lastUpdated`` lies in the window (none: only if open)."""
        updated = resource.get("meta", {}).get("lastUpdated")
        if updated is None:
            return self.after is None and self.before is None
        if self.after is not None and updated < instant(self.after):
            return False
        return not (self.before is not None and updated >= instant(self.before))


@dataclass(frozen=True)
class Search:
    """One search request: which ids or person, which window, which page."""

    ids: tuple[str, ...]
    person: str | None
    window: Window
    count: int
    offset: int


def _bounds(text: str) -> tuple[datetime, datetime]:
    """The instants a FHIR date or dateTime covers: a year, month, day or one second."""
    if "T" in text:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        return moment, moment + timedelta(seconds=1)
    parts = [int(p) for p in text.split("-")]
    if len(parts) == 1:
        return datetime(parts[0], 1, 1), datetime(parts[0] + 1, 1, 1)
    if len(parts) == 2:
        year, month = parts
        end = datetime(year + 1, 1, 1) if month == 12 else datetime(year, month + 1, 1)
        return datetime(year, month, 1), end
    start = datetime(parts[0], parts[1], parts[2])
    return start, start + timedelta(days=1)


def window_of(values: Sequence[str]) -> Window:
    """The window of every ``_lastUpdated`` given (they all hold: FHIR's AND of repeats)."""
    after: datetime | None = None
    before: datetime | None = None
    for value in values:
        match = _DATE.fullmatch(value)
        try:
            if match is None:
                raise ValueError(value)
            start, end = _bounds(match[2])
        except ValueError:
            raise InvalidInput(
                f"_lastUpdated {value[:MAX_VALUE_LENGTH]!r} is not a FHIR date: write "
                "[eq|ge|gt|le|lt]YYYY[-MM[-DD[Thh:mm:ssZ]]], e.g. ge2026-01-01",
                field="_lastUpdated",
            ) from None
        prefix = match[1] or "eq"
        low = {"eq": start, "ge": start, "gt": end}.get(prefix)
        high = {"eq": end, "lt": start, "le": end}.get(prefix)
        if low is not None:
            after = low if after is None else max(after, low)
        if high is not None:
            before = high if before is None else min(before, high)
    return Window(after, before)


def _number(params: dict[str, list[str]], name: str, default: int, low: int, high: int) -> int:
    values = params.get(name, [])
    if not values:
        return default
    if len(values) > 1:
        raise InvalidInput(f"give {name} once, not {len(values)} times", field=name)
    text = values[0]
    if not text.isdigit() or not low <= int(text) <= high:
        raise InvalidInput(
            f"{name} {text[:MAX_VALUE_LENGTH]!r} is not valid; give a whole number from "
            f"{low} to {high}",
            field=name,
        )
    return int(text)


def _reference(value: str, name: str) -> str:
    """A patient reference as ``Patient/<id>`` or ``<id>``."""
    found = value.removeprefix("Patient/")
    if not FHIR_ID.fullmatch(found):
        raise InvalidInput(
            f"{name} {value[:MAX_VALUE_LENGTH]!r} is not a patient reference; write "
            "Patient/<id> or <id>",
            field=name,
        )
    return found


def parse_search(kind: str, params: dict[str, list[str]], *, about_people: bool) -> Search:
    """A search request checked: known parameters only, each bounded."""
    allowed = PERSON_PARAMETERS if about_people and kind != "Patient" else OTHER_PARAMETERS
    for name, values in params.items():
        if name not in allowed:
            raise InvalidInput(
                f"{kind} cannot be searched by {name[:MAX_VALUE_LENGTH]!r}; use "
                f"{', '.join(allowed)}",
                field=name if PARAMETER_NAME.fullmatch(name) else None,
            )
        if len(values) > MAX_REPEATS or any(len(v) > MAX_VALUE_LENGTH for v in values):
            raise InvalidInput(
                f"{name}: at most {MAX_REPEATS} values of at most {MAX_VALUE_LENGTH} characters",
                field=name,
            )
    ids = tuple(i for value in params.get("_id", []) for i in value.split(",") if i)
    if any(len(i) > MAX_ID_LENGTH or not FHIR_ID.fullmatch(i) for i in ids):
        raise InvalidInput("_id holds FHIR ids: letters, digits, '-' and '.'", field="_id")
    formats = params.get("_format", [])
    if any(f not in JSON_FORMATS for f in formats):
        raise NotAcceptable(
            f"_format {formats[0][:MAX_VALUE_LENGTH]!r} is not offered: this server answers "
            f"JSON only ({', '.join(JSON_FORMATS)})",
            field="_format",
        )
    people = {_reference(v, name) for name in ("patient", "subject") for v in params.get(name, [])}
    if len(people) > 1:
        raise InvalidInput("search one patient at a time", field="patient")
    return Search(
        ids,
        next(iter(people), None),
        window_of(params.get("_lastUpdated", [])),
        _number(params, "_count", DEFAULT_COUNT, 1, MAX_COUNT),
        _number(params, "_offset", 0, 0, MAX_OFFSET),
    )
