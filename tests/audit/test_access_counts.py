"""Access counts kept between page views equal a full count, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from brightline.audit.access_counts import by_action, monthly_counts, transparency
from brightline.audit.reports import transparency_report
from brightline.site import Site
from tests.audit.helpers import START, append, empty_the_log, event


def _events(first: int, count: int) -> list:  # type: ignore[type-arg]
    """Reads and refusals by two roles over three months."""
    return [
        event(
            n,
            role=("screener", "reviewer")[n % 2],
            purpose=("treatment", "review")[n % 2],
            action=("person.read", "screening.read", "review.create")[n % 3],
            outcome="denied" if n % 5 == 0 else "allowed",
            at=START + timedelta(days=13 * n),
        )
        for n in range(first, first + count)
    ]


def _both(site: Site) -> tuple[list, list]:  # type: ignore[type-arg]
    with site.transaction() as session:
        return transparency(monthly_counts(session)), transparency_report(session)


def test_kept_counts_grow_with_the_log_and_a_replaced_log_is_counted_afresh(site: Site) -> None:
    append(site, _events(0, 5))
    kept, full = _both(site)
    assert kept == full and sum(r.count for r in kept) == 5
    append(site, _events(5, 4))
    kept, full = _both(site)
    assert kept == full and sum(r.count for r in kept) == 9
    with site.transaction() as session:
        actions = by_action(monthly_counts(session))
    assert sum(a.count for a in actions) == 9 and sum(a.refused for a in actions) == 2
    # The same store emptied and refilled with other entries: nothing kept is reused.
    empty_the_log(site)
    append(site, [event(n, role="surgeon", purpose="follow_up") for n in range(3)])
    kept, full = _both(site)
    assert kept == full and {r.role for r in kept} == {"surgeon"}
