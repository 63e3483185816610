"""The release proposal form: every field checked at once, each problem next to its field."""

from __future__ import annotations

from datetime import date

from starlette.datastructures import FormData

from brightline.analytics.release_queries import RELEASE_TABLES
from brightline.correction_records import raise_problems
from brightline.disclosure_records import ReleaseProposal
from brightline.vocabulary import RegionLevel, values
from brightline.web.forms import text

TITLE_LIMIT = 200
EPSILON_LIMIT = 10.0


def epsilon_field(table: str) -> str:
    """The form field of one table's ε."""
    return f"epsilon_{table}"


def _day(form: FormData, name: str, problems: dict[str, str]) -> date | None:
    written = text(form, name)
    try:
        return date.fromisoformat(written)
    except ValueError:
        problems[name] = f"give a date as YYYY-MM-DD, not {written[:80]!r}"
        return None


def _epsilons(form: FormData, problems: dict[str, str]) -> dict[str, float]:
    tables: dict[str, float] = {}
    for name in RELEASE_TABLES:
        written = text(form, epsilon_field(name)).replace(",", ".")
        if not written:
            continue
        try:
            epsilon = float(written)
        except ValueError:
            epsilon = -1.0
        if not 0 < epsilon <= EPSILON_LIMIT:
            problems[epsilon_field(name)] = (
                f"ε must be a number above 0 and at most {EPSILON_LIMIT:g}, not {written[:80]!r}"
            )
            continue
        tables[name] = epsilon
    if not tables and not any(epsilon_field(n) in problems for n in RELEASE_TABLES):
        problems["tables"] = "give an ε for at least one table"
    return tables


def proposal_of(form: FormData) -> ReleaseProposal:
    """A proposal from the form, or every problem of it at once (``InvalidInputs``)."""
    problems: dict[str, str] = {}
    title = text(form, "title")
    if not 0 < len(title) <= TITLE_LIMIT:
        problems["title"] = f"give a title of 1 to {TITLE_LIMIT} characters"
    level = text(form, "level")
    if level not in values(RegionLevel):
        problems["level"] = f"choose one of: {', '.join(values(RegionLevel))}"
    start, end = _day(form, "from", problems), _day(form, "to", problems)
    if start and end and end <= start:
        problems["to"] = "the end must be after the start (the period ends the day before it)"
    tables = _epsilons(form, problems)
    raise_problems(problems)
    assert start is not None and end is not None
    return ReleaseProposal(title, level, start, end, tables)
