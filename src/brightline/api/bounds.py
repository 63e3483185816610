"""Bounds of what the API accepts: ids, texts, numbers, dates; and times as it sends them.

Every value a client sends has a limit, so no input reaches the store (or an error message)
larger than a record could ever need; docs/api.md lists them.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated

from fastapi import Path
from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from brightline.errors import InvalidInput
from brightline.timestamps import EARLIEST_DAY, check_recorded_day, latest_day, public_time

# RFC 9562's text form of a UUID (8-4-4-4-12 hex digits), either case.
UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
# Ids the server made are UUIDs; older installations may hold shorter ones, none longer.
MAX_ID_LENGTH = 64
# The widest integer a query parameter may carry (audit positions), below SQL's BIGINT.
MAX_POSITION = 2**53
# A VA as written (``6/18``, ``CF 1m``, ``20/200``, ``0.3``): a few characters.
MAX_VA_LENGTH = 20
# An ICD-10 or ICD-11 code (``H25.1``, ``9B10.21``), with room to spare.
MAX_ICD_LENGTH = 20
# A region or facility code.
MAX_CODE_LENGTH = 32

_UUID = re.compile(UUID_PATTERN)


def _uuid_text(value: object) -> object:
    """Refuse a client id that is not a UUID's text, with a message saying what is one."""
    if isinstance(value, str) and not _UUID.fullmatch(value):
        raise PydanticCustomError(
            "uuid_text",
            "use a UUID: 32 hex digits grouped 8-4-4-4-12, "
            "e.g. 3f2b8c1e-9a47-4d2e-8b1f-6c0d5e7a9b21",
        )
    return value


ClientId = Annotated[
    str,
    BeforeValidator(_uuid_text),
    StringConstraints(pattern=UUID_PATTERN, to_lower=True),
    Field(
        description="Client-generated UUID (8-4-4-4-12 hex digits), for offline devices.",
        examples=["3f2b8c1e-9a47-4d2e-8b1f-6c0d5e7a9b21"],
    ),
]
RecordRef = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_ID_LENGTH),
    Field(description="The id of a record, as the API returned it."),
]
VaText = Annotated[str, StringConstraints(max_length=MAX_VA_LENGTH)]
IcdCode = Annotated[str, StringConstraints(max_length=MAX_ICD_LENGTH)]
PlaceCode = Annotated[str, StringConstraints(min_length=1, max_length=MAX_CODE_LENGTH)]


def _recorded_day(value: date) -> date:
    try:
        return check_recorded_day(value, "date")
    except InvalidInput as error:
        # pydantic names the field; the message says which dates are valid, the context
        # carries the window for the coded problem (api/validation.py).
        window = {"low": EARLIEST_DAY.isoformat(), "high": latest_day().isoformat()}
        raise PydanticCustomError("date_out_of_range", error.message, window) from None


def _recorded_time(value: datetime) -> datetime:
    _recorded_day(value.date())
    return value


RecordedDay = Annotated[
    date,
    AfterValidator(_recorded_day),
    Field(description="From 1900-01-01 to tomorrow (UTC)."),
]
RecordedTime = Annotated[
    datetime,
    AfterValidator(_recorded_time),
    Field(description="From 1900-01-01 to tomorrow (UTC); without a zone, UTC."),
]

# Every time the API sends: UTC, with its zone (``Z``), as its OpenAPI says (RFC 3339).
UtcTime = Annotated[
    datetime,
    PlainSerializer(public_time, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}, mode="serialization"),
]

# A record id in a path: as long as any id, so a huge one is refused before it is echoed.
PathId = Annotated[str, Path(min_length=1, max_length=MAX_ID_LENGTH)]
