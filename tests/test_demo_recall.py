"""The demo's recall loop: clinics call people who have not attended; the figures show it."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from brightline.analytics.engines import connect
from brightline.analytics.indicators import IndicatorQuery, compute_indicators, snapshot_tables
from brightline.analytics.snapshot import current_snapshot, take_snapshot
from brightline.audit.verify import verify_log
from brightline.demo import build_demo
from brightline.settings import Settings
from brightline.site import Site
from brightline.store.models import Attendance, AuditEntry, ContactAttempt, Referral, User
from brightline.vocabulary import CLOSING_CONTACT_OUTCOMES
from tests.analytics.helpers import DUCKDB_DEPRECATION

pytestmark = pytest.mark.filterwarnings(DUCKDB_DEPRECATION)

AS_OF = date(2025, 6, 30)


def test_a_small_demo_calls_non_attenders_and_the_recall_figures_are_real(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home", database_url=None)
    report = build_demo(settings, people=300, seed=3, as_of=AS_OF)
    site = Site.open(settings)
    try:
        with site.transaction() as session:
            rows = session.execute(
                select(ContactAttempt, Referral, User)
                .join(Referral, Referral.id == ContactAttempt.referral_id)
                .join(User, User.id == ContactAttempt.attempted_by)
            ).all()
            attended = set(session.scalars(select(Attendance.referral_id)))
            outcomes = Counter(attempt.outcome for attempt, _, _ in rows)
            assert len(rows) == report.counts["contact_attempts"] > 0
            assert len(outcomes) >= 4, outcomes  # reached, declined, not reached, moved …
            end = datetime.combine(AS_OF, datetime.min.time())
            for attempt, referral, user in rows:
                # The referring clinic's screener, after the referral and before as_of,
                # and never on someone who attended.
                assert user.role == "screener" and user.facility_id == referral.from_facility_id
                assert referral.referred_at <= attempt.attempted_at < end
                assert referral.id not in attended
                assert (attempt.decline_reason is not None) == (attempt.outcome == "declined")
                assert (attempt.will_attend_on is not None) == (attempt.outcome == "will_attend")
                if attempt.outcome in CLOSING_CONTACT_OUTCOMES:
                    assert (referral.status, referral.close_reason) == ("closed", attempt.outcome)
            logged = Counter(
                session.scalars(
                    select(AuditEntry.action).where(
                        AuditEntry.action == "contact_attempt.create",
                        AuditEntry.role == "screener",
                        AuditEntry.purpose == "follow_up",
                    )
                )
            )
            assert logged["contact_attempt.create"] == len(rows)
            assert verify_log(session, site.audit_signer().verifier_key()).ok
        take_snapshot(site)
    finally:
        site.close()

    engine = connect("duckdb")
    tables = snapshot_tables(engine, current_snapshot(settings.home / "snapshot"))
    year = IndicatorQuery("province", AS_OF - timedelta(days=366), AS_OF + timedelta(days=1))
    table = compute_indicators(engine, tables, year)

    def count(indicator: str, category: str) -> int:
        cell = table.get("LS", indicator, category)
        assert cell is not None and cell.count is not None, (indicator, category)
        return cell.count

    declined = count("referral_closed", "declined")
    assert declined == outcomes["declined"] > 0
    barriers = ("cost", "fear", "no_escort", "distance", "other")
    assert sum(count("barriers", reason) for reason in barriers) == declined
    not_eligible = sum(count("referral_closed", r) for r in ("moved", "died", "attended_elsewhere"))
    assert not_eligible > 0
    referred = count("referral_uptake", "attended") + count("referral_uptake", "not_attended")
    assert count("referral_uptake", "eligible") == referred - not_eligible
    eligible_rate = table.get("LS", "referral_uptake", "rate_eligible")
    rate = table.get("LS", "referral_uptake", "rate")
    assert eligible_rate is not None and rate is not None
    assert eligible_rate.value is not None and rate.value is not None
    assert eligible_rate.value > rate.value > 0
